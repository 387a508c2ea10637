//! Live changes: the incremental engine (work in progress).
