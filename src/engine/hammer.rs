//! The hammer loops: what reader and writer threads do between start and
//! stop. This is the product; keep it lean. Per read: pick a pair, run the
//! read protocol, classify, and bump a counter only when the read retried,
//! fell back or was not an installed entry. Every CHUNK operations: one relaxed load of the
//! stop flag. Every PUBLISH chunks: hand the counters to the monitor.

use super::mailbox::Mailbox;
use super::stats::{ReaderStats, TornSample};
use crate::arch::Barriers;
use crate::pte::read::{Outcome, ReadProtocol};
use crate::pte::write::{count_spte_clear, Ptl, WriterProfile};
use crate::pte::{Class, ClearTo, Encoding, Gap, Pair, State};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::time::Instant;

/// Operations between two looks at the stop flag (1 with a gap: see Gap::SLOW).
const CHUNK: u64 = 64;

const fn chunk<G: Gap>() -> u64 {
    if G::SLOW {
        1
    } else {
        CHUNK
    }
}
/// Chunks between two publications to the monitor.
const PUBLISH: u32 = 64;

/// A full-period walk over `0..n` in a seeded order: an LCG modulo the next
/// power of two (Hull-Dobell: odd increment, multiplier = 1 mod 4), skipping
/// values >= n. No table, so any number of pairs costs no memory.
#[derive(Clone, Copy)]
pub struct PairOrder {
    at: usize,
    mul: usize,
    inc: usize,
    mask: usize,
    n: usize,
}

impl PairOrder {
    /// A random visiting order of `n` pairs from `seed`.
    pub fn new(n: usize, seed: u64) -> PairOrder {
        let mask = n.next_power_of_two() - 1;
        PairOrder {
            at: (seed as usize) & mask,
            mul: ((seed >> 16) as usize & !3) | 1 | 4,
            inc: ((seed >> 40) as usize) | 1,
            mask,
            n,
        }
    }

    #[inline(always)]
    /// The next pair to read.
    pub fn next_pair(&mut self) -> usize {
        loop {
            self.at = self.at.wrapping_mul(self.mul).wrapping_add(self.inc) & self.mask;
            if self.at < self.n {
                return self.at;
            }
        }
    }
}

/// What one reader thread works with.
pub struct ReaderCtx<'a> {
    /// Reader index.
    pub index: usize,
    /// The whole table.
    pub pairs: &'a [Pair],
    /// The side table (one word per pair), empty unless the protocol uses it.
    pub side: &'a [AtomicU32],
    /// How states are encoded (to classify reads).
    pub encoding: Encoding,
    /// Which pair to read next.
    pub order: PairOrder,
    /// Reads this reader does before it stops on its own (u64::MAX: none).
    pub quota: u64,
    /// Set when the run must end.
    pub stop: &'a AtomicBool,
    /// When the run started (torn samples' time).
    pub start: Instant,
    /// Where counts are published for the monitor.
    pub mailbox: &'a Mailbox<ReaderStats>,
    /// Seeds the choice of torn samples ([`SampleKeeper::reader_seed`]).
    ///
    /// [`SampleKeeper::reader_seed`]: super::samples::SampleKeeper::reader_seed
    pub samples_seed: u64,
}

/// Which pair a reader reads next: the seeded walk, or with one pair the
/// constant 0 (no loop-carried multiply the load's address waits on).
pub trait Order {
    /// The next pair's index.
    fn next_pair(&mut self) -> usize;
}

impl Order for PairOrder {
    #[inline(always)]
    fn next_pair(&mut self) -> usize {
        PairOrder::next_pair(self)
    }
}

/// The order of a one-pair table.
pub struct OnePair;

impl Order for OnePair {
    #[inline(always)]
    fn next_pair(&mut self) -> usize {
        0
    }
}

/// The reader's hot loop: read with `R` and barriers `B`, classify, count.
/// Chunks of reads run in [`read_chunk`]; between chunks, the stop flag and
/// the publication to the monitor.
pub fn reader<R: ReadProtocol, B: Barriers, G: Gap>(
    ctx: ReaderCtx<'_>,
    gap: &mut G,
) -> ReaderStats {
    let mut s = ReaderStats::new(ctx.samples_seed);
    // A local, so the walk's state stays in registers, not in `ctx`.
    let mut order = ctx.order;
    let one = ctx.pairs.len() == 1;
    'run: loop {
        for _ in 0..PUBLISH {
            let n = chunk::<G>().min(ctx.quota - s.reads);
            if n == 0 || ctx.stop.load(Relaxed) {
                break 'run;
            }
            if one {
                read_chunk::<R, B, G, _>(&ctx, &mut OnePair, n as u32, &mut s, gap);
            } else {
                read_chunk::<R, B, G, _>(&ctx, &mut order, n as u32, &mut s, gap);
            }
            s.reads += n;
        }
        ctx.mailbox.publish(|m| s.publish_into(m));
    }
    ctx.mailbox.publish_final(|m| s.publish_into(m));
    s
}

