//! The split 64-bit page-table entry: where its halves live, which states
//! writers install, and the kernel's read and write sequences over it.

pub mod encoding;
pub mod layout;
pub mod read;
pub mod slot;
pub mod write;

pub use encoding::{
    Class, Consequences, Decoded, Encoding, Pte, State, Step, ValueFamily, Wrong, WrongClass,
};
pub use layout::{ClearTo, LayoutKind, Level};
pub use slot::{Pair, PteSlot};

/// A pause between the two halves of a read or a write: the knob that widens
/// a race window (`--reader-gap`, `--writer-gap`) or models an interrupt.
pub trait Gap {
    /// Operations are slow with this gap: the hammer loops then look at the
    /// stop flag after every one, so Ctrl-C takes effect within one gap.
    const SLOW: bool = false;
    /// Spends the pause.
    fn gap(&mut self);
}

/// No pause: the common case, compiled away.
pub struct NoGap;

impl Gap for NoGap {
    #[inline(always)]
    fn gap(&mut self) {}
}
