#!/usr/bin/env python3
"""ci/ktap.py [FILE]: checks KTAP version 1 output (the kernel's
Documentation/dev-tools/ktap.rst) read from FILE or stdin, as a kselftest or
LAVA parser would take it. Every line must be one of:

    KTAP version 1                       the version line, first
    1..N                                 the plan, once, before the results
    ok N [description] [# directive]     a result, N counting 1, 2, ... in order
    not ok N [description] [# directive]
    # diagnostic text                    (or a lone #)

A directive is SKIP, TODO, XFAIL, TIMEOUT or ERROR, with an optional reason;
a description holds no '#'. The plan must match the number of results.
Nested subtests (indented KTAP) are not accepted: ptear prints none.
Prints a one-line summary (`ktap: N tests: P ok, F not ok, S skipped`) and
exits 0, or prints each problem (`ktap: line L: ...`) and exits 1.
--expect-fail NAME: NAME must be `not ok` (and the others may be anything).
"""
import re
import sys

RESULT = re.compile(r"^(ok|not ok) ([1-9][0-9]*)(?: ([^#]*[^# ]))?(?: # ?(.*))?$")
DIRECTIVE = re.compile(r"^(SKIP|TODO|XFAIL|TIMEOUT|ERROR)(?: (.*))?$")


def check(lines):
    """Problems found, and the results as (status, number, name, directive)."""
    problems, results, plan = [], [], None
    if not lines or lines[0] != "KTAP version 1":
        problems.append("line 1: not the version line 'KTAP version 1'")
    for no, line in enumerate(lines[1:], start=2):
        if line == "#" or line.startswith("# "):
            continue
        m = re.fullmatch(r"1\.\.([0-9]+)", line)
        if m:
            if plan is not None:
                problems.append(f"line {no}: a second plan")
            elif results:
                problems.append(f"line {no}: the plan comes after results")
            plan = int(m.group(1))
            continue
        m = RESULT.match(line)
        if not m:
            problems.append(f"line {no}: not a KTAP line: {line!r}")
            continue
        status, n, name, directive = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        if n != len(results) + 1:
            problems.append(f"line {no}: test {n} where {len(results) + 1} was next")
        if directive is not None and not DIRECTIVE.match(directive):
            problems.append(f"line {no}: unknown directive {directive!r}")
        results.append((status, n, name, directive))
    if plan is None:
        problems.append("no plan line (1..N)")
    elif plan != len(results):
        problems.append(f"the plan says {plan} tests, {len(results)} results follow")
    return problems, results


def main(argv):
    expect_fail = None
    if len(argv) >= 2 and argv[0] == "--expect-fail":
        expect_fail, argv = argv[1], argv[2:]
    text = open(argv[0]).read() if argv else sys.stdin.read()
    problems, results = check(text.splitlines())
    if expect_fail is not None and not any(s == "not ok" and n == expect_fail for s, _, n, _ in results):
        problems.append(f"no 'not ok' result for {expect_fail}")
    for p in problems:
        print(f"ktap: {p}")
    if problems:
        return 1
    skipped = sum(1 for r in results if r[3] and r[3].startswith("SKIP"))
    bad = sum(1 for r in results if r[0] == "not ok")
    print(f"ktap: {len(results)} tests: {len(results) - bad - skipped} ok, {bad} not ok, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
