//! JSON output: pretty `ptear/1`, written whole ([`super::file`]).

use serde::Serialize;
use std::io;
use std::path::Path;

/// Pretty JSON with a final newline.
pub fn to_string<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("reports always serialise") + "\n"
}

pub use super::file::check_writable;

/// Replaces `path` with `value` ([`super::file::replace`]).
pub fn write_atomic<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    super::file::replace(path, to_string(value).as_bytes())
}
