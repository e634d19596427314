//! Ground truth written beside a phantom: only evaluation code (tests, benches, `cusp eval`) reads it.

use serde::{Deserialize, Serialize};

/// A tooth's true pose and size, patient frame (mm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToothTruth {
    /// FDI number.
    pub fdi: i32,
    /// Origin of the tooth frame: centre of the cervical cross-section at the mid-facial cervical line.
    pub origin: [f64; 3],
    /// Unit mesio-distal axis, pointing mesially.
    pub mesial: [f64; 3],
    /// Unit bucco-lingual axis, pointing buccally (labially).
    pub buccal: [f64; 3],
    /// Unit long axis, pointing occlusally (toward the crown tip).
    pub occlusal: [f64; 3],
    /// Centroid of the visible crown surface's vertices.
    pub crown_centroid: [f64; 3],
    /// Mesio-distal width (mm).
    pub md_width: f64,
    /// Bucco-lingual width (mm).
    pub bl_width: f64,
    /// Crown height (mm).
    pub crown_height: f64,
    /// Whether the crown is a preparation.
    pub prepared: bool,
}

/// Where two teeth come closest: points on each surface and their distance (mm, negative = overlap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactTruth {
    /// FDI of the first tooth (upper tooth for occlusal contacts; mesial tooth for proximal ones).
    pub a: i32,
    /// FDI of the second tooth.
    pub b: i32,
    /// Closest point on tooth `a`.
    pub point_a: [f64; 3],
    /// Closest point on tooth `b`.
    pub point_b: [f64; 3],
    /// Distance (mm); negative when the crowns overlap by that depth.
    pub distance: f64,
}

/// An implant and its scan body, patient frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImplantTruth {
    /// FDI number of the site.
    pub site: i32,
    /// Scan body library name.
    pub scan_body: String,
    /// Centre of the implant platform (mm).
    pub platform: [f64; 3],
    /// Unit implant axis, pointing coronally (out of the bone).
    pub axis: [f64; 3],
    /// Unit outward normal of the scan body's indexing flat.
    pub flat_normal: [f64; 3],
    /// Centre of the scan body's top face (mm).
    pub scan_body_top: [f64; 3],
}

/// A rigid tooth movement between two time points, patient frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementTruth {
    /// FDI number.
    pub fdi: i32,
    /// Rotation part of `t_from_t0` as a unit quaternion [w, x, y, z].
    pub rotation_wxyz: [f64; 4],
    /// Translation part of `t_from_t0` (mm).
    pub translation: [f64; 3],
    /// The movement as asked for, in the tooth's t0 frame: translation mm (mesial, buccal, occlusal).
    pub local_translation_mm: [f64; 3],
    /// The movement as asked for: tip, torque, rotation (degrees).
    pub local_rotation_deg: [f64; 3],
}

/// Ground truth of one jaw model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JawTruth {
    /// "upper" or "lower".
    pub jaw: String,
    /// Mesh file name (beside truth.json).
    pub mesh: String,
    /// Label file name.
    pub labels: String,
    /// Teeth present.
    pub teeth: Vec<ToothTruth>,
    /// Implants in this jaw.
    pub implants: Vec<ImplantTruth>,
    /// Contacts between neighbours in this jaw.
    pub proximal_contacts: Vec<ContactTruth>,
    /// True landmarks of its teeth (3DTeethLand classes), patient frame: contact points where neighbours
    /// touch (the closest points of the two crowns), else the crown's height of contour.
    #[serde(default)]
    pub landmarks: Vec<crate::landmark::Landmark>,
}

/// One later time point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTruth {
    /// Index of the time point (1, 2, …).
    pub t: usize,
    /// Jaw models at this time point.
    pub jaws: Vec<JawTruth>,
    /// Teeth that moved since t0.
    pub movements: Vec<MovementTruth>,
    /// Teeth that wore since t0.
    #[serde(default)]
    pub wear: Vec<WearTruth>,
    /// Teeth whose gingival margin receded since t0.
    #[serde(default)]
    pub recession: Vec<RecessionTruth>,
}

/// How far a tooth's gingival margin moved apically between t0 and a later time point (mm, along the tooth's
/// long axis): at mid-buccal and mid-lingual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecessionTruth {
    /// FDI number.
    pub fdi: i32,
    /// Apical shift at mid-buccal (mm).
    pub buccal_mm: f64,
    /// Apical shift at mid-lingual (mm).
    pub lingual_mm: f64,
}

/// Enamel a tooth lost between t0 and a later time point, measured normal to its t0 surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WearTruth {
    /// FDI number.
    pub fdi: i32,
    /// Deepest loss normal to the t0 surface (mm).
    pub max_depth_mm: f64,
    /// Area of the t0 surface that lost any enamel (mm²).
    pub area_mm2: f64,
    /// Volume lost (mm³): the loss normal to the surface integrated over the t0 surface.
    pub volume_mm3: f64,
}

/// Everything true about a phantom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Units of every length.
    pub units: String,
    /// Frame convention.
    pub frame: String,
    /// Seed the phantom was made from.
    pub seed: u64,
    /// Both jaws at t0, in occlusion.
    pub jaws: Vec<JawTruth>,
    /// Occlusal contacts between upper and lower teeth (distance ≤ 0.3 mm).
    pub occlusal_contacts: Vec<ContactTruth>,
    /// For a preparation: smallest distance from the prepared tooth to the opposing jaw (mm).
    pub prep_clearance_mm: Option<f64>,
    /// Later time points.
    pub stages: Vec<StageTruth>,
}
