//! Loading principals and groups from files, or from the built-in sample.

use std::path::{Path, PathBuf};

use dyngroup_index::{Index, IndexBuilder};
pub(crate) use dyngroup_io::Loaded;
use dyngroup_io::{GroupsReader, InventoryReader, Problem, ReadOptions, Source, same_file};

use crate::Fatal;
use crate::args::InputArgs;

/// The sample dataset built into the binary: the OCI documentation's examples.
const SAMPLE_INVENTORY: &str = include_str!("sample/inventory.jsonl");
const SAMPLE_GROUPS: &str = include_str!("sample/groups.jsonl");

/// Sets the size of rayon's global pool, once, before any parallel work.
pub(crate) fn configure_threads(args: &InputArgs) -> Result<(), Fatal> {
    if let Some(threads) = args.threads {
        if threads == 0 {
            return Err(Fatal("--threads must be at least 1".into()));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()?;
    }
    Ok(())
}

pub(crate) fn read_options(args: &InputArgs) -> ReadOptions {
    ReadOptions {
        tenancy: args.tenancy.clone(),
        strict: args.strict,
        ..ReadOptions::default()
    }
}

/// Reads every input file, or the built-in sample when none is given (and says so),
/// and keeps what belongs to `--shard`. Problems are collected, not printed; failing
/// to read a file at all is fatal.
pub(crate) fn load(args: &InputArgs) -> Result<Loaded, Fatal> {
    let mut loaded = load_all(args)?;
    if let Some(shard) = args.shard {
        loaded.keep_shard(shard);
    }
    Ok(loaded)
}

/// [`load`] without the shard filter.
pub(crate) fn load_all(args: &InputArgs) -> Result<Loaded, Fatal> {
    let options = read_options(args);
    if args.inventory.is_empty() && args.groups.is_empty() {
        stderrln!(
            "dyngroup: no --inventory or --groups given: using the built-in sample dataset \
             (OCI documentation examples)"
        );
        let mut inventory = InventoryReader::new(options.clone());
        let mut groups = GroupsReader::new(options);
        inventory.read_from(SAMPLE_INVENTORY.as_bytes(), "<sample>/inventory.jsonl")?;
        groups.read_from(SAMPLE_GROUPS.as_bytes(), "<sample>/groups.jsonl")?;
        return Ok(Loaded::from_readers(inventory, groups));
    }
    note_half_of_the_inputs(args);
    let sources =
        |paths: &[std::path::PathBuf]| -> Vec<Source> { paths.iter().map(Source::from).collect() };
    Ok(Loaded::read(
        &sources(&args.inventory),
        &sources(&args.groups),
        &options,
    )?)
}

/// Half of the inputs is legal (checking one file) but rarely meant: says so.
pub(crate) fn note_half_of_the_inputs(args: &InputArgs) {
    if args.groups.is_empty() {
        stderrln!("dyngroup: note: no --groups given: there is no group to compute");
    }
    if args.inventory.is_empty() {
        stderrln!("dyngroup: note: no --inventory given: every group has no members");
    }
}

/// [`check_paths`] for the inputs of `input` (`--inventory`, `--groups`) and `outputs`.
pub(crate) fn check_distinct_paths(
    input: &InputArgs,
    outputs: &[(&str, Option<&Path>)],
) -> Result<(), Fatal> {
    check_paths(&input_paths(input), outputs)
}

/// The flag and path of each `--inventory` and `--groups` input.
pub(crate) fn input_paths(input: &InputArgs) -> Vec<(&'static str, &Path)> {
    let mut inputs = flagged("--inventory", &input.inventory);
    inputs.extend(flagged("--groups", &input.groups));
    inputs
}

/// Each of `paths` with its `flag`, for [`check_paths`].
pub(crate) fn flagged<'a>(
    flag: &'static str,
    paths: &'a [PathBuf],
) -> Vec<(&'static str, &'a Path)> {
    paths.iter().map(|p| (flag, p.as_path())).collect()
}

/// Usage errors in a command's paths (exit code 2), one check for every command:
/// standard input (`-`) given for two inputs, two outputs naming one file (however
/// spelled or linked), an output naming an input. An existing file that is not a
/// regular file (`/dev/null`) is written in place and may be named twice.
pub(crate) fn check_paths(
    inputs: &[(&str, &Path)],
    outputs: &[(&str, Option<&Path>)],
) -> Result<(), Fatal> {
    let stdin = |p: &Path| p.as_os_str() == "-";
    if inputs.iter().filter(|(_, p)| stdin(p)).count() > 1 {
        return Err(Fatal(
            "standard input (`-`) is given for two inputs: it can be read only once".into(),
        ));
    }
    let outputs: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|&(flag, p)| Some((flag, p?)))
        .collect();
    let in_place = |p: &Path| !stdin(p) && std::fs::metadata(p).is_ok_and(|m| !m.is_file());
    for (i, &(flag, path)) in outputs.iter().enumerate() {
        for &(other, other_path) in &outputs[i + 1..] {
            if same_file(path, other_path) && !in_place(path) {
                return Err(Fatal(format!(
                    "{flag} and {other} name one file ({}): each output needs its own",
                    other_path.display()
                )));
            }
        }
        for &(input_flag, input_path) in inputs {
            if !stdin(path) && !stdin(input_path) && same_file(path, input_path) {
                return Err(Fatal(format!(
                    "{flag} names the {input_flag} file {}: an output never replaces an input",
                    input_path.display()
                )));
            }
        }
    }
    Ok(())
}

/// Builds the index; returns it with how many groups it refused (a name clash the
/// reader did not see), each reported on stderr.
pub(crate) fn build_index(loaded: &Loaded, strict: bool) -> (Index, usize) {
    let (index, refused) = loaded.build_index(dyngroup_rules::ParseOptions {
        strict,
        ..Default::default()
    });
    print_refused(&refused);
    (index, refused.len())
}

/// Adds the groups to a builder that holds the principals and builds the index, as
/// [`build_index`] does.
pub(crate) fn add_groups(builder: IndexBuilder, loaded: &Loaded) -> (Index, usize) {
    let (index, refused) = loaded.add_groups(builder);
    print_refused(&refused);
    (index, refused.len())
}

/// Reports the groups the index builder refused, one line each on stderr.
pub(crate) fn print_refused(refused: &[String]) {
    for message in refused {
        stderrln!("dyngroup: error: {message}");
    }
}

/// Prints problems to stderr: `file:line:column: severity: message`, then the rendered
/// rule for rule problems.
pub(crate) fn print_problems(problems: &[Problem]) {
    use std::io::Write;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for problem in problems {
        let at = match problem.column {
            Some(column) => format!("{}:{}:{column}", problem.file, problem.line),
            None => format!("{}:{}", problem.file, problem.line),
        };
        let _ = writeln!(err, "{at}: {}: {}", problem.severity, problem.message);
        if let Some(rendered) = &problem.rendered {
            // The rendering's first line repeats the message just printed.
            for line in rendered.lines().skip(1) {
                let _ = writeln!(err, "    {line}");
            }
        }
    }
}
