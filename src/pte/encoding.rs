//! The entries writers install and the exact classifier of a read
//! (docs/layouts.md; the C port implements the same in c/layout.h).
//!
//! Install t of a pair puts E(j, h) there, j = t mod P in the low half, h =
//! t mod N in the high half's page-frame bits. A read (lo, hi) with a
//! present low is an installed entry iff lo decodes to j < P with
//! lo == L(j), hi decodes to h < N with j ≡ h (mod gcd(P, N)) and
//! hi == H(h, j & 1): a few shifts and compares, no table, no false
//! positive. Everything about wrong values (class, consequences, decoded
//! fields) is off the hot path.

use super::layout::{ClearTo, Layout, LayoutKind};

/// An entry as two halves, `pte_low` and `pte_high` in the kernel's
/// `union { struct { pte_low, pte_high }; pteval_t pte; }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pte {
    /// The low half.
    pub low: u32,
    /// The high half.
    pub high: u32,
}

impl Pte {
    /// The cleared (not-present) entry.
    pub const NONE: Pte = Pte { low: 0, high: 0 };
}

/// What an accepted read was (the hot path's answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// An installed entry.
    Present,
    /// Low half says not present: callers ignore the entry, any high is fine.
    NotPresent,
    /// A present low with a high it was never installed with: see [`Encoding::wrong`].
    Wrong,
}

/// The two kinds of wrong value (docs/layouts.md, "Classifying a read").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrongClass {
    /// Its halves never stood together in the slot: the reader mixed two moments.
    Mixed,
    /// It stood in the slot between two stores of one writer sequence.
    Transient,
}

impl WrongClass {
    /// The report's name.
    pub fn name(self) -> &'static str {
        match self {
            WrongClass::Mixed => "mixed",
            WrongClass::Transient => "transient",
        }
    }
}

/// What a wrong value would do, as a bit set (docs/layouts.md,
/// "Consequences of a wrong value").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consequences(pub u8);

impl Consequences {
    /// A page no entry with this low maps.
    pub const WRONG_PAGE: u8 = 1;
    /// Page frame 0.
    pub const PFN_ZERO: u8 = 2;
    /// Executable where the entry is not.
    pub const NX_LOST: u8 = 4;
    /// Not executable where the entry is.
    pub const NX_GAINED: u8 = 8;
    /// Another entry's permissions.
    pub const WRONG_PERMISSIONS: u8 = 16;
    /// No permissions at all (fails closed).
    pub const NO_PERMISSIONS: u8 = 32;
    /// The names, in bit order (the report's keys).
    pub const NAMES: [&'static str; 6] = [
        "wrong_page",
        "pfn_zero",
        "nx_lost",
        "nx_gained",
        "wrong_permissions",
        "no_permissions",
    ];

    /// The names of the bits set, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        (0..Self::NAMES.len())
            .filter(|b| self.0 & (1 << b) != 0)
            .map(|b| Self::NAMES[b])
            .collect()
    }
}

/// Which entries a wrong value looks like (docs/json-schema.md,
/// `totals.families`): what tests and users count instead of looking
/// for one among the samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueFamily {
    /// A low of the installed entries E (with any high but the two below).
    Entry,
    /// A PROT_NONE low: PROTNONE without PRESENT (x86 layouts).
    Protnone,
    /// The high half of the layout's swap entry S beside a present low.
    Swap,
    /// The high half of the layout's migration entry M beside a present low.
    Migration,
}

impl ValueFamily {
    /// Every family, in the report's order.
    pub const ALL: [ValueFamily; 4] = [
        ValueFamily::Entry,
        ValueFamily::Protnone,
        ValueFamily::Swap,
        ValueFamily::Migration,
    ];

    /// The report's name.
    pub fn name(self) -> &'static str {
        match self {
            ValueFamily::Entry => "entry",
            ValueFamily::Protnone => "protnone",
            ValueFamily::Swap => "swap",
            ValueFamily::Migration => "migration",
        }
    }
}

/// A wrong value, classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wrong {
    /// Mixed or transient.
    pub class: WrongClass,
    /// What it would do.
    pub consequences: Consequences,
    /// Which entries it looks like.
    pub family: ValueFamily,
}

impl Wrong {
    /// The sample kind (class, family, consequences) as one small key:
    /// class in bit 0, family in bits 1-2, consequences from bit 3 (the C
    /// port's c/samples.h uses the same key).
    pub fn kind(self) -> u16 {
        let class = u16::from(self.class == WrongClass::Transient);
        class | (self.family as u16) << 1 | u16::from(self.consequences.0) << 3
    }
}

/// An entry's fields as the architecture reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// What pte_present() says: the present bit, or on x86 PROTNONE.
    pub present: bool,
    /// A PROT_NONE entry: PROTNONE without the present bit (x86).
    pub protnone: bool,
    /// The page frame number.
    pub pfn: u64,
    /// Writable (x86 RW, MIPS D, SH user write).
    pub writable: bool,
    /// Executable; `None` where the layout has no such bit (MIPS without RI/XI).
    pub exec: Option<bool>,
}

/// The largest `--low-period` of any layout.
pub use super::layout::MAX_LOW_PERIOD;

/// A pair's place in its install sequence: j = t mod P, h = t mod N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    /// The low identity.
    pub j: u32,
    /// The high identity.
    pub h: u32,
}

