//! Where an entry lives: two u32 halves in one 8-byte aligned slot, low half
//! first, as a 32-bit PAE `pte_t` (little-endian: `pte_low` at offset 0).

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Access to the two halves of an entry. The engine's [`Pair`] lives in
/// mmap-shared memory; the loom model implements this over loom's atomics so
/// it checks the very protocol code the engine runs.
pub trait PteSlot {
    /// READ_ONCE of the low half.
    fn load_low(&self) -> u32;
    /// READ_ONCE of the high half.
    fn load_high(&self) -> u32;
    /// WRITE_ONCE of the low half.
    fn store_low(&self, v: u32);
    /// WRITE_ONCE of the high half.
    fn store_high(&self, v: u32);
}

/// One entry. Each half is accessed as a Relaxed atomic: a single 32-bit
/// load or store the compiler may neither split, merge nor invent, which is
/// what the kernel's READ_ONCE/WRITE_ONCE give (LKMM maps them to relaxed
/// accesses). Ordering between the halves comes only from the barriers.
#[repr(C, align(8))]
#[derive(Default)]
pub struct Pair {
    low: AtomicU32,
    high: AtomicU32,
}

impl Pair {
    /// The whole entry in one 64-bit atomic load (`--reader atomic64`):
    /// [`crate::arch::load64`].
    #[inline(always)]
    pub fn load_atomic64(&self) -> super::Pte {
        // SAFETY: a Pair is 8 live, 8-byte aligned bytes accessed only
        // through atomics (the assertion at the end of this file).
        let (low, high) = unsafe { crate::arch::load64(self as *const Pair as *const u64) };
        super::Pte { low, high }
    }

    /// Exchanges the whole entry with `new` in one atomic step:
    /// [`crate::arch::xchg64`].
    #[inline(always)]
    pub fn xchg64(&self, new: super::Pte) -> super::Pte {
        // SAFETY: as above; the exchange goes through the same atomic bytes.
        let (low, high) = unsafe {
            crate::arch::xchg64(
                self as *const Pair as *const u64 as *mut u64,
                new.low,
                new.high,
            )
        };
        super::Pte { low, high }
    }
}

impl Pair {
    /// `xchg(&ptep->pte_low, v)`: the kernel's xchg is a full barrier on
    /// both sides (x86 `xchg` with memory is implicitly locked; MIPS
    /// `sync; ll/sc; sync`), hence SeqCst.
    #[inline(always)]
    pub fn xchg_low(&self, v: u32) -> u32 {
        self.low.swap(v, core::sync::atomic::Ordering::SeqCst)
    }
}

impl PteSlot for Pair {
    #[inline(always)]
    fn load_low(&self) -> u32 {
        self.low.load(Relaxed)
    }
    #[inline(always)]
    fn load_high(&self) -> u32 {
        self.high.load(Relaxed)
    }
    #[inline(always)]
    fn store_low(&self, v: u32) {
        self.low.store(v, Relaxed)
    }
    #[inline(always)]
    fn store_high(&self, v: u32) {
        self.high.store(v, Relaxed)
    }
}

const _: () = assert!(core::mem::size_of::<Pair>() == 8 && core::mem::align_of::<Pair>() == 8);