/// `n` reads. Not inlined into the thread's body, so that its few live
/// values stay in registers: the common counts are locals added to `s` at
/// the end, everything rare (retries, wrong values, fall-backs) goes to `s`
/// directly or through `#[cold]` calls.
#[inline(never)]
fn read_chunk<R: ReadProtocol, B: Barriers, G: Gap, O: Order>(
    ctx: &ReaderCtx<'_>,
    order: &mut O,
    n: u32,
    s: &mut ReaderStats,
    gap: &mut G,
) {
    let enc = ctx.encoding;
    let present = enc.layout().present;
    let mut not_present = 0u32;
    for _ in 0..n {
        let i = order.next_pair();
        let side = if R::SIDE { &ctx.side[i] } else { &UNUSED };
        let r = R::read::<B, G>(&ctx.pairs[i], side, present, gap);
        if r.retries != 0 {
            s.record_retries(r.retries);
        }
        match r.outcome {
            Outcome::Accepted => match enc.classify(r.pte) {
                Class::Present => {}
                Class::NotPresent => not_present += 1,
                Class::Wrong => s.record_torn(TornSample {
                    reader: ctx.index,
                    pair: i,
                    pte: r.pte,
                    wrong: enc.wrong(r.pte),
                    retries: r.retries,
                    at: ctx.start.elapsed(),
                }),
            },
            Outcome::FallbackNotPresent => not_present += 1,
            Outcome::FallbackRecheck => s.record_recheck(enc.classify(r.pte) == Class::Wrong),
        }
    }
    s.not_present += u64::from(not_present);
}

/// Stands in for the side word of protocols that have none.
static UNUSED: AtomicU32 = AtomicU32::new(0);

/// What one writer thread works with.
pub struct WriterCtx<'a> {
    /// The pairs this writer owns (every `writers`-th one).
    pub pairs: Vec<&'a Pair>,
    /// Their side words (clear counters), in the same order; empty unless
    /// the reader counts clears.
    pub side: Vec<&'a AtomicU32>,
    /// How states are encoded.
    pub encoding: Encoding,
    /// What stands in a pair between two installs.
    pub clear_to: ClearTo,
    /// Their page-table locks, in the same order; empty with one writer
    /// per entry.
    pub ptl: Vec<&'a Ptl>,
    /// Set when the run must end.
    pub stop: &'a AtomicBool,
    /// Where the counts are published.
    pub mailbox: &'a Mailbox<WriterCounts>,
}

/// What one writer thread did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterCounts {
    /// Installed entries it took away (`zap`; protnone's second clear,
    /// in `populate`, is part of the install and not counted).
    pub clears: u64,
    /// Entries it installed (its cycles, with one writer per entry).
    pub installs: u64,
}

/// Cycles its pairs round-robin: clear, then install the next state. Every
/// pair starts in `Encoding::first` (see `engine::run`). With `COUNT`
/// (the reader is `kvm-count`) each clear is followed by KVM's
/// count_spte_clear; otherwise the counter is never touched.
pub fn writer<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool, const ZERO: bool>(
    ctx: WriterCtx<'_>,
    gap: &mut G,
) -> WriterCounts {
    let enc = ctx.encoding;
    let mut states = vec![enc.first(); ctx.pairs.len()];
    let mut at = 0usize;
    let mut cycles = 0u64;
    let counts = |cycles| WriterCounts {
        clears: cycles,
        installs: cycles,
    };
    'run: loop {
        for _ in 0..PUBLISH {
            if ctx.stop.load(Relaxed) {
                break 'run;
            }
            for _ in 0..chunk::<G>() {
                let now = states[at];
                let next = enc.next(now);
                states[at] = next;
                zap::<W, B, G, COUNT, ZERO>(&ctx, &enc, at, now, gap);
                populate::<W, B, G, COUNT, ZERO>(&ctx, &enc, at, next, gap);
                at += 1;
                if at == ctx.pairs.len() {
                    at = 0;
                }
            }
            cycles += chunk::<G>();
        }
        ctx.mailbox.publish(|m| *m = counts(cycles));
    }
    ctx.mailbox.publish_final(|m| *m = counts(cycles));
    counts(cycles)
}

