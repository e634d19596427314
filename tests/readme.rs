//! The README's first command works on a fresh clone, and the sample it uses is what the phantom makes.

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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cusp")).args(&args).current_dir(root).output().unwrap();
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
