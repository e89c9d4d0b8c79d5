//! clap's possible values for the domain's enums, made from their own
//! tables (src/names.rs): the names and one-line help `--help`, the error
//! messages, the completions and the man page show are the ones reports
//! and the C port use. Only the command line knows clap.

use crate::config::{BarrierKind, ReaderKind, WriterKind};
use crate::names::Named;
use crate::pte::{ClearTo, LayoutKind, Level};
use crate::report::Verdict;
use clap::builder::PossibleValue;
use clap::ValueEnum;

macro_rules! value_enum_from_table {
    ($($t:ty),* $(,)?) => {$(
        impl ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                <$t as Named>::ALL
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(self.name()).help(self.help()))
            }
        }
    )*};
}

value_enum_from_table!(
    ReaderKind,
    WriterKind,
    BarrierKind,
    LayoutKind,
    Level,
    ClearTo,
    Verdict
);
