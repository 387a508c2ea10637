//! `dyngroup`: compute OCI dynamic-group memberships over inventory files.
//!
//! Exit codes: 0 success; 1 the run finished but something was rejected (an invalid
//! rule, a bad input record, a limit violation is *not* a rejection); 2 usage error or a
//! failure that stopped the run (unreadable input, unwritable output).

use std::process::ExitCode;

use clap::Parser;

/// `eprintln!` that never panics: when stderr is closed (`2>&1 | head -1`) the line is
/// lost, and the run goes on to the exit code it would have had. Every stderr line of
/// the CLI goes through it (or `stderr!`).
macro_rules! stderrln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that never panics, as `stderrln!`.
macro_rules! stderr {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

/// `println!` that returns the write's result instead of panicking: a closed stdout
/// stops the run with exit code 2, as every other output does.
macro_rules! stdoutln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}

/// `print!` that returns the write's result, as `stdoutln!`.
macro_rules! stdout {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout(), $($arg)*)
    }};
}

mod apply;
mod args;
mod check;
mod compute;
mod compute_policies;
mod explain;
mod input;
mod policy_cmds;
mod progress;
mod report;
mod snapshot_cmds;

use args::{Cli, Command};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How a command ended, mapped to the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything was accepted.
    Clean,
    /// The command ran to the end but rejected some input.
    Rejected,
}

/// A failure that stopped a command; printed as `dyngroup: <message>`.
#[derive(Debug)]
pub(crate) struct Fatal(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(err: E) -> Self {
        Fatal(err.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Compute(args) => compute::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Query(args) => snapshot_cmds::query(&args),
        Command::Inspect(args) => snapshot_cmds::inspect(&args),
        Command::Diff(args) => snapshot_cmds::diff(&args),
        Command::Apply(args) => apply::run(&args),
        Command::Policy(args) => policy_cmds::check(&args),
        Command::Can(args) => policy_cmds::can(&args),
        Command::WhoCan(args) => policy_cmds::who_can(&args),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Rejected) => ExitCode::from(1),
        Err(Fatal(message)) => {
            stderrln!("dyngroup: {message}");
            ExitCode::from(2)
        }
    }
}
