//! The readers: how a lockless walker assembles an entry from its halves.

use super::{Gap, Pair, Pte, PteSlot};
use crate::arch::Barriers;

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

/// A read protocol chosen with `--reader`, as a type so the hammer loop is
/// monomorphised per protocol.
pub trait ReadProtocol {
    /// One read: the value accepted and its retries.
    fn read<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) -> (Pte, u32);
}

/// `ptep_get_lockless`.
pub struct Lockless;
/// No re-check (a known-broken control).
pub struct Once;
/// One 64-bit atomic load (where the CPU has one): what a 64-bit kernel's
/// `ptep_get()` is, and the reference the split reader is measured against.
pub struct Atomic64;

impl ReadProtocol for Lockless {
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) -> (Pte, u32) {
        ptep_get_lockless::<_, B, G>(pair, gap)
    }
}

impl ReadProtocol for Once {
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) -> (Pte, u32) {
        (ptep_get_once::<_, B, G>(pair, gap), 0)
    }
}

impl ReadProtocol for Atomic64 {
    #[inline(always)]
    fn read<B: Barriers, G: Gap>(pair: &Pair, _: &mut G) -> (Pte, u32) {
        (pair.load_atomic64(), 0)
    }
}