/// E(next(s)) = (E(s) + add) ^ flip, half by half, without a wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// One more in the j field (low) and the h field (high).
    pub add: Pte,
    /// The flags of an even j xor those of an odd one.
    pub flip: Pte,
}

impl Step {
    /// The entry after `e`.
    #[inline(always)]
    pub fn after(&self, e: Pte) -> Pte {
        Pte {
            low: e.low.wrapping_add(self.add.low) ^ self.flip.low,
            high: e.high.wrapping_add(self.add.high) ^ self.flip.high,
        }
    }
}

/// Whether a value is an entry of family E, as [`Encoding::classify`]'s
/// E test decides it, but with each part tested where it lies in the
/// entry: the j and h fields masked in place, their range as a compare of
/// the field, the flags as an xor with the set j's lowest bit selects.
/// Nothing is shifted down and rebuilt, and the constants are few enough
/// for the hot loop's registers: the reader runs this on every present
/// value (BENCHMARKS.md, "The hammer at the machine's limit").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ETest {
    /// The j field in the low half.
    low_field: u32,
    /// j's lowest bit in the low half: which flag set.
    odd_j: u32,
    /// The largest j field: (low period - 1) << low_shift.
    low_max: u32,
    /// The h + high_add field in the high half.
    high_field: u32,
    /// high_add << high_shift: the field of h = 0.
    high_base: u32,
    /// The largest h, in the field: (states - 1) << high_shift.
    high_max: u32,
    /// The flags of an even and an odd j: low half, then high half.
    flags: [[u32; 2]; 2],
    low_shift: u32,
    high_shift: u32,
    /// Encoding's gmask: j and h agree in these bits.
    gmask: u32,
}

impl ETest {
    const NONE: ETest = ETest {
        low_field: 0,
        odd_j: 0,
        low_max: 0,
        high_field: 0,
        high_base: 0,
        high_max: 0,
        flags: [[0; 2]; 2],
        low_shift: 0,
        high_shift: 0,
        gmask: 0,
    };

    fn new(enc: &Encoding) -> ETest {
        let l = &enc.layout;
        let t = ETest {
            low_field: enc.low_mask << l.low_shift,
            odd_j: 1 << l.low_shift,
            low_max: (enc.period - 1) << l.low_shift,
            high_field: enc.high_mask << l.high_shift,
            high_base: l.high_add << l.high_shift,
            high_max: (l.states - 1) << l.high_shift,
            flags: [
                [l.low_flags[0], l.high_flags[0]],
                [l.low_flags[1], l.high_flags[1]],
            ],
            low_shift: l.low_shift,
            high_shift: l.high_shift,
            gmask: enc.gmask,
        };
        // The test reads flags and fields apart: they must not share bits
        // (every layout; the unit tests compare with the E test in full).
        assert!(
            (l.low_flags[0] | l.low_flags[1]) & t.low_field == 0
                && (l.high_flags[0] | l.high_flags[1]) & t.high_field == 0,
            "a layout's flags overlap its page-frame fields: {l:?}"
        );
        t
    }

    #[inline(always)]
    fn is_e(&self, pte: Pte) -> bool {
        let j_field = pte.low & self.low_field;
        let flags = &self.flags[usize::from(pte.low & self.odd_j != 0)];
        if j_field > self.low_max || pte.low ^ j_field != flags[0] {
            return false;
        }
        let h_field = pte.high & self.high_field;
        let h = h_field.wrapping_sub(self.high_base);
        if h > self.high_max || pte.high ^ h_field != flags[1] {
            return false;
        }
        ((j_field >> self.low_shift) ^ (h >> self.high_shift)) & self.gmask == 0
    }
}

/// The entries of one run (layout, low period, writer profile), with the
/// masks the classifier needs precomputed. Small and `Copy`, so the hot
/// loops keep it in registers.
#[derive(Clone, Copy, Debug)]
pub struct Encoding {
    layout: Layout,
    period: u32,
    low_mask: u32,
    /// The high half's page-frame field (`pfn_high_bits` wide), shifted down.
    high_mask: u32,
    /// gcd(P, N) - 1: P and N are reached together only with j ≡ h modulo it.
    gmask: u32,
    /// Family E's test, each part where it lies in the entry.
    e_test: ETest,
    /// The high half a writer's own sequence leaves next to an installed
    /// low (docs/layouts.md, `transient_high`); None: its sequences never do.
    transient_high: Option<u32>,
    /// What pte_present() tests: PRESENT, and on x86 PROTNONE.
    visible: u32,
}

/// A family of installed entries (docs/layouts.md, "Classifying with
/// PROT_NONE entries"): E, or PN with its page-frame bits inverted.
///
/// E's masks are literal zeros and its flags are borrowed from the layout,
/// so on the hot path the compiler folds the family away: the present-entry
/// check is the one a single family has (flags copied per read cost the
/// uncontended reader 16% of its speed: BENCHMARKS.md, "After `--clear-to`").
#[derive(Clone, Copy)]
struct Family<'a> {
    inv_low: u32,
    inv_high: u32,
    low_flags: &'a [u32; 2],
    high_flags: &'a [u32; 2],
}

