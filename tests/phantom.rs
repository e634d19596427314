//! The phantom's ground truth checked against its own geometry: what truth.json says must be so.

mod common;

use cusp::io;
use cusp::mesh::{Mesh, SurfaceIndex, Topology};
use cusp::phantom::scanner::ScannerSpec;
use cusp::phantom::{write_phantom, ImplantSpec, Phantom, PhantomSpec, PrepSpec, StageSpec, ToothMove};
use nalgebra::{Point3, UnitQuaternion, Vector3};
use std::sync::OnceLock;

/// A coarse phantom with a prep, an implant, a malocclusion and a time series: one of each truth kind.
fn spec() -> PhantomSpec {
    PhantomSpec {
        missing: vec![36],
        prep: Some(PrepSpec { fdi: 16, occlusal_mm: 1.5, axial_mm: 1.0 }),
        implants: vec![ImplantSpec { site: 36, scan_body: "cusp-sb-a".into(), buccal_tilt_deg: 8.0, index_deg: 30.0 }],
        malocclusion: vec![ToothMove { fdi: 12, translation_mm: [0.0, -0.8, 0.0], rotation_deg: [0.0, 0.0, 12.0] }],
        time_series: vec![StageSpec {
            moves: vec![
                ToothMove { fdi: 11, translation_mm: [0.3, 0.5, -0.2], rotation_deg: [2.0, -3.0, 5.0] },
                ToothMove { fdi: 43, translation_mm: [0.0, 0.0, 1.0], rotation_deg: [0.0, 0.0, 10.0] },
            ],
            ..Default::default()
        }],
        ..PhantomSpec::coarse(11)
    }
}

fn phantom() -> &'static Phantom {
    static P: OnceLock<Phantom> = OnceLock::new();
    P.get_or_init(|| Phantom::generate(&spec()).expect("valid spec"))
}

fn arr(p: [f64; 3]) -> Point3<f64> {
    Point3::new(p[0], p[1], p[2])
}

#[test]
fn jaws_are_watertight_single_pieces_of_scan_density() {
    for m in [&phantom().upper.mesh, &phantom().lower.mesh] {
        let t = Topology::new(m);
        assert!(t.boundary_edges().is_empty(), "holes in the model");
        assert!(t.non_manifold_edges().is_empty());
        assert_eq!(Topology::components(m).len(), 1);
        assert!(m.signed_volume() > 0.0, "model faces inward");
    }
    // Default resolution: as dense as a clinical scan.
    let full = Phantom::generate(&PhantomSpec::default()).unwrap();
    for m in [&full.upper.mesh, &full.lower.mesh] {
        assert!((100_000..=300_000).contains(&m.face_count()), "{} triangles", m.face_count());
    }
}

#[test]
fn labelled_vertices_lie_on_their_tooth() {
    let p = phantom();
    for jaw in [&p.upper, &p.lower] {
        let labels = jaw.mesh.labels().unwrap();
        for t in &jaw.teeth {
            let crown = t.closed_mesh();
            let index = SurfaceIndex::new(&crown).unwrap();
            let mine: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == t.fdi).collect();
            assert!(mine.len() > 300, "tooth {} has {} vertices", t.fdi, mine.len());
            let worst = mine.iter().map(|&i| index.closest(&jaw.mesh.positions()[i]).1).fold(0.0, f64::max);
            assert!(worst < 1e-9, "tooth {}: a labelled vertex is {worst} mm off its crown", t.fdi);
        }
        // Every label is a present tooth or 0.
        let teeth: Vec<i32> = jaw.teeth.iter().map(|t| t.fdi).collect();
        assert!(labels.iter().all(|l| *l == 0 || teeth.contains(l)));
    }
    assert!(p.lower.teeth.iter().all(|t| t.fdi != 36), "a missing tooth must not be there");
}

