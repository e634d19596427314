//! Landmarks per tooth, the 3DTeethLand'24 set: contact points, the facial-axis point, the cervical points
//! buccal and lingual, and cusp tips; all in the mesh frame of the jaw they were found on (mm).
//!
//! `find` places them on a segmented jaw from its geometry; `format` reads and writes them as
//! 3DTeethLand JSON, 3D Slicer markups (`.mrk.json`) and legacy Slicer `.fcsv` files.

mod find;
mod format;

pub use find::{cusp_count, find_landmarks};
pub use format::{read_landmarks, write_landmarks, LandmarkFile};

use serde::{Deserialize, Serialize};

/// The kind of a landmark (3DTeethLand'24 class names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LandmarkClass {
    /// Mesial contact point: where the crown touches (or would touch) its neighbour toward the midline.
    Mesial,
    /// Distal contact point: where the crown touches its neighbour away from the midline.
    Distal,
    /// Facial-axis (FA) point: the middle of the clinical crown's facial axis, halfway from the gum line to
    /// the incisal edge or buccal cusp tip.
    FacialPoint,
    /// Cervical point on the buccal (labial) gum line, at the middle of the crown.
    OuterPoint,
    /// Cervical point on the lingual (palatal) gum line, at the middle of the crown.
    InnerPoint,
    /// A cusp tip (canines, premolars, molars; several per tooth).
    Cusp,
}

impl LandmarkClass {
    /// Every class, in the 3DTeethLand order.
    pub const ALL: [LandmarkClass; 6] = [
        LandmarkClass::Mesial,
        LandmarkClass::Distal,
        LandmarkClass::FacialPoint,
        LandmarkClass::OuterPoint,
        LandmarkClass::InnerPoint,
        LandmarkClass::Cusp,
    ];

    /// The 3DTeethLand name ("Mesial", "FacialPoint", …).
    pub fn as_str(self) -> &'static str {
        match self {
            LandmarkClass::Mesial => "Mesial",
            LandmarkClass::Distal => "Distal",
            LandmarkClass::FacialPoint => "FacialPoint",
            LandmarkClass::OuterPoint => "OuterPoint",
            LandmarkClass::InnerPoint => "InnerPoint",
            LandmarkClass::Cusp => "Cusp",
        }
    }

    /// The class of a 3DTeethLand name, or of the names other tools use for it (Mesh_Labeler's `MCP`,
    /// `DCP`; `FA`; `cusp`), ignoring case.
    pub fn parse(name: &str) -> Option<LandmarkClass> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "mesial" | "mcp" | "mesialpoint" | "mesial_contact" => LandmarkClass::Mesial,
            "distal" | "dcp" | "distalpoint" | "distal_contact" => LandmarkClass::Distal,
            "facialpoint" | "fa" | "fapoint" | "facial" => LandmarkClass::FacialPoint,
            "outerpoint" | "outer" => LandmarkClass::OuterPoint,
            "innerpoint" | "inner" => LandmarkClass::InnerPoint,
            "cusp" | "cusptip" => LandmarkClass::Cusp,
            _ => return None,
        })
    }
}

/// One landmark: its tooth, its class and where it is (mm, in the frame of the mesh it belongs to).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Landmark {
    /// FDI number of the tooth it belongs to; 0 when a file did not say.
    pub fdi: i32,
    /// What it marks; `None` when a file did not say (unlabelled fiducials).
    pub class: Option<LandmarkClass>,
    /// The point (mm).
    pub coord: [f64; 3],
}
