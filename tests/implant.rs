//! Scan-body fitting against the phantom's true implant positions.

use cusp::implant::{compare, fit_all, pairs, FitModel, ImplantFit, ScanBodyEntry, Tolerances};
use cusp::mesh::Mesh;
use cusp::phantom::truth::ImplantTruth;
use cusp::phantom::{ImplantSpec, Phantom, PhantomSpec};
use nalgebra::{Point3, Vector3};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

/// The jaw with `sigma_mm` of Gaussian noise along each vertex normal, as a scanner's error.
fn noisy(mesh: &Mesh, sigma_mm: f64, seed: u64) -> Mesh {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let nd = Normal::new(0.0, sigma_mm).unwrap();
    let n = mesh.vertex_normals();
    let p = mesh.positions().iter().zip(&n).map(|(p, n)| p + n * nd.sample(&mut rng)).collect();
    Mesh::new(p, mesh.triangles().to_vec()).unwrap()
}

fn implant_phantom(seed: u64) -> Phantom {
    Phantom::generate(&PhantomSpec {
        missing: vec![36, 45, 46],
        implants: vec![
            ImplantSpec { site: 36, scan_body: "cusp-sb-a".into(), buccal_tilt_deg: 0.0, index_deg: 0.0 },
            ImplantSpec { site: 46, scan_body: "cusp-sb-c".into(), buccal_tilt_deg: 8.0, index_deg: 70.0 },
            ImplantSpec { site: 45, scan_body: "cusp-sb-b".into(), buccal_tilt_deg: -5.0, index_deg: -120.0 },
        ],
        ..PhantomSpec::coarse(seed)
    })
    .unwrap()
}

fn errors(fit: &ImplantFit, t: &ImplantTruth) -> (f64, f64, f64) {
    let pos = (Point3::from(fit.platform) - Point3::from(t.platform)).norm();
    let ang = |a: [f64; 3], b: [f64; 3]| Vector3::from(a).angle(&Vector3::from(b)).to_degrees();
    (pos, ang(fit.axis, t.axis), ang(fit.flat_normal, t.flat_normal))
}

fn library() -> Vec<FitModel> {
    ScanBodyEntry::builtin().into_iter().map(FitModel::new).collect()
}

#[test]
fn implants_are_found_where_they_are_with_10_um_noise() {
    let models = library();
    let tol = Tolerances::default();
    for seed in [3, 8] {
        let p = implant_phantom(seed);
        let truth = &p.truth.jaws[1].implants;
        let mesh = noisy(&p.lower.mesh, 0.010, seed);
        let fits = fit_all(&mesh, &models, &tol);
        assert_eq!(fits.len(), truth.len(), "seed {seed}: {} scan bodies found", fits.len());
        for t in truth {
            let f = fits.iter().min_by(|a, b| errors(a, t).0.total_cmp(&errors(b, t).0)).unwrap();
            let (dp, da, di) = errors(f, t);
            eprintln!(
                "seed {seed} site {}: {} pos {:.1} µm axis {:.3}° index {:.2}° rms {:.1} µm p95 {:.1} µm cover {:.2}",
                t.site,
                f.scan_body,
                dp * 1e3,
                da,
                di,
                f.rms_mm * 1e3,
                f.p95_mm * 1e3,
                f.coverage
            );
            assert_eq!(f.scan_body, t.scan_body, "site {}: wrong library entry", t.site);
            assert!(dp <= 0.010, "seed {seed} site {}: position error {:.1} µm", t.site, dp * 1e3);
            assert!(da <= 0.1, "seed {seed} site {}: axis error {da:.3}°", t.site);
            assert!(di <= 0.5, "seed {seed} site {}: rotation about the axis off by {di:.2}°", t.site);
            assert!(f.fit_ok, "{:?}", f.flags);
        }
    }
}

