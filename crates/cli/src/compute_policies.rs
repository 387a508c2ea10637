//! `compute --policies F --compartments F`: every principal's effective grants in the
//! `--by principal` output, and the policy findings in the report and on stderr.
//!
//! `compute.rs` calls [`load`] after the inputs are read, [`PolicyRun::evaluate`]
//! after the memberships, [`write_by_principal`] instead of the plain principal
//! writer, and [`PolicyOutcome::report_json`] / [`PolicyOutcome::print_summary`]
//! at the end.

use std::path::{Path, PathBuf};

use clap::Args;
use dyngroup_index::{Index, Memberships, PrincipalId};
use dyngroup_io::{
    AtomicFile, Format, GrantRecord, PoliciesReader, PrincipalGrantsRecord, PrincipalGrantsWriter,
    Problem, Severity, read_compartments, statement_problem,
};
use dyngroup_policy::{
    Compartment, CompartmentTree, Effect, Evaluator, Finding, FindingKind, Grants, PolicySet,
    STATEMENTS_PER_PATH, Truth,
};
use serde_json::{Value, json};

use crate::Fatal;
use crate::args::InputArgs;
use crate::input::{check_paths, flagged, input_paths, print_problems, read_options};

/// The policy inputs of `compute`: both or neither.
#[derive(Debug, Args)]
pub(crate) struct ComputePolicyArgs {
    /// Policy files (as `oci iam policy list --all` prints), to add each principal's
    /// effective grants to the `--by principal` output and the policy findings to the
    /// report. Needs --compartments. Repeatable.
    #[arg(long, value_name = "FILE", requires = "compartments")]
    pub(crate) policies: Vec<PathBuf>,
    /// Compartment files (as `oci iam compartment list --all
    /// --compartment-id-in-subtree true --include-root` prints): they give the groups
    /// of identity domains their domain's scope, and place the --policies.
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) compartments: Vec<PathBuf>,
}

impl ComputePolicyArgs {
    /// [`check_paths`] over every input of `compute`: an output naming a policy or
    /// compartment file, or standard input given twice (counting `--inventory` and
    /// `--groups`).
    pub(crate) fn check_paths(
        &self,
        input: &InputArgs,
        outputs: &[(&str, Option<&Path>)],
    ) -> Result<(), Fatal> {
        check_paths(&self.input_paths(input), outputs)
    }

    /// The flag and path of every input: `input`'s, then the policy and compartment
    /// files.
    fn input_paths<'a>(&'a self, input: &'a InputArgs) -> Vec<(&'static str, &'a Path)> {
        let mut inputs = input_paths(input);
        inputs.extend(flagged("--policies", &self.policies));
        inputs.extend(flagged("--compartments", &self.compartments));
        inputs
    }
}

/// The compartment tree and the compiled policies of the run's tenancies.
#[derive(Debug)]
pub(crate) struct PolicyRun {
    /// The compartment records as read (what a snapshot stores).
    compartments: Vec<Compartment>,
    tree: CompartmentTree,
    /// Whether --policies were given (else only the tree was: it scopes the groups
    /// of identity domains, and no grant is computed).
    policies_given: bool,
    set: PolicySet,
    /// Record problems of both inputs and every statement finding, in file order.
    problems: Vec<Problem>,
}

/// Reads and compiles the policy inputs, if given. Under `--shard` only the
/// policies attached in the shard's tenancies are kept (and problems of no tenancy,
/// as every unreadable record, stay in shard 0), so the shards' reports add up to
/// the whole run's.
pub(crate) fn load(
    args: &ComputePolicyArgs,
    input: &InputArgs,
) -> Result<Option<PolicyRun>, Fatal> {
    if args.policies.is_empty() && args.compartments.is_empty() {
        return Ok(None);
    }
    let (compartments, mut problems) =
        read_compartments(&args.compartments, &read_options(input))?.into_parts();
    let mut policies = PoliciesReader::new(read_options(input));
    for path in &args.policies {
        policies.read_path(path)?;
    }
    let (mut policies, policy_problems) = policies.finish().into_parts();
    problems.extend(policy_problems);
    let tree = CompartmentTree::new(&compartments);
    if let Some(shard) = input.shard {
        let owns = |compartment: &str| match tree.get(compartment) {
            Some(c) => shard.owns(tree.ocid(tree.root(c))),
            None => shard.index() == 0,
        };
        policies.retain(|p| owns(&p.compartment_id));
        problems.retain(|p| match &p.tenancy {
            Some(tenancy) => shard.owns(tenancy),
            None => shard.index() == 0,
        });
    }
    let set = PolicySet::compile(policies, &tree);
    problems.extend(set.findings().iter().map(|f| statement_problem(&set, f)));
    Ok(Some(PolicyRun {
        compartments,
        tree,
        policies_given: !args.policies.is_empty(),
        set,
        problems,
    }))
}

