//! The one registration core every stage that aligns surfaces uses: frame stitching, bite registration,
//! scan-body fitting, superimposition of sequential scans, per-tooth tracking.
//!
//! Correspondences come from a k-d tree over the target; point-to-plane or point-to-point ICP with a robust
//! kernel and trimming; every result carries its RMS and inlier fraction (Open3D's fitness / inlier_rmse).

mod icp;
mod normals;

pub use icp::{icp, kabsch, IcpOptions, IcpResult, Kernel, Method, Target};
pub use normals::estimate_normals;

/// A rotation as the unit quaternion [w, x, y, z] reports and files store (nalgebra's `w, i, j, k`).
pub fn wxyz(q: &nalgebra::Quaternion<f64>) -> [f64; 4] {
    [q.w, q.i, q.j, q.k]
}

/// A rigid transform from a unit quaternion [w, x, y, z] and a translation (mm), as reports store them.
pub fn isometry_wxyz(rotation_wxyz: [f64; 4], translation: [f64; 3]) -> nalgebra::Isometry3<f64> {
    let [w, x, y, z] = rotation_wxyz;
    nalgebra::Isometry3::from_parts(
        nalgebra::Translation3::from(nalgebra::Vector3::from(translation)),
        nalgebra::UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(w, x, y, z)),
    )
}

/// One point per cubic cell of `voxel_mm` (the mean of the points in it), cells in a fixed order, so the
/// result does not depend on the input's order beyond floating-point summation; non-finite points dropped.
pub fn voxel_downsample(points: &[nalgebra::Point3<f64>], voxel_mm: f64) -> Vec<nalgebra::Point3<f64>> {
    let mut cells: std::collections::BTreeMap<[i64; 3], (nalgebra::Vector3<f64>, usize)> = Default::default();
    for p in points.iter().filter(|p| p.coords.iter().all(|c| c.is_finite())) {
        let key = [(p.x / voxel_mm).floor() as i64, (p.y / voxel_mm).floor() as i64, (p.z / voxel_mm).floor() as i64];
        let e = cells.entry(key).or_insert((nalgebra::Vector3::zeros(), 0));
        e.0 += p.coords;
        e.1 += 1;
    }
    cells.into_values().map(|(sum, n)| nalgebra::Point3::from(sum / n as f64)).collect()
}
