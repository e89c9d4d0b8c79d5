//! The readers: how a lockless walker assembles an entry from its halves.

use super::{Gap, Pair, Pte, PteSlot};
use crate::arch::Barriers;
use core::sync::atomic::{
    AtomicU32,
    Ordering::{Relaxed, SeqCst},
};

/// `ptep_get_lockless()` (include/linux/pgtable.h, under
/// CONFIG_GUP_GET_PTE_LOW_HIGH, renamed CONFIG_GUP_GET_PXX_LOW_HIGH in
/// v6.2; before it moved there it was mm/gup.c's `gup_get_pte()`):
///
/// ```text
/// do {
///     pte.pte_low = ptep->pte_low;   smp_rmb();
///     pte.pte_high = ptep->pte_high; smp_rmb();
/// } while (unlikely(pte.pte_low != ptep->pte_low));
/// ```
///
/// Returns the entry and how many times the loop went round again.
#[inline(always)]
pub fn ptep_get_lockless<S: PteSlot, B: Barriers, G: Gap>(slot: &S, gap: &mut G) -> (Pte, u32) {
    let mut retries = 0u32;
    loop {
        let low = slot.load_low();
        B::smp_rmb();
        gap.gap();
        let high = slot.load_high();
        B::smp_rmb();
        gap.gap();
        if slot.load_low() == low {
            return (Pte { low, high }, retries);
        }
        retries = retries.wrapping_add(1);
    }
}

/// The same without the re-check of the low half: a known-broken control.
#[inline(always)]
pub fn ptep_get_once<S: PteSlot, B: Barriers, G: Gap>(slot: &S, gap: &mut G) -> Pte {
    let low = slot.load_low();
    B::smp_rmb();
    gap.gap();
    let high = slot.load_high();
    Pte { low, high }
}

/// How a read ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The caller uses the value.
    Accepted,
    /// GUP-fast: the value was not present; the slow path takes over.
    FallbackNotPresent,
    /// GUP-fast: the re-check saw another value; the slow path takes over.
    /// Carries the value the first read returned.
    FallbackRecheck,
}

/// One read: the value, its retries, and how it ended.
#[derive(Clone, Copy, Debug)]
pub struct Read {
    /// The value `ptep_get_lockless` (or the protocol) returned.
    pub pte: Pte,
    /// Times the loop went round again.
    pub retries: u32,
    /// Accepted, or a GUP-fast fall-back.
    pub outcome: Outcome,
}

impl Read {
    #[inline(always)]
    fn accepted(pte: Pte, retries: u32) -> Read {
        Read {
            pte,
            retries,
            outcome: Outcome::Accepted,
        }
    }
}

/// A read protocol chosen with `--reader`, as a type so the hammer loop is
/// monomorphised per protocol.
pub trait ReadProtocol {
    /// It uses the pair's word in the side table ([`crate::engine::memory`]):
    /// GUP-fast's refcount, KVM's clear counter.
    const SIDE: bool = false;
    /// Writers must bump the side word after every clear (KVM's
    /// `count_spte_clear`).
    const COUNT_CLEARS: bool = false;
    /// One read of `pair`; `side` is its word in the side table (a dummy
    /// when `SIDE` is false); `present` the layout's present bit.
    fn read<B: Barriers, G: Gap>(pair: &Pair, side: &AtomicU32, present: u32, gap: &mut G) -> Read;
}

/// `ptep_get_lockless`.
pub struct Lockless;
/// No re-check (a known-broken control).
pub struct Once;
/// One 64-bit atomic load (where the CPU has one): what a 64-bit kernel's
/// `ptep_get()` is, and the reference the split reader is measured against.
pub struct Atomic64;
/// GUP-fast's use of the value (mm/gup.c `gup_fast_pte_range`).
pub struct GupFast;
/// KVM's ABA-proof reader (arch/x86/kvm/mmu/mmu.c `__get_spte_lockless`).
pub struct KvmCount;

