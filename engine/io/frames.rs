//! Raw scanner frames on disk: a folder with `frames.json` (camera, frame list, optional odometry) and one
//! depth image per frame. This is the input of scan registration; it never contains true poses.
//!
//! Depth file: 8 bytes `CUSPDEP1`, u32 width, u32 height (little-endian), then width × height f32
//! little-endian depths in millimetres, row-major, NaN where the scanner had no return.

use super::error::{IoError, ParseError, Place};
use crate::dentition::Jaw;
use nalgebra::{Isometry3, Point3, Quaternion, Translation3, UnitQuaternion};
use serde::{Deserialize, Serialize};
use std::path::Path;

const MAGIC: &[u8; 8] = b"CUSPDEP1";

/// A telecentric depth camera: pixel (col, row) looks along +z from
/// `((col + ½)·pixel_mm[0] − window_mm[0]/2, (row + ½)·pixel_mm[1] − window_mm[1]/2, 0)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    /// Always "telecentric" for now.
    pub model: String,
    /// Image columns.
    pub width_px: usize,
    /// Image rows.
    pub height_px: usize,
    /// Pixel pitch along columns and rows (mm).
    pub pixel_mm: [f64; 2],
    /// Window size (mm).
    pub window_mm: [f64; 2],
    /// Nearest measurable depth (mm).
    pub near_mm: f64,
    /// Farthest measurable depth (mm).
    pub far_mm: f64,
}

/// Camera-frame position (x, y in mm) of the centre of pixel (`col`, `row`) of a telecentric camera with
/// pixel pitch `pixel_mm` and window `window_mm`: the one place the pixel grid meets millimetres.
pub fn pixel_centre_mm(col: f64, row: f64, pixel_mm: [f64; 2], window_mm: [f64; 2]) -> (f64, f64) {
    ((col + 0.5) * pixel_mm[0] - window_mm[0] / 2.0, (row + 0.5) * pixel_mm[1] - window_mm[1] / 2.0)
}

impl Camera {
    /// Camera-frame position (x, y in mm) of the centre of pixel (`col`, `row`).
    pub fn pixel_centre(&self, col: usize, row: usize) -> (f64, f64) {
        pixel_centre_mm(col as f64, row as f64, self.pixel_mm, self.window_mm)
    }

    /// The (fractional) pixel whose centre is at camera-frame (`x`, `y`) mm: the inverse of
    /// [`Camera::pixel_centre`].
    pub fn pixel_at(&self, x: f64, y: f64) -> (f64, f64) {
        ((x + self.window_mm[0] / 2.0) / self.pixel_mm[0] - 0.5, (y + self.window_mm[1] / 2.0) / self.pixel_mm[1] - 0.5)
    }

    /// Camera-frame points (mm) of the valid pixels of a depth image, with their pixel index.
    pub fn points(&self, depth: &[f32]) -> Vec<(usize, Point3<f64>)> {
        let mut out = Vec::new();
        for (i, &d) in depth.iter().enumerate() {
            if d.is_finite() {
                let (x, y) = self.pixel_centre(i % self.width_px, i / self.width_px);
                out.push((i, Point3::new(x, y, f64::from(d))));
            }
        }
        out
    }
}

/// A rigid pose as stored: translation (mm) and unit quaternion [w, x, y, z].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoseRecord {
    /// Translation (mm).
    pub translation: [f64; 3],
    /// Rotation as a unit quaternion [w, x, y, z].
    pub rotation_wxyz: [f64; 4],
}

impl PoseRecord {
    /// From an isometry.
    pub fn from_isometry(p: &Isometry3<f64>) -> Self {
        let q = p.rotation;
        Self { translation: p.translation.vector.into(), rotation_wxyz: crate::registration::wxyz(&q) }
    }

    /// To an isometry (a quaternion that is not unit to 1e-9 is normalised; a unit one is kept bit for bit).
    pub fn to_isometry(&self) -> Isometry3<f64> {
        let [w, x, y, z] = self.rotation_wxyz;
        let raw = Quaternion::new(w, x, y, z);
        let q = if (raw.norm() - 1.0).abs() < 1e-9 {
            UnitQuaternion::new_unchecked(raw)
        } else {
            UnitQuaternion::from_quaternion(raw)
        };
        Isometry3::from_parts(Translation3::from(self.translation), q)
    }
}

/// One entry of the frame list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameEntry {
    /// Depth file name, relative to the folder.
    pub file: String,
    /// Scan pass this frame belongs to (free text, e.g. "occlusal").
    #[serde(default)]
    pub pass: String,
    /// Device odometry: a rough patient_from_camera guess, if the device gives one.
    #[serde(default)]
    pub odometry_guess: Option<PoseRecord>,
}

/// The `frames.json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FramesDoc {
    /// Format tag: "cusp raw frames v1".
    pub format: String,
    /// Jaw scanned, if known.
    #[serde(default)]
    pub jaw: Option<Jaw>,
    /// The camera.
    pub camera: Camera,
    /// Frames in scan order.
    pub frames: Vec<FrameEntry>,
}

/// A frame as read: its entry and its depth image.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFrame {
    /// The frame-list entry.
    pub entry: FrameEntry,
    /// Depth per pixel, row-major (mm; NaN = no return).
    pub depth: Vec<f32>,
}

/// A scan session as read from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct RawScan {
    /// The frame list and camera.
    pub doc: FramesDoc,
    /// Frames in scan order.
    pub frames: Vec<RawFrame>,
}

/// Encodes a depth image.
pub fn encode_depth(width: usize, height: usize, depth: &[f32]) -> Vec<u8> {
    let mut b = Vec::with_capacity(16 + 4 * depth.len());
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&(width as u32).to_le_bytes());
    b.extend_from_slice(&(height as u32).to_le_bytes());
    for d in depth {
        b.extend_from_slice(&d.to_le_bytes());
    }
    b
}

/// Decodes a depth image, checking its size against the camera.
pub fn parse_depth(bytes: &[u8], camera: &Camera) -> Result<Vec<f32>, ParseError> {
    const F: &str = "depth image";
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(ParseError::new(F, Place::Byte(0), "does not start with 'CUSPDEP1'"));
    }
    let w = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    let h = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as usize;
    if (w, h) != (camera.width_px, camera.height_px) {
        return Err(ParseError::new(
            F,
            Place::Byte(8),
            format!("image is {w} × {h} but the camera is {} × {}", camera.width_px, camera.height_px),
        ));
    }
    let need = 16 + 4 * w * h;
    if bytes.len() != need {
        return Err(ParseError::new(
            F,
            Place::Byte(bytes.len() as u64),
            format!("{} bytes, but {w} × {h} depths need {need}", bytes.len()),
        ));
    }
    Ok(bytes[16..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// Reads a raw scan folder (frames.json and its depth files).
pub fn read_raw_scan(dir: impl AsRef<Path>) -> Result<RawScan, IoError> {
    let dir = dir.as_ref();
    let list = dir.join("frames.json");
    let bytes = super::read_bytes(&list)?;
    let doc: FramesDoc = serde_json::from_slice(&bytes).map_err(|e| IoError::Parse {
        path: list.clone(),
        source: ParseError::new("frames.json", Place::Line(e.line()), e.to_string()),
    })?;
    let mut frames = Vec::with_capacity(doc.frames.len());
    for entry in &doc.frames {
        let path = dir.join(&entry.file);
        let depth =
            parse_depth(&super::read_bytes(&path)?, &doc.camera).map_err(|source| IoError::Parse { path, source })?;
        frames.push(RawFrame { entry: entry.clone(), depth });
    }
    Ok(RawScan { doc, frames })
}
