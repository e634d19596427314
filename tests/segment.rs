//! Segmentation against phantom truth and real annotated scans, scored with the 3DTeethSeg'22 metrics.
//!
//! The thresholds are where the method stands (issue 22's targets: TSA ≥ 0.96, TIR ≥ 0.98, every arch ≥ 0.90):
//! they keep it from getting worse while it is improved. Measured: phantoms (coarse, seeds 1–2) TSA 0.994,
//! TLA 0.999, TIR 1.000; the 16 labelled real arches TSA 0.923 (worst 0.791), TLA 0.979, TIR 0.906, the jaw
//! right on all (what is left: gingiva grown into the tooth on arches with teeth missing, numbering shifted
//! there, instances on tuberosities). `examples/segment_eval.rs` gives the per-scan and per-source figures.

mod common;

use common::{labelled_real_arches, real_dir};

use cusp::eval::segment::{score, SegmentationScore};
use cusp::io::{self, Teeth3dsLabels};
use cusp::mesh::Mesh;
use cusp::phantom::{JawModel, Phantom, PhantomSpec};
use cusp::segment::{orient, segment};
use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};

fn truth_of(jaw: &JawModel) -> Teeth3dsLabels {
    let instances = jaw.instances.iter().map(|&i| if i >= 100 { 0 } else { i }).collect();
    Teeth3dsLabels { id_patient: String::new(), jaw: jaw.jaw, labels: jaw.mesh.labels().unwrap().to_vec(), instances }
}

fn run(mesh: &Mesh, gt: &Teeth3dsLabels) -> SegmentationScore {
    let seg = segment(mesh).expect("a dental arch");
    let pred =
        Teeth3dsLabels { id_patient: String::new(), jaw: seg.frame.jaw, labels: seg.labels, instances: seg.instances };
    score(mesh.positions(), gt, &pred)
}

#[test]
fn arch_frame_is_found_on_phantoms_and_real_scans() {
    let p = Phantom::generate(&PhantomSpec::coarse(3)).unwrap();
    for jaw in [&p.upper, &p.lower] {
        let f = orient(&jaw.mesh);
        assert_eq!(f.jaw, jaw.jaw);
        let occl = if jaw.jaw == cusp::dentition::Jaw::Upper { -Vector3::z() } else { Vector3::z() };
        // Within 10° (the occlusal plane of a phantom tilts with its curve of Spee).
        assert!(
            f.occlusal.dot(&occl) > 0.985
                && f.anterior.dot(&Vector3::y()) > 0.985
                && f.right.dot(&Vector3::x()) > 0.985,
            "{f:?}"
        );
    }
    let Some(dir) = real_dir() else { return };
    // 3D-IOSSeg scans: occlusal +Y, anterior +X (their README).
    for stem in ["001_L", "001_U", "003_L", "003_U"] {
        let m = io::read_mesh(dir.join(format!("iosseg3d/{stem}.ply"))).unwrap();
        let f = orient(&m);
        assert!(f.occlusal.dot(&Vector3::y()) > 0.95 && f.anterior.dot(&Vector3::x()) > 0.9, "{stem}: {f:?}");
        assert_eq!(f.jaw.as_str(), if stem.ends_with('U') { "upper" } else { "lower" }, "{stem}");
    }
    // Upper arches scanned or trimmed without their palate are still uppers (the side the crowns lean to).
    for stem in ["alsheghri/Upper001C_labeled_original_tol0_5_decimated_msn_registered", "meshlabeler/Example_01"] {
        let m = io::read_mesh(dir.join(format!("{stem}.ply"))).unwrap();
        assert_eq!(orient(&m).jaw.as_str(), "upper", "{stem}");
    }
    for stem in ["001_U", "003_U", "001_L", "003_L"] {
        let m = io::read_mesh(dir.join(format!("iosseg3d/{stem}.ply"))).unwrap();
        let mut ys: Vec<f64> = m.positions().iter().map(|p| p.y).collect();
        ys.sort_by(f64::total_cmp);
        let top = ys[ys.len() * 98 / 100];
        let keep: Vec<bool> = m.positions().iter().map(|p| p.y > top - 9.0).collect();
        let (trimmed, _) = m.submesh_within(&keep);
        let f = orient(&trimmed);
        assert!(f.occlusal.dot(&Vector3::y()) > 0.95, "{stem} trimmed 9 mm below the tips: {f:?}");
        assert_eq!(f.jaw.as_str(), if stem.ends_with('U') { "upper" } else { "lower" }, "{stem} trimmed");
    }
}

