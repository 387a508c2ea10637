//! Parser golden files.
//!
//! `data/ok/NNNN_name.rule` must parse; its canonical form (then any warnings, rendered)
//! is compared with `NNNN_name.canon`. `data/err/NNNN_name.rule` must be rejected; its
//! rendered diagnostics are compared with `NNNN_name.err` (a file that is not UTF-8 is
//! rejected by [`rule_text`]). A trailing newline of the `.rule` file is not part of the
//! rule. `DYNGROUP_BLESS=1 cargo test -p dyngroup-rules
//! --test golden` rewrites the expected files after a deliberate change.

use std::fs;
use std::path::{Path, PathBuf};

use dyngroup_rules::{DiagnosticKind, ParseOptions, Rule, parse, parse_with, print, rule_text};

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

/// The rule in a file, or its UTF-8 error rendered.
fn read_rule(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).expect("readable rule file");
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    match rule_text(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(diag) => Err(diag.render(&String::from_utf8_lossy(bytes))),
    }
}

fn strict() -> ParseOptions {
    ParseOptions {
        strict: true,
        ..ParseOptions::default()
    }
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
        let source = read_rule(&path).expect("an ok rule is UTF-8");
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

        // The canonical form is a fixed point, parses without warnings (but the one about
        // a control character in a value, which it must keep), and lowers alike.
        let again = parse(&canonical).expect("canonical form parses");
        assert!(
            again
                .warnings
                .iter()
                .all(|w| w.kind == DiagnosticKind::ControlCharacterInValue),
            "{}: canonical form warns",
            path.display()
        );
        if parsed.warnings.is_empty() {
            assert!(
                parse_with(&source, &strict()).is_ok(),
                "{}: a rule without warnings is rejected in strict mode",
                path.display()
            );
        }
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
    for path in rule_files("err") {
        let source = match read_rule(&path) {
            Ok(source) => source,
            Err(rendered) => {
                check(&path.with_extension("err"), &rendered, &mut failures);
                continue;
            }
        };
        // Files named `*_strict.rule` are legacy forms that only strict mode rejects.
        let options = if path.to_string_lossy().ends_with("_strict.rule") {
            strict()
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
