//! Seeded, randomised spin gaps (`--writer-gap`, `--reader-gap`).

use crate::pte::Gap;
use rand::{Rng, SeedableRng};

const TABLE: usize = 1024;

/// Spins a number of iterations drawn ±50% around the asked-for gap. The
/// draws are made from the seed before the run into a ring, so the hammer
/// loop does one load and an index bump, never RNG work.
pub struct SpinGap {
    table: Box<[u32; TABLE]>,
    at: usize,
}

impl SpinGap {
    /// A gap of `gap` spin iterations ±50%, drawn from `seed` before the run.
    pub fn new(gap: u32, seed: u64) -> SpinGap {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
        let lo = gap - gap / 2;
        let hi = gap.saturating_add(gap / 2);
        let mut table = Box::new([0u32; TABLE]);
        for t in table.iter_mut() {
            *t = rng.random_range(lo..=hi);
        }
        SpinGap { table, at: 0 }
    }
}

impl Gap for SpinGap {
    const SLOW: bool = true;

    #[inline(always)]
    fn gap(&mut self) {
        let n = self.table[self.at];
        self.at = (self.at + 1) % TABLE;
        for _ in 0..n {
            // An empty asm statement: the compiler must keep the loop (asm
            // is volatile) but nothing touches memory, so one iteration is
            // a compare and a branch. The C port's gap_spin (c/gap.h) is
            // the same `__asm__ __volatile__("")`, so a gap of N means the
            // same in both. (`black_box(i)` stores i to the stack each
            // iteration: about 5x slower per iteration, measured.)
            // SAFETY: emits no instruction.
            unsafe { core::arch::asm!("", options(nomem, nostack, preserves_flags)) };
        }
    }
}