#[test]
fn phantoms_are_segmented() {
    let mut all = Vec::new();
    for seed in [1, 2] {
        let p = Phantom::generate(&PhantomSpec::coarse(seed)).unwrap();
        for jaw in [&p.upper, &p.lower] {
            let s = run(&jaw.mesh, &truth_of(jaw));
            eprintln!("phantom {seed} {}: {s:?}", jaw.jaw.as_str());
            all.push(s);
        }
    }
    let mean = |f: fn(&SegmentationScore) -> f64| all.iter().map(f).sum::<f64>() / all.len() as f64;
    let (tsa, tla, tir) = (mean(|s| s.tsa), mean(|s| s.tla), mean(|s| s.tir));
    eprintln!("phantoms: TSA {tsa:.3}, TLA {tla:.3}, TIR {tir:.3}");
    assert!(tsa > 0.98 && tla > 0.99 && tir > 0.99, "TSA {tsa}, TLA {tla}, TIR {tir}");
}

#[test]
fn missing_teeth_leave_the_numbering_right() {
    // Gaps where teeth are missing, their neighbours tipped into them, and third molars, at full resolution
    // and (the last two cases) coarse: every tooth present keeps its number and no tooth is found in a gap.
    // Measured: TSA 0.976–0.994, TIR 1.000 on all ten jaws; the coarse lower missing 46 lost its tipped 45
    // (TLA 0) while a stretch without a crown of its own could be at most 10 mm, and the coarse upper missing
    // 25 beside third molars numbered 26–28 as 25–27 (TIR 0.8) while the gum-line race paid 0.03 per mm of
    // flat surface.
    let cases = [
        (7, vec![25, 35], true, false),
        (8, vec![12, 14, 46], false, false),
        (5, vec![15, 24, 36, 45], false, false),
        (8, vec![12, 14, 46], false, true),
        (7, vec![25, 35], true, true),
    ];
    for (seed, missing, third_molars, coarse) in cases {
        let base = if coarse { PhantomSpec::coarse(seed) } else { PhantomSpec { seed, ..PhantomSpec::default() } };
        let spec = PhantomSpec { missing: missing.clone(), third_molars, ..base };
        let p = Phantom::generate(&spec).unwrap();
        for jaw in [&p.upper, &p.lower] {
            let seg = segment(&jaw.mesh).expect("a dental arch");
            let found: Vec<i32> = missing.iter().copied().filter(|f| seg.labels.contains(f)).collect();
            let pred = Teeth3dsLabels {
                id_patient: String::new(),
                jaw: seg.frame.jaw,
                labels: seg.labels,
                instances: seg.instances,
            };
            let s = score(jaw.mesh.positions(), &truth_of(jaw), &pred);
            eprintln!("phantom {seed} missing {missing:?} {}: {s:?}", jaw.jaw.as_str());
            assert!(found.is_empty(), "seed {seed}: missing {found:?} found");
            assert!(s.tir > 0.99 && s.tla > 0.99 && s.tsa > 0.95, "seed {seed} {}: {s:?}", jaw.jaw.as_str());
        }
    }
}

