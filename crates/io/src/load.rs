//! One run's inputs: every inventory and groups input read into one [`Loaded`], the
//! shard of a run split by tenancy, and the index built from what was read. Shared by
//! the CLI (`compute`, `explain`, `can`, `who-can`) and the Python package, so that
//! both read, split and build alike.

use std::path::{Path, PathBuf};

use dyngroup_index::{DynamicGroup, Index, IndexBuilder, Principal};
use dyngroup_rules::ParseOptions;

use crate::error::Error;
use crate::groups::GroupsReader;
use crate::inventory::InventoryReader;
use crate::options::ReadOptions;
use crate::problem::{Problem, Severity};

/// One shard of a run split by tenancy: the tenancies with `xxh3_64(tenancy OCID) %
/// count == index` (the CLI's `--shard K/N`). Groups never match across tenancies, so
/// the shards of a run together give exactly the whole run's memberships.
///
/// ```
/// use dyngroup_io::Shard;
///
/// let shard: Shard = "1/4".parse().unwrap();
/// assert_eq!((shard.index(), shard.count()), (1, 4));
/// let owner = shard.of("ocid1.tenancy.oc1..t");
/// assert_eq!(shard.owns("ocid1.tenancy.oc1..t"), owner == 1);
/// assert_eq!("4/4".parse::<Shard>().unwrap_err(), "shard 4/4: need 0 <= K < N");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Shard `index` of `count`; an error unless `index < count`.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: need 0 <= K < N"));
        }
        Ok(Shard { index, count })
    }

    /// K, this shard.
    pub fn index(self) -> u64 {
        self.index
    }

    /// N, how many shards the run is split into.
    pub fn count(self) -> u64 {
        self.count
    }

    /// Whether the tenancy belongs to this shard. xxh3 is fixed by its specification,
    /// so every machine and version splits alike.
    pub fn owns(self, tenancy: &str) -> bool {
        self.of(tenancy) == self.index
    }

    /// The shard (K of this N) that a tenancy belongs to.
    pub fn of(self, tenancy: &str) -> u64 {
        xxhash_rust::xxh3::xxh3_64(tenancy.as_bytes()) % self.count
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N`, such as `0/4`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("expected K/N such as 0/4, found `{text}`"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("`{k}` is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number"))?;
        Shard::new(index, count)
    }
}

/// One input of a run.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file in any format the readers take (`-` is standard input).
    Path(PathBuf),
    /// Records held in memory as JSON Lines, one record per row (how the Python
    /// package passes an Arrow table's rows). Problems name `name` and the 1-based row
    /// as the line, with no column: a column of text made from a row would mean
    /// nothing to the reader of the message.
    Rows {
        /// What problems call the input, such as `<inventory table>`.
        name: String,
        /// One JSON object per line, row by row; no line break inside a record.
        jsonl: Vec<u8>,
    },
}

impl Source {
    /// The name problems carry for this input, for [`Source::Rows`].
    fn rows_name(&self) -> Option<&str> {
        match self {
            Source::Path(_) => None,
            Source::Rows { name, .. } => Some(name),
        }
    }
}

impl<P: AsRef<Path>> From<P> for Source {
    fn from(path: P) -> Source {
        Source::Path(path.as_ref().to_owned())
    }
}

/// What a run's inputs held: the accepted principals and groups, and every problem of
/// every input in input order.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The accepted principals, inventories in the order read.
    pub principals: Vec<Principal>,
    /// The accepted groups, files in the order read.
    pub groups: Vec<DynamicGroup>,
    /// Every problem of every input: the inventories' first, then the groups'.
    pub problems: Vec<Problem>,
}

impl Loaded {
    /// Reads every inventory input, then every groups input. Problems are collected,
    /// not printed; failing to read an input at all is the error.
    pub fn read(
        inventory: &[Source],
        groups: &[Source],
        options: &ReadOptions,
    ) -> Result<Loaded, Error> {
        let mut inventory_reader = InventoryReader::new(options.clone());
        let mut groups_reader = GroupsReader::new(options.clone());
        for source in inventory {
            match source {
                Source::Path(path) => inventory_reader.read_path(path)?,
                Source::Rows { name, jsonl } => inventory_reader.read_from(&jsonl[..], name)?,
            }
        }
        for source in groups {
            match source {
                Source::Path(path) => groups_reader.read_path(path)?,
                Source::Rows { name, jsonl } => groups_reader.read_from(&jsonl[..], name)?,
            }
        }
        let mut loaded = Loaded::from_readers(inventory_reader, groups_reader);
        let rows: Vec<&str> = inventory
            .iter()
            .chain(groups)
            .filter_map(Source::rows_name)
            .collect();
        for problem in &mut loaded.problems {
            if rows.contains(&&*problem.file) {
                problem.column = None;
            }
        }
        Ok(loaded)
    }

    /// Reads the compartment tree from `compartments` and gives the groups of
    /// identity domains their domain's scope
    /// ([`CompartmentTree::apply_domain_scopes`](dyngroup_policy::CompartmentTree::apply_domain_scopes));
    /// the records' problems join the run's; returns what was wrong with the tree
    /// (compartments listed twice, under unknown parents, in cycles). Nothing to do
    /// for no sources.
    pub fn scope_domains(
        &mut self,
        compartments: &[Source],
        options: &ReadOptions,
    ) -> Result<Vec<String>, Error> {
        if compartments.is_empty() {
            return Ok(Vec::new());
        }
        let mut reader = crate::CompartmentsReader::new(options.clone());
        for source in compartments {
            match source {
                Source::Path(path) => reader.read_path(path)?,
                Source::Rows { name, jsonl } => reader.read_from(&jsonl[..], name)?,
            }
        }
        let (records, problems) = reader.finish().into_parts();
        self.problems.extend(problems);
        let tree = dyngroup_policy::CompartmentTree::new(&records);
        tree.apply_domain_scopes(&mut self.groups);
        Ok(tree.problems().to_vec())
    }

    /// What two readers read: the inventory's problems first, then the groups'.
    pub fn from_readers(inventory: InventoryReader, groups: GroupsReader) -> Loaded {
        let (principals, mut problems) = inventory.finish().into_parts();
        let (groups, group_problems) = groups.finish().into_parts();
        problems.extend(group_problems);
        Loaded {
            principals,
            groups,
            problems,
        }
    }

    /// How many records were left out.
    pub fn rejected(&self) -> usize {
        self.problems.iter().filter(|p| p.rejects_record()).count()
    }

    /// How many warnings (legacy rule forms) were found.
    pub fn warnings(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count()
    }

    /// Keeps only the shard's tenancies: their principals, groups and problems. A
    /// problem that belongs to no tenancy (a line that is not JSON) stays in shard 0,
    /// so that the shards' reports add up to the whole run's.
    pub fn keep_shard(&mut self, shard: Shard) {
        self.principals.retain(|p| shard.owns(&p.tenancy_id));
        self.groups.retain(|g| shard.owns(&g.tenancy_id));
        self.problems.retain(|p| match &p.tenancy {
            Some(tenancy) => shard.owns(tenancy),
            None => shard.index == 0,
        });
    }

    /// Builds the index of everything read, rules parsed with `options`; also returns
    /// the groups the builder refused (a name clash the reader did not see), as
    /// `group NAME (OCID): why`.
    pub fn build_index(&self, options: ParseOptions) -> (Index, Vec<String>) {
        let mut builder = IndexBuilder::new().parse_options(options);
        builder.add_principals(&self.principals);
        self.add_groups(builder)
    }

    /// Adds the groups to `builder`, which holds the principals (streamed into it as
    /// they were read, say), and builds the index; returns the refused groups as
    /// [`build_index`](Loaded::build_index) does.
    pub fn add_groups(&self, mut builder: IndexBuilder) -> (Index, Vec<String>) {
        let mut refused = Vec::new();
        for group in &self.groups {
            if let Err(err) = builder.add_group(group.clone()) {
                refused.push(format!("group {} ({}): {err}", group.name, group.id));
            }
        }
        (builder.build(), refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_texts_and_errors() {
        assert_eq!("0/1".parse::<Shard>(), Ok(Shard { index: 0, count: 1 }));
        assert_eq!(
            " 2 / 3 ".parse::<Shard>().map(|s| s.to_string()),
            Ok("2/3".into())
        );
        assert_eq!(
            "3".parse::<Shard>(),
            Err("expected K/N such as 0/4, found `3`".into())
        );
        assert_eq!("a/3".parse::<Shard>(), Err("`a` is not a number".into()));
        assert_eq!(Shard::new(0, 0), Err("shard 0/0: need 0 <= K < N".into()));
    }

    #[test]
    fn shards_partition_tenancies() {
        let tenancies: Vec<String> = (0..200)
            .map(|i| format!("ocid1.tenancy.oc1..{i}"))
            .collect();
        for n in 1..6 {
            for t in &tenancies {
                let owners = (0..n).filter(|&k| Shard::new(k, n).unwrap().owns(t));
                assert_eq!(owners.count(), 1, "{t} in {n} shards");
            }
        }
    }

    #[test]
    fn rows_problems_name_the_row_without_a_column() {
        let rows = Source::Rows {
            name: "<inventory table>".into(),
            jsonl: b"{\"id\": \"a\", \"compartment-id\": \"c\", \"tenancy-id\": \"t\"}\n{\"id\": \"b\"}\n"
                .to_vec(),
        };
        let loaded = Loaded::read(&[rows], &[], &ReadOptions::default()).unwrap();
        assert_eq!(loaded.principals.len(), 1);
        let problems: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems, ["<inventory table>:2: missing `compartment-id`"]);
    }
}
