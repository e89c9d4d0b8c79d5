//! `ptear hunt`: searches the knobs the user did not fix for the highest
//! rate of torn reads on this machine, within a time budget.
//!
//! The search, seeded: successive halving over a shuffled coarse grid
//! (three rounds, each keeping the best third and running it longer), then
//! a greedy local refinement around the best point (gaps times and divided
//! by 3, then by 1.7; pairs, readers, placement), then repeated short runs
//! of the three best, in turn, ranked by those runs alone (by the slowest
//! of each one's runs: the command printed should tear fast every time it
//! is pasted, not on average; qemu-mipsel ABA points whose unpinned
//! threads land together or apart alternate 55 and 140 k tears/s), then
//! fresh runs of the winner for its rate and a 95% interval. Each trial is
//! a child `ptear run` (see [`crate::trial`]), scored by `torn / elapsed_s`, ties
//! broken by retries per second (a read that overlapped a write retries:
//! the race window is being hit even before it tears). The seed fixes the
//! grid order and every trial's seed; which points survive depends on what
//! this machine measures.
//!
//! A confirmation run that tore under a quarter of the point's full-speed
//! median while its writer made under 70% of its best cycles/s there is
//! set aside and run again (see [`slowed::split_slowed`]): on a VM the host can
//! take a CPU away for seconds or minutes, which halves the writer and
//! cuts ABA tears 50-2000x (BENCHMARKS.md, "Why the ABA command does not
//! reproduce"). The rate printed is that of the machine a pasted command
//! most likely meets; the runs set aside are kept in the JSON and printed.

pub mod slowed;
pub mod space;

use crate::error::Error;
pub use crate::report::hunt_schema::{
    Found, HuntRecord, HuntResult, RunRate, HUNT_SCHEMA, SLOWED_TEARS, SLOWED_WRITER,
};
use crate::report::stats::per_s;
use crate::report::ConfigRecord;
use crate::trial::{Runner, Trial};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use slowed::{finalist_score, interval, split_slowed};
use space::{Knobs, Space};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The rates of one trial's run.
fn run_rate(t: &Trial) -> RunRate {
    RunRate {
        tears_per_s: t.tears_per_s(),
        writer_cycles_per_s: t.report.totals.writer_cycles_per_s,
    }
}

/// What a hunt searches and how long.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The selftest control hunted, if any.
    pub control: Option<String>,
    /// The options every trial gets.
    pub fixed: Vec<String>,
    /// The knobs searched.
    pub space: Space,
    /// Wall-clock budget.
    pub budget: Duration,
    /// Seed of the grid order and of every trial.
    pub seed: u64,
}

/// Where a hunt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Round r (from 1) of n of the successive halving over the grid.
    Grid(usize, usize),
    /// The hill climb around the best.
    Refine,
    /// The finalists' runs and the winner's.
    Confirm,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Grid(r, n) => write!(f, "grid {r}/{n}"),
            Phase::Refine => f.write_str("refine"),
            Phase::Confirm => f.write_str("confirm"),
        }
    }
}

/// What the progress line shows.
pub struct Status<'a> {
    /// The phase: `grid r/3`, `refine`, `confirm`.
    pub phase: Phase,
    /// Seconds since the hunt started.
    pub elapsed_s: f64,
    /// Trials so far.
    pub trials: u64,
    /// The best rate so far and its knobs.
    pub best: Option<(f64, &'a Knobs)>,
}

/// A point and everything measured there.
struct Candidate {
    knobs: Knobs,
    torn: u64,
    retries: u64,
    elapsed: f64,
    longest: f64,
    runs: Vec<RunRate>,
    run_s: f64,
    config: Option<ConfigRecord>,
}

impl Candidate {
    fn new(knobs: Knobs) -> Candidate {
        Candidate {
            knobs,
            torn: 0,
            retries: 0,
            elapsed: 0.0,
            longest: 0.0,
            runs: Vec::new(),
            run_s: 0.0,
            config: None,
        }
    }

    fn score(&self) -> (f64, f64) {
        (
            per_s(self.torn, self.elapsed),
            per_s(self.retries, self.elapsed),
        )
    }

    fn add(&mut self, t: &Trial) {
        let tot = &t.report.totals;
        self.torn += tot.torn;
        self.retries += tot.retries;
        self.elapsed += tot.elapsed_s;
        self.longest = self.longest.max(tot.elapsed_s);
        self.runs.push(run_rate(t));
        self.run_s = tot.elapsed_s;
        self.config = Some(t.report.config.clone());
    }
}

