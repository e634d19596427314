//! Space analysis, as orthodontists do it before staging: tooth widths, arch length discrepancy and Bolton
//! ratios.

use crate::dentition::Dentition;
use crate::mesh::Mesh;
use nalgebra::Vector3;
use serde::Serialize;

/// Space in one arch (mm).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpaceAnalysis {
    /// Which jaw.
    pub jaw: String,
    /// Mesio-distal crown width per tooth (FDI, mm): extent of the crown along its mesial axis.
    pub widths_mm: Vec<(i32, f64)>,
    /// Space available from the mesial contact of one first molar to the other along the arch through the
    /// contact points (mm); `None` without both first molars.
    pub available_mm: Option<f64>,
    /// Sum of the widths of the teeth in front of the first molars (mm).
    pub required_mm: f64,
    /// Available − required (mm): negative is crowding, positive spacing.
    pub discrepancy_mm: Option<f64>,
}

/// Widths and arch length discrepancy of one jaw.
///
/// The available length is the length of the polyline through the contact points between neighbours (the
/// midpoint between their facing crown ends), from the mesial contact of one first molar to the other: the
/// brass-wire measurement done on the digital model.
pub fn space_analysis(mesh: &Mesh, dentition: &Dentition) -> SpaceAnalysis {
    let p = mesh.positions();
    let extent = |fdi: i32| {
        let t = dentition.tooth(fdi)?;
        let m = t.frame.mesial;
        let c = t.frame.centroid;
        let (lo, hi) = t
            .vertices
            .iter()
            .map(|&v| (p[v as usize] - c).dot(&m))
            .fold((f64::MAX, f64::MIN), |a, x| (a.0.min(x), a.1.max(x)));
        Some((c + m * hi, c + m * lo, hi - lo))
    };
    let widths_mm: Vec<(i32, f64)> =
        dentition.teeth.iter().filter_map(|t| extent(t.fdi).map(|(_, _, w)| (t.fdi, w))).collect();
    let (q_r, q_l) = if dentition.jaw == crate::dentition::Jaw::Upper { (1, 2) } else { (4, 3) };
    let front: Vec<i32> = (1..=5).rev().map(|k| q_r * 10 + k).chain((1..=5).map(|k| q_l * 10 + k)).collect();
    let required_mm = front.iter().filter_map(|f| widths_mm.iter().find(|w| w.0 == *f)).map(|w| w.1).sum();
    // Contact points from the right first molar's mesial end, through every present neighbour, to the left one.
    let available_mm = (|| {
        let right_molar = extent(q_r * 10 + 6)?;
        let left_molar = extent(q_l * 10 + 6)?;
        let mut pts = vec![right_molar.0];
        let present: Vec<i32> = front.iter().copied().filter(|f| dentition.tooth(*f).is_some()).collect();
        let mut prev_end = right_molar.0;
        for (i, f) in present.iter().enumerate() {
            let (mesial_end, distal_end, _) = extent(*f)?;
            // Right side runs distal → mesial, left side mesial → distal.
            let (first, second) = if f / 10 == q_r { (distal_end, mesial_end) } else { (mesial_end, distal_end) };
            pts.push(nalgebra::center(&prev_end, &first));
            prev_end = second;
            if i == present.len() - 1 {
                pts.push(nalgebra::center(&prev_end, &left_molar.0));
            }
        }
        pts.push(left_molar.0);
        let occl: Vector3<f64> = dentition.teeth[0].frame.occlusal;
        let flat = |v: Vector3<f64>| v - occl * v.dot(&occl);
        Some(pts.windows(2).map(|w| flat(w[1] - w[0]).norm()).sum::<f64>())
    })();
    SpaceAnalysis {
        jaw: dentition.jaw.as_str().into(),
        widths_mm,
        available_mm,
        required_mm,
        discrepancy_mm: available_mm.map(|a| a - required_mm),
    }
}

/// Bolton's tooth-size ratios (percent) with the published norms (Bolton 1958: anterior 77.2 ± 1.65,
/// overall 91.3 ± 1.91).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoltonRatios {
    /// Sum of the six lower anterior widths ÷ the six upper × 100; `None` when a tooth is missing.
    pub anterior: Option<f64>,
    /// Sum of the twelve lower widths (first molar to first molar) ÷ the twelve upper × 100.
    pub overall: Option<f64>,
    /// Norm of the anterior ratio (mean, standard deviation).
    pub anterior_norm: (f64, f64),
    /// Norm of the overall ratio.
    pub overall_norm: (f64, f64),
    /// Lower anterior excess (+) or deficit (−) in mm relative to the norm, from the upper widths.
    pub anterior_excess_mm: Option<f64>,
}

/// Bolton ratios from the widths of both jaws.
pub fn bolton(upper: &SpaceAnalysis, lower: &SpaceAnalysis) -> BoltonRatios {
    let sum = |s: &SpaceAnalysis, quads: [i32; 2], upto: i32| -> Option<f64> {
        let mut total = 0.0;
        for q in quads {
            for k in 1..=upto {
                total += s.widths_mm.iter().find(|w| w.0 == q * 10 + k)?.1;
            }
        }
        Some(total)
    };
    let (ua, la) = (sum(upper, [1, 2], 3), sum(lower, [3, 4], 3));
    let (uo, lo) = (sum(upper, [1, 2], 6), sum(lower, [3, 4], 6));
    let anterior = ua.zip(la).map(|(u, l)| l / u * 100.0);
    BoltonRatios {
        anterior,
        overall: uo.zip(lo).map(|(u, l)| l / u * 100.0),
        anterior_norm: (77.2, 1.65),
        overall_norm: (91.3, 1.91),
        anterior_excess_mm: ua.zip(la).map(|(u, l)| l - u * 0.772),
    }
}