impl Encoding {
    /// The entries of `layout` with `low_period` distinct low halves
    /// (1 ..= the layout's max), for a writer profile that does or does not
    /// pass through half-cleared states.
    pub fn new(layout: LayoutKind, low_period: u32, half_cleared: bool) -> Option<Encoding> {
        Encoding::with(layout.layout(), low_period, half_cleared.then_some(0))
    }

    /// The entries of one layout row (PTE or PMD), with the high half the
    /// writer's sequences leave next to an installed low, if any.
    pub fn with(row: &Layout, low_period: u32, transient_high: Option<u32>) -> Option<Encoding> {
        let l = *row;
        if !(1..=l.max_low_period()).contains(&low_period) {
            return None;
        }
        let g = (1u32 << low_period.trailing_zeros()).min(l.states);
        let mut enc = Encoding {
            layout: l,
            period: low_period,
            low_mask: (1 << l.low_bits) - 1,
            high_mask: ((1u64 << l.pfn_high_bits) - 1) as u32,
            gmask: g - 1,
            e_test: ETest::NONE,
            transient_high,
            visible: l.present | l.protnone,
        };
        enc.e_test = ETest::new(&enc);
        Some(enc)
    }

    /// Distinct low halves.
    pub fn low_period(&self) -> u32 {
        self.period
    }

    /// The layout's row.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The state of install 1, where every pair starts.
    pub fn first(&self) -> State {
        State {
            j: u32::from(self.period > 1),
            h: u32::from(self.layout.states > 1),
        }
    }

    /// The state of the next install: no division.
    #[inline(always)]
    pub fn next(&self, s: State) -> State {
        let j = s.j + 1;
        State {
            j: if j == self.period { 0 } else { j },
            h: (s.h + 1) & (self.layout.states - 1),
        }
    }

    /// The add and xor that take E(s) to E(next(s)) while neither j nor h
    /// wraps ([`Encoding::steps_before_wrap`]): j and h each grow by one
    /// in their fields and the flags swap between their two sets. The
    /// writer steps its entry this way, so no multiply, shift or table
    /// look-up stands between two installs.
    pub fn step(&self) -> Step {
        let l = &self.layout;
        Step {
            add: Pte {
                low: 1 << l.low_shift,
                high: if l.states > 1 { 1 << l.high_shift } else { 0 },
            },
            flip: Pte {
                low: l.low_flags[0] ^ l.low_flags[1],
                high: l.high_flags[0] ^ l.high_flags[1],
            },
        }
    }

    /// The state `n` installs after `s`, for `n` up to
    /// `steps_before_wrap(s)` (no wrap in between, so no division).
    pub fn skip(&self, s: State, n: u32) -> State {
        debug_assert!(n <= self.steps_before_wrap(s));
        State {
            j: s.j + n,
            h: if self.layout.states > 1 { s.h + n } else { s.h },
        }
    }

    /// How many installs after E(s) [`Encoding::step`] gives: those before
    /// j reaches the low period or h the number of states. An add never
    /// carries into a flag: no layout's flags share bits with its fields
    /// (ETest::new asserts it for every encoding made).
    pub fn steps_before_wrap(&self, s: State) -> u32 {
        let l = &self.layout;
        let j_left = self.period - 1 - s.j;
        let h_left = if l.states > 1 {
            l.states - 1 - s.h
        } else {
            u32::MAX
        };
        j_left.min(h_left)
    }

