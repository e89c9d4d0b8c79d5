//! What a read costs in time: one read in [`Clock::every`] is timed and
//! recorded in an HdrHistogram (log-linear buckets, 3 significant figures,
//! in ns). Retries are counts; a kernel developer weighing a fix also
//! wants the time `ptep_get_lockless` takes and its tail (for GUP-fast,
//! which runs with interrupts off, how long they stay off).
//!
//! Only the read protocol is inside the interval: its loads, barriers,
//! retries, and the reader gap. Pair choice and classification are not.
//! The clock's own cost (about 20-40 cycles for `lfence; rdtsc`, a vDSO or
//! emulated system call for clock_gettime) is part of every sample: the
//! smallest values say what it is. The C port (c/latency.c) records into
//! the same buckets and reports the same quantiles; tests/c_port.rs feeds
//! both the same values.

use hdrhistogram::Histogram;
use std::sync::OnceLock;

/// Lowest and highest value the histogram tells apart (ns): from 1 ns to
/// a minute (a read paused by a stopped vCPU); larger values count as a
/// minute.
pub const LOWEST_NS: u64 = 1;
/// See [`LOWEST_NS`].
pub const HIGHEST_NS: u64 = 60_000_000_000;
/// Significant figures of every recorded value.
pub const SIGFIG: u8 = 3;

/// The clock timed reads use, resolved once per process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clock {
    /// x86's TSC (`lfence; rdtsc`), ns per tick calibrated against
    /// CLOCK_MONOTONIC.
    Tsc {
        /// Nanoseconds per TSC tick.
        ns_per_tick: f64,
    },
    /// clock_gettime(CLOCK_MONOTONIC), in ns.
    Monotonic,
}

impl Clock {
    /// This build's clock: the TSC on x86, clock_gettime elsewhere.
    pub fn get() -> Clock {
        static CLOCK: OnceLock<Clock> = OnceLock::new();
        *CLOCK.get_or_init(|| {
            if cfg!(any(target_arch = "x86", target_arch = "x86_64")) {
                Clock::Tsc {
                    ns_per_tick: calibrate(),
                }
            } else {
                Clock::Monotonic
            }
        })
    }

    /// Its name in reports: `rdtsc` or `clock_gettime`.
    pub fn name(self) -> &'static str {
        match self {
            Clock::Tsc { .. } => "rdtsc",
            Clock::Monotonic => "clock_gettime",
        }
    }

    /// One read in this many is timed. Chosen so that timing costs the
    /// hammer's reads/s under 2% (measured: BENCHMARKS.md, "What a read
    /// costs"): a TSC read costs a few ns, a clock_gettime one a vDSO call
    /// (natively) or a system call (under qemu-user).
    pub fn every(self) -> u64 {
        match self {
            Clock::Tsc { .. } => 1024,
            Clock::Monotonic => 4096,
        }
    }

    /// The clock now, in its own unit; with the TSC, ordered with the
    /// instructions around it.
    #[inline(always)]
    pub fn now(self) -> u64 {
        match self {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Clock::Tsc { .. } => crate::arch::rdtsc_ordered(),
            _ => monotonic_ns(),
        }
    }

    /// `t1 - t0` in ns.
    pub fn ns(self, t0: u64, t1: u64) -> u64 {
        let d = t1.saturating_sub(t0);
        match self {
            Clock::Tsc { ns_per_tick } => (d as f64 * ns_per_tick).round() as u64,
            Clock::Monotonic => d,
        }
    }
}

/// CLOCK_MONOTONIC in ns.
fn monotonic_ns() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// Nanoseconds per TSC tick: TSC and CLOCK_MONOTONIC read together, then
/// again after 5 ms of spinning. The kernel knows the TSC's frequency but
/// does not tell user space on every kernel (no sysfs file for it); 5 ms
/// give the ratio to about 1e-5 (each clock_gettime is tens of ns).
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn calibrate() -> f64 {
    let (t0, c0) = (monotonic_ns(), crate::arch::rdtsc_ordered());
    let mut t1 = t0;
    while t1 - t0 < 5_000_000 {
        t1 = monotonic_ns();
    }
    let c1 = crate::arch::rdtsc_ordered();
    if c1 > c0 {
        (t1 - t0) as f64 / (c1 - c0) as f64
    } else {
        1.0
    }
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn calibrate() -> f64 {
    1.0
}

/// One reader's timed reads, or several readers' merged.
#[derive(Clone, Debug)]
pub struct ReadLatency {
    hist: Histogram<u64>,
}

impl Default for ReadLatency {
    fn default() -> Self {
        Self::new()
    }
}

/// The quantiles a report gives, in ns (all 0 without samples).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LatencySummary {
    /// Timed reads.
    pub samples: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest (the highest value its bucket stands for).
    pub max: u64,
}

impl ReadLatency {
    /// Empty; allocates every bucket now (about 220 KiB), none later.
    pub fn new() -> ReadLatency {
        ReadLatency {
            hist: Histogram::new_with_bounds(LOWEST_NS, HIGHEST_NS, SIGFIG)
                .expect("constant bounds are valid"),
        }
    }

    /// Records one timed read of `ns` (above HIGHEST_NS: as HIGHEST_NS).
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.hist.saturating_record(ns);
    }

    /// Timed reads recorded.
    pub fn samples(&self) -> u64 {
        self.hist.len()
    }

    /// Adds `other`'s samples (same bounds: no allocation).
    pub fn add(&mut self, other: &ReadLatency) {
        self.hist
            .add(&other.hist)
            .expect("histograms of the same bounds add");
    }

    /// Makes this a copy of `src` without allocating.
    pub fn copy_from(&mut self, src: &ReadLatency) {
        self.hist.reset();
        self.add(src);
    }

    /// p50, p90, p99, p99.9 and max: HdrHistogram's `value_at_quantile`
    /// (the highest value of the bucket where the count reaches
    /// ceil(q x samples)) and `max`.
    pub fn summary(&self) -> LatencySummary {
        if self.hist.is_empty() {
            return LatencySummary::default();
        }
        let q = |q| self.hist.value_at_quantile(q);
        LatencySummary {
            samples: self.hist.len(),
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            max: self.hist.max(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_three_significant_figures() {
        let mut l = ReadLatency::new();
        for v in 1..=10_000u64 {
            l.record(v);
        }
        let s = l.summary();
        assert_eq!(s.samples, 10_000);
        for (got, want) in [(s.p50, 5000), (s.p90, 9000), (s.p99, 9900), (s.p999, 9990)] {
            assert!(
                got >= want && got - want <= want / 1000 + 1,
                "{got} vs {want}"
            );
        }
        assert!(s.max >= 10_000 && s.max <= 10_010, "{}", s.max);
    }

    #[test]
    fn merging_is_adding() {
        let (mut a, mut b, mut both) = (ReadLatency::new(), ReadLatency::new(), ReadLatency::new());
        for v in [3u64, 50, 700, 9_000, 120_000] {
            a.record(v);
            both.record(v);
        }
        for v in [1u64, 2, 80_000_000, 70_000_000_000] {
            b.record(v);
            both.record(v);
        }
        a.add(&b);
        assert_eq!(a.summary(), both.summary());
        let mut c = ReadLatency::new();
        c.copy_from(&a);
        assert_eq!(c.summary(), a.summary());
        assert_eq!(ReadLatency::new().summary(), LatencySummary::default());
    }

    #[test]
    fn the_clock_runs_forward() {
        let c = Clock::get();
        let t0 = c.now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let ns = c.ns(t0, c.now());
        assert!((1_500_000..200_000_000).contains(&ns), "{ns} ns for 2 ms");
    }
}
