//! The module's debugfs files, parsed: `results` (the counters, samples
//! and which code ran) and `encodings` (the kernel's entries next to the C
//! port's). The format is kmod/ptear_kmod.c's `results_show` and
//! `encodings_show`: one `key values...` line each.

use crate::engine::samples::Chosen;
use crate::pte::Pte;

/// One torn sample: the entry, the value, when, and the entry's install
/// count just before and just after the read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Reader index.
    pub reader: usize,
    /// Entry index.
    pub pair: usize,
    /// The accepted value.
    pub pte: Pte,
    /// Nanoseconds since the run started.
    pub t_ns: u64,
    /// Installs of the entry before the read began.
    pub before: u64,
    /// ... and after it ended.
    pub after: u64,
    /// How the module's keeper (c/samples.c) kept it.
    pub chosen: Chosen,
    /// Its index among the reader's wrong values.
    pub nth: u64,
}

impl Sample {
    /// Installs that completed while the read ran. The module's counts are
    /// `unsigned long` (32 bits on i386): the difference wraps like them.
    pub fn installs_during(&self) -> u64 {
        (self.after.wrapping_sub(self.before)) & 0xffff_ffff
    }
}

/// One reader's counts, as the module's C classifier (c/layout.h) made them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reader {
    /// CPU it was bound to.
    pub cpu: usize,
    /// Reads.
    pub reads: u64,
    /// Reads whose low half says not present (gup-fast: fallbacks on them).
    pub not_present: u64,
    /// Wrong values whose halves never stood together.
    pub mixed: u64,
    /// Wrong values a writer's own order put in memory.
    pub transient: u64,
    /// gup-fast: re-checks that saw another value.
    pub recheck: u64,
    /// gup-fast: ... whose first value was wrong.
    pub caught: u64,
    /// Nanoseconds to the first torn read (0: none).
    pub first_torn_ns: u64,
    /// Wrong values per consequence (c/layout.h bit order, the report's).
    pub consequences: [u64; 6],
    /// Wrong values per family (c/samples.h order, the report's).
    pub families: [u64; 4],
}

/// Everything `results` says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Results {
    /// UTS_RELEASE of the headers the module was built against.
    pub headers_release: String,
    /// The running kernel's release.
    pub running_release: String,
    /// sizeof(pte_t).
    pub pte_bytes: u32,
    /// The kernel reads its entries in two halves (X86_PAE with
    /// GUP_GET_PTE_LOW_HIGH / GUP_GET_PXX_LOW_HIGH).
    pub split: bool,
    /// Why the module refused its parameters (nothing ran).
    pub error: Option<String>,
    /// Every thread finished.
    pub done: bool,
    /// Reads ran with interrupts off.
    pub irqs_off: bool,
    /// Whose code the writer was.
    pub writer_source: String,
    /// The kernel function the readers ran (empty from an older module).
    pub reader_source: String,
    /// Nanoseconds from the start gate to the last thread's end.
    pub elapsed_ns: u64,
    /// The writer's CPU, installs and clears.
    pub writer: (usize, u64, u64),
    /// Per reader.
    pub readers: Vec<Reader>,
    /// Torn samples: what each reader's keeper kept (c/samples.c: by kind).
    pub samples: Vec<Sample>,
}

fn num<T: std::str::FromStr>(s: Option<&str>, line: &str) -> Result<T, String> {
    s.and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("unreadable line in the module's results: {line:?}"))
}

/// Parses the `results` file.
pub fn parse(text: &str) -> Result<Results, String> {
    let mut r = Results::default();
    let mut saw_schema = false;
    for line in text.lines() {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let mut f = rest.split_whitespace();
        match key {
            "schema" => {
                if rest != "ptear-kmod/2" {
                    return Err(format!("the module speaks {rest:?}, this ptear ptear-kmod/2: rebuild kmod/ from this ptear's source"));
                }
                saw_schema = true;
            }
            "headers_release" => r.headers_release = rest.to_owned(),
            "running_release" => r.running_release = rest.to_owned(),
            "pte_bytes" => r.pte_bytes = num(f.next(), line)?,
            "split" => r.split = rest == "1",
            "error" => r.error = Some(rest.to_owned()),
            "state" => r.done = rest == "done",
            "irqs_off" => r.irqs_off = rest == "1",
            "writer_source" => r.writer_source = rest.to_owned(),
            "reader_source" => r.reader_source = rest.to_owned(),
            "elapsed_ns" => r.elapsed_ns = num(f.next(), line)?,
            "writer" => {
                r.writer = (
                    num(f.next(), line)?,
                    num(f.next(), line)?,
                    num(f.next(), line)?,
                )
            }
            "reader" => {
                let index: usize = num(f.next(), line)?;
                if index != r.readers.len() {
                    return Err(format!("reader lines out of order: {line:?}"));
                }
                let mut rd = Reader {
                    cpu: num(f.next(), line)?,
                    reads: num(f.next(), line)?,
                    not_present: num(f.next(), line)?,
                    mixed: num(f.next(), line)?,
                    transient: num(f.next(), line)?,
                    recheck: num(f.next(), line)?,
                    caught: num(f.next(), line)?,
                    first_torn_ns: num(f.next(), line)?,
                    consequences: [0; 6],
                    families: [0; 4],
                };
                for c in rd.consequences.iter_mut() {
                    *c = num(f.next(), line)?;
                }
                r.readers.push(rd);
            }
            "families" => {
                let index: usize = num(f.next(), line)?;
                let rd = r
                    .readers
                    .get_mut(index)
                    .ok_or_else(|| format!("families of an unknown reader: {line:?}"))?;
                for n in rd.families.iter_mut() {
                    *n = num(f.next(), line)?;
                }
            }
            "sample" => r.samples.push(Sample {
                reader: num(f.next(), line)?,
                pair: num(f.next(), line)?,
                pte: Pte {
                    low: num(f.next(), line)?,
                    high: num(f.next(), line)?,
                },
                t_ns: num(f.next(), line)?,
                before: num(f.next(), line)?,
                after: num(f.next(), line)?,
                chosen: match f.next() {
                    Some("first_of_kind") => Chosen::FirstOfKind,
                    Some("reservoir") => Chosen::Reservoir,
                    _ => return Err(format!("unreadable line in the module's results: {line:?}")),
                },
                nth: num(f.next(), line)?,
            }),
            "end" | "" => {}
            _ => {} // a later module's key this ptear does not know: ignored
        }
    }
    if !saw_schema {
        return Err("the module's results have no schema line".into());
    }
    Ok(r)
}

