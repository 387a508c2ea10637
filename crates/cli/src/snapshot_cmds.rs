//! `dyngroup query`, `dyngroup inspect` and `dyngroup diff`: answers from snapshot
//! files (`compute --snapshot`), without reading the inventory again.
//!
//! A damaged, truncated or foreign snapshot stops the command (exit code 2) with the
//! snapshot crate's message, which names the section and the problem.

use std::io::{BufWriter, Write};

use dyngroup_index::GroupId;
use dyngroup_index::engine::GroupChange as Change;
use dyngroup_snapshot::{Inspection, Snapshot};
use serde_json::{Value, json};

use crate::args::{DiffArgs, InspectArgs, QueryArgs};
use crate::{Fatal, Outcome};

/// `query --snapshot FILE (--principal OCID | --group NAME [--tenancy OCID])`.
///
/// An unknown principal or group is reported on stderr with exit code 1.
pub(crate) fn query(args: &QueryArgs) -> Result<Outcome, Fatal> {
    let snapshot = Snapshot::open(&args.snapshot)?;
    if let Some(ocid) = &args.principal {
        let Some(p) = snapshot.principal_id(ocid) else {
            eprintln!(
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
            println!("{record}");
        } else {
            for g in &groups {
                println!("{}\t{}", g.name, g.id);
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
            Some(t) => eprintln!("dyngroup: no group named {name} in tenancy {t}"),
            None => eprintln!("dyngroup: no group named {name}"),
        }
        return Ok(Outcome::Rejected);
    };
    let group = snapshot.group(g);
    let members = snapshot.member_ocids(g)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        let record = json!({
            "tenancy-id": group.tenancy_id,
            "group-id": group.id,
            "name": group.name,
            "count": members.len(),
            "members": members,
        });
        writeln!(out, "{record}")?;
    } else {
        for m in members {
            writeln!(out, "{m}")?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
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
    let bytes = std::fs::read(&args.file)
        .map_err(|e| Fatal(format!("snapshot: {}: {e}", args.file.display())))?;
    let report = dyngroup_snapshot::inspect(&bytes);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&inspection_json(&report))?
        );
    } else {
        print_inspection(&args.file.display().to_string(), &report);
    }
    match report.verdict {
        Ok(()) => Ok(Outcome::Clean),
        Err(e) => Err(e.into()),
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
        })),
        "valid": report.verdict.is_ok(),
        "error": report.verdict.as_ref().err().map(ToString::to_string),
    })
}

fn print_inspection(file: &str, report: &Inspection) {
    match (report.version, report.flags) {
        (Some(version), Some(flags)) => println!(
            "{file}: {} bytes, format version {version}, flags {flags:#x}",
            report.file_len
        ),
        _ => println!("{file}: {} bytes, header not readable", report.file_len),
    }
    if !report.sections.is_empty() {
        println!(
            "{:<18} {:>12} {:>12}  {:<16}  checksum",
            "section", "offset", "length", "xxh3-64"
        );
        for (s, ok) in &report.sections {
            println!(
                "{:<18} {:>12} {:>12}  {:016x}  {}",
                s.name,
                s.offset,
                s.len,
                s.checksum,
                if *ok { "ok" } else { "MISMATCH" }
            );
        }
    }
    if let Some(c) = report.counts {
        println!(
            "{} principals, {} tenancies, {} groups, {} memberships, {} posting lists, \
             {} strings",
            c.principals, c.tenancies, c.groups, c.memberships, c.terms, c.strings
        );
    }
    match &report.verdict {
        Ok(()) => println!("valid"),
        Err(e) => println!("invalid: {e}"),
    }
}

/// `diff OLD NEW [--json]`. Differences are not rejections: exit code 0.
pub(crate) fn diff(args: &DiffArgs) -> Result<Outcome, Fatal> {
    let old = Snapshot::open(&args.old)?;
    let new = Snapshot::open(&args.new)?;
    // The deep check first: a file crafted with valid checksums is refused, never
    // believed (`query` keeps the fast path; README says what that means).
    old.verify()?;
    new.verify()?;
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
    eprintln!(
        "dyngroup: {} groups changed ({} created, {} deleted, {} updated): {joins} joins, \
         {leaves} leaves",
        changes.len(),
        count(Change::Created),
        count(Change::Deleted),
        count(Change::Updated)
    );
    Ok(Outcome::Clean)
}
