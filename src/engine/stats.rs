//! What a reader counts. The hot loop touches only plain fields of its own
//! `ReaderStats`; the retry histogram is a small array of exact counts, and
//! hdrhistogram is fed from it off the hot path.

use crate::pte::Pte;
use hdrhistogram::Histogram;
use std::time::Duration;

/// Retry counts below this are counted exactly in an array; larger ones
/// (rare: the writer changed the entry this many times during one read) go
/// to a cold path into a small hdrhistogram.
pub const EXACT_RETRIES: usize = 256;
/// Torn reads kept in full per reader (and in the report).
pub const MAX_SAMPLES: usize = 64;

#[derive(Clone, Copy, Debug)]
pub struct TornSample {
    pub reader: usize,
    pub pair: usize,
    pub pte: Pte,
    pub retries: u32,
    pub at: Duration,
}

#[derive(Clone)]
pub struct ReaderStats {
    pub reads: u64,
    pub torn: u64,
    pub not_present: u64,
    pub retries: u64,
    /// Largest retry count that went to `rare` (the exact ones are in
    /// `retried`); see `max_retries()` for the largest of all.
    pub rare_max: u32,
    /// `retried[r]` = reads that needed exactly r >= 1 retries; reads with
    /// no retry are `reads` minus the rest, so the common case costs nothing.
    pub retried: [u64; EXACT_RETRIES],
    pub rare: Histogram<u64>,
    pub first_torn: Option<Duration>,
    pub samples: Vec<TornSample>,
}

impl ReaderStats {
    pub fn new() -> ReaderStats {
        ReaderStats {
            reads: 0,
            torn: 0,
            not_present: 0,
            retries: 0,
            rare_max: 0,
            retried: [0; EXACT_RETRIES],
            // 2 significant digits keeps it ~25 KiB; values this large are
            // reported to within 1%.
            rare: Histogram::new_with_bounds(1, u64::from(u32::MAX), 2).expect("static bounds"),
            first_torn: None,
            samples: Vec::with_capacity(MAX_SAMPLES),
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
        self.rare.saturating_record(u64::from(r));
        self.rare_max = self.rare_max.max(r);
    }

    #[cold]
    #[inline(never)]
    pub fn record_torn(&mut self, sample: TornSample) {
        self.torn += 1;
        self.first_torn.get_or_insert(sample.at);
        if self.samples.len() < MAX_SAMPLES {
            self.samples.push(sample);
        }
    }

    /// Copies these counts into the published copy without allocating: the
    /// sample vector keeps its capacity, the rare histogram is copied only
    /// when it changed.
    pub fn publish_into(&self, dst: &mut ReaderStats) {
        dst.reads = self.reads;
        dst.torn = self.torn;
        dst.not_present = self.not_present;
        dst.retries = self.retries;
        dst.rare_max = self.rare_max;
        dst.retried = self.retried;
        dst.first_torn = self.first_torn;
        if dst.samples.len() != self.samples.len() {
            dst.samples.clone_from(&self.samples);
        }
        if dst.rare.len() != self.rare.len() {
            dst.rare.reset();
            dst.rare.add(&self.rare).expect("same bounds");
        }
    }

    /// Exact count of reads per retry count, ascending, zero counts left out.
    pub fn retry_counts(&self) -> Vec<(u64, u64)> {
        let retried: u64 = self.retried.iter().sum::<u64>() + self.rare.len();
        let mut out = vec![(0, self.reads.saturating_sub(retried))];
        out.extend((1..EXACT_RETRIES).map(|r| (r as u64, self.retried[r])));
        out.extend(
            self.rare
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value())),
        );
        out.retain(|&(_, n)| n > 0);
        out
    }

    /// Largest retry count of any read.
    pub fn max_retries(&self) -> u32 {
        let exact = (1..EXACT_RETRIES)
            .rev()
            .find(|&r| self.retried[r] > 0)
            .unwrap_or(0) as u32;
        exact.max(self.rare_max)
    }
}

impl Default for ReaderStats {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_counts_sum_to_reads() {
        let mut s = ReaderStats::new();
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

    #[test]
    fn samples_are_capped() {
        let mut s = ReaderStats::new();
        for i in 0..1000 {
            let at = Duration::from_micros(i);
            s.record_torn(TornSample {
                reader: 0,
                pair: 0,
                pte: Pte::NONE,
                retries: 0,
                at,
            });
        }
        assert_eq!(s.torn, 1000);
        assert_eq!(s.samples.len(), MAX_SAMPLES);
        assert_eq!(s.first_torn, Some(Duration::ZERO));
    }

    #[test]
    fn publishing_copies_everything() {
        let mut s = ReaderStats::new();
        s.reads = 10;
        s.record_retries(300);
        s.record_torn(TornSample {
            reader: 1,
            pair: 2,
            pte: Pte::NONE,
            retries: 3,
            at: Duration::ZERO,
        });
        let mut d = ReaderStats::new();
        s.publish_into(&mut d);
        assert_eq!(d.retry_counts(), s.retry_counts());
        assert_eq!(d.samples.len(), 1);
        assert_eq!(d.torn, 1);
    }
}
