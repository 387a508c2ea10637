//! Policies as read, and the statements they compile to: parsed, locations resolved
//! against the compartment tree, each problem kept as a finding.

use dyngroup_rules::{Diagnostic, Severity, Span};

use crate::ast::{
    Action, Effect, Location, Statement, Subject, SubjectKind, SubjectTarget, WhereCondition,
};
use crate::parse::parse_statement;
use crate::resources::{ResourceSet, Verb};
use crate::tree::{CompartmentId, CompartmentTree};

/// OCI's hard limit of policy statements on any root-to-leaf compartment path.
pub const STATEMENTS_PER_PATH: usize = 500;

/// Where a statement was read: `file:line:column` of its JSON string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file, as named to the reader.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// 1-based position in the policy's `statements` list as read (a statement the
    /// reader rejected, not being a string, keeps its number).
    pub position: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One statement of a policy, with where it was read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyStatement {
    /// The statement's text.
    pub text: String,
    /// Where it was read, when from a file.
    pub origin: Option<Origin>,
}

/// A policy as `oci iam policy list` prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Its OCID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The compartment it is attached to: relative paths start there.
    pub compartment_id: String,
    /// Its statements, in order.
    pub statements: Vec<PolicyStatement>,
}

/// The position of a statement: policy and index within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// Index into [`PolicySet::policies`].
    pub policy: u32,
    /// Index into the policy's statements.
    pub statement: u32,
}

/// Who a compiled grant is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subjects {
    /// `any-user` / `any-group`: every principal of the tenancy.
    Everyone,
    /// These dynamic groups (by name or OCID, resolved by each evaluator).
    DynamicGroups(Vec<SubjectGroup>),
}

/// A dynamic group as a statement names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectGroup {
    /// By name (case-insensitive), and where the statement names it.
    Name(String, Span),
    /// By OCID, and where the statement names it.
    Id(String, Span),
}

/// What a compiled grant grants or denies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grants {
    /// A verb on a resource set.
    Verb(Verb, ResourceSet),
    /// A permission list (on a resource set, or on everything when none is named).
    Permissions(ResourceSet),
}

/// A statement ready to evaluate.
#[derive(Clone, Debug)]
pub struct CompiledGrant {
    /// Which statement.
    pub at: StatementRef,
    /// Allow or deny.
    pub effect: Effect,
    /// Who.
    pub subjects: Subjects,
    /// What.
    pub grants: Grants,
    /// The resource word's canonical name (`all-resources` for a bare permission list).
    pub resource_name: String,
    /// The tenancy (root) the policy belongs to.
    pub tenancy: CompartmentId,
    /// Where: this compartment and everything below.
    pub location: CompartmentId,
    /// The `where` clause.
    pub condition: Option<WhereCondition>,
}

/// What kind of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// The statement does not parse; it is not evaluated.
    Syntax,
    /// A parse warning (unknown resource type, unquoted value, …).
    Warning,
    /// `Define`/`Endorse`/`Admit`: reported, not evaluated.
    CrossTenancy,
    /// A user group or service subject: reported, not evaluated.
    NotEvaluatedSubject,
    /// A permission list: an allow gives no verb, a deny makes overlapping answers
    /// conditional.
    PermissionList,
    /// The location names no compartment of the tree; the statement is not evaluated.
    UnresolvedLocation,
    /// The policy is attached to a compartment the tree does not have.
    UnknownAttachment,
    /// A dynamic group named in a statement does not exist in the tenancy.
    UnknownGroup,
}

/// A problem or note about one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Which statement.
    pub at: StatementRef,
    /// What kind.
    pub kind: FindingKind,
    /// The problem, with its span inside the statement.
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// Whether the statement (or a part of it) was left out of evaluation.
    pub fn is_error(&self) -> bool {
        self.diagnostic.is_error()
    }
}

/// Every policy, compiled.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    policies: Vec<Policy>,
    grants: Vec<CompiledGrant>,
    findings: Vec<Finding>,
}

