//! What a reader counts. The hot loop touches only plain fields of its own
//! `ReaderStats`. Retry counts are kept exactly: an array for the common
//! small ones, and on a cold path a fixed table of the rare large ones, both
//! allocated before the run (no allocation, lock or syscall while reading).

use super::latency::ReadLatency;
use super::samples::SampleKeeper;
pub use super::samples::{TornSample, MAX_SAMPLES};
use crate::pte::{Consequences, ValueFamily, WrongClass};
use std::time::Duration;

/// Retry counts below this are counted in an array indexed by the count.
pub const EXACT_RETRIES: usize = 256;
/// Distinct retry counts >= EXACT_RETRIES one reader keeps exactly (each
/// with its exact count). A reader whose writer changed the entry that many
/// times during a read needs a pathological run to see more distinct ones.
pub const RARE_RETRY_SLOTS: usize = 1024;
/// Exact counts of retry counts >= EXACT_RETRIES: a sorted table of up to
/// RARE_RETRY_SLOTS distinct counts. A count that is new when the table is
/// full is *inexact*: it is kept in a power-of-two bucket (2^k <= r), and
/// the report says how many reads that was (`totals.inexact_retry_reads`).
#[derive(Clone)]
pub struct RareRetries {
    len: usize,
    values: Box<[u32; RARE_RETRY_SLOTS]>,
    counts: Box<[u64; RARE_RETRY_SLOTS]>,
    /// `by_power[k]`: inexact reads with 2^k <= retries < 2^(k+1).
    by_power: [u64; 32],
    /// Reads recorded here, exact or not (also tells a publisher whether
    /// anything changed).
    reads: u64,
    max: u32,
}

impl RareRetries {
    fn new() -> RareRetries {
        RareRetries {
            len: 0,
            values: Box::new([0; RARE_RETRY_SLOTS]),
            counts: Box::new([0; RARE_RETRY_SLOTS]),
            by_power: [0; 32],
            reads: 0,
            max: 0,
        }
    }

    fn record(&mut self, r: u32) {
        self.reads += 1;
        self.max = self.max.max(r);
        match self.values[..self.len].binary_search(&r) {
            Ok(i) => self.counts[i] += 1,
            Err(i) if self.len < RARE_RETRY_SLOTS => {
                self.values.copy_within(i..self.len, i + 1);
                self.counts.copy_within(i..self.len, i + 1);
                self.values[i] = r;
                self.counts[i] = 1;
                self.len += 1;
            }
            Err(_) => self.by_power[31 - r.leading_zeros() as usize] += 1,
        }
    }

    /// Reads kept only in a power-of-two bucket.
    pub fn inexact(&self) -> u64 {
        self.by_power.iter().sum()
    }

    /// (retries, reads): the exact ones, then the inexact buckets at 2^k.
    fn counts(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let exact = (0..self.len).map(|i| (u64::from(self.values[i]), self.counts[i]));
        let buckets = (0..32).map(|k| (1u64 << k, self.by_power[k]));
        exact.chain(buckets.filter(|&(_, n)| n > 0))
    }
}

/// One reader's counts.
#[derive(Clone)]
pub struct ReaderStats {
    /// Reads accepted.
    pub reads: u64,
    /// Accepted reads that were never installed: `mixed + transient`.
    pub torn: u64,
    /// Of those, values whose halves never stood together.
    pub mixed: u64,
    /// Of those, values a writer's own order put in memory.
    pub transient: u64,
    /// Wrong values per consequence (`Consequences` bit order).
    pub consequences: [u64; Consequences::NAMES.len()],
    /// Wrong values per family (`ValueFamily::ALL` order).
    pub families: [u64; ValueFamily::ALL.len()],
    /// GUP-fast: reads whose re-check saw another value.
    pub fallback_recheck: u64,
    /// GUP-fast: of those, reads whose first value was wrong.
    pub caught: u64,
    /// Accepted reads whose low half says not present.
    pub not_present: u64,
    /// Sum of retries over all reads (exact).
    pub retries: u64,
    /// `retried[r]` = reads that needed exactly r >= 1 retries; reads with
    /// no retry are `reads` minus the rest, so the common case costs nothing.
    pub retried: [u64; EXACT_RETRIES],
    /// Reads with EXACT_RETRIES or more retries.
    pub rare: RareRetries,
    /// Time of the first torn read.
    pub first_torn: Option<Duration>,
    /// The torn reads kept in full (samples.rs says which).
    pub samples: SampleKeeper,
    /// The timed reads (latency.rs). Published to the monitor only every
    /// LATENCY_PUBLISH publications: a copy walks every bucket.
    pub latency: ReadLatency,
}