impl PolicyRun {
    /// Gives the groups of identity domains their domain's scope from the tree.
    pub(crate) fn scope_groups(&self, groups: &mut [dyngroup_index::DynamicGroup]) {
        self.tree.apply_domain_scopes(groups);
    }

    /// Whether --policies were given (grants are computed only then).
    pub(crate) fn has_policies(&self) -> bool {
        self.policies_given
    }

    /// For a run with compartments but no policies: prints the compartment records'
    /// problems and the tree's.
    pub(crate) fn print_tree_problems(&self) {
        print_problems(&self.problems);
        for message in self.tree.problems() {
            stderrln!("dyngroup: warning: {message}");
        }
    }

    /// The problems of the records read (compartments, policies).
    pub(crate) fn record_problems(&self) -> &[Problem] {
        &self.problems
    }

    /// What `--snapshot` stores: the compartment records and the run's policies.
    pub(crate) fn inputs(&self) -> dyngroup_snapshot::PolicyInputs {
        dyngroup_snapshot::PolicyInputs {
            compartments: self.compartments.clone(),
            policies: self.set.policies().to_vec(),
        }
    }

    /// Resolves every statement's subject over the memberships and computes every
    /// principal's effective grants.
    pub(crate) fn evaluate<'a>(
        &'a self,
        index: &'a Index,
        memberships: &'a Memberships,
    ) -> PolicyOutcome<'a> {
        let evaluator = Evaluator::new(index, memberships, &self.tree, &self.set);
        let grants = evaluator.effective_grants();
        let paths = self
            .set
            .grants()
            .iter()
            .map(|g| self.tree.path(g.location))
            .collect();
        let mut problems = self.problems.clone();
        problems.extend(
            evaluator
                .findings()
                .iter()
                .map(|f| statement_problem(&self.set, f)),
        );
        PolicyOutcome {
            run: self,
            index,
            memberships,
            evaluator,
            grants,
            paths,
            problems,
        }
    }
}

/// What the policies give over one run's memberships.
#[derive(Debug)]
pub(crate) struct PolicyOutcome<'a> {
    run: &'a PolicyRun,
    index: &'a Index,
    memberships: &'a Memberships,
    evaluator: Evaluator<'a>,
    /// By principal ordinal: (grant, truth), ascending by grant.
    grants: Vec<Vec<(u32, Truth)>>,
    /// By grant: its compartment's path.
    paths: Vec<String>,
    /// Every problem: records, statements, unknown groups.
    problems: Vec<Problem>,
}

