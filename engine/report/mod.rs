//! Reports: pictures of meshes for people, and the self-contained HTML report of a run — with what a run hands
//! to it (figures, checks, 3D view meshes, plots).

pub mod html;
pub mod render;

use crate::mesh::Mesh;
use serde::Serialize;

/// One pass/fail check against ground truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What is checked.
    pub name: String,
    /// Measured value.
    pub value: f64,
    /// Threshold.
    pub threshold: f64,
    /// Unit of both.
    pub unit: String,
    /// Whether it passed.
    pub pass: bool,
}

/// A colour layer of one mesh for the report's 3D view.
#[derive(Debug, Clone)]
pub struct ViewLayer {
    /// Name shown in the view ("segmentation", "contacts", …).
    pub name: String,
    /// A colour per vertex.
    pub colors: Vec<[u8; 3]>,
}

/// A mesh in the report's 3D view with its colour layers.
#[derive(Debug, Clone)]
pub struct ViewMesh {
    /// Name ("upper", "lower", …).
    pub name: String,
    /// The mesh.
    pub mesh: Mesh,
    /// Colour layers.
    pub layers: Vec<ViewLayer>,
}

/// What a run produced: the report's content.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Every figure, as report.json holds it.
    pub report: serde_json::Value,
    /// Checks against ground truth.
    pub checks: Vec<Check>,
    /// Meshes for the 3D view.
    pub views: Vec<ViewMesh>,
    /// Plots (SVG documents) by title.
    pub plots: Vec<(String, String)>,
    /// Meshes to write beside the report (file name, mesh).
    pub meshes: Vec<(String, Mesh)>,
}