    /// Family E: the present entries writers install.
    #[inline(always)]
    fn e(&self) -> Family<'_> {
        Family {
            inv_low: 0,
            inv_high: 0,
            low_flags: &self.layout.low_flags,
            high_flags: &self.layout.high_flags,
        }
    }

    /// Family PN: `pte_modify(E, PAGE_NONE)`, page-frame bits inverted.
    #[inline(always)]
    fn pn(&self) -> Family<'_> {
        Family {
            inv_low: self.layout.pfn_mask_low(),
            inv_high: self.layout.pfn_field_high(),
            low_flags: &self.layout.protnone_low_flags,
            high_flags: &[0, 0],
        }
    }

    /// The family a low half belongs to; None: not present.
    #[inline(always)]
    fn family(&self, low: u32) -> Option<Family<'_>> {
        if low & self.layout.present != 0 {
            Some(self.e())
        } else if low & self.layout.protnone != 0 {
            Some(self.pn())
        } else {
            None
        }
    }

    #[inline(always)]
    fn low(&self, j: u32, f: &Family<'_>) -> u32 {
        ((j << self.layout.low_shift) ^ f.inv_low) | f.low_flags[(j & 1) as usize]
    }

    #[inline(always)]
    fn high(&self, h: u32, q: u32, f: &Family<'_>) -> u32 {
        (((h + self.layout.high_add) << self.layout.high_shift) ^ f.inv_high)
            | f.high_flags[q as usize]
    }

    /// E(j, h): `low`/`high` with family E, written out because the
    /// writer computes it every cycle and, through `Family`, the writer's
    /// cycles per second fell by a third (x86-64: ~245 M against ~335 M).
    #[inline(always)]
    pub fn entry(&self, s: State) -> Pte {
        let l = &self.layout;
        Pte {
            low: (s.j << l.low_shift) | l.low_flags[(s.j & 1) as usize],
            high: ((s.h + l.high_add) << l.high_shift) | l.high_flags[(s.j & 1) as usize],
        }
    }

    /// PN(j, h): E(j, h) made PROT_NONE (x86 layouts; docs/layouts.md).
    pub fn protnone_entry(&self, s: State) -> Pte {
        let f = self.pn();
        Pte {
            low: self.low(s.j, &f),
            high: self.high(s.h, s.j & 1, &f),
        }
    }

    /// What `--clear-to` leaves in a pair whose entry was E(s), or None
    /// for 0 (docs/layouts.md, "What a cleared entry becomes").
    pub fn cleared_entry(&self, to: ClearTo, s: State) -> Option<Pte> {
        match to {
            ClearTo::Protnone => Some(self.protnone_entry(s)),
            _ => self.layout.fixed_cleared_entry(to),
        }
    }

    #[inline(always)]
    fn decode_j(&self, low: u32, f: &Family<'_>) -> u32 {
        ((low ^ f.inv_low) >> self.layout.low_shift) & self.low_mask
    }

    #[inline(always)]
    fn decode_h(&self, high: u32, f: &Family<'_>) -> u32 {
        (((high ^ f.inv_high) >> self.layout.high_shift) & self.high_mask)
            .wrapping_sub(self.layout.high_add)
    }

    #[inline(always)]
    fn low_ok(&self, low: u32, j: u32, f: &Family<'_>) -> bool {
        j < self.period && low == self.low(j, f)
    }

    #[inline(always)]
    fn page_ok(&self, j: u32, h: u32) -> bool {
        h < self.layout.states && (j ^ h) & self.gmask == 0
    }

    /// The hot path: installed, not present, or wrong. O(1) and exact.
    #[inline(always)]
    pub fn classify(&self, pte: Pte) -> Class {
        // The hot loop keeps the shape a single family gives it: one test
        // for not present (PRESENT or PROTNONE: pte_present()), then E's
        // check; a PROT_NONE low fails E's check (its PRESENT bit is clear)
        // and is looked at again on the rare path: the families tested one
        // after the other in line cost the uncontended reader 22 to 39% of
        // its speed (benches/ab.sh -- --writer-gap 100000; BENCHMARKS.md).
        if self.not_present(pte) {
            return Class::NotPresent;
        }
        if self.e_test.is_e(pte) {
            Class::Present
        } else if pte.low & self.layout.present == 0 {
            self.classify_protnone(pte)
        } else {
            Class::Wrong
        }
    }

    /// The bits [`Encoding::not_present`] tests: PRESENT | PROTNONE.
    pub fn visible(&self) -> u32 {
        self.visible
    }

    /// Not present: neither PRESENT nor PROTNONE (pte_present()), the
    /// first test of [`Encoding::classify`].
    #[inline(always)]
    pub fn not_present(&self, pte: Pte) -> bool {
        Encoding::not_present_with(self.visible, pte)
    }

    /// [`Encoding::not_present`] with the mask ([`Encoding::visible`])
    /// given: the hot loop holds it in a register rather than reload it
    /// through the encoding on every read.
    #[inline(always)]
    pub fn not_present_with(visible: u32, pte: Pte) -> bool {
        pte.low & visible == 0
    }

    /// An installed entry of family E, the second test of
    /// [`Encoding::classify`]: for a present value, true is
    /// [`Class::Present`]; false needs `classify` (a PROT_NONE entry, or
    /// a wrong value).
    #[inline(always)]
    pub fn is_e(&self, pte: Pte) -> bool {
        self.e_test.is_e(pte)
    }

    /// A PROT_NONE low, out of line.
    #[inline(never)]
    #[cold]
    fn classify_protnone(&self, pte: Pte) -> Class {
        self.classify_in(pte, &self.pn())
    }

    #[inline(always)]
    fn classify_in(&self, pte: Pte, f: &Family<'_>) -> Class {
        let j = self.decode_j(pte.low, f);
        let h = self.decode_h(pte.high, f);
        if self.low_ok(pte.low, j, f) && self.page_ok(j, h) && pte.high == self.high(h, j & 1, f) {
            Class::Present
        } else {
            Class::Wrong
        }
    }

    /// Class and consequences of a value `classify` called wrong. Off the
    /// hot path.
    pub fn wrong(&self, pte: Pte) -> Wrong {
        let l = &self.layout;
        let f = self.family(pte.low).unwrap_or_else(|| self.e());
        let j = self.decode_j(pte.low, &f);
        let low_ok = self.low_ok(pte.low, j, &f);
        let class = if low_ok && Some(pte.high) == self.transient_high {
            WrongClass::Transient
        } else {
            WrongClass::Mixed
        };
        // A low no writer stored (none does) has no entry with it: its page
        // counts as wrong, so every wrong value has a consequence.
        let mut c = 0u8;
        if !(low_ok && self.page_ok(j, self.decode_h(pte.high, &f))) {
            c |= if self.decode(pte).pfn == 0 {
                Consequences::PFN_ZERO
            } else {
                Consequences::WRONG_PAGE
            };
        }
        let want = f.high_flags[(j & 1) as usize];
        let (nx, nx_want) = (pte.high & l.nx_mask, want & l.nx_mask);
        if nx_want != 0 && nx == 0 {
            c |= Consequences::NX_LOST;
        }
        if nx_want == 0 && nx != 0 {
            c |= Consequences::NX_GAINED;
        }
        let (perm, perm_want) = (pte.high & l.perm_mask, want & l.perm_mask);
        if perm != perm_want {
            c |= if perm == 0 {
                Consequences::NO_PERMISSIONS
            } else {
                Consequences::WRONG_PERMISSIONS
            };
        }
        Wrong {
            class,
            consequences: Consequences(c),
            family: self.value_family(pte),
        }
    }

    /// The family of a wrong value: a PROT_NONE low first, else a high that
    /// is the swap or migration entry's (no layout's E high equals either:
    /// a unit test checks it), else E.
    fn value_family(&self, pte: Pte) -> ValueFamily {
        let l = &self.layout;
        if pte.low & l.present == 0 && pte.low & l.protnone != 0 {
            ValueFamily::Protnone
        } else if pte.high == l.swap[1] {
            ValueFamily::Swap
        } else if pte.high == l.migration[1] {
            ValueFamily::Migration
        } else {
            ValueFamily::Entry
        }
    }

    /// The fields the architecture would read from `pte`.
    pub fn decode(&self, pte: Pte) -> Decoded {
        let l = &self.layout;
        let present = pte.low & l.present != 0;
        // x86's pte_pfn(): protnone_mask() inverts the page-frame bits of a
        // non-zero entry without PRESENT back (pgtable-invert.h).
        let (lo, hi) = if l.pfn_inverted_when_not_present && !present && pte != Pte::NONE {
            (pte.low ^ l.pfn_mask_low(), pte.high ^ l.pfn_field_high())
        } else {
            (pte.low, pte.high)
        };
        let low_pfn = if l.pfn_in_low { lo >> 12 } else { 0 };
        let high_pfn = (hi >> l.high_shift) & self.high_mask;
        Decoded {
            present: present || pte.low & l.protnone != 0,
            protnone: !present && pte.low & l.protnone != 0,
            pfn: u64::from(low_pfn) | (u64::from(high_pfn) << l.pfn_high_pos),
            writable: pte.low & l.write_low != 0 || pte.high & l.write_high != 0,
            exec: if l.nx_mask != 0 {
                Some(pte.high & l.nx_mask == 0)
            } else if l.exec_high != 0 {
                Some(pte.high & l.exec_high != 0)
            } else {
                None
            },
        }
    }

    /// For a wrong sample: the high installed with its low nearest at or
    /// below its page-frame state (docs/layouts.md); empty if the low was
    /// never installed.
    pub fn valid_high(&self, pte: Pte) -> Vec<u32> {
        let Some(f) = self.family(pte.low) else {
            return Vec::new();
        };
        let j = self.decode_j(pte.low, &f);
        if !self.low_ok(pte.low, j, &f) {
            return Vec::new();
        }
        let h = self.decode_h(pte.high, &f);
        let g = self.gmask + 1;
        let near = if h < self.layout.states {
            let d = h.wrapping_sub(j) & self.gmask;
            if h < d {
                h + g - d
            } else {
                h - d
            }
        } else {
            j & self.gmask
        };
        vec![self.high(near, j & 1, &f)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer's add-and-xor step gives exactly E(next(s)) wherever
    /// `steps_before_wrap` allows it, on every layout, and allows it for
    /// all but the wrapping installs (no layout's flags touch its fields).
    #[test]
    fn step_gives_the_next_entry_until_a_wrap() {
        for enc in encodings(false) {
            let step = enc.step();
            let mut s = enc.first();
            let mut left = enc.steps_before_wrap(s);
            let mut stepped = 0u64;
            let installs = 3 * u64::from(enc.low_period()) + 5000;
            for _ in 0..installs.min(3_000_000) {
                let next = enc.next(s);
                if left > 0 {
                    assert_eq!(
                        step.after(enc.entry(s)),
                        enc.entry(next),
                        "{enc:?} at {s:?}"
                    );
                    assert_eq!(enc.skip(s, 1), next, "{enc:?} at {s:?}");
                    assert_eq!(enc.steps_before_wrap(next), left - 1);
                    stepped += 1;
                } else {
                    assert!(
                        next.j == 0 || next.h == 0 || enc.low_period() == 1,
                        "{enc:?} at {s:?}"
                    );
                }
                s = next;
                left = enc.steps_before_wrap(s);
            }
            assert!(
                stepped > 0 || enc.low_period() == 1,
                "{enc:?}: never stepped"
            );
        }
    }

    fn encodings(half_cleared: bool) -> Vec<Encoding> {
        let mut v = Vec::new();
        for kind in LayoutKind::ALL {
            let max = kind.layout().max_low_period();
            for p in [1, 2, 3, 1024, max] {
                v.push(Encoding::new(kind, p, half_cleared).unwrap());
            }
        }
        v
    }

    /// The in-place E test agrees with the E test in full on every value
    /// it is shown: installed entries
    /// (also past wraps), their halves mixed, single bit flips of them,
    /// every cleared and PROT_NONE entry, and seeded random pairs.
    #[test]
    fn in_place_e_test_is_the_full_e_test() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            x = crate::seed::splitmix64(x);
            x
        };
        for half_cleared in [false, true] {
            for enc in encodings(half_cleared) {
                let e = enc.e();
                let check = |p: Pte| {
                    let is_e = enc.classify_in(p, &e) == Class::Present;
                    assert_eq!(enc.e_test.is_e(p), is_e, "{enc:?} {p:x?}");
                };
                let sts = states(&enc, 5000);
                let entries: Vec<Pte> = sts.iter().map(|&s| enc.entry(s)).collect();
                for (k, &p) in entries.iter().enumerate() {
                    check(p);
                    check(enc.protnone_entry(sts[k]));
                    let q = entries[(k * 7 + 3) % entries.len()];
                    check(Pte {
                        low: p.low,
                        high: q.high,
                    });
                    check(Pte {
                        low: q.low,
                        high: p.high,
                    });
                    let bit = rnd();
                    check(Pte {
                        low: p.low ^ (1 << (bit & 31)),
                        high: p.high,
                    });
                    check(Pte {
                        low: p.low,
                        high: p.high ^ (1 << ((bit >> 8) & 31)),
                    });
                }
                for to in [ClearTo::Zero, ClearTo::Swap, ClearTo::Migration] {
                    if let Some(p) = enc.cleared_entry(to, enc.first()) {
                        check(p);
                    }
                }
                for _ in 0..20_000 {
                    let r = rnd();
                    check(Pte {
                        low: r as u32,
                        high: (r >> 32) as u32,
                    });
                }
            }
        }
    }

    /// The states installs reach from install 1, up to `n` of them.
    fn states(e: &Encoding, n: usize) -> Vec<State> {
        std::iter::successors(Some(e.first()), |&s| Some(e.next(s)))
            .take(n)
            .collect()
    }

    #[test]
    fn known_answers_shared_with_the_c_port() {
        let e = Encoding::new(LayoutKind::X86Pae, 1 << 20, false).unwrap();
        assert_eq!(e.first(), State { j: 1, h: 1 });
        assert_eq!(
            e.entry(e.first()),
            Pte {
                low: 0x1025,
                high: 0x2
            }
        );
        assert_eq!(
            e.entry(State { j: 2, h: 2 }),
            Pte {
                low: 0x2067,
                high: 0x8000_0003
            }
        );
        let m = Encoding::new(LayoutKind::Mips, 1 << 19, true).unwrap();
        assert_eq!(
            m.entry(m.first()),
            Pte {
                low: 0x225a,
                high: 0x9a
            }
        );
        let s = Encoding::new(LayoutKind::ShX2tlb, 2, true).unwrap();
        assert_eq!(
            s.entry(s.first()),
            Pte {
                low: 0x1508,
                high: 0x2d00
            }
        );
    }

    #[test]
    fn rejects_bad_periods() {
        assert!(Encoding::new(LayoutKind::X86Pae, 0, false).is_none());
        assert!(Encoding::new(LayoutKind::X86Pae, (1 << 20) + 1, false).is_none());
        assert!(Encoding::new(LayoutKind::Mips, 1 << 20, false).is_none());
    }

    #[test]
    fn installed_states_are_present() {
        for e in encodings(true) {
            for s in states(&e, 5000) {
                assert_eq!(e.classify(e.entry(s)), Class::Present, "{s:?} {e:?}");
            }
            // The ends of both counters.
            let last = State {
                j: e.low_period() - 1,
                h: e.layout().states - 1,
            };
            if (last.j ^ last.h) & e.gmask == 0 {
                assert_eq!(e.classify(e.entry(last)), Class::Present);
            }
        }
    }

    #[test]
    fn not_present_whatever_the_high() {
        for e in encodings(true) {
            for high in [0, 1, 0x8000_0000, u32::MAX] {
                assert_eq!(e.classify(Pte { low: 0, high }), Class::NotPresent);
            }
        }
    }

    /// (L(a), H(b)) is wrong exactly when no installed state has that low
    /// and that high, and every wrong value has a consequence.
    #[test]
    fn mixes_follow_the_detection_rule() {
        for e in encodings(false) {
            let reached = states(&e, 3000);
            for (ia, a) in reached.iter().enumerate().take(300) {
                for b in reached[ia + 1..].iter().take(8) {
                    let pte = Pte {
                        low: e.entry(*a).low,
                        high: e.entry(*b).high,
                    };
                    let exists = (a.j & 1) == (b.j & 1) && (a.j ^ b.h) & e.gmask == 0;
                    let want = if exists { Class::Present } else { Class::Wrong };
                    assert_eq!(e.classify(pte), want, "{a:?} {b:?} {e:?}");
                    if !exists {
                        let w = e.wrong(pte);
                        assert_eq!(w.class, WrongClass::Mixed);
                        assert_ne!(w.consequences.0, 0, "{a:?} {b:?} {e:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn half_cleared_values_are_transient_only_for_such_writers() {
        for half in [false, true] {
            for e in encodings(half) {
                for s in states(&e, 100) {
                    let pte = Pte {
                        low: e.entry(s).low,
                        high: 0,
                    };
                    if e.classify(pte) == Class::Present {
                        // x86-pae-nohighmem: a text page's high is 0.
                        assert_eq!(e.layout().high_flags[(s.j & 1) as usize], 0);
                        continue;
                    }
                    let w = e.wrong(pte);
                    let want = if half {
                        WrongClass::Transient
                    } else {
                        WrongClass::Mixed
                    };
                    assert_eq!(w.class, want);
                    assert_ne!(w.consequences.0, 0);
                }
            }
        }
    }

    #[test]
    fn consequences_per_layout() {
        let c = |kind, lo_state: State, high: u32| {
            let e = Encoding::new(kind, 1 << 10, true).unwrap();
            let pte = Pte {
                low: e.entry(lo_state).low,
                high,
            };
            e.wrong(pte).consequences.names()
        };
        let data = State { j: 2, h: 2 };
        // MIPS: the high-first clear's {old low, 0} maps page 0 with no V/D.
        assert_eq!(c(LayoutKind::Mips, data, 0), ["pfn_zero", "no_permissions"]);
        // SH: {old low, 0} keeps the page with no permissions.
        assert_eq!(c(LayoutKind::ShX2tlb, data, 0), ["no_permissions"]);
        // SH: a data page's low with a text page's permissions.
        let sh = Encoding::new(LayoutKind::ShX2tlb, 1 << 10, true).unwrap();
        let text_high = sh.entry(State { j: 3, h: 0 }).high;
        assert_eq!(
            c(LayoutKind::ShX2tlb, data, text_high),
            ["wrong_permissions"]
        );
        // x86 without highmem: a data page with a text page's high loses NX.
        assert_eq!(c(LayoutKind::X86PaeNohighmem, data, 0), ["nx_lost"]);
        let x = Encoding::new(LayoutKind::X86Pae, 1 << 10, true).unwrap();
        let text = x.entry(State { j: 3, h: 3 });
        assert_eq!(
            c(LayoutKind::X86Pae, data, text.high),
            ["wrong_page", "nx_lost"]
        );
    }

    #[test]
    fn nohighmem_wrong_values_only_flip_nx() {
        let e = Encoding::new(LayoutKind::X86PaeNohighmem, 2, true).unwrap();
        for a in 0..2 {
            for high in [0, 0x8000_0000] {
                let pte = Pte {
                    low: e.entry(State { j: a, h: 0 }).low,
                    high,
                };
                if e.classify(pte) == Class::Wrong {
                    let n = e.wrong(pte).consequences.0;
                    assert!(n == Consequences::NX_LOST || n == Consequences::NX_GAINED);
                }
            }
        }
    }

    #[test]
    fn decoded_fields() {
        let x = Encoding::new(LayoutKind::X86Pae, 1 << 20, false).unwrap();
        let d = x.decode(x.entry(State { j: 2, h: 2 }));
        assert_eq!(
            d,
            Decoded {
                present: true,
                protnone: false,
                pfn: (3 << 20) | 2,
                writable: true,
                exec: Some(false)
            }
        );
        let m = Encoding::new(LayoutKind::Mips, 4, false).unwrap();
        let d = m.decode(m.entry(State { j: 1, h: 7 }));
        assert_eq!((d.pfn, d.writable, d.exec), (8, false, None));
        let s = Encoding::new(LayoutKind::ShX2tlb, 4, false).unwrap();
        let d = s.decode(s.entry(State { j: 3, h: 0 }));
        assert_eq!((d.pfn, d.writable, d.exec), (3, false, Some(true)));
    }

    /// The x86 PROT_NONE family: known answers shared with the C port,
    /// every PN state valid, {PN low, 0} transient only for writers whose
    /// sequences leave it, and pte_pfn() of PN(s) is E(s)'s page.
    #[test]
    fn protnone_entries() {
        for half in [None, Some(0)] {
            let e = Encoding::with(LayoutKind::X86Pae.layout(), 1 << 20, half).unwrap();
            let s1 = e.first();
            assert_eq!(
                e.protnone_entry(s1),
                Pte {
                    low: 0xffff_e120,
                    high: 0xf_fffd
                }
            );
            let s2 = State { j: 2, h: 2 };
            let pn = e.protnone_entry(s2);
            assert_eq!(
                pn,
                Pte {
                    low: 0xffff_d160,
                    high: 0xf_fffc
                }
            );
            let d = e.decode(pn);
            assert!(d.present && d.protnone && !d.writable);
            assert_eq!(d.pfn, e.decode(e.entry(s2)).pfn);
            for s in states(&e, 3000) {
                assert_eq!(e.classify(e.protnone_entry(s)), Class::Present, "{s:?}");
                let torn = Pte {
                    high: 0,
                    ..e.protnone_entry(s)
                };
                assert_eq!(e.classify(torn), Class::Wrong);
                let w = e.wrong(torn);
                let want = if half.is_some() {
                    WrongClass::Transient
                } else {
                    WrongClass::Mixed
                };
                assert_eq!(w.class, want);
                assert_eq!(w.consequences.names(), ["wrong_page"]);
                assert_eq!(e.valid_high(torn), [e.protnone_entry(s).high]);
                // A PN low with a data page's high: NX the PN entry lacks.
                let mixed = Pte {
                    high: e.entry(State { j: 2, h: 2 }).high,
                    ..e.protnone_entry(s)
                };
                if e.classify(mixed) == Class::Wrong {
                    assert!(e.wrong(mixed).consequences.names().contains(&"nx_gained"));
                }
            }
        }
        // PN inverts the whole 20-bit field: a PN low with a high whose 12
        // page bits are those of another installed PN (with P = 2, PN(0,
        // 0x7fe)'s high is 0xff800) but whose bits 12-19 are clear names a
        // frame above 2^32 pages: wrong_page, and never valid.
        let e = Encoding::with(LayoutKind::X86Pae.layout(), 2, None).unwrap();
        let pn = e.protnone_entry(State { j: 0, h: 0x7fe });
        assert_eq!(pn.high, 0xf_f800);
        let short = Pte { high: 0x800, ..pn };
        assert_eq!(e.classify(short), Class::Wrong);
        assert_eq!(e.wrong(short).consequences.names(), ["wrong_page"]);
        assert_eq!(e.decode(short).pfn >> 32, 0xff);
        // Layouts without PROTNONE have no PN family: low 0x100 alone is
        // not present on MIPS (its present bit is 0x40).
        let m = Encoding::new(LayoutKind::Mips, 4, true).unwrap();
        assert_eq!(
            m.classify(Pte {
                low: 0x100,
                high: 0
            }),
            Class::NotPresent
        );
    }

    /// Swap and migration entries: not present, and a present low read
    /// with their high is wrong on every layout; under a low-first install
    /// that value is transient.
    #[test]
    fn swap_and_migration_entries() {
        for kind in LayoutKind::ALL {
            let l = kind.layout();
            for to in [ClearTo::Swap, ClearTo::Migration] {
                let e = Encoding::with(l, 1 << 10, None).unwrap();
                let c = e.cleared_entry(to, e.first()).unwrap();
                assert_eq!(e.classify(c), Class::NotPresent, "{kind:?} {to:?}");
                let u = Encoding::with(l, 1 << 10, Some(c.high)).unwrap();
                for s in states(&e, 200) {
                    let torn = Pte {
                        high: c.high,
                        ..e.entry(s)
                    };
                    assert_eq!(e.classify(torn), Class::Wrong, "{kind:?} {to:?} {s:?}");
                    assert_eq!(e.wrong(torn).class, WrongClass::Mixed);
                    assert_ne!(e.wrong(torn).consequences.0, 0);
                    assert_eq!(u.wrong(torn).class, WrongClass::Transient);
                    let family = match to {
                        ClearTo::Swap => ValueFamily::Swap,
                        _ => ValueFamily::Migration,
                    };
                    assert_eq!(e.wrong(torn).family, family, "{kind:?} {s:?}");
                }
            }
        }
        let x = Encoding::new(LayoutKind::X86Pae, 1 << 20, false).unwrap();
        let swap = x.cleared_entry(ClearTo::Swap, x.first()).unwrap();
        let torn = Pte {
            high: swap.high,
            ..x.entry(State { j: 2, h: 2 })
        };
        assert_eq!(
            x.wrong(torn).consequences.names(),
            ["wrong_page", "nx_lost"]
        );
    }

    /// A wrong value's family is unambiguous: no installed entry's high is
    /// the swap or migration entry's, so a mix of two entries is `entry`;
    /// a PROT_NONE low is `protnone` whatever its high.
    #[test]
    fn families_of_wrong_values() {
        for e in encodings(true) {
            let l = *e.layout();
            for s in states(&e, 4096) {
                let high = e.entry(s).high;
                assert!(high != l.swap[1] && high != l.migration[1], "{l:?} {s:?}");
            }
            let a = e.entry(e.first());
            let b = e.entry(e.next(e.next(e.first())));
            for torn in [Pte { high: b.high, ..a }, Pte { high: 0, ..a }] {
                if e.classify(torn) == Class::Wrong {
                    assert_eq!(e.wrong(torn).family, ValueFamily::Entry, "{torn:?}");
                }
            }
            if l.protnone != 0 {
                let pn = e.protnone_entry(State { j: 2, h: 2 });
                let torn = Pte { high: 0, ..pn };
                assert_eq!(e.classify(torn), Class::Wrong);
                assert_eq!(e.wrong(torn).family, ValueFamily::Protnone);
            }
        }
    }

    /// The PMD rows: known answer shared with the C port, installed states
    /// valid, and only x86 has them.
    #[test]
    fn pmd_rows() {
        use super::super::layout::Level;
        let row = LayoutKind::X86Pae.at(Level::Pmd).unwrap();
        assert_eq!(row.max_low_period(), 2048);
        let e = Encoding::with(row, 2048, None).unwrap();
        assert_eq!(
            e.entry(e.first()),
            Pte {
                low: 0x20_00a5,
                high: 0x2
            }
        );
        for s in states(&e, 5000) {
            assert_eq!(e.classify(e.entry(s)), Class::Present);
        }
        assert!(Encoding::with(row, 2049, None).is_none());
        assert!(LayoutKind::Mips.at(Level::Pmd).is_none());
        assert!(LayoutKind::ShX2tlb.at(Level::Pmd).is_none());
    }

    #[test]
    fn valid_high_is_an_installed_high_with_that_low() {
        for e in encodings(true) {
            let reached = states(&e, 500);
            for a in &reached[..50] {
                for b in &reached[50..60] {
                    let pte = Pte {
                        low: e.entry(*a).low,
                        high: e.entry(*b).high,
                    };
                    let v = e.valid_high(pte);
                    assert_eq!(v.len(), 1);
                    let fixed = Pte { high: v[0], ..pte };
                    assert_eq!(e.classify(fixed), Class::Present, "{a:?} {b:?} {e:?}");
                }
            }
        }
    }
}