#[test]
fn a_wrong_model_or_half_a_scan_body_is_a_poor_fit_not_a_confident_answer() {
    let p = implant_phantom(5);
    let mesh = noisy(&p.lower.mesh, 0.010, 5);
    let tol = Tolerances::default();
    let bodies = cusp::implant::detect_cylinders(&mesh);
    assert_eq!(bodies.len(), 3);
    let sb_a = bodies.iter().find(|b| (b.radius - 2.4).abs() < 0.1).expect("the cusp-sb-a body");
    // The narrow model on the wide body.
    let wrong = FitModel::new(ScanBodyEntry::lookup("cusp-sb-b").unwrap());
    let f = cusp::implant::fit_cylinder(&mesh, sb_a, &wrong, &tol);
    assert!(!f.fit_ok && f.p95_mm > 0.1, "wrong model accepted: p95 {} coverage {}", f.p95_mm, f.coverage);
    // Half the body gone (faces on the far side of a plane through the axis removed).
    let right = FitModel::new(ScanBodyEntry::lookup("cusp-sb-a").unwrap());
    let top = sb_a.top;
    let side = Vector3::from(p.truth.jaws[1].implants[0].flat_normal).cross(&sb_a.axis);
    let keep: Vec<[u32; 3]> = mesh
        .triangles()
        .iter()
        .filter(|t| {
            !t.iter().all(|&v| {
                let q = mesh.positions()[v as usize];
                (q - top).dot(&side) > 0.0 && (q - top).norm() < 12.0
            })
        })
        .copied()
        .collect();
    let half = Mesh::new(mesh.positions().to_vec(), keep).unwrap();
    let f = cusp::implant::fit_cylinder(&half, sb_a, &right, &tol);
    assert!(!f.fit_ok && f.coverage < 0.6, "half a scan body passed: coverage {}", f.coverage);
    assert!(f.flags.iter().any(|m| m.contains("covers")), "{:?}", f.flags);
}

#[test]
fn a_verification_scan_flags_the_implant_that_moved_and_only_that_one() {
    let models = library();
    let tol = Tolerances::default();
    let a = implant_phantom(6);
    let moved = Phantom::generate(&PhantomSpec {
        implants: a
            .spec
            .implants
            .iter()
            .map(|i| {
                if i.site == 46 {
                    ImplantSpec { buccal_tilt_deg: i.buccal_tilt_deg + 1.0, ..i.clone() }
                } else {
                    i.clone()
                }
            })
            .collect(),
        ..a.spec.clone()
    })
    .unwrap();
    let first = fit_all(&noisy(&a.lower.mesh, 0.010, 1), &models, &tol);
    let same = fit_all(&noisy(&a.lower.mesh, 0.010, 2), &models, &tol);
    let c = compare(&first, &same, &tol);
    assert_eq!(c.implants.len(), 3);
    for d in &c.implants {
        assert!(d.ok && d.position_mm < 0.015 && d.angle_deg < 0.1, "rescan differs: {d:?}");
    }
    let second = fit_all(&noisy(&moved.lower.mesh, 0.010, 3), &models, &tol);
    let c = compare(&first, &second, &tol);
    let truth = &a.truth.jaws[1].implants;
    for d in &c.implants {
        let site = truth
            .iter()
            .min_by(|x, y| {
                let f = &first[d.reference];
                let e = |t: &ImplantTruth| (Point3::from(t.platform) - Point3::from(f.platform)).norm();
                e(x).total_cmp(&e(y))
            })
            .unwrap()
            .site;
        assert_eq!(d.ok, site != 46, "site {site}: {d:?}");
    }
    // Inter-implant distances and angles match the truth.
    for pr in pairs(&first) {
        let near = |f: &ImplantFit| truth.iter().min_by(|x, y| errors(f, x).0.total_cmp(&errors(f, y).0)).unwrap();
        let (ta, tb) = (near(&first[pr.a]), near(&first[pr.b]));
        let td = (Point3::from(ta.platform) - Point3::from(tb.platform)).norm();
        let tang = Vector3::from(ta.axis).angle(&Vector3::from(tb.axis)).to_degrees();
        assert!((pr.distance_mm - td).abs() < 0.015, "distance {} vs {td}", pr.distance_mm);
        assert!((pr.angle_deg - tang).abs() < 0.1, "angle {} vs {tang}", pr.angle_deg);
    }
}