/// Two scores (a rate, then its tie-breaker) in order: `Greater` is better.
fn by_score(a: (f64, f64), b: (f64, f64)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1))
}

fn better(a: (f64, f64), b: (f64, f64)) -> bool {
    by_score(a, b).is_gt()
}

/// The hunt's state: the runner, the clock, the seeded stream.
struct Hunt<'a> {
    runner: &'a Runner,
    plan: &'a Plan,
    interrupt: &'a AtomicBool,
    start: Instant,
    rng: rand::rngs::SmallRng,
    trials: u64,
    overhead: f64,
    stopped: bool,
    phase: Phase,
    cands: Vec<Candidate>,
}

impl Hunt<'_> {
    fn at(&self, frac: f64) -> Instant {
        self.start + self.plan.budget.mul_f64(frac)
    }

    fn left(&self, until: Instant) -> f64 {
        until
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
    }

    fn best(&self) -> Option<usize> {
        (0..self.cands.len())
            .filter(|&i| !self.cands[i].runs.is_empty())
            .reduce(|a, b| {
                if better(self.cands[b].score(), self.cands[a].score()) {
                    b
                } else {
                    a
                }
            })
    }

    fn index_of(&mut self, k: &Knobs) -> usize {
        match self.cands.iter().position(|c| &c.knobs == k) {
            Some(i) => i,
            None => {
                self.cands.push(Candidate::new(k.clone()));
                self.cands.len() - 1
            }
        }
    }

    fn args(&self, k: &Knobs) -> Vec<String> {
        let mut a = self.plan.fixed.clone();
        a.extend(k.args());
        a
    }

    /// One trial of candidate `i`; its result, or None when stopped.
    fn trial(
        &mut self,
        i: usize,
        secs: f64,
        show: &mut dyn FnMut(&Status),
    ) -> Result<Option<Trial>, Error> {
        if self.stopped || self.interrupt.load(Ordering::Relaxed) {
            self.stopped = true;
            return Ok(None);
        }
        let seed = self.rng.random::<u64>();
        let args = self.args(&self.cands[i].knobs);
        let t = self
            .runner
            .run(&args, Duration::from_secs_f64(secs.max(0.01)), seed)?;
        if t.report.interrupted || self.interrupt.load(Ordering::Relaxed) {
            self.stopped = true;
            return Ok(None);
        }
        self.trials += 1;
        let o = (t.wall_s - t.report.totals.elapsed_s).max(0.0);
        self.overhead = if self.trials == 1 {
            o
        } else {
            0.8 * self.overhead + 0.2 * o
        };
        self.cands[i].add(&t);
        let best = self.best();
        show(&Status {
            phase: self.phase,
            elapsed_s: self.start.elapsed().as_secs_f64(),
            trials: self.trials,
            best: best.map(|b| (self.cands[b].score().0, &self.cands[b].knobs)),
        });
        Ok(Some(t))
    }

    /// Indices of the evaluated candidates among `idx`, best first.
    fn ranked(&self, idx: &[usize]) -> Vec<usize> {
        let mut v: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| !self.cands[i].runs.is_empty())
            .collect();
        v.sort_by(|&a, &b| by_score(self.cands[b].score(), self.cands[a].score()));
        v
    }

    /// The point `i` as found: `runs` its counted runs (`confirmed`: the
    /// confirmation runs, slowed ones set aside; else the search's runs).
    fn found(&self, i: usize, runs: &[RunRate], run_s: f64, confirmed: bool) -> Option<Found> {
        let c = &self.cands[i];
        let config = c.config.clone()?;
        let (runs, set_aside) = if confirmed {
            split_slowed(runs, &c.runs)
        } else {
            (runs.to_vec(), Vec::new())
        };
        let tears: Vec<f64> = runs.iter().map(|r| r.tears_per_s).collect();
        let (mean, iv) = interval(&tears);
        let args = c.knobs.args();
        let mut cmd = vec![self.runner.program().to_owned(), "run".into()];
        cmd.extend(self.args(&c.knobs));
        cmd.push("-d".into());
        cmd.push(format!("{}s", (run_s.max(1.0) * 10.0).round() / 10.0));
        cmd.push("--seed".into());
        cmd.push(config.seed.to_string());
        Some(Found {
            command: cmd.join(" "),
            args,
            tears_per_s: mean,
            interval: iv,
            writer_cycles_per_s: runs.iter().map(|r| r.writer_cycles_per_s).collect(),
            runs: tears,
            set_aside,
            run_s,
            confirmed,
            config,
        })
    }
}

