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
