//! Stitching and fusion: raw frames → registered poses → sparse TSDF → one surface.

pub mod session;
pub mod surface_nets;
pub mod tsdf;

pub use session::{FrameReport, FrameStatus, ScanOptions, ScanSession};
pub use tsdf::Tsdf;