#[test]
fn real_scans_are_segmented() {
    let Some(dir) = real_dir() else { return };
    let arches = labelled_real_arches(&dir);
    assert!(arches.len() >= 16, "{} labelled real arches", arches.len());
    let mut all = Vec::new();
    for (name, m, gt) in &arches {
        let seg = segment(m).expect("a dental arch");
        assert_eq!(seg.frame.jaw, gt.jaw, "{name}: the jaw");
        let pred = Teeth3dsLabels::new("", seg.frame.jaw, seg.labels.clone());
        let s = score(m.positions(), gt, &pred);
        eprintln!(
            "{name}: TSA {:.3} TLA {:.3} TIR {:.3} teeth {}/{}",
            s.tsa, s.tla, s.tir, s.predicted_teeth, s.gt_teeth
        );
        all.push(s);
    }
    let mean = |f: fn(&SegmentationScore) -> f64| all.iter().map(f).sum::<f64>() / all.len() as f64;
    let (tsa, tla, tir) = (mean(|s| s.tsa), mean(|s| s.tla), mean(|s| s.tir));
    let worst = all.iter().map(|s| s.tsa).fold(1.0, f64::min);
    eprintln!("real ({} arches): TSA {tsa:.3} (worst {worst:.3}), TLA {tla:.3}, TIR {tir:.3}", all.len());
    // Where the method stands on these 16 arches (measured TSA 0.923, worst 0.791, TLA 0.979, TIR 0.906; issue
    // 22's target is TSA ≥ 0.96, every arch ≥ 0.90): a floor against getting worse, not the goal.
    assert!(tsa > 0.915 && worst > 0.78 && tla > 0.97 && tir > 0.88, "TSA {tsa} (worst {worst}), TLA {tla}, TIR {tir}");
    let extra: usize = all.iter().map(|s| s.predicted_teeth.saturating_sub(s.gt_teeth)).sum();
    eprintln!("{extra} instances more than teeth");
    assert!(extra <= 18, "{extra} instances more than teeth (measured 18)");
}

#[test]
fn what_is_no_dental_arch_is_refused() {
    use cusp::segment::SegmentError;
    let refused = |name: &str, m: &Mesh| {
        let r = segment(m);
        eprintln!("{name}: {:?}", r.as_ref().map(|s| s.teeth.clone()));
        r.err().unwrap_or_else(|| panic!("{name} was segmented as a jaw"))
    };
    assert!(matches!(refused("sphere r25", &Mesh::icosphere(25.0, 5)), SegmentError::Smooth { .. }));
    assert!(matches!(refused("sphere r40", &Mesh::icosphere(40.0, 5)), SegmentError::Smooth { .. }));
    assert!(matches!(refused("plane", &Mesh::grid(200, 200, 0.3)), SegmentError::Flat { .. }));
    let cuboid = Mesh::cuboid(Point3::new(0.0, 0.0, 0.0), Point3::new(50.0, 40.0, 20.0));
    assert!(matches!(refused("box", &cuboid), SegmentError::Smooth { .. }));
    // Two triangles 1e8 mm apart: refused before anything is sized by their box.
    let far = Mesh::new(
        vec![
            Point3::new(0.0, 0.0, 0.0),
            Point3::new(1.0, 0.0, 0.0),
            Point3::new(0.0, 1.0, 0.0),
            Point3::new(1e8, 0.0, 0.0),
            Point3::new(1e8 + 1.0, 0.0, 0.0),
            Point3::new(1e8, 1.0, 0.0),
        ],
        vec![[0, 1, 2], [3, 4, 5]],
    )
    .unwrap();
    assert!(matches!(refused("far apart", &far), SegmentError::TooLarge { .. }));
    // Every triangle without area: one point, or a collinear strip.
    let point = Mesh::new(vec![Point3::new(1.0, 2.0, 3.0); 3], vec![[0, 1, 2]]).unwrap();
    assert!(matches!(refused("one point", &point), SegmentError::NoSurface { .. }));
    let line: Vec<Point3<f64>> = (0..10).map(|i| Point3::new(i as f64, 0.0, 0.0)).collect();
    let strip = Mesh::new(line, (0..8).map(|i| [i, i + 1, i + 2]).collect()).unwrap();
    assert!(matches!(refused("collinear strip", &strip), SegmentError::NoSurface { .. }));
    let Some(dir) = real_dir() else { return };
    // A single real crown, and a whole real arch in metres or inches.
    let crown = io::read_mesh(dir.join("crowns/tag0/byFDI/Ref_Mesh_Tag=0_FDI=16.obj")).unwrap();
    assert!(matches!(refused("crown 16", &crown), SegmentError::TooSmall { .. }));
    let arch = io::read_mesh(dir.join("iosseg3d/001_U.ply")).unwrap().without_labels();
    for (unit, scale) in [("metres", 1e-3), ("inches", 1.0 / 25.4)] {
        let pos: Vec<Point3<f64>> = arch.positions().iter().map(|p| Point3::from(p.coords * scale)).collect();
        let m = Mesh::new(pos, arch.triangles().to_vec()).unwrap();
        assert!(matches!(refused(unit, &m), SegmentError::TooSmall { .. }));
    }
}

