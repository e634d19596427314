//! The one registration core every stage that aligns surfaces uses: frame stitching, bite registration,
//! scan-body fitting, superimposition of sequential scans, per-tooth tracking.
//!
//! Correspondences come from a k-d tree over the target; point-to-plane or point-to-point ICP with a robust
//! kernel and trimming; every result carries its RMS and inlier fraction (Open3D's fitness / inlier_rmse).

mod icp;
mod normals;

pub use icp::{icp, kabsch, IcpOptions, IcpResult, Kernel, Method, Target};
pub use normals::estimate_normals;

/// A rigid transform from a unit quaternion [w, x, y, z] and a translation (mm), as reports store them.
pub fn isometry_wxyz(rotation_wxyz: [f64; 4], translation: [f64; 3]) -> nalgebra::Isometry3<f64> {
    let [w, x, y, z] = rotation_wxyz;
    nalgebra::Isometry3::from_parts(
        nalgebra::Translation3::from(nalgebra::Vector3::from(translation)),
        nalgebra::UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(w, x, y, z)),
    )
}
