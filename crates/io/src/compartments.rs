//! Reading the compartment tree as `oci iam compartment list --all
//! --compartment-id-in-subtree true --include-root` prints it.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use dyngroup_policy::Compartment;

use crate::container::read_records;
use crate::error::Error;
use crate::fields::{Field, RawRecord};
use crate::input::{Input, Seen, first_of_id};
use crate::options::ReadOptions;
use crate::position::RecordCtx;
use crate::problem::{Location, Problem, ProblemKind, Severity};

/// The compartments read from one or more files, and the problems found.
#[derive(Clone, Debug, Default)]
pub struct Compartments {
    compartments: Vec<Compartment>,
    problems: Vec<Problem>,
}

impl Compartments {
    /// The accepted compartments, in input order (deleted ones left out).
    pub fn compartments(&self) -> &[Compartment] {
        &self.compartments
    }

    /// Every problem, in input order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The compartments and the problems, by value.
    pub fn into_parts(self) -> (Vec<Compartment>, Vec<Problem>) {
        (self.compartments, self.problems)
    }
}

/// Reads compartment files into one [`Compartments`]; an id seen twice is rejected
/// naming where it was first seen.
#[derive(Debug)]
pub struct CompartmentsReader {
    options: ReadOptions,
    files: Vec<String>,
    by_id: HashMap<String, Seen>,
    out: Compartments,
}

enum Outcome {
    Found(Compartment, Location),
    Skipped(Problem),
}

impl CompartmentsReader {
    /// A reader with nothing read yet.
    pub fn new(options: ReadOptions) -> CompartmentsReader {
        CompartmentsReader {
            options,
            files: Vec::new(),
            by_id: HashMap::new(),
            out: Compartments::default(),
        }
    }

    /// Reads one file (`-` is standard input).
    pub fn read_path(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let input = Input::open(path.as_ref())?;
        self.read_input(input)
    }

    /// Reads one input from `reader`, naming it `name` in problems and errors.
    pub fn read_from(&mut self, reader: impl Read, name: &str) -> Result<(), Error> {
        self.read_input(Input::from_reader(reader, name))
    }

    fn read_input(&mut self, input: Input<'_>) -> Result<(), Error> {
        let file = self.files.len();
        self.files.push(input.name.clone());
        let chunk_bytes = self.options.chunk_bytes;
        read_records(
            input.reader,
            &input.name,
            chunk_bytes,
            &compartment,
            &mut |result| match result {
                Ok(Outcome::Found(c, at)) => self.accept(file, c, at),
                Ok(Outcome::Skipped(note)) => self.out.problems.push(note),
                Err(problem) => self.out.problems.push(problem),
            },
        )
        .map_err(|e| Error::read(&input.path, e))
    }

    fn accept(&mut self, file: usize, c: Compartment, at: Location) {
        match first_of_id(
            &mut self.by_id,
            &self.files,
            file,
            ("compartment", &c.id),
            at,
        ) {
            Ok(()) => self.out.compartments.push(c),
            Err(problem) => self.out.problems.push(problem),
        }
    }

    /// The compartments and problems read so far.
    pub fn finish(self) -> Compartments {
        self.out
    }
}

fn compartment(record: &RawRecord<'_>, ctx: &RecordCtx<'_>) -> Result<Outcome, Problem> {
    record.check_repeats(ctx)?;
    let id_at = record
        .raw(Field::Id)
        .map_or(ctx.at(), |raw| ctx.at_raw(raw));
    let id = record.required(Field::Id, ctx)?;
    if let Some(state) = record.string(Field::LifecycleState, ctx)? {
        let state = state.to_ascii_uppercase();
        if state == "DELETED" || state == "DELETING" {
            let note = ctx
                .problem(
                    ProblemKind::Deleted,
                    format!("skipped compartment `{id}`: it is {state}"),
                )
                .with_severity(Severity::Note);
            return Ok(Outcome::Skipped(note));
        }
    }
    let name = record.required(Field::Name, ctx)?;
    let parent_id = record
        .string(Field::CompartmentId, ctx)?
        .filter(|p| !p.is_empty());
    Ok(Outcome::Found(
        Compartment {
            id,
            name,
            parent_id,
        },
        id_at,
    ))
}

/// Reads compartment files (`-` is standard input) into one [`Compartments`].
pub fn read_compartments<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    options: &ReadOptions,
) -> Result<Compartments, Error> {
    let mut reader = CompartmentsReader::new(options.clone());
    for path in paths {
        reader.read_path(path)?;
    }
    Ok(reader.finish())
}

/// Reads one compartments input from `reader`, naming it `name` in problems.
///
/// ```
/// use dyngroup_io::{read_compartments_from, ReadOptions};
///
/// let json = r#"{"data": [
///   {"id": "ocid1.tenancy.oc1..t", "name": "acme", "lifecycle-state": "ACTIVE"},
///   {"id": "ocid1.compartment.oc1..p", "name": "Prod", "compartment-id": "ocid1.tenancy.oc1..t"},
///   {"id": "ocid1.compartment.oc1..old", "name": "Old", "compartment-id": "ocid1.tenancy.oc1..t", "lifecycle-state": "DELETED"}
/// ]}"#;
/// let read = read_compartments_from(json.as_bytes(), "compartments.json", &ReadOptions::default())?;
/// assert_eq!(read.compartments().len(), 2);
/// assert_eq!(read.problems()[0].to_string(), "compartments.json:4:3: skipped compartment `ocid1.compartment.oc1..old`: it is DELETED");
/// # Ok::<(), dyngroup_io::Error>(())
/// ```
pub fn read_compartments_from(
    reader: impl Read,
    name: &str,
    options: &ReadOptions,
) -> Result<Compartments, Error> {
    let mut compartments = CompartmentsReader::new(options.clone());
    compartments.read_from(reader, name)?;
    Ok(compartments.finish())
}
