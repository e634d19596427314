//! Are these two jaws in a bite? The checks made before any contact is reported: an upper and a lower as
//! given, facing each other, touching, and not one inside the other. Jaws exported apart (each in its own
//! frame, overlapping), two copies of one jaw or an upper passed as the lower are refused with what to do.

use crate::dentition::{jaw_of_fdi, Jaw};
use crate::mesh::Mesh;
use crate::segment::ArchFrame;
use serde::Serialize;

/// Penetration deeper than this (mm) is no measurement error: a fused scan's surface is good to ~0.02 mm and a
/// bite registered from a buccal scan or settled to ~0.15 mm (phantoms); a scanner's own bite alignment
/// presses the jaws together by up to ~0.2 mm.
pub const PENETRATION_TOLERANCE_MM: f64 = 0.3;
/// The jaws are not in a bite when they interpenetrate beyond [`PENETRATION_TOLERANCE_MM`] over more than this
/// area of either jaw (mm²). Jaws exported apart overlap over 3,700–4,500 mm²; a true bite over none.
pub const PENETRATION_AREA_MM2: f64 = 20.0;
/// The occlusal directions of jaws in a bite are opposed within this angle (degrees); the arch frame is found
/// to within ~8° on real arches, and the occlusal planes of the two jaws differ by the curve of Spee.
pub const FACING_MAX_DEG: f64 = 45.0;
/// Their fronts (incisors) point the same way within this angle (degrees).
pub const FRONTS_MAX_DEG: f64 = 45.0;

/// What the bite check measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BiteCheck {
    /// Angle between the upper's occlusal direction and the lower's, reversed (degrees; 0 = facing).
    pub facing_deg: f64,
    /// Angle between the two arches' anterior directions (degrees).
    pub fronts_deg: f64,
    /// Nearest approach of the two surfaces (mm; negative = penetration), within the distances measured.
    pub nearest_mm: f64,
    /// Area of either jaw (the larger) inside the other deeper than [`PENETRATION_TOLERANCE_MM`] (mm²).
    pub penetration_area_mm2: f64,
}

/// Why two jaws cannot be read as a bite.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OcclusionError {
    /// A jaw is not the one it was given as.
    #[error(
        "the mesh given as the {given} jaw is a {found} jaw ({how}); swap --upper and --lower, or give the other \
         jaw's file"
    )]
    WrongJaw {
        /// Which argument.
        given: &'static str,
        /// What it is.
        found: &'static str,
        /// From its labels or from its shape.
        how: &'static str,
    },
    /// The jaws do not face each other.
    #[error(
        "the jaws do not face each other (their occlusal directions are {facing_deg:.0}° from opposed, fronts \
         {fronts_deg:.0}° apart): they were exported apart, each in its own frame. Give a bite scan (--bite) to \
         bring them into occlusion, or --settle to estimate one"
    )]
    NotFacing {
        /// Angle from opposed (degrees).
        facing_deg: f64,
        /// Angle between the fronts (degrees).
        fronts_deg: f64,
    },
    /// One jaw lies inside the other.
    #[error(
        "the jaws interpenetrate: {area_mm2:.0} mm² lies more than {tolerance_mm} mm inside the other jaw (deepest \
         {deepest_mm:.2} mm or more) — no bite does that; they were exported apart and overlap. Give a bite scan (--bite) \
         or --settle"
    )]
    Interpenetrating {
        /// Area beyond the tolerance (mm²).
        area_mm2: f64,
        /// Deepest point inside (mm, positive; at most the distances' reach).
        deepest_mm: f64,
        /// The tolerance (mm).
        tolerance_mm: f64,
    },
    /// No surface of one jaw comes near the other.
    #[error(
        "the jaws do not touch: no point of one comes within {reach_mm:.1} mm of the other — not in occlusion. \
         Give a bite scan (--bite) or --settle"
    )]
    Apart {
        /// How far the distances were measured (mm).
        reach_mm: f64,
    },
}

