//! A tenancy's compartment tree and IAM policies, written as `oci iam compartment
//! list --all --compartment-id-in-subtree true --include-root` and `oci iam policy
//! list --all` print them (one `{"data": [...]}` document per tenancy).
//!
//! The tree holds the compartments the tenancy's principals live in, nested up to
//! depth 6 under names unique among siblings (as OCI requires), plus now and then a
//! deleted one. Policies hold 10–100 statements in the shapes real tenancies have:
//! the tenant admin policy for the `Administrators` user group, dynamic groups by
//! name, by OCID and domain-qualified, lists of groups, `any-user` (always narrowed by
//! a condition on the principal, as real ones are), families and
//! types, permission lists, `tenancy` and relative paths from the compartment the
//! policy is attached to, `compartment id`, decided and undecided conditions, denies,
//! a stale group name, and cross-tenancy `Define`/`Endorse`. Everything comes from
//! streams of its own, so the inventory and groups files are the same with or without
//! these files.

use crate::fleet::Tenancy;
use crate::json::Obj;
use crate::ocid;
use crate::rng::Rng;
use crate::vocab::{self, title};

/// Deepest compartment below the root (the root is depth 0).
pub const MAX_DEPTH: usize = 6;

const TREE_STREAM: u64 = 0x7472_6565;
const POLICY_STREAM: u64 = 0x706f_6c69;

/// Resource words statements use, families and types, weighted towards the common.
const RESOURCES: &[&str] = &[
    "object-family",
    "object-family",
    "buckets",
    "objects",
    "instance-family",
    "instances",
    "volume-family",
    "secret-family",
    "secret-family",
    "functions-family",
    "virtual-network-family",
    "all-resources",
    "stream-family",
    "streams",
    "keys",
    "vaults",
    "database-family",
    "autonomous-database-family",
    "cluster-family",
    "dns",
    "file-family",
    "repos",
];

/// Conditions; the first three are decided offline, the rest are not.
const CONDITIONS: &[&str] = &[
    "request.principal.type = 'instance'",
    "request.principal.type = 'fnfunc'",
    "target.compartment.name != 'sandbox'",
    "request.operation = 'GetObject'",
    "any {request.permission = 'BUCKET_READ', request.permission = 'OBJECT_READ'}",
    "target.bucket.name = 'logs'",
    "all {request.principal.type = 'instance', request.operation != 'DeleteObject'}",
];

/// Counters over what was written.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyCounts {
    /// Compartments written, roots and deleted ones included.
    pub compartments: u64,
    /// The deepest compartment's depth.
    pub max_depth: usize,
    /// Policies written.
    pub policies: u64,
    /// Statements written.
    pub statements: u64,
}

/// One compartment of the tree being built.
struct Node {
    id: String,
    name: String,
    parent: usize,
    depth: usize,
}

/// A tenancy's tree: index 0 is the root.
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn build(t: &Tenancy, rng: &mut Rng) -> Tree {
        let mut nodes = vec![Node {
            id: t.ocid.clone(),
            name: t.org.clone(),
            parent: 0,
            depth: 0,
        }];
        for id in t.compartments.iter().filter(|c| **c != t.ocid) {
            // Top-level compartments are common; the rest nest under a random one,
            // as deep as OCI allows.
            let mut parent = if nodes.len() == 1 || rng.per_mille(250) {
                0
            } else {
                1 + rng.index(nodes.len() - 1)
            };
            if nodes[parent].depth >= MAX_DEPTH {
                parent = nodes[parent].parent;
            }
            let name = Tree::unique_name(&nodes, parent, rng);
            let depth = nodes[parent].depth + 1;
            nodes.push(Node {
                id: id.clone(),
                name,
                parent,
                depth,
            });
        }
        Tree { nodes }
    }

    /// A compartment name (`[A-Za-z0-9._-]`), unique among `parent`'s children.
    fn unique_name(nodes: &[Node], parent: usize, rng: &mut Rng) -> String {
        let base = match rng.below(6) {
            0 => {
                let env: &&str = rng.pick(&vocab::ENVS[..9]);
                title(env)
            }
            1 => format!("{}-{}", rng.pick(vocab::APPS), rng.pick(&vocab::ENVS[..6])),
            2 => (*rng.pick(&["Network", "Security", "Shared", "Audit", "Sandbox"])).to_owned(),
            3 => rng.pick(vocab::APPS).to_string(),
            4 => format!("{}-{}", rng.pick(vocab::APPS), rng.pick(vocab::TIERS)),
            _ => format!("team-{}", rng.pick(&vocab::TEAMS[..7])),
        };
        let taken = |name: &str| {
            nodes
                .iter()
                .skip(1)
                .any(|n| n.parent == parent && n.name.eq_ignore_ascii_case(name))
        };
        let mut name = base.clone();
        let mut n = 2;
        while taken(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }

    /// The `:` path from `from` down to `to`, or `None` when `to` is not below it.
    fn path(&self, from: usize, to: usize) -> Option<String> {
        let mut names = Vec::new();
        let mut at = to;
        while at != from {
            if at == 0 {
                return None;
            }
            names.push(self.nodes[at].name.as_str());
            at = self.nodes[at].parent;
        }
        names.reverse();
        Some(names.join(":"))
    }

    /// Whether `n` is `at` or below it.
    fn is_below(&self, at: usize, mut n: usize) -> bool {
        loop {
            if n == at {
                return true;
            }
            if n == 0 {
                return false;
            }
            n = self.nodes[n].parent;
        }
    }

    /// A compartment in `at`'s subtree (`at` itself included).
    fn below(&self, at: usize, rng: &mut Rng) -> usize {
        if at == 0 {
            return rng.index(self.nodes.len());
        }
        let candidates: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| self.is_below(at, n))
            .collect();
        candidates[rng.index(candidates.len())]
    }
}

