//! Parser golden files.
//!
//! `data/ok/NNNN_name.rule` must parse; its canonical form (then any warnings, rendered)
//! is compared with `NNNN_name.canon`. `data/err/NNNN_name.rule` must be rejected; its
//! rendered diagnostics are compared with `NNNN_name.err`. A trailing newline of the
//! `.rule` file is not part of the rule. `DYNGROUP_BLESS=1 cargo test -p dyngroup-rules
//! --test golden` rewrites the expected files after a deliberate change.

use std::fs;
use std::path::{Path, PathBuf};

use dyngroup_rules::{ParseOptions, Rule, parse, parse_with, print};

fn rule_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("golden directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rule"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden files in {}", dir.display());
    files
}

fn read_rule(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("readable rule file");
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

/// Compares `actual` with the expected file, or writes it when blessing.
fn check(expected_path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("DYNGROUP_BLESS").is_some() {
        fs::write(expected_path, actual).expect("writable golden file");
        return;
    }
    let expected = fs::read_to_string(expected_path).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{}\n--- expected\n{expected}\n--- actual\n{actual}",
            expected_path.display()
        ));
    }
}

#[test]
fn ok_rules_print_canonically() {
    let mut failures = Vec::new();
    for path in rule_files("ok") {
        let source = read_rule(&path);
        let parsed = match parse(&source) {
            Ok(parsed) => parsed,
            Err(err) => {
                failures.push(format!(
                    "{}: rejected\n{}",
                    path.display(),
                    err.render(&source)
                ));
                continue;
            }
        };
        let canonical = print(&parsed.ast);
        let mut actual = format!("{canonical}\n");
        for warning in &parsed.warnings {
            actual.push('\n');
            actual.push_str(&warning.render(&source));
        }
        check(&path.with_extension("canon"), &actual, &mut failures);

        // The canonical form is a fixed point, parses without warnings, and lowers alike.
        let again = parse(&canonical).expect("canonical form parses");
        assert!(
            again.warnings.is_empty(),
            "{}: canonical form warns",
            path.display()
        );
        assert!(
            again.ast.same_tree(&parsed.ast),
            "{}: round trip",
            path.display()
        );
        assert_eq!(print(&again.ast), canonical);
        assert_eq!(Rule::lower(&again.ast), Rule::lower(&parsed.ast));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn err_rules_render_their_diagnostics() {
    let mut failures = Vec::new();
    let strict = ParseOptions {
        strict: true,
        ..ParseOptions::default()
    };
    for path in rule_files("err") {
        let source = read_rule(&path);
        // Files named `*_strict.rule` are legacy forms that only strict mode rejects.
        let options = if path.to_string_lossy().ends_with("_strict.rule") {
            strict
        } else {
            ParseOptions::default()
        };
        match parse_with(&source, &options) {
            Ok(parsed) => failures.push(format!(
                "{}: accepted as {}",
                path.display(),
                print(&parsed.ast)
            )),
            Err(err) => check(
                &path.with_extension("err"),
                &err.render(&source),
                &mut failures,
            ),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
