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

#[cfg(test)]
mod tests {
    use super::Named;
    use crate::config::{BarrierKind, ReaderKind, WriterKind};
    use crate::pte::{ClearTo, LayoutKind, Level};
    use crate::report::Verdict;

    /// Every value has its own row: a name no other value has, that finds
    /// it again, and a help line.
    fn rows_are_distinct<T: Named + std::fmt::Debug>() {
        let mut seen = std::collections::BTreeSet::new();
        for &v in T::ALL {
            assert!(seen.insert(v.name()), "{v:?}: name {} twice", v.name());
            assert_eq!(T::from_name(v.name()), Some(v));
            assert!(!v.help().is_empty(), "{v:?} has no help");
        }
        assert_eq!(T::from_name("no-such-value"), None);
    }

    #[test]
    fn every_enum_has_one_row_per_value() {
        rows_are_distinct::<ReaderKind>();
        rows_are_distinct::<WriterKind>();
        rows_are_distinct::<BarrierKind>();
        rows_are_distinct::<LayoutKind>();
        rows_are_distinct::<Level>();
        rows_are_distinct::<ClearTo>();
        rows_are_distinct::<Verdict>();
    }
}
