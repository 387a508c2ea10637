//! `dyngroup check`: validate rules.

use dyngroup_rules::{parse_with, print, ParseOptions};

use crate::args::CheckArgs;
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &CheckArgs) -> Result<Outcome, Fatal> {
    let options = ParseOptions {
        strict: args.strict,
        ..ParseOptions::default()
    };
    let Some(rule) = &args.rule else {
        return Err(Fatal("--groups is not supported yet".into()));
    };
    match parse_with(rule, &options) {
        Ok(parsed) => {
            for warning in &parsed.warnings {
                eprint!("{}", warning.render(rule));
            }
            if args.canonical {
                println!("{}", print(&parsed.ast));
            }
            Ok(Outcome::Clean)
        }
        Err(err) => {
            eprint!("{}", err.render(rule));
            Ok(Outcome::Rejected)
        }
    }
}
