//! `dyngroup check`: validate rules.
//!
//! Diagnostics always go to stderr, rendered. On stdout, `--canonical` prints each valid
//! rule's canonical form (with `--groups`, one `tenancy<TAB>name<TAB>rule` row per
//! group), and `--json` one record per rule.

use std::io::Write;

use dyngroup_io::{GroupsReader, ProblemKind, ReadOptions, Severity};
use dyngroup_rules::{
    Diagnostic, MAX_RENDERED, ParseOptions, parse_with, print, render_diagnostics, rule_text,
};
use serde_json::{Value, json};

use crate::args::CheckArgs;
use crate::input::{check_paths, flagged, print_problems};
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &CheckArgs) -> Result<Outcome, Fatal> {
    let options = ParseOptions {
        strict: args.strict,
        ..ParseOptions::default()
    };
    match &args.rule {
        Some(rule) => check_rule(rule.as_encoded_bytes(), &options, args),
        None => check_groups(args, &options),
    }
}

/// What checking one rule gave.
struct Checked {
    canonical: Option<String>,
    /// Errors and warnings, in text order.
    diagnostics: Vec<Diagnostic>,
    /// The text the diagnostics are rendered over (lossy when it was not UTF-8).
    source: String,
}

impl Checked {
    fn of(bytes: &[u8], options: &ParseOptions) -> Checked {
        let source = String::from_utf8_lossy(bytes).into_owned();
        let text = match rule_text(bytes) {
            Ok(text) => text,
            Err(diag) => {
                return Checked {
                    canonical: None,
                    diagnostics: vec![diag],
                    source,
                };
            }
        };
        match parse_with(text, options) {
            Ok(parsed) => Checked {
                canonical: Some(print(&parsed.ast)),
                diagnostics: parsed.warnings,
                source,
            },
            Err(err) => Checked {
                canonical: None,
                diagnostics: err.diagnostics().to_vec(),
                source,
            },
        }
    }

    /// `valid`, `canonical` and `diagnostics` (the first [`MAX_RENDERED`]; then
    /// `more-diagnostics` counts the others), as `check --json` prints them.
    fn json_fields(&self, record: &mut serde_json::Map<String, Value>) {
        record.insert("valid".into(), json!(self.canonical.is_some()));
        record.insert("canonical".into(), json!(self.canonical));
        let diagnostics: Vec<Value> = self
            .diagnostics
            .iter()
            .take(MAX_RENDERED)
            .map(|d| {
                json!({
                    "severity": if d.is_error() { "error" } else { "warning" },
                    "kind": d.kind.name(),
                    "message": d.message,
                    "line": d.span.start.line,
                    "column": d.span.start.column,
                    "offset": d.span.start.offset,
                    "help": d.help,
                    "rendered": d.render(&self.source),
                })
            })
            .collect();
        record.insert("diagnostics".into(), Value::Array(diagnostics));
        let more = self.diagnostics.len().saturating_sub(MAX_RENDERED);
        if more > 0 {
            record.insert("more-diagnostics".into(), json!(more));
        }
    }
}

fn check_rule(bytes: &[u8], options: &ParseOptions, args: &CheckArgs) -> Result<Outcome, Fatal> {
    let checked = Checked::of(bytes, options);
    stderr!(
        "{}",
        render_diagnostics(&checked.diagnostics, &checked.source)
    );
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut record = serde_json::Map::new();
        checked.json_fields(&mut record);
        writeln!(out, "{}", Value::Object(record))?;
    } else if let (true, Some(canonical)) = (args.canonical, &checked.canonical) {
        // One rule is the whole output, so a line break in a value cannot be misread.
        writeln!(out, "{canonical}")?;
    }
    Ok(match checked.canonical {
        Some(_) => Outcome::Clean,
        None => Outcome::Rejected,
    })
}

/// Reads groups files; every problem (bad rules, bad records) goes to stderr, and stdout
/// gets `--canonical` rows or `--json` records for every group read.
fn check_groups(args: &CheckArgs, options: &ParseOptions) -> Result<Outcome, Fatal> {
    check_paths(&flagged("--groups", &args.groups), &[])?;
    let mut reader = GroupsReader::new(ReadOptions {
        strict: options.strict,
        tenancy: args.tenancy.clone(),
        ..ReadOptions::default()
    });
    for path in &args.groups {
        reader.read_path(path)?;
    }
    let groups = reader.finish();
    print_problems(groups.problems());
    let bad = groups
        .problems()
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let bad_rules = groups
        .problems()
        .iter()
        .filter(|p| p.kind == ProblemKind::BadRule && p.severity == Severity::Error)
        .count();
    let mut valid = 0;
    let mut unprintable = 0;
    let mut out = std::io::stdout().lock();
    for group in groups.groups() {
        let checked = Checked::of(group.matching_rule.as_bytes(), options);
        valid += usize::from(checked.canonical.is_some());
        if args.json {
            let mut record = serde_json::Map::new();
            record.insert("tenancy-id".into(), json!(group.tenancy_id));
            record.insert("group-id".into(), json!(group.id));
            record.insert("name".into(), json!(group.name));
            checked.json_fields(&mut record);
            writeln!(out, "{}", Value::Object(record))?;
        } else if let (true, Some(canonical)) = (args.canonical, &checked.canonical) {
            let fields = [group.tenancy_id.as_str(), &group.name, canonical];
            if fields.iter().any(|f| f.contains(['\t', '\n', '\r'])) {
                unprintable += 1;
                stderrln!(
                    "dyngroup: error: group `{}` of tenancy `{}`: its canonical row would hold a tab or line break; not printed (use --json)",
                    group.name.escape_debug(),
                    group.tenancy_id.escape_debug()
                );
                continue;
            }
            writeln!(out, "{}", fields.join("\t"))?;
        }
    }
    stderrln!(
        "dyngroup: {valid} valid rules, {bad_rules} invalid rules, {} other problems",
        bad - bad_rules + unprintable
    );
    Ok(if bad + unprintable > 0 {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}
