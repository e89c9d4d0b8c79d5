//! Value parsers for the command line: durations and CPU lists. Each error
//! is one line, which clap puts after "invalid value ... for ...".

use crate::config::limits::MAX_DURATION_S;
use std::time::Duration;

/// `500ms`, `5s`, `2m`, `1h`, `1.5s`, or a plain number of seconds.
pub fn duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration (try 5s, 500ms, 2m, 1h)".into());
    }
    if t.starts_with('-') {
        return Err("a duration cannot be negative".into());
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 1e-3,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("unknown unit '{other}' (use ms, s, m or h)")),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{t}' is not a duration (try 5s, 500ms, 2m, 1h)"))?;
    let secs = v * scale;
    if secs.is_nan() || secs <= 0.0 {
        return Err("a duration must be more than zero".into());
    }
    if secs > MAX_DURATION_S as f64 {
        return Err(format!("{t} is longer than a year"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A `--cpus` value (a newtype: clap would take a bare Vec as many values).
#[derive(Clone, Debug, PartialEq)]
pub struct CpuList(pub Vec<usize>);

/// `0,1`, `0-3,6`: CPU numbers, in the order given (duplicates allowed:
/// two threads may share a CPU on purpose).
pub fn cpu_list(s: &str) -> Result<CpuList, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let num = |x: &str| {
            x.trim()
                .parse::<usize>()
                .map_err(|_| format!("'{x}' is not a CPU number (e.g. 0,1 or 0-3)"))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(format!("empty CPU range {part}"));
                }
                if b - a > 4096 {
                    return Err(format!("CPU range {part} is too large"));
                }
                out.extend(a..=b);
            }
            None => out.push(num(part)?),
        }
    }
    Ok(CpuList(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(duration("1.5s").unwrap(), Duration::from_millis(1500));
        for bad in ["", "5x", "-1s", "0", "0s", "s", "1.2.3s", "9999h"] {
            assert!(duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(cpu_list("0,1").unwrap().0, vec![0, 1]);
        assert_eq!(cpu_list("0-3,6").unwrap().0, vec![0, 1, 2, 3, 6]);
        for bad in ["", "a", "3-1", "0,", "-1", "0-99999"] {
            assert!(cpu_list(bad).is_err(), "{bad:?} accepted");
        }
    }
}