fn finding(
    at: StatementRef,
    kind: FindingKind,
    severity: Severity,
    span: Span,
    message: String,
) -> Finding {
    Finding {
        at,
        kind,
        diagnostic: Diagnostic {
            severity,
            kind: dyngroup_rules::DiagnosticKind::UnexpectedToken,
            message,
            span,
            help: None,
        },
    }
}

impl PolicySet {
    /// Parses every statement and resolves its location in `tree`.
    pub fn compile(policies: Vec<Policy>, tree: &CompartmentTree) -> PolicySet {
        let mut set = PolicySet::default();
        for (p, policy) in policies.iter().enumerate() {
            let attachment = tree.get(&policy.compartment_id);
            for (s, statement) in policy.statements.iter().enumerate() {
                let at = StatementRef {
                    policy: p as u32,
                    statement: s as u32,
                };
                set.compile_one(at, &statement.text, attachment, policy, tree);
            }
        }
        set.policies = policies;
        set
    }

    fn compile_one(
        &mut self,
        at: StatementRef,
        text: &str,
        attachment: Option<CompartmentId>,
        policy: &Policy,
        tree: &CompartmentTree,
    ) {
        let parsed = match parse_statement(text) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.findings
                    .extend(e.diagnostics.into_iter().map(|diagnostic| Finding {
                        at,
                        kind: if diagnostic.is_error() {
                            FindingKind::Syntax
                        } else {
                            FindingKind::Warning
                        },
                        diagnostic,
                    }));
                return;
            }
        };
        self.findings
            .extend(parsed.warnings.into_iter().map(|diagnostic| Finding {
                at,
                kind: FindingKind::Warning,
                diagnostic,
            }));
        let grant = match parsed.statement {
            Statement::Grant(grant) => *grant,
            Statement::CrossTenancy(c) => {
                self.findings.push(finding(
                    at,
                    FindingKind::CrossTenancy,
                    Severity::Warning,
                    c.span,
                    format!(
                        "`{}` is a cross-tenancy statement: reported, not evaluated",
                        c.keyword
                    ),
                ));
                return;
            }
        };
        let subjects = match &grant.subject {
            Subject::AnyUser(_) | Subject::AnyGroup(_) => Subjects::Everyone,
            Subject::Items(items) => {
                let mut groups = Vec::new();
                for item in items {
                    match (&item.kind, &item.target) {
                        (SubjectKind::DynamicGroup, SubjectTarget::Id(ocid)) => groups.push(SubjectGroup::Id(ocid.clone(), item.span)),
                        (SubjectKind::DynamicGroup, SubjectTarget::Name { domain, name }) => {
                            // One group namespace per tenancy in the index: a domain
                            // qualifier selects nothing more (noted when not Default).
                            if let Some(domain) = domain.as_deref().filter(|d| !d.eq_ignore_ascii_case("default")) {
                                self.findings.push(finding(
                                    at,
                                    FindingKind::Warning,
                                    Severity::Warning,
                                    item.span,
                                    format!("identity domain `{domain}` is not checked: `{name}` is looked up by name in the tenancy"),
                                ));
                            }
                            groups.push(SubjectGroup::Name(name.clone(), item.span));
                        }
                        (kind, _) => self.findings.push(finding(
                            at,
                            FindingKind::NotEvaluatedSubject,
                            Severity::Warning,
                            item.span,
                            format!("`{}` subjects hold users or services, not principals: reported, not evaluated", kind.as_str()),
                        )),
                    }
                }
                if groups.is_empty() {
                    return;
                }
                Subjects::DynamicGroups(groups)
            }
        };
        let resource = grant.resource.as_ref().map(|(r, _)| r.clone());
        let (grants, resource_name) = match &grant.action {
            Action::Verb(verb, _) => {
                let Some(r) = resource else { return };
                (Grants::Verb(*verb, r.set), r.name)
            }
            Action::Permissions(_, span) => {
                let what = match grant.effect {
                    Effect::Allow => {
                        "an allow of permissions grants no verb here (no permission table): not evaluated"
                    }
                    Effect::Deny => {
                        "a deny of permissions makes every overlapping answer conditional (no permission table)"
                    }
                };
                self.findings.push(finding(
                    at,
                    FindingKind::PermissionList,
                    Severity::Warning,
                    *span,
                    what.to_owned(),
                ));
                match resource {
                    Some(r) => (Grants::Permissions(r.set), r.name),
                    None => (
                        Grants::Permissions(ResourceSet::All),
                        crate::resources::ALL_RESOURCES.to_owned(),
                    ),
                }
            }
        };
        let Some(attachment) = attachment else {
            self.findings.push(finding(
                at,
                FindingKind::UnknownAttachment,
                Severity::Error,
                grant.location.span(),
                format!(
                    "policy `{}` is attached to compartment `{}`, which is not in the compartment list: not evaluated",
                    policy.name, policy.compartment_id
                ),
            ));
            return;
        };
        let tenancy = tree.root(attachment);
        let location = match &grant.location {
            Location::Tenancy(_) => Ok(tenancy),
            Location::Path(path, _) => tree.resolve_path(attachment, path),
            Location::Id(ocid, _) => match tree.get(ocid) {
                Some(c) if tree.root(c) == tenancy => Ok(c),
                Some(_) => Err(format!("compartment `{ocid}` is in another tenancy")),
                None => Err(format!("no compartment has id `{ocid}`")),
            },
        };
        // OCI refuses a statement whose location is outside the compartment its policy
        // is attached to (`in tenancy` from a compartment's policy included).
        let location = location.and_then(|c| {
            if tree.covers(attachment, c) {
                Ok(c)
            } else {
                Err(format!(
                    "`{}` is outside `{}`, where the policy is attached (OCI refuses such statements)",
                    tree.describe(c),
                    tree.describe(attachment)
                ))
            }
        });
        let location = match location {
            Ok(c) => c,
            Err(why) => {
                self.findings.push(finding(
                    at,
                    FindingKind::UnresolvedLocation,
                    Severity::Error,
                    grant.location.span(),
                    format!("location does not resolve: {why}; not evaluated"),
                ));
                return;
            }
        };
        self.grants.push(CompiledGrant {
            at,
            effect: grant.effect,
            subjects,
            grants,
            resource_name,
            tenancy,
            location,
            condition: grant.condition,
        });
    }

    /// The compartments whose root-to-compartment path holds more than `limit`
    /// statements (OCI's hard limit is 500, [`STATEMENTS_PER_PATH`]), with the count,
    /// counting every statement of every policy attached along the path. Only the
    /// deepest such compartments are listed (their ancestors' paths are prefixes).
    pub fn paths_over_limit(
        &self,
        tree: &CompartmentTree,
        limit: usize,
    ) -> Vec<(CompartmentId, usize)> {
        let mut attached = vec![0usize; tree.len()];
        for policy in &self.policies {
            if let Some(c) = tree.get(&policy.compartment_id) {
                attached[c.index()] += policy.statements.len();
            }
        }
        let mut over: Vec<(CompartmentId, usize)> = Vec::new();
        for n in 0..tree.len() {
            let c = CompartmentId(n as u32);
            if tree.get(tree.ocid(c)) != Some(c) {
                continue; // left out of the tree
            }
            let mut total = 0;
            let mut at = Some(c);
            while let Some(a) = at {
                total += attached[a.index()];
                at = tree.parent(a);
            }
            if total > limit {
                over.push((c, total));
            }
        }
        // Keep the deepest: drop a compartment when one of its descendants is listed.
        let listed: Vec<CompartmentId> = over.iter().map(|(c, _)| *c).collect();
        over.retain(|(c, _)| !listed.iter().any(|d| d != c && tree.covers(*c, *d)));
        over
    }

    /// The policies, as given.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// Every statement that will be evaluated.
    pub fn grants(&self) -> &[CompiledGrant] {
        &self.grants
    }

    /// Every finding, by statement.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The policy a statement belongs to.
    pub fn policy(&self, at: StatementRef) -> &Policy {
        &self.policies[at.policy as usize]
    }

    /// A statement's text and origin.
    pub fn statement(&self, at: StatementRef) -> &PolicyStatement {
        &self.policy(at).statements[at.statement as usize]
    }
}
