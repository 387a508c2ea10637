//! Reading inventories: principals as `oci compute instance list` (and friends) print
//! them.

use std::hash::BuildHasher;
use std::io::Read;
use std::path::Path;

use dyngroup_index::{DefinedTag, IndexBuilder, Principal};
use hashbrown::{DefaultHashBuilder, HashTable};

use crate::container::{Build, read_records};
use crate::error::Error;
use crate::fields::{Entries, Field, JsonType, RawRecord, decode_string};
use crate::input::{BytesRead, Input, Seen};
use crate::one_pass;
use crate::options::ReadOptions;
use crate::position::RecordCtx;
use crate::problem::{Location, Problem, ProblemKind};

/// The principals read from one or more inventory files, and the problems found.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    principals: Vec<Principal>,
    problems: Vec<Problem>,
}

impl Inventory {
    /// The accepted principals, in input order (files in the order read).
    pub fn principals(&self) -> &[Principal] {
        &self.principals
    }

    /// Every problem, in input order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// How many records were rejected.
    pub fn rejected(&self) -> usize {
        self.problems.iter().filter(|p| p.rejects_record()).count()
    }

    /// The principals and the problems, by value.
    pub fn into_parts(self) -> (Vec<Principal>, Vec<Problem>) {
        (self.principals, self.problems)
    }
}

/// Reads several inventory files into one [`Inventory`]; a principal id may appear
/// only once across all of them (the first is kept).
///
/// ```
/// use dyngroup_io::{InventoryReader, ReadOptions};
///
/// let mut reader = InventoryReader::new(ReadOptions::default());
/// let a = r#"{"id": "ocid1.instance.oc1..a", "compartment-id": "c", "tenancy-id": "t"}"#;
/// let b = r#"[{"id": "ocid1.instance.oc1..a", "compartment-id": "c", "tenancy-id": "t"}]"#;
/// reader.read_from(a.as_bytes(), "a.jsonl").unwrap();
/// reader.read_from(b.as_bytes(), "b.json").unwrap();
/// let inventory = reader.finish();
/// assert_eq!(inventory.principals().len(), 1);
/// assert_eq!(
///     inventory.problems()[0].to_string(),
///     "b.json:1:9: duplicate principal id `ocid1.instance.oc1..a` (first at a.jsonl:1)"
/// );
/// ```
#[derive(Debug)]
pub struct InventoryReader {
    options: ReadOptions,
    files: Vec<String>,
    /// The principals kept (read with `read_*`; `stream_*` hands them on instead).
    principals: Vec<Principal>,
    ids: FirstSeen,
    problems: Vec<Problem>,
    bytes_read: BytesRead,
}

impl InventoryReader {
    /// A reader with nothing read yet.
    pub fn new(options: ReadOptions) -> InventoryReader {
        InventoryReader {
            options,
            files: Vec::new(),
            principals: Vec::new(),
            ids: FirstSeen::default(),
            problems: Vec::new(),
            bytes_read: BytesRead::default(),
        }
    }

    /// Reads one file (`-` is standard input).
    ///
    /// On an I/O error, the records read before it are kept.
    pub fn read_path(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let mut kept = std::mem::take(&mut self.principals);
        let input = Input::open(path.as_ref())?;
        let read = self.read_input(input, &mut |principal| kept.push(principal));
        self.principals = kept;
        read
    }

    /// Reads one input from `reader`, naming it `name` in problems and errors.
    pub fn read_from(&mut self, reader: impl Read, name: &str) -> Result<(), Error> {
        let mut kept = std::mem::take(&mut self.principals);
        let input = Input::from_reader(reader, name);
        let read = self.read_input(input, &mut |principal| kept.push(principal));
        self.principals = kept;
        read
    }

