//! hunt sets aside a confirmation run made while the machine slowed. Its
//! own test binary: cargo runs test binaries one at a time, so no other
//! test loads the CPUs while the normal runs are measured.

mod common;
use common::*;
use ptear::report::HuntRecord;

/// `slow.sh LOG PTEAR run ARGS...`: every third run is slowed the way a
/// host that takes a CPU away slows it (writer and reader on CPU 0 with
/// four busy loops beside them: no ABA tears, the writer at 83-96 M
/// cycles/s against the normal runs' 190-470 M, measured on x86-64 with
/// the host slowed and not); the others run as asked. LOG gets `slow`
/// or `normal` per run, in order. With one busy loop the writer kept 84%
/// of the normal runs' speed when the host itself was slowed (its two
/// vCPUs then share a core, so the normal runs' writer had half of one).
const SLOW_SH: &str = r#"
log=$1; shift; ptear=$1; shift
n=$(( $(wc -l < "$log") + 1 ))
if (( n % 3 != 0 )); then
    echo normal >> "$log"
    exec "$ptear" "$@"
fi
echo slow >> "$log"
args=(); prev=
for a in "$@"; do
    [[ $prev == --cpus ]] && a=0
    args+=("$a"); prev=$a
done
hogs=()
for _ in 1 2 3 4; do taskset -c 0 bash -c 'while :; do :; done' & hogs+=($!); done
"$ptear" "${args[@]}"; rc=$?
kill "${hogs[@]}"
exit $rc
"#;

#[test]
fn a_slowed_confirmation_run_is_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (sh, log, json) = (
        dir.path().join("slow.sh"),
        dir.path().join("log"),
        dir.path().join("hunt.json"),
    );
    std::fs::write(&sh, SLOW_SH).unwrap();
    std::fs::write(&log, "").unwrap();
    let exec = format!(
        "bash {} {} {}",
        sh.display(),
        log.display(),
        env!("CARGO_BIN_EXE_ptear")
    );
    // Everything fixed: one point, so the winner's runs are the last ones.
    let out = run(&[
        "hunt",
        "--low-period",
        "1",
        "--cpus",
        "0,1",
        "--writer-gap",
        "0",
        "--reader-gap",
        "300",
        "--pairs",
        "1",
        "--readers",
        "1",
        "--budget",
        "3s",
        "--seed",
        "5",
        "-q",
        "--exec",
        &exec,
        "--json",
        json.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let record = std::fs::read_to_string(&json).unwrap();
    let rec: HuntRecord = serde_json::from_str(&record).unwrap();
    let best = rec.hunts[0].best.as_ref().expect("a best configuration");
    assert!(best.confirmed);
    assert_eq!(best.runs.len(), best.writer_cycles_per_s.len());
    let log = std::fs::read_to_string(&log).unwrap();
    let kinds: Vec<&str> = log.lines().collect();
    let winner = &kinds[kinds.len() - best.runs.len() - best.set_aside.len()..];
    let slowed = winner.iter().filter(|k| **k == "slow").count();
    assert!(slowed >= 1, "the winner's runs: {winner:?}");
    // Every slowed run set aside (a host slowdown of its own may add one).
    assert!(
        best.set_aside.len() >= slowed,
        "{stdout}\n{winner:?}\n{record}"
    );
    assert!(stdout.contains("set aside, the host slowed"), "{stdout}");
    assert!(!best.runs.is_empty(), "{stdout}");
}
