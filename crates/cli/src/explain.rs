//! `dyngroup explain`: why a principal is or is not in each group of its tenancy.
//!
//! Every principal the inputs name gets an answer (exit code 0, or 1 as `compute` on
//! the principal's tenancy alone: a record of it or of no tenancy rejected, a group of
//! it with an invalid rule, a group refused), built by
//! [`dyngroup_io::Answer`] (shared with the Python package): an indexed one condition
//! by condition; one that is not indexed (TERMINATED, …) or that belongs to another
//! `--shard` with the reason it is in no group here. A group of another tenancy
//! (`--group NAME` naming none of the principal's tenancy) is explained with tenancy
//! isolation as the reason it can never match.

use dyngroup_io::{Answer, Problem, Severity, Source};

use crate::args::ExplainArgs;
use dyngroup_rules::ParseOptions;

use crate::input::{
    check_paths, configure_threads, flagged, input_paths, load_all, print_problems, print_refused,
    read_options,
};
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &ExplainArgs) -> Result<Outcome, Fatal> {
    let mut inputs = input_paths(&args.input);
    inputs.extend(flagged("--compartments", &args.compartments));
    check_paths(&inputs, &[])?;
    configure_threads(&args.input)?;
    let mut loaded = load_all(&args.input)?;
    let compartments: Vec<Source> = args
        .compartments
        .iter()
        .cloned()
        .map(Source::Path)
        .collect();
    for message in loaded.scope_domains(&compartments, &read_options(&args.input))? {
        stderrln!("dyngroup: warning: {message}");
    }
    let run = Answer::of_run(
        &mut loaded,
        &args.principal,
        args.group.as_deref(),
        args.input.shard,
        ParseOptions {
            strict: args.input.strict,
            ..Default::default()
        },
    );
    // Reported (and counted in the exit code, as `compute` counts them) is what
    // concerns the answer: the problems of the principal's tenancy and of no tenancy
    // (a line that could not be read may have been anything); without an answer, all.
    let tenancy = match &run.answer {
        Ok(Answer::Explained { tenancy_id, .. }) => Some(tenancy_id.as_str()),
        Ok(Answer::Unexplained { record, .. }) => Some(record.tenancy_id.as_str()),
        _ => None,
    }
    .filter(|t| !t.is_empty());
    let problems: Vec<Problem> = loaded
        .problems
        .iter()
        .filter(|p| tenancy.is_none() || p.tenancy.as_deref().is_none_or(|t| Some(t) == tenancy))
        .cloned()
        .collect();
    print_problems(&problems);
    print_refused(&run.refused);
    let outcome =
        if problems.iter().any(|p| p.severity == Severity::Error) || !run.refused.is_empty() {
            Outcome::Rejected
        } else {
            Outcome::Clean
        };
    let answer = run.answer.map_err(Fatal)?;
    if args.json {
        stdoutln!("{}", serde_json::to_string_pretty(&answer.to_json())?)?;
        return Ok(outcome);
    }
    match &answer {
        Answer::Explained {
            principal,
            tenancy_id,
            groups,
        } if groups.is_empty() => {
            stdoutln!("principal {principal} (tenancy {tenancy_id}): the tenancy has no groups")?;
        }
        Answer::Explained { groups, .. } => {
            for (i, (_, explanation)) in groups.iter().enumerate() {
                if i > 0 {
                    stdoutln!()?;
                }
                stdout!("{explanation}")?;
            }
        }
        Answer::Unexplained { record, why, .. } => stdoutln!(
            "principal {} (tenancy {}): in no group here: {why}",
            record.id,
            record.tenancy_id
        )?,
        _ => {}
    }
    Ok(outcome)
}
