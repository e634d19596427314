//! `cusp batch`: cases isolated, a failure recorded and the rest finished, resumable, a summary to read.

use std::path::Path;
use std::process::Command;

fn cusp(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cusp")).args(args).output().unwrap()
}

/// A `[case]` scenario on the shipped sample jaw (a phantom lower with its labels).
fn sample_case(name: &str) -> String {
    let s = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/samples");
    format!(
        "name = \"{name}\"\n[case]\nlower = \"{}\"\nlower_labels = \"{}\"\n",
        s.join("phantom_lower.ply").display(),
        s.join("phantom_lower.labels.json").display()
    )
}

#[test]
fn a_batch_finishes_every_good_case_records_the_bad_one_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    for n in ["a", "b", "c"] {
        std::fs::write(cases.join(format!("{n}.toml")), sample_case(n)).unwrap();
    }
    std::fs::write(cases.join("x.toml"), "name = \"x\"\n[case]\nlower = \"no-such-scan.ply\"\n").unwrap();
    let out = dir.path().join("out");
    let run = || {
        cusp(&["batch".as_ref(), cases.as_os_str(), "--out".as_ref(), out.as_os_str(), "--jobs".as_ref(), "2".as_ref()])
    };
    let o = run();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "one case failed: {err}");
    assert!(err.contains("3 done, 0 done earlier, 1 failed"), "{err}");
    // Each good case has its own report; the bad one its log naming the missing file.
    for n in ["a", "b", "c"] {
        assert!(out.join("cases").join(n).join("report.html").exists(), "case {n} has no report");
    }
    let log = std::fs::read_to_string(out.join("logs/x.log")).unwrap();
    assert!(log.contains("no-such-scan.ply"), "{log}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let rows = summary.as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c", "x"], "the summary keeps the batch's order");
    assert_eq!(rows[0]["status"], "done");
    assert_eq!(rows[0]["figures"]["teeth_lower"], 14, "the sample lower's 14 labelled teeth");
    assert_eq!(rows[3]["status"], "failed");
    assert!(rows[3]["error"].as_str().unwrap().contains("no-such-scan.ply"), "{}", rows[3]["error"]);
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    // Run again: the finished cases are not run again, their reports untouched; the failed one is retried.
    let before = std::fs::read(out.join("cases/a/report.json")).unwrap();
    let o = run();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("0 done, 3 done earlier, 1 failed"), "{err}");
    assert_eq!(std::fs::read(out.join("cases/a/report.json")).unwrap(), before);
}

#[test]
fn a_batch_with_two_cases_of_one_name_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("cases.txt");
    std::fs::write(dir.path().join("one.toml"), sample_case("same")).unwrap();
    std::fs::write(dir.path().join("two.toml"), sample_case("same")).unwrap();
    std::fs::write(&list, "# two files, one name\none.toml\n\ntwo.toml\n").unwrap();
    let out = dir.path().join("out");
    let o = cusp(&["batch".as_ref(), list.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("both named 'same'"), "{err}");
    assert!(!out.exists(), "a refused batch wrote {}", out.display());
}

/// A CSV list: one case per row, paths relative to the CSV, each run like a scenario file; a column that is no
/// case key, or a cell that does not read, stops the batch before any case runs.
#[test]
fn a_batch_from_a_csv_runs_each_row_as_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let s = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/samples");
    for f in ["phantom_lower.ply", "phantom_lower.labels.json"] {
        std::fs::copy(s.join(f), dir.path().join(f)).unwrap();
    }
    let list = dir.path().join("cases.csv");
    std::fs::write(
        &list,
        "name,lower,lower_labels,implants\nrow-a,phantom_lower.ply,phantom_lower.labels.json,no\n\
         row-b, phantom_lower.ply ,phantom_lower.labels.json,\nrow-x,missing.ply,,\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = cusp(&["batch".as_ref(), list.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "one row's scan is missing: {err}");
    assert!(err.contains("2 done, 0 done earlier, 1 failed"), "{err}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let rows = summary.as_array().unwrap();
    assert_eq!(rows.iter().map(|r| r["name"].as_str().unwrap()).collect::<Vec<_>>(), ["row-a", "row-b", "row-x"]);
    assert_eq!(rows[1]["figures"]["teeth_lower"], 14);
    assert!(rows[2]["error"].as_str().unwrap().contains("missing.ply"), "{}", rows[2]["error"]);
    // A column that is no case key, a flag that is not true or false, a name used twice: refused, nothing run.
    for (bad, says) in [
        ("name,lowr\na,phantom_lower.ply\n", "column 'lowr' is no case key"),
        ("name,lower,settle\na,phantom_lower.ply,maybe\n", "settle = 'maybe' is not true or false"),
        ("name,lower\na,phantom_lower.ply\na,phantom_lower.ply\n", "used by an earlier row"),
        ("name,lower\n../up,phantom_lower.ply\n", "must be letters, digits"),
    ] {
        std::fs::write(&list, bad).unwrap();
        let out = dir.path().join("out-bad");
        let o = cusp(&["batch".as_ref(), list.as_os_str(), "--out".as_ref(), out.as_os_str()]);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(1), "{bad}: {err}");
        assert!(err.contains(says), "{bad}: {err}");
        assert!(!out.join("cases").exists(), "{bad}: a case ran");
    }
}
