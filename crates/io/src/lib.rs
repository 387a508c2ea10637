//! Reading and writing files (work in progress).
