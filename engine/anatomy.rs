//! Mean permanent tooth dimensions (mm) and tooth types: what segmentation's placement, staging's space
//! analysis and the phantom's crowns all measure against.
//!
//! Crown mesio-distal width, crown height (cervical line to cusp tip / incisal edge) and bucco-lingual
//! diameter from the crown-measurement table of Nelson SJ, "Wheeler's Dental Anatomy, Physiology and
//! Occlusion", 10th ed., Elsevier 2015 (chapter 1, table "Measurements of the teeth").

use serde::{Deserialize, Serialize};

/// The crown forms (the phantom makes each; segmentation and staging treat each its own way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToothType {
    /// Central or lateral incisor: incisal edge, cingulum.
    Incisor,
    /// Canine: one cusp tip.
    Canine,
    /// Premolar: buccal and lingual cusp.
    Premolar,
    /// Molar: four or five cusps, central fossa, marginal ridges.
    Molar,
}

/// Crown size of one tooth (mm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToothDims {
    /// Mesio-distal width at the contact points.
    pub md: f64,
    /// Crown height from the cervical line to the cusp tip or incisal edge.
    pub height: f64,
    /// Bucco-lingual (labio-lingual) diameter at the height of contour.
    pub bl: f64,
}

/// Type of a permanent tooth by FDI number (position 1–2 incisor, 3 canine, 4–5 premolar, 6–8 molar).
pub fn tooth_type(fdi: i32) -> ToothType {
    match fdi % 10 {
        1 | 2 => ToothType::Incisor,
        3 => ToothType::Canine,
        4 | 5 => ToothType::Premolar,
        _ => ToothType::Molar,
    }
}

/// Mean crown dimensions of a permanent tooth (Wheeler's table; left and right alike).
pub fn tooth_dims(fdi: i32) -> ToothDims {
    let upper = fdi / 10 <= 2;
    let (md, height, bl) = match (upper, fdi % 10) {
        (true, 1) => (8.5, 10.5, 7.0),
        (true, 2) => (6.5, 9.0, 6.0),
        (true, 3) => (7.5, 10.0, 8.0),
        (true, 4) => (7.0, 8.5, 9.0),
        (true, 5) => (6.5, 8.5, 9.0),
        (true, 6) => (10.0, 7.5, 11.0),
        (true, 7) => (9.0, 7.0, 11.0),
        (true, _) => (8.5, 6.5, 10.0),
        (false, 1) => (5.0, 9.0, 6.0),
        (false, 2) => (5.5, 9.5, 6.5),
        (false, 3) => (7.0, 11.0, 7.5),
        (false, 4) => (7.0, 8.5, 7.5),
        (false, 5) => (7.0, 8.0, 8.0),
        (false, 6) => (11.0, 7.5, 10.5),
        (false, 7) => (10.5, 7.0, 10.0),
        (false, _) => (10.0, 6.5, 9.5),
    };
    ToothDims { md, height, bl }
}