#[test]
fn declared_contacts_are_where_and_as_close_as_stated() {
    let p = phantom();
    let crown = |fdi: i32| p.upper.teeth.iter().chain(&p.lower.teeth).find(|t| t.fdi == fdi).unwrap().closed_mesh();
    let mut all = p.truth.occlusal_contacts.clone();
    for j in &p.truth.jaws {
        all.extend(j.proximal_contacts.clone());
    }
    assert!(p.truth.occlusal_contacts.len() >= 10, "only {} occlusal contacts", p.truth.occlusal_contacts.len());
    for c in &all {
        let (a, b) = (arr(c.point_a), arr(c.point_b));
        assert!(((a - b).norm() - c.distance.abs()).abs() < 1e-9, "{}–{}", c.a, c.b);
        for (fdi, q) in [(c.a, a), (c.b, b)] {
            let d = SurfaceIndex::new(&crown(fdi)).unwrap().closest(&q).1;
            assert!(d < 1e-6, "contact point of {} is {d} mm off its surface", fdi);
        }
    }
    // Occlusal contacts touch (settled to 20 µm) without penetrating; untouched neighbours still touch.
    for c in &p.truth.occlusal_contacts {
        assert!(c.distance > -0.01 && c.distance <= 0.3, "{}–{}: {}", c.a, c.b, c.distance);
    }
    let touching = p.truth.occlusal_contacts.iter().filter(|c| c.distance < 0.05).count();
    assert!(touching >= 10, "{touching} touching occlusal contacts");
    // Neighbours touch, but for the displaced 12, the 42 it pushed down, and the prepared 16 (a preparation has
    // no contacts).
    for j in &p.truth.jaws {
        for c in &j.proximal_contacts {
            let exempt = [11, 12, 13, 15, 16, 17, 42];
            if !exempt.contains(&c.a) && !exempt.contains(&c.b) {
                assert!(c.distance.abs() < 0.08, "{}–{} gap {}", c.a, c.b, c.distance);
            }
        }
    }
}

#[test]
fn scan_body_sits_on_its_implant() {
    let p = phantom();
    let imp = &p.truth.jaws[1].implants[0];
    let (platform, axis, top, flat) =
        (arr(imp.platform), Vector3::from(imp.axis), arr(imp.scan_body_top), Vector3::from(imp.flat_normal));
    let model = cusp::phantom::scanbody::scan_body(&imp.scan_body).unwrap();
    assert!(((top - platform).norm() - model.height).abs() < 1e-9);
    assert!(((top - platform).normalize() - axis).norm() < 1e-9);
    assert!(axis.dot(&flat).abs() < 1e-9 && (axis.norm() - 1.0).abs() < 1e-12);
    // Tilted 8° buccally from the site's long axis (+z in the lower jaw).
    assert!((axis.z.acos().to_degrees() - 8.0).abs() < 1e-6);
    let jaw = &p.lower;
    let body: Vec<Point3<f64>> =
        jaw.instances.iter().zip(jaw.mesh.positions()).filter(|(i, _)| **i >= 100).map(|(_, q)| *q).collect();
    assert!(body.len() > 100);
    for q in &body {
        let along = (q - platform).dot(&axis);
        let radial = ((q - platform) - axis * along).norm();
        assert!(along > 0.0 && along <= model.height + 1e-9, "vertex {along} mm along the axis");
        assert!(radial <= model.radius + 1e-9);
        // The flat is a plane at its distance from the axis, over its length below the top.
        if along > model.height - model.flat_length {
            assert!((q - platform).dot(&flat) <= model.flat_distance + 1e-9);
        }
    }
    // The body emerges from the soft tissue 3 mm above the platform, which lies inside the model (under the gingiva).
    let lowest = body.iter().map(|q| (q - platform).dot(&axis)).fold(f64::INFINITY, f64::min);
    assert!((lowest - 3.0).abs() < 1e-9, "emerges {lowest} mm above the platform");
    let (_, depth, inside) = SurfaceIndex::new(&jaw.mesh).unwrap().closest(&platform);
    assert!(inside && depth > 1.0, "platform inside: {inside}, {depth} mm under the surface");
}

#[test]
fn prep_clearance_is_the_reduction() {
    let c = phantom().truth.prep_clearance_mm.unwrap();
    assert!((1.2..=1.8).contains(&c), "clearance {c} mm after a 1.5 mm occlusal reduction");
    let t = phantom().truth.jaws[0].teeth.iter().find(|t| t.fdi == 16).unwrap();
    assert!(t.prepared);
}