/// One line of `encodings`: an entry built by the kernel's helpers and by
/// the C port's layout.h, for one layout and state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodingLine {
    /// `entry`, `protnone`, `pmd`, `swap` or `migration`.
    pub kind: String,
    /// `x86-pae` or `x86-pae-nohighmem`.
    pub layout: String,
    /// The state (0, 0 for swap and migration).
    pub j: u32,
    /// ...
    pub h: u32,
    /// The kernel's value.
    pub kernel: Pte,
    /// The C port's value.
    pub c: Pte,
}

fn hex(s: Option<&str>, line: &str) -> Result<u32, String> {
    s.and_then(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| format!("unreadable line in the module's encodings: {line:?}"))
}

/// Parses the `encodings` file.
pub fn parse_encodings(text: &str) -> Result<Vec<EncodingLine>, String> {
    text.lines()
        .filter(|l| l.starts_with("enc "))
        .map(|line| {
            let mut f = line.split_whitespace().skip(1);
            Ok(EncodingLine {
                kind: f.next().unwrap_or("").to_owned(),
                layout: f.next().unwrap_or("").to_owned(),
                j: num(f.next(), line)?,
                h: num(f.next(), line)?,
                kernel: Pte {
                    low: hex(f.next(), line)?,
                    high: hex(f.next(), line)?,
                },
                c: Pte {
                    low: hex(f.next(), line)?,
                    high: hex(f.next(), line)?,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DONE: &str = "schema ptear-kmod/2\nheaders_release 6.1.0-50-686-pae\nrunning_release 6.1.0-50-686-pae\n\
pte_bytes 8\nsplit 1\nstate done\nirqs_off 1\nwriter_source kernel: set_pte, pte_clear\nelapsed_ns 2001681238\n\
writer 0 2671616 2671616\nreader 0 1 4421952 174674 5641 2339784 133592 108792 1059406 2345424 1 1176684 2252 0 0\n\
families 0 2345425 0 0 0\nsample 0 0 2895909 0 1100333 706 708 first_of_kind 0\nend\n";

    #[test]
    fn results_parse_with_every_field() {
        let r = parse(DONE).unwrap();
        assert!(r.done && r.split && r.irqs_off && r.error.is_none());
        assert_eq!(r.pte_bytes, 8);
        assert_eq!(r.writer, (0, 2671616, 2671616));
        assert_eq!(r.readers.len(), 1);
        let rd = &r.readers[0];
        assert_eq!(
            (rd.cpu, rd.reads, rd.mixed, rd.transient, rd.caught),
            (1, 4421952, 5641, 2339784, 108792)
        );
        assert_eq!(rd.consequences, [2345424, 1, 1176684, 2252, 0, 0]);
        assert_eq!(rd.families, [2345425, 0, 0, 0]);
        assert_eq!(r.samples[0].installs_during(), 2);
        assert_eq!(
            (r.samples[0].chosen, r.samples[0].nth),
            (Chosen::FirstOfKind, 0)
        );
        assert_eq!(
            r.samples[0].pte,
            Pte {
                low: 2895909,
                high: 0
            }
        );
    }

    #[test]
    fn a_wrapped_install_count_still_gives_the_span() {
        let s = Sample {
            reader: 0,
            pair: 0,
            pte: Pte::NONE,
            t_ns: 0,
            before: 0xffff_fffe,
            after: 1,
            chosen: Chosen::FirstOfKind,
            nth: 0,
        };
        assert_eq!(s.installs_during(), 3);
    }

    #[test]
    fn a_refusal_and_a_foreign_schema_are_reported() {
        let r =
            parse("schema ptear-kmod/2\nsplit 0\nerror this kernel's pte_t is one word\n").unwrap();
        assert_eq!(r.error.as_deref(), Some("this kernel's pte_t is one word"));
        assert!(!r.split);
        assert!(parse("schema ptear-kmod/1\n").is_err());
        assert!(parse("state done\n").is_err());
        assert!(parse("schema ptear-kmod/2\nreader 0 1 x\n").is_err());
    }

    #[test]
    fn encodings_parse() {
        let e = parse_encodings("enc swap x86-pae 0 0 0xfffffc00 0x7ffffff 0xfffffc00 0x7ffffff\n")
            .unwrap();
        assert_eq!(e[0].kind, "swap");
        assert_eq!(e[0].kernel, e[0].c);
        assert_eq!(e[0].kernel.high, 0x07ff_ffff);
    }
}
