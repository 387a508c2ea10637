//! `dyngroup policy check`, `dyngroup can`, `dyngroup who-can`: policies over the
//! memberships (dyngroup-policy).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use dyngroup_index::{GroupId, Index, PrincipalId};
use dyngroup_io::{
    PoliciesReader, Problem, ProblemKind, Severity, read_compartments, statement_problem,
    write_csv_field,
};
use dyngroup_policy::{
    CompartmentId, CompartmentTree, Decision, Evaluator, FindingKind, Grants, Holding, PolicySet,
    Request, ResourceTable, STATEMENTS_PER_PATH, Truth, Verb, Via, parse_statement,
    print_statement,
};
use serde_json::{Value, json};

use crate::args::InputArgs;
use crate::input::{
    build_index, check_paths, configure_threads, flagged, input_paths, load, print_problems,
    read_options,
};
use crate::{Fatal, Outcome};

#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    pub(crate) command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Validate policy statements: diagnostics on stderr, exit code 1 if any
    /// statement cannot be evaluated.
    Check(PolicyCheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PolicyCheckArgs {
    /// One statement to check.
    #[arg(required_unless_present = "policies", conflicts_with = "policies")]
    pub(crate) statement: Option<String>,
    /// Policy files (as `oci iam policy list --all` prints). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) policies: Vec<PathBuf>,
    /// Compartment files, to resolve every statement's location too.
    #[arg(long, value_name = "FILE")]
    pub(crate) compartments: Vec<PathBuf>,
    /// Dynamic-group files, to report statements naming groups that do not exist.
    #[arg(long, value_name = "FILE")]
    pub(crate) groups: Vec<PathBuf>,
    /// Print each valid statement's canonical form on stdout.
    #[arg(long)]
    pub(crate) canonical: bool,
}

/// The policy inputs of `can` and `who-can`: files, or a snapshot that holds them.
#[derive(Debug, Args)]
pub(crate) struct PolicyInputArgs {
    /// Compartment files (as `oci iam compartment list --all
    /// --compartment-id-in-subtree true --include-root` prints). Repeatable.
    #[arg(long, value_name = "FILE", required_unless_present = "snapshot")]
    pub(crate) compartments: Vec<PathBuf>,
    /// Policy files (as `oci iam policy list --all` prints). Repeatable.
    #[arg(long, value_name = "FILE", required_unless_present = "snapshot")]
    pub(crate) policies: Vec<PathBuf>,
    /// Answer from a snapshot written by `compute --policies F --compartments F
    /// --snapshot FILE` (deep-verified first) instead of the input files.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["compartments", "policies", "inventory", "groups"]
    )]
    pub(crate) snapshot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CanArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) policy: PolicyInputArgs,
    /// The principal's OCID.
    #[arg(long, value_name = "OCID")]
    pub(crate) principal: String,
    /// Only grants of at least this verb (inspect, read, use, manage).
    #[arg(long, value_name = "VERB")]
    pub(crate) verb: Option<String>,
    /// Only grants covering this resource type or family.
    #[arg(long, value_name = "TYPE")]
    pub(crate) resource_type: Option<String>,
    /// Only grants covering this compartment (OCID, or a path such as `Prod:App` from
    /// the principal's tenancy). With --verb and --resource-type too, the exact
    /// decision for that request.
    #[arg(long, value_name = "OCID|PATH")]
    pub(crate) compartment: Option<String>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum WhoCanFormat {
    /// One JSON record per principal.
    Jsonl,
    /// CSV with a header row, one row per (principal, group, statement).
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct WhoCanArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) policy: PolicyInputArgs,
    /// The verb: inspect, read, use or manage.
    #[arg(long, value_name = "VERB")]
    pub(crate) verb: String,
    /// The resource type or family (`buckets`, `instance-family`, `all-resources`).
    #[arg(long, value_name = "TYPE")]
    pub(crate) resource_type: String,
    /// The compartment: an OCID, or a path such as `Prod:App` from a tenancy root.
    #[arg(long, value_name = "OCID|PATH")]
    pub(crate) compartment: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = WhoCanFormat::Jsonl)]
    pub(crate) format: WhoCanFormat,
}

