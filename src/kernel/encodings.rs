//! Do the kernel's own helpers build the entries ptear's layouts say?
//! The module prints, for a set of states of `x86-pae` and
//! `x86-pae-nohighmem`, what pfn_pte() (data pages with NX, text pages
//! without), pte_modify(.., PAGE_NONE), pmd_mkhuge(pfn_pmd()),
//! swp_entry_to_pte(swp_entry(0, 1)) and make_writable_migration_entry()
//! give, next to what the C port's layout.h gives; here both are compared
//! with the Rust layout (src/pte/layout.rs).
//!
//! Where the kernel and ptear's layout differ on purpose or by a known,
//! documented gap, the difference is listed in [`KNOWN`] with its exact
//! shape: a vector passes when it is equal, or differs exactly as its known
//! difference says. Any other difference fails, and so does a known one
//! that has gone away (the list must then be shortened).

use super::results::EncodingLine;
use crate::pte::{ClearTo, Encoding, LayoutKind, Level, Pte, State};
use clap::ValueEnum;

/// A difference between the kernel's encoding and ptear's layout that is
/// known and explained (docs/kernel-engine.md, "Encodings").
pub struct Known {
    /// The vector kind it concerns.
    pub kind: &'static str,
    /// Why.
    pub why: &'static str,
    /// Its exact shape: (kernel, ptear, layout) -> is it this difference?
    pub shape: fn(Pte, Pte, &str) -> bool,
}

/// The known differences, as measured on 6.1.0-50-686-pae.
pub const KNOWN: &[Known] = &[
    Known {
        kind: "protnone",
        why: "the kernel inverts every page-frame bit of PTE_PFN_MASK for PROT_NONE \
              (flip_protnone_guard; __PHYSICAL_MASK_SHIFT is 52 on PAE), i.e. the high \
              half's bits 0-19; ptear's layout inverts the 44-bit page frame it assumes \
              (high bits 0-11), so bits 12-19 of the high half differ",
        shape: |k, p, _| k.low == p.low && k.high ^ p.high == 0x000f_f000,
    },
    Known {
        kind: "migration",
        why: "ptear's M is swap type 31; in 6.1 SWP_SWAPIN_ERROR (v6.0) takes type 31 and \
              SWP_MIGRATION_WRITE is 30 (include/linux/swap.h), so the kernel's M \
              differs in the type field's lowest bit (high half bit 27)",
        shape: |k, p, _| k.low == p.low && k.high ^ p.high == 0x0800_0000,
    },
];

/// One vector's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The module's line.
    pub line: EncodingLine,
    /// ptear's (Rust) value.
    pub ptear: Pte,
    /// None: equal; Some(i): known difference KNOWN[i]; fails otherwise.
    pub known: Option<usize>,
    /// kernel == ptear, or a known difference; and C == ptear.
    pub ok: bool,
}

/// ptear's value for the module's vector, or why there is none.
pub fn ptear_value(l: &EncodingLine) -> Result<Pte, String> {
    let layout = LayoutKind::from_str(&l.layout, false)
        .map_err(|_| format!("unknown layout {:?} in the module's encodings", l.layout))?;
    let level = if l.kind == "pmd" {
        Level::Pmd
    } else {
        Level::Pte
    };
    let row = layout
        .at(level)
        .ok_or_else(|| format!("{} has no {level:?} row", l.layout))?;
    let enc = Encoding::with(row, row.max_low_period(), None).ok_or("no encoding")?;
    let s = State { j: l.j, h: l.h };
    match l.kind.as_str() {
        "entry" | "pmd" => Ok(enc.entry(s)),
        "protnone" => Ok(enc.protnone_entry(s)),
        "swap" => row
            .fixed_cleared_entry(ClearTo::Swap)
            .ok_or("no swap entry".into()),
        "migration" => row
            .fixed_cleared_entry(ClearTo::Migration)
            .ok_or("no migration entry".into()),
        k => Err(format!(
            "unknown vector kind {k:?} in the module's encodings"
        )),
    }
}

/// Checks every vector.
pub fn check(lines: &[EncodingLine]) -> Result<Vec<Checked>, String> {
    lines
        .iter()
        .map(|l| {
            let ptear = ptear_value(l)?;
            let known = if l.kernel == ptear {
                None
            } else {
                KNOWN
                    .iter()
                    .position(|k| k.kind == l.kind && (k.shape)(l.kernel, ptear, &l.layout))
            };
            let ok = (l.kernel == ptear || known.is_some()) && l.c == ptear;
            Ok(Checked {
                line: l.clone(),
                ptear,
                known,
                ok,
            })
        })
        .collect()
}

