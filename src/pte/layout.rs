//! `--layout`: where each architecture keeps the present bit, the page frame
//! and the permissions in the two halves of a 64-bit entry. The table is
//! docs/layouts.md's; the C port has the same (c/layout.h) and
//! tests/c_port.rs compares the two through `ptear list --json`.

use clap::ValueEnum;

/// `--layout`: which architecture's entries the writers install.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayoutKind {
    /// i386 PAE with HIGHMEM64G: PFN bits 20-31 and NX in the high half
    X86Pae,
    /// i386 PAE without HIGHMEM64G: only NX in the high half
    X86PaeNohighmem,
    /// MIPS32 64-bit phys (non-XPA): PFN and V/D in the high half (EntryLo)
    Mips,
    /// SH-4A X2TLB: PFN in the low half, extended permissions in the high half
    ShX2tlb,
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
}

impl Layout {
    /// The largest `--low-period` this layout can hold.
    pub fn max_low_period(&self) -> u32 {
        1 << self.low_bits
    }
}

/// x86 PAE (arch/x86/include/asm/pgtable_types.h): `_PAGE_PRESENT` 0x1,
/// `_PAGE_RW` 0x2, `_PAGE_USER` 0x4, `_PAGE_ACCESSED` 0x20, `_PAGE_DIRTY`
/// 0x40; PFN from bit 12 of the 64-bit entry, 44-bit physical addresses
/// (`__PHYSICAL_MASK_SHIFT` of page_32_types.h), so PFN bits 20-31 are the
/// high half's bits 0-11; `_PAGE_NX` is bit 63.
const X86_PAE: Layout = Layout {
    present: 0x1,
    low_shift: 12,
    low_bits: 20,
    low_flags: [0x67, 0x25],
    high_shift: 0,
    high_bits: 12,
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
};

/// The LAYOUTS table, indexed by `LayoutKind as usize`.
pub const LAYOUTS: [Layout; 4] = [
    X86_PAE,
    // Without HIGHMEM64G (removed around v6.15) no RAM is above 4 GiB: the
    // same format, with the high half's PFN bits always 0.
    Layout {
        states: 1,
        high_add: 0,
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
    },
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
}

/// The largest `--low-period` of any layout.
pub const MAX_LOW_PERIOD: u32 = 1 << 20;

const _: () = {
    let mut i = 0;
    while i < LAYOUTS.len() {
        let l = &LAYOUTS[i];
        assert!(l.states.is_power_of_two());
        assert!(1 << l.low_bits <= MAX_LOW_PERIOD);
        assert!(l.low_shift + l.low_bits <= 32 && l.high_shift + l.high_bits <= 32);
        i += 1;
    }
};
