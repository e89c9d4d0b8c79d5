//! Model checking of the read protocol with loom (C11 memory model, every
//! interleaving): `cargo test --profile ci --test loom` (part of every
//! `cargo test`).
//!
//! The functions under test are ptear's own `ptep_get_lockless`, `set_pte`,
//! `pte_clear` and `pte_clear_high_first`, run over loom atomics through the
//! `PteSlot` trait, with acquire/release fences standing in for
//! smp_rmb/smp_wmb. Each model states whether a torn read must be
//! impossible, or must be found in some execution.

use loom::sync::atomic::{fence, AtomicU32, Ordering::*};
use loom::sync::Arc;
use ptear::arch::{Barriers, NoBarrier};
use ptear::pte::read::ptep_get_lockless;
use ptear::pte::write::{pte_clear, pte_clear_high_first, set_pte};
use ptear::pte::{Class, Encoding, LayoutKind, NoGap, PteSlot};
use std::sync::atomic::AtomicBool as StdBool;

struct LoomSlot {
    low: AtomicU32,
    high: AtomicU32,
}

impl PteSlot for LoomSlot {
    fn load_low(&self) -> u32 {
        self.low.load(Relaxed)
    }
    fn load_high(&self) -> u32 {
        self.high.load(Relaxed)
    }
    fn store_low(&self, v: u32) {
        self.low.store(v, Relaxed)
    }
    fn store_high(&self, v: u32) {
        self.high.store(v, Relaxed)
    }
}

/// smp_rmb as an acquire fence, smp_wmb as a release fence: the weakest
/// C11 fences that give the ordering the kernel's barriers promise.
struct LoomFences;

impl Barriers for LoomFences {
    fn smp_rmb() {
        fence(Acquire)
    }
    fn smp_wmb() {
        fence(Release)
    }
}

#[derive(Clone, Copy)]
enum Clear {
    /// low 0, smp_wmb, high 0 (the reader's comment, x86 native_pte_clear)
    LowFirst,
    /// set_pte(0): high 0, smp_wmb, low 0 (MIPS, SH)
    HighFirst,
}

/// One writer cycles the entry from state 1 through `installs` more states
/// (clear, then install); one reader does one ptep_get_lockless. Returns
/// whether some execution accepted a torn entry.
fn model<B: Barriers>(low_period: u32, clear: Clear, installs: u32) -> bool {
    // Outside the model, so std's Arc (loom's exists only inside it).
    let found = std::sync::Arc::new(StdBool::new(false));
    let seen = found.clone();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(move || {
        let enc = Encoding::new(LayoutKind::X86Pae, low_period, false).unwrap();
        let mut state = enc.first();
        let first = enc.entry(state);
        let slot = Arc::new(LoomSlot {
            low: AtomicU32::new(first.low),
            high: AtomicU32::new(first.high),
        });
        let w = slot.clone();
        let writer = loom::thread::spawn(move || {
            for _ in 0..installs {
                state = enc.next(state);
                match clear {
                    Clear::LowFirst => pte_clear::<_, B, _>(&*w, &mut NoGap),
                    Clear::HighFirst => pte_clear_high_first::<_, B, _>(&*w, &mut NoGap),
                }
                set_pte::<_, B, _>(&*w, enc.entry(state), &mut NoGap);
            }
        });
        let (pte, _) = ptep_get_lockless::<_, B, _>(&*slot, &mut NoGap);
        if enc.classify(pte) == Class::Wrong {
            seen.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        writer.join().unwrap();
    });
    found.load(std::sync::atomic::Ordering::Relaxed)
}

const NO_REPEAT: u32 = 1 << 20;

#[test]
fn documented_writer_never_tears_the_lockless_reader() {
    assert!(!model::<LoomFences>(NO_REPEAT, Clear::LowFirst, 1));
}

#[test]
fn documented_writer_over_two_cycles_never_tears_without_a_repeating_low() {
    assert!(!model::<LoomFences>(NO_REPEAT, Clear::LowFirst, 2));
}

#[test]
fn high_first_clear_tears() {
    assert!(model::<LoomFences>(NO_REPEAT, Clear::HighFirst, 1));
}

#[test]
fn two_install_cycles_with_a_repeating_low_tear() {
    // Period 2: install 3 has the low half of install 1 (Jann Horn's ABA).
    assert!(model::<LoomFences>(2, Clear::LowFirst, 2));
}

#[test]
fn documented_writer_without_barriers_tears() {
    // Kind 3: with no smp_rmb/smp_wmb the memory model lets the halves be
    // seen out of order.
    assert!(model::<NoBarrier>(NO_REPEAT, Clear::LowFirst, 1));
}
