//! Landmarks per tooth against the phantom's true landmarks (segmented by cusp, and with the true labels), their
//! consistency on real arches, and the files and command that carry them.

mod common;

use cusp::dentition::Dentition;
use cusp::eval::landmarks::{landmark_errors, LandmarkErrors, DEFAULT_REACH_MM};
use cusp::landmark::{cusp_count, find_landmarks, Landmark, LandmarkClass as C};
use cusp::phantom::{Phantom, PhantomSpec};
use std::process::Command;

/// Landmark errors of one phantom's two jaws, pooled; `true_labels` finds them on the true teeth instead of
/// the segmented ones.
fn phantom_errors(spec: &PhantomSpec, true_labels: bool) -> LandmarkErrors {
    let p = Phantom::generate(spec).unwrap();
    let (mut truth, mut found) = (Vec::new(), Vec::new());
    for (k, (model, jt)) in [&p.upper, &p.lower].into_iter().zip(&p.truth.jaws).enumerate() {
        let mesh = model.mesh.clone().without_labels();
        let seg = cusp::segment::segment(&mesh).unwrap();
        let dentition = if true_labels {
            Dentition::from_labels(&mesh, model.mesh.labels().unwrap(), model.jaw, seg.frame.occlusal)
        } else {
            seg.dentition
        };
        // The jaws 1 m apart so that no pair crosses them.
        let apart = |l: &Landmark| Landmark { coord: [l.coord[0] + 1000.0 * k as f64, l.coord[1], l.coord[2]], ..*l };
        truth.extend(jt.landmarks.iter().map(apart));
        found.extend(find_landmarks(&mesh, &dentition).iter().map(apart));
    }
    landmark_errors(&truth, &found, DEFAULT_REACH_MM)
}

/// Asserts median and 90th percentile per class (mm) and that at least `paired` of the true points were paired.
fn check(e: &LandmarkErrors, limits: &[(C, f64, f64, f64)], what: &str) {
    for &(class, median, p90, paired) in limits {
        let c = e.class(class).unwrap_or_else(|| panic!("{what}: no {class:?}"));
        let m = c.median_mm.unwrap();
        let q = c.p90_mm.unwrap();
        assert!(m <= median, "{what} {class:?}: median {m:.3} mm > {median}");
        assert!(q <= p90, "{what} {class:?}: 90th percentile {q:.3} mm > {p90}");
        let share = c.paired as f64 / c.truth as f64;
        assert!(share >= paired, "{what} {class:?}: {} of {} paired", c.paired, c.truth);
    }
}

#[test]
fn phantom_landmarks_are_found_where_the_truth_has_them() {
    // Measured (4 seeds, 8 jaws, 112 teeth): segmented medians Mesial 0.35, Distal 0.28, FA 0.31, Outer 0.38,
    // Inner 0.22, Cusp 0.21 mm; with the true labels FA 0.11, Outer 0.00, Inner 0.00 mm.
    for spec in [PhantomSpec { seed: 1, ..PhantomSpec::default() }, PhantomSpec::coarse(2)] {
        let what = format!("seed {} segmented", spec.seed);
        check(
            &phantom_errors(&spec, false),
            &[
                // A tooth boundary the segmentation misplaces moves its contacts (seed 2's upper: 2.0–2.7 mm at
                // the 90th percentile).
                (C::Mesial, 0.5, 3.0, 0.95),
                (C::Distal, 0.5, 3.0, 0.95),
                (C::FacialPoint, 0.55, 2.0, 1.0),
                (C::OuterPoint, 0.6, 2.0, 1.0),
                (C::InnerPoint, 0.45, 2.0, 1.0),
                (C::Cusp, 0.3, 1.0, 0.85),
            ],
            &what,
        );
        let what = format!("seed {} true labels", spec.seed);
        check(
            &phantom_errors(&spec, true),
            &[
                // Broad flat contact faces (molars) leave the closest point loose bucco-lingually.
                (C::Mesial, 0.45, 1.5, 1.0),
                (C::Distal, 0.45, 1.5, 1.0),
                (C::FacialPoint, 0.2, 0.6, 1.0),
                (C::OuterPoint, 0.1, 0.5, 1.0),
                (C::InnerPoint, 0.1, 0.5, 1.0),
                (C::Cusp, 0.3, 1.0, 0.85),
            ],
            &what,
        );
    }
}

