//! Command-line flags.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use dyngroup_io::Shard;

/// Compute OCI dynamic-group memberships, exactly, over inventory files.
///
/// Exit codes: 0 success; 1 finished, but some input was rejected (a bad record or an
/// invalid rule); 2 usage error, or a failure that stopped the run.
#[derive(Debug, Parser)]
#[command(name = "dyngroup", version, about, long_about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate matching rules: diagnostics on stderr, exit code 1 if any is invalid.
    Check(CheckArgs),
    /// Compute every membership of every group and write them out.
    Compute(ComputeArgs),
    /// Show why a principal is or is not in each group of its tenancy.
    Explain(ExplainArgs),
    /// Answer from a snapshot file: a principal's groups or a group's members.
    Query(QueryArgs),
    /// Show a snapshot file's header and sections, and whether it is valid.
    Inspect(InspectArgs),
    /// Per group, the principals that joined and left between two snapshots.
    ///
    /// Groups are matched by tenancy and group OCID, principals by OCID. With --json,
    /// one line per changed group: {"tenancy-id", "group-id", "name", "change",
    /// "rule-changed", "joined": [OCID...], "left": [OCID...]}. "change" is "created"
    /// (the group is only in NEW: every member is in "joined"), "deleted" (only in OLD:
    /// every member is in "left") or "updated" (members joined or left, or the rule
    /// text changed). Unchanged groups are not listed. Differences are not errors: the
    /// exit code is 0.
    Diff(DiffArgs),
    /// Apply a changes file to a snapshot: print the membership delta, write the new
    /// snapshot.
    ///
    /// CHANGES is JSON Lines, one change per line:
    /// {"op": "upsert-principal", "principal": {...}} (an inventory record: launched,
    /// retagged, moved; "lifecycle-state": "TERMINATED" removes it from every group),
    /// {"op": "remove-principal", "id": OCID},
    /// {"op": "upsert-group", "group": {...}} (a groups-file record: with an "id" or
    /// the name of an existing group it updates that group's rule and description,
    /// else it creates a group, given a new OCID when it has no "id"),
    /// {"op": "delete-group", "id": OCID, "force": false} (refused while the group
    /// has members, unless "force" is true).
    ///
    /// The delta goes to stdout in `diff --json`'s record shape and order, so it equals
    /// `dyngroup diff OLD NEW --json` on the two snapshots. A line that cannot be read,
    /// and a change that is refused (a taken name, the tenancy's group limit, a delete
    /// with members, an unknown group…), is reported on stderr as `file:line: ...` and
    /// skipped; the other changes apply. The new snapshot is written atomically, before
    /// the delta is printed. Exit code 1 if any line or change was rejected.
    Apply(ApplyArgs),
    /// Policies: `policy check` validates statements and prints their canonical form.
    Policy(crate::policy_cmds::PolicyArgs),
    /// What a principal can do, each grant with its chain: the dynamic group (and why
    /// the principal is a member), the policy, the statement and its file:line, and
    /// whether a condition or a deny limits it.
    Can(crate::policy_cmds::CanArgs),
    /// Every principal allowed, or conditionally allowed, to do VERB on a resource
    /// type in a compartment: one record each, {"id", "tenancy-id", "decision",
    /// "via": [{"group", "policy-id", "statement"}]}; denied principals are not listed.
    WhoCan(crate::policy_cmds::WhoCanArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// A matching rule to check (text that is not UTF-8 is reported, not refused).
    #[arg(required_unless_present = "groups", conflicts_with = "groups")]
    pub(crate) rule: Option<OsString>,
    /// Check every group's rule in these groups files instead (JSONL, JSON array or
    /// `{"data": [...]}`).
    #[arg(long, value_name = "FILE")]
    pub(crate) groups: Vec<PathBuf>,
    /// Tenancy OCID for groups that carry no `compartment-id` (as for `compute`).
    #[arg(long, value_name = "OCID", requires = "groups")]
    pub(crate) tenancy: Option<String>,
    /// Reject what is otherwise a warning: the legacy forms (bare top-level list,
    /// unquoted value, a comma after the whole rule) and control characters in values.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Print each valid rule's canonical form on stdout (with --groups:
    /// `tenancy<TAB>name<TAB>rule`; a rule holding a tab or line break is not printed
    /// but reported, use --json for it).
    #[arg(long, conflicts_with = "json")]
    pub(crate) canonical: bool,
    /// Print one JSON record per rule on stdout: `valid`, `canonical` (or null) and
    /// `diagnostics` (`severity`, `kind`, `message`, `line`, `column`, `offset`, `help`,
    /// `rendered`); with --groups also `tenancy-id`, `group-id` and `name`.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Where principals and groups come from.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Inventory files of principals (JSONL, JSON array, or `{"data": [...]}` as the OCI
    /// CLI prints). Repeat for several files. Without --inventory and --groups, the
    /// sample dataset built into the binary is used.
    #[arg(long, value_name = "FILE")]
    pub(crate) inventory: Vec<PathBuf>,
    /// Dynamic-group files (as `oci iam dynamic-group list` prints). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) groups: Vec<PathBuf>,
    /// Tenancy OCID for records that carry no `tenancy-id`.
    #[arg(long, value_name = "OCID")]
    pub(crate) tenancy: Option<String>,
    /// Reject legacy rule forms instead of warning about them.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// Process only the tenancies of shard K of N (`xxh3(tenancy OCID) % N == K`);
    /// the lines of shards 0..N are the whole run's lines, and each shard reports only
    /// its own tenancies' problems (problems of no tenancy: shard 0), so that the
    /// shards' reports add up to the whole run's.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub(crate) shard: Option<Shard>,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    text.parse()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum By {
    /// One record per group with its members.
    Group,
    /// One record per principal with its groups.
    Principal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// JSON Lines: one record per line.
    Jsonl,
    /// One JSON array.
    Json,
    /// CSV with a header row.
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct ComputeArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Write one record per group or one per principal.
    #[arg(long, value_enum, default_value_t = By::Group)]
    pub(crate) by: By,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Jsonl)]
    pub(crate) format: OutputFormat,
    /// Output file (`-` for stdout). Replaced only when the whole run succeeds, together
    /// with --report and --snapshot.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub(crate) out: PathBuf,
    /// Write a JSON report: totals, rejected records, invalid groups, limit violations
    /// and unknown references.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    /// Most groups a tenancy may have before it is reported.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub(crate) max_groups_per_tenancy: usize,
    /// Most groups a principal may be in before it is reported.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(crate) max_groups_per_principal: usize,
    /// Also write the index and memberships as a snapshot file (`.dgs`), for
    /// `query`, `diff` and services that embed the index.
    #[arg(long, value_name = "FILE")]
    pub(crate) snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) policy: crate::compute_policies::ComputePolicyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The principal's OCID.
    #[arg(long, value_name = "OCID")]
    pub(crate) principal: String,
    /// Only this group (by name, in the principal's tenancy).
    #[arg(long, value_name = "NAME")]
    pub(crate) group: Option<String>,
    /// Compartment files (as `oci iam compartment list --all
    /// --compartment-id-in-subtree true --include-root` prints): they give the groups
    /// of identity domains their domain's scope, as in `compute`. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) compartments: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("question").required(true).args(["principal", "group"])))]
