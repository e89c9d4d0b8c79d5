//! KTAP, the kernel's test output (Documentation/dev-tools/ktap.rst,
//! version 1): a version line, a plan `1..N`, one result line per test
//! (`ok N name`, `not ok N name`, `ok N name # SKIP reason`) and `#`
//! diagnostic lines. kselftest's runner and LAVA's and KernelCI's parsers
//! read it. Lines are printed as they come, so a board farm that reads the
//! serial console sees each result when its test ends.

/// The version line and the plan: `n` tests follow.
pub fn header(n: usize) -> String {
    format!("KTAP version 1\n1..{n}\n")
}

/// Diagnostic lines: `# ` before each line of `text`.
pub fn diag(text: &str) -> String {
    text.lines().map(|l| format!("# {l}\n")).collect()
}

/// How a test ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It passed.
    Ok,
    /// It failed.
    NotOk,
    /// It could not run here, and why.
    Skip(String),
}

/// A description never holds `#` (it would start a directive) nor a line break.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '#' || c == '\n' || c == '\r' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// The result line of test `n` (counted from 1).
pub fn result(n: usize, name: &str, outcome: &Outcome) -> String {
    let name = clean(name);
    match outcome {
        Outcome::Ok => format!("ok {n} {name}\n"),
        Outcome::NotOk => format!("not ok {n} {name}\n"),
        Outcome::Skip(why) => format!("ok {n} {name} # SKIP {}\n", clean(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(header(3), "KTAP version 1\n1..3\n");
        assert_eq!(diag("a\nb"), "# a\n# b\n");
        assert_eq!(result(1, "x", &Outcome::Ok), "ok 1 x\n");
        assert_eq!(result(2, "x#y", &Outcome::NotOk), "not ok 2 x_y\n");
        assert_eq!(
            result(3, "aba", &Outcome::Skip("needs 2 CPUs".into())),
            "ok 3 aba # SKIP needs 2 CPUs\n"
        );
    }
}
