//! Installed states and the exact tear detector (docs/json-schema.md,
//! "Encoding of installed states"; the C port implements the same).
//!
//! A writer installs states k = 1, 2, 3, ... in a pair. `high(k)` is a
//! bijection of k (murmur3's fmix32), so a high half names exactly one state;
//! `low(k)` carries PRESENT and k mod low_period. A read (lo, hi) with a
//! present low is valid iff the state named by hi has that low: one inverse
//! mix and one compare, no table, no false positive.

/// `_PAGE_PRESENT` of x86 PAE: bit 0 of the low half
/// (arch/x86/include/asm/pgtable_types.h).
pub const PRESENT: u32 = 1;

/// Largest `--low-period`: low halves then repeat only every 2^31 installs.
pub const MAX_LOW_PERIOD: u32 = 1 << 31;

/// An entry as two halves, `pte_low` and `pte_high` in the kernel's
/// `union { struct { pte_low, pte_high }; pteval_t pte; }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pte {
    /// The low half (PRESENT and the state's low bits).
    pub low: u32,
    /// The high half.
    pub high: u32,
}

impl Pte {
    /// The cleared (not-present) entry.
    pub const NONE: Pte = Pte { low: 0, high: 0 };
}

/// What an accepted read was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// An installed entry.
    Present,
    /// Low half says not present: callers ignore the entry, any high is fine.
    NotPresent,
    /// A present low with a high it was never installed with.
    Torn,
}

/// The state after `k`: k is a u32 that skips 0, whose high half is 0.
#[inline(always)]
pub fn next_state(k: u32) -> u32 {
    match k.wrapping_add(1) {
        0 => 1,
        n => n,
    }
}

/// The states writers install, for one low period (docs/json-schema.md, "Encoding").
#[derive(Clone, Copy, Debug)]
pub struct Encoding {
    period: u32,
    /// `period - 1` when period is a power of two: `k % period` becomes a mask.
    mask: Option<u32>,
}

impl Encoding {
    /// `low_period` in 1 ..= 2^31.
    pub fn new(low_period: u32) -> Option<Encoding> {
        (1..=MAX_LOW_PERIOD)
            .contains(&low_period)
            .then(|| Encoding {
                period: low_period,
                mask: low_period.is_power_of_two().then(|| low_period - 1),
            })
    }

    /// Distinct low halves.
    pub fn low_period(&self) -> u32 {
        self.period
    }

    #[inline(always)]
    fn reduce(&self, k: u32) -> u32 {
        match self.mask {
            Some(m) => k & m,
            None => k % self.period,
        }
    }

    #[inline(always)]
    /// Low half of state k.
    pub fn low(&self, k: u32) -> u32 {
        PRESENT | (self.reduce(k) << 1)
    }

    #[inline(always)]
    /// High half of state k.
    pub fn high(&self, k: u32) -> u32 {
        fmix32(k)
    }

    #[inline(always)]
    /// State k.
    pub fn pte(&self, k: u32) -> Pte {
        Pte {
            low: self.low(k),
            high: self.high(k),
        }
    }

    /// O(1) and exact: see the module comment.
    #[inline(always)]
    pub fn classify(&self, pte: Pte) -> Class {
        if pte.low & PRESENT == 0 {
            return Class::NotPresent;
        }
        let k = fmix32_inverse(pte.high);
        if k != 0 && self.low(k) == pte.low {
            Class::Present
        } else {
            Class::Torn
        }
    }

    /// For a torn sample: the high halves that were installed with `pte.low`
    /// in the states nearest (at or below, and above) the state `pte.high`
    /// names. Off the hot path.
    pub fn valid_highs(&self, pte: Pte) -> Vec<u32> {
        let j = u64::from(pte.low >> 1);
        let p = u64::from(self.period);
        if pte.low & PRESENT == 0 || j >= p {
            return Vec::new();
        }
        let named = u64::from(fmix32_inverse(pte.high));
        let below = named.checked_sub((named + p - j) % p);
        let above = below.map_or(j, |b| b + p);
        [below, Some(above)]
            .into_iter()
            .flatten()
            .filter(|&k| k != 0 && k <= u64::from(u32::MAX))
            .map(|k| fmix32(k as u32))
            .collect()
    }
}

const M1: u32 = 0x85eb_ca6b;
const M2: u32 = 0xc2b2_ae35;
/// Multiplicative inverses of M1 and M2 modulo 2^32.
const M1_INV: u32 = 0xa5cb_9243;
const M2_INV: u32 = 0x7ed1_b41d;

