//! The one registration core every stage that aligns surfaces uses: frame stitching, bite registration,
//! scan-body fitting, superimposition of sequential scans, per-tooth tracking.
//!
//! Correspondences come from a k-d tree over the target; point-to-plane or point-to-point ICP with a robust
//! kernel and trimming; every result carries its RMS and inlier fraction (Open3D's fitness / inlier_rmse).

mod icp;
mod normals;

pub use icp::{icp, kabsch, IcpOptions, IcpResult, Kernel, Method, Target};
pub use normals::estimate_normals;
