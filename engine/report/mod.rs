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
    /// FDI number labels: (tooth, point above its crown (mesh frame, mm), its buccal direction (unit)).
    pub teeth: Vec<(i32, [f64; 3], [f64; 3])>,
    /// The jaw's occlusal direction (unit, toward the crown tips), for the preset views.
    pub occlusal: Option<[f64; 3]>,
    /// Line segments drawn over the mesh (mesh frame, mm), e.g. implant axes: (from, to).
    pub lines: Vec<([f64; 3], [f64; 3])>,
}

impl ViewMesh {
    /// A mesh for the view with its colour layers, no tooth labels yet.
    pub fn new(name: impl Into<String>, mesh: Mesh, layers: Vec<ViewLayer>) -> Self {
        Self { name: name.into(), mesh, layers, teeth: Vec::new(), occlusal: None, lines: Vec::new() }
    }

    /// The same with each tooth of `dentition` (in this mesh's frame) numbered 2 mm above its crown centroid
    /// (shown when its buccal or occlusal side faces the viewer), and the jaw's occlusal direction.
    pub fn with_teeth(mut self, dentition: &crate::dentition::Dentition) -> Self {
        self.teeth = dentition
            .teeth
            .iter()
            .map(|t| {
                let (p, b) = (t.frame.centroid + t.frame.occlusal * 2.0, t.frame.buccal);
                (t.fdi, [p.x, p.y, p.z], [b.x, b.y, b.z])
            })
            .collect();
        self.occlusal = dentition.teeth.first().map(|t| [t.frame.occlusal.x, t.frame.occlusal.y, t.frame.occlusal.z]);
        self
    }
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
    /// Colour bars of layers whose scale belongs to this run (e.g. a clearance marked at the planned
    /// material's thickness), by layer name; the standard layers have theirs built in.
    pub legends: Vec<(String, Legend)>,
}

/// A colour bar for a view layer: its range in a unit, colours from low to high, what the ends mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Legend {
    /// Unit of `min` and `max` ("mm", "µm").
    pub unit: String,
    /// Value at the low end.
    pub min: f64,
    /// Value at the high end.
    pub max: f64,
    /// Colours from low to high, evenly spaced.
    pub colours: Vec<[u8; 3]>,
    /// What the low end means.
    pub low: String,
    /// What the high end means.
    pub high: String,
}

impl Legend {
    /// Colours of a layer's own colour function `colour` (of a value in `unit`) sampled at the centres of 16
    /// even steps over `min`…`max`.
    pub fn sampled(unit: &str, min: f64, max: f64, colour: impl Fn(f64) -> [u8; 3], low: &str, high: &str) -> Self {
        const STEPS: usize = 16;
        let colours = (0..STEPS).map(|i| colour(min + (max - min) * (i as f64 + 0.5) / STEPS as f64)).collect();
        Self { unit: unit.into(), min, max, colours, low: low.into(), high: high.into() }
    }
}
