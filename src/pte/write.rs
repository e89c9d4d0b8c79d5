//! The writers: the exact store order each kernel uses to install and clear
//! an entry (docs/kernel-protocol.md, "What writers actually do").

use super::{Gap, Pair, Pte, PteSlot};
use crate::arch::Barriers;
use core::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};

/// `set_pte()` of x86 PAE (`native_set_pte`, pgtable-3level.h), MIPS
/// (arch/mips/include/asm/pgtable.h, 64-bit phys) and SH X2TLB
/// (arch/sh/include/asm/pgtable_32.h): high half, smp_wmb, low half, so the
/// PRESENT bit in the low half appears last.
#[inline(always)]
pub fn set_pte<S: PteSlot, B: Barriers, G: Gap>(slot: &S, pte: Pte, gap: &mut G) {
    slot.store_high(pte.high);
    B::smp_wmb();
    gap.gap();
    slot.store_low(pte.low);
}

/// `pte_clear()` as the reader's comment documents it and x86 PAE's
/// `native_pte_clear` does: low (PRESENT) to 0 first, smp_wmb, then high.
#[inline(always)]
pub fn pte_clear<S: PteSlot, B: Barriers, G: Gap>(slot: &S, gap: &mut G) {
    slot.store_low(0);
    B::smp_wmb();
    gap.gap();
    slot.store_high(0);
}

/// `pte_clear()` on MIPS and SH: `set_pte(ptep, __pte(0))`, so the *high*
/// half is zeroed first while the low half still says present. A reader that
/// loads the old low, then the new high 0, then the old low again accepts a
/// torn entry (tear kind 1 in docs/kernel-protocol.md).
#[inline(always)]
pub fn pte_clear_high_first<S: PteSlot, B: Barriers, G: Gap>(slot: &S, gap: &mut G) {
    set_pte::<S, B, G>(slot, Pte::NONE, gap)
}

/// A broken install for control runs: low (with PRESENT) before high and no
/// barrier, so a reader can see the new low with the old (cleared) high.
#[inline(always)]
pub fn set_pte_unordered<S: PteSlot, G: Gap>(slot: &S, pte: Pte, gap: &mut G) {
    slot.store_low(pte.low);
    gap.gap();
    slot.store_high(pte.high);
}

/// Which values a writer profile's own store order leaves in memory with
/// an installed low next to a high it was not installed with
/// (docs/layouts.md, "half-cleared states" and `transient_high`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HalfCleared {
    /// None: the low half (PRESENT) goes first on clear, last on install.
    Never,
    /// The high-first clear (set_pte(0)) leaves {low, 0}.
    HighZeroedFirst,
    /// The low-first install leaves {new low, the high it lands on}.
    LowInstalledFirst,
}

/// A writer profile chosen with `--writer`: how one clear+install cycle is
/// done, as a type so the writer loop is monomorphised per profile.
pub trait WriterProfile {
    /// What its sequences leave standing between two of its stores.
    const HALF_CLEARED: HalfCleared;
    /// Makes the entry not present, in this kernel's store order.
    fn clear<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G);
    /// Installs `pte`, in this kernel's store order.
    fn install<B: Barriers, G: Gap>(pair: &Pair, pte: Pte, gap: &mut G);
}

/// The order the reader's comment in ptep_get_lockless assumes.
pub struct Documented;
/// x86 PAE: native_set_pte, and native_ptep_get_and_clear's 64-bit exchange.
pub struct X86Pae;
/// x86 PAE before v4.19: native_set_pte, and the SMP native_ptep_get_and_clear
/// of those kernels (xchg of the low half, then a plain store of the high).
pub struct X86PaeV26;
/// MIPS32 with 64-bit phys and SH X2TLB: set_pte, and set_pte(0) as clear.
pub struct HighFirstClear;
/// Low before high, no barrier: a known-broken control.
pub struct Unordered;
/// x86 PAE huge-page PMDs (v6.2+): native_set_pmd and
/// native_pmdp_get_and_clear, both 64-bit exchanges.
pub struct X86PaePmd;
/// x86 PAE PMDs up to v6.1: set_64bit, and pmdp_get_and_clear as
/// xchg(low, 0) then a plain high = 0.
pub struct X86PaeV26Pmd;

