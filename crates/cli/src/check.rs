//! `dyngroup check`: validate rules.

use dyngroup_io::{GroupsReader, ProblemKind, ReadOptions, Severity};
use dyngroup_rules::{ParseOptions, parse_with, print};

use crate::args::CheckArgs;
use crate::input::print_problems;
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &CheckArgs) -> Result<Outcome, Fatal> {
    let options = ParseOptions {
        strict: args.strict,
        ..ParseOptions::default()
    };
    match &args.rule {
        Some(rule) => Ok(check_rule(rule, &options, args.canonical)),
        None => check_groups(args, &options),
    }
}

fn check_rule(rule: &str, options: &ParseOptions, canonical: bool) -> Outcome {
    match parse_with(rule, options) {
        Ok(parsed) => {
            for warning in &parsed.warnings {
                eprint!("{}", warning.render(rule));
            }
            if canonical {
                println!("{}", print(&parsed.ast));
            }
            Outcome::Clean
        }
        Err(err) => {
            eprint!("{}", err.render(rule));
            Outcome::Rejected
        }
    }
}

/// Reads groups files; every problem (bad rules, bad records) goes to stderr, and with
/// `--canonical` each valid rule's canonical form goes to stdout as
/// `tenancy<TAB>name<TAB>rule`.
fn check_groups(args: &CheckArgs, options: &ParseOptions) -> Result<Outcome, Fatal> {
    let mut reader = GroupsReader::new(ReadOptions {
        strict: options.strict,
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
    for group in groups.groups() {
        if let Ok(parsed) = parse_with(&group.matching_rule, options) {
            valid += 1;
            if args.canonical {
                println!(
                    "{}\t{}\t{}",
                    group.tenancy_id,
                    group.name,
                    print(&parsed.ast)
                );
            }
        }
    }
    eprintln!(
        "dyngroup: {valid} valid rules, {bad_rules} invalid rules, {} other problems",
        bad - bad_rules
    );
    Ok(if bad > 0 {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}
