//! The commented starter config written by `baton init`.

/// Valid as written: it loads, and `baton check` passes on it.
pub const STARTER: &str = include_str!("starter.toml");
