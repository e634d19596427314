//! Tooth numbering shared by every stage: FDI (ISO 3950) and the Universal system, jaws.

use crate::mesh::Mesh;
use nalgebra::{Point3, Vector3};
use serde::{Deserialize, Serialize};

/// Upper (maxilla) or lower (mandible) jaw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jaw {
    /// Maxilla: FDI quadrants 1 and 2.
    Upper,
    /// Mandible: FDI quadrants 3 and 4.
    Lower,
}

impl Jaw {
    /// "upper" or "lower", as Teeth3DS writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Jaw::Upper => "upper",
            Jaw::Lower => "lower",
        }
    }
}

/// True for a permanent-dentition FDI number 11–18, 21–28, 31–38, 41–48.
pub fn is_fdi(fdi: i32) -> bool {
    (1..=4).contains(&(fdi / 10)) && (1..=8).contains(&(fdi % 10))
}

/// The jaw an FDI number belongs to, or `None` if it is not a permanent tooth.
pub fn jaw_of_fdi(fdi: i32) -> Option<Jaw> {
    match fdi / 10 {
        _ if !is_fdi(fdi) => None,
        1 | 2 => Some(Jaw::Upper),
        _ => Some(Jaw::Lower),
    }
}

/// Universal number (1–32, as used in the US) of a permanent FDI tooth; `None` if `fdi` is not one.
pub fn fdi_to_universal(fdi: i32) -> Option<i32> {
    if !is_fdi(fdi) {
        return None;
    }
    let (q, t) = (fdi / 10, fdi % 10);
    Some(match q {
        1 => 9 - t,
        2 => 8 + t,
        3 => 25 - t,
        _ => 24 + t,
    })
}

/// FDI number of a Universal tooth number 1–32; `None` outside that range.
pub fn universal_to_fdi(universal: i32) -> Option<i32> {
    Some(match universal {
        1..=8 => 10 + (9 - universal),
        9..=16 => 20 + (universal - 8),
        17..=24 => 30 + (25 - universal),
        25..=32 => 40 + (universal - 24),
        _ => return None,
    })
}

/// A rigid movement of one tooth in its own frame (origin at the crown centroid; axes mesial, buccal, occlusal).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToothMove {
    /// FDI number of the tooth.
    pub fdi: i32,
    /// Translation (mm) along the tooth's mesial, buccal and occlusal axes.
    #[serde(default)]
    pub translation_mm: [f64; 3],
    /// Rotation (degrees): tip (crown toward mesial), torque (crown toward buccal), rotation (mesial face toward buccal).
    #[serde(default)]
    pub rotation_deg: [f64; 3],
}

/// The rotation, in a tooth's (mesial, buccal, occlusal) coordinates, of tip, torque and rotation (radians):
/// R = Rz(rotation) · Ry(tip) · Rx(−torque), so that positive tip moves the crown mesially, positive torque
/// buccally and positive rotation turns the mesial face buccally.
pub fn tooth_rotation(tip: f64, torque: f64, rotation: f64) -> nalgebra::Rotation3<f64> {
    nalgebra::Rotation3::from_euler_angles(-torque, tip, rotation)
}

/// Tip, torque and rotation (radians) of a rotation in a tooth's coordinates; inverse of [`tooth_rotation`]
/// for tips within ±90°.
pub fn tooth_angles(r: &nalgebra::Rotation3<f64>) -> [f64; 3] {
    let (roll, pitch, yaw) = r.euler_angles();
    [pitch, -roll, yaw]
}

/// A jaw-frame rigid transform read in a tooth's frame (origin `centroid`, columns of `axes` mesial, buccal,
/// occlusal): the centroid's displacement along the axes (mm) and tip, torque, rotation (degrees).
pub fn movement_in_frame(
    centroid: &Point3<f64>,
    axes: &nalgebra::Matrix3<f64>,
    t: &nalgebra::Isometry3<f64>,
) -> ([f64; 3], [f64; 3]) {
    let d = axes.transpose() * (t * centroid - centroid);
    let r =
        nalgebra::Rotation3::from_matrix_unchecked(axes.transpose() * t.rotation.to_rotation_matrix().matrix() * axes);
    (d.into(), tooth_angles(&r).map(f64::to_degrees))
}

