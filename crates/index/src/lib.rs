//! Membership index (work in progress).
#![deny(missing_docs)]

pub use model::{resource_type_of, DefinedTag, DynamicGroup, Principal};

mod model;
