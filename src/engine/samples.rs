//! Which wrong values a report shows in full: the first few of each kind,
//! then a seeded random sample of the rest (docs/json-schema.md,
//! `torn_samples`). A user wants one example of every kind of wrong value
//! a run saw, not 64 copies of the first: a writer preempted inside one
//! clear's gap makes the first 64 wrong reads one value. Everything here is
//! on the cold path (a wrong read) or after the run; the memory is
//! allocated before the run. The C port's c/samples.c is the same.

use crate::pte::{Pte, Wrong};
use std::time::Duration;

/// Torn reads kept in full per reader, and in the report.
pub const MAX_SAMPLES: usize = 64;
/// Samples of each kind kept as "first of kind" before the rest compete
/// for the reservoir.
pub const KIND_FIRST: usize = 4;
/// Distinct kinds a reader tracks (a kind needs a sample to be shown, and
/// there are MAX_SAMPLES).
const MAX_KINDS: usize = MAX_SAMPLES;

/// One torn read, as the reader saw it.
#[derive(Clone, Copy, Debug)]
pub struct TornSample {
    /// Reader thread index.
    pub reader: usize,
    /// Entry index in the table.
    pub pair: usize,
    /// The value the reader accepted.
    pub pte: Pte,
    /// Its class, consequences and family.
    pub wrong: Wrong,
    /// The read's retries.
    pub retries: u32,
    /// Time since the run started.
    pub at: Duration,
}

/// Why a sample was kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// One of the first KIND_FIRST wrong values of its kind.
    FirstOfKind,
    /// Drawn at random from the wrong values after those.
    Reservoir,
}

impl Chosen {
    /// The report's name.
    pub fn name(self) -> &'static str {
        match self {
            Chosen::FirstOfKind => "first_of_kind",
            Chosen::Reservoir => "reservoir",
        }
    }
}

/// A kept sample and why it was kept.
#[derive(Clone, Copy, Debug)]
pub struct Kept {
    /// The torn read.
    pub sample: TornSample,
    /// Why it was kept.
    pub chosen: Chosen,
    /// Its index among the reader's wrong values (0: the first): "newest"
    /// and the last tie-break of the time order.
    pub nth: u64,
}

/// SplitMix64 as a stream: the same generator as c/samples.c, so a seed
/// means the same draws in both engines.
#[derive(Clone, Copy, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A stream starting at `seed`.
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    /// The next draw.
    pub fn next_u64(&mut self) -> u64 {
        let z = crate::seed::splitmix64(self.0);
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z
    }

    /// A draw in `0..n` (n > 0); the modulo bias is below 2^-40 for the
    /// counts seen here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// A kind a reader has seen.
#[derive(Clone, Copy, Debug)]
struct KindSlot {
    kind: u16,
    /// Values of it offered as a first of kind (at most KIND_FIRST: the
    /// later ones compete for the reservoir even if a first was evicted).
    offered: u8,
    /// Of those, still kept.
    kept: u8,
}

/// One reader's kept samples.
#[derive(Clone, Debug)]
pub struct SampleKeeper {
    kept: Vec<Kept>,
    kinds: Vec<KindSlot>,
    /// Wrong values that were not a first of their kind.
    rest_seen: u64,
    /// Of `kept`, those chosen [`Chosen::Reservoir`]: kept as a count
    /// (c/samples.c's n_res) so that an offer does not walk the 64 slots
    /// to find it.
    reservoir: usize,
    /// Wrong values offered.
    offered: u64,
    rng: SplitMix,
    /// Bumped on every change to `kept`: tells a publisher to copy.
    version: u64,
}

impl SampleKeeper {
    /// Empty, with its memory allocated; `seed` drives the reservoir.
    pub fn new(seed: u64) -> SampleKeeper {
        SampleKeeper {
            kept: Vec::with_capacity(MAX_SAMPLES),
            kinds: Vec::with_capacity(MAX_KINDS),
            rest_seen: 0,
            reservoir: 0,
            offered: 0,
            rng: SplitMix::new(seed),
            version: 0,
        }
    }

