//! Do the kernel's own helpers build the entries ptear's layouts say?
//! The module prints, for a set of states of `x86-pae` and
//! `x86-pae-nohighmem`, what pfn_pte() (data pages with NX, text pages
//! without), pte_modify(.., PAGE_NONE), pmd_mkhuge(pfn_pmd()),
//! swp_entry_to_pte(swp_entry(0, 1)) and make_writable_migration_entry()
//! give, next to what the C port's layout.h gives; here both are compared
//! with the Rust layout (src/pte/layout.rs).
//!
//! A vector passes when the kernel's entry, the C port's and the Rust
//! layout's are equal; there is no list of tolerated differences: where
//! the kernel and ptear disagreed (PROT_NONE's inverted bits, M's swap
//! type), ptear's layouts were changed to the kernel's.

use super::results::EncodingLine;
use crate::names::Named;
use crate::pte::{ClearTo, Encoding, LayoutKind, Level, Pte, State};

/// One vector's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The module's line.
    pub line: EncodingLine,
    /// ptear's (Rust) value.
    pub ptear: Pte,
    /// kernel == ptear and C == ptear.
    pub ok: bool,
}

/// ptear's value for the module's vector, or why there is none.
pub fn ptear_value(l: &EncodingLine) -> Result<Pte, String> {
    let layout = LayoutKind::from_name(&l.layout)
        .ok_or_else(|| format!("unknown layout {:?} in the module's encodings", l.layout))?;
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
            Ok(Checked {
                line: l.clone(),
                ptear,
                ok: l.kernel == ptear && l.c == ptear,
            })
        })
        .collect()
}

/// The whole verdict: every vector ok.
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
    let kinds: std::collections::BTreeSet<&str> =
        checked.iter().map(|c| c.line.kind.as_str()).collect();
    Ok(format!(
        "{} vectors equal ({})",
        checked.len(),
        kinds.into_iter().collect::<Vec<_>>().join(", ")
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
    fn the_measured_vectors_are_ptears() {
        let c = check(&measured()).unwrap();
        assert!(c.iter().all(|c| c.ok), "{c:?}");
        assert!(verdict(&c).is_ok());
    }

    #[test]
    fn any_other_difference_fails() {
        // NX lost on a data page.
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
    fn the_old_differences_fail() {
        // ptear's PROT_NONE before it inverted 20 high bits, and M of type 31.
        let mut v = measured();
        v[2].kernel.high = 0xffd;
        v[6].kernel.high = 0xffff_ffff;
        let c = check(&v).unwrap();
        assert!(!c[2].ok && !c[6].ok);
        let err = verdict(&c).unwrap_err();
        assert!(err.contains("protnone x86-pae j=1 h=1"), "{err}");
    }
}