#[test]
fn degenerate_triangles_do_not_change_the_answer() {
    let Some(dir) = real_dir() else { return };
    let m = io::read_mesh(dir.join("iosseg3d/014_L.ply")).unwrap().without_labels();
    let whole = segment(&m).unwrap();
    // One face in a hundred collapsed onto a corner (zero area): dropped, the answer kept.
    let mut tris = m.triangles().to_vec();
    for t in tris.iter_mut().step_by(100) {
        t[1] = t[0];
    }
    let collapsed = Mesh::new(m.positions().to_vec(), tris).unwrap();
    let seg = segment(&collapsed).unwrap();
    let same = seg.labels.iter().zip(&whole.labels).filter(|(a, b)| a == b).count() as f64 / m.vertex_count() as f64;
    eprintln!("1 % degenerate faces: {same:.3} of labels unchanged, teeth {:?} (were {:?})", seg.teeth, whole.teeth);
    assert!(same > 0.95 && seg.teeth == whole.teeth, "{same} of labels unchanged");
}

#[test]
fn a_scan_cut_at_the_crowns_is_all_teeth() {
    // Some exports keep only the crowns: the rim is then on the teeth, not on gingiva.
    let p = Phantom::generate(&PhantomSpec::coarse(2)).unwrap();
    let keep: Vec<bool> = p.lower.mesh.labels().unwrap().iter().map(|&l| l != 0).collect();
    let (crowns, _) = p.lower.mesh.submesh_within(&keep);
    let seg = segment(&crowns).expect("a dental arch");
    let teeth = seg.labels.iter().filter(|&&l| l != 0).count();
    assert!(
        teeth as f64 > 0.95 * crowns.vertex_count() as f64,
        "{teeth} of {} vertices are teeth",
        crowns.vertex_count()
    );
    // Known shortfall: on these separate crowns the tooth placement merges two molars on one side into one
    // tooth (13 found).
    assert!(seg.teeth.len() >= 13, "{:?}", seg.teeth);
}

#[test]
fn labels_do_not_depend_on_pose_or_vertex_order() {
    let p = Phantom::generate(&PhantomSpec::coarse(4)).unwrap();
    let m = &p.lower.mesh;
    let base = segment(m).expect("a dental arch").labels;
    // Rotated and moved.
    let iso =
        Isometry3::from_parts(Translation3::new(30.0, -12.0, 7.0), UnitQuaternion::from_euler_angles(1.1, -0.4, 2.3));
    let moved = m.transformed(&iso);
    let same = segment(&moved).expect("a dental arch").labels.iter().zip(&base).filter(|(a, b)| a == b).count();
    assert!(same as f64 > 0.995 * base.len() as f64, "{same} of {} labels kept after a rigid motion", base.len());
    // Vertices renumbered (reversed), triangles re-indexed.
    let n = m.vertex_count() as u32;
    let pos: Vec<Point3<f64>> = m.positions().iter().rev().copied().collect();
    let tris: Vec<[u32; 3]> = m.triangles().iter().map(|t| t.map(|v| n - 1 - v)).collect();
    let shuffled = Mesh::new(pos, tris).unwrap();
    let labels = segment(&shuffled).expect("a dental arch").labels;
    let same = (0..n as usize).filter(|&v| labels[n as usize - 1 - v] == base[v]).count();
    assert!(same as f64 > 0.995 * base.len() as f64, "{same} of {} labels kept after renumbering", base.len());
}

#[test]
fn metrics_are_perfect_for_the_truth_and_penalise_swaps() {
    let p = Phantom::generate(&PhantomSpec::coarse(1)).unwrap();
    let gt = truth_of(&p.lower);
    let s = score(p.lower.mesh.positions(), &gt, &gt);
    assert_eq!((s.tsa, s.tla, s.tir), (1.0, 1.0, 1.0));
    // Swapping the labels of 31 and 41 keeps the segmentation but misidentifies two teeth.
    let swapped: Vec<i32> = gt
        .labels
        .iter()
        .map(|&l| match l {
            31 => 41,
            41 => 31,
            x => x,
        })
        .collect();
    let s = score(p.lower.mesh.positions(), &gt, &Teeth3dsLabels { labels: swapped, ..gt.clone() });
    assert_eq!(s.tsa, 1.0);
    assert!((s.tir - 12.0 / 14.0).abs() < 1e-12, "{s:?}");
}

