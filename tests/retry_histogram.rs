//! Retry counts are exact, however large. Real threads rarely produce reads
//! with thousands of retries (on the 2-CPU AMD EPYC VM of this project the
//! documented writer at 270 M cycles/s and a 5000-spin reader gap gave a
//! largest count of 37), so this test makes them on purpose: it runs the
//! engine's own hammer loop (`engine::hammer::reader`, ptep_get_lockless,
//! the real ReaderStats) with a reader that stalls between loading the
//! high half and re-checking the low half, and during each stall the
//! writer clears and re-installs the entry with the kernel's own sequences
//! (pte_clear, set_pte): the re-check fails, the read goes round again. A
//! schedule says how many stalls each read suffers, so every read's retry
//! count is known and the report's histogram must equal it exactly.
//! (c/test.sh does the same for the C port.)

use ptear::arch::Kernel;
use ptear::config::RunConfig;
use ptear::engine::hammer::{reader, PairOrder, ReaderCtx};
use ptear::engine::mailbox::Mailbox;
use ptear::engine::stats::{ReaderStats, RARE_RETRY_SLOTS};
use ptear::engine::Measurement;
use ptear::pte::read::Lockless;
use ptear::pte::write::{pte_clear, set_pte};
use ptear::pte::{Encoding, Gap, LayoutKind, NoGap, Pair, State};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// The reader's gap: on the second gap of an attempt (after the high
/// load), the writer runs one clear + install while the reader is stalled,
/// as long as the schedule wants more retries for this read.
struct StallWhileWriterRuns<'a> {
    pair: &'a Pair,
    enc: Encoding,
    k: State,
    schedule: &'a [u32],
    read: usize,
    attempt: u32,
    after_high: bool,
}

impl Gap for StallWhileWriterRuns<'_> {
    const SLOW: bool = true;
    fn gap(&mut self) {
        // ptep_get_lockless calls the gap after the low load, then after
        // the high load: act on the second call of each attempt.
        self.after_high = !self.after_high;
        if !self.after_high {
            return;
        }
        if self.attempt < self.schedule[self.read] {
            self.k = self.enc.next(self.k);
            pte_clear::<_, Kernel, _>(self.pair, &mut NoGap);
            set_pte::<_, Kernel, _>(self.pair, self.enc.entry(self.k), &mut NoGap);
            self.attempt += 1;
        } else {
            // The re-check will pass: this read is done.
            self.read += 1;
            self.attempt = 0;
        }
    }
}

/// Runs one reader through `schedule` and returns its stats.
fn hammer(schedule: &[u32]) -> ReaderStats {
    let enc = Encoding::new(LayoutKind::X86Pae, 1 << 20, false).unwrap();
    let pair = Pair::default();
    set_pte::<_, Kernel, _>(&pair, enc.entry(enc.first()), &mut NoGap);
    let (stop, mailbox) = (AtomicBool::new(false), Mailbox::new(ReaderStats::new(0)));
    let ctx = ReaderCtx {
        index: 0,
        pairs: std::slice::from_ref(&pair),
        side: &[],
        encoding: enc,
        order: PairOrder::new(1, 1),
        quota: schedule.len() as u64,
        stop: &stop,
        start: Instant::now(),
        mailbox: &mailbox,
        samples_seed: 1,
    };
    let mut gap = StallWhileWriterRuns {
        pair: &pair,
        enc,
        k: enc.first(),
        schedule,
        read: 0,
        attempt: 0,
        // Flipped before each look: the first call (after the low load)
        // makes it false, the second (after the high load) true.
        after_high: true,
    };
    let s = reader::<Lockless, Kernel, _>(ctx, &mut gap);
    assert_eq!(gap.read, schedule.len(), "every scheduled read was made");
    s
}

fn report_of(s: ReaderStats) -> ptear::report::Report {
    let mut cfg = RunConfig::new(1);
    cfg.readers = 1;
    let cfg = cfg.check().unwrap();
    let m = Measurement {
        elapsed: Duration::from_secs(1),
        readers: vec![s],
        writers: vec![Default::default()],
        placement: vec![],
        interrupted: false,
        complete: true,
    };
    ptear::report::build(&cfg, &Default::default(), &ptear::host::detect(), &m)
}

#[test]
fn reads_with_thousands_of_retries_are_counted_exactly() {
    let mut schedule = vec![0u32; 100];
    schedule.extend([1, 255, 256, 1000, 1000, 1000, 1001, 4096, 70_000, 3]);
    let r = report_of(hammer(&schedule));

    let mut want = BTreeMap::<u64, u64>::new();
    for &n in &schedule {
        *want.entry(u64::from(n)).or_default() += 1;
    }
    let got: BTreeMap<u64, u64> = r
        .retry_histogram
        .iter()
        .map(|b| (b.retries, b.count))
        .collect();
    assert_eq!(got, want);
    let sum: u64 = r.retry_histogram.iter().map(|b| b.retries * b.count).sum();
    assert_eq!(sum, r.totals.retries);
    assert_eq!(
        r.totals.retries,
        schedule.iter().map(|&n| u64::from(n)).sum::<u64>()
    );
    assert!(r.retry_histogram.iter().any(|b| b.retries >= 1000));
    assert_eq!(r.totals.reads, schedule.len() as u64);
    assert_eq!(r.totals.inexact_retry_reads, 0);
    assert_eq!(r.retry_percentiles.max, 70_000);
    assert_eq!(r.retry_percentiles.p50, 0);
    assert_eq!(r.retry_percentiles.p99, 4096);
}

#[test]
fn more_distinct_large_counts_than_slots_are_flagged_inexact() {
    // RARE_RETRY_SLOTS + 6 distinct counts from 300 up: the last 6 are new
    // when the table is full and stand at their power of two.
    let schedule: Vec<u32> = (0..RARE_RETRY_SLOTS as u32 + 6).map(|i| 300 + i).collect();
    let r = report_of(hammer(&schedule));
    assert_eq!(r.totals.inexact_retry_reads, 6);
    assert_eq!(r.totals.reads, schedule.len() as u64);
    let counted: u64 = r.retry_histogram.iter().map(|b| b.count).sum();
    assert_eq!(counted, r.totals.reads, "counts still sum to reads");
    let last = 300 + RARE_RETRY_SLOTS as u64 + 5;
    assert_eq!(r.retry_percentiles.max, last, "the max stays exact");
    // totals.retries stays exact; the histogram's sum is lower by what the
    // 6 inexact reads lost to their power of two (1024).
    let sum: u64 = r.retry_histogram.iter().map(|b| b.retries * b.count).sum();
    let lost: u64 = (last - 5..=last).map(|v| v - 1024).sum();
    assert_eq!(sum + lost, r.totals.retries);
}
