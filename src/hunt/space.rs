//! The knobs a hunt searches: placement, writer gap, reader gap, pairs,
//! readers. A knob the user fixed on the command line has one value,
//! `Given`/`None`, and is passed through unchanged.

use crate::knob::Knob;
/// Where trials run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pin {
    /// `--cpus` was given: the fixed options carry it.
    Given,
    /// No `--cpus`: the scheduler places threads.
    Unpinned,
    /// `--cpus LIST`.
    Cpus(Vec<usize>),
}

/// One point of the search space. `None`: fixed by the user.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Knobs {
    /// Placement.
    pub pin: Pin,
    /// `--writer-gap`.
    pub writer_gap: Option<u32>,
    /// `--reader-gap`.
    pub reader_gap: Option<u32>,
    /// `--pairs`.
    pub pairs: Option<u64>,
    /// `--readers`.
    pub readers: Option<u64>,
}

impl Knobs {
    /// The `ptear run` options for the knobs that are searched.
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if let Pin::Cpus(c) = &self.pin {
            a.push("--cpus".into());
            a.push(crate::affinity::format_cpu_list(c));
        }
        let mut opt = |k: Knob, v: Option<u64>| {
            if let Some(v) = v {
                a.push(k.flag());
                a.push(v.to_string());
            }
        };
        opt(Knob::WriterGap, self.writer_gap.map(u64::from));
        opt(Knob::ReaderGap, self.reader_gap.map(u64::from));
        opt(Knob::Pairs, self.pairs);
        opt(Knob::Readers, self.readers);
        a
    }

    /// A short description for the progress line.
    pub fn short(&self) -> String {
        let a = self.args();
        if a.is_empty() {
            "as given".into()
        } else {
            a.join(" ")
        }
    }
}

/// The values each knob may take on the coarse grid.
#[derive(Clone, Debug)]
pub struct Space {
    /// Placements.
    pub pin: Vec<Pin>,
    /// Writer gaps (`[None]` when fixed).
    pub writer_gap: Vec<Option<u32>>,
    /// Reader gaps (`[None]` when fixed).
    pub reader_gap: Vec<Option<u32>>,
    /// Pair counts (`[None]` when fixed).
    pub pairs: Vec<Option<u64>>,
    /// Reader counts (`[None]` when fixed).
    pub readers: Vec<Option<u64>>,
    /// The largest reader count a refinement may try.
    pub max_readers: u64,
}

/// The coarse levels of a gap: spin iterations, roughly log-spaced.
pub const GAP_LEVELS: [u32; 4] = [0, 50, 300, 2000];
/// The coarse levels of `--pairs`.
pub const PAIR_LEVELS: [u64; 2] = [1, 8];

impl Space {
    /// The space for `cpus` usable CPUs, with the given knobs fixed.
    pub fn new(
        cpus: &[usize],
        pin_given: bool,
        writer_gap: bool,
        reader_gap: bool,
        pairs: bool,
        readers: bool,
    ) -> Space {
        let gaps = |fixed: bool| {
            if fixed {
                vec![None]
            } else {
                GAP_LEVELS.iter().map(|&g| Some(g)).collect()
            }
        };
        let n = cpus.len().max(1) as u64;
        let pin = if pin_given {
            vec![Pin::Given]
        } else if cpus.len() >= 2 {
            vec![Pin::Unpinned, Pin::Cpus(cpus[..2].to_vec())]
        } else {
            vec![Pin::Unpinned]
        };
        let mut reader_levels = vec![1, (n - 1).max(2).min(n.max(1))];
        reader_levels.dedup();
        Space {
            pin,
            writer_gap: gaps(writer_gap),
            reader_gap: gaps(reader_gap),
            pairs: if pairs {
                vec![None]
            } else {
                PAIR_LEVELS.iter().map(|&p| Some(p)).collect()
            },
            readers: if readers {
                vec![None]
            } else {
                reader_levels.into_iter().map(Some).collect()
            },
            max_readers: n.max(2),
        }
    }

    /// Every point of the coarse grid.
    pub fn grid(&self) -> Vec<Knobs> {
        let mut out = Vec::new();
        for pin in &self.pin {
            for &writer_gap in &self.writer_gap {
                for &reader_gap in &self.reader_gap {
                    for &pairs in &self.pairs {
                        for &readers in &self.readers {
                            out.push(Knobs {
                                pin: pin.clone(),
                                writer_gap,
                                reader_gap,
                                pairs,
                                readers,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// The points next to `k` for a local refinement: each free gap times
    /// and divided by `step`, pairs times and divided by 4, one reader more
    /// or fewer, the other placement.
    pub fn neighbours(&self, k: &Knobs, step: f64) -> Vec<Knobs> {
        let mut out = Vec::new();
        let gap_moves = |g: u32| -> Vec<u32> {
            if g == 0 {
                return vec![10];
            }
            let up = ((g as f64 * step).round() as u64).min(crate::config::limits::MAX_GAP) as u32;
            let down = (g as f64 / step).round() as u32;
            let down = if down < 5 { 0 } else { down };
            [up, down].into_iter().filter(|&v| v != g).collect()
        };
        if let Some(g) = k.writer_gap {
            for v in gap_moves(g) {
                out.push(Knobs {
                    writer_gap: Some(v),
                    ..k.clone()
                });
            }
        }
        if let Some(g) = k.reader_gap {
            for v in gap_moves(g) {
                out.push(Knobs {
                    reader_gap: Some(v),
                    ..k.clone()
                });
            }
        }
        if let Some(p) = k.pairs {
            for v in [p * 4, p / 4] {
                if v >= 1 && v != p && v <= 1 << 16 {
                    out.push(Knobs {
                        pairs: Some(v),
                        ..k.clone()
                    });
                }
            }
        }
        if let Some(r) = k.readers {
            for v in [r + 1, r.saturating_sub(1)] {
                if v >= 1 && v != r && v <= self.max_readers {
                    out.push(Knobs {
                        readers: Some(v),
                        ..k.clone()
                    });
                }
            }
        }
        for p in &self.pin {
            if *p != k.pin {
                out.push(Knobs {
                    pin: p.clone(),
                    ..k.clone()
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_knobs_are_not_searched() {
        let s = Space::new(&[0, 1], true, true, false, true, true);
        let g = s.grid();
        assert_eq!(g.len(), GAP_LEVELS.len());
        assert!(g
            .iter()
            .all(|k| k.pin == Pin::Given && k.writer_gap.is_none()));
        assert_eq!(g[1].args(), vec!["--reader-gap", "50"]);
    }

    #[test]
    fn the_full_grid_and_neighbours() {
        let s = Space::new(&[0, 1], false, false, false, false, false);
        let g = s.grid();
        assert_eq!(g.len(), 2 * 4 * 4 * 2 * 2);
        let k = &g[g.len() - 1];
        assert_eq!(k.pin, Pin::Cpus(vec![0, 1]));
        let n = s.neighbours(k, 3.0);
        assert!(n.iter().any(|x| x.writer_gap == Some(6000)));
        assert!(n.iter().any(|x| x.pin == Pin::Unpinned));
        assert!(n.iter().all(|x| x != k));
    }
}