    /// The seed of reader `index`'s keeper in a run seeded `seed` (the C
    /// port derives it the same way).
    pub fn reader_seed(seed: u64, index: usize) -> u64 {
        seed ^ (0xa5a5_0000_0000_0000 | index as u64)
    }

    /// A keeper holding what another keeper kept (the kernel module's
    /// c/samples.c, read back from its results), for the report's merge.
    pub fn restore(kept: Vec<Kept>) -> SampleKeeper {
        SampleKeeper {
            offered: kept.iter().map(|k| k.nth + 1).max().unwrap_or(0),
            reservoir: kept
                .iter()
                .filter(|k| k.chosen == Chosen::Reservoir)
                .count(),
            kept,
            kinds: Vec::new(),
            rest_seen: 0,
            rng: SplitMix::new(0),
            version: 1,
        }
    }

    /// The samples kept, in slot order.
    pub fn kept(&self) -> &[Kept] {
        &self.kept
    }

    /// Offers one wrong value with its time (tests, traces).
    pub fn offer(&mut self, sample: TornSample) {
        self.offer_at(sample, || sample.at);
    }

    /// Offers one wrong value (the cold path) whose time is read only if
    /// it is kept: `at` is called then, and the time it gave returned.
    /// Reading the clock on every wrong read took 7% of an x86-64 reader's
    /// time beside a high-first writer (perf: `__vdso_clock_gettime` under
    /// `not_e`), and under qemu-user it is a syscall; c/hammer_internal.h's
    /// reader_wrong reads it only for a kept value too. No allocation:
    /// every vector stays within the capacity reserved by `new`.
    pub fn offer_at(
        &mut self,
        mut sample: TornSample,
        at: impl FnOnce() -> Duration,
    ) -> Option<Duration> {
        let nth = self.offered;
        self.offered += 1;
        let kind = sample.wrong.kind();
        let kind_at = match self.kinds.iter().position(|e| e.kind == kind) {
            Some(i) => Some(i),
            None if self.kinds.len() < MAX_KINDS => {
                self.kinds.push(KindSlot {
                    kind,
                    offered: 0,
                    kept: 0,
                });
                Some(self.kinds.len() - 1)
            }
            None => None,
        };
        let (slot, chosen) = match kind_at {
            Some(i) if usize::from(self.kinds[i].offered) < KIND_FIRST => {
                self.kinds[i].offered += 1;
                (self.first_slot(i)?, Chosen::FirstOfKind)
            }
            _ => (self.rest_slot()?, Chosen::Reservoir),
        };
        sample.at = at();
        let kept = Kept {
            sample,
            chosen,
            nth,
        };
        if chosen == Chosen::Reservoir {
            self.reservoir += 1;
        }
        match self.kept.get_mut(slot) {
            Some(old) => {
                if old.chosen == Chosen::Reservoir {
                    self.reservoir -= 1;
                }
                *old = kept;
            }
            None => self.kept.push(kept),
        }
        self.version += 1;
        Some(sample.at)
    }

    /// Where a first of kind `kind_at` goes: the next free slot, else a
    /// victim's ([`SampleKeeper::victim`]), else nowhere. A slot equal to
    /// `kept.len()` means a push.
    fn first_slot(&mut self, kind_at: usize) -> Option<usize> {
        let slot = if self.kept.len() < MAX_SAMPLES {
            self.kept.len()
        } else {
            let slot = self.victim()?;
            if self.kept[slot].chosen == Chosen::FirstOfKind {
                let k = self.kept[slot].sample.wrong.kind();
                if let Some(e) = self.kinds.iter_mut().find(|e| e.kind == k) {
                    e.kept -= 1;
                }
            }
            slot
        };
        self.kinds[kind_at].kept += 1;
        Some(slot)
    }