#[test]
fn tooth_frames_follow_the_arch() {
    // From the true labels, every tooth's frame must match the phantom's true tooth axes.
    let p = Phantom::generate(&PhantomSpec { irregularity_deg: 0.0, ..PhantomSpec::coarse(7) }).unwrap();
    for (jaw, truth) in [(&p.upper, &p.truth.jaws[0]), (&p.lower, &p.truth.jaws[1])] {
        let occl = if jaw.jaw == cusp::dentition::Jaw::Upper { -Vector3::z() } else { Vector3::z() };
        let d = cusp::dentition::Dentition::from_labels(&jaw.mesh, jaw.mesh.labels().unwrap(), jaw.jaw, occl);
        assert_eq!(d.teeth.len(), truth.teeth.len());
        for t in &truth.teeth {
            let f = d.tooth(t.fdi).unwrap().frame;
            let c = Point3::new(t.crown_centroid[0], t.crown_centroid[1], t.crown_centroid[2]);
            assert!((f.centroid - c).norm() < 1e-9, "{}: centroid", t.fdi);
            let angle = |a: Vector3<f64>, b: [f64; 3]| a.angle(&Vector3::from(b)).to_degrees();
            // Natural crown tip and torque tilt the true axes by up to ~20° from the jaw's occlusal direction.
            assert!(angle(f.mesial, t.mesial) < 15.0, "{}: mesial off by {:.1}°", t.fdi, angle(f.mesial, t.mesial));
            assert!(angle(f.buccal, t.buccal) < 25.0, "{}: buccal off by {:.1}°", t.fdi, angle(f.buccal, t.buccal));
            assert!(
                angle(f.occlusal, t.occlusal) < 25.0,
                "{}: occlusal off by {:.1}°",
                t.fdi,
                angle(f.occlusal, t.occlusal)
            );
        }
    }
}

#[test]
fn scan_bodies_are_their_own_instances_with_their_site() {
    use cusp::phantom::ImplantSpec;
    let p = Phantom::generate(&PhantomSpec {
        missing: vec![36, 45],
        implants: vec![
            ImplantSpec { site: 36, scan_body: "cusp-sb-a".into(), buccal_tilt_deg: 0.0, index_deg: 0.0 },
            ImplantSpec { site: 45, scan_body: "cusp-sb-b".into(), buccal_tilt_deg: 5.0, index_deg: 30.0 },
        ],
        ..PhantomSpec::coarse(3)
    })
    .unwrap();
    let m = &p.lower.mesh;
    let seg = cusp::segment::segment(m).expect("a dental arch");
    assert_eq!(seg.scan_bodies.len(), 2, "{:?}", seg.scan_bodies.iter().map(|b| b.site).collect::<Vec<_>>());
    let mut sites: Vec<Option<i32>> = seg.scan_bodies.iter().map(|b| b.site).collect();
    sites.sort();
    assert_eq!(sites, [Some(36), Some(45)]);
    // The phantom marks scan-body vertices with instances ≥ 100: segmentation finds most of them and calls
    // none of them a tooth.
    let truth_sb: Vec<usize> =
        p.lower.instances.iter().enumerate().filter(|(_, &i)| i >= 100).map(|(v, _)| v).collect();
    let found = truth_sb.iter().filter(|&&v| seg.instances[v] >= 100).count();
    assert!(found as f64 > 0.7 * truth_sb.len() as f64, "{found} of {} scan-body vertices found", truth_sb.len());
    assert!(truth_sb.iter().all(|&v| seg.labels[v] == 0 || seg.instances[v] < 100));
    let as_tooth = truth_sb.iter().filter(|&&v| seg.labels[v] != 0).count();
    assert!((as_tooth as f64) < 0.1 * truth_sb.len() as f64, "{as_tooth} scan-body vertices labelled as teeth");
}