impl PolicyOutcome<'_> {
    /// Prints every record and statement problem on stderr.
    pub(crate) fn print_problems(&self) {
        print_problems(&self.problems);
        for message in self.run.tree.problems() {
            stderrln!("dyngroup: warning: {message}");
        }
    }

    /// Whether a policy or compartment record, or a statement (or part of one), was
    /// rejected.
    pub(crate) fn rejected(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    /// The grant records of principal `p`.
    fn grant_records(&self, p: PrincipalId) -> Vec<GrantRecord<'_>> {
        let set = &self.run.set;
        let tree = &self.run.tree;
        let groups = &self.memberships.principal_groups()[p.raw() as usize];
        self.grants[p.raw() as usize]
            .iter()
            .map(|&(i, truth)| {
                let i = i as usize;
                let grant = &set.grants()[i];
                let subject = self.evaluator.subject_groups(i);
                let via = if subject.is_empty() {
                    vec!["any-user"]
                } else {
                    groups
                        .iter()
                        .filter(|g| subject.contains(g))
                        .map(|&g| self.index.group(g).name.as_str())
                        .collect()
                };
                GrantRecord {
                    effect: match grant.effect {
                        Effect::Allow => "allow",
                        Effect::Deny => "deny",
                    },
                    verb: match &grant.grants {
                        Grants::Verb(v, _) => v.as_str(),
                        Grants::Permissions(_) => "permissions",
                    },
                    resource_type: &grant.resource_name,
                    compartment_id: tree.ocid(grant.location),
                    compartment_path: &self.paths[i],
                    conditional: truth != Truth::True,
                    via,
                    policy_id: &set.policy(grant.at).id,
                    statement: &set.statement(grant.at).text,
                }
            })
            .collect()
    }

    /// The number of (principal, statement) grants and of principals with one.
    fn grant_counts(&self) -> (usize, usize) {
        let total = self.grants.iter().map(Vec::len).sum();
        let principals = self.grants.iter().filter(|g| !g.is_empty()).count();
        (total, principals)
    }

    fn findings(&self, kinds: &[FindingKind]) -> Vec<&Finding> {
        self.run
            .set
            .findings()
            .iter()
            .chain(self.evaluator.findings())
            .filter(|f| kinds.contains(&f.kind))
            .collect()
    }

    fn finding_json(&self, f: &Finding) -> Value {
        let policy = self.run.set.policy(f.at);
        let statement = self.run.set.statement(f.at);
        json!({
            "policy-id": policy.id,
            "policy": policy.name,
            "statement": statement.text,
            "at": statement.origin.as_ref().map(ToString::to_string),
            "message": f.diagnostic.message,
        })
    }

    /// The report's `"policies"` object: totals, rejected records and statements,
    /// warnings, and the four findings of issue 13.
    pub(crate) fn report_json(&self) -> Value {
        let set = &self.run.set;
        let tree = &self.run.tree;
        let statements: usize = set.policies().iter().map(|p| p.statements.len()).sum();
        let (grants, principals) = self.grant_counts();
        let (rejected, warnings): (Vec<&Problem>, Vec<&Problem>) = self
            .problems
            .iter()
            .filter(|p| p.severity != Severity::Note)
            .partition(|p| p.severity == Severity::Error);
        let over: Vec<Value> = set
            .paths_over_limit(tree, STATEMENTS_PER_PATH)
            .into_iter()
            .map(|(c, count)| {
                json!({
                    "tenancy-id": tree.ocid(tree.root(c)),
                    "compartment-id": tree.ocid(c),
                    "path": tree.path(c),
                    "statements": count,
                })
            })
            .collect();
        let unknown_groups: Vec<Value> = self
            .findings(&[FindingKind::UnknownGroup])
            .into_iter()
            .map(|f| self.finding_json(f))
            .collect();
        let unresolved: Vec<Value> = self
            .findings(&[
                FindingKind::UnresolvedLocation,
                FindingKind::UnknownAttachment,
            ])
            .into_iter()
            .map(|f| self.finding_json(f))
            .collect();
        let unnamed: Vec<Value> = self
            .evaluator
            .groups_without_statements()
            .into_iter()
            .map(|g| {
                let group = self.index.group(g);
                json!({"tenancy-id": group.tenancy_id, "group-id": group.id, "name": group.name})
            })
            .collect();
        json!({
            "totals": {
                "compartments": tree.len(),
                "policies": set.policies().len(),
                "statements": statements,
                "evaluated": set.grants().len(),
                "rejected": rejected.len(),
                "warnings": warnings.len(),
                "grants": grants,
                "principals-with-grants": principals,
            },
            "statement-limit-per-path": STATEMENTS_PER_PATH,
            "rejected": rejected,
            "warnings": warnings,
            "compartment-problems": tree.problems(),
            "paths-over-statement-limit": over,
            "statements-naming-unknown-groups": unknown_groups,
            "groups-without-statements": unnamed,
            "unresolved-locations": unresolved,
        })
    }

    /// One line of counts, and a note per kind of finding present; `written` says
    /// whether the grants went to the output (`--by principal`).
    pub(crate) fn print_summary(&self, written: bool) {
        let report = self.report_json();
        let totals = &report["totals"];
        stderrln!(
            "dyngroup: policies: {} statements in {} policies ({} evaluated, {} rejected), \
             {} grants to {} principals",
            totals["statements"],
            totals["policies"],
            totals["evaluated"],
            totals["rejected"],
            totals["grants"],
            totals["principals-with-grants"],
        );
        let count = |key: &str| report[key].as_array().map_or(0, Vec::len);
        let notes = [
            (
                count("paths-over-statement-limit"),
                format!("compartments whose path holds over {STATEMENTS_PER_PATH} statements"),
            ),
            (
                count("statements-naming-unknown-groups"),
                "statements naming dynamic groups that do not exist".into(),
            ),
            (
                count("groups-without-statements"),
                "dynamic groups named by no statement".into(),
            ),
            (
                count("unresolved-locations"),
                "statements whose location does not resolve".into(),
            ),
        ];
        for (count, what) in notes {
            if count > 0 {
                stderrln!("dyngroup: note: {count} {what} (see --report)");
            }
        }
        if !written {
            stderrln!(
                "dyngroup: note: the effective grants are written with --by principal; \
                 --by group writes the memberships only"
            );
        }
    }
}

/// Writes `--by principal` with each principal's effective grants, not yet replacing
/// the old output.
pub(crate) fn write_by_principal(
    out: AtomicFile,
    format: Format,
    outcome: &PolicyOutcome<'_>,
) -> std::io::Result<AtomicFile> {
    let (index, memberships) = (outcome.index, outcome.memberships);
    let mut writer = PrincipalGrantsWriter::new(out, format);
    for (ordinal, groups) in memberships.principal_groups().iter().enumerate() {
        let p = PrincipalId::from_raw(ordinal as u32);
        writer.write(&PrincipalGrantsRecord {
            id: index.principal_ocid(p),
            tenancy_id: index.tenancy_ocid(index.tenancy_of(p)),
            groups: groups
                .iter()
                .map(|g| index.group(*g).name.as_str())
                .collect(),
            grants: outcome.grant_records(p),
        })?;
    }
    writer.finish()
}
