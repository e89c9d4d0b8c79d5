//! JSON output: pretty `ptear/1`, written atomically (temporary file in the
//! same directory, fsync, rename), so a reader of the file, or a power cut
//! during a checkpoint, never sees half a report.

use serde::Serialize;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Pretty JSON with a final newline.
pub fn to_string<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("reports always serialise") + "\n"
}

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{tag}.{}", std::process::id()))
}

/// Checks, before a run starts, that `path` can be written: its directory
/// exists and accepts a new file, and `path` itself is not a directory.
pub fn check_writable(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a directory",
        ));
    }
    let probe = sibling(path, "probe");
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    fs::remove_file(&probe)
}

/// Replaces `path` with `value` in one rename.
pub fn write_atomic<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let tmp = sibling(path, "tmp");
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(to_string(value).as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