/// The first half of a cycle: the profile's clear, then what `--clear-to`
/// leaves in the pair (swap or migration entry, or E's PROT_NONE twin),
/// installed with the profile's set_pte (docs/layouts.md, "What a cleared
/// entry becomes"). With `ZERO` (`--clear-to zero`) the cycle is the
/// profile's clear and install alone: a run-time test of `clear_to` in
/// every cycle cost the uncontended writer (`--reader-gap 100000`) 15 to
/// 30% of its cycles per second (BENCHMARKS.md, "After `--clear-to`").
#[inline(always)]
fn zap<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool, const ZERO: bool>(
    ctx: &WriterCtx<'_>,
    enc: &Encoding,
    at: usize,
    now: State,
    gap: &mut G,
) {
    clear::<W, B, G, COUNT>(ctx, at, gap);
    if ZERO {
        return;
    }
    if let Some(c) = enc.cleared_entry(ctx.clear_to, now) {
        W::install::<B, G>(ctx.pairs[at], c, gap);
    }
}

/// The profile's clear, then (with `COUNT`: the reader is `kvm-count`)
/// KVM's count_spte_clear; otherwise the counter is never touched.
#[inline(always)]
fn clear<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool>(
    ctx: &WriterCtx<'_>,
    at: usize,
    gap: &mut G,
) {
    W::clear::<B, G>(ctx.pairs[at], gap);
    if COUNT {
        count_spte_clear::<B>(ctx.side[at]);
    }
}

/// The second half: installs E(next), over the swap or migration entry as
/// do_swap_page and remove_migration_pte do; a PROT_NONE entry is first
/// taken away by ptep_modify_prot_start (the profile's clear).
#[inline(always)]
fn populate<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool, const ZERO: bool>(
    ctx: &WriterCtx<'_>,
    enc: &Encoding,
    at: usize,
    next: State,
    gap: &mut G,
) {
    if !ZERO && ctx.clear_to == ClearTo::Protnone {
        clear::<W, B, G, COUNT>(ctx, at, gap);
    }
    W::install::<B, G>(ctx.pairs[at], enc.entry(next), gap);
}

/// `--writers-per-entry N`: one of N threads that share each of their
/// pairs, as CPUs that zap and re-install the same entry do (the thread's
/// ABA example: B zaps, C installs, D zaps and installs). Round-robin over
/// its pairs: take the entry's page-table lock, do the entry's next step
/// (clear it if installed, else install its next state), drop the lock.
/// Which thread does which step is up to who gets the lock.
pub fn writer_ptl<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool, const ZERO: bool>(
    ctx: WriterCtx<'_>,
    gap: &mut G,
) -> WriterCounts {
    let enc = ctx.encoding;
    let mut at = 0usize;
    let mut c = WriterCounts::default();
    'run: loop {
        for _ in 0..PUBLISH {
            if ctx.stop.load(Relaxed) {
                break 'run;
            }
            for _ in 0..chunk::<G>() {
                let ptl = ctx.ptl[at];
                ptl.spin_lock();
                let now = State {
                    j: ptl.j.load(Relaxed),
                    h: ptl.h.load(Relaxed),
                };
                if ptl.installed.load(Relaxed) != 0 {
                    zap::<W, B, G, COUNT, ZERO>(&ctx, &enc, at, now, gap);
                    ptl.installed.store(0, Relaxed);
                    c.clears += 1;
                } else {
                    let next = enc.next(now);
                    populate::<W, B, G, COUNT, ZERO>(&ctx, &enc, at, next, gap);
                    ptl.j.store(next.j, Relaxed);
                    ptl.h.store(next.h, Relaxed);
                    ptl.installed.store(1, Relaxed);
                    c.installs += 1;
                }
                ptl.spin_unlock();
                at += 1;
                if at == ctx.pairs.len() {
                    at = 0;
                }
            }
        }
        ctx.mailbox.publish(|m| *m = c);
    }
    ctx.mailbox.publish_final(|m| *m = c);
    c
}

#[cfg(test)]
mod tests {
    use super::PairOrder;

    #[test]
    fn pair_order_visits_every_pair_once_per_period() {
        for n in [1usize, 2, 3, 5, 64, 1000] {
            for seed in [0u64, 1, 0xdead_beef_cafe_f00d] {
                let mut o = PairOrder::new(n, seed);
                let mut seen = vec![0u32; n];
                for _ in 0..n {
                    seen[o.next_pair()] += 1;
                }
                assert!(seen.iter().all(|&c| c == 1), "n={n} seed={seed}: {seen:?}");
            }
        }
    }
}
