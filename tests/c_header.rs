//! The C port's tables, generated from the Rust definitions: this test
//! renders c/generated.h from the library's public items and fails if the
//! committed file differs by one byte. With `PTEAR_BLESS=1` it writes the
//! file instead:
//!
//!     PTEAR_BLESS=1 cargo test --test c_header
//!
//! The check and the generation are the same code, so the header cannot
//! say anything the Rust definitions do not. An integration test rather
//! than a build script or a binary: nothing extra in the package, and the
//! C port (built for sh4, which no Rust compiler targets) needs no Rust
//! toolchain, only the committed file. tests/c_port.rs still compares
//! what the two tools print.

use ptear::arch::BARRIER_NAMES;
use ptear::config::{limits, ReaderKind, WriterKind, READER_NAMES, WRITER_NAMES};
use ptear::engine::samples::{KIND_FIRST, MAX_SAMPLES};
use ptear::engine::stats::{EXACT_RETRIES, RARE_RETRY_SLOTS};
use ptear::names::{Name, Named};
use ptear::pte::layout::{Layout, CLEAR_TO_NAMES, LAYOUT_NAMES, LEVEL_NAMES};
use ptear::pte::write::HalfCleared;
use ptear::pte::{ClearTo, LayoutKind, Level, WrongClass};
use ptear::report::{Verdict, LIST_SCHEMA, SCHEMA, SELFTEST_SCHEMA};
use ptear::selftest::{Control, ATOMIC64_CONTROLS, CONTROLS, SHOWN_MIN_TORN, TORN_CAP_FACTOR};
use std::fmt::Write as _;
use std::path::PathBuf;

fn header_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("c/generated.h")
}

/// A C string literal.
fn c_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => panic!("{c:?} in {s:?}: only printable ASCII goes into the C header"),
        }
    }
    out.push('"');
    out
}

fn c_str_or_null(s: Option<&str>) -> String {
    s.map_or_else(|| "0".to_owned(), c_str)
}