#[test]
fn time_series_moves_teeth_exactly_as_asked() {
    let p = phantom();
    let stage = &p.truth.stages[0];
    assert_eq!(stage.movements.iter().map(|m| m.fdi).collect::<Vec<_>>(), vec![11, 43]);
    let (u1, l1) = &p.stages[0];
    for m in &stage.movements {
        let [w, x, y, z] = m.rotation_wxyz;
        let q = UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(w, x, y, z));
        let t = Vector3::from(m.translation);
        let (j0, j1) = if m.fdi / 10 <= 2 { (&p.upper, u1) } else { (&p.lower, l1) };
        let pts = |jaw: &cusp::phantom::JawModel| -> Vec<Point3<f64>> {
            jaw.mesh
                .labels()
                .unwrap()
                .iter()
                .zip(jaw.mesh.positions())
                .filter(|(l, _)| **l == m.fdi)
                .map(|(_, q)| *q)
                .collect()
        };
        let (a, b) = (pts(j0), pts(j1));
        assert_eq!(a.len(), b.len());
        let worst = a.iter().zip(&b).map(|(p0, p1)| ((q * p0 + t) - p1).norm()).fold(0.0, f64::max);
        assert!(worst < 1e-9, "tooth {}: t1 differs from the stated motion by {worst} mm", m.fdi);
        // The asked movement, recovered in the t0 tooth frame.
        let t0 = p.truth.jaws.iter().flat_map(|j| &j.teeth).find(|x| x.fdi == m.fdi).unwrap();
        let axes = nalgebra::Matrix3::from_columns(&[
            Vector3::from(t0.mesial),
            Vector3::from(t0.buccal),
            Vector3::from(t0.occlusal),
        ]);
        let o0 = arr(t0.origin);
        let moved_origin = q * o0 + t;
        let local = axes.try_inverse().unwrap() * (moved_origin - o0);
        for k in 0..3 {
            assert!(
                (local[k] - m.local_translation_mm[k]).abs() < 1e-9,
                "tooth {} axis {k}: {} vs {}",
                m.fdi,
                local[k],
                m.local_translation_mm[k]
            );
        }
        let asked = m.local_rotation_deg.iter().map(|d| d * d).sum::<f64>().sqrt();
        assert!((q.angle().to_degrees() - asked).abs() < 0.05 * asked + 1e-6);
    }
    // Unmoved teeth and the palate stay exactly where they were.
    let stay = |jaw: &cusp::phantom::JawModel, fdi: i32| -> Vec<Point3<f64>> {
        jaw.mesh
            .labels()
            .unwrap()
            .iter()
            .zip(jaw.mesh.positions())
            .filter(|(l, _)| **l == fdi)
            .map(|(_, q)| *q)
            .collect()
    };
    assert_eq!(stay(&p.upper, 21), stay(u1, 21));
    assert_eq!(stay(&p.lower, 46), stay(l1, 46));
}

#[test]
fn scanner_frames_cover_the_arch_and_are_as_noisy_as_specified() {
    let p = phantom();
    let spec = ScannerSpec { width_px: 60, height_px: 48, step_mm: 2.5, ..ScannerSpec::default() };
    let session = p.lower.scan(&spec);
    assert!(session.frames.len() > 100);
    let surface = SurfaceIndex::new(&p.lower.mesh).unwrap();
    let mut residuals = Vec::new();
    let mut seen: Vec<Point3<f64>> = Vec::new();
    for f in &session.frames {
        for q in spec.points(&f.depth) {
            let w = f.truth * q;
            residuals.push(surface.closest(&w).1);
            seen.push(w);
        }
        // Odometry is a rough guess, never the truth.
        assert!((f.guess.translation.vector - f.truth.translation.vector).norm() > 0.0);
    }
    residuals.sort_by(f64::total_cmp);
    let median = residuals[residuals.len() / 2];
    // |N(0, σ)| has median 0.674 σ; outliers (0.1 %) sit far out in the tail.
    assert!((median - 0.674 * spec.noise_sigma_mm).abs() < 0.25 * spec.noise_sigma_mm, "median residual {median}");
    let far = residuals.iter().filter(|&&r| r > 0.1).count() as f64 / residuals.len() as f64;
    assert!(far < 0.005, "{far} of points far off the surface");
    // Coverage: every tooth's occlusal half is seen (a scanned point within one pixel pitch of 95 % of its vertices).
    let pitch = spec.pixel_mm().0;
    let index = cusp::mesh::PointIndex::new(&seen);
    let labels = p.lower.mesh.labels().unwrap();
    for t in &p.lower.teeth {
        let occl = Vector3::from(p.truth.jaws[1].teeth.iter().find(|x| x.fdi == t.fdi).unwrap().occlusal);
        let c = arr(p.truth.jaws[1].teeth.iter().find(|x| x.fdi == t.fdi).unwrap().crown_centroid);
        let verts: Vec<&Point3<f64>> = labels
            .iter()
            .zip(p.lower.mesh.positions())
            .filter(|(l, q)| **l == t.fdi && (*q - c).dot(&occl) > 0.0)
            .map(|(_, q)| q)
            .collect();
        let covered = verts.iter().filter(|q| index.nearest(q).unwrap().1 < pitch).count() as f64 / verts.len() as f64;
        assert!(covered > 0.95, "tooth {}: {:.1} % of the occlusal half seen", t.fdi, 100.0 * covered);
    }
}

