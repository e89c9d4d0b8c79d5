//! `--layout`: where each architecture keeps the present bit, the page frame
//! and the permissions in the two halves of a 64-bit entry. The table is
//! docs/layouts.md's; the C port's copy (c/generated.h) is generated from
//! this file by tests/c_header.rs, and tests/c_port.rs compares the two
//! tools' `ptear list --json`.

use super::Pte;
use crate::names::{name, Name, Named};

/// `--layout`: which architecture's entries the writers install (names
/// and help: [`LAYOUT_NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutKind {
    /// i386 PAE with HIGHMEM64G.
    X86Pae,
    /// i386 PAE without HIGHMEM64G.
    X86PaeNohighmem,
    /// MIPS32 with 64-bit physical addresses (non-XPA).
    Mips,
    /// SH-4A X2TLB.
    ShX2tlb,
}

/// `--layout`'s names and help, indexed by `LayoutKind as usize`.
pub const LAYOUT_NAMES: [Name; 4] = [
    name(
        "x86-pae",
        "i386 PAE with HIGHMEM64G: PFN bits 20-31 and NX in the high half",
    ),
    name(
        "x86-pae-nohighmem",
        "i386 PAE without HIGHMEM64G: only NX in the high half",
    ),
    name(
        "mips",
        "MIPS32 64-bit phys (non-XPA): PFN and V/D in the high half (EntryLo)",
    ),
    name(
        "sh-x2tlb",
        "SH-4A X2TLB: PFN in the low half, extended permissions in the high half",
    ),
];

impl Named for LayoutKind {
    const ALL: &'static [Self] = &LayoutKind::ALL;
    fn row(self) -> &'static Name {
        &LAYOUT_NAMES[self as usize]
    }
}

/// `--level`: which entry of the walk the writers update and readers read
/// (names and help: [`LEVEL_NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Page-table entries.
    Pte,
    /// x86 PAE huge-page PMDs.
    Pmd,
}

/// `--level`'s names and help, indexed by `Level as usize`.
pub const LEVEL_NAMES: [Name; 2] = [
    name("pte", "page-table entries (ptep_get_lockless)"),
    name("pmd", "x86 PAE huge-page PMDs (pmdp_get_lockless)"),
];

impl Named for Level {
    const ALL: &'static [Self] = &[Level::Pte, Level::Pmd];
    fn row(self) -> &'static Name {
        &LEVEL_NAMES[self as usize]
    }
}

/// `--clear-to`: what stands in the slot between two installs
/// (docs/layouts.md, "What a cleared entry becomes"; names and help:
/// [`CLEAR_TO_NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClearTo {
    /// 0.
    Zero,
    /// A swap entry.
    Swap,
    /// A migration entry.
    Migration,
    /// x86 PROT_NONE and back.
    Protnone,
}

/// `--clear-to`'s names and help, indexed by `ClearTo as usize`.
pub const CLEAR_TO_NAMES: [Name; 4] = [
    name("zero", "0 (zap_pte_range)"),
    name(
        "swap",
        "a swap entry (try_to_unmap_one, then do_swap_page installs over it)",
    ),
    name(
        "migration",
        "a migration entry (try_to_migrate_one, then remove_migration_pte)",
    ),
    name(
        "protnone",
        "x86 PROT_NONE and back (ptep_modify_prot_start/commit)",
    ),
];

impl Named for ClearTo {
    const ALL: &'static [Self] = &[
        ClearTo::Zero,
        ClearTo::Swap,
        ClearTo::Migration,
        ClearTo::Protnone,
    ];
    fn row(self) -> &'static Name {
        &CLEAR_TO_NAMES[self as usize]
    }
}

/// Index of the data-page flags in `low_flags` / `high_flags` (even j).
pub const DATA: usize = 0;
/// Index of the text-page flags (odd j).
pub const TEXT: usize = 1;

