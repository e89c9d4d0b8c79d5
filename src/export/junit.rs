//! JUnit XML, the test report CI systems show (GitLab, Jenkins, GitHub
//! actions with a reporter): `testsuites` > `testsuite` > `testcase`, with
//! the counts (`tests`, `failures`, `errors`, `skipped`) and `time` on the
//! suite elements, a `failure` (with a message) or `skipped` element in a
//! case that did not pass, and the case's diagnostics in `system-out`.

use std::fmt::Write;

/// How a test case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseOutcome {
    /// It passed.
    Passed,
    /// It failed: one line why.
    Failed(String),
    /// It did not run here: why.
    Skipped(String),
}

/// One test case.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// Its class: the suite it belongs to, dotted (`ptear.selftest.x86_64`).
    pub classname: String,
    /// Seconds it took.
    pub time_s: f64,
    /// Its outcome.
    pub outcome: CaseOutcome,
    /// What it printed (diagnostics), or empty.
    pub output: String,
}

/// Escapes text for an XML attribute or element.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 => o.push('?'),
            c => o.push(c),
        }
    }
    o
}

/// `2026-12-05T01:50:00`, UTC, from seconds since the epoch (the
/// `timestamp` attribute; days to a civil date after H. Hinnant).
pub fn timestamp(unix_s: u64) -> String {
    let days = (unix_s / 86400) as i64;
    let secs = unix_s % 86400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A document of one suite: `name`, started at `started` (seconds since
/// the epoch) on `hostname`.
pub fn render(name: &str, started: u64, hostname: &str, cases: &[Case]) -> String {
    let failures = cases
        .iter()
        .filter(|c| matches!(c.outcome, CaseOutcome::Failed(_)))
        .count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(c.outcome, CaseOutcome::Skipped(_)))
        .count();
    let time: f64 = cases.iter().map(|c| c.time_s).sum();
    let counts = format!(
        r#"tests="{}" failures="{failures}" errors="0" skipped="{skipped}" time="{time:.3}""#,
        cases.len()
    );
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let name = escape(name);
    let _ = writeln!(o, r#"<testsuites name="{name}" {counts}>"#);
    let _ = writeln!(
        o,
        r#"  <testsuite name="{name}" {counts} timestamp="{}" hostname="{}">"#,
        timestamp(started),
        escape(hostname)
    );
    for c in cases {
        let _ = write!(
            o,
            r#"    <testcase name="{}" classname="{}" time="{:.3}">"#,
            escape(&c.name),
            escape(&c.classname),
            c.time_s
        );
        o.push('\n');
        match &c.outcome {
            CaseOutcome::Passed => {}
            CaseOutcome::Failed(why) => {
                let _ = writeln!(
                    o,
                    r#"      <failure message="{}" type="failure">{}</failure>"#,
                    escape(why),
                    escape(why)
                );
            }
            CaseOutcome::Skipped(why) => {
                let _ = writeln!(o, r#"      <skipped message="{}"/>"#, escape(why));
            }
        }
        if !c.output.is_empty() {
            let _ = writeln!(o, "      <system-out>{}</system-out>", escape(&c.output));
        }
        o.push_str("    </testcase>\n");
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}

/// This machine's name (`hostname` attribute), or `localhost`.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_escapes() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(timestamp(1_796_442_000), "2026-12-05T03:40:00");
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;?");
    }

    #[test]
    fn counts() {
        let case = |name: &str, outcome| Case {
            name: name.into(),
            classname: "k".into(),
            time_s: 1.5,
            outcome,
            output: String::new(),
        };
        let xml = render(
            "s",
            0,
            "h",
            &[
                case("a", CaseOutcome::Passed),
                case("b", CaseOutcome::Failed("why".into())),
                case("c", CaseOutcome::Skipped("not here".into())),
            ],
        );
        assert!(xml.contains(r#"tests="3" failures="1" errors="0" skipped="1" time="4.500""#));
        assert!(xml.contains(r#"<failure message="why""#));
        assert!(xml.contains(r#"<skipped message="not here"/>"#));
    }
}