#[test]
fn same_seed_gives_byte_identical_files_and_frames_read_back() {
    let small = PhantomSpec { time_series: vec![], ..spec() };
    let scanner = ScannerSpec { width_px: 32, height_px: 24, step_mm: 6.0, ..ScannerSpec::default() };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for d in &dirs {
        write_phantom(&Phantom::generate(&small).unwrap(), d.path(), Some(&scanner)).unwrap();
    }
    let files = common::files_in(dirs[0].path());
    assert!(files.len() > 30, "{files:?}");
    for f in &files {
        assert_eq!(
            std::fs::read(dirs[0].path().join(f)).unwrap(),
            std::fs::read(dirs[1].path().join(f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
    // Meshes carry no labels (ground truth is in its own files); labels fit the mesh.
    let m = io::read_mesh(dirs[0].path().join("upper.ply")).unwrap();
    assert!(m.labels().is_none());
    let l = io::read_labels_for(dirs[0].path().join("upper.labels.json"), &m).unwrap();
    assert!(l.teeth().contains(&16));
    let raw = io::frames::read_raw_scan(dirs[0].path().join("scan/lower")).unwrap();
    assert!(raw.frames.len() > 20 && raw.frames.iter().all(|f| f.entry.odometry_guess.is_some()));
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dirs[0].path().join("truth/scan_lower.json")).unwrap()).unwrap();
    assert_eq!(truth["patient_from_camera"].as_array().unwrap().len(), raw.frames.len());
    // A different seed gives a different patient.
    let other = Phantom::generate(&PhantomSpec { seed: 12, ..small }).unwrap();
    assert_ne!(other.upper.mesh.positions()[0], m.positions()[0]);
    let _ = Mesh::default();
}

#[test]
fn impossible_specs_are_refused() {
    let e = Phantom::generate(&PhantomSpec {
        implants: vec![ImplantSpec { site: 46, scan_body: "cusp-sb-a".into(), buccal_tilt_deg: 0.0, index_deg: 0.0 }],
        ..PhantomSpec::coarse(1)
    })
    .unwrap_err();
    assert!(e.contains("46") && e.contains("missing"), "{e}");
    let e = Phantom::generate(&PhantomSpec {
        missing: vec![46],
        implants: vec![ImplantSpec { site: 46, scan_body: "nope".into(), buccal_tilt_deg: 0.0, index_deg: 0.0 }],
        ..PhantomSpec::coarse(1)
    })
    .unwrap_err();
    assert!(e.contains("unknown scan body 'nope'"), "{e}");
}

#[test]
fn crowding_and_spacing_give_the_asked_anterior_contacts() {
    for spacing in [-0.5, 0.8] {
        let p = Phantom::generate(&PhantomSpec {
            anterior_spacing_mm: spacing,
            irregularity_deg: 0.0,
            ..PhantomSpec::coarse(5)
        })
        .unwrap();
        for m in [&p.upper.mesh, &p.lower.mesh] {
            let t = Topology::new(m);
            assert!(
                t.boundary_edges().is_empty() && t.non_manifold_edges().is_empty(),
                "spacing {spacing}: model not closed"
            );
        }
        for j in &p.truth.jaws {
            for c in j
                .proximal_contacts
                .iter()
                .filter(|c| c.a % 10 <= 3 && c.b % 10 <= 3 && !(c.a % 10 == 3 && c.b % 10 == 4))
            {
                // Lower anterior contacts can shift a little when the lower teeth are settled vertically.
                assert!((c.distance - spacing).abs() < 0.1, "spacing {spacing}: {}–{} at {}", c.a, c.b, c.distance);
            }
        }
    }
}

#[test]
fn spec_numbers_out_of_range_are_refused_by_name() {
    for (spec, name) in [
        (PhantomSpec { gingiva_spacing_mm: f64::NAN, ..PhantomSpec::coarse(1) }, "gingiva_spacing_mm"),
        (PhantomSpec { gingiva_spacing_mm: -1.0, ..PhantomSpec::coarse(1) }, "gingiva_spacing_mm"),
        (PhantomSpec { crown_around: 100_000, ..PhantomSpec::coarse(1) }, "crown_around"),
        (PhantomSpec { anterior_spacing_mm: 1e6, ..PhantomSpec::coarse(1) }, "anterior_spacing_mm"),
        (PhantomSpec { arch_width_mm: f64::INFINITY, ..PhantomSpec::coarse(1) }, "arch_width_mm"),
    ] {
        let e = Phantom::generate(&spec).err().unwrap_or_else(|| panic!("{name} accepted"));
        assert!(e.contains(name) && e.contains("valid range"), "{e}");
    }
}
