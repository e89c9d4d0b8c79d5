//! Replacing an output file whole: a temporary file in the same directory,
//! fsync, rename, so a reader of the file, or a power cut during a
//! checkpoint, never sees half of it. A path that exists and is not a
//! regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place
//! instead: renaming over it would replace the device node with a regular
//! file (as root, `/dev/null` becomes a file that keeps what is written to
//! it, and every later reader of `/dev/null` reads that text).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{tag}.{}", std::process::id()))
}

/// `path` exists (through symlinks) and is neither a regular file nor a
/// directory.
fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Checks, before a run starts, that `path` can be written: a special file
/// grants write access (access(2); opening a FIFO would wait for its
/// reader, then hand it an end of file); otherwise its directory exists
/// and accepts a new file, and `path` itself is not a directory.
pub fn check_writable(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a directory",
        ));
    }
    if is_special(path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // SAFETY: a valid NUL-terminated path; access() only reads it.
        return match unsafe { libc::access(c.as_ptr(), libc::W_OK) } {
            0 => Ok(()),
            _ => Err(io::Error::last_os_error()),
        };
    }
    let probe = sibling(path, "probe");
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    fs::remove_file(&probe)
}

/// Replaces `path` with `bytes` in one rename (special files: written in place).
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if is_special(path) {
        return OpenOptions::new().write(true).open(path)?.write_all(bytes);
    }
    let tmp = sibling(path, "tmp");
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
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