impl ReaderStats {
    /// Zero counts; everything the run will need is allocated here.
    /// `seed` drives which samples are kept
    /// ([`SampleKeeper::reader_seed`]).
    pub fn new(seed: u64) -> ReaderStats {
        ReaderStats {
            reads: 0,
            torn: 0,
            mixed: 0,
            transient: 0,
            consequences: [0; Consequences::NAMES.len()],
            families: [0; ValueFamily::ALL.len()],
            fallback_recheck: 0,
            caught: 0,
            not_present: 0,
            retries: 0,
            retried: [0; EXACT_RETRIES],
            rare: RareRetries::new(),
            first_torn: None,
            samples: SampleKeeper::new(seed),
            latency: ReadLatency::new(),
        }
    }

    /// Records a read that needed `r` >= 1 retries.
    #[inline(always)]
    pub fn record_retries(&mut self, r: u32) {
        self.retries += u64::from(r);
        if (r as usize) < EXACT_RETRIES {
            self.retried[r as usize] += 1;
        } else {
            self.record_rare(r);
        }
    }

    #[cold]
    #[inline(never)]
    fn record_rare(&mut self, r: u32) {
        self.rare.record(r);
    }

    /// Records a torn read whose time is known (the tests').
    #[cfg(test)]
    pub fn record_torn(&mut self, sample: TornSample) {
        self.record_torn_at(sample, || sample.at);
    }

    /// Records a torn read (the cold path: it offers it as a sample).
    /// `now` gives the time since the run's start; it is called only for
    /// the reader's first torn read and for a value the samples keep
    /// ([`SampleKeeper::offer_at`]): `sample.at` is set from it then.
    #[cold]
    #[inline(never)]
    pub fn record_torn_at(&mut self, sample: TornSample, now: impl Fn() -> Duration) {
        self.torn += 1;
        match sample.wrong.class {
            WrongClass::Mixed => self.mixed += 1,
            WrongClass::Transient => self.transient += 1,
        }
        for (b, n) in self.consequences.iter_mut().enumerate() {
            *n += u64::from(sample.wrong.consequences.0 >> b & 1);
        }
        self.families[sample.wrong.family as usize] += 1;
        let kept_at = self.samples.offer_at(sample, &now);
        if self.first_torn.is_none() {
            self.first_torn = Some(kept_at.unwrap_or_else(now));
        }
    }

    /// GUP-fast: a re-check saw another value; `caught` if the first was wrong.
    #[cold]
    #[inline(never)]
    pub fn record_recheck(&mut self, caught: bool) {
        self.fallback_recheck += 1;
        self.caught += u64::from(caught);
    }

    /// Copies these counts into the published copy without allocating: the
    /// samples and the rare table are copied only when they changed, the
    /// latency histogram not at all ([`ReaderStats::publish_latency_into`]).
    pub fn publish_into(&self, dst: &mut ReaderStats) {
        dst.reads = self.reads;
        dst.torn = self.torn;
        dst.mixed = self.mixed;
        dst.transient = self.transient;
        dst.consequences = self.consequences;
        dst.families = self.families;
        dst.fallback_recheck = self.fallback_recheck;
        dst.caught = self.caught;
        dst.not_present = self.not_present;
        dst.retries = self.retries;
        dst.retried = self.retried;
        dst.first_torn = self.first_torn;
        self.samples.publish_into(&mut dst.samples);
        if dst.rare.reads != self.rare.reads {
            dst.rare.clone_from(&self.rare);
        }
    }

    /// Copies the timed reads into the published copy (no allocation, but
    /// a walk over every bucket: the reader does it every
    /// LATENCY_PUBLISH publications and at the end).
    pub fn publish_latency_into(&self, dst: &mut ReaderStats) {
        dst.latency.copy_from(&self.latency);
    }

    /// Reads per retry count, ascending, zero counts left out. Exact, but
    /// for `inexact_retry_reads()` reads, which stand at their power of two.
    pub fn retry_counts(&self) -> Vec<(u64, u64)> {
        let retried: u64 = self.retried.iter().sum::<u64>() + self.rare.reads;
        let mut out = vec![(0, self.reads.saturating_sub(retried))];
        out.extend((1..EXACT_RETRIES).map(|r| (r as u64, self.retried[r])));
        let mut rare: Vec<(u64, u64)> = self.rare.counts().collect();
        rare.sort_unstable();
        // An inexact bucket 2^k may share its value with an exact count.
        for (r, n) in rare {
            match out.last_mut() {
                Some(last) if last.0 == r => last.1 += n,
                _ => out.push((r, n)),
            }
        }
        out.retain(|&(_, n)| n > 0);
        out
    }

    /// Reads whose retry count is kept only as its power of two (0 unless
    /// more than RARE_RETRY_SLOTS distinct large counts were seen).
    pub fn inexact_retry_reads(&self) -> u64 {
        self.rare.inexact()
    }

    /// Largest retry count of any read (exact).
    pub fn max_retries(&self) -> u32 {
        let exact = (1..EXACT_RETRIES)
            .rev()
            .find(|&r| self.retried[r] > 0)
            .unwrap_or(0) as u32;
        exact.max(self.rare.max)
    }
}

