//! `dyngroup compute`: every membership of every group, written out.

use std::io::Write;
use std::path::Path;

use dyngroup_index::{
    GroupId, Index, IndexBuilder, Limits, LimitsReport, MemberOrder, Memberships, Principal,
    PrincipalId,
};
use dyngroup_io::{
    AtomicFile, Finished, Format, GroupMembersRecord, GroupsReader, InventoryReader,
    PrincipalGroupsRecord, Totals, commit_all, write_group_members_parallel,
    write_principal_groups_parallel,
};

use crate::args::{By, ComputeArgs, InputArgs, OutputFormat};
use crate::input::{
    Loaded, add_groups, check_distinct_paths, configure_threads, load, print_problems, read_options,
};
use crate::progress::Phases;
use crate::report::report_json;
use crate::snapshot_cmds::not_a_directory;
use crate::{Fatal, Outcome};

pub(crate) fn run(args: &ComputeArgs) -> Result<Outcome, Fatal> {
    let outputs = [
        ("--out", Some(args.out.as_path())),
        ("--report", args.report.as_deref()),
        ("--snapshot", args.snapshot.as_deref()),
    ];
    check_distinct_paths(&args.input, &outputs)?;
    args.policy.check_paths(&args.input, &outputs)?;
    if let Some(path) = &args.snapshot {
        not_a_directory(path)?;
    }
    configure_threads(&args.input)?;
    // Every output's temporary file is created before any work, so that an unwritable
    // output stops the run at once; they replace the old outputs together at the end,
    // and only if every one of them was written.
    let out = AtomicFile::create(&args.out)?;
    let snapshot_out = args.snapshot.as_ref().map(AtomicFile::create).transpose()?;
    let report_out = args.report.as_ref().map(AtomicFile::create).transpose()?;
    let mut phases = Phases::new();

    // Reading and interning overlap: each chunk's principals go into the builder
    // while the next chunk is parsed ("read"); "build" is the groups and the index.
    phases.start("read");
    let (mut loaded, builder, principals_read) = read_into_builder(&args.input, &phases)?;
    print_problems(&loaded.problems);
    let policies = crate::compute_policies::load(&args.policy, &args.input)?;
    if let Some(run) = &policies {
        run.scope_groups(&mut loaded.groups);
        if !run.has_policies() {
            // Without policies there is no policy report: the compartment records'
            // problems join the run's (the report, the totals, the exit code).
            run.print_tree_problems();
            loaded
                .problems
                .extend(run.record_problems().iter().cloned());
        }
    }
    let policies = policies.filter(|p| p.has_policies());

    phases.start("build");
    let (index, refused) = add_groups(builder, &loaded);

    phases.start("evaluate");
    let memberships = index.evaluate();
    let limits = Limits {
        max_groups_per_tenancy: args.max_groups_per_tenancy,
        max_groups_per_principal: args.max_groups_per_principal,
    };
    let report = index.limits_report(&memberships, &limits);
    let grants = policies.as_ref().map(|p| {
        phases.start("policies");
        p.evaluate(&index, &memberships)
    });
    if let Some(grants) = &grants {
        grants.print_problems();
    }

    // The snapshot first: when --out is standard output (written as it goes), a
    // failing snapshot then stops the run before any membership is printed.
    let mut finished = Vec::new();
    if let (Some(file), Some(path)) = (snapshot_out, &args.snapshot) {
        phases.start("snapshot");
        let options = dyngroup_snapshot::WriteOptions {
            parse_options: dyngroup_rules::ParseOptions {
                strict: args.input.strict,
                ..Default::default()
            },
        };
        let stored = policies.as_ref().map(|p| p.inputs());
        finished.push(write_snapshot(
            file,
            path,
            &index,
            &memberships,
            &options,
            stored.as_ref(),
        )?);
    }
    phases.start("write");
    finished.push(write_memberships(
        args,
        out,
        &index,
        &memberships,
        grants.as_ref(),
    )?);
    let timings = phases.finish();

    let totals = Totals {
        // The principals were streamed into the builder, not kept in `loaded`.
        principals_read,
        ..Totals::new(&loaded, &index, &memberships, &report, refused)
    };
    if let (Some(mut file), Some(path)) = (report_out, &args.report) {
        let mut json = report_json(&index, &loaded, &report, &limits, &totals, &timings);
        if let Some(grants) = &grants {
            json["policies"] = grants.report_json();
        }
        serde_json::to_writer_pretty(&mut file, &json)?;
        file.write_all(b"\n")
            .map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        finished.push(file.finish()?);
    }
    commit_all(finished)?;
    print_limit_summary(&report);
    crate::report::print_domain_scope_note(&index);
    if let Some(grants) = &grants {
        grants.print_summary(args.by == By::Principal);
    }
    stderrln!("dyngroup: {}; {}", summary(&totals), timings.summary());
    let policies_rejected = grants.as_ref().is_some_and(|g| g.rejected());
    Ok(
        if totals.rejected_records + totals.invalid_groups > 0 || policies_rejected {
            Outcome::Rejected
        } else {
            Outcome::Clean
        },
    )
}

