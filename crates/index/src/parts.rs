//! The index taken apart into plain data and put back together, for the snapshot
//! crate (work in progress).
