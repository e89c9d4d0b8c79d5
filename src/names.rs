//! The names and one-line help of the domain's enums (`--reader`,
//! `--writer`, `--barrier`, `--layout`, `--clear-to`, `--level`,
//! `--expect`), one const table per enum. Reports, `ptear list`, the
//! command line (src/cli/values.rs makes clap's possible values from
//! them) and the C port's generated header (tests/c_header.rs writes
//! c/generated.h) all read these tables: there is no second copy.
//!
//! A leaf: depends on nothing else here.

/// One value's name and help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name {
    /// On the command line and in reports (`lockless`, `x86-pae`, ...).
    pub name: &'static str,
    /// One line, as `--help` and `ptear list` print it.
    pub help: &'static str,
}

/// An enum whose values have a [`Name`] each, in [`Named::ALL`]'s order.
pub trait Named: Copy + PartialEq + 'static {
    /// Every value this build has, in table order.
    const ALL: &'static [Self];
    /// Its row of the enum's table.
    fn row(self) -> &'static Name;

    /// Its name.
    fn name(self) -> &'static str {
        self.row().name
    }

    /// Its one-line help.
    fn help(self) -> &'static str {
        self.row().help
    }

    /// The value with this name, if this build has one.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// A row of a table (a `const fn`, so tables stay consts).
pub const fn name(name: &'static str, help: &'static str) -> Name {
    Name { name, help }
}