/// One architecture's entry format, as numbers (docs/layouts.md, "The
/// layouts"). Entry E(j, h) of a pair is
/// `low = j << low_shift | low_flags[j & 1]`,
/// `high = (h + high_add) << high_shift | high_flags[j & 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `_PAGE_PRESENT` in the low half.
    pub present: u32,
    /// Where j (the low identity) sits in the low half.
    pub low_shift: u32,
    /// Its width: the layout holds 2^low_bits distinct low halves.
    pub low_bits: u32,
    /// Low-half flags of a data page (even j) and a text page (odd j).
    pub low_flags: [u32; 2],
    /// Where the page-frame bits sit in the high half.
    pub high_shift: u32,
    /// Their width (0: the high half holds no page-frame bits).
    pub high_bits: u32,
    /// The width of the high half's page-frame field as the kernel masks
    /// it (x86: `PTE_PFN_MASK`'s high half), from `high_shift`: at least
    /// `high_bits`. h and the pfn are decoded from all of it, and PROT_NONE
    /// inverts all of it, so a value with a bit set above `high_bits`
    /// names no installed page.
    pub pfn_high_bits: u32,
    /// Distinct page-frame values h the high half cycles through (a power of two).
    pub states: u32,
    /// Added to h before it is stored (keeps installed page frames off 0).
    pub high_add: u32,
    /// High-half flags of a data page and a text page.
    pub high_flags: [u32; 2],
    /// The NX bit in the high half (0: none).
    pub nx_mask: u32,
    /// Permission bits in the high half (0: none).
    pub perm_mask: u32,
    /// The PFN's bits 0-19 are the low half's bits 12-31.
    pub pfn_in_low: bool,
    /// Where the high half's page-frame bits go in the PFN.
    pub pfn_high_pos: u32,
    /// Writable bit in the low half (x86 `_PAGE_RW`), 0 if none.
    pub write_low: u32,
    /// Writable bit in the high half (MIPS D, SH `_PAGE_EXT_USER_WRITE`), 0 if none.
    pub write_high: u32,
    /// Executable bit in the high half (SH `_PAGE_EXT_USER_EXEC`), 0 if none.
    pub exec_high: u32,
    /// `_PAGE_PROTNONE` in the low half: with PRESENT clear, pte_present()
    /// still says present (x86); 0 where the layout has no such entry.
    pub protnone: u32,
    /// Low flags of PN(j, h), `pte_modify(E(j, h), PAGE_NONE)`, data and text.
    pub protnone_low_flags: [u32; 2],
    /// The swap entry S, type 0 offset 1: [low, high].
    pub swap: [u32; 2],
    /// The migration entry M, type 30, offset the page of E(1, 1): [low, high].
    pub migration: [u32; 2],
    /// On x86, a non-zero entry without PRESENT has its page-frame bits
    /// inverted (L1TF, pgtable-invert.h): pte_pfn() inverts them back.
    pub pfn_inverted_when_not_present: bool,
}

impl Layout {
    /// The largest `--low-period` this layout can hold.
    pub fn max_low_period(&self) -> u32 {
        1 << self.low_bits
    }

    /// The page-frame bits of the low half (where j sits).
    pub const fn pfn_mask_low(&self) -> u32 {
        (((1u64 << self.low_bits) - 1) as u32) << self.low_shift
    }

    /// The high half's page-frame field, `pfn_high_bits` wide: what
    /// PROT_NONE inverts (x86's `flip_protnone_guard`).
    pub const fn pfn_field_high(&self) -> u32 {
        (((1u64 << self.pfn_high_bits) - 1) as u32) << self.high_shift
    }

    /// The one fixed entry `--clear-to` leaves for every state (swap or
    /// migration); None for 0 and for PROT_NONE, whose entry is the
    /// cleared entry's own (`Encoding::cleared_entry`).
    pub fn fixed_cleared_entry(&self, to: ClearTo) -> Option<Pte> {
        let [low, high] = match to {
            ClearTo::Swap => self.swap,
            ClearTo::Migration => self.migration,
            ClearTo::Zero | ClearTo::Protnone => return None,
        };
        Some(Pte { low, high })
    }
}