#[test]
fn real_arches_get_every_landmark_on_their_own_crowns_and_contacts_agree_from_both_sides() {
    let Some(dir) = common::real_dir() else { return };
    for (name, mesh, gt) in common::labelled_real_arches(&dir) {
        let frame = cusp::segment::orient(&mesh);
        let dentition = Dentition::from_labels(&mesh, &gt.labels, gt.jaw, frame.occlusal);
        let found = find_landmarks(&mesh, &dentition);
        let of = |fdi: i32, class: C| found.iter().filter(move |l| l.fdi == fdi && l.class == Some(class));
        for t in &dentition.teeth {
            for class in [C::Mesial, C::Distal, C::FacialPoint, C::OuterPoint, C::InnerPoint] {
                assert_eq!(of(t.fdi, class).count(), 1, "{name} {} {class:?}", t.fdi);
            }
            assert!(of(t.fdi, C::Cusp).count() <= cusp_count(t.fdi), "{name} {}: too many cusps", t.fdi);
            // Every landmark is a point of its own crown.
            for l in found.iter().filter(|l| l.fdi == t.fdi) {
                let on =
                    t.vertices.iter().any(|&v| mesh.positions()[v as usize].coords == nalgebra::Vector3::from(l.coord));
                assert!(on, "{name} {} {:?} is not on its crown", t.fdi, l.class);
            }
        }
        // A contact seen from both teeth: the mesial contact of a tooth and its neighbour's distal one.
        let present = |f: i32| dentition.tooth(f).is_some();
        let mut d: Vec<f64> = dentition
            .teeth
            .iter()
            .filter(|t| t.fdi % 10 != 1)
            .filter_map(|t| {
                let n = cusp::dentition::mesial_neighbour(t.fdi, present)?;
                let (a, b) = (of(t.fdi, C::Mesial).next()?, of(n, C::Distal).next()?);
                Some((nalgebra::Vector3::from(a.coord) - nalgebra::Vector3::from(b.coord)).norm())
            })
            .collect();
        d.sort_by(f64::total_cmp);
        // Measured 0.28–0.91 mm over the 16 arches (the largest pairs span gaps where teeth are missing).
        let median = d[d.len() / 2];
        assert!(median <= 1.2, "{name}: the two sides of a contact are {median:.2} mm apart (median)");
    }
}

#[test]
fn segment_writes_landmarks_that_eval_scores_against_the_phantom_truth() {
    let dir = tempfile::tempdir().unwrap();
    let ph = dir.path().join("ph");
    let seg = dir.path().join("seg");
    let run = |args: &[&std::ffi::OsStr]| Command::new(env!("CARGO_BIN_EXE_cusp")).args(args).output().unwrap();
    let o = run(&[
        "phantom".as_ref(),
        "--coarse".as_ref(),
        "--seed".as_ref(),
        "4".as_ref(),
        "--out".as_ref(),
        ph.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["segment".as_ref(), ph.join("upper.ply").as_os_str(), "--out".as_ref(), seg.as_os_str()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let truth = ph.join("truth/upper.landmarks.json");
    for file in ["upper.landmarks.json", "upper.landmarks.mrk.json"] {
        let o = run(&[
            "eval".as_ref(),
            "landmarks".as_ref(),
            seg.join(file).as_os_str(),
            truth.as_os_str(),
            "--json".as_ref(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let classes = e["classes"].as_array().unwrap();
        assert_eq!(classes.len(), 6, "{file}: {e}");
        for c in classes {
            let median = c["median_mm"].as_f64().unwrap();
            assert!(median < 0.6, "{file} {}: median {median} mm", c["class"]);
        }
    }
    // A file in RAS against one in LPS is refused, not compared.
    let ras = dir.path().join("a.fcsv");
    std::fs::write(&ras, "# CoordinateSystem = RAS\nn0,1,2,3,0,0,0,1,1,1,1,MCP,,m\n").unwrap();
    let o = run(&[
        "eval".as_ref(),
        "landmarks".as_ref(),
        ras.as_os_str(),
        seg.join("upper.landmarks.mrk.json").as_os_str(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("coordinate systems"));
}

#[test]
fn landmarks_move_with_the_scan() {
    // The same jaw in another export frame (turned and moved) gives the same landmarks, turned and moved.
    let p = Phantom::generate(&PhantomSpec::coarse(3)).unwrap();
    let mesh = p.lower.mesh.clone().without_labels();
    let pose =
        nalgebra::Isometry3::new(nalgebra::Vector3::new(31.0, -12.0, 7.5), nalgebra::Vector3::new(0.4, -2.1, 0.9));
    let moved =
        cusp::mesh::Mesh::new(mesh.positions().iter().map(|q| pose * q).collect(), mesh.triangles().to_vec()).unwrap();
    let found = |m: &cusp::mesh::Mesh| find_landmarks(m, &cusp::segment::segment(m).unwrap().dentition);
    let (a, b) = (found(&mesh), found(&moved));
    assert_eq!(a.len(), b.len());
    let mut off: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| {
            assert_eq!((x.fdi, x.class), (y.fdi, y.class));
            (pose * nalgebra::Point3::from(x.coord) - nalgebra::Point3::from(y.coord)).norm()
        })
        .collect();
    off.sort_by(f64::total_cmp);
    // Ties between equally high or equally close vertices may fall the other way in another frame.
    assert!(off[off.len() * 95 / 100] < 1e-6, "95th percentile {:.2e} mm", off[off.len() * 95 / 100]);
    assert!(off[off.len() - 1] < 1.0, "largest {:.3} mm", off[off.len() - 1]);
}
