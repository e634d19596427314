//! Stitching and fusion: raw frames → registered poses → sparse TSDF → one surface.

pub mod posegraph;
pub mod session;
pub mod surface_nets;
pub mod tsdf;

pub use session::{FrameReport, FrameStatus, LoopClosure, ScanOptions, ScanSession};
pub use tsdf::Tsdf;

/// Registers depth frames in scan order (each with its device odometry guess, if any) into a new session
/// and extracts the fused surface (mm, the session's frame); also returns how many frames were skipped.
pub fn fuse_frames<'a>(
    camera: crate::io::frames::Camera,
    opts: ScanOptions,
    frames: impl IntoIterator<Item = (&'a [f32], Option<&'a nalgebra::Isometry3<f64>>)>,
) -> (crate::mesh::Mesh, usize) {
    let mut session = ScanSession::new(camera, opts);
    let skipped = frames
        .into_iter()
        .filter(|(depth, guess)| matches!(session.register_frame(depth, *guess).status, FrameStatus::Skipped(_)))
        .count();
    (surface_nets::extract(&session.volume, 2.0, 500), skipped)
}
