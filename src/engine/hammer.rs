//! The hammer loops: what reader and writer threads do between start and
//! stop. This is the product; keep it lean. Per read: pick a pair, run the
//! read protocol, classify, and bump a counter only when the read retried,
//! fell back or was not an installed entry. Every CHUNK operations: one relaxed load of the
//! stop flag. Every PUBLISH chunks: hand the counters to the monitor.

use super::latency::Clock;
use super::mailbox::Mailbox;
use super::stats::{ReaderStats, TornSample};
use crate::arch::Barriers;
use crate::pte::read::{Outcome, Read, ReadProtocol};
use crate::pte::write::{count_spte_clear, Ptl, WriterProfile};
use crate::pte::{Class, ClearTo, Encoding, Gap, Pair, Pte, State, Step};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::time::{Duration, Instant};

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
    // The walk is chosen once, and passed by value so that its state stays
    // in registers, not in `ctx`.
    if ctx.pairs.len() == 1 {
        reader_in::<R, B, G, _>(ctx, gap, OnePair)
    } else {
        let order = ctx.order;
        reader_in::<R, B, G, _>(ctx, gap, order)
    }
}

/// [`reader`] with its walk over the pairs.
fn reader_in<R: ReadProtocol, B: Barriers, G: Gap, O: Order>(
    ctx: ReaderCtx<'_>,
    gap: &mut G,
    mut order: O,
) -> ReaderStats {
    let mut s = ReaderStats::new(ctx.samples_seed);
    let clock = Clock::get();
    // The first read is timed, then one in `every`.
    let mut next_timed = 0u64;
    let mut published = 0u32;
    'run: loop {
        for _ in 0..PUBLISH {
            let mut n = chunk::<G>().min(ctx.quota - s.reads);
            if n == 0 || ctx.stop.load(Relaxed) {
                break 'run;
            }
            if s.reads >= next_timed {
                next_timed += clock.every();
                // The pair is chosen here, so that the cold timed_read
                // is not compiled again for each walk (`O`).
                let i = order.next_pair();
                timed_read::<R, B, G>(&ctx, i, clock, &mut s, gap);
                s.reads += 1;
                n -= 1;
            }
            read_chunk::<R, B, G, O>(&ctx, &mut order, n as u32, &mut s, gap);
            s.reads += n;
        }
        published = published.wrapping_add(1);
        let latency = published % LATENCY_PUBLISH == 0;
        ctx.mailbox.publish(|m| {
            s.publish_into(m);
            if latency {
                s.publish_latency_into(m);
            }
        });
    }
    ctx.mailbox.publish_final(|m| {
        s.publish_into(m);
        s.publish_latency_into(m);
    });
    s
}

/// Publications between two copies of the latency histogram to the
/// monitor (a copy walks its ~27 000 buckets): with CHUNK and PUBLISH,
/// every 4 M reads, so a snapshot's latency lags by that much at most.
const LATENCY_PUBLISH: u32 = 1024;

/// One read of pair `i`, timed ([`latency`](super::latency)): the clock,
/// the read protocol alone, the clock; then counted as [`read_chunk`]
/// counts it.
#[inline(never)]
#[cold]
fn timed_read<R: ReadProtocol, B: Barriers, G: Gap>(
    ctx: &ReaderCtx<'_>,
    i: usize,
    clock: Clock,
    s: &mut ReaderStats,
    gap: &mut G,
) {
    let side = if R::SIDE { &ctx.side[i] } else { &UNUSED };
    let present = ctx.encoding.layout().present;
    let t0 = clock.now();
    let r = R::read::<B, G>(&ctx.pairs[i], side, present, gap);
    let t1 = clock.now();
    s.latency.record(clock.ns(t0, t1));
    let mut not_present = 0u32;
    account(ctx, i, r, s, &mut not_present);
    s.not_present += u64::from(not_present);
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
    let present = ctx.encoding.layout().present;
    let mut not_present = 0u32;
    // The last present value found to be an E entry: a reader mostly
    // reads a value again (its cache line stays until the writer's next
    // store takes it), and the same value is the same entry. Only a
    // present value other than the last is classified. A wrong value is
    // never remembered: every read of it counts.
    let mut last = Pte::NONE;
    let visible = ctx.encoding.visible();
    for _ in 0..n {
        let i = order.next_pair();
        let side = if R::SIDE { &ctx.side[i] } else { &UNUSED };
        let r = R::read::<B, G>(&ctx.pairs[i], side, present, gap);
        if !matches!(r.outcome, Outcome::Accepted) {
            account(ctx, i, r, s, &mut not_present);
            continue;
        }
        if r.retries != 0 {
            s.record_retries(r.retries);
        }
        // A branch, not a count without one: against the code before the
        // reuse of the last entry, the branch-free count (its flag spilled
        // to the stack and reloaded) ran the uncontended reader at 0.74x,
        // this at 1.02x, and the contended one 1.59x faster than that
        // (benches/ab.sh; BENCHMARKS.md, "Against the code before #20").
        if Encoding::not_present_with(visible, r.pte) {
            not_present += 1;
        } else if r.pte != last {
            if ctx.encoding.is_e(r.pte) {
                last = r.pte;
            } else {
                not_e(ctx, i, r.pte, r.retries, s);
            }
        }
    }
    s.not_present += u64::from(not_present);
}