/// murmur3's 32-bit finaliser: a bijection on u32 with fmix32(0) = 0.
#[inline(always)]
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(M1);
    h ^= h >> 13;
    h = h.wrapping_mul(M2);
    h ^= h >> 16;
    h
}

#[inline(always)]
/// The inverse of `fmix32`.
pub fn fmix32_inverse(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(M2_INV);
    h ^= (h >> 13) ^ (h >> 26);
    h = h.wrapping_mul(M1_INV);
    h ^= h >> 16;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIODS: [u32; 6] = [1, 2, 3, 7, 1024, MAX_LOW_PERIOD];

    #[test]
    fn inverse_constants_invert() {
        assert_eq!(M1.wrapping_mul(M1_INV), 1);
        assert_eq!(M2.wrapping_mul(M2_INV), 1);
    }

    #[test]
    fn fmix32_is_a_bijection_on_samples() {
        let mut x = 0x1234_5678u32;
        for _ in 0..200_000 {
            x = x.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
            assert_eq!(fmix32_inverse(fmix32(x)), x);
            assert_eq!(fmix32(fmix32_inverse(x)), x);
        }
        assert_eq!(fmix32(0), 0);
        assert_eq!(
            fmix32(1),
            0x514e_28b7,
            "the C port and the schema doc use this value"
        );
    }

    #[test]
    fn rejects_bad_periods() {
        assert!(Encoding::new(0).is_none());
        assert!(Encoding::new(MAX_LOW_PERIOD + 1).is_none());
    }

    #[test]
    fn installed_states_are_present() {
        for p in PERIODS {
            let e = Encoding::new(p).unwrap();
            for k in (1..5000).chain([u32::MAX - 1, u32::MAX]) {
                assert_eq!(e.classify(e.pte(k)), Class::Present, "k={k} p={p}");
            }
        }
    }

    #[test]
    fn not_present_whatever_the_high() {
        let e = Encoding::new(2).unwrap();
        for high in [0, 1, fmix32(7), u32::MAX] {
            assert_eq!(e.classify(Pte { low: 0, high }), Class::NotPresent);
            assert_eq!(e.classify(Pte { low: 2, high }), Class::NotPresent);
        }
    }

    #[test]
    fn mixed_states_are_torn_unless_lows_coincide() {
        for p in PERIODS {
            let e = Encoding::new(p).unwrap();
            for a in 1..300u32 {
                for b in [a + 1, a + 2, a + 3, a + 1000] {
                    let pte = Pte {
                        low: e.low(a),
                        high: e.high(b),
                    };
                    // (low a, high b) is a real entry exactly when state b
                    // has the same low half as state a.
                    let expect = if e.low(a) == e.low(b) {
                        Class::Present
                    } else {
                        Class::Torn
                    };
                    assert_eq!(e.classify(pte), expect, "a={a} b={b} p={p}");
                }
            }
        }
    }

    #[test]
    fn half_cleared_entries_are_torn() {
        // High cleared first (MIPS/SH pte_clear): old low, high 0.
        // Low stored first (unordered install): new low, old high 0.
        for p in PERIODS {
            let e = Encoding::new(p).unwrap();
            for k in 1..1000 {
                assert_eq!(
                    e.classify(Pte {
                        low: e.low(k),
                        high: 0
                    }),
                    Class::Torn
                );
            }
        }
    }

    #[test]
    fn valid_highs_name_the_nearest_states_with_that_low() {
        let e = Encoding::new(4).unwrap();
        // low of state 5 (5 mod 4 = 1), high of state 10: nearest states with
        // k mod 4 = 1 are 9 and 13.
        let v = e.valid_highs(Pte {
            low: e.low(5),
            high: e.high(10),
        });
        assert_eq!(v, vec![e.high(9), e.high(13)]);
        // high 0 names state 0: only state 1 (above) qualifies.
        let v = e.valid_highs(Pte {
            low: e.low(5),
            high: 0,
        });
        assert_eq!(v, vec![e.high(1)]);
        let big = Encoding::new(MAX_LOW_PERIOD).unwrap();
        let v = big.valid_highs(Pte {
            low: big.low(3),
            high: big.high(u32::MAX),
        });
        assert_eq!(v, vec![big.high(3 + MAX_LOW_PERIOD)]);
        for h in v {
            assert_eq!(
                big.classify(Pte {
                    low: big.low(3),
                    high: h
                }),
                Class::Present
            );
        }
    }

    #[test]
    fn next_state_skips_zero() {
        assert_eq!(next_state(1), 2);
        assert_eq!(next_state(u32::MAX), 1);
    }
}
