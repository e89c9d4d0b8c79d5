//! The two statistics every report, hunt and sweep computes the same way.

/// `n / secs`, 0 when no time passed.
pub fn per_s(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

/// The smallest retry count r such that at least ceil(q * reads) reads
/// needed r or fewer; `counts` are (retries, reads), ascending. 0 without
/// reads.
pub fn retry_percentile(counts: &[(u64, u64)], q: f64) -> u64 {
    let total: u64 = counts.iter().map(|c| c.1).sum();
    let rank = ((q * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for &(retries, n) in counts {
        seen += n;
        if seen >= rank {
            return retries;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::retry_percentile as percentile;

    #[test]
    fn percentiles_are_exact_ranks() {
        let h = [(0, 98), (3, 1), (1000, 1)];
        assert_eq!(percentile(&h, 0.5), 0);
        assert_eq!(percentile(&h, 0.98), 0);
        assert_eq!(percentile(&h, 0.99), 3);
        assert_eq!(percentile(&h, 1.0), 1000);
        assert_eq!(percentile(&[], 0.5), 0);
        assert_eq!(percentile(&[(7, 1)], 0.5), 7);
    }
}