/// Budget shares: the grid rounds end at 25%, 42% and 55% of the budget,
/// the refinement at 70%; the rest confirms the top three.
const ROUND_ENDS: [f64; 3] = [0.25, 0.42, 0.55];
const REFINE_END: f64 = 0.70;
/// Finalists confirmed, runs of each that choose the winner, and the
/// winner's fresh runs that give its rate.
const CONFIRM_TOP: usize = 3;
const SELECT_ROUNDS: usize = 2;
const WINNER_RUNS: usize = 4;
/// Runs of the winner beyond `WINNER_RUNS` that replace slowed ones.
const SPARE_RUNS: usize = 2;
/// The shortest confirmation run.
const MIN_CONFIRM_S: f64 = 0.2;
/// The shortest trial of the first round.
const MIN_TRIAL_S: f64 = 0.05;

/// A finalist of the confirm phase: its candidate, the rates of its runs
/// in this phase, and their length.
struct Finalist {
    cand: usize,
    runs: Vec<RunRate>,
    run_s: f64,
}

/// Runs one hunt. `show` gets the progress after every trial. On SIGINT
/// (`interrupt`) it stops and returns the best so far.
pub fn hunt(
    runner: &Runner,
    plan: &Plan,
    interrupt: &AtomicBool,
    show: &mut dyn FnMut(&Status),
) -> Result<HuntResult, Error> {
    let mut grid = plan.space.grid();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(plan.seed);
    grid.shuffle(&mut rng);
    let mut h = Hunt {
        runner,
        plan,
        interrupt,
        start: Instant::now(),
        rng,
        trials: 0,
        overhead: 0.0,
        stopped: false,
        phase: Phase::Grid(1, ROUND_ENDS.len()),
        cands: grid.into_iter().map(Candidate::new).collect(),
    };
    let secs = h.halve(show)?;
    h.refine(secs, show)?;
    let (ranked, mut found) = h.confirm(secs, show)?;
    // Interrupted, or the rest: what the search measured.
    for &i in &ranked {
        if found.len() > CONFIRM_TOP || found.iter().any(|f| f.args == h.cands[i].knobs.args()) {
            continue;
        }
        found.extend(h.found(i, &h.cands[i].runs, h.cands[i].run_s, false));
    }
    let mut found = found.into_iter();
    let best = found.next();
    let runners_up = found.take(CONFIRM_TOP).collect();
    Ok(HuntResult {
        control: plan.control.clone(),
        fixed: plan.fixed.clone(),
        trials: h.trials,
        elapsed_s: h.start.elapsed().as_secs_f64(),
        best,
        runners_up,
    })
}