/// Counts one read of pair `i`: its retries, and what it accepted (not
/// present, an E entry, or, off the hot path, anything else).
#[inline(always)]
fn account(ctx: &ReaderCtx<'_>, i: usize, r: Read, s: &mut ReaderStats, not_present: &mut u32) {
    let enc = &ctx.encoding;
    if r.retries != 0 {
        s.record_retries(r.retries);
    }
    match r.outcome {
        Outcome::Accepted => {
            let np = enc.not_present(r.pte);
            *not_present += u32::from(np);
            if !np && !enc.is_e(r.pte) {
                not_e(ctx, i, r.pte, r.retries, s);
            }
        }
        Outcome::FallbackNotPresent => *not_present += 1,
        Outcome::FallbackRecheck => s.record_recheck(enc.classify(r.pte) == Class::Wrong),
    }
}

/// A present value that is not an E entry: a PROT_NONE entry the writer
/// installed, or a wrong value ([`Encoding::classify`] decides).
#[cold]
#[inline(never)]
fn not_e(ctx: &ReaderCtx<'_>, pair: usize, pte: Pte, retries: u32, s: &mut ReaderStats) {
    let enc = &ctx.encoding;
    if enc.classify(pte) == Class::Wrong {
        let sample = TornSample {
            reader: ctx.index,
            pair,
            pte,
            wrong: enc.wrong(pte),
            retries,
            at: Duration::ZERO, // read only if kept
        };
        s.record_torn_at(sample, || ctx.start.elapsed());
    }
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
/// pair starts in `Encoding::first` (see `engine::run`) and each visit
/// advances it by one, so all of a writer's pairs hold the same state
/// between two rounds: the state is one per writer, not one per pair, and
/// the entries a round stores ([`Round`]) are computed once, before its
/// first clear. Nothing between a clear and its install computes anything.
/// With `COUNT` (the reader is `kvm-count`) each clear is followed by KVM's
/// count_spte_clear; otherwise the counter is never touched.
pub fn writer<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool, const ZERO: bool>(
    ctx: WriterCtx<'_>,
    gap: &mut G,
) -> WriterCounts {
    let mut round = Round::new(&ctx, ctx.encoding.first());
    let mut at = 0usize;
    let mut cycles = 0u64;
    let counts = |cycles| WriterCounts {
        clears: cycles,
        installs: cycles,
    };
    // With one pair, a copy of the loop whose table has a length the
    // compiler knows: the pair's address stays in a register and the
    // round's bookkeeping folds away.
    let one = ctx.pairs.len() == 1;
    let first = [ctx.pairs[0]];
    'run: loop {
        for _ in 0..PUBLISH {
            if ctx.stop.load(Relaxed) {
                break 'run;
            }
            if one {
                cycle_chunk::<W, B, G, COUNT, ZERO>(&ctx, &first, &mut round, &mut at, gap);
            } else {
                cycle_chunk::<W, B, G, COUNT, ZERO>(&ctx, &ctx.pairs, &mut round, &mut at, gap);
            }
            cycles += chunk::<G>();
        }
        ctx.mailbox.publish(|m| *m = counts(cycles));
    }
    ctx.mailbox.publish_final(|m| *m = counts(cycles));
    counts(cycles)
}

/// What one round of a writer stores in each of its pairs: what
/// `--clear-to` leaves in a pair between its clear and its install, and
/// the next entry. Ready before the round's first clear.
#[derive(Clone, Copy)]
struct Round {
    /// The state the round installs, as of the last round computed in full.
    next: State,
    /// E(next), stepped `run - left` times.
    entry: Pte,
    /// What stands in a pair between the clear and the install, if not 0.
    cleared: Option<Pte>,
    /// Rounds left whose entry is this one's stepped ([`Encoding::step`]).
    left: u32,
    /// `left` when `next` was computed: `run - left` rounds were stepped
    /// since (no second counter to keep in a register: i686 has few).
    run: u32,
    /// The step.
    step: Step,
}

