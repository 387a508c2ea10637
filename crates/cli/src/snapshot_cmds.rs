//! `dyngroup query`, `dyngroup inspect` and `dyngroup diff`: answers from snapshot
//! files (`compute --snapshot`), without reading the inventory again.
//!
//! A damaged, truncated or foreign snapshot stops the command (exit code 2) with the
//! snapshot crate's message, which names the section and the problem.

use std::io::{BufWriter, Write};
use std::path::Path;

use dyngroup_index::engine::GroupChange as Change;
use dyngroup_index::{GroupId, PrincipalId};
use dyngroup_snapshot::{Inspection, Snapshot};
use serde_json::{Value, json};

use crate::args::{DiffArgs, InspectArgs, QueryArgs};
use crate::{Fatal, Outcome};

/// Stops a command given a directory as a snapshot, with one message for every
/// command (reading one, or writing one).
pub(crate) fn not_a_directory(path: &Path) -> Result<(), Fatal> {
    if path.is_dir() {
        return Err(Fatal(format!(
            "snapshot: {}: is a directory, not a snapshot file",
            path.display()
        )));
    }
    Ok(())
}

/// Opens a snapshot file for `query`, `diff` and `apply`.
pub(crate) fn open_snapshot(path: &Path) -> Result<Snapshot, Fatal> {
    not_a_directory(path)?;
    Snapshot::open(path).map_err(|e| in_file(path, e))
}

/// A snapshot's error naming the file (`diff` opens two, and a damaged one must be
/// told apart): `snapshot: FILE: section "groups" checksum mismatch`. An I/O error
/// names it already.
pub(crate) fn in_file(path: &Path, e: dyngroup_snapshot::Error) -> Fatal {
    let message = e.to_string();
    match (&e, message.strip_prefix("snapshot: ")) {
        (dyngroup_snapshot::Error::Io { .. }, _) | (_, None) => Fatal(message),
        (_, Some(rest)) => Fatal(format!("snapshot: {}: {rest}", path.display())),
    }
}

/// `query --snapshot FILE (--principal OCID | --group NAME [--tenancy OCID])`.
///
/// An unknown principal or group is reported on stderr with exit code 1; so is a
/// group whose rule is invalid (it has no members), with the rule rendered.
pub(crate) fn query(args: &QueryArgs) -> Result<Outcome, Fatal> {
    let snapshot = open_snapshot(&args.snapshot)?;
    if let Some(ocid) = &args.principal {
        let Some(p) = snapshot.principal_id(ocid) else {
            stderrln!(
                "dyngroup: no indexed principal has id {ocid} (unknown or terminated): \
                 it is in no group"
            );
            return Ok(Outcome::Rejected);
        };
        let groups: Vec<_> = snapshot.groups_of(p).map(|g| snapshot.group(g)).collect();
        if args.json {
            let record = json!({
                "id": ocid,
                "tenancy-id": snapshot.tenancy_ocid(snapshot.tenancy_of(p)),
                "groups": groups.iter().map(|g| g.name).collect::<Vec<_>>(),
                "group-ids": groups.iter().map(|g| g.id).collect::<Vec<_>>(),
            });
            stdoutln!("{record}")?;
        } else {
            for g in &groups {
                stdoutln!("{}\t{}", g.name, g.id)?;
            }
            if groups.is_empty() {
                // Stdout stays a plain list; say on stderr that empty is the answer.
                stderrln!("dyngroup: {ocid} is indexed and in no group");
            }
        }
        return Ok(Outcome::Clean);
    }
    let name = args
        .group
        .as_deref()
        .expect("clap requires --principal or --group");
    let Some(g) = find_group(&snapshot, name, args.tenancy.as_deref())? else {
        match &args.tenancy {
            Some(t) => stderrln!("dyngroup: no group named {name} in tenancy {t}"),
            None => stderrln!("dyngroup: no group named {name}"),
        }
        return Ok(Outcome::Rejected);
    };
    let group = snapshot.group(g);
    // A group whose rule does not parse has no members (fail closed): say so, rather
    // than print an empty answer that looks like a valid one.
    let rule_error = dyngroup_rules::parse_with(group.matching_rule, &snapshot.parse_options())
        .err()
        .map(|e| {
            stderrln!(
                "dyngroup: group {} (tenancy {}) has an invalid matching rule, so it has no \
                 members:\n{}",
                group.name,
                group.tenancy_id,
                e.render(group.matching_rule).trim_end()
            );
            e.to_string()
        });
    // In `compute`'s order: by compartment OCID, then ordinal (input) order.
    let mut members: Vec<(&str, &str)> = snapshot
        .members(g)?
        .iter()
        .map(|p| {
            let principal = snapshot.principal(PrincipalId::from_raw(p));
            (principal.compartment_id, principal.id)
        })
        .collect();
    members.sort_by_key(|&(compartment, _)| compartment);
    let members: Vec<&str> = members.into_iter().map(|(_, id)| id).collect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        let mut record = json!({
            "tenancy-id": group.tenancy_id,
            "group-id": group.id,
            "name": group.name,
            "count": members.len(),
            "members": members,
        });
        if let Some(error) = &rule_error {
            record["rule-error"] = json!(error);
        }
        writeln!(out, "{record}")?;
    } else {
        for m in members {
            writeln!(out, "{m}")?;
        }
    }
    out.flush()?;
    Ok(match rule_error {
        Some(_) => Outcome::Rejected,
        None => Outcome::Clean,
    })
}

