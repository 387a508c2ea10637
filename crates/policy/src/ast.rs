//! The syntax tree of one policy statement. Every part keeps the [`Span`] of its text.

use dyngroup_rules::Span;

use crate::resources::{Resource, Verb};

/// One parsed statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    /// `Allow …` or `Deny …`: evaluated.
    Grant(Box<Grant>),
    /// `Define`, `Endorse`, `Admit` (and `Deny endorse|admit`): cross-tenancy
    /// statements, parsed and reported, never evaluated (the other tenancy's
    /// policies would be needed to decide them).
    CrossTenancy(CrossTenancy),
}

/// Whether a grant allows or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`: overrides every allow.
    Deny,
}

/// `Allow|Deny <subject> to <action> [<resource>] in <location> [where <condition>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Allow or deny.
    pub effect: Effect,
    /// Who.
    pub subject: Subject,
    /// A verb or a permission list.
    pub action: Action,
    /// The resource word and what it resolved to; absent only after a permission
    /// list.
    pub resource: Option<(Resource, Span)>,
    /// Where.
    pub location: Location,
    /// The `where` clause.
    pub condition: Option<WhereCondition>,
}

/// The subject of a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `any-user`: every principal of the tenancy.
    AnyUser(Span),
    /// `any-group`: every principal of the tenancy (all groups and dynamic groups).
    AnyGroup(Span),
    /// A comma-separated list of named or identified groups.
    Items(Vec<SubjectItem>),
}

/// The kind of one subject in a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    /// `dynamic-group`: evaluated through memberships.
    DynamicGroup,
    /// `group`: a user group; reported, not evaluated (it holds users).
    Group,
    /// `service`: a service principal; reported, not evaluated.
    Service,
}

impl SubjectKind {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::DynamicGroup => "dynamic-group",
            SubjectKind::Group => "group",
            SubjectKind::Service => "service",
        }
    }
}

/// One subject: a group by name (optionally domain-qualified) or by OCID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectItem {
    /// Dynamic group, user group or service.
    pub kind: SubjectKind,
    /// The name or OCID.
    pub target: SubjectTarget,
    /// The item's text.
    pub span: Span,
}

/// How a subject names its group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectTarget {
    /// `Name` or `'Domain'/'Name'`.
    Name {
        /// The identity domain, when qualified.
        domain: Option<String>,
        /// The group name.
        name: String,
    },
    /// `id ocid1.dynamicgroup…`.
    Id(String),
}

/// A verb or a permission list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `inspect|read|use|manage`.
    Verb(Verb, Span),
    /// `{PERM_A, PERM_B}`: not evaluated against verbs (dyngroup has no permission
    /// table); an allow gives nothing, a deny makes overlapping answers conditional.
    Permissions(Vec<String>, Span),
}

/// Where a grant applies (and everything below it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `tenancy`: the root compartment.
    Tenancy(Span),
    /// `compartment A:B:C`: a path relative to the attachment compartment.
    Path(Vec<String>, Span),
    /// `compartment id ocid1.compartment…`.
    Id(String, Span),
}

impl Location {
    /// The location's text.
    pub fn span(&self) -> Span {
        match self {
            Location::Tenancy(s) | Location::Path(_, s) | Location::Id(_, s) => *s,
        }
    }
}

/// A `where` clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhereCondition {
    /// `any {…}` (or) / `all {…}` (and).
    Group(ConditionKind, Vec<WhereCondition>, Span),
    /// One test.
    Clause(Clause),
}

/// `any` or `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConditionKind {
    /// At least one holds.
    Any,
    /// Every one holds.
    All,
}

/// One test of a variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// The variable, lower-cased (`request.principal.type`).
    pub variable: String,
    /// The test.
    pub test: ClauseTest,
    /// The clause's text.
    pub span: Span,
}

/// What a clause tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClauseTest {
    /// `variable = value`.
    Eq(Value),
    /// `variable != value`.
    Ne(Value),
    /// `variable in (…)`.
    In(Vec<Value>),
    /// `variable not in (…)`.
    NotIn(Vec<Value>),
    /// `variable` (it is present) or `not variable`.
    Present(bool),
    /// `before v`, `after v`, `between v and w`: time tests, never decided offline.
    Time(String, Vec<Value>),
}

/// A value in a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `'text'` (or an unquoted word, with a warning).
    Text(String),
    /// `/pattern/`: `*` matches any run of characters.
    Pattern(String),
}

/// A cross-tenancy statement, kept as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossTenancy {
    /// `define`, `endorse`, `admit`, `deny endorse`, `deny admit`.
    pub keyword: String,
    /// The whole statement's text.
    pub span: Span,
}