/// How far two arch frames are from facing each other (degrees): the upper's occlusal direction from the
/// lower's reversed, and the angle between their fronts.
pub fn facing_angles(upper: &ArchFrame, lower: &ArchFrame) -> (f64, f64) {
    (upper.occlusal.angle(&-lower.occlusal).to_degrees(), upper.anterior.angle(&lower.anterior).to_degrees())
}

/// Whether two arch frames face each other as jaws in a bite do (within [`FACING_MAX_DEG`] and
/// [`FRONTS_MAX_DEG`]).
pub fn frames_face_each_other(upper: &ArchFrame, lower: &ArchFrame) -> bool {
    let (facing, fronts) = facing_angles(upper, lower);
    facing <= FACING_MAX_DEG && fronts <= FRONTS_MAX_DEG
}

/// The jaw most of `labels`' teeth belong to, if any.
fn jaw_of_labels(labels: &[i32]) -> Option<Jaw> {
    let (mut up, mut low) = (0usize, 0usize);
    for &l in labels {
        match jaw_of_fdi(l) {
            Some(Jaw::Upper) => up += 1,
            Some(Jaw::Lower) => low += 1,
            None => {}
        }
    }
    match (up, low) {
        (0, 0) => None,
        _ => Some(if up >= low { Jaw::Upper } else { Jaw::Lower }),
    }
}

/// Checks that `upper` and `lower` (one frame, mm) are an upper and a lower jaw in a bite, from their arch
/// frames, their labels (FDI per vertex, when known: they decide which jaw each is) and the signed distances
/// of each one's vertices to the other (`du`: the upper's, `dl`: the lower's; mm, negative inside, measured
/// to `reach_mm`).
pub fn check_bite(
    upper: &Mesh,
    lower: &Mesh,
    labels: (&[i32], &[i32]),
    du: &[f64],
    dl: &[f64],
    reach_mm: f64,
) -> Result<BiteCheck, OcclusionError> {
    let (fu, fl) = (crate::segment::orient(upper), crate::segment::orient(lower));
    for (given, want, frame, labels) in [("upper", Jaw::Upper, &fu, labels.0), ("lower", Jaw::Lower, &fl, labels.1)] {
        let (found, how) = match jaw_of_labels(labels) {
            Some(j) => (j, "by its labels"),
            None => (frame.jaw, "by its shape: a palate, or the arch open for the tongue"),
        };
        if found != want {
            return Err(OcclusionError::WrongJaw { given, found: found.as_str(), how });
        }
    }
    let (facing_deg, fronts_deg) = facing_angles(&fu, &fl);
    if !frames_face_each_other(&fu, &fl) {
        return Err(OcclusionError::NotFacing { facing_deg, fronts_deg });
    }
    let inside = |mesh: &Mesh, d: &[f64]| -> (f64, f64) {
        let areas = mesh.vertex_areas();
        let area = areas.iter().zip(d).filter(|(_, d)| **d < -PENETRATION_TOLERANCE_MM).map(|(a, _)| a).sum::<f64>();
        (area, -d.iter().copied().fold(f64::INFINITY, f64::min))
    };
    let ((au, deep_u), (al, deep_l)) = (inside(upper, du), inside(lower, dl));
    let penetration_area_mm2 = au.max(al) + 0.0; // + 0.0: an empty sum is −0.0
    let nearest_mm = -deep_u.max(deep_l);
    if penetration_area_mm2 > PENETRATION_AREA_MM2 {
        return Err(OcclusionError::Interpenetrating {
            area_mm2: penetration_area_mm2,
            deepest_mm: deep_u.max(deep_l),
            tolerance_mm: PENETRATION_TOLERANCE_MM,
        });
    }
    if nearest_mm >= reach_mm || nearest_mm.is_nan() {
        return Err(OcclusionError::Apart { reach_mm });
    }
    Ok(BiteCheck { facing_deg, fronts_deg, nearest_mm, penetration_area_mm2 })
}