impl Default for ReaderStats {
    fn default() -> Self {
        Self::new(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pte::{Pte, Wrong};

    #[test]
    fn retry_counts_sum_to_reads() {
        let mut s = ReaderStats::new(0);
        s.reads = 1000;
        for r in [1, 1, 2, 255, 256, 10_000] {
            s.record_retries(r);
        }
        let counts = s.retry_counts();
        assert_eq!(counts.iter().map(|c| c.1).sum::<u64>(), 1000);
        assert_eq!(counts[0], (0, 994));
        assert_eq!(counts[1], (1, 2));
        assert_eq!(s.max_retries(), 10_000);
        assert_eq!(s.retries, 1 + 1 + 2 + 255 + 256 + 10_000);
    }

    /// The clock is read for the first torn read and for each value the
    /// samples keep, never for one they pass over: 10 000 wrong values of
    /// one kind fill the 64 slots, then replace one of the 60 reservoir
    /// samples about 60 * ln(10000 / 64) times (364 reads of the clock with
    /// this seed, against 10 000 before), and every kept sample has the
    /// time of its own read.
    #[test]
    fn the_clock_is_read_only_for_kept_values() {
        use std::cell::Cell;
        let mut s = ReaderStats::new(7);
        let calls = Cell::new(0u64);
        for i in 0..10_000u64 {
            let sample = TornSample {
                reader: 0,
                pair: i as usize,
                pte: Pte::NONE,
                wrong: MIXED,
                retries: 0,
                at: Duration::ZERO,
            };
            s.record_torn_at(sample, || {
                calls.set(calls.get() + 1);
                Duration::from_nanos(i + 1)
            });
        }
        assert_eq!(s.torn, 10_000);
        assert_eq!(s.first_torn, Some(Duration::from_nanos(1)));
        let n = calls.get();
        assert!((64..1000).contains(&n), "the clock was read {n} times");
        for k in s.samples.kept() {
            assert_eq!(k.sample.at, Duration::from_nanos(k.sample.pair as u64 + 1));
        }
    }

    #[test]
    fn samples_are_capped() {
        let mut s = ReaderStats::new(0);
        for i in 0..1000 {
            let at = Duration::from_micros(i);
            s.record_torn(TornSample {
                reader: 0,
                pair: 0,
                pte: Pte::NONE,
                wrong: MIXED,
                retries: 0,
                at,
            });
        }
        assert_eq!(s.torn, 1000);
        assert_eq!(s.samples.kept().len(), MAX_SAMPLES);
        assert_eq!(s.first_torn, Some(Duration::ZERO));
    }

    #[test]
    fn large_counts_are_exact() {
        let mut s = ReaderStats::new(0);
        let counts = [256u32, 257, 1000, 1000, 4096, 123_456, u32::MAX];
        s.reads = counts.len() as u64;
        for &r in &counts {
            s.record_retries(r);
        }
        let h = s.retry_counts();
        assert_eq!(
            h,
            vec![
                (256, 1),
                (257, 1),
                (1000, 2),
                (4096, 1),
                (123_456, 1),
                (u64::from(u32::MAX), 1)
            ]
        );
        let sum: u64 = h.iter().map(|&(r, n)| r * n).sum();
        assert_eq!(sum, s.retries);
        assert_eq!(s.max_retries(), u32::MAX);
        assert_eq!(s.inexact_retry_reads(), 0);
    }

    #[test]
    fn a_full_table_puts_new_counts_in_power_of_two_buckets() {
        let mut s = ReaderStats::new(0);
        for r in 0..RARE_RETRY_SLOTS as u32 {
            s.record_retries(1000 + r);
        }
        s.record_retries(1000); // known: still exact
        s.record_retries(5000); // new, table full: bucket 4096
        s.reads = RARE_RETRY_SLOTS as u64 + 2;
        assert_eq!(s.inexact_retry_reads(), 1);
        let h = s.retry_counts();
        assert!(h.contains(&(1000, 2)) && h.contains(&(4096, 1)), "{h:?}");
        assert_eq!(h.iter().map(|c| c.1).sum::<u64>(), s.reads);
        assert_eq!(s.max_retries(), 5000);
    }

    const MIXED: Wrong = Wrong {
        class: WrongClass::Mixed,
        consequences: Consequences(Consequences::NX_LOST | Consequences::WRONG_PAGE),
        family: ValueFamily::Swap,
    };

    #[test]
    fn publishing_copies_everything() {
        let mut s = ReaderStats::new(0);
        s.reads = 10;
        s.record_retries(300);
        s.record_torn(TornSample {
            reader: 1,
            pair: 2,
            pte: Pte::NONE,
            wrong: MIXED,
            retries: 3,
            at: Duration::ZERO,
        });
        let mut d = ReaderStats::new(0);
        s.publish_into(&mut d);
        assert_eq!(d.retry_counts(), s.retry_counts());
        assert_eq!(d.samples.kept().len(), 1);
        assert_eq!(d.torn, 1);
        assert_eq!((d.mixed, d.transient), (1, 0));
        assert_eq!(d.consequences, [1, 0, 1, 0, 0, 0]);
        assert_eq!(d.families, [0, 0, 1, 0]);
    }
}