/// The group named `name`: in `tenancy` if given, else the only group of that name.
fn find_group(
    snapshot: &Snapshot,
    name: &str,
    tenancy: Option<&str>,
) -> Result<Option<GroupId>, Fatal> {
    if let Some(t) = tenancy {
        return Ok(snapshot.group_id(t, name));
    }
    match snapshot.groups_named(name)[..] {
        [] => Ok(None),
        [g] => Ok(Some(g)),
        ref several => {
            let tenancies: Vec<&str> = several
                .iter()
                .map(|&g| snapshot.group(g).tenancy_id)
                .collect();
            Err(Fatal(format!(
                "{} tenancies have a group named {name} ({}): pass --tenancy",
                several.len(),
                tenancies.join(", ")
            )))
        }
    }
}

/// `inspect FILE [--json]`: the report on stdout; a file that is not valid also ends
/// with its error on stderr and exit code 2.
pub(crate) fn inspect(args: &InspectArgs) -> Result<Outcome, Fatal> {
    not_a_directory(&args.file)?;
    let bytes = std::fs::read(&args.file)
        .map_err(|e| Fatal(format!("snapshot: {}: {e}", args.file.display())))?;
    let report = dyngroup_snapshot::inspect(&bytes);
    if args.json {
        stdoutln!(
            "{}",
            serde_json::to_string_pretty(&inspection_json(&report))?
        )?;
    } else {
        print_inspection(&args.file.display().to_string(), &report)?;
    }
    match report.verdict {
        Ok(()) => Ok(Outcome::Clean),
        Err(e) => Err(in_file(&args.file, e)),
    }
}

fn inspection_json(report: &Inspection) -> Value {
    let sections: Vec<Value> = report
        .sections
        .iter()
        .map(|(s, ok)| {
            json!({
                "name": s.name,
                "offset": s.offset,
                "length": s.len,
                "xxh3": format!("{:016x}", s.checksum),
                "checksum-ok": ok,
            })
        })
        .collect();
    json!({
        "bytes": report.file_len,
        "version": report.version,
        "flags": report.flags,
        "sections": sections,
        "counts": report.counts.map(|c| json!({
            "principals": c.principals,
            "tenancies": c.tenancies,
            "groups": c.groups,
            "memberships": c.memberships,
            "terms": c.terms,
            "strings": c.strings,
            "domain-groups": c.domain_groups,
            "domain-scope-not-applied": c.domain_scopes_not_applied,
        })),
        "valid": report.verdict.is_ok(),
        "error": report.verdict.as_ref().err().map(ToString::to_string),
    })
}

fn print_inspection(file: &str, report: &Inspection) -> std::io::Result<()> {
    match (report.version, report.flags) {
        (Some(version), Some(flags)) => stdoutln!(
            "{file}: {} bytes, format version {version}, flags {flags:#x}",
            report.file_len
        )?,
        _ => stdoutln!("{file}: {} bytes, header not readable", report.file_len)?,
    }
    if !report.sections.is_empty() {
        stdoutln!(
            "{:<18} {:>12} {:>12}  {:<16}  checksum",
            "section",
            "offset",
            "length",
            "xxh3-64"
        )?;
        for (s, ok) in &report.sections {
            stdoutln!(
                "{:<18} {:>12} {:>12}  {:016x}  {}",
                s.name,
                s.offset,
                s.len,
                s.checksum,
                if *ok { "ok" } else { "MISMATCH" }
            )?;
        }
    }
    if let Some(c) = report.counts {
        stdoutln!(
            "{} principals, {} tenancies, {} groups, {} memberships, {} posting lists, \
             {} strings",
            c.principals,
            c.tenancies,
            c.groups,
            c.memberships,
            c.terms,
            c.strings
        )?;
        if c.domain_groups > 0 {
            stdoutln!(
                "{} groups of identity domains, {} of them with the domain scope not applied",
                c.domain_groups,
                c.domain_scopes_not_applied
            )?;
        }
    }
    match &report.verdict {
        Ok(()) => stdoutln!("valid")?,
        Err(e) => stdoutln!("invalid: {e}")?,
    }
    Ok(())
}

/// `diff OLD NEW [--json]`. Differences are not rejections: exit code 0.
pub(crate) fn diff(args: &DiffArgs) -> Result<Outcome, Fatal> {
    let old = open_snapshot(&args.old)?;
    let new = open_snapshot(&args.new)?;
    // The deep check first: a file crafted with valid checksums is refused, never
    // believed (`query` keeps the fast path; README says what that means).
    old.verify().map_err(|e| in_file(&args.old, e))?;
    new.verify().map_err(|e| in_file(&args.new, e))?;
    let changes = dyngroup_snapshot::diff(&old, &new)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut joins, mut leaves) = (0, 0);
    for c in &changes {
        joins += c.joined.len();
        leaves += c.left.len();
        if args.json {
            let record = json!({
                "tenancy-id": c.tenancy_id,
                "group-id": c.group_id,
                "name": c.name,
                "change": c.change.as_str(),
                "rule-changed": c.rule_changed,
                "joined": c.joined,
                "left": c.left,
            });
            writeln!(out, "{record}")?;
        } else {
            let rule = if c.rule_changed { ", rule changed" } else { "" };
            writeln!(
                out,
                "{} {} ({}): {} joined, {} left{rule}",
                c.change.as_str(),
                c.name,
                c.tenancy_id,
                c.joined.len(),
                c.left.len()
            )?;
            for p in &c.joined {
                writeln!(out, "  + {p}")?;
            }
            for p in &c.left {
                writeln!(out, "  - {p}")?;
            }
        }
    }
    out.flush()?;
    let count = |kind: Change| changes.iter().filter(|c| c.change == kind).count();
    stderrln!(
        "dyngroup: {} groups changed ({} created, {} deleted, {} updated): {joins} joins, \
         {leaves} leaves",
        changes.len(),
        count(Change::Created),
        count(Change::Deleted),
        count(Change::Updated)
    );
    Ok(Outcome::Clean)
}