    /// Reads one file (`-` is standard input) as [`read_path`](Self::read_path) does,
    /// but hands the accepted principals to `each` in batches, in input order, as soon
    /// as their chunk is parsed, instead of keeping them: an index builder fed this
    /// way builds while the next chunk is parsed, and the principals are never all
    /// held at once. Only the ids are kept (to reject a later duplicate). Each batch is
    /// freed on rayon's pool (the threads that parsed it, so freeing is cheap and off
    /// this thread, which is the pipeline's sequential part).
    ///
    /// ```
    /// use dyngroup_index::IndexBuilder;
    /// use dyngroup_io::{InventoryReader, ReadOptions};
    ///
    /// let jsonl = r#"{"id": "ocid1.instance.oc1..a", "compartment-id": "c", "tenancy-id": "t"}"#;
    /// let mut builder = IndexBuilder::new();
    /// let mut reader = InventoryReader::new(ReadOptions::default());
    /// reader.stream_from(jsonl.as_bytes(), "a.jsonl", &mut |batch| builder.add_principals(batch))?;
    /// assert_eq!(builder.build().principal_count(), 1);
    /// assert!(reader.finish().principals().is_empty());
    /// # Ok::<(), dyngroup_io::Error>(())
    /// ```
    pub fn stream_path(
        &mut self,
        path: impl AsRef<Path>,
        each: &mut dyn FnMut(&[Principal]),
    ) -> Result<(), Error> {
        self.stream_input(Input::open(path.as_ref())?, each)
    }

    /// Reads one input from `reader` as [`stream_path`](Self::stream_path) does,
    /// naming it `name` in problems and errors.
    pub fn stream_from(
        &mut self,
        reader: impl Read,
        name: &str,
        each: &mut dyn FnMut(&[Principal]),
    ) -> Result<(), Error> {
        self.stream_input(Input::from_reader(reader, name), each)
    }

    fn stream_input(
        &mut self,
        input: Input<'_>,
        each: &mut dyn FnMut(&[Principal]),
    ) -> Result<(), Error> {
        if let Some(bytes) = input.size {
            self.ids.reserve(records_in(bytes));
        }
        let mut batches = Batches::new(each);
        let read = self.read_input(input, &mut batches.each());
        // What was read before a failure is handed on too.
        batches.flush();
        read
    }

    /// The number of bytes this reader has read so far, over all its inputs, as a
    /// handle another thread (a progress bar) can read while a file is being read.
    pub fn bytes_read(&self) -> BytesRead {
        self.bytes_read.clone()
    }

    fn read_input(
        &mut self,
        input: Input<'_>,
        each: &mut dyn FnMut(Principal),
    ) -> Result<(), Error> {
        let input = input.counted(&self.bytes_read);
        let file = self.files.len();
        self.files.push(input.name.clone());
        let build = PrincipalBuild {
            tenancy: self.options.default_tenancy(),
        };
        let chunk_bytes = self.options.chunk_bytes;
        let (ids, files, problems) = (&mut self.ids, &self.files, &mut self.problems);
        read_records(
            input.reader,
            &input.name,
            chunk_bytes,
            &build,
            &mut |result| match result {
                Ok((principal, id_at)) => match ids.first(files, file, &principal, id_at) {
                    Ok(()) => each(principal),
                    Err(problem) => problems.push(problem),
                },
                Err(problem) => problems.push(problem),
            },
        )
        .map_err(|e| Error::read(&input.path, e))
    }

    /// The principals and problems read so far.
    pub fn finish(self) -> Inventory {
        Inventory {
            principals: self.principals,
            problems: self.problems,
        }
    }
}

/// About how many principal records an inventory of `bytes` bytes holds, to size
/// tables before reading it ([`IndexBuilder::reserve`](dyngroup_index::IndexBuilder::reserve)):
/// JSON Lines as datagen and `jq -c` write them take ~650 bytes a record; OCI's
/// listings, with more fields and pretty-printed, take more, so this errs high.
pub fn records_in(bytes: u64) -> usize {
    usize::try_from(bytes / 650).unwrap_or(usize::MAX)
}

