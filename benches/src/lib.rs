//! Shared helpers for the dyngroup benches.