/// The jaw-frame rigid transform of a movement given in a tooth's frame, turning about the centroid; inverse
/// of [`movement_in_frame`].
pub fn transform_in_frame(
    centroid: &Point3<f64>,
    axes: &nalgebra::Matrix3<f64>,
    translation_mm: [f64; 3],
    rotation_deg: [f64; 3],
) -> nalgebra::Isometry3<f64> {
    let c = centroid.coords;
    let [tip, torque, rot] = rotation_deg.map(f64::to_radians);
    let r =
        nalgebra::Rotation3::from_matrix_unchecked(axes * tooth_rotation(tip, torque, rot).matrix() * axes.transpose());
    let t = c + axes * Vector3::from(translation_mm) - r * c;
    nalgebra::Isometry3::from_parts(nalgebra::Translation3::from(t), nalgebra::UnitQuaternion::from_rotation_matrix(&r))
}

/// A tooth's local frame in the mesh frame (mm): origin at the crown centroid and three unit axes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ToothFrame {
    /// Centroid of the crown's vertices.
    pub centroid: Point3<f64>,
    /// Long axis, toward the crown tip (occlusal / incisal).
    pub occlusal: Vector3<f64>,
    /// Mesio-distal axis, toward the midline along the arch.
    pub mesial: Vector3<f64>,
    /// Bucco-lingual axis, toward the cheek or lips.
    pub buccal: Vector3<f64>,
}

impl ToothFrame {
    /// Columns mesial, buccal, occlusal.
    pub fn axes(&self) -> nalgebra::Matrix3<f64> {
        nalgebra::Matrix3::from_columns(&[self.mesial, self.buccal, self.occlusal])
    }
}

/// One tooth of a segmented jaw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tooth {
    /// FDI number.
    pub fdi: i32,
    /// Indices of its vertices in the jaw mesh.
    pub vertices: Vec<u32>,
    /// Its local frame.
    pub frame: ToothFrame,
}

/// The teeth of one jaw with their frames: what every stage after segmentation works on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dentition {
    /// Which jaw.
    pub jaw: Jaw,
    /// Teeth by ascending FDI number.
    pub teeth: Vec<Tooth>,
}

impl Dentition {
    /// Teeth from per-vertex FDI labels; `occlusal` is the jaw's occlusal direction (toward the crown tips).
    ///
    /// Mesial axes follow the arch through the neighbouring teeth's centroids; buccal axes point away from the
    /// centre of the dentition. The long axis is the jaw's occlusal direction (crown-only scans do not show
    /// roots, so a per-tooth long axis is left to the stages that fit teeth individually).
    pub fn from_labels(mesh: &Mesh, labels: &[i32], jaw: Jaw, occlusal: Vector3<f64>) -> Self {
        let occlusal = occlusal.normalize();
        let mut groups: std::collections::BTreeMap<i32, Vec<u32>> = std::collections::BTreeMap::new();
        for (v, &l) in labels.iter().enumerate() {
            if is_fdi(l) {
                groups.entry(l).or_default().push(v as u32);
            }
        }
        let centroid = |vs: &[u32]| {
            Point3::from(
                vs.iter().fold(Vector3::zeros(), |a, &v| a + mesh.positions()[v as usize].coords) / vs.len() as f64,
            )
        };
        let cents: Vec<(i32, Point3<f64>)> = groups.iter().map(|(f, vs)| (*f, centroid(vs))).collect();
        let centre =
            Point3::from(cents.iter().fold(Vector3::zeros(), |a, c| a + c.1.coords) / cents.len().max(1) as f64);
        let flat = |v: Vector3<f64>| v - occlusal * v.dot(&occlusal);
        let at = |fdi: i32| cents.iter().find(|c| c.0 == fdi).map(|c| c.1);
        let teeth = groups
            .into_iter()
            .map(|(fdi, vertices)| {
                let c = centroid(&vertices);
                let p = fdi % 10;
                let has = |f: i32| at(f).is_some();
                let mesial_n = mesial_neighbour(fdi, has).and_then(at);
                let distal_n = distal_neighbour(fdi, has).and_then(at);
                let along = match (mesial_n, distal_n) {
                    (Some(m), Some(d)) => m - d,
                    (Some(m), None) => m - c,
                    (None, Some(d)) => c - d,
                    (None, None) => Vector3::zeros(),
                };
                let mut mesial = flat(along)
                    .try_normalize(1e-9)
                    .unwrap_or_else(|| flat(centre - c).try_normalize(1e-9).unwrap_or_else(Vector3::x));
                if p == 1 {
                    // Between the central incisors the direction to the neighbour is the mesial one.
                    mesial = flat(mesial_n.map_or(along, |m| m - c)).try_normalize(1e-9).unwrap_or(mesial);
                }
                let out = flat(c - centre);
                let buccal =
                    (out - mesial * out.dot(&mesial)).try_normalize(1e-9).unwrap_or_else(|| occlusal.cross(&mesial));
                Tooth { fdi, vertices, frame: ToothFrame { centroid: c, occlusal, mesial, buccal } }
            })
            .collect();
        Self { jaw, teeth }
    }

