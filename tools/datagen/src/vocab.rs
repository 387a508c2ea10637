//! Word lists the fleet is made of: organisations, people, applications, tag names.
//!
//! Everything here is ASCII and free of the characters OCI forbids in group names
//! (`[A-Za-z0-9._-]` is all that is used for words that end up in names), so names
//! built from these words are valid by construction.

/// Organisation names; a tenancy is `<org><index>`.
pub const ORGS: &[&str] = &[
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "aperture",
    "vandelay",
    "dunder",
    "piedpiper",
    "massive",
    "oscorp",
    "monarch",
    "nakatomi",
    "gekko",
    "sterling",
    "virtucon",
    "bluth",
    "kramerica",
    "duff",
    "weyland",
    "abstergo",
    "contoso",
    "fabrikam",
    "northwind",
];

/// Given names (lower case, used in e-mail addresses and names).
pub const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yusuf", "priya",
    "wei", "sofia", "mateo", "amara", "kenji", "lena", "omar",
];

/// Family names (lower case).
pub const LAST: &[&str] = &[
    "smith", "jones", "nguyen", "garcia", "patel", "kim", "muller", "rossi", "tanaka", "silva",
    "cohen", "okafor", "novak", "larsen", "dubois", "khan", "ivanova", "brown", "lopez", "chen",
];

/// Application names.
pub const APPS: &[&str] = &[
    "orders",
    "payments",
    "checkout",
    "catalog",
    "search",
    "inventory",
    "billing",
    "auth",
    "gateway",
    "reporting",
    "analytics",
    "etl",
    "ml",
    "portal",
    "crm",
    "erp",
    "ledger",
    "notify",
    "media",
    "chat",
    "scheduler",
    "backup",
    "monitoring",
    "vault",
    "iot",
    "recommend",
    "fraud",
    "pricing",
    "shipping",
    "hr",
];

/// Server roles.
pub const TIERS: &[&str] = &[
    "web", "app", "db", "api", "worker", "batch", "cache", "gpu", "bastion", "proxy", "node",
];

/// Environments, as people actually write them (both spellings of production).
pub const ENVS: &[&str] = &[
    "prod",
    "dev",
    "test",
    "staging",
    "qa",
    "uat",
    "sandbox",
    "dr",
    "perf",
    "Production",
    "Development",
];

/// Team names; some with spaces and one with an apostrophe, as real tag values have.
pub const TEAMS: &[&str] = &[
    "platform",
    "sre",
    "payments-team",
    "web",
    "security",
    "devops",
    "mobile",
    "Data Platform",
    "ml-research",
    "finance-it",
    "Core Banking",
    "O'Brien Lab",
];

/// Tag namespaces (some with hyphens or mixed case, as tenancies name them).
pub const NAMESPACES: &[&str] = &[
    "Operations",
    "CostTracking",
    "Finance",
    "Security",
    "Project",
    "App-Owner",
    "ops-automation",
    "Billing_Tags",
    "DataScience",
    "NetworkTeam",
    "Compliance",
    "Governance",
    "cloud-ops",
    "InfraTags",
    "CCOE",
    "Workload",
    "appTeam",
    "Mgmt-Tags",
    "Backup-Policy",
    "SRE",
];

/// How the values of a tag key are made.
#[derive(Clone, Copy, Debug)]
pub enum ValueKind {
    /// A subset of a word list.
    Words(&'static [&'static str]),
    /// Integers in `lo..=hi`, written as JSON numbers.
    Numbers(u32, u32),
    /// `true` / `false`, written as JSON booleans.
    Bool,
    /// E-mail addresses of people in the tenancy.
    Emails,
    /// Project codes such as `PRJ-0042`.
    Projects,
}

/// A tag key people define, with the kind of values it takes.
#[derive(Clone, Copy, Debug)]
pub struct KeyDef {
    /// The key as written in the namespace.
    pub name: &'static str,
    /// Its values.
    pub kind: ValueKind,
}

/// Tag keys, roughly in order of how often tenancies define them.
pub const KEYS: &[KeyDef] = &[
    KeyDef {
        name: "Environment",
        kind: ValueKind::Words(ENVS),
    },
    KeyDef {
        name: "CostCenter",
        kind: ValueKind::Numbers(1000, 9999),
    },
    KeyDef {
        name: "Owner",
        kind: ValueKind::Emails,
    },
    KeyDef {
        name: "Application",
        kind: ValueKind::Words(APPS),
    },
    KeyDef {
        name: "Team",
        kind: ValueKind::Words(TEAMS),
    },
    KeyDef {
        name: "Tier",
        kind: ValueKind::Words(TIERS),
    },
    KeyDef {
        name: "Managed",
        kind: ValueKind::Bool,
    },
    KeyDef {
        name: "Criticality",
        kind: ValueKind::Words(&["high", "medium", "low", "critical"]),
    },
    KeyDef {
        name: "PatchGroup",
        kind: ValueKind::Words(&["A", "B", "C", "weekly-sun", "monthly"]),
    },
    KeyDef {
        name: "Project",
        kind: ValueKind::Projects,
    },
    KeyDef {
        name: "DataClassification",
        kind: ValueKind::Words(&["internal", "confidential", "public", "restricted"]),
    },
    KeyDef {
        name: "Schedule",
        kind: ValueKind::Words(&["24x7", "office-hours", "weekdays", "AlwaysOn"]),
    },
    KeyDef {
        name: "Version",
        kind: ValueKind::Numbers(1, 12),
    },
    KeyDef {
        name: "Monitoring",
        kind: ValueKind::Bool,
    },
    KeyDef {
        name: "BackupPolicy",
        kind: ValueKind::Words(&["gold", "silver", "bronze", "none"]),
    },
    KeyDef {
        name: "role",
        kind: ValueKind::Words(TIERS),
    },
    KeyDef {
        name: "cost-center",
        kind: ValueKind::Numbers(100, 999),
    },
];

/// Free-form tag keys.
pub const FREEFORM_KEYS: &[&str] = &["owner", "env", "purpose", "ticket"];

/// Free-form purposes.
pub const PURPOSES: &[&str] = &["ci", "demo", "poc", "load-test", "jump-host", "migration"];

/// Upper-case first letter (`orders` → `Orders`).
pub fn title(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}
