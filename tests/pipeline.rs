//! Scenarios end to end: partial files, unknown keys, a whole run to a report, a failed stage that leaves
//! nothing behind, and the report rendered in a real browser (headless Chromium).

mod common;

use cusp::pipeline::{run_to_dir, Scenario};
use std::path::Path;

const SMALL: &str = r#"
name = "small"
description = "a quick case for the tests"
[phantom]
seed = 5
missing = [36]
implants = [{ site = 36 }]
prep = { fdi = 16 }
malocclusion = [{ fdi = 41, rotation_deg = [0.0, 0.0, 8.0] }]
time_series = [{ moves = [{ fdi = 41, rotation_deg = [0.0, 0.0, -3.0] }] }]
crown_around = 48
crown_side = 14
crown_occlusal = 9
gingiva_spacing_mm = 0.9
[scanner]
step_mm = 3.0
[run]
scan = ["lower"]
labels = "corrected"
staging = { jaw = "lower", target = "undo-malocclusion", stage_models = true }
progress = { jaw = "lower", time_point = 1 }
"#;

fn quiet(_: &str, _: usize, _: usize) {}

#[test]
fn every_shipped_scenario_parses_and_partial_files_take_defaults() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let s = Scenario::read(&p).unwrap_or_else(|e| panic!("{e}"));
            names.push(s.name);
        }
    }
    names.sort();
    for needed in ["demo", "aligner_staging", "crown_clearance", "implant_verification", "progress_monitoring"] {
        assert!(names.iter().any(|n| n == needed), "scenarios/{needed}.toml is missing: {names:?}");
    }
    let s = Scenario::from_toml("[phantom]\nseed = 3\n", Path::new("partial.toml")).unwrap();
    assert_eq!(s.name, "partial");
    assert_eq!(s.phantom.seed, 3);
    assert!(s.run.segment && s.run.scan.is_empty());
}

#[test]
fn unknown_keys_and_bad_values_are_named() {
    // A name is one folder under reports/out, never a way out of it.
    for name in ["../../x", "/etc/x", "a/b", ".hidden", "a\\b"] {
        let e = Scenario::from_toml(&format!("name = {name:?}\n"), Path::new("n.toml")).unwrap_err().to_string();
        assert!(e.contains("one plain folder name"), "{name}: {e}");
    }
    assert!(Scenario::from_toml("name = \"case 12-b\"\n", Path::new("n.toml")).is_ok());
    let e = Scenario::from_toml("[phantom]\nseeed = 3\n", Path::new("x.toml")).unwrap_err().to_string();
    assert!(e.starts_with("x.toml") && e.contains("seeed"), "{e}");
    let e = Scenario::from_toml("[run]\nscan = [\"uper\"]\n", Path::new("y.toml")).unwrap_err().to_string();
    assert!(e.contains("uper"), "{e}");
    let e = Scenario::from_toml("[run]\nprogress = { time_point = 2 }\n", Path::new("z.toml")).unwrap_err().to_string();
    assert!(e.contains("time_point"), "{e}");
}

#[test]
fn a_failed_stage_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("broken");
    // An implant on a site that still has its tooth: the phantom stage refuses it.
    let s = Scenario::from_toml("[phantom]\nimplants = [{ site = 36 }]\n", Path::new("broken.toml")).unwrap();
    let e = run_to_dir(&s, &out, &quiet).unwrap_err().to_string();
    assert!(e.contains("phantom") && e.contains("36"), "{e}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "temporary files left behind");
}

#[test]
fn a_scenario_runs_to_a_report_that_renders_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("small");
    let s = Scenario::from_toml(SMALL, Path::new("small.toml")).unwrap();
    let checks = run_to_dir(&s, &out, &quiet).unwrap();
    for c in &checks {
        eprintln!(
            "{}: {:.3} {} (threshold {:.3}) {}",
            c.name,
            c.value,
            c.unit,
            c.threshold,
            if c.pass { "pass" } else { "FAIL" }
        );
    }
    for c in checks.iter().filter(|c| !c.name.contains("segmentation")) {
        assert!(c.pass, "{} = {} {} (threshold {})", c.name, c.value, c.unit, c.threshold);
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    for key in ["phantom", "scan", "segmentation", "occlusion", "implants", "staging", "progress", "checks"] {
        assert!(report.get(key).is_some(), "report.json has no {key}");
    }
    let n = report["staging"]["stages"].as_u64().unwrap();
    assert!(out.join(format!("stages/stage_{n:02}.stl")).exists());
    // The resolved scenario reads back as the same scenario.
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert_eq!(Scenario::from_toml(&resolved, Path::new("r.toml")).unwrap(), s);
    // The same scenario gives byte-identical reports.
    let again = dir.path().join("again");
    run_to_dir(&s, &again, &quiet).unwrap();
    for f in ["report.json", "report.html"] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(again.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    // A real browser: no script errors, the 3D canvas drew the jaws, a screenshot is kept.
    common::renders_in_chromium(&out.join("report.html"), "report-screenshot.png");
}