/// x86 PAE (arch/x86/include/asm/pgtable_types.h): `_PAGE_PRESENT` 0x1,
/// `_PAGE_RW` 0x2, `_PAGE_USER` 0x4, `_PAGE_ACCESSED` 0x20, `_PAGE_DIRTY`
/// 0x40; PFN from bit 12 of the 64-bit entry, a 32-bit pfn (44-bit
/// physical addresses), so PFN bits 20-31 are the high half's bits 0-11;
/// `_PAGE_NX` is bit 63.
const X86_PAE: Layout = Layout {
    present: 0x1,
    low_shift: 12,
    low_bits: 20,
    low_flags: [0x67, 0x25],
    high_shift: 0,
    high_bits: 12,
    // PTE_PFN_MASK: flip_protnone_guard (pgtable-invert.h) inverts all of
    // it, and page_32_types.h sets __PHYSICAL_MASK_SHIFT to 52 on PAE
    // (since the L1TF fixes of v4.19) so that an inverted entry points above
    // any host's memory: the high half's bits 0-19, though a pfn (an
    // unsigned long) reaches bit 11 only.
    pfn_high_bits: 20,
    states: 2048,
    high_add: 1,
    high_flags: [0x8000_0000, 0],
    nx_mask: 0x8000_0000,
    perm_mask: 0,
    pfn_in_low: true,
    pfn_high_pos: 20,
    write_low: 0x2,
    write_high: 0,
    exec_high: 0,
    // _PAGE_PROTNONE is _PAGE_GLOBAL (bit 8); PAGE_NONE is PROTNONE |
    // ACCESSED and _PAGE_CHG_MASK keeps ACCESSED and DIRTY, so a data page
    // becomes A D PROTNONE, a text page A PROTNONE: no PRESENT, RW, USER, NX.
    protnone: 0x100,
    protnone_low_flags: [0x160, 0x120],
    // __swp_pteval_entry (pgtable-3level.h, L1TF): ~offset << 9 in bits
    // 9-58, type in bits 59-63. S: type 0, offset 1. M: type 30
    // (MIGRATION_TYPE below), offset 0x200001 (the page of E(1, 1): j 1,
    // page bits 2 << 20).
    swap: [0xffff_fc00, 0x07ff_ffff],
    migration: [0xbfff_fc00, 0xf7ff_ffff],
    pfn_inverted_when_not_present: true,
};

/// The LAYOUTS table, indexed by `LayoutKind as usize`.
pub const LAYOUTS: [Layout; 4] = [
    X86_PAE,
    // Without HIGHMEM64G (removed around v6.15) no RAM is above 4 GiB: the
    // same format, with the high half's PFN bits always 0.
    Layout {
        states: 1,
        high_add: 0,
        // M's offset is E(1, 0)'s page: 1.
        migration: [0xffff_fc00, 0xf7ff_ffff],
        ..X86_PAE
    },
    // MIPS32 with 64-bit phys, non-XPA (arch/mips/include/asm/
    // pgtable-bits.h): G 0x1, V 0x2, D 0x4, cache 3 << 3 (cachable
    // noncoherent), then the software bits _PAGE_PRESENT 0x40, _PAGE_WRITE
    // 0x100, _PAGE_ACCESSED 0x200, _PAGE_MODIFIED 0x400. pfn_pte() of
    // asm/pgtable.h: pte_low = pgprot, pte_high = pfn << 6 | (pgprot & 0x3f).
    // The kernel leaves bits 13-31 of the low half 0; ptear keeps j there.
    Layout {
        present: 0x40,
        low_shift: 13,
        low_bits: 19,
        low_flags: [0x75e, 0x25a],
        high_shift: 6,
        high_bits: 24,
        pfn_high_bits: 24,
        states: 1 << 20,
        high_add: 1,
        high_flags: [0x1e, 0x1a],
        nx_mask: 0,
        perm_mask: 0x6,
        pfn_in_low: false,
        pfn_high_pos: 0,
        write_low: 0,
        write_high: 0x4,
        exec_high: 0,
        // No PROTNONE bit: PAGE_NONE keeps _PAGE_PRESENT on MIPS.
        protnone: 0,
        protnone_low_flags: [0, 0],
        // pgtable-32.h (64-bit phys, non-XPA): low 0, high = type << 2 |
        // offset << 7 (V and G stay 0). M: type 30, offset 2 (E(1, 1)'s page).
        swap: [0, 0x80],
        migration: [0, 0x178],
        pfn_inverted_when_not_present: false,
    },
    // SH X2TLB (arch/sh/include/asm/pgtable_32.h): _PAGE_PRESENT 0x100,
    // _PAGE_ACCESSED 0x400, _PAGE_CACHABLE 0x8, _PAGE_DIRTY 0x4, PFN from
    // bit 12; the high half holds _PAGE_EXT_* >> 32: USER_EXEC 0x100,
    // USER_WRITE 0x200, USER_READ 0x400, KERN_EXEC 0x800, KERN_WRITE 0x1000,
    // KERN_READ 0x2000.
    Layout {
        present: 0x100,
        low_shift: 12,
        low_bits: 20,
        low_flags: [0x50c, 0x508],
        high_shift: 0,
        high_bits: 0,
        pfn_high_bits: 0,
        states: 1,
        high_add: 0,
        high_flags: [0x3600, 0x2d00],
        nx_mask: 0,
        perm_mask: 0x3f00,
        pfn_in_low: true,
        pfn_high_pos: 0,
        write_low: 0,
        write_high: 0x200,
        exec_high: 0x100,
        // SH has a _PAGE_PROTNONE (0x200) too; ptear models x86's PROT_NONE
        // entries only (docs/layouts.md).
        protnone: 0,
        protnone_low_flags: [0, 0],
        // pgtable_32.h (X2TLB): low 0, high = type | offset << 5. M: type
        // 30, offset 1 (E(1, 0)'s page).
        swap: [0, 0x20],
        migration: [0, 0x3e],
        pfn_inverted_when_not_present: false,
    },
];

