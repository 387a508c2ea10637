//! `dyngroup compute`: every membership of every group, written out.

use std::io::Write;
use std::path::Path;

use dyngroup_index::{Index, Limits, LimitsReport, MemberOrder, Memberships, PrincipalId};
use dyngroup_io::{
    AtomicFile, Finished, Format, GroupMembersRecord, GroupMembersWriter, PrincipalGroupsRecord,
    PrincipalGroupsWriter, Totals, commit_all,
};

use crate::args::{By, ComputeArgs, OutputFormat};
use crate::input::{build_index, check_distinct_paths, configure_threads, load, print_problems};
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

    phases.start("read");
    let loaded = load(&args.input)?;
    print_problems(&loaded.problems);

    phases.start("build");
    let (index, refused) = build_index(&loaded, args.input.strict);

    phases.start("evaluate");
    let memberships = index.evaluate();
    let limits = Limits {
        max_groups_per_tenancy: args.max_groups_per_tenancy,
        max_groups_per_principal: args.max_groups_per_principal,
    };
    let report = index.limits_report(&memberships, &limits);

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
        finished.push(write_snapshot(file, path, &index, &memberships, &options)?);
    }
    phases.start("write");
    finished.push(write_memberships(args, out, &index, &memberships)?);
    let timings = phases.finish();

    let totals = Totals::new(&loaded, &index, &memberships, &report, refused);
    if let (Some(mut file), Some(path)) = (report_out, &args.report) {
        let json = report_json(&index, &loaded, &report, &limits, &totals, &timings);
        serde_json::to_writer_pretty(&mut file, &json)?;
        file.write_all(b"\n")
            .map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        finished.push(file.finish()?);
    }
    commit_all(finished)?;
    print_limit_summary(&report);
    crate::report::print_domain_scope_note(&index);
    eprintln!("dyngroup: {}; {}", summary(&totals), timings.summary());
    Ok(if totals.rejected_records + totals.invalid_groups > 0 {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}

fn format_of(format: OutputFormat) -> Format {
    match format {
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Json => Format::Json,
        OutputFormat::Csv => Format::Csv,
    }
}

/// Writes the snapshot into `file`'s temporary file (the snapshot writer replaces it
/// by a rename of its own), or, for an output written in place (`/dev/null`, a pipe),
/// writes its bytes there.
fn write_snapshot(
    mut file: AtomicFile,
    path: &Path,
    index: &Index,
    memberships: &Memberships,
    options: &dyngroup_snapshot::WriteOptions,
) -> Result<Finished, Fatal> {
    match file.temp_path() {
        Some(temp) => {
            if let Err(e) = dyngroup_snapshot::write(temp, index, memberships, options) {
                // Name the file the user gave, not the temporary one.
                let message = e.to_string();
                let temp = temp.display().to_string();
                return Err(Fatal(message.replace(&temp, &path.display().to_string())));
            }
        }
        None => {
            let bytes = dyngroup_snapshot::to_bytes(index, memberships, options)?;
            file.write_all(&bytes)
                .map_err(|e| Fatal(format!("snapshot: {}: {e}", path.display())))?;
        }
    }
    Ok(file.finish()?)
}

/// Writes the memberships to `out`, not yet replacing the old output.
fn write_memberships(
    args: &ComputeArgs,
    out: AtomicFile,
    index: &Index,
    memberships: &Memberships,
) -> Result<Finished, Fatal> {
    let failed = |e: std::io::Error| Fatal(format!("{}: {e}", args.out.display()));
    let format = format_of(args.format);
    let out = match args.by {
        By::Group => {
            let order = MemberOrder::new(index);
            let mut writer = GroupMembersWriter::new(out, format);
            for g in index.group_ids() {
                let group = index.group(g);
                writer
                    .write(&GroupMembersRecord {
                        tenancy_id: &group.tenancy_id,
                        group_id: &group.id,
                        name: &group.name,
                        members: order.members(index, memberships, g),
                    })
                    .map_err(failed)?;
            }
            writer.finish().map_err(failed)?
        }
        By::Principal => {
            let mut writer = PrincipalGroupsWriter::new(out, format);
            for (ordinal, groups) in memberships.principal_groups().iter().enumerate() {
                let p = PrincipalId(ordinal as u32);
                writer
                    .write(&PrincipalGroupsRecord {
                        id: index.principal_ocid(p),
                        tenancy_id: index.tenancy_ocid(index.tenancy_of(p)),
                        groups: groups
                            .iter()
                            .map(|g| index.group(*g).name.as_str())
                            .collect(),
                    })
                    .map_err(failed)?;
            }
            writer.finish().map_err(failed)?
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
            eprintln!("dyngroup: note: {count} {what} (see --report)");
        }
    }
}