/// A C identifier from a Rust variant's name: `X86PaeV26` -> `X86_PAE_V26`.
fn ident_of_variant(v: impl std::fmt::Debug) -> String {
    let d = format!("{v:?}");
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// A C identifier from a value's name: `lfence-sfence` -> `LFENCE_SFENCE`.
fn ident_of_name(n: &str) -> String {
    n.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// One enum: the C enum, its names and its help.
struct CEnum<'a> {
    /// What it is and where it comes from (a comment).
    what: &'a str,
    /// `enum reader_kind`.
    tag: &'a str,
    /// `READER_` ...
    prefix: &'a str,
    /// The count's name: `READER_NKINDS`.
    count: &'a str,
    /// `reader`: arrays `reader_names`, `reader_help`.
    arrays: &'a str,
    /// (enumerator suffix, row), in order.
    rows: Vec<(String, &'static Name)>,
}

fn named_rows<T: Named + std::fmt::Debug>() -> Vec<(String, &'static Name)> {
    T::ALL
        .iter()
        .map(|&v| (ident_of_variant(v), v.row()))
        .collect()
}

fn render_enum(out: &mut String, e: &CEnum<'_>) {
    writeln!(out, "/* {} */", e.what).unwrap();
    write!(out, "enum {} {{", e.tag).unwrap();
    for (i, (id, _)) in e.rows.iter().enumerate() {
        write!(
            out,
            "{}\n    {}{id}",
            if i == 0 { "" } else { "," },
            e.prefix
        )
        .unwrap();
    }
    writeln!(out, ",\n    {}\n}};", e.count).unwrap();
    for (suffix, field) in [("names", 0), ("help", 1)] {
        writeln!(
            out,
            "static const char *const {}_{suffix}[{}] = {{",
            e.arrays, e.count
        )
        .unwrap();
        for (_, n) in &e.rows {
            let s = if field == 0 { n.name } else { n.help };
            writeln!(out, "    {},", c_str(s)).unwrap();
        }
        writeln!(out, "}};").unwrap();
    }
    out.push('\n');
}

fn layout_ident(k: LayoutKind) -> String {
    format!("LAYOUT_{}", ident_of_variant(k))
}

fn pair(v: [u32; 2]) -> String {
    format!("{{ {:#x}u, {:#x}u }}", v[0], v[1])
}

fn render_layout(out: &mut String, k: LayoutKind) {
    let l: &Layout = k.layout();
    writeln!(out, "    [{}] = {{", layout_ident(k)).unwrap();
    let mut field = |name: &str, v: String| writeln!(out, "        .{name} = {v},").unwrap();
    field("name", c_str(k.name()));
    field("help", c_str(k.help()));
    field("present", format!("{:#x}u", l.present));
    field("low_shift", l.low_shift.to_string());
    field("low_bits", l.low_bits.to_string());
    field("low_flags", pair(l.low_flags));
    field("high_shift", l.high_shift.to_string());
    field("high_bits", l.high_bits.to_string());
    field("pfn_high_bits", l.pfn_high_bits.to_string());
    field("states", format!("{}u", l.states));
    field("high_add", l.high_add.to_string());
    field("high_flags", pair(l.high_flags));
    field("nx_mask", format!("{:#x}u", l.nx_mask));
    field("perm_mask", format!("{:#x}u", l.perm_mask));
    field("max_low_period", format!("{}u", l.max_low_period()));
    field("pfn_in_low", u32::from(l.pfn_in_low).to_string());
    field("pfn_high_pos", l.pfn_high_pos.to_string());
    field("write_low", format!("{:#x}u", l.write_low));
    field("write_high", format!("{:#x}u", l.write_high));
    field("exec_high", format!("{:#x}u", l.exec_high));
    field(
        "pfn_inverted_when_not_present",
        u32::from(l.pfn_inverted_when_not_present).to_string(),
    );
    field("protnone", format!("{:#x}u", l.protnone));
    field("protnone_low_flags", pair(l.protnone_low_flags));
    field("swap", pair(l.swap));
    field("migration", pair(l.migration));
    let pmd = match k.at(Level::Pmd) {
        Some(p) => format!(
            "{{ .exists = 1, .low_shift = {}, .low_bits = {}, .low_flags = {}, .max_low_period = {}u }}",
            p.low_shift,
            p.low_bits,
            pair(p.low_flags),
            p.max_low_period()
        ),
        None => "{ .exists = 0 }".to_owned(),
    };
    field("pmd", pmd);
    writeln!(out, "    }},").unwrap();
}

fn render_control(out: &mut String, c: &Control) {
    let class = match c.expect_class {
        None => "EXPECT_CLASS_NONE".to_owned(),
        Some(k) => format!("EXPECT_CLASS_{}", ident_of_variant(k)),
    };
    let layout = c.layout.map_or_else(|| "-1".to_owned(), layout_ident);
    writeln!(
        out,
        "    {{ .name = {}, .reader = READER_{}, .writer = WRITER_{}, .barrier = BARRIER_{}, \\\n      \
         .layout = {layout}, .low_period = {}, .writer_gap = {}, .reader_gap = {}, \\\n      \
         .expect_torn = {}, .expect_class = {class}, .expect_caught = {}, .needs_two_cpus = {}, \\\n      \
         .needs_atomic64 = {}, .clear_to = CLEAR_TO_{}, .level = LEVEL_{} }}, \\",
        c_str(c.name),
        ident_of_variant(c.reader),
        ident_of_variant(c.writer),
        ident_of_name(c.barrier.name()),
        c.low_period.unwrap_or(0),
        c.writer_gap,
        c.reader_gap,
        u8::from(c.expect == Verdict::Torn),
        u8::from(c.expect_caught),
        u8::from(c.needs_two_cpus),
        u8::from(c.needs_atomic64()),
        ident_of_variant(c.clear_to),
        ident_of_variant(c.level),
    )
    .unwrap();
}

const BANNER: &str = "\
/* generated.h - GENERATED by tests/c_header.rs from the Rust definitions:
 * do not edit. Change the Rust side, then regenerate with
 *     PTEAR_BLESS=1 cargo test --test c_header
 * (`cargo test` fails while this file differs from what it would write).
 *
 * The C port's one copy of the tables it shares with the Rust ptear: the
 * schema names, the limits, the names and one-line help of every
 * --reader, --writer, --barrier, --layout, --clear-to and --level value
 * (src/names.rs's tables), the layout table of docs/layouts.md
 * (src/pte/layout.rs, with the kernel headers each row comes from) and
 * the selftest's control table (src/selftest.rs). Freestanding, with
 * <stdint.h> as its only include: kmod/ compiles it inside the kernel
 * (through layout.h and config.h), and it includes nothing of ptear's. */
#ifndef PTEAR_GENERATED_H
#define PTEAR_GENERATED_H

#include <stdint.h>

";

fn render_limits(out: &mut String) {
    out.push_str("/* The JSON documents' schemas (src/report/schema.rs). */\n");
    for (name, v) in [
        ("PTEAR_SCHEMA", SCHEMA),
        ("PTEAR_SELFTEST_SCHEMA", SELFTEST_SCHEMA),
        ("PTEAR_LIST_SCHEMA", LIST_SCHEMA),
    ] {
        writeln!(out, "#define {name} {}", c_str(v)).unwrap();
    }
    out.push_str(
        "\n/* Limits (src/config.rs limits; src/engine/samples.rs and stats.rs):\n \
         * `ptear list --json` prints them. */\n",
    );
    let rows: [(&str, u64, &str); 9] = [
        (
            "PTEAR_MAX_THREADS",
            limits::MAX_THREADS,
            "readers + writers x writers_per_entry",
        ),
        (
            "PTEAR_MAX_PAIRS",
            limits::MAX_PAIRS,
            "pairs in the table (also at most half the RAM)",
        ),
        (
            "PTEAR_MAX_GAP",
            limits::MAX_GAP,
            "spin iterations in one gap",
        ),
        (
            "PTEAR_MAX_LOW_PERIOD",
            u64::from(limits::MAX_LOW_PERIOD),
            "the most any layout holds",
        ),
        (
            "PTEAR_MAX_DURATION_S",
            limits::MAX_DURATION_S,
            "366 days: \"longer than a year\"",
        ),
        (
            "PTEAR_MAX_SAMPLES",
            MAX_SAMPLES as u64,
            "torn reads kept in full per reader and report",
        ),
        (
            "PTEAR_KIND_FIRST",
            KIND_FIRST as u64,
            "... of them, the first of each kind (samples.h)",
        ),
        (
            "PTEAR_EXACT_RETRIES",
            EXACT_RETRIES as u64,
            "retries 1..255 counted in a plain array",
        ),
        (
            "PTEAR_RARE_SLOTS",
            RARE_RETRY_SLOTS as u64,
            "distinct retry counts >= 256 kept exactly",
        ),
    ];
    for (name, v, why) in rows {
        assert!(
            v <= u64::from(u32::MAX),
            "{name} does not fit the C port's u32"
        );
        writeln!(out, "#define {name:<21} {v}u /* {why} */").unwrap();
    }
    out.push('\n');
}

fn render_enums(out: &mut String) {
    let barriers: Vec<(String, &'static Name)> = BARRIER_NAMES
        .iter()
        .map(|n| (ident_of_name(n.name), n))
        .collect();
    let enums = [
        CEnum {
            what: "--reader (src/config.rs READER_NAMES), in the Rust tool's order, which `ptear list` keeps",
            tag: "reader_kind",
            prefix: "READER_",
            count: "READER_NKINDS",
            arrays: "reader",
            rows: named_rows::<ReaderKind>(),
        },
        CEnum {
            what: "--writer (src/config.rs WRITER_NAMES)",
            tag: "writer_kind",
            prefix: "WRITER_",
            count: "WRITER_NKINDS",
            arrays: "writer",
            rows: named_rows::<WriterKind>(),
        },
        CEnum {
            what: "--barrier: every arch's (src/arch/mod.rs BARRIER_NAMES); a build has some of them\n * \
                   (barrier.c), and refuses the others as unknown values",
            tag: "barrier_kind",
            prefix: "BARRIER_",
            count: "BARRIER_NKINDS",
            arrays: "barrier",
            rows: barriers,
        },
        CEnum {
            what: "--layout (src/pte/layout.rs LAYOUT_NAMES), in the table's order (docs/layouts.md)",
            tag: "layout_id",
            prefix: "LAYOUT_",
            count: "LAYOUT_N",
            arrays: "layout",
            rows: named_rows::<LayoutKind>(),
        },
        CEnum {
            what: "--level (src/pte/layout.rs LEVEL_NAMES): the PTE's rows, or an x86 PAE huge-page PMD\n * \
                   (2 MiB), which only x86-pae and x86-pae-nohighmem have (docs/layouts.md, \"The PMD level\")",
            tag: "pte_level",
            prefix: "LEVEL_",
            count: "LEVEL_N",
            arrays: "level",
            rows: named_rows::<Level>(),
        },
        CEnum {
            what: "--clear-to (src/pte/layout.rs CLEAR_TO_NAMES): what stands in the slot between two\n * \
                   installs (docs/layouts.md, \"What a cleared entry becomes\")",
            tag: "clear_to",
            prefix: "CLEAR_TO_",
            count: "CLEAR_TO_N",
            arrays: "clear_to",
            rows: named_rows::<ClearTo>(),
        },
    ];
    // the tables above are indexed by these discriminants on both sides
    assert_eq!(READER_NAMES.len(), ReaderKind::ALL.len());
    assert_eq!(WRITER_NAMES.len(), WriterKind::ALL.len());
    assert_eq!(LAYOUT_NAMES.len(), LayoutKind::ALL.len());
    assert_eq!(LEVEL_NAMES.len(), Level::ALL.len());
    assert_eq!(CLEAR_TO_NAMES.len(), ClearTo::ALL.len());
    for e in &enums {
        render_enum(out, e);
    }
}

fn render_writers(out: &mut String) {
    out.push_str(
        "/* Each writer profile's kernels and source file(s) (src/config.rs\n \
         * WriterKind::kernels; 0: ptear's own control). */\n",
    );
    out.push_str("static const char *const writer_kernels[WRITER_NKINDS][2] = {\n");
    for w in WriterKind::ALL {
        let k = w.kernels();
        writeln!(
            out,
            "    {{ {}, {} }},",
            c_str_or_null(k.map(|k| k.0)),
            c_str_or_null(k.map(|k| k.1))
        )
        .unwrap();
    }
    out.push_str("};\n\n");
    out.push_str(
        "/* The layout a writer profile's run uses unless --layout says otherwise\n \
         * (src/config.rs WriterKind::default_layout). */\n",
    );
    out.push_str("static const enum layout_id writer_layout[WRITER_NKINDS] = {\n");
    for w in WriterKind::ALL {
        writeln!(out, "    {},", layout_ident(w.default_layout())).unwrap();
    }
    out.push_str("};\n\n");
    out.push_str(
        "/* What a writer profile's own store order leaves standing between two\n \
         * stores (src/pte/write.rs HalfCleared; docs/layouts.md, transient_high). */\n",
    );
    out.push_str("enum half_cleared {\n");
    for h in [
        HalfCleared::Never,
        HalfCleared::HighZeroedFirst,
        HalfCleared::LowInstalledFirst,
    ] {
        writeln!(out, "    HALF_CLEARED_{},", ident_of_variant(h)).unwrap();
    }
    out.push_str("};\n");
    out.push_str("static const enum half_cleared writer_half_cleared_by[WRITER_NKINDS] = {\n");
    for w in WriterKind::ALL {
        writeln!(
            out,
            "    HALF_CLEARED_{},",
            ident_of_variant(w.half_cleared())
        )
        .unwrap();
    }
    out.push_str("};\n\n");
}

const LAYOUT_STRUCT: &str = "\
/* One architecture's entry format (src/pte/layout.rs Layout; docs/layouts.md,
 * \"The layouts\"). Entry E(j, h) of a pair is
 *     L(j)    = (j << low_shift) | low_flags[j & 1]
 *     H(h, q) = ((h + high_add) << high_shift) | high_flags[q]    q = j & 1
 * Even j is a data page (writable, not executable), odd j a text page. */
struct layout {
    const char *name, *help;
    uint32_t present;               /* _PAGE_PRESENT in the low half */
    uint32_t low_shift, low_bits;   /* where j sits in the low half, its width */
    uint32_t low_flags[2];          /* [data, text]: [j even, j odd] */
    uint32_t high_shift, high_bits; /* the high half's page-frame bits */
    /* the high half's page-frame field as the kernel masks it (x86:
     * PTE_PFN_MASK's high half, 20 bits), at least high_bits: h and the
     * pfn are decoded from all of it, PROT_NONE inverts all of it */
    uint32_t pfn_high_bits;
    uint32_t states;                /* N, a power of two */
    uint32_t high_add;              /* added to h (keeps page frames off 0) */
    uint32_t high_flags[2];         /* [data, text] */
    uint32_t nx_mask, perm_mask;    /* in the high half (0: none) */
    uint32_t max_low_period;        /* 2^low_bits */
    /* How pfn, writable and exec are read off (lo, hi) (pte_decode()):
     * pfn = (pfn_in_low ? lo >> 12 : 0) | ((hi >> high_shift) & the field)
     * << pfn_high_pos; writable = lo & write_low || hi & write_high; exec =
     * !(hi & nx_mask) with an NX bit, else hi & exec_high, else none; x86
     * inverts the page frame of a non-zero entry without PRESENT back. */
    uint32_t pfn_in_low, pfn_high_pos;
    uint32_t write_low, write_high, exec_high;
    uint32_t pfn_inverted_when_not_present;
    /* What a cleared entry becomes (--clear-to, docs/layouts.md): x86's
     * _PAGE_PROTNONE (0: the layout has none) and the low flags a
     * PROT_NONE entry keeps [data, text]; the fixed swap entry S and
     * migration entry M, {low, high}. */
    uint32_t protnone;
    uint32_t protnone_low_flags[2];
    uint32_t swap[2], migration[2];
    /* --level pmd: what differs from the PTE row (exists 0: none) */
    struct layout_pmd {
        int exists;
        uint32_t low_shift, low_bits;
        uint32_t low_flags[2];
        uint32_t max_low_period;
    } pmd;
};

/* Sources (src/pte/layout.rs cites them field by field):
 * arch/x86/include/asm/pgtable_types.h, page_32_types.h, pgtable-3level.h,
 * pgtable-invert.h; arch/mips/include/asm/pgtable-bits.h (the 64-bit phys,
 * non-XPA MIPS32 enum), pgtable.h pfn_pte() and pgtable-32.h;
 * arch/sh/include/asm/pgtable_32.h. MIPS's real low half holds only
 * protection bits: ptear hides j in bits 13-31, which the kernel leaves 0. */
static const struct layout layout_table[LAYOUT_N] = {
";

const CONTROL_STRUCT: &str = "\
/* The class a control's wrong values must all be (src/pte/encoding.rs
 * WrongClass; NONE: no rule), with the names the reports use. */
enum expect_class {
    EXPECT_CLASS_NONE,
    EXPECT_CLASS_MIXED,
    EXPECT_CLASS_TRANSIENT,
};

/* One selftest control: src/selftest.rs Control, field for field. */
struct control {
    const char *name;
    enum reader_kind reader;
    enum writer_kind writer;
    enum barrier_kind barrier;
    int layout;             /* an enum layout_id, or -1: the writer's (null in ptear list --json) */
    uint32_t low_period;    /* 0: the layout's max_low_period, null in ptear list --json */
    uint32_t writer_gap, reader_gap;
    int expect_torn;
    enum expect_class expect_class;
    int expect_caught;      /* gup-fast: totals.gup_fast.caught > 0 */
    int needs_two_cpus;     /* see src/selftest.rs, Control::needs_two_cpus */
    int needs_atomic64;     /* one of ATOMIC64_CONTROLS: only where the arch has one */
    enum clear_to clear_to; /* --clear-to */
    enum pte_level level;   /* --level */
};

";

fn render_controls(out: &mut String) {
    out.push_str(CONTROL_STRUCT);
    writeln!(
        out,
        "static const char *const expect_class_names[3] = {{ 0, {}, {} }};\n",
        c_str(WrongClass::Mixed.name()),
        c_str(WrongClass::Transient.name())
    )
    .unwrap();
    let two = CONTROLS
        .iter()
        .find_map(|c| c.cannot_run_here(1))
        .expect("a control needs two CPUs");
    out.push_str("/* Why a control that needs two CPUs is skipped on one (src/selftest.rs). */\n");
    writeln!(out, "#define PTEAR_SKIP_NEEDS_TWO_CPUS {}\n", c_str(&two)).unwrap();
    out.push_str(
        "/* A control that must tear runs until it has shown its outcome (torn, its\n \
         * class and catches, and PTEAR_SHOWN_MIN_TORN wrong values or -d run), at\n \
         * most PTEAR_TORN_CAP_FACTOR x -d (src/selftest.rs Control::shown). */\n",
    );
    writeln!(out, "#define PTEAR_TORN_CAP_FACTOR {TORN_CAP_FACTOR}u").unwrap();
    writeln!(out, "#define PTEAR_SHOWN_MIN_TORN {SHOWN_MIN_TORN}u\n").unwrap();
    out.push_str(
        "/* The control table (src/selftest.rs CONTROLS), as initializers: selftest.c\n \
         * puts them in its array, control i runs with seed + i. */\n#define PTEAR_CONTROLS \\\n",
    );
    for c in CONTROLS {
        render_control(out, c);
    }
    out.push_str("\n/* ... and the controls that need a 64-bit atomic (ATOMIC64_CONTROLS): only\n \
                  * where the arch has one (PTEAR_HAS_ATOMIC64). */\n#define PTEAR_ATOMIC64_CONTROLS \\\n");
    for c in ATOMIC64_CONTROLS {
        render_control(out, c);
    }
    out.push('\n');
}

/// The whole header.
fn render() -> String {
    let mut out = String::from(BANNER);
    render_limits(&mut out);
    render_enums(&mut out);
    render_writers(&mut out);
    out.push_str(LAYOUT_STRUCT);
    for &k in LayoutKind::ALL.iter() {
        render_layout(&mut out, k);
    }
    out.push_str("};\n\n");
    render_controls(&mut out);
    out.push_str("#endif\n");
    out
}

#[test]
fn c_generated_header_is_what_the_rust_definitions_give() {
    let want = render();
    let path = header_path();
    if std::env::var_os("PTEAR_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
        panic!(
            "c/generated.h differs from what the Rust definitions give, first at line {}:\n  \
             file:      {:?}\n  generated: {:?}\n\
             Do not edit it by hand: change the Rust side and run\n    \
             PTEAR_BLESS=1 cargo test --test c_header",
            first + 1,
            got.lines().nth(first).unwrap_or("<end of file>"),
            want.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn c_identifiers_are_the_ports() {
    assert_eq!(ident_of_variant(WriterKind::X86PaeV26), "X86_PAE_V26");
    assert_eq!(ident_of_variant(LayoutKind::ShX2tlb), "SH_X2TLB");
    assert_eq!(ident_of_name("lfence-sfence"), "LFENCE_SFENCE");
    assert_eq!(c_str("a \"b\" \\"), "\"a \\\"b\\\" \\\\\"");
}
