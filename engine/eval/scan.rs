//! Trueness of a fused scan: distances from the scan to the true surface after a best fit, as lab studies of
//! intraoral scanners measure it (ISO 5725 trueness; best-fit alignment of test to reference).

use crate::mesh::{Mesh, SurfaceIndex};
use crate::registration::{icp, IcpOptions, Kernel, Method, Target};
use nalgebra::Isometry3;
use serde::Serialize;

/// How close a scan is to the true surface.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Trueness {
    /// RMS distance (µm) from the scan's vertices to the true surface.
    pub rms_um: f64,
    /// 95th percentile of that distance (µm).
    pub p95_um: f64,
    /// Largest distance (µm).
    pub max_um: f64,
    /// Number of scan vertices measured.
    pub vertices: usize,
    /// The best fit applied (truth_from_scan) before measuring.
    #[serde(skip)]
    pub truth_from_scan: Isometry3<f64>,
}

/// Best-fits `scan` onto `truth` (starting from `initial`, truth_from_scan) and measures the distances.
pub fn trueness(scan: &Mesh, truth: &Mesh, initial: &Isometry3<f64>) -> Trueness {
    let samples = truth.sample_surface((truth.face_count() * 2).max(50_000), 1);
    let target =
        Target::new(samples.iter().map(|s| s.point).collect(), Some(samples.iter().map(|s| s.normal).collect()));
    let stride = (scan.vertex_count() / 40_000).max(1);
    let src: Vec<_> = scan.positions().iter().step_by(stride).copied().collect();
    let mut fit = *initial;
    for (gate, kernel) in [(2.0, Kernel::Huber(0.1)), (0.3, Kernel::Tukey(0.1))] {
        let o = IcpOptions {
            method: Method::PointToPlane,
            kernel,
            max_distance_mm: gate,
            max_iterations: 60,
            ..IcpOptions::default()
        };
        fit = icp(&src, &target, &fit, &o).target_from_source;
    }
    let index = SurfaceIndex::new(truth).expect("truth has triangles");
    let mut d: Vec<f64> = scan.positions().iter().map(|p| index.closest(&(fit * p)).1 * 1000.0).collect();
    d.sort_by(f64::total_cmp);
    let n = d.len().max(1);
    Trueness {
        rms_um: (d.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt(),
        p95_um: d.get(n * 95 / 100).copied().unwrap_or(0.0),
        max_um: d.last().copied().unwrap_or(0.0),
        vertices: d.len(),
        truth_from_scan: fit,
    }
}

/// A cross-arch distance measured on the scan against the truth (µm).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchDistance {
    /// Names of the two landmarks (e.g. "36", "46").
    pub between: (String, String),
    /// True distance (mm).
    pub true_mm: f64,
    /// Distance on the scan (mm).
    pub scan_mm: f64,
    /// scan − true (µm).
    pub error_um: f64,
}

/// Full-arch distortion: for each landmark tooth (a true point and the true crown surface), the scan's patch
/// around it is best-fitted locally onto that crown; the landmark's place on the scan is the inverse of that
/// local fit. Distances between landmark pairs on the scan are compared with the true distances.
/// `truth_from_scan` is the global best fit (from [`trueness`]).
pub fn arch_distances(
    scan: &Mesh,
    truth_from_scan: &Isometry3<f64>,
    landmarks: &[(String, nalgebra::Point3<f64>, Mesh)],
    pairs: &[(usize, usize)],
) -> Vec<ArchDistance> {
    let aligned: Vec<nalgebra::Point3<f64>> = scan.positions().iter().map(|p| truth_from_scan * p).collect();
    let located: Vec<Option<nalgebra::Point3<f64>>> = landmarks
        .iter()
        .map(|(_, l, crown)| {
            let patch: Vec<_> = aligned.iter().filter(|p| (*p - l).norm() < 7.0).copied().collect();
            if patch.len() < 200 {
                return None;
            }
            let s = crown.sample_surface(20_000, 3);
            let target = Target::new(s.iter().map(|x| x.point).collect(), Some(s.iter().map(|x| x.normal).collect()));
            let o = IcpOptions {
                kernel: Kernel::Tukey(0.1),
                max_distance_mm: 0.5,
                max_iterations: 60,
                ..IcpOptions::default()
            };
            let local = icp(&patch, &target, &Isometry3::identity(), &o);
            (local.inlier_fraction > 0.3).then(|| local.target_from_source.inverse() * l)
        })
        .collect();
    pairs
        .iter()
        .filter_map(|&(a, b)| {
            let (sa, sb) = (located[a]?, located[b]?);
            let true_mm = (landmarks[a].1 - landmarks[b].1).norm();
            let scan_mm = (sa - sb).norm();
            Some(ArchDistance {
                between: (landmarks[a].0.clone(), landmarks[b].0.clone()),
                true_mm,
                scan_mm,
                error_um: (scan_mm - true_mm) * 1000.0,
            })
        })
        .collect()
}
