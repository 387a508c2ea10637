//! `dyngroup apply`: a changes file applied to a snapshot, incrementally.
//!
//! 1. The snapshot is opened and deep-verified (a damaged or crafted one stops the
//!    command: exit code 2), and a live [`Engine`] is made from the index it holds
//!    ([`Engine::from_evaluated`]): no inventory is replayed, no rule evaluated
//!    principal by principal, and only the tenancies the changes name are copied out
//!    of the index into the engine's own structures.
//! 2. The changes are applied in file order with one [`Engine::apply`]: a change the
//!    engine refuses (a taken name, the tenancy's group limit, a rule that does not
//!    parse, a delete of a group with members without `force`, an unknown group…) is
//!    reported as `file:line: error: message` (a rule that does not parse: once, as
//!    the reader reported it, at its column) and skipped; the others apply. Lines
//!    that could not be read are reported too, first, and skipped.
//! 3. The engine's new version is checkpointed atomically (to `--out`, or over
//!    `--snapshot`), with the compartment tree and policies the snapshot held
//!    ([`dyngroup_snapshot::checkpoint_with_policies`]).
//! 4. The engine's delta is printed as JSON Lines in `dyngroup diff --json`'s record
//!    shape and order, so `apply` prints what `diff OLD NEW --json` would.
//!
//! The snapshot is written before the delta is printed: a delta on stdout always
//! describes a snapshot that is on disk.

use std::io::{BufWriter, Write};

use dyngroup_index::Limits;
use dyngroup_index::engine::{Engine, EngineOptions};
use dyngroup_io::{ReadOptions, Severity, delta_records, read_changes, same_file};

use crate::args::ApplyArgs;
use crate::input::{check_paths, print_problems};
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &ApplyArgs) -> Result<Outcome, Fatal> {
    // Without --out the new snapshot replaces --snapshot, on purpose; named, --out is
    // an output like any other and never replaces an input (the message says how to
    // replace the snapshot).
    if let Some(out) = &args.out
        && same_file(out, &args.snapshot)
    {
        return Err(Fatal(format!(
            "--out names the --snapshot file {}: an output never replaces an input; leave \
             out --out to replace the snapshot with the new one",
            args.snapshot.display()
        )));
    }
    check_paths(
        &[("--snapshot", &args.snapshot), ("--changes", &args.changes)],
        &[("--out", args.out.as_deref())],
    )?;
    let snapshot = crate::snapshot_cmds::open_snapshot(&args.snapshot)?;
    if let Some(out) = &args.out {
        crate::snapshot_cmds::not_a_directory(out)?;
    }
    let (index, memberships) = snapshot
        .verified_index()
        .map_err(|e| crate::snapshot_cmds::in_file(&args.snapshot, e))?;
    crate::report::print_domain_scope_note(&index);
    // The rules already in the snapshot keep the options they were written under;
    // `--strict` applies to the changes.
    let mut parse = snapshot.parse_options();
    parse.strict |= args.strict;
    let groups = snapshot.groups();
    // The engine holds no policies: the checkpoint carries the file's over.
    let policies = snapshot.policy_inputs();
    drop(snapshot);

    let read_options = ReadOptions {
        tenancy: args.tenancy.clone(),
        strict: parse.strict,
        max_rule_depth: parse.max_depth,
        ..ReadOptions::default()
    };
    let mut changes = read_changes(&args.changes, &read_options)?;
    let mut rejected = changes
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);

    // The limit is per tenancy: a tenancy already past it (compute reports it but
    // keeps its groups) keeps them all and gets no new one.
    let options = EngineOptions {
        limits: Limits {
            max_groups_per_tenancy: args.max_groups_per_tenancy,
            ..Limits::default()
        },
        parse,
    };
    let mut engine = Engine::from_evaluated(index, &memberships, options);
    drop(memberships);

    let applied = engine.apply(changes.changes.iter().map(|c| c.change.clone()));
    // Each refusal once: a rule that does not parse, as the reader reported it.
    let refusals: Vec<String> = changes
        .merge_refusals(&applied.refused)
        .into_iter()
        .map(|(line, message)| format!("{}:{line}: error: {message}", changes.file))
        .collect();
    rejected |= !applied.refused.is_empty();
    print_problems(&changes.problems);
    for refusal in &refusals {
        stderrln!("{refusal}");
    }

    let out = args.out.as_ref().unwrap_or(&args.snapshot);
    dyngroup_snapshot::checkpoint_with_policies(&engine.snapshot(), out, policies.as_ref())?;

    // The delta, as `diff OLD NEW --json` prints it.
    let delta = delta_records(&groups, &engine.snapshot(), &applied.delta);
    let (records, joins, leaves) = (delta.records, delta.joins, delta.leaves);
    let stdout = std::io::stdout();
    let mut stdout = BufWriter::new(stdout.lock());
    for r in &records {
        writeln!(stdout, "{r}")?;
    }
    stdout.flush()?;
    stderrln!(
        "dyngroup: {} of {} changes applied ({} lines unreadable, {} changes refused); \
         {} groups changed: {joins} joins, {leaves} leaves; wrote {}",
        changes.changes.len() - applied.refused.len(),
        changes.changes.len() + changes.rejected(),
        changes.rejected(),
        applied.refused.len(),
        records.len(),
        out.display()
    );
    // The process ends here: its pages go back to the system at once, where freeing
    // the engine's million principals one by one took ~1 s of CPU on M.
    std::mem::forget(engine);
    Ok(if rejected {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}
