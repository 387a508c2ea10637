//! Snapshot files (`.dgs`) of dyngroup: a whole [`Index`](dyngroup_index::Index) and
//! its [`Memberships`](dyngroup_index::Memberships) in one checksummed, versioned file
//! that opens in milliseconds and answers queries without recomputing anything.
//!
//! - [`write()`] (atomically: temporary file, fsync, rename, fsync of the directory) or
//!   [`to_bytes`] encode an index and its memberships.
//! - [`Snapshot::open`] memory-maps a file and validates it: header, section table,
//!   every section's xxh3 checksum, every archived structure and every reference
//!   between sections. A damaged, truncated or foreign file is an [`Error`] naming the
//!   section and the problem (`snapshot: section "postings" checksum mismatch`); no
//!   input makes it panic. [`Snapshot::from_bytes`] and [`Snapshot::read`] do the same
//!   from memory.
//! - A [`Snapshot`] answers [`principal_id`](Snapshot::principal_id),
//!   [`groups_of`](Snapshot::groups_of), [`group_id`](Snapshot::group_id) and
//!   [`members`](Snapshot::members) from the file's bytes, with the same ordinals as
//!   the index it was written from. [`Snapshot::to_index`] rebuilds that index.
//! - [`Snapshot::verify`] checks deeper (bitmap contents, orders, transposes);
//!   [`inspect`] reports on any file, valid or not.
//! - [`Snapshot::principals`] and [`Snapshot::groups`] give back the inventory and
//!   groups it was written from (tags case-folded), to change and write again.
//! - [`EngineFile`]: `Engine::open(path, options)` makes a live
//!   [`Engine`](dyngroup_index::engine::Engine) from a snapshot (deep-verified, no
//!   inventory replayed) and `engine.checkpoint(path)` (or [`checkpoint`] on one
//!   version, from any thread) writes its current version back, atomically.
//! - Format version 2 also stores the compartment tree and policies a snapshot was
//!   computed with ([`write_with_policies`], [`Snapshot::policy_inputs`]), so that
//!   `can` and `who-can` answer from the file; version 3 stores each identity-domain
//!   group's domain and scope, so that the index, the engine opened from the file and
//!   its checkpoints narrow those groups as the run that wrote it did. Version 1 and 2
//!   files are still read (their groups range over their whole tenancy).
//! - [`diff`] lists, per group, the principals that joined and left between two
//!   snapshots, and the groups created and deleted.
//!
//! The format is specified field by field in `FORMAT.md` beside this crate: a fixed
//! header and section table (hand-written little-endian), structured sections as rkyv
//! 0.8 archives (validated zero-copy access), bitmaps in the standard Roaring portable
//! format.
//!
//! This is the only crate of the workspace with `unsafe` code, in three modules: the
//! memory map (`storage`; [`Snapshot::open`]: the file must not change while it is
//! open), reading rkyv archives without re-validating them (`archive`), and `open`,
//! which does so only on bytes it has validated.
//!
//! ```
//! use dyngroup_index::{DynamicGroup, IndexBuilder, Principal};
//! use dyngroup_snapshot::{Snapshot, WriteOptions};
//!
//! let tenancy = "ocid1.tenancy.oc1..t";
//! let mut builder = IndexBuilder::new();
//! builder.add_principal(&Principal {
//!     id: "ocid1.instance.oc1..web1".into(),
//!     compartment_id: "ocid1.compartment.oc1..prod".into(),
//!     tenancy_id: tenancy.into(),
//!     ..Principal::default()
//! });
//! let group = builder
//!     .add_group(DynamicGroup {
//!         id: "ocid1.dynamicgroup.oc1..prod".into(),
//!         name: "prod".into(),
//!         matching_rule: "instance.compartment.id = 'ocid1.compartment.oc1..prod'".into(),
//!         tenancy_id: tenancy.into(),
//!         ..DynamicGroup::default()
//!     })
//!     .unwrap();
//! let index = builder.build();
//! let memberships = index.evaluate();
//!
//! let path = std::env::temp_dir().join(format!("doc-{}.dgs", std::process::id()));
//! dyngroup_snapshot::write(&path, &index, &memberships, &WriteOptions::default())?;
//!
//! let snapshot = Snapshot::open(&path)?;
//! let web1 = snapshot.principal_id("ocid1.instance.oc1..web1").unwrap();
//! assert_eq!(snapshot.groups_of(web1).collect::<Vec<_>>(), [group]);
//! assert_eq!(snapshot.group_id(tenancy, "PROD"), Some(group));
//! assert_eq!(snapshot.member_ocids(group)?, ["ocid1.instance.oc1..web1"]);
//!
//! // A damaged file is an error that names the damaged section.
//! let mut bytes = std::fs::read(&path)?;
//! let last = bytes.len() - 1;
//! bytes[last] ^= 1;
//! let err = Snapshot::from_bytes(&bytes).unwrap_err();
//! assert_eq!(err.to_string(), "snapshot: section \"domains\" checksum mismatch");
//! # drop(snapshot);
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub use diff::{GroupDiff, diff};
pub use engine::{EngineFile, checkpoint, checkpoint_with_policies};
pub use error::Error;
pub use inspect::{Counts, Inspection, inspect};
pub use layout::{FORMAT_VERSION, MAGIC, OLDEST_READABLE_VERSION, SectionInfo};
pub use open::Snapshot;
pub use policies::PolicyInputs;
pub use query::GroupRef;
pub use write::{
    WriteOptions, to_bytes, to_bytes_with_policies, write, write_to, write_to_with_policies,
    write_with_policies,
};

mod engine;
mod error;
mod layout;
// rkyv access without re-validation: `view` is an `unsafe fn` with its contract.
#[allow(unsafe_code)]
mod archive;
// The memory map: `Mmap::map` is unsafe (the file must not change under it).
mod bitmaps;
#[allow(unsafe_code)]
mod storage;
mod write;
// Calls `archive::view` on bytes validated at open, with a SAFETY comment.
mod diff;
mod domains;
mod inspect;
#[allow(unsafe_code)]
mod open;
mod policies;
mod query;
mod rebuild;
mod reconstruct;
