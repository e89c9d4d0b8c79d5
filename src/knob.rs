//! The `ptear run` options that `hunt` searches and `sweep` varies: one
//! type for both, named as the command line names them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A numeric `ptear run` option a search or sweep sets per trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Knob {
    /// `--reader-gap`
    ReaderGap,
    /// `--writer-gap`
    WriterGap,
    /// `--pairs`
    Pairs,
    /// `--readers`
    Readers,
    /// `--writers`
    Writers,
    /// `--low-period`
    LowPeriod,
}

impl Knob {
    /// Every knob, in the order `sweep --help` lists them.
    pub const ALL: [Knob; 6] = [
        Knob::ReaderGap,
        Knob::WriterGap,
        Knob::Pairs,
        Knob::Readers,
        Knob::Writers,
        Knob::LowPeriod,
    ];

    /// Its option's name without `--` (`reader-gap`).
    pub fn name(self) -> &'static str {
        match self {
            Knob::ReaderGap => "reader-gap",
            Knob::WriterGap => "writer-gap",
            Knob::Pairs => "pairs",
            Knob::Readers => "readers",
            Knob::Writers => "writers",
            Knob::LowPeriod => "low-period",
        }
    }

    /// Its option (`--reader-gap`).
    pub fn flag(self) -> String {
        format!("--{}", self.name())
    }

    /// The knob of an option name without `--`.
    pub fn from_name(name: &str) -> Option<Knob> {
        Knob::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Knob;

    #[test]
    fn names_round_trip_and_match_serde() {
        for k in Knob::ALL {
            assert_eq!(Knob::from_name(k.name()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert_eq!(Knob::from_name("seed"), None);
    }
}
