#!/usr/bin/env python3
"""ci/junit.py RESULTS OUT.xml [SUITE]: the JUnit XML of a ci/test.sh run.

RESULTS has one line per check, tab-separated: `ok` or `FAILED`, the
seconds it took, the check's name, and (optional) a file holding its
output and the step it ran in. The output's last 200 lines go into the
testcase (`system-out`, or the `failure`'s text); a failure's message is
the output's last line that says what failed (FAILED, error, panicked,
assert, expected), else its last line. One testcase per check, classname
the step (`ci/test.sh: selftest mipsel (qemu-mipsel)`); the counts on the
suite elements.
"""
import re
import os
import socket
import sys
import time
from xml.sax.saxutils import escape, quoteattr


def tail(path, n=200):
    if not path or not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()[-n:]
    # XML 1.0 forbids most control characters (a progress line's \r is fine).
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "?" for c in "\n".join(lines))


def main(results, out, suite="ci/test.sh"):
    cases = []
    with open(results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            status, secs, name = parts[:3]
            output = tail(parts[3] if len(parts) > 3 else "")
            step = parts[4] if len(parts) > 4 and parts[4] else "checks"
            cases.append((status, float(secs), name, output, step))
    failures = sum(1 for c in cases if c[0] != "ok")
    total = sum(c[1] for c in cases)
    counts = f'tests="{len(cases)}" failures="{failures}" errors="0" skipped="0" time="{total:.3f}"'
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    o = ['<?xml version="1.0" encoding="UTF-8"?>',
         f"<testsuites name={quoteattr(suite)} {counts}>",
         f"  <testsuite name={quoteattr(suite)} {counts} timestamp=\"{stamp}\" hostname={quoteattr(socket.gethostname())}>"]
    for status, secs, name, output, step in cases:
        o.append(f'    <testcase name={quoteattr(name)} classname={quoteattr("ci/test.sh: " + step)} time="{secs:.3f}">')
        if status != "ok":
            lines = [l.strip() for l in output.splitlines() if l.strip()] or [f"{name} failed"]
            said = [l for l in lines if re.search(r"FAILED|error|panicked|assert|expected", l, re.I)]
            last = (said or lines)[-1]
            o.append(f"      <failure message={quoteattr(last)} type=\"failure\">{escape(output)}</failure>")
        elif output:
            o.append(f"      <system-out>{escape(output)}</system-out>")
        o.append("    </testcase>")
    o += ["  </testsuite>", "</testsuites>", ""]
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(o))
    os.replace(out + ".tmp", out)
    print(f"junit: {out}: {len(cases)} checks, {failures} failed")


if __name__ == "__main__":
    main(*sys.argv[1:4])