pub(crate) fn check(args: &PolicyArgs) -> Result<Outcome, Fatal> {
    let PolicyCommand::Check(args) = &args.command;
    if let Some(text) = &args.statement {
        return Ok(match parse_statement(text) {
            Ok(parsed) => {
                for warning in &parsed.warnings {
                    stderr!("{}", warning.render(text));
                }
                if args.canonical {
                    stdoutln!("{}", print_statement(&parsed.statement, text))?;
                }
                Outcome::Clean
            }
            Err(err) => {
                stderr!("{}", err.render(text));
                Outcome::Rejected
            }
        });
    }
    let mut inputs = flagged("--policies", &args.policies);
    inputs.extend(flagged("--compartments", &args.compartments));
    inputs.extend(flagged("--groups", &args.groups));
    check_paths(&inputs, &[])?;
    let options = dyngroup_io::ReadOptions::default();
    let (compartments, mut problems) =
        read_compartments(&args.compartments, &options)?.into_parts();
    let mut policies = PoliciesReader::new(options);
    for path in &args.policies {
        policies.read_path(path)?;
    }
    let (policies, policy_problems) = policies.finish().into_parts();
    // Statements the reader left out (not strings): counted with the rejected ones.
    let left_out = policy_problems
        .iter()
        .filter(|p| p.kind == ProblemKind::BadStatement)
        .count();
    problems.extend(policy_problems);
    let tree = CompartmentTree::new(&compartments);
    let set = PolicySet::compile(policies, &tree);
    let resolve = !args.compartments.is_empty();
    let mut notes: Vec<String> = Vec::new();
    problems.extend(
        set.findings()
            .iter()
            .filter(|f| resolve || f.kind != FindingKind::UnknownAttachment)
            .map(|f| statement_problem(&set, f)),
    );
    if !args.groups.is_empty() {
        let mut groups = dyngroup_io::GroupsReader::new(dyngroup_io::ReadOptions::default());
        for path in &args.groups {
            groups.read_path(path)?;
        }
        let (groups, group_problems) = groups.finish().into_parts();
        problems.extend(group_problems);
        let mut builder = dyngroup_index::IndexBuilder::new();
        for group in groups {
            // The reader already rejected clashing names; nothing else can fail here.
            let _ = builder.add_group(group);
        }
        let index = builder.build();
        let memberships = index.evaluate();
        let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
        problems.extend(
            evaluator
                .findings()
                .iter()
                .map(|f| statement_problem(&set, f)),
        );
        if resolve {
            for g in evaluator.groups_without_statements() {
                let group = index.group(g);
                notes.push(format!(
                    "note: dynamic group `{}` ({}) is named by no statement: its members get no permission",
                    group.name, group.id
                ));
            }
        }
    }
    for (c, count) in set.paths_over_limit(&tree, STATEMENTS_PER_PATH) {
        notes.push(format!(
            "warning: the path to compartment `{}` ({}) holds {count} statements, over OCI's limit of {STATEMENTS_PER_PATH}",
            tree.path(c),
            tree.ocid(c)
        ));
    }
    print_problems(&problems);
    for message in tree.problems() {
        stderrln!("dyngroup: warning: {message}");
    }
    for note in &notes {
        stderrln!("dyngroup: {note}");
    }
    if args.canonical {
        let mut out = BufWriter::new(io::stdout().lock());
        for policy in set.policies() {
            for statement in &policy.statements {
                if let Ok(parsed) = parse_statement(&statement.text) {
                    writeln!(
                        out,
                        "{}",
                        print_statement(&parsed.statement, &statement.text)
                    )?;
                }
            }
        }
        out.flush()?;
    }
    let statements: usize = set.policies().iter().map(|p| p.statements.len()).sum();
    // Statements (one count each, however many errors it has; a non-string one the
    // reader left out included) apart from whole records left out.
    let mut bad: Vec<_> = set
        .findings()
        .iter()
        .filter(|f| f.is_error() && (resolve || f.kind != FindingKind::UnknownAttachment))
        .map(|f| f.at)
        .collect();
    bad.sort();
    bad.dedup();
    let records = problems.iter().filter(|p| p.rejects_record()).count();
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    stderrln!(
        "dyngroup: {statements} statements in {} policies: {} evaluated, {} statements rejected, \
         {records} records rejected",
        set.policies().len(),
        set.grants().len(),
        bad.len() + left_out,
    );
    Ok(if errors > 0 {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}

/// Everything `can` and `who-can` need, loaded and built.
struct World {
    index: Index,
    memberships: dyngroup_index::Memberships,
    tree: CompartmentTree,
    set: PolicySet,
    /// Whether any input was rejected or any statement cannot be evaluated.
    rejected: bool,
}

fn load_world(input: &InputArgs, policy: &PolicyInputArgs) -> Result<World, Fatal> {
    let mut inputs = input_paths(input);
    inputs.extend(flagged("--policies", &policy.policies));
    inputs.extend(flagged("--compartments", &policy.compartments));
    inputs.extend(policy.snapshot.iter().map(|p| ("--snapshot", p.as_path())));
    check_paths(&inputs, &[])?;
    configure_threads(input)?;
    if let Some(path) = &policy.snapshot {
        return load_snapshot_world(path);
    }
    let mut loaded = load(input)?;
    let options = read_options(input);
    let (compartments, mut problems) =
        read_compartments(&policy.compartments, &options)?.into_parts();
    let mut policies = PoliciesReader::new(options);
    for path in &policy.policies {
        policies.read_path(path)?;
    }
    // One tree: it scopes the identity-domain groups, then places the policies.
    let tree = CompartmentTree::new(&compartments);
    tree.apply_domain_scopes(&mut loaded.groups);
    let (policies, policy_problems) = policies.finish().into_parts();
    problems.extend(policy_problems);
    let rejected = loaded.rejected() > 0;
    print_problems(&loaded.problems);
    let (index, refused) = build_index(&loaded, input.strict);
    let memberships = index.evaluate();
    world(
        index,
        memberships,
        tree,
        policies,
        problems,
        rejected || refused > 0,
    )
}

/// The world a snapshot holds: its index (deep-verified: a crafted file is refused,
/// not believed) and the compartment tree and policies stored with it.
fn load_snapshot_world(path: &std::path::Path) -> Result<World, Fatal> {
    crate::snapshot_cmds::not_a_directory(path)?;
    let snapshot = crate::snapshot_cmds::open_snapshot(path)?;
    let Some(inputs) = snapshot.policy_inputs() else {
        return Err(Fatal(format!(
            "snapshot: {}: holds no policies (format version {}); write it with \
             `dyngroup compute --policies F --compartments F --snapshot FILE`",
            path.display(),
            snapshot.format_version()
        )));
    };
    let (index, memberships) = snapshot
        .verified_index()
        .map_err(|e| crate::snapshot_cmds::in_file(path, e))?;
    world(
        index,
        memberships,
        CompartmentTree::new(&inputs.compartments),
        inputs.policies,
        Vec::new(),
        false,
    )
}

/// Reports the tree's problems and compiles the policies over the memberships, printing every
/// problem (`problems`: those of the records read) and statement finding.
fn world(
    index: Index,
    memberships: dyngroup_index::Memberships,
    tree: CompartmentTree,
    policies: Vec<dyngroup_policy::Policy>,
    mut problems: Vec<Problem>,
    mut rejected: bool,
) -> Result<World, Fatal> {
    for message in tree.problems() {
        stderrln!("dyngroup: warning: {message}");
    }
    crate::report::print_domain_scope_note(&index);
    let set = PolicySet::compile(policies, &tree);
    let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
    problems.extend(
        set.findings()
            .iter()
            .chain(evaluator.findings())
            .map(|f| statement_problem(&set, f)),
    );
    rejected |= problems
        .iter()
        .any(|p: &Problem| p.severity == Severity::Error);
    print_problems(&problems);
    drop(evaluator);
    Ok(World {
        index,
        memberships,
        tree,
        set,
        rejected,
    })
}

fn verb(word: &str) -> Result<Verb, Fatal> {
    Verb::from_word(word).ok_or_else(|| {
        Fatal(format!(
            "unknown verb `{word}`: expected inspect, read, use or manage"
        ))
    })
}

fn resource(word: &str) -> dyngroup_policy::Resource {
    let table = ResourceTable::builtin();
    let resource = table.resolve(word);
    if !resource.known {
        let hint = table
            .suggest(word)
            .map_or(String::new(), |h| format!(" ({h})"));
        stderrln!(
            "dyngroup: warning: unknown resource type `{word}`{hint}; only all-resources covers it"
        );
    }
    resource
}

/// A compartment by OCID, or by a `:` path from the root of `tenancy` (or of the one
/// tenancy where the path exists).
fn compartment(
    tree: &CompartmentTree,
    text: &str,
    tenancy: Option<&str>,
) -> Result<CompartmentId, Fatal> {
    if text.starts_with("ocid1.") {
        return tree
            .get(text)
            .ok_or_else(|| Fatal(format!("no compartment has id `{text}`")));
    }
    let path: Vec<String> = text.split(':').map(str::to_owned).collect();
    let roots: Vec<CompartmentId> = match tenancy {
        Some(t) => tree.get(t).into_iter().collect(),
        None => tree.roots().collect(),
    };
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    for &root in &roots {
        match tree.resolve_path(root, &path) {
            Ok(c) => found.push(c),
            Err(e) => errors.push(e),
        }
    }
    found.sort();
    match found.as_slice() {
        [one] => Ok(*one),
        // Say why the path fails in each tenancy (two siblings of one name, a name in
        // another case), as `policy check` does for a statement's location; a long
        // list of tenancies gets the short message.
        [] if !errors.is_empty() && errors.len() <= 3 => Err(Fatal(format!(
            "no compartment at path `{text}`: {}; give an OCID",
            errors.join("; ")
        ))),
        [] => Err(Fatal(format!(
            "no compartment at path `{text}` (names are compared exactly; give an OCID)"
        ))),
        many => Err(Fatal(format!(
            "the path `{text}` exists in {} tenancies; give the compartment's OCID or --tenancy",
            many.len()
        ))),
    }
}

pub(crate) fn who_can(args: &WhoCanArgs) -> Result<Outcome, Fatal> {
    let verb = verb(&args.verb)?;
    let w = load_world(&args.input, &args.policy)?;
    let resource = resource(&args.resource_type);
    let target = compartment(&w.tree, &args.compartment, args.input.tenancy.as_deref())?;
    let evaluator = Evaluator::new(&w.index, &w.memberships, &w.tree, &w.set);
    let request = Request {
        verb,
        resource: resource.set,
        compartment: target,
    };
    let answers = evaluator.who_can(&request);
    let mut out = BufWriter::new(io::stdout().lock());
    if args.format == WhoCanFormat::Csv {
        writeln!(
            out,
            "principal_id,tenancy_id,decision,group_name,policy_id,statement"
        )?;
    }
    for answer in &answers {
        let principal = w.index.principal(answer.principal);
        match args.format {
            WhoCanFormat::Jsonl => {
                let via: Vec<Value> = answer
                    .via
                    .iter()
                    .flat_map(|v| via_records(&w, &evaluator, v))
                    .map(|(group, policy, statement)| {
                        json!({"group": group, "policy-id": policy, "statement": statement})
                    })
                    .collect();
                let record = json!({
                    "id": principal.id,
                    "tenancy-id": principal.tenancy_id,
                    "decision": answer.decision.as_str(),
                    "via": via,
                });
                writeln!(out, "{record}")?;
            }
            WhoCanFormat::Csv => {
                for (group, policy, statement) in answer
                    .via
                    .iter()
                    .flat_map(|v| via_records(&w, &evaluator, v))
                {
                    for (i, field) in [
                        principal.id,
                        principal.tenancy_id,
                        answer.decision.as_str(),
                        &group,
                        &policy,
                        &statement,
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        if i > 0 {
                            out.write_all(b",")?;
                        }
                        write_csv_field(&mut out, field)?;
                    }
                    out.write_all(b"\n")?;
                }
            }
        }
    }
    out.flush()?;
    let allowed = answers
        .iter()
        .filter(|a| a.decision == Decision::Allowed)
        .count();
    stderrln!(
        "dyngroup: {} may {verb} {} in {}: {allowed} allowed, {} conditional",
        answers.len(),
        resource.name,
        describe(&w.tree, target),
        answers.len() - allowed
    );
    Ok(if w.rejected {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}

/// (group name or `any-user`, policy OCID, statement text) for each group of a step.
fn via_records(w: &World, evaluator: &Evaluator<'_>, via: &Via) -> Vec<(String, String, String)> {
    let grant = &w.set.grants()[via.grant];
    let policy = w.set.policy(grant.at).id.clone();
    let statement = w.set.statement(grant.at).text.clone();
    if evaluator.subject_groups(via.grant).is_empty() {
        return vec![("any-user".into(), policy, statement)];
    }
    via.groups
        .iter()
        .map(|&g| {
            (
                w.index.group(g).name.clone(),
                policy.clone(),
                statement.clone(),
            )
        })
        .collect()
}

fn describe(tree: &CompartmentTree, c: CompartmentId) -> String {
    let path = tree.path(c);
    if path.is_empty() {
        format!("tenancy {}", tree.describe(c))
    } else {
        format!("{path} ({})", tree.ocid(c))
    }
}

pub(crate) fn can(args: &CanArgs) -> Result<Outcome, Fatal> {
    let verb = args.verb.as_deref().map(verb).transpose()?;
    let w = load_world(&args.input, &args.policy)?;
    let Some(p) = w.index.principal_id(&args.principal) else {
        return Err(Fatal(format!(
            "no indexed principal has id {} (terminated principals hold nothing)",
            args.principal
        )));
    };
    let tenancy = w.index.tenancy_ocid(w.index.tenancy_of(p)).to_owned();
    let resource = args.resource_type.as_deref().map(resource);
    let target = args
        .compartment
        .as_deref()
        .map(|c| compartment(&w.tree, c, Some(&tenancy)))
        .transpose()?;
    let evaluator = Evaluator::new(&w.index, &w.memberships, &w.tree, &w.set);
    let chain = Chain {
        w: &w,
        evaluator: &evaluator,
        p,
    };
    let document = match (verb, &resource, target) {
        (Some(verb), Some(resource), Some(target)) => {
            let request = Request {
                verb,
                resource: resource.set.clone(),
                compartment: target,
            };
            let answer = evaluator.decide(p, &request);
            json!({
                "principal": args.principal,
                "tenancy-id": tenancy,
                "verb": verb.as_str(),
                "resource-type": resource.name,
                "compartment": chain.compartment(target),
                "decision": answer.decision.as_str(),
                "allowed-by": answer.allows.iter().map(|v| chain.step(v)).collect::<Vec<_>>(),
                "denied-by": answer.denies.iter().map(|v| chain.step(v)).collect::<Vec<_>>(),
            })
        }
        _ => {
            let grants: Vec<Value> = evaluator
                .holdings(p)
                .iter()
                .filter(|h| {
                    let grant = &w.set.grants()[h.via.grant];
                    let (held_verb, set) = match &grant.grants {
                        Grants::Verb(v, set) => (Some(*v), set),
                        Grants::Permissions(set) => (None, set),
                    };
                    verb.is_none_or(|v| held_verb.is_some_and(|h| h >= v))
                        && resource.as_ref().is_none_or(|r| set.covers(&r.set))
                        && target.is_none_or(|t| w.tree.covers(grant.location, t))
                })
                .map(|h| chain.holding(h))
                .collect();
            json!({
                "principal": args.principal,
                "tenancy-id": tenancy,
                "grants": grants,
            })
        }
    };
    if args.json {
        stdoutln!("{}", serde_json::to_string_pretty(&document)?)?;
    } else {
        stdout!("{}", text(&document))?;
    }
    Ok(if w.rejected {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}

/// Builds the JSON of a chain: statements, groups, and why the principal is in them.
struct Chain<'a> {
    w: &'a World,
    evaluator: &'a Evaluator<'a>,
    p: PrincipalId,
}

impl Chain<'_> {
    fn compartment(&self, c: CompartmentId) -> Value {
        json!({"id": self.w.tree.ocid(c), "path": self.w.tree.path(c)})
    }

    fn step(&self, via: &Via) -> Value {
        let w = self.w;
        let grant = &w.set.grants()[via.grant];
        let policy = w.set.policy(grant.at);
        let statement = w.set.statement(grant.at);
        let groups: Vec<Value> = if self.evaluator.subject_groups(via.grant).is_empty() {
            vec![json!({"name": "any-user", "why": "every principal of the tenancy"})]
        } else {
            via.groups.iter().map(|&g| self.group(g)).collect()
        };
        json!({
            "policy-id": policy.id,
            "policy": policy.name,
            "statement": statement.text,
            "at": statement.origin.as_ref().map(ToString::to_string),
            "effect": match grant.effect {
                dyngroup_policy::Effect::Allow => "allow",
                dyngroup_policy::Effect::Deny => "deny",
            },
            "condition": match via.truth {
                Truth::True => "holds",
                Truth::Unknown => "unknown offline",
                Truth::False => "fails",
            },
            "groups": groups,
        })
    }

    fn group(&self, g: GroupId) -> Value {
        let group = self.w.index.group(g);
        let why = self.w.index.explain(self.p, g);
        let held: Vec<String> = why
            .to_string()
            .lines()
            .skip(2)
            .map(|l| l.trim().to_owned())
            .collect();
        json!({
            "id": group.id,
            "name": group.name,
            "rule": group.matching_rule,
            "why": held,
        })
    }

    fn holding(&self, h: &Holding) -> Value {
        let w = self.w;
        let grant = &w.set.grants()[h.via.grant];
        let (verb, resource) = match &grant.grants {
            Grants::Verb(v, _) => (v.as_str().to_owned(), grant.resource_name.clone()),
            Grants::Permissions(_) => ("permissions".to_owned(), grant.resource_name.clone()),
        };
        let full_deny = h.denied_by.iter().any(|d| {
            let deny = &w.set.grants()[d.grant];
            let resources = match &deny.grants {
                Grants::Verb(_, set) => Some(set),
                Grants::Permissions(_) => None,
            };
            let allowed = match &grant.grants {
                Grants::Verb(_, set) | Grants::Permissions(set) => set,
            };
            d.truth == Truth::True
                && w.tree.covers(deny.location, grant.location)
                && resources.is_some_and(|r| r.covers(allowed))
        });
        let decision = if full_deny {
            "denied"
        } else if !h.denied_by.is_empty() {
            "partly-denied"
        } else if h.via.truth == Truth::True {
            "allowed"
        } else {
            "conditional"
        };
        json!({
            "verb": verb,
            "resource-type": resource,
            "compartment": self.compartment(grant.location),
            "subtree": true,
            "decision": decision,
            "via": self.step(&h.via),
            "denied-by": h.denied_by.iter().map(|d| self.step(d)).collect::<Vec<_>>(),
        })
    }
}

/// The text form of `can`'s document.
fn text(doc: &Value) -> String {
    let mut out = String::new();
    let principal = doc["principal"].as_str().unwrap_or("");
    let place = |c: &Value| {
        let path = c["path"].as_str().unwrap_or("");
        let id = c["id"].as_str().unwrap_or("");
        if path.is_empty() {
            format!("tenancy ({id})")
        } else {
            format!("{path} ({id})")
        }
    };
    let steps = |out: &mut String, label: &str, steps: &Value| {
        for step in steps.as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  {label} policy {} ({}), statement at {}:\n    {}\n",
                step["policy"].as_str().unwrap_or(""),
                step["policy-id"].as_str().unwrap_or(""),
                step["at"].as_str().unwrap_or("?"),
                step["statement"].as_str().unwrap_or("")
            ));
            if step["condition"] != "holds" {
                out.push_str(&format!(
                    "    condition: {}\n",
                    step["condition"].as_str().unwrap_or("")
                ));
            }
            for group in step["groups"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "    through {} {}\n",
                    group["name"].as_str().unwrap_or(""),
                    group["id"].as_str().unwrap_or("")
                ));
                for line in group["why"].as_array().into_iter().flatten() {
                    out.push_str(&format!("      {}\n", line.as_str().unwrap_or("")));
                }
            }
        }
    };
    if let Some(grants) = doc["grants"].as_array() {
        if grants.is_empty() {
            out.push_str(&format!("{principal} holds no grant that matches\n"));
        }
        for g in grants {
            out.push_str(&format!(
                "{} {} in {} and below: {}\n",
                g["verb"].as_str().unwrap_or(""),
                g["resource-type"].as_str().unwrap_or(""),
                place(&g["compartment"]),
                g["decision"].as_str().unwrap_or("")
            ));
            steps(
                &mut out,
                "allowed by",
                &Value::Array(vec![g["via"].clone()]),
            );
            steps(&mut out, "denied by", &g["denied-by"]);
        }
    } else {
        out.push_str(&format!(
            "{principal} may {} {} in {}: {}\n",
            doc["verb"].as_str().unwrap_or(""),
            doc["resource-type"].as_str().unwrap_or(""),
            place(&doc["compartment"]),
            doc["decision"].as_str().unwrap_or("")
        ));
        steps(&mut out, "allowed by", &doc["allowed-by"]);
        steps(&mut out, "denied by", &doc["denied-by"]);
    }
    out
}
