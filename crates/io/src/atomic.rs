//! Writing outputs so that a failed run never leaves one half-written or replaces one
//! before every output of the run was written: the one implementation is
//! `dyngroup-atomic`, shared with the snapshot crate, re-exported here.

pub use dyngroup_atomic::{AtomicFile, Finished, commit_all, same_file, write_atomically};