    /// The slot a new kind's first sample takes when all are full: a
    /// reservoir sample drawn at random, else the newest sample of the kind
    /// with the most (if it has more than one), else none.
    fn victim(&mut self) -> Option<usize> {
        if self.reservoir > 0 {
            let j = self.rng.below(self.reservoir as u64) as usize;
            return self.nth(Chosen::Reservoir, j);
        }
        let mut most: Option<KindSlot> = None;
        for &e in &self.kinds {
            if e.kept > 1 && most.is_none_or(|m| e.kept > m.kept) {
                most = Some(e);
            }
        }
        let k = most?.kind;
        (0..self.kept.len())
            .filter(|&i| self.kept[i].sample.wrong.kind() == k)
            .max_by_key(|&i| self.kept[i].nth)
    }

    /// Where a value after its kind's firsts goes: the next free slot,
    /// else (reservoir sampling) a random reservoir slot with probability
    /// reservoir / rest_seen, else nowhere.
    fn rest_slot(&mut self) -> Option<usize> {
        self.rest_seen += 1;
        if self.kept.len() < MAX_SAMPLES {
            return Some(self.kept.len());
        }
        if self.reservoir == 0 {
            return None;
        }
        let j = self.rng.below(self.rest_seen);
        if j < self.reservoir as u64 {
            self.nth(Chosen::Reservoir, j as usize)
        } else {
            None
        }
    }

    fn nth(&self, chosen: Chosen, j: usize) -> Option<usize> {
        self.kept
            .iter()
            .enumerate()
            .filter(|(_, e)| e.chosen == chosen)
            .nth(j)
            .map(|(i, _)| i)
    }

    /// Copies into `dst` if anything changed since it was last copied,
    /// without allocating (the vectors keep their capacity).
    pub fn publish_into(&self, dst: &mut SampleKeeper) {
        if dst.version != self.version {
            dst.kept.clone_from(&self.kept);
            dst.kinds.clone_from(&self.kinds);
            dst.rest_seen = self.rest_seen;
            dst.reservoir = self.reservoir;
            dst.offered = self.offered;
            dst.rng = self.rng;
            dst.version = self.version;
        }
    }
}

