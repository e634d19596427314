//! A corpus of inputs that are no dental arch, generated here, run through every subcommand that reads a jaw:
//! no panic, no run over 30 s or 2 GB of address space, every refusal naming the file or the option, and
//! nothing written where a refusal is due.

use cusp::io::{self, WriteOptions};
use cusp::mesh::Mesh;
use nalgebra::Point3;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Meshes that are no jaw: (file name, mesh).
fn corpus() -> Vec<(&'static str, Mesh)> {
    let p = |x: f64, y: f64, z: f64| Point3::new(x, y, z);
    let mesh = |v: Vec<Point3<f64>>, t: Vec<[u32; 3]>| Mesh::new(v, t).expect("valid indices");
    let grid = |n: usize, step: f64, z: &dyn Fn(f64, f64) -> f64| {
        let mut v = Vec::new();
        let mut t = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let (x, y) = (i as f64 * step, j as f64 * step);
                v.push(p(x, y, z(x, y)));
            }
        }
        for i in 0..n as u32 - 1 {
            for j in 0..n as u32 - 1 {
                let a = i * n as u32 + j;
                t.push([a, a + n as u32, a + 1]);
                t.push([a + 1, a + n as u32, a + n as u32 + 1]);
            }
        }
        mesh(v, t)
    };
    let mut cloud: Vec<Point3<f64>> =
        (0..500_000).map(|i| p((i % 700) as f64 * 0.1, (i / 700) as f64 * 0.1, 0.0)).collect();
    cloud.extend([p(0.0, 0.0, 1.0), p(1.0, 0.0, 1.0), p(0.0, 1.0, 1.0)]);
    let n = cloud.len() as u32;
    let cube = {
        let s = Mesh::icosphere(1.0, 0);
        let v =
            s.positions().iter().map(|q| p(q.x.signum() * 20.0, q.y.signum() * 20.0, q.z.signum() * 20.0)).collect();
        mesh(v, s.triangles().to_vec())
    };
    vec![
        ("all_degenerate.ply", mesh(vec![p(1.0, 1.0, 1.0); 9], vec![[0, 1, 2], [3, 4, 5], [6, 7, 8]])),
        ("one_point.ply", mesh(vec![p(5.0, 5.0, 5.0); 30], (0..10).map(|k| [3 * k, 3 * k + 1, 3 * k + 2]).collect())),
        (
            "collinear.ply",
            mesh(
                (0..40).map(|i| p(i as f64, 2.0 * i as f64, 0.0)).collect(),
                (0..38).map(|i| [i, i + 1, i + 2]).collect(),
            ),
        ),
        (
            "far_apart.ply",
            mesh(
                vec![
                    p(0.0, 0.0, 0.0),
                    p(1.0, 0.0, 0.0),
                    p(0.0, 1.0, 0.0),
                    p(1e8, 0.0, 0.0),
                    p(1e8 + 1.0, 0.0, 0.0),
                    p(1e8, 1.0, 0.0),
                ],
                vec![[0, 1, 2], [3, 4, 5]],
            ),
        ),
        ("sphere.ply", Mesh::icosphere(25.0, 4)),
        ("plane.ply", grid(121, 0.5, &|_, _| 0.0)),
        ("egg_crate.ply", grid(121, 0.5, &|x, y| (x * 0.8).sin() * (y * 0.8).sin())),
        ("crown_sized.ply", Mesh::icosphere(5.0, 3)),
        ("metres.ply", Mesh::icosphere(0.03, 3)),
        ("cube.ply", cube),
        ("point_cloud.ply", mesh(cloud, vec![[n - 3, n - 2, n - 1]])),
    ]
}

/// Runs cusp under a 2 GB address-space limit; (exit code, None when killed by a signal; stderr; seconds).
fn run_limited(args: &[&str]) -> (Option<i32>, String, f64) {
    let line = std::iter::once(env!("CARGO_BIN_EXE_cusp"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let t = Instant::now();
    let out = Command::new("sh").arg("-c").arg(format!("ulimit -v 2097152; exec {line}")).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).to_string(), t.elapsed().as_secs_f64())
}

fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |rd| rd.filter_map(|e| e.ok()).count())
}

#[test]
fn no_jaw_is_answered_and_nothing_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| -> PathBuf { dir.path().join(n) };
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut runs = 0;
    for (name, mesh) in corpus() {
        let file = d(name);
        io::write_mesh(&file, &mesh, WriteOptions::default()).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        let f = file.to_str().unwrap();
        let out = d(&format!("out-{name}"));
        let o = out.to_str().unwrap();
        let converted = d(&format!("{name}.stl"));
        // (command, must it refuse?)
        let commands: Vec<(Vec<&str>, bool)> = vec![
            (vec!["info", f], false),
            (vec!["convert", f, converted.to_str().unwrap()], false),
            (vec!["segment", f, "--out", o], true),
            (vec!["occlusion", "--upper", f, "--lower", f, "--out", o], true),
            (vec!["stage", f, "--auto", "--out", o], true),
            (vec!["progress", "--before", f, "--after", f, "--out", o], true),
            (vec!["implant", f, "--out", o], true),
            (vec!["report", "--upper", f, "--out", o], true),
        ];
        for (args, must_refuse) in commands {
            runs += 1;
            let (code, stderr, secs) = run_limited(&args);
            let what = format!("cusp {} on {name}", args[0]);
            assert!(code.is_some(), "{what}: killed by a signal (out of memory?): {stderr}");
            assert_ne!(code, Some(101), "{what}: panicked: {stderr}");
            assert!(secs < 30.0, "{what}: took {secs:.1} s");
            if must_refuse {
                assert_ne!(code, Some(0), "{what}: answered (exit 0) a mesh that is no jaw: {stderr}");
                assert!(
                    stderr.contains(name) || stderr.contains("--"),
                    "{what}: the refusal names neither the file nor an option: {stderr}"
                );
                assert_eq!(files_under(&out), 0, "{what}: wrote {} files while refusing", files_under(&out));
                *counts.entry("refused").or_default() += 1;
            } else {
                *counts.entry(if code == Some(0) { "described" } else { "refused" }).or_default() += 1;
            }
            assert_eq!(std::fs::read(&file).unwrap(), bytes, "{what}: the input changed");
        }
    }
    eprintln!("{runs} runs: {counts:?}");
}

#[test]
fn numbers_out_of_range_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.ply");
    io::write_mesh(&f, &Mesh::icosphere(25.0, 2), WriteOptions::default()).unwrap();
    let f = f.to_str().unwrap();
    let o = dir.path().join("o");
    let o = o.to_str().unwrap();
    for (args, option) in [
        (vec!["occlusion", "--upper", f, "--lower", f, "--out", o, "--threshold", "nan"], "--threshold"),
        (vec!["occlusion", "--upper", f, "--lower", f, "--out", o, "--uncertainty=-1"], "--uncertainty"),
        (vec!["progress", "--before", f, "--after", f, "--out", o, "--off-track-mm", "inf"], "--off-track-mm"),
        (vec!["implant", f, "--out", o, "--tolerance-um", "0"], "--tolerance-um"),
        (vec!["convert", f, o, "--weld", "1e9"], "--weld"),
    ] {
        let (code, stderr, _) = run_limited(&args);
        assert!(code.is_some_and(|c| c != 0 && c != 101), "{args:?}: {stderr}");
        assert!(stderr.contains(option), "{args:?}: the refusal does not name {option}: {stderr}");
    }
}