impl Hunt<'_> {
    /// Successive halving over the grid; the trial length it ended with.
    fn halve(&mut self, show: &mut dyn FnMut(&Status)) -> Result<f64, Error> {
        let h = self;
        let mut alive: Vec<usize> = (0..h.cands.len()).collect();
        let mut secs = MIN_TRIAL_S;
        for (r, &end) in ROUND_ENDS.iter().enumerate() {
            h.phase = Phase::Grid(r + 1, ROUND_ENDS.len());
            let end = h.at(end);
            if r > 0 {
                secs = (h.left(end) / alive.len() as f64 - h.overhead)
                    .max(secs)
                    .min(5.0);
            }
            for (n, &i) in alive.clone().iter().enumerate() {
                if n > 0 && Instant::now() >= end {
                    break;
                }
                if h.trial(i, secs, show)?.is_none() {
                    break;
                }
                if r == 0 && n == 0 {
                    // The first trial measured the start-up cost: fit the rest.
                    secs = (h.left(end) / (alive.len() - 1).max(1) as f64 - h.overhead)
                        .clamp(MIN_TRIAL_S, 1.0);
                }
            }
            if h.stopped {
                break;
            }
            let ranked = h.ranked(&alive);
            let keep = ranked.len().div_ceil(3).max(2).min(ranked.len());
            alive = ranked[..keep].to_vec();
            if alive.len() <= 1 {
                break;
            }
        }
        Ok(secs)
    }

    /// Local refinement around the best: a hill climb with a shrinking step.
    fn refine(&mut self, secs: f64, show: &mut dyn FnMut(&Status)) -> Result<(), Error> {
        let h = self;
        h.phase = Phase::Refine;
        let refine_end = h.at(REFINE_END);
        let mut step = 3.0;
        let (false, Some(mut inc)) = (h.stopped, h.best()) else {
            return Ok(());
        };
        while step > 1.3 {
            let mut improved = false;
            for k in h.plan.space.neighbours(&h.cands[inc].knobs.clone(), step) {
                if Instant::now() + Duration::from_secs_f64(secs + h.overhead) > refine_end {
                    return Ok(());
                }
                let j = h.index_of(&k);
                if h.cands[j].longest >= secs * 0.9 {
                    continue;
                }
                if h.trial(j, secs, show)?.is_none() {
                    return Ok(());
                }
                if better(h.cands[j].score(), h.cands[inc].score()) {
                    // Once more each before moving: one short run may be luck.
                    if h.trial(j, secs, show)?.is_none() || h.trial(inc, secs, show)?.is_none() {
                        return Ok(());
                    }
                    if better(h.cands[j].score(), h.cands[inc].score()) {
                        inc = j;
                        improved = true;
                        break;
                    }
                }
            }
            if !improved {
                step = step.sqrt();
            }
        }
        Ok(())
    }

    /// The finalists (points run at the last length, `secs`), ranked; the
    /// top ones run in turn and the winner confirmed: the ranking and what
    /// was found.
    fn confirm(
        &mut self,
        secs: f64,
        show: &mut dyn FnMut(&Status),
    ) -> Result<(Vec<usize>, Vec<Found>), Error> {
        let h = self;
        let finalists: Vec<usize> = (0..h.cands.len())
            .filter(|&i| h.cands[i].longest >= secs * 0.9)
            .collect();
        let mut ranked = h.ranked(&finalists);
        if ranked.is_empty() {
            ranked = h.ranked(&(0..h.cands.len()).collect::<Vec<_>>());
        }
        // The top finalists, run in turn (so a burst of load elsewhere hits
        // them all) and ranked by these runs alone, slowest run first, then
        // mean (slowed runs set aside); then the winner's rate from fresh
        // runs, not those that chose it (the best of three noisy means is
        // biased upwards). On a small budget, fewer finalists (one: no
        // choice to make).
        h.phase = Phase::Confirm;
        let end = h.at(1.0);
        let slots =
            |n: usize| (if n > 1 { SELECT_ROUNDS * n } else { 0 }) + WINNER_RUNS + SPARE_RUNS;
        let mut n_top = ranked.len().min(CONFIRM_TOP);
        while n_top > 1 && h.left(end) < slots(n_top) as f64 * (MIN_CONFIRM_S + h.overhead) {
            n_top -= 1;
        }
        let mut confirm: Vec<Finalist> = ranked
            .iter()
            .take(n_top)
            .map(|&cand| Finalist {
                cand,
                runs: Vec::new(),
                run_s: 0.0,
            })
            .collect();
        let per = (h.left(end) / slots(n_top) as f64 - h.overhead).clamp(MIN_CONFIRM_S, 3.0);
        let rounds = if n_top > 1 { SELECT_ROUNDS } else { 0 };
        'select: for _ in 0..rounds {
            for c in confirm.iter_mut() {
                match h.trial(c.cand, per, show)? {
                    Some(t) => {
                        c.runs.push(run_rate(&t));
                        c.run_s = t.report.totals.elapsed_s;
                    }
                    None => break 'select,
                }
            }
        }
        let mut found: Vec<Found> = Vec::new();
        if h.stopped || (rounds > 0 && confirm.iter().any(|c| c.runs.is_empty())) {
            return Ok((ranked, found));
        }
        let score = |c: &Finalist| finalist_score(&c.runs, &h.cands[c.cand].runs);
        confirm.sort_by(|a, b| by_score(score(b), score(a)));
        let w = confirm[0].cand;
        let mut runs = Vec::new();
        let mut run_s = per;
        // WINNER_RUNS runs not slowed, or all the spare ones spent.
        while runs.len() < WINNER_RUNS + SPARE_RUNS
            && split_slowed(&runs, &h.cands[w].runs).0.len() < WINNER_RUNS
        {
            match h.trial(w, per, show)? {
                Some(t) => {
                    runs.push(run_rate(&t));
                    run_s = t.report.totals.elapsed_s;
                }
                None => break,
            }
        }
        if runs.len() >= 2 {
            confirm[0].runs = runs;
            confirm[0].run_s = run_s;
            for c in &confirm {
                found.extend(h.found(c.cand, &c.runs, c.run_s, true));
            }
        }
        Ok((ranked, found))
    }
}
