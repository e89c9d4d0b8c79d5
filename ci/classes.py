#!/usr/bin/env python3
"""The acceptance runs of the classes and consequences, with one binary, each checked for
the classes and consequences it must give (docs/layouts.md):

    ci/classes.py NAME COMMAND...     e.g. ci/classes.py mipsel qemu-mipsel dist/ptear-mipsel

Every binary of the matrix (Rust natively and under qemu-user, the C port
under qemu-sh4) runs the same table, so the same classes on every arch is
what passing it everywhere means. Each run's report is kept as
target/reports/classes-NAME-RUN.json. Exit 1 if any run misbehaves.
"""
import json
import os
import subprocess
import sys

ABA = ["--low-period", "2", "--reader-gap", "1000"]


def t(r):
    return r["totals"]


def cons(r, name):
    return t(r)["consequences"][name]


# A run that needs a 64-bit exchange: on targets without one it must be
# refused as a usage error (exit 2, one line), which is what is checked there.
X86_ONLY = [("x86 only", None)]
NO_ATOMIC64 = ("mipsel", "mipsel-r1", "sh4")


def fam(r, name):
    return t(r)["families"][name]


def families_add_up(r):
    return sum(t(r)["families"].values()) == t(r)["torn"]

# (run, options, [(what must hold, check)])
RUNS = [
    ("high-first", ["--writer", "mips", "--writer-gap", "200", "--layout", "mips"], [
        ("transient > 0", lambda r: t(r)["transient"] > 0),
        ("mixed == 0", lambda r: t(r)["mixed"] == 0),
        ("every one pfn_zero", lambda r: cons(r, "pfn_zero") == t(r)["torn"]),
    ]),
    ("once", ["--reader", "once"], [
        ("mixed > 0", lambda r: t(r)["mixed"] > 0),
        ("transient == 0", lambda r: t(r)["transient"] == 0),
    ]),
    ("aba-lockless", ABA, [
        ("mixed > 0", lambda r: t(r)["mixed"] > 0),
        ("transient == 0", lambda r: t(r)["transient"] == 0),
    ]),
    ("aba-kvm-count", ABA + ["--reader", "kvm-count"], [
        ("no wrong value", lambda r: t(r)["torn"] == 0 and t(r)["mixed"] == 0 and t(r)["transient"] == 0),
        ("reads > 0", lambda r: t(r)["reads"] > 0),
    ]),
    ("aba-gup-fast", ABA + ["--reader", "gup-fast"], [
        ("caught > 0", lambda r: t(r)["gup_fast"]["caught"] > 0),
        ("slipped counted apart (= torn)", lambda r: t(r)["gup_fast"]["slipped"] == t(r)["torn"]),
        ("first_wrong = caught + slipped",
         lambda r: t(r)["gup_fast"]["first_wrong"] == t(r)["gup_fast"]["caught"] + t(r)["gup_fast"]["slipped"]),
        ("transient == 0", lambda r: t(r)["transient"] == 0),
    ]),
    # Issue #9: what a cleared entry becomes, and the PMD level.
    ("swap-once", ["--clear-to", "swap", "--reader", "once"], [
        ("mixed > 0", lambda r: t(r)["mixed"] > 0),
        ("transient == 0", lambda r: t(r)["transient"] == 0),
        ("wrong_page > 0", lambda r: cons(r, "wrong_page") > 0),
        ("swap counted", lambda r: fam(r, "swap") > 0),
        ("families sum to torn", families_add_up),
    ]),
    ("swap-lockless", ["--clear-to", "swap"], [
        ("no wrong value", lambda r: t(r)["torn"] == 0),
        ("not present > 0", lambda r: t(r)["not_present"] > 0),
    ]),
    ("protnone", ["--clear-to", "protnone", "--writer", "mips", "--layout", "x86-pae", "--writer-gap", "200"], [
        ("transient > 0", lambda r: t(r)["transient"] > 0),
        ("mixed == 0", lambda r: t(r)["mixed"] == 0),
        ("protnone counted", lambda r: fam(r, "protnone") > 0),
        ("families sum to torn", families_add_up),
        # Samples are chosen by kind, so a counted family has a sample.
        ("a PROT_NONE sample, present to pte_present()",
         lambda r: any(s["family"] == "protnone" for s in r["torn_samples"])
         and all(s["decoded"]["protnone"] and s["decoded"]["present"]
                 for s in r["torn_samples"] if s["family"] == "protnone")),
    ]),
    ("pmd-once", ["--level", "pmd", "--reader", "once"], [
        ("mixed > 0", lambda r: t(r)["mixed"] > 0),
        ("every sample a huge-page PMD (its low flags a PMD row's)", lambda r: all(
            s["low"] & ((1 << PMD["low_shift"]) - 1) in PMD["low_flags"] for s in r["torn_samples"])),
    ]),
    ("pmd-x86-pae", ["--level", "pmd", "--writer", "x86-pae"], X86_ONLY + [
        ("no wrong value", lambda r: t(r)["torn"] == 0),
        ("reads > 0", lambda r: t(r)["reads"] > 0),
    ]),
    ("nohighmem-once", ["--reader", "once", "--layout", "x86-pae-nohighmem"], [
        ("torn > 0", lambda r: t(r)["torn"] > 0),
        ("only NX flips", lambda r: cons(r, "nx_lost") + cons(r, "nx_gained") == t(r)["torn"]
         and all(cons(r, k) == 0 for k in ("wrong_page", "pfn_zero", "wrong_permissions", "no_permissions"))),
    ]),
]


# The x86-pae PMD row, as the binary under test lists it (`list --json`:
# the layout table, not a copy of it here); set by main().
PMD = {}


def main():
    name, cmd = sys.argv[1], sys.argv[2:]
    listed = json.loads(subprocess.run(cmd + ["list", "--json"], capture_output=True, text=True, check=True).stdout)
    PMD.update(next(l["pmd"] for l in listed["layouts"] if l["name"] == "x86-pae"))
    pin = ["--cpus", "0,1"] if len(os.sched_getaffinity(0)) >= 2 else []
    os.makedirs("target/reports", exist_ok=True)
    bad = 0
    for run, opts, checks in RUNS:
        args = cmd + ["run", "-q", "-d", "1s", "--readers", "1", "--format", "json"] + pin + opts
        out = subprocess.run(args, capture_output=True, text=True)
        if X86_ONLY[0] in checks and name in NO_ATOMIC64:
            ok = out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
            print(f"  {run:<15} refused: {out.stderr.strip()}  {'ok' if ok else 'FAILED: exit ' + str(out.returncode)}")
            bad += not ok
            continue
        checks = [c for c in checks if c != X86_ONLY[0]]
        if out.returncode not in (0, 1):
            print(f"  {run}: exit {out.returncode}: {out.stderr.strip()}")
            bad += 1
            continue
        r = json.loads(out.stdout)
        with open(f"target/reports/classes-{name}-{run}.json", "w") as f:
            json.dump(r, f)
        failed = [what for what, ok in checks if not ok(r)]
        g = t(r)["gup_fast"]
        extra = f", caught {g['caught']}, slipped {g['slipped']}" if g else ""
        print(f"  {run:<15} torn {t(r)['torn']:>10}  mixed {t(r)['mixed']:>10}  "
              f"transient {t(r)['transient']:>10}{extra}  {'ok' if not failed else 'FAILED: ' + ', '.join(failed)}")
        bad += bool(failed)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