/// Hands principals on in batches, by reference, then frees each batch on rayon's pool.
struct Batches<'e> {
    each: &'e mut dyn FnMut(&[Principal]),
    batch: Vec<Principal>,
}

impl<'e> Batches<'e> {
    /// Principals handed on (and freed) together: as many as a builder prepares on
    /// the calling thread while the pool parses the next chunk; few enough that a
    /// progress bar moves.
    const SIZE: usize = IndexBuilder::STREAM_BATCH;

    fn new(each: &'e mut dyn FnMut(&[Principal])) -> Batches<'e> {
        Batches {
            each,
            batch: Vec::with_capacity(Self::SIZE),
        }
    }

    fn each(&mut self) -> impl FnMut(Principal) + '_ {
        |principal| {
            self.batch.push(principal);
            if self.batch.len() == Self::SIZE {
                self.flush();
            }
        }
    }

    /// Hands on what is held.
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        (self.each)(&self.batch);
        let spent = std::mem::replace(&mut self.batch, Vec::with_capacity(Self::SIZE));
        rayon::spawn(move || drop(spent));
    }
}

/// The length of an OCID, about.
const ID_BYTES: usize = 90;

/// The principal ids accepted so far and where each was read, compactly (one string
/// holds them all): a later record with an id already seen is rejected.
#[derive(Debug, Default)]
struct FirstSeen {
    /// Every id accepted, one after another.
    text: String,
    /// Where each id ends in `text`; the next one starts there.
    ends: Vec<usize>,
    seen: Vec<Seen>,
    /// Indexes into `ends`, hashed by id.
    by_id: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl FirstSeen {
    /// Makes room for `n` more ids.
    fn reserve(&mut self, n: usize) {
        self.text.reserve(n * ID_BYTES);
        self.ends.reserve(n);
        self.seen.reserve(n);
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.by_id
            .reserve(n, |&i| hasher.hash_one(nth(text, ends, i)));
    }

    fn id(&self, i: u32) -> &str {
        nth(&self.text, &self.ends, i)
    }

    /// Remembers `principal`'s id, or returns the duplicate problem naming where
    /// the id was first seen.
    fn first(
        &mut self,
        files: &[String],
        file: usize,
        principal: &Principal,
        id_at: Location,
    ) -> Result<(), Problem> {
        let hash = self.hasher.hash_one(principal.id.as_str());
        if let Some(&first) = self.by_id.find(hash, |&i| self.id(i) == principal.id) {
            let seen = self.seen[first as usize];
            let message = format!(
                "duplicate principal id `{}` (first at {})",
                principal.id,
                seen.describe(file, files)
            );
            return Err(
                Problem::error(&files[file], id_at, ProblemKind::DuplicateId, message)
                    .in_tenancy(Some(principal.tenancy_id.clone())),
            );
        }
        let index = u32::try_from(self.ends.len()).expect("fewer than 2^32 principals");
        self.text.push_str(&principal.id);
        self.ends.push(self.text.len());
        self.seen.push(Seen {
            file,
            line: id_at.line,
        });
        let FirstSeen {
            text,
            ends,
            by_id,
            hasher,
            ..
        } = self;
        by_id.insert_unique(hash, index, |&i| hasher.hash_one(nth(text, ends, i)));
        Ok(())
    }
}

/// Id `i` of ids stored back to back in `text`, id `i` ending at `ends[i]`.
fn nth<'t>(text: &'t str, ends: &[usize], i: u32) -> &'t str {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

/// Reads inventory files (`-` is standard input) into one [`Inventory`].
pub fn read_inventory<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    options: &ReadOptions,
) -> Result<Inventory, Error> {
    let mut reader = InventoryReader::new(options.clone());
    for path in paths {
        reader.read_path(path)?;
    }
    Ok(reader.finish())
}