/// x86 PAE huge-page PMDs (2 MiB pages, `pmd_mkhuge`): `_PAGE_PSE` 0x80
/// joins the flags and the page frame starts at address bit 21, so j sits
/// in low bits 21-31; the high half is as in the PTE.
const fn x86_pmd(pte: Layout) -> Layout {
    Layout {
        low_shift: 21,
        low_bits: 11,
        low_flags: [0xe7, 0xa5],
        ..pte
    }
}

/// The PMD rows, indexed like LAYOUTS: only x86 PAE has 64-bit PMDs that
/// can tear (MIPS32's PMD is folded; SH X2TLB's PMD high half is always 0).
pub const PMD_LAYOUTS: [Option<Layout>; 4] = [
    Some(x86_pmd(LAYOUTS[0])),
    Some(x86_pmd(LAYOUTS[1])),
    None,
    None,
];

impl LayoutKind {
    /// Every layout, in table order.
    pub const ALL: [LayoutKind; 4] = [
        LayoutKind::X86Pae,
        LayoutKind::X86PaeNohighmem,
        LayoutKind::Mips,
        LayoutKind::ShX2tlb,
    ];

    /// Its row of the table.
    pub fn layout(self) -> &'static Layout {
        &LAYOUTS[self as usize]
    }

    /// Its row at `level` (None: this layout has no such entry).
    pub fn at(self, level: Level) -> Option<&'static Layout> {
        match level {
            Level::Pte => Some(&LAYOUTS[self as usize]),
            Level::Pmd => PMD_LAYOUTS[self as usize].as_ref(),
        }
    }
}

/// The swap type of M, `SWP_MIGRATION_WRITE` (include/linux/swap.h) as
/// 32-bit kernels of v6.0 to v6.x have it: the 32 types end with
/// `SWP_SWAPIN_ERROR` (31, new in v6.0) after the three migration types
/// (28-30); these configs have no device-private entries, PTE markers or
/// HWPOISON entries. The 686-pae kernel's make_writable_migration_entry()
/// gives exactly this (docs/kernel-engine.md, "Encodings").
pub const MIGRATION_TYPE: u32 = 30;

/// The largest `--low-period` of any layout.
pub const MAX_LOW_PERIOD: u32 = 1 << 20;

const _: () = {
    let mut i = 0;
    while i < LAYOUTS.len() {
        let l = &LAYOUTS[i];
        assert!(l.states.is_power_of_two());
        assert!(1 << l.low_bits <= MAX_LOW_PERIOD);
        assert!(l.low_shift + l.low_bits <= 32 && l.high_shift + l.pfn_high_bits <= 32);
        assert!(l.pfn_high_bits >= l.high_bits);
        i += 1;
    }
    // M's type field, per layout's swap format (the comments above).
    assert!(LAYOUTS[0].migration[1] >> 27 == MIGRATION_TYPE);
    assert!(LAYOUTS[1].migration[1] >> 27 == MIGRATION_TYPE);
    assert!((LAYOUTS[2].migration[1] >> 2) & 0x1f == MIGRATION_TYPE);
    assert!(LAYOUTS[3].migration[1] & 0x1f == MIGRATION_TYPE);
};
