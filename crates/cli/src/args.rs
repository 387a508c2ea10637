//! Command-line flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Compute OCI dynamic-group memberships, exactly, over inventory files.
#[derive(Debug, Parser)]
#[command(name = "dyngroup", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate matching rules: diagnostics on stderr, exit code 1 if any is invalid.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// A matching rule to check.
    #[arg(required_unless_present = "groups", conflicts_with = "groups")]
    pub(crate) rule: Option<String>,
    /// Check every group's rule in this groups file instead.
    #[arg(long, value_name = "FILE")]
    pub(crate) groups: Option<PathBuf>,
    /// Reject the legacy forms (bare top-level list, unquoted value).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Print each valid rule's canonical form on stdout.
    #[arg(long)]
    pub(crate) canonical: bool,
}