/// Reads one inventory from `reader`, naming it `name` in problems.
pub fn read_inventory_from(
    reader: impl Read,
    name: &str,
    options: &ReadOptions,
) -> Result<Inventory, Error> {
    let mut inventory = InventoryReader::new(options.clone());
    inventory.read_from(reader, name)?;
    Ok(inventory.finish())
}

/// Builds the principals of an inventory's records, each with where its id is.
struct PrincipalBuild<'o> {
    /// `--tenancy`: the tenancy of a record that names none.
    tenancy: Option<&'o str>,
}

impl Build<(Principal, Location)> for PrincipalBuild<'_> {
    fn quick(&self, record: &[u8], ctx: &RecordCtx<'_>) -> Option<(Principal, Location)> {
        one_pass::principal(record, ctx, self.tenancy)
    }

    fn build(
        &self,
        record: &RawRecord<'_>,
        ctx: &RecordCtx<'_>,
    ) -> Result<(Principal, Location), Problem> {
        principal(record, ctx, self.tenancy).map_err(|problem| {
            problem
                .in_tenancy(record.tenancy(&[Field::TenancyId], ctx, self.tenancy))
                .of_record(record.string(Field::Id, ctx).ok().flatten())
        })
    }
}

/// Builds a principal from one record; also returns where its id is.
pub(crate) fn principal(
    record: &RawRecord<'_>,
    ctx: &RecordCtx<'_>,
    default_tenancy: Option<&str>,
) -> Result<(Principal, Location), Problem> {
    record.check_repeats(ctx)?;
    let id = record.required(Field::Id, ctx)?;
    let id_at = record
        .raw(Field::Id)
        .map_or(ctx.at(), |raw| ctx.at_raw(raw));
    let compartment_id = record.required(Field::CompartmentId, ctx)?;
    let tenancy_id = match record.string(Field::TenancyId, ctx)? {
        Some(tenancy) if !tenancy.is_empty() => tenancy,
        _ => match default_tenancy {
            Some(tenancy) => tenancy.to_owned(),
            None => {
                return Err(ctx.problem(
                    ProblemKind::MissingField,
                    "missing `tenancy-id` and no --tenancy given",
                ));
            }
        },
    };
    let resource_type = record
        .string(Field::ResourceType, ctx)?
        .filter(|t| !t.is_empty());
    let lifecycle_state = record
        .string(Field::LifecycleState, ctx)?
        .filter(|s| !s.is_empty());
    let defined_tags = defined_tags(record, ctx)?;
    let principal = Principal {
        id,
        compartment_id,
        tenancy_id,
        resource_type,
        defined_tags,
        lifecycle_state,
    };
    Ok((principal, id_at))
}

/// The most defined tags one principal record may carry. OCI resources carry a few
/// dozen at most; a record past this is rejected so that no single record can make a
/// batch slow (work per principal grows with its tag count).
pub const MAX_DEFINED_TAGS: usize = 1000;