/// The report's samples from every reader's: the first KIND_FIRST of each
/// kind by time, taken one per kind per round (kinds in the order they were
/// first seen), then a seeded random choice among the others, at most
/// MAX_SAMPLES in all, returned in time order.
pub fn merge<'a>(keepers: impl IntoIterator<Item = &'a SampleKeeper>, seed: u64) -> Vec<Kept> {
    let mut all: Vec<Kept> = keepers
        .into_iter()
        .flat_map(|k| k.kept.iter().copied())
        .collect();
    all.sort_by_key(|e| (e.sample.at, e.sample.reader, e.nth));
    let mut kinds: Vec<u16> = Vec::new();
    for e in &all {
        let k = e.sample.wrong.kind();
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    let mut taken = vec![false; all.len()];
    let mut out = Vec::with_capacity(MAX_SAMPLES);
    'rounds: for round in 0..KIND_FIRST {
        for &k in &kinds {
            let nth = all
                .iter()
                .enumerate()
                .filter(|(_, e)| e.chosen == Chosen::FirstOfKind && e.sample.wrong.kind() == k)
                .nth(round);
            if let Some((i, e)) = nth {
                if out.len() == MAX_SAMPLES {
                    break 'rounds;
                }
                taken[i] = true;
                out.push(*e);
            }
        }
    }
    let mut rest: Vec<Kept> = all
        .iter()
        .zip(&taken)
        .filter(|(_, &t)| !t)
        .map(|(e, _)| *e)
        .collect();
    let mut rng = SplitMix::new(seed ^ 0x5341_4d50_4c45_5300);
    let left = (MAX_SAMPLES - out.len()).min(rest.len());
    for i in 0..left {
        let k = i + rng.below((rest.len() - i) as u64) as usize;
        rest.swap(i, k);
    }
    out.extend_from_slice(&rest[..left]);
    out.sort_by_key(|e| (e.sample.at, e.sample.reader, e.nth));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pte::{Consequences, ValueFamily, WrongClass};

    fn sample(kind: u8, at_us: u64) -> TornSample {
        TornSample {
            reader: 0,
            pair: 0,
            pte: Pte {
                low: u32::from(kind),
                high: 0,
            },
            wrong: Wrong {
                class: WrongClass::Mixed,
                consequences: Consequences(kind),
                family: ValueFamily::Entry,
            },
            retries: 0,
            at: Duration::from_micros(at_us),
        }
    }

    fn kinds_of(kept: &[Kept]) -> Vec<u8> {
        let mut k: Vec<u8> = kept.iter().map(|e| e.sample.wrong.consequences.0).collect();
        k.sort_unstable();
        k.dedup();
        k
    }

    /// The failure this design removes: the first 64 wrong reads all one
    /// value, then another kind: the other kind still has a sample.
    #[test]
    fn one_value_first_does_not_hide_another_kind() {
        let mut s = SampleKeeper::new(1);
        for t in 0..100 {
            s.offer(sample(1, t));
        }
        s.offer(sample(2, 100));
        assert_eq!(s.kept().len(), MAX_SAMPLES);
        assert_eq!(kinds_of(s.kept()), [1, 2]);
        let firsts: Vec<u64> = s
            .kept()
            .iter()
            .filter(|e| e.chosen == Chosen::FirstOfKind && e.sample.wrong.consequences.0 == 1)
            .map(|e| e.sample.at.as_micros() as u64)
            .collect();
        assert_eq!(firsts, [0, 1, 2, 3]);
        let merged = merge([&s], 7);
        assert_eq!(merged.len(), MAX_SAMPLES);
        assert_eq!(kinds_of(&merged), [1, 2]);
        assert!(merged.windows(2).all(|w| w[0].sample.at <= w[1].sample.at));
    }

    #[test]
    fn one_kind_is_four_firsts_and_a_reservoir() {
        let mut s = SampleKeeper::new(3);
        for t in 0..10_000 {
            s.offer(sample(1, t));
        }
        let n = |c| s.kept().iter().filter(|e| e.chosen == c).count();
        assert_eq!(n(Chosen::FirstOfKind), KIND_FIRST);
        assert_eq!(n(Chosen::Reservoir), MAX_SAMPLES - KIND_FIRST);
        // A uniform draw over 9996 values: some come from late in the run.
        assert!(s
            .kept()
            .iter()
            .any(|e| e.chosen == Chosen::Reservoir && e.sample.at.as_micros() > 5000));
    }

    #[test]
    fn many_kinds_each_keep_one() {
        let mut s = SampleKeeper::new(5);
        for t in 0..200 {
            s.offer(sample(1, t));
        }
        // 40 kinds > MAX_SAMPLES / KIND_FIRST: each still gets a sample.
        for k in 2..42u8 {
            for t in 0..6 {
                s.offer(sample(k, 1000 + u64::from(k) * 10 + t));
            }
        }
        assert_eq!(kinds_of(s.kept()).len(), 41);
        assert_eq!(kinds_of(&merge([&s], 1)).len(), 41);
    }

    #[test]
    fn the_same_seed_keeps_the_same_samples() {
        let run = |seed| {
            let mut s = SampleKeeper::new(seed);
            for t in 0..5000 {
                s.offer(sample((t % 3) as u8 + 1, t));
            }
            merge([&s], seed)
                .iter()
                .map(|e| e.sample.at)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }

    #[test]
    fn merge_takes_each_kind_from_every_reader() {
        let mut a = SampleKeeper::new(1);
        let mut b = SampleKeeper::new(2);
        for t in 0..500 {
            a.offer(sample(1, t));
        }
        let mut late = sample(8, 1000);
        late.reader = 1;
        b.offer(late);
        let m = merge([&a, &b], 3);
        assert_eq!(m.len(), MAX_SAMPLES);
        assert_eq!(kinds_of(&m), [1, 8]);
    }

    #[test]
    fn publishing_copies_only_changes() {
        let mut s = SampleKeeper::new(1);
        let mut d = SampleKeeper::new(0);
        s.offer(sample(1, 0));
        s.publish_into(&mut d);
        assert_eq!(d.kept().len(), 1);
        let cap = d.kept.capacity();
        s.offer(sample(1, 1));
        s.publish_into(&mut d);
        assert_eq!((d.kept().len(), d.kept.capacity()), (2, cap));
    }
}
