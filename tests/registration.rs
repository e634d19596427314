//! The shared registration core: identity on itself, known motions recovered, noise and outliers handled,
//! poor fits reported as poor.

use cusp::mesh::Mesh;
use cusp::phantom::crown::{crown, CrownResolution};
use cusp::registration::{estimate_normals, icp, IcpOptions, Kernel, Method, Target};
use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

/// A lower first molar: irregular enough that a rigid fit is unique.
fn molar() -> Mesh {
    crown(46, CrownResolution { around: 96, side: 30, occlusal: 18 }, None).closed
}

fn target_of(m: &Mesh, n: usize, seed: u64) -> Target {
    let s = m.sample_surface(n, seed);
    Target::new(s.iter().map(|x| x.point).collect(), Some(s.iter().map(|x| x.normal).collect()))
}

fn motion(t_mm: [f64; 3], angle_deg: f64, axis: [f64; 3]) -> Isometry3<f64> {
    let r =
        UnitQuaternion::from_axis_angle(&nalgebra::Unit::new_normalize(Vector3::from(axis)), angle_deg.to_radians());
    Isometry3::from_parts(Translation3::from(Vector3::from(t_mm)), r)
}

fn error(a: &Isometry3<f64>, b: &Isometry3<f64>) -> (f64, f64) {
    let d = a.inverse() * b;
    (d.translation.vector.norm(), d.rotation.angle().to_degrees())
}

#[test]
fn a_surface_registered_onto_itself_gives_the_identity() {
    let m = molar();
    let target = target_of(&m, 20_000, 1);
    let r = icp(target.points(), &target, &Isometry3::identity(), &IcpOptions::default());
    let (dt, da) = error(&r.target_from_source, &Isometry3::identity());
    assert!(dt < 1e-12 && da < 1e-9, "{dt} mm, {da}°");
    assert!(r.converged && r.rms_mm < 1e-12 && (r.inlier_fraction - 1.0).abs() < 1e-12);
}

#[test]
fn known_rigid_motions_are_recovered() {
    let m = molar();
    let target = target_of(&m, 30_000, 1);
    let source_in_target: Vec<Point3<f64>> = m.sample_surface(4000, 2).iter().map(|s| s.point).collect();
    for (k, truth) in [motion([0.4, -0.3, 0.2], 3.0, [1.0, 2.0, 0.5]), motion([-0.8, 0.5, 0.6], 8.0, [0.0, 0.3, 1.0])]
        .iter()
        .enumerate()
    {
        for method in [Method::PointToPlane, Method::PointToPoint] {
            // Source points are the surface seen from a moved sensor: source = truth⁻¹ · surface. Point-to-plane
            // gets an independent sample; point-to-point, which pairs points, gets points the target also has.
            let on_surface =
                if method == Method::PointToPlane { &source_in_target[..] } else { &target.points()[..4000] };
            let source: Vec<Point3<f64>> = on_surface.iter().map(|p| truth.inverse() * p).collect();
            let kernel = if method == Method::PointToPoint { Kernel::None } else { Kernel::Huber(0.05) };
            let opts =
                IcpOptions { method, kernel, max_distance_mm: 2.0, max_iterations: 300, ..IcpOptions::default() };
            let r = icp(&source, &target, &Isometry3::identity(), &opts);
            let (dt, da) = error(&r.target_from_source, truth);
            // Point-to-plane sees through the sampling (spacing ≈ 0.1 mm) to a few µm; point-to-point is exact.
            let (tol_mm, tol_deg) = if method == Method::PointToPlane { (0.002, 0.02) } else { (1e-6, 1e-5) };
            assert!(
                dt < tol_mm && da < tol_deg,
                "case {k} {method:?}: {dt} mm, {da}° after {} iterations",
                r.iterations
            );
            assert!(r.inlier_fraction > 0.99 && r.rms_mm < 0.01, "case {k} {method:?}: {r:?}");
        }
    }
}

#[test]
fn noise_and_outliers_are_absorbed_by_the_robust_kernel() {
    let m = molar();
    let target = target_of(&m, 30_000, 3);
    let truth = motion([0.3, 0.2, -0.4], 4.0, [0.2, 1.0, 0.1]);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let noise = Normal::new(0.0, 0.010).unwrap();
    let samples = m.sample_surface(5000, 4);
    let mut source = Vec::new();
    for s in &samples {
        let mut p = s.point + s.normal * noise.sample(&mut rng);
        if rng.random::<f64>() < 0.05 {
            p += s.normal * rng.random_range(0.3..1.5); // 5 % outliers off the surface
        }
        source.push(truth.inverse() * p);
    }
    let opts = IcpOptions { kernel: Kernel::Tukey(0.1), max_distance_mm: 2.0, ..IcpOptions::default() };
    let r = icp(&source, &target, &Isometry3::identity(), &opts);
    let (dt, da) = error(&r.target_from_source, &truth);
    assert!(dt < 0.003 && da < 0.03, "{dt} mm, {da}°");
    assert!((r.rms_mm - 0.010).abs() < 0.004, "rms {} mm for 10 µm noise", r.rms_mm);
    assert!((0.9..0.97).contains(&r.inlier_fraction), "inlier fraction {}", r.inlier_fraction);
}

#[test]
fn a_wrong_surface_is_a_poor_fit_not_a_confident_one() {
    let target = target_of(&molar(), 20_000, 5);
    let other: Vec<Point3<f64>> =
        Mesh::icosphere(4.0, 4).sample_surface(3000, 6).iter().map(|s| s.point + Vector3::new(0.0, 0.0, 4.0)).collect();
    let r = icp(&other, &target, &Isometry3::identity(), &IcpOptions::default());
    assert!(r.inlier_fraction < 0.5, "a sphere fits a molar with inlier fraction {}", r.inlier_fraction);
}

#[test]
fn estimated_normals_match_the_surface() {
    let m = Mesh::icosphere(5.0, 4);
    let pts: Vec<Point3<f64>> = m.sample_surface(5000, 8).iter().map(|s| s.point).collect();
    let n = estimate_normals(&pts, 12, &Point3::new(0.0, 0.0, 100.0));
    // Oriented toward the viewpoint, and along the radius (up to sign) everywhere.
    for (p, n) in pts.iter().zip(&n) {
        let radial = p.coords / 5.0;
        assert!(n.dot(&radial).abs() > 0.99);
        assert!(n.dot(&(Point3::new(0.0, 0.0, 100.0) - p)) >= 0.0);
    }
}