/// `defined-tags`: `{namespace: {key: value}}`; values that are numbers or booleans
/// are kept as their JSON text. A tag has one value: a namespace.key given twice
/// (ASCII case-insensitively, as the same JSON key, or under two spellings of its
/// namespace) rejects the record, as do more than [`MAX_DEFINED_TAGS`] tags.
fn defined_tags(record: &RawRecord<'_>, ctx: &RecordCtx<'_>) -> Result<Vec<DefinedTag>, Problem> {
    let Some(raw) = record.raw(Field::DefinedTags) else {
        return Ok(Vec::new());
    };
    match JsonType::of(raw) {
        JsonType::Null => return Ok(Vec::new()),
        JsonType::Object => {}
        other => {
            return Err(ctx.problem_at(
                ctx.at_raw(raw),
                ProblemKind::BadField,
                format!(
                    "`defined-tags` must be an object, found {}",
                    other.described()
                ),
            ));
        }
    }
    let mut tags = Vec::new();
    for (namespace, keys) in entries(raw, ctx)? {
        match JsonType::of(keys) {
            JsonType::Null => continue,
            JsonType::Object => {}
            other => {
                return Err(ctx.problem_at(
                    ctx.at_raw(keys),
                    ProblemKind::BadTagValue,
                    format!(
                        "defined tag namespace `{namespace}` must be an object, found {}",
                        other.described()
                    ),
                ));
            }
        }
        let keys = entries(keys, ctx)?;
        if tags.len() + keys.len() > MAX_DEFINED_TAGS {
            return Err(ctx.problem_at(
                ctx.at_raw(raw),
                ProblemKind::TooManyTags,
                format!("more than {MAX_DEFINED_TAGS} defined tags in one record"),
            ));
        }
        for (key, raw_value) in keys {
            let value = match JsonType::of(raw_value) {
                JsonType::String => decode_string(raw_value, ctx)?,
                JsonType::Number | JsonType::Boolean => raw_value.get().trim().to_owned(),
                other => {
                    return Err(ctx.problem_at(
                        ctx.at_raw(raw_value),
                        ProblemKind::BadTagValue,
                        format!(
                            "defined tag `{namespace}.{key}` must be a string, number or boolean, found {}",
                            other.described()
                        ),
                    ));
                }
            };
            tags.push(DefinedTag {
                namespace: namespace.clone(),
                key,
                value,
            });
        }
    }
    if let Some((i, first)) = first_repeat(&tags) {
        let (tag, first) = (&tags[i], &tags[first]);
        // Where the repeat's value is: the i-th value, walking the tags again.
        let value = entries(raw, ctx)?
            .into_iter()
            .filter(|(_, keys)| JsonType::of(keys) == JsonType::Object)
            .map(|(_, keys)| entries(keys, ctx))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .nth(i)
            .map(|(_, value)| value);
        return Err(ctx.problem_at(
            value.map_or(ctx.at_raw(raw), |value| ctx.at_raw(value)),
            ProblemKind::BadTagValue,
            format!(
                "defined tag `{}.{}` is given twice (first as `{}.{}`): a tag has one value",
                tag.namespace, tag.key, first.namespace, first.key
            ),
        ));
    }
    Ok(tags)
}

/// The first tag (in input order) whose namespace and key equal an earlier one's
/// ASCII case-insensitively, with the index of that earlier one. Sorts indices by the
/// folded names (O(n log n), no allocation per name), so a huge record costs no more
/// than its size.
pub(crate) fn first_repeat(tags: &[DefinedTag]) -> Option<(usize, usize)> {
    if tags.len() < 2 {
        return None; // most records: nothing to compare, nothing to allocate
    }
    let name_cmp = |a: &DefinedTag, b: &DefinedTag| {
        fold(&a.namespace)
            .cmp(fold(&b.namespace))
            .then_with(|| fold(&a.key).cmp(fold(&b.key)))
    };
    let mut order: Vec<usize> = (0..tags.len()).collect();
    order.sort_by(|&a, &b| name_cmp(&tags[a], &tags[b]).then(a.cmp(&b)));
    order
        .windows(2)
        .filter(|pair| name_cmp(&tags[pair[0]], &tags[pair[1]]).is_eq())
        .map(|pair| (pair[1], pair[0]))
        .min()
}

fn fold(text: &str) -> impl Iterator<Item = u8> + '_ {
    text.bytes().map(|b| b.to_ascii_lowercase())
}

fn entries<'a>(
    raw: &'a serde_json::value::RawValue,
    ctx: &RecordCtx<'_>,
) -> Result<Vec<(String, &'a serde_json::value::RawValue)>, Problem> {
    serde_json::from_str::<Entries<'a>>(raw.get())
        .map(|Entries(entries)| entries)
        .map_err(|e| ctx.json_problem_in(raw.get().as_bytes(), &e))
}
