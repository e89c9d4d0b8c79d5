//! `ptear hunt`'s printed result: one hunt's best and runners-up, and the
//! table of a hunt over the controls, from its `ptear-hunt/1` records.

use super::text::si;
use crate::report::hunt_schema::{Found, HuntResult, SLOWED_TEARS, SLOWED_WRITER};
use std::fmt::Write as _;

/// A rate of torn reads, `1.2 M tears/s`.
pub fn rate(v: f64) -> String {
    format!("{}tears/s", si(v))
}

fn found_line(f: &Found) -> String {
    let mut line = format!(
        "{} [{} .. {}] over {} runs of {:.1} s",
        rate(f.tears_per_s),
        si(f.interval[0]).trim_end(),
        si(f.interval[1]).trim_end(),
        f.runs.len(),
        f.run_s
    );
    // The machine's speed when it tore so: a pasted run's report gives its
    // own (writer cycles/s), so a user can tell a slowed host from a
    // different race.
    if !f.writer_cycles_per_s.is_empty() {
        let w = &f.writer_cycles_per_s;
        let _ = write!(
            line,
            ", writer {}cycles/s",
            si(w.iter().sum::<f64>() / w.len() as f64)
        );
    }
    if !f.set_aside.is_empty() {
        let _ = write!(
            line,
            "; {} set aside, the host slowed (writer under {:.0}% of its best, tears under {:.0}% of its full-speed median: {})",
            f.set_aside.len(),
            SLOWED_WRITER * 100.0,
            SLOWED_TEARS * 100.0,
            f.set_aside
                .iter()
                .map(|r| rate(r.tears_per_s))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    line
}

/// The printed result of one hunt.
pub fn render(r: &HuntResult) -> String {
    let mut o = String::new();
    let name = r
        .control
        .as_deref()
        .map_or(String::new(), |c| format!(" ({c})"));
    let _ = writeln!(
        o,
        "hunt{name}: {} trials in {:.1} s, fixed: {}",
        r.trials,
        r.elapsed_s,
        if r.fixed.is_empty() {
            "nothing".into()
        } else {
            r.fixed.join(" ")
        }
    );
    match &r.best {
        None => {
            let _ = writeln!(o, "  no trial finished");
        }
        Some(b) => {
            let _ = writeln!(o, "  best: {}", found_line(b));
            let _ = writeln!(o, "    {}", b.command);
            if !r.runners_up.is_empty() {
                let _ = writeln!(o, "  runners-up:");
                for f in &r.runners_up {
                    let _ = writeln!(
                        o,
                        "    {:>16} {:<9} {}",
                        rate(f.tears_per_s),
                        if f.confirmed { "(confirm)" } else { "(search)" },
                        if f.args.is_empty() {
                            "as fixed".into()
                        } else {
                            f.args.join(" ")
                        }
                    );
                }
            }
        }
    }
    o
}

/// The table of a hunt over the controls.
pub fn table(rs: &[HuntResult]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<12} {:>16} {:>24}  best configuration",
        "control", "tears/s", "95% interval"
    );
    for r in rs {
        let (rate_s, iv, args) = match &r.best {
            Some(b) => (
                rate(b.tears_per_s),
                format!(
                    "{} .. {}",
                    si(b.interval[0]).trim_end(),
                    si(b.interval[1]).trim_end()
                ),
                b.command.clone(),
            ),
            None => ("-".into(), "-".into(), "no trial finished".into()),
        };
        let _ = writeln!(
            o,
            "{:<12} {:>16} {:>24}  {}",
            r.control.as_deref().unwrap_or("-"),
            rate_s,
            iv,
            args
        );
    }
    o
}