pub(crate) struct QueryArgs {
    /// The snapshot file to answer from (written by `compute --snapshot`).
    #[arg(long, value_name = "FILE")]
    pub(crate) snapshot: PathBuf,
    /// Print the groups of the principal with this OCID.
    #[arg(long, value_name = "OCID")]
    pub(crate) principal: Option<String>,
    /// Print the members of the group with this name (compared case-insensitively).
    #[arg(long, value_name = "NAME")]
    pub(crate) group: Option<String>,
    /// The group's tenancy; needed when several tenancies have a group of that name.
    #[arg(long, value_name = "OCID", conflicts_with = "principal")]
    pub(crate) tenancy: Option<String>,
    /// Print one JSON record instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The snapshot file.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier snapshot.
    #[arg(value_name = "OLD")]
    pub(crate) old: PathBuf,
    /// The later snapshot.
    #[arg(value_name = "NEW")]
    pub(crate) new: PathBuf,
    /// Print JSON Lines, one record per changed group, instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// The snapshot to start from (written by `compute --snapshot` or `apply`).
    #[arg(long, value_name = "FILE")]
    pub(crate) snapshot: PathBuf,
    /// The changes, as JSON Lines (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub(crate) changes: PathBuf,
    /// Write the new snapshot here instead of over --snapshot.
    #[arg(long, value_name = "NEWFILE")]
    pub(crate) out: Option<PathBuf>,
    /// Tenancy OCID for principal and group records that carry none.
    #[arg(long, value_name = "OCID")]
    pub(crate) tenancy: Option<String>,
    /// Reject legacy rule forms instead of warning about them (also when the
    /// snapshot was computed without --strict).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Most groups a tenancy may have: creating one more is refused. A tenancy the
    /// snapshot already holds with more keeps them (the limit is raised to the
    /// largest tenancy's count).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub(crate) max_groups_per_tenancy: usize,
}