impl ReadProtocol for Lockless {
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, _: &AtomicU32, _: u32, gap: &mut G) -> Read {
        let (pte, retries) = ptep_get_lockless::<_, B, G>(pair, gap);
        Read::accepted(pte, retries)
    }
}

impl ReadProtocol for Once {
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, _: &AtomicU32, _: u32, gap: &mut G) -> Read {
        Read::accepted(ptep_get_once::<_, B, G>(pair, gap), 0)
    }
}

impl ReadProtocol for Atomic64 {
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, _: &AtomicU32, _: u32, _: &mut G) -> Read {
        Read::accepted(pair.load_atomic64(), 0)
    }
}

/// `ptep_get()` on a 32-bit kernel: READ_ONCE of the 64-bit `pte_t`, which
/// the compiler splits into two 32-bit loads with no barrier between them.
/// i686 gcc 12 -O2 loads the high word first (the pointer's register is
/// reused for the low word, so that load comes last); ptear does the same,
/// with the reader gap between the two (a vCPU preemption there).
#[inline(always)]
pub fn ptep_get<S: PteSlot, G: Gap>(slot: &S, gap: &mut G) -> Pte {
    let high = slot.load_high();
    gap.gap();
    let low = slot.load_low();
    Pte { low, high }
}

impl ReadProtocol for GupFast {
    const SIDE: bool = true;

    /// ```text
    /// pte_t pte = ptep_get_lockless(ptep);
    /// if (!pte_present(pte)) goto pte_unmap;            /* slow path */
    /// folio = try_grab_folio_fast(page, 1, flags);      /* refcount++ */
    /// if (unlikely(pte_val(pte) != pte_val(ptep_get(ptep)))) {
    ///         gup_put_folio(folio, 1, flags);            /* refcount-- */
    ///         goto pte_unmap;                            /* slow path */
    /// }
    /// ```
    /// An accepted read drops its reference at once (the caller's unpin
    /// comes later in the kernel), so the word stays bounded.
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, side: &AtomicU32, present: u32, gap: &mut G) -> Read {
        let (pte, retries) = ptep_get_lockless::<_, B, G>(pair, gap);
        if pte.low & present == 0 {
            return Read {
                pte,
                retries,
                outcome: Outcome::FallbackNotPresent,
            };
        }
        // folio_ref_try_add() / gup_put_folio(): fully ordered atomics.
        side.fetch_add(1, SeqCst);
        // A slow reader: the reference taken, stalled before the re-check.
        gap.gap();
        let again = ptep_get(pair, gap);
        side.fetch_sub(1, SeqCst);
        Read {
            pte,
            retries,
            outcome: if again == pte {
                Outcome::Accepted
            } else {
                Outcome::FallbackRecheck
            },
        }
    }
}

impl ReadProtocol for KvmCount {
    const SIDE: bool = true;
    const COUNT_CLEARS: bool = true;

    /// ```text
    /// retry:
    ///     count = sp->clear_spte_count;          smp_rmb();
    ///     spte.spte_low = orig->spte_low;        smp_rmb();
    ///     spte.spte_high = orig->spte_high;      smp_rmb();
    ///     if (unlikely(spte.spte_low != orig->spte_low ||
    ///                  count != sp->clear_spte_count))
    ///             goto retry;
    /// ```
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, side: &AtomicU32, _: u32, gap: &mut G) -> Read {
        let mut retries = 0u32;
        loop {
            let count = side.load(Relaxed);
            B::smp_rmb();
            let low = pair.load_low();
            B::smp_rmb();
            gap.gap();
            let high = pair.load_high();
            B::smp_rmb();
            gap.gap();
            if pair.load_low() == low && side.load(Relaxed) == count {
                return Read::accepted(Pte { low, high }, retries);
            }
            retries = retries.wrapping_add(1);
        }
    }
}