fn time(rng: &mut Rng) -> String {
    format!(
        "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}000+00:00",
        19 + rng.below(7),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(1000)
    )
}

/// Writes `records` as one `{"data": [...]}` document, a record a line.
fn document(out: &mut Vec<u8>, records: Vec<Vec<u8>>) {
    out.extend_from_slice(b"{\"data\": [\n");
    for (i, record) in records.iter().enumerate() {
        out.extend_from_slice(b"  ");
        out.extend_from_slice(record);
        out.extend_from_slice(if i + 1 < records.len() { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"]}\n");
}

/// Writes tenancy `t`'s compartment tree to `compartments` and its policies to
/// `policies`; `groups` are its dynamic groups' (OCID, name).
pub fn write_tenancy(
    seed: u64,
    t: &Tenancy,
    groups: &[(String, String)],
    compartments: &mut Vec<u8>,
    policies: &mut Vec<u8>,
    counts: &mut PolicyCounts,
) {
    let mut rng = Rng::stream(seed, &[TREE_STREAM, u64::from(t.index)]);
    let tree = Tree::build(t, &mut rng);
    let mut records = Vec::new();
    for (i, node) in tree.nodes.iter().enumerate() {
        let mut record = Vec::new();
        let mut o = Obj::new(&mut record);
        if i == 0 {
            o.raw("compartment-id", "null");
        } else {
            o.string("compartment-id", &tree.nodes[node.parent].id);
        }
        o.object("defined-tags").end();
        o.string(
            "description",
            &if i == 0 {
                format!("{} root compartment", t.org)
            } else {
                format!("{} resources", node.name)
            },
        );
        o.object("freeform-tags").end();
        o.string("id", &node.id);
        o.raw("inactive-status", "null");
        o.raw("is-accessible", "true");
        o.string("lifecycle-state", "ACTIVE");
        o.string("name", &node.name);
        o.string("time-created", &time(&mut rng));
        o.end();
        records.push(record);
        counts.max_depth = counts.max_depth.max(node.depth);
    }
    if rng.per_mille(30) {
        // A deleted compartment: the reader skips it, a statement naming it does not
        // resolve.
        let mut record = Vec::new();
        let mut o = Obj::new(&mut record);
        o.string("compartment-id", &t.ocid);
        o.object("defined-tags").end();
        o.string("description", "decommissioned");
        o.object("freeform-tags").end();
        let id = ocid::compartment(seed, t.index, t.compartments.len() as u32 + 1);
        o.string("id", &id);
        o.raw("inactive-status", "null");
        o.raw("is-accessible", "true");
        o.string("lifecycle-state", "DELETED");
        o.string("name", "Decommissioned");
        o.string("time-created", &time(&mut rng));
        o.end();
        records.push(record);
    }
    counts.compartments += records.len() as u64;
    document(compartments, records);

    let mut rng = Rng::stream(seed, &[POLICY_STREAM, u64::from(t.index)]);
    let mut writer = PolicyWriter {
        t,
        tree: &tree,
        groups,
        rng: &mut rng,
    };
    let records = writer.policies(seed, counts);
    document(policies, records);
}

struct PolicyWriter<'a> {
    t: &'a Tenancy,
    tree: &'a Tree,
    groups: &'a [(String, String)],
    rng: &'a mut Rng,
}

impl PolicyWriter<'_> {
    fn policies(&mut self, seed: u64, counts: &mut PolicyCounts) -> Vec<Vec<u8>> {
        let total = 10 + self.rng.below(91) as usize;
        // Every tenancy has the tenant admin policy, attached at the root.
        let admin = format!(
            "{} group Administrators to manage all-resources in tenancy",
            self.keyword("Allow")
        );
        let mut records = vec![self.policy(seed, 0, 0, &[admin])];
        let mut written = 1;
        if self.rng.per_mille(40) && !self.groups.is_empty() {
            let partner = ocid::tenancy(seed ^ 0x7061_7274, self.t.index);
            let group = self.groups[self.rng.index(self.groups.len())].1.clone();
            let statements = [
                format!("Define tenancy Partner as {partner}"),
                format!("Endorse dynamic-group {group} to read objects in tenancy Partner"),
            ];
            records.push(self.policy(seed, 1, 0, &statements));
            written += 2;
        }
        let mut attached = 0;
        let mut size = 1 + self.rng.index(15);
        let mut statements = Vec::new();
        while written < total {
            let statement = self.statement(attached);
            statements.push(statement);
            written += 1;
            if statements.len() >= size || written == total {
                let p = records.len() as u64;
                records.push(self.policy(seed, p, attached, &statements));
                statements.clear();
                size = 1 + self.rng.index(15);
                // Most policies sit at the root; the others in a compartment they
                // govern.
                attached = if self.rng.per_mille(600) {
                    0
                } else {
                    self.rng.index(self.tree.nodes.len())
                };
            }
        }
        counts.policies += records.len() as u64;
        counts.statements += written as u64;
        records
    }

    fn policy(&mut self, seed: u64, p: u64, attached: usize, statements: &[String]) -> Vec<u8> {
        let mut unique = self.t.ocid.rsplit('.').next().unwrap_or("").to_owned();
        unique.truncate(40);
        let mut id_rng = Rng::stream(seed, &[POLICY_STREAM, u64::from(self.t.index), p]);
        let id = ocid::global("policy", &mut id_rng);
        let name = if p == 0 {
            "Tenant Admin Policy".to_owned()
        } else {
            format!(
                "{}-{}-policy",
                self.tree.nodes[attached].name.to_ascii_lowercase(),
                p
            )
        };
        let mut record = Vec::new();
        let mut o = Obj::new(&mut record);
        o.string("compartment-id", &self.tree.nodes[attached].id);
        o.object("defined-tags").end();
        o.string("description", &format!("{name} ({unique})"));
        o.object("freeform-tags").end();
        o.string("id", &id);
        o.raw("inactive-status", "null");
        o.string("lifecycle-state", "ACTIVE");
        o.string("name", &name);
        o.strings("statements", statements);
        o.string("time-created", &time(self.rng));
        o.raw("version-date", "null");
        o.end();
        record
    }

    /// `word` as people write it: mostly as documented, sometimes lower or upper case.
    fn keyword(&mut self, word: &str) -> String {
        match self.rng.below(10) {
            0 => word.to_ascii_lowercase(),
            1 => word.to_ascii_uppercase(),
            _ => word.to_owned(),
        }
    }

    fn group(&mut self) -> String {
        let (id, name) = &self.groups[self.rng.index(self.groups.len())];
        match self.rng.below(20) {
            0..=1 => format!("id {id}"),
            2 => format!("'Default'/'{name}'"),
            _ => name.clone(),
        }
    }

    fn subject(&mut self) -> String {
        let dg = self.keyword("dynamic-group");
        if self.groups.is_empty() {
            return "any-user".to_owned();
        }
        match self.rng.below(100) {
            0..=6 => "any-user".to_owned(),
            7 => "any-group".to_owned(),
            8..=13 => format!("{dg} {}, {dg} {}", self.group(), self.group()),
            14..=15 => {
                let app = self.rng.pick(vocab::APPS);
                format!("{dg} old-{app}-dg")
            }
            16..=18 => "group Developers".to_owned(),
            _ => format!("{dg} {}", self.group()),
        }
    }

    fn location(&mut self, attached: usize) -> String {
        let target = self.tree.below(attached, self.rng);
        if attached == 0 && (target == 0 || self.rng.per_mille(150)) {
            return self.keyword("tenancy");
        }
        match (self.rng.per_mille(150), self.tree.path(attached, target)) {
            (false, Some(path)) if !path.is_empty() => format!("compartment {path}"),
            _ => format!("compartment id {}", self.tree.nodes[target].id),
        }
    }

    fn statement(&mut self, attached: usize) -> String {
        let effect = if self.rng.per_mille(50) {
            self.keyword("Deny")
        } else {
            self.keyword("Allow")
        };
        let subject = self.subject();
        let what = if self.rng.per_mille(30) {
            "{BUCKET_READ, OBJECT_INSPECT}".to_owned()
        } else {
            let verb = self.rng.weighted(&[15, 40, 25, 20]);
            let verb = ["inspect", "read", "use", "manage"][verb];
            format!("{verb} {}", self.rng.pick(RESOURCES))
        };
        let location = self.location(attached);
        let condition = if subject.starts_with("any-") {
            // `any-user` without a condition grants every principal of the tenancy;
            // real policies narrow it to a kind of resource or a compartment.
            let narrow = match self.rng.below(3) {
                0 => format!(
                    "request.principal.compartment.id = '{}'",
                    self.tree.nodes[self.rng.index(self.tree.nodes.len())].id
                ),
                _ => format!(
                    "request.principal.type = '{}'",
                    self.rng.pick(&crate::fleet::TYPES[1..])
                ),
            };
            format!(" where {narrow}")
        } else if self.rng.per_mille(250) {
            format!(" where {}", self.rng.pick(CONDITIONS))
        } else {
            String::new()
        };
        format!(
            "{effect} {subject} {} {what} {} {location}{condition}",
            self.keyword("to"),
            self.keyword("in")
        )
    }
}
