//! The two ways ptear fails, as types: the exit status follows from the
//! type, never from which printing helper was called (README "Exit status").

use std::fmt;

/// Bad input, or a combination this CPU or build cannot do: found before
/// any thread starts. Exit status 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// A failure of the machine, not of the arguments: mmap refused, a thread
/// that cannot start, a pin the kernel refuses, a file that cannot be
/// written. Exit status 3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError(pub String);

/// Either failure, as the command line reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// See [`UsageError`].
    Usage(UsageError),
    /// See [`RuntimeError`].
    Runtime(RuntimeError),
}

/// Exit statuses (README, "Exit status").
pub mod exit {
    /// Clean, or the verdict `--expect` asked for, or every control behaved.
    pub const CLEAN: i32 = 0;
    /// A torn read, or `--expect` not met, or a control misbehaved.
    pub const TORN: i32 = 1;
    /// [`super::UsageError`].
    pub const USAGE: i32 = 2;
    /// [`super::RuntimeError`].
    pub const RUNTIME: i32 = 3;
}

impl Error {
    /// The process exit status for this failure.
    pub fn exit_status(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Runtime(_) => exit::RUNTIME,
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the line of a usage error starts (a child ptear's, read back by
/// hunt and sweep, too).
pub const USAGE_PREFIX: &str = "ptear: error: ";

/// How the line of a runtime failure starts.
pub const RUNTIME_PREFIX: &str = "ptear: runtime failure: ";

impl Error {
    /// The usage error a child ptear printed on `line` (exit 2), without
    /// its prefix: the parent reports it as its own.
    pub fn usage_from_child(line: &str) -> String {
        line.strip_prefix(USAGE_PREFIX).unwrap_or(line).to_owned()
    }
}

/// The one line ptear prints on stderr: `ptear: error: ...` for a usage
/// error, `ptear: runtime failure: ...` for a runtime one.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(e) => write!(f, "{USAGE_PREFIX}{e}"),
            Error::Runtime(e) => write!(f, "{RUNTIME_PREFIX}{e}"),
        }
    }
}

impl std::error::Error for UsageError {}
impl std::error::Error for RuntimeError {}
impl std::error::Error for Error {}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Error {
        Error::Usage(e)
    }
}

impl From<RuntimeError> for Error {
    fn from(e: RuntimeError) -> Error {
        Error::Runtime(e)
    }
}

/// Shorthand: a usage error with this message.
pub fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(UsageError(msg.into()))
}

/// Shorthand: a runtime failure with this message.
pub fn runtime(msg: impl Into<String>) -> Error {
    Error::Runtime(RuntimeError(msg.into()))
}