    /// The same teeth after their jaw moved rigidly by `to_from_here` (vertex indices unchanged, frames moved).
    pub fn transformed(&self, to_from_here: &nalgebra::Isometry3<f64>) -> Self {
        let r = to_from_here.rotation;
        let teeth = self
            .teeth
            .iter()
            .map(|t| Tooth {
                fdi: t.fdi,
                vertices: t.vertices.clone(),
                frame: ToothFrame {
                    centroid: to_from_here * t.frame.centroid,
                    occlusal: r * t.frame.occlusal,
                    mesial: r * t.frame.mesial,
                    buccal: r * t.frame.buccal,
                },
            })
            .collect();
        Self { jaw: self.jaw, teeth }
    }

    /// The tooth with this FDI number.
    pub fn tooth(&self, fdi: i32) -> Option<&Tooth> {
        self.teeth.iter().find(|t| t.fdi == fdi)
    }
}

/// The tooth present nearest toward the midline from `fdi` along its arch (the other central incisor for a
/// central incisor), given which teeth are present.
pub fn mesial_neighbour(fdi: i32, present: impl Fn(i32) -> bool) -> Option<i32> {
    let (q, p) = (fdi / 10, fdi % 10);
    if p == 1 {
        let other = match q {
            1 => 21,
            2 => 11,
            3 => 41,
            _ => 31,
        };
        present(other).then_some(other)
    } else {
        (1..p).rev().map(|k| q * 10 + k).find(|&f| present(f))
    }
}

/// The tooth present nearest away from the midline from `fdi` in its quadrant, given which teeth are present.
pub fn distal_neighbour(fdi: i32, present: impl Fn(i32) -> bool) -> Option<i32> {
    let (q, p) = (fdi / 10, fdi % 10);
    (p + 1..=8).map(|k| q * 10 + k).find(|&f| present(f))
}

/// Mean mesio-distal crown width (mm) of a permanent tooth, from Wheeler's table (see [`crate::anatomy`]).
pub fn tooth_mean_width(fdi: i32) -> f64 {
    crate::anatomy::tooth_dims(fdi).md
}

/// Teeth of one jaw in arch order: from the right distal end to the left distal end as seen by the patient
/// (upper 18 … 11, 21 … 28; lower 48 … 41, 31 … 38).
pub fn arch_order(fdis: &[i32]) -> Vec<i32> {
    let key = |f: &i32| {
        let (q, p) = (f / 10, f % 10);
        match q {
            1 | 4 => -p,
            _ => p,
        }
    };
    let mut v = fdis.to_vec();
    v.sort_by_key(key);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tooth_angles_invert_tooth_rotation_and_follow_the_named_directions() {
        let (tip, torque, rot) = (0.12, -0.05, 0.3);
        let r = tooth_rotation(tip, torque, rot);
        let back = tooth_angles(&r);
        assert!((back[0] - tip).abs() < 1e-12 && (back[1] - torque).abs() < 1e-12 && (back[2] - rot).abs() < 1e-12);
        // Tip moves the crown tip (+z) mesially (+x); torque buccally (+y); rotation turns mesial (+x) to buccal.
        assert!((tooth_rotation(0.1, 0.0, 0.0) * Vector3::z()).x > 0.0);
        assert!((tooth_rotation(0.0, 0.1, 0.0) * Vector3::z()).y > 0.0);
        assert!((tooth_rotation(0.0, 0.0, 0.1) * Vector3::x()).y > 0.0);
    }

    #[test]
    fn universal_round_trip_covers_all_32_teeth() {
        let mut seen = std::collections::BTreeSet::new();
        for q in 1..=4 {
            for t in 1..=8 {
                let fdi = q * 10 + t;
                let u = fdi_to_universal(fdi).unwrap();
                assert!((1..=32).contains(&u));
                assert_eq!(universal_to_fdi(u), Some(fdi));
                seen.insert(u);
            }
        }
        assert_eq!(seen.len(), 32);
        // Anchor points every clinician knows.
        assert_eq!(fdi_to_universal(18), Some(1));
        assert_eq!(fdi_to_universal(11), Some(8));
        assert_eq!(fdi_to_universal(21), Some(9));
        assert_eq!(fdi_to_universal(38), Some(17));
        assert_eq!(fdi_to_universal(31), Some(24));
        assert_eq!(fdi_to_universal(48), Some(32));
        assert_eq!(fdi_to_universal(19), None);
        assert_eq!(universal_to_fdi(0), None);
        assert_eq!(jaw_of_fdi(36), Some(Jaw::Lower));
        assert_eq!(jaw_of_fdi(0), None);
    }
}
