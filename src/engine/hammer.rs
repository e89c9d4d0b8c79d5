//! The hammer loops: what reader and writer threads do between start and
//! stop. This is the product; keep it lean. Per read: pick a pair, run the
//! read protocol, classify, and bump a counter only when the read retried or
//! was not a present entry. Every CHUNK operations: one relaxed load of the
//! stop flag. Every PUBLISH chunks: hand the counters to the monitor.

use super::mailbox::Mailbox;
use super::stats::{ReaderStats, TornSample};
use crate::arch::Barriers;
use crate::pte::read::ReadProtocol;
use crate::pte::write::WriterProfile;
use crate::pte::{next_state, Class, Encoding, Gap, Pair};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
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
}

/// The reader's hot loop: read with `R` and barriers `B`, classify, count.
pub fn reader<R: ReadProtocol, B: Barriers, G: Gap>(
    ctx: ReaderCtx<'_>,
    gap: &mut G,
) -> ReaderStats {
    let mut s = ReaderStats::new();
    let enc = ctx.encoding;
    // A local, so the walk's state stays in registers, not in `ctx`.
    let mut order = ctx.order;
    'run: loop {
        for _ in 0..PUBLISH {
            let n = chunk::<G>().min(ctx.quota - s.reads);
            if n == 0 || ctx.stop.load(Relaxed) {
                break 'run;
            }
            for _ in 0..n {
                let i = order.next_pair();
                let (pte, retries) = R::read::<B, G>(&ctx.pairs[i], gap);
                if retries != 0 {
                    s.record_retries(retries);
                }
                match enc.classify(pte) {
                    Class::Present => {}
                    Class::NotPresent => s.not_present += 1,
                    Class::Torn => s.record_torn(TornSample {
                        reader: ctx.index,
                        pair: i,
                        pte,
                        retries,
                        at: ctx.start.elapsed(),
                    }),
                }
            }
            s.reads += n;
        }
        ctx.mailbox.publish(|m| s.publish_into(m));
    }
    ctx.mailbox.publish_final(|m| s.publish_into(m));
    s
}

/// What one writer thread works with.
pub struct WriterCtx<'a> {
    /// The pairs this writer owns (every `writers`-th one).
    pub pairs: Vec<&'a Pair>,
    /// How states are encoded.
    pub encoding: Encoding,
    /// Set when the run must end.
    pub stop: &'a AtomicBool,
    /// Where the cycle count is published.
    pub mailbox: &'a Mailbox<u64>,
}

/// Cycles its pairs round-robin: clear, then install the next state. Every
/// pair starts in state 1 (see `engine::run`).
pub fn writer<W: WriterProfile, B: Barriers, G: Gap>(ctx: WriterCtx<'_>, gap: &mut G) -> u64 {
    let enc = ctx.encoding;
    let mut states = vec![1u32; ctx.pairs.len()];
    let mut at = 0usize;
    let mut cycles = 0u64;
    'run: loop {
        for _ in 0..PUBLISH {
            if ctx.stop.load(Relaxed) {
                break 'run;
            }
            for _ in 0..chunk::<G>() {
                let pair = ctx.pairs[at];
                let k = next_state(states[at]);
                states[at] = k;
                W::clear::<B, G>(pair, gap);
                W::install::<B, G>(pair, enc.pte(k), gap);
                at += 1;
                if at == ctx.pairs.len() {
                    at = 0;
                }
            }
            cycles += chunk::<G>();
        }
        ctx.mailbox.publish(|m| *m = cycles);
    }
    ctx.mailbox.publish_final(|m| *m = cycles);
    cycles
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