impl Round {
    /// The round after the one that installed `now`, computed in full.
    #[inline(always)]
    fn new(ctx: &WriterCtx<'_>, now: State) -> Round {
        let enc = &ctx.encoding;
        let next = enc.next(now);
        let left = enc.steps_before_wrap(next);
        Round {
            next,
            entry: enc.entry(next),
            cleared: enc.cleared_entry(ctx.clear_to, now),
            left,
            run: left,
            step: enc.step(),
        }
    }

    /// The next round. With `ZERO` (nothing stands between clear and
    /// install) and no wrap ahead, an add and an xor per half; otherwise
    /// (a wrap, or a swap, migration or PROT_NONE entry to compute) in full.
    #[inline(always)]
    fn advance<const ZERO: bool>(&mut self, ctx: &WriterCtx<'_>) {
        if ZERO && self.left != 0 {
            self.left -= 1;
            self.entry = self.step.after(self.entry);
        } else {
            let now = ctx.encoding.skip(self.next, self.run - self.left);
            *self = Round::new(ctx, now);
        }
    }
}

/// One chunk of clear + install cycles over `pairs` (the writer's table,
/// or its first pair alone), round-robin from `at`.
#[inline(always)]
fn cycle_chunk<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool, const ZERO: bool>(
    ctx: &WriterCtx<'_>,
    pairs: &[&Pair],
    round: &mut Round,
    at: &mut usize,
    gap: &mut G,
) {
    // A u32 count: a u64 one is two registers and an add-with-carry on i686.
    let n = chunk::<G>() as u32;
    if ZERO && pairs.len() == 1 && round.left >= n {
        // The common case, one pair and no wrap in this chunk: the same
        // cycles as the loop below, with no test of `left` or `at` in
        // them. What stays live is the pair, the entry, the step and the
        // count, few enough for i686's registers: with `left` tested in
        // every cycle the entry's high half lived on the stack, a store
        // and a reload per cycle (BENCHMARKS.md).
        let pair = pairs[0];
        let mut entry = round.entry;
        for _ in 0..n {
            zap::<W, B, G, COUNT, ZERO>(ctx, pair, 0, round.cleared, gap);
            populate::<W, B, G, COUNT, ZERO>(ctx, pair, 0, entry, gap);
            entry = round.step.after(entry);
        }
        round.entry = entry;
        round.left -= n;
        return;
    }
    for _ in 0..n {
        let pair = pairs[*at];
        zap::<W, B, G, COUNT, ZERO>(ctx, pair, *at, round.cleared, gap);
        populate::<W, B, G, COUNT, ZERO>(ctx, pair, *at, round.entry, gap);
        *at += 1;
        if *at == pairs.len() {
            *at = 0;
            round.advance::<ZERO>(ctx);
        }
    }
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
    pair: &Pair,
    at: usize,
    cleared: Option<Pte>,
    gap: &mut G,
) {
    clear::<W, B, G, COUNT>(ctx, pair, at, gap);
    if ZERO {
        return;
    }
    if let Some(c) = cleared {
        W::install::<B, G>(pair, c, gap);
    }
}

/// The profile's clear, then (with `COUNT`: the reader is `kvm-count`)
/// KVM's count_spte_clear; otherwise the counter is never touched.
#[inline(always)]
fn clear<W: WriterProfile, B: Barriers, G: Gap, const COUNT: bool>(
    ctx: &WriterCtx<'_>,
    pair: &Pair,
    at: usize,
    gap: &mut G,
) {
    W::clear::<B, G>(pair, gap);
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
    pair: &Pair,
    at: usize,
    entry: Pte,
    gap: &mut G,
) {
    if !ZERO && ctx.clear_to == ClearTo::Protnone {
        clear::<W, B, G, COUNT>(ctx, pair, at, gap);
    }
    W::install::<B, G>(pair, entry, gap);
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
                let pair = ctx.pairs[at];
                if ptl.installed.load(Relaxed) != 0 {
                    let cleared = enc.cleared_entry(ctx.clear_to, now);
                    zap::<W, B, G, COUNT, ZERO>(&ctx, pair, at, cleared, gap);
                    ptl.installed.store(0, Relaxed);
                    c.clears += 1;
                } else {
                    let next = enc.next(now);
                    let entry = enc.entry(next);
                    populate::<W, B, G, COUNT, ZERO>(&ctx, pair, at, entry, gap);
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