impl WriterProfile for Documented {
    const HALF_CLEARED: HalfCleared = HalfCleared::Never;
    #[inline(always)]
    fn clear<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) {
        pte_clear::<_, B, G>(pair, gap)
    }
    #[inline(always)]
    fn install<B: Barriers, G: Gap>(pair: &Pair, pte: Pte, gap: &mut G) {
        set_pte::<_, B, G>(pair, pte, gap)
    }
}

impl WriterProfile for X86Pae {
    const HALF_CLEARED: HalfCleared = HalfCleared::Never;
    #[inline(always)]
    fn clear<B: Barriers, G: Gap>(pair: &Pair, _: &mut G) {
        ptep_get_and_clear(pair);
    }
    #[inline(always)]
    fn install<B: Barriers, G: Gap>(pair: &Pair, pte: Pte, gap: &mut G) {
        set_pte::<_, B, G>(pair, pte, gap)
    }
}

impl WriterProfile for X86PaeV26 {
    const HALF_CLEARED: HalfCleared = HalfCleared::Never;
    #[inline(always)]
    fn clear<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) {
        ptep_get_and_clear_v26(pair, gap);
    }
    #[inline(always)]
    fn install<B: Barriers, G: Gap>(pair: &Pair, pte: Pte, gap: &mut G) {
        set_pte::<_, B, G>(pair, pte, gap)
    }
}

impl WriterProfile for X86PaePmd {
    const HALF_CLEARED: HalfCleared = HalfCleared::Never;
    #[inline(always)]
    fn clear<B: Barriers, G: Gap>(pair: &Pair, _: &mut G) {
        pmdp_get_and_clear(pair);
    }
    #[inline(always)]
    fn install<B: Barriers, G: Gap>(pair: &Pair, pmd: Pte, _: &mut G) {
        set_pmd(pair, pmd)
    }
}

impl WriterProfile for X86PaeV26Pmd {
    const HALF_CLEARED: HalfCleared = HalfCleared::Never;
    #[inline(always)]
    fn clear<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) {
        ptep_get_and_clear_v26(pair, gap);
    }
    #[inline(always)]
    fn install<B: Barriers, G: Gap>(pair: &Pair, pmd: Pte, _: &mut G) {
        set_pmd(pair, pmd)
    }
}

impl WriterProfile for HighFirstClear {
    const HALF_CLEARED: HalfCleared = HalfCleared::HighZeroedFirst;
    #[inline(always)]
    fn clear<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) {
        pte_clear_high_first::<_, B, G>(pair, gap)
    }
    #[inline(always)]
    fn install<B: Barriers, G: Gap>(pair: &Pair, pte: Pte, gap: &mut G) {
        set_pte::<_, B, G>(pair, pte, gap)
    }
}

impl WriterProfile for Unordered {
    const HALF_CLEARED: HalfCleared = HalfCleared::LowInstalledFirst;
    #[inline(always)]
    fn clear<B: Barriers, G: Gap>(pair: &Pair, gap: &mut G) {
        pte_clear::<_, B, G>(pair, gap)
    }
    #[inline(always)]
    fn install<B: Barriers, G: Gap>(pair: &Pair, pte: Pte, gap: &mut G) {
        set_pte_unordered(pair, pte, gap)
    }
}

/// `native_ptep_get_and_clear()` (SMP, arch/x86/include/asm/pgtable-3level.h):
/// the whole entry is exchanged with 0 in one atomic step (a 64-bit
/// `xchg` / `lock cmpxchg8b` loop), so no reader sees a half-cleared entry.
#[inline(always)]
pub fn ptep_get_and_clear(pair: &Pair) -> Pte {
    pair.xchg64(Pte::NONE)
}