/// The whole verdict: every vector ok, and every known difference still
/// seen (one that went away means ptear's layout or the kernel changed).
pub fn verdict(checked: &[Checked]) -> Result<String, String> {
    if checked.is_empty() {
        return Err("the module printed no encodings".into());
    }
    let bad: Vec<String> = checked
        .iter()
        .filter(|c| !c.ok)
        .take(5)
        .map(|c| {
            format!(
                "{} {} j={} h={}: kernel {:#x}:{:#x}, C {:#x}:{:#x}, ptear {:#x}:{:#x}",
                c.line.kind,
                c.line.layout,
                c.line.j,
                c.line.h,
                c.line.kernel.high,
                c.line.kernel.low,
                c.line.c.high,
                c.line.c.low,
                c.ptear.high,
                c.ptear.low
            )
        })
        .collect();
    if !bad.is_empty() {
        return Err(format!("entries differ: {}", bad.join("; ")));
    }
    let gone: Vec<&str> = KNOWN
        .iter()
        .enumerate()
        .filter(|(i, _)| !checked.iter().any(|c| c.known == Some(*i)))
        .map(|(_, k)| k.kind)
        .collect();
    if !gone.is_empty() {
        return Err(format!(
            "known differences no longer seen (update src/kernel/encodings.rs KNOWN): {}",
            gone.join(", ")
        ));
    }
    let equal = checked.iter().filter(|c| c.known.is_none()).count();
    Ok(format!(
        "{} vectors: {equal} equal, {} known differences ({})",
        checked.len(),
        checked.len() - equal,
        KNOWN.iter().map(|k| k.kind).collect::<Vec<_>>().join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: &str, layout: &str, j: u32, h: u32, kernel: Pte) -> EncodingLine {
        let mut l = EncodingLine {
            kind: kind.into(),
            layout: layout.into(),
            j,
            h,
            kernel,
            c: Pte::NONE,
        };
        l.c = ptear_value(&l).unwrap();
        l
    }

    fn e(low: u32, high: u32) -> Pte {
        Pte { low, high }
    }

    /// What the module printed in the 686-pae guest, a few lines of it.
    fn measured() -> Vec<EncodingLine> {
        vec![
            line("entry", "x86-pae", 1, 1, e(0x1025, 0x2)),
            line("entry", "x86-pae", 2, 2, e(0x2067, 0x8000_0003)),
            line("protnone", "x86-pae", 1, 1, e(0xffff_e120, 0xf_fffd)),
            line(
                "protnone",
                "x86-pae-nohighmem",
                1,
                0,
                e(0xffff_e120, 0xf_ffff),
            ),
            line("pmd", "x86-pae-nohighmem", 3, 0, e(0x60_00a5, 0)),
            line("swap", "x86-pae", 0, 0, e(0xffff_fc00, 0x07ff_ffff)),
            line(
                "migration",
                "x86-pae-nohighmem",
                0,
                0,
                e(0xffff_fc00, 0xf7ff_ffff),
            ),
        ]
    }

    #[test]
    fn the_measured_vectors_pass_with_their_known_differences() {
        let c = check(&measured()).unwrap();
        assert!(c.iter().all(|c| c.ok), "{c:?}");
        assert_eq!(c[0].known, None);
        assert_eq!(c[2].known, Some(0));
        assert_eq!(c[3].known, Some(0));
        assert_eq!(c[6].known, Some(1));
        assert!(verdict(&c).is_ok());
    }

    #[test]
    fn any_other_difference_fails() {
        // NX lost on a data page: no known difference has that shape.
        let mut v = measured();
        v[1].kernel.high &= !0x8000_0000;
        let c = check(&v).unwrap();
        assert!(!c[1].ok);
        assert!(verdict(&c).unwrap_err().contains("entry x86-pae j=2 h=2"));
        // the C port's value off by one bit fails too, even with the kernel's right
        let mut v = measured();
        v[0].c.low ^= 0x40;
        assert!(!check(&v).unwrap()[0].ok);
    }

    #[test]
    fn a_known_difference_that_went_away_fails() {
        let v: Vec<_> = measured()
            .into_iter()
            .filter(|l| l.kind != "migration")
            .collect();
        let err = verdict(&check(&v).unwrap()).unwrap_err();
        assert!(err.contains("migration"), "{err}");
    }
}