/// Reads the inputs, handing every principal of the run (of `--shard`) to an index
/// builder as soon as its chunk is parsed, so the principals are never all held: the
/// reader keeps only their ids. Returns what was read (without principals), the
/// builder and how many principals went into it. The built-in sample (no inputs) is
/// read as [`load`] reads it. The bytes read show on a progress bar.
fn read_into_builder(
    args: &InputArgs,
    phases: &Phases,
) -> Result<(Loaded, IndexBuilder, usize), Fatal> {
    let mut builder = IndexBuilder::new().parse_options(dyngroup_rules::ParseOptions {
        strict: args.strict,
        ..Default::default()
    });
    if args.inventory.is_empty() {
        let mut loaded = load(args)?;
        builder.add_principals(&loaded.principals);
        let read = std::mem::take(&mut loaded.principals).len();
        return Ok((loaded, builder, read));
    }
    crate::input::note_half_of_the_inputs(args);
    let options = read_options(args);
    let mut inventory = InventoryReader::new(options.clone());
    let sizes: Option<u64> = args
        .inventory
        .iter()
        .map(|path| {
            std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len())
        })
        .sum();
    if let Some(bytes) = sizes {
        // A shard keeps about its share of the records.
        let shards = args.shard.map_or(1, |shard| shard.count());
        builder.reserve(dyngroup_io::records_in(bytes) / shards as usize);
    }
    let mut progress = phases.reading(sizes, inventory.bytes_read());
    let mut read = 0;
    let mut each = |batch: &[Principal]| {
        progress.records(batch.len());
        let mut ours = batch
            .iter()
            .filter(|p| args.shard.is_none_or(|shard| shard.owns(&p.tenancy_id)))
            .inspect(|_| read += 1);
        builder.add_principals(&mut ours);
    };
    for path in &args.inventory {
        inventory.stream_path(path, &mut each)?;
    }
    let mut groups = GroupsReader::new(options);
    for path in &args.groups {
        groups.read_path(path)?;
    }
    // The streamed principals were handed on, not kept: `loaded` has none.
    let mut loaded = Loaded::from_readers(inventory, groups);
    if let Some(shard) = args.shard {
        loaded.keep_shard(shard);
    }
    Ok((loaded, builder, read))
}

fn format_of(format: OutputFormat) -> Format {
    match format {
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Json => Format::Json,
        OutputFormat::Csv => Format::Csv,
    }
}

/// Writes the snapshot into `file`, not yet replacing the old one.
fn write_snapshot(
    mut file: AtomicFile,
    path: &Path,
    index: &Index,
    memberships: &Memberships,
    options: &dyngroup_snapshot::WriteOptions,
    policies: Option<&dyngroup_snapshot::PolicyInputs>,
) -> Result<Finished, Fatal> {
    dyngroup_snapshot::write_to_with_policies(
        &mut file,
        path,
        index,
        memberships,
        options,
        policies,
    )?;
    Ok(file.finish()?)
}

/// Writes the memberships to `out`, formatted in parallel, not yet replacing the old
/// output.
fn write_memberships(
    args: &ComputeArgs,
    out: AtomicFile,
    index: &Index,
    memberships: &Memberships,
    grants: Option<&crate::compute_policies::PolicyOutcome<'_>>,
) -> Result<Finished, Fatal> {
    let failed = |e: std::io::Error| Fatal(format!("{}: {e}", args.out.display()));
    let format = format_of(args.format);
    let groups: Vec<GroupId> = index.group_ids().collect();
    let out = match (args.by, grants) {
        (By::Principal, Some(grants)) => {
            crate::compute_policies::write_by_principal(out, format, grants).map_err(failed)?
        }
        (By::Group, _) => {
            let order = MemberOrder::new(index);
            write_group_members_parallel(out, format, groups.len(), |i| {
                let group = index.group(groups[i]);
                GroupMembersRecord {
                    tenancy_id: &group.tenancy_id,
                    group_id: &group.id,
                    name: &group.name,
                    members: order.members(index, memberships, groups[i]),
                }
            })
            .map_err(failed)?
        }
        (By::Principal, None) => {
            let principal_groups = memberships.principal_groups();
            write_principal_groups_parallel(out, format, principal_groups.len(), |ordinal| {
                let p = PrincipalId::from_raw(ordinal as u32);
                PrincipalGroupsRecord {
                    id: index.principal_ocid(p),
                    tenancy_id: index.tenancy_ocid(index.tenancy_of(p)),
                    groups: principal_groups[ordinal]
                        .iter()
                        .map(|g| index.group(*g).name.as_str())
                        .collect(),
                }
            })
            .map_err(failed)?
        }
    };
    Ok(out.finish()?)
}

/// The counts of the summary line.
fn summary(totals: &Totals) -> String {
    format!(
        "{} principals ({} indexed), {} groups in {} tenancies, {} memberships; \
         {} records rejected, {} invalid rules, {} warnings",
        totals.principals_read,
        totals.principals_indexed,
        totals.groups,
        totals.tenancies,
        totals.memberships,
        totals.rejected_records,
        totals.invalid_groups,
        totals.warnings
    )
}

/// One line per kind of limit finding, so a terminal user notices without a report.
fn print_limit_summary(report: &LimitsReport) {
    let counts = [
        (
            report.tenancies_over_limit.len(),
            "tenancies over the group limit",
        ),
        (
            report.principals_over_limit.len(),
            "principals over the membership limit",
        ),
        (
            report.unknown_references.len(),
            "rule references to unknown OCIDs or tags",
        ),
    ];
    for (count, what) in counts {
        if count > 0 {
            stderrln!("dyngroup: note: {count} {what} (see --report)");
        }
    }
}