/// `native_set_pmd()` (pgtable-3level.h): `pxx_xchg64(pmd, pmdp, val)`
/// from v6.2, `set_64bit()` (a `cmpxchg8b` loop) before: the whole PMD in
/// one atomic step.
#[inline(always)]
pub fn set_pmd(pair: &Pair, pmd: Pte) {
    pair.xchg64(pmd);
}

/// `native_pmdp_get_and_clear()` (SMP, pgtable-3level.h, v6.2 and later):
/// `pxx_xchg64(pmd, pmdp, 0ULL)`, what `pmdp_huge_get_and_clear()` does.
/// Up to v6.1 it was `xchg(&pmd_low, 0)` then the high half, the order of
/// [`ptep_get_and_clear_v26`].
#[inline(always)]
pub fn pmdp_get_and_clear(pair: &Pair) -> Pte {
    pair.xchg64(Pte::NONE)
}

/// KVM's `count_spte_clear()` (arch/x86/kvm/mmu/mmu.c), run after a clear
/// when the reader is `kvm-count`: "Ensure the spte is completely set
/// before we increase the count": smp_wmb, then `clear_spte_count++` (one
/// writer per entry, so a plain load and store).
#[inline(always)]
pub fn count_spte_clear<B: Barriers>(count: &AtomicU32) {
    B::smp_wmb();
    count.store(count.load(Relaxed).wrapping_add(1), Relaxed);
}

/// A page-table lock and what it protects of one entry's writer state
/// (`--writers-per-entry`): the kernel's split PTL lives in the page-table
/// page's `struct ptdesc`, not in the entry's cache line; ptear keeps it in
/// its own table. `installed` says whether the entry holds E(j, h) (1) or
/// was cleared (0); whichever writer takes the lock does the next step.
#[repr(C, align(16))]
#[derive(Default)]
pub struct Ptl {
    lock: AtomicU32,
    /// The entry's j.
    pub j: AtomicU32,
    /// The entry's h.
    pub h: AtomicU32,
    /// 1 while the entry is installed.
    pub installed: AtomicU32,
}

impl Ptl {
    /// `spin_lock()`: an acquiring compare-and-swap 0 -> 1 (x86 `lock
    /// cmpxchg`, MIPS `ll`/`sc`: the arch's atomics, as the qspinlock fast
    /// path and the MIPS ticket lock use), spinning on plain loads with
    /// `cpu_relax()` (x86 `pause`) while it is held.
    #[inline(always)]
    pub fn spin_lock(&self) {
        while self
            .lock
            .compare_exchange_weak(0, 1, Acquire, Relaxed)
            .is_err()
        {
            while self.lock.load(Relaxed) != 0 {
                core::hint::spin_loop();
            }
        }
    }

    /// `spin_unlock()`: a releasing store of 0.
    #[inline(always)]
    pub fn spin_unlock(&self) {
        self.lock.store(0, Release);
    }
}

/// `native_ptep_get_and_clear()` (SMP) of x86 PAE kernels up to v4.18
/// (include/asm-i386/pgtable-3level.h in the 2.6 series, then
/// arch/x86/include/asm/pgtable-3level.h). "x86/pae: use 64 bit atomic xchg
/// function in native_ptep_get_and_clear" (2018, L1TF: the half-cleared
/// entry was an L1TF-vulnerable PTE for Xen PV) made it one 64-bit
/// exchange in v4.19; v6.2 turned that into a cmpxchg8b loop:
///
/// ```text
/// /* xchg acts as a barrier before the setting of the high bits */
/// res.pte_low = xchg(&ptep->pte_low, 0);
/// res.pte_high = ptep->pte_high;
/// ptep->pte_high = 0;
/// ```
///
/// The low half (PRESENT) goes first, atomically, so this is the order the
/// reader's comment documents. The plain C stores of those kernels compile
/// to the same single 32-bit moves as WRITE_ONCE does on x86, which is
/// what ptear stores.
#[inline(always)]
pub fn ptep_get_and_clear_v26<G: Gap>(pair: &Pair, gap: &mut G) -> Pte {
    let low = pair.xchg_low(0);
    gap.gap();
    let high = pair.load_high();
    pair.store_high(0);
    Pte { low, high }
}
