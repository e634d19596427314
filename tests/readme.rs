//! The README's first command (the demo) works on a fresh clone, and the shipped sample is what the phantom makes.

use std::path::Path;

#[test]
fn readme_first_command_runs_on_shipped_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block = readme.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let mut lines = block.lines();
    let first = lines.next().unwrap();
    assert_eq!(lines.next().unwrap(), "cargo test", "the second command must be the test command");
    let args: Vec<&str> =
        first.strip_prefix("cargo run --release -- ").expect("first command runs cusp").split_whitespace().collect();
    assert_eq!(args, ["demo"], "the first command runs the demo");
    // The demo runs from the repository alone; its output goes to a temporary folder here, not reports/out.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("demo");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cusp"))
        .args(&args)
        .arg("--out")
        .arg(&out_dir)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    // Every figure passes its check against ground truth, as the README says.
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.len() >= 11);
    for c in checks {
        assert_eq!(c["pass"], true, "{c}");
    }
    assert!(std::fs::metadata(out_dir.join("report.html")).unwrap().len() > 100_000);
}

#[test]
fn the_sample_in_the_readme_is_described() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cusp"))
        .args(["info", "datasets/samples/phantom_lower.ply", "--labels", "datasets/samples/phantom_lower.labels.json"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("watertight          yes") && text.contains("lower jaw"), "{text}");
}

#[test]
fn shipped_sample_is_the_coarse_phantom_of_seed_1() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = cusp::phantom::Phantom::generate(&cusp::phantom::PhantomSpec::coarse(1)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    cusp::phantom::write_phantom(&p, dir.path(), None).unwrap();
    for f in ["phantom_lower.ply", "phantom_lower.labels.json"] {
        let made = std::fs::read(dir.path().join(f.trim_start_matches("phantom_"))).unwrap();
        let shipped = std::fs::read(root.join("datasets/samples").join(f)).unwrap();
        assert!(made == shipped, "{f} no longer matches `cusp phantom --coarse --seed 1`: regenerate it");
    }
}

/// Layers only look down: the analysis stages never import the ground-truth generator (`phantom`) or the
/// evaluation code (`eval`); only the phantom scenario runner, the evaluation itself and their commands do.
#[test]
fn analysis_stages_never_see_the_ground_truth() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("engine");
    let allowed = ["phantom/", "eval/", "pipeline/mod.rs", "cli/phantom.rs", "cli/eval.rs", "main.rs", "lib.rs"];
    let mut stack = vec![root.clone()];
    let mut read = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            if p.extension().is_none_or(|x| x != "rs") || allowed.iter().any(|a| rel.starts_with(a)) {
                continue;
            }
            read += 1;
            let text = std::fs::read_to_string(&p).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for bad in ["crate::phantom", "cusp::phantom", "crate::eval", "cusp::eval", "super::phantom"] {
                    assert!(!code.contains(bad), "{rel}:{}: imports {bad}: {line}", n + 1);
                }
            }
        }
    }
    assert!(read > 50, "only {read} engine files read");
}
