//! The 3DTeethSeg'22 challenge metrics (Ben-Hamadou et al., "Teeth3DS+", 2023), computed as the challenge's
//! own evaluation script computes them:
//!
//! - **TSA**: micro-averaged F1 of the two classes tooth / gingiva over all vertices (with two classes this is
//!   the fraction of vertices put on the right side of the gum line);
//! - **TLA**: predicted instances (an instance with more than one label counts as gingiva) are matched to
//!   ground-truth teeth by minimum total centroid distance (Hungarian); per tooth the distance is divided,
//!   axis by axis, by the tooth's "size" — the root of the summed squared offsets of its vertices from its
//!   centroid, per axis, as the script defines it — and a tooth without a match costs 5 × |size|; the jaw's
//!   TLA is the mean, reported as exp(−mean) so that 1 is perfect;
//! - **TIR**: among matched pairs, the fraction whose normalised distance is below 0.5 and whose FDI labels agree.

use crate::io::Teeth3dsLabels;
use nalgebra::{Point3, Vector3};
use serde::Serialize;
use std::collections::BTreeMap;

/// Challenge metrics of one jaw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SegmentationScore {
    /// Teeth segmentation accuracy (0–1).
    pub tsa: f64,
    /// Teeth localisation accuracy, exp(−mean normalised distance) (0–1).
    pub tla: f64,
    /// Teeth identification rate (0–1).
    pub tir: f64,
    /// Ground-truth teeth.
    pub gt_teeth: usize,
    /// Predicted instances with a single label.
    pub predicted_teeth: usize,
}

struct Inst {
    label: i32,
    centroid: Vector3<f64>,
    size: Vector3<f64>,
}

fn instances(positions: &[Point3<f64>], labels: &[i32], inst: &[i32]) -> BTreeMap<i32, Inst> {
    let mut groups: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (v, &i) in inst.iter().enumerate() {
        if i != 0 {
            groups.entry(i).or_default().push(v);
        }
    }
    groups
        .into_iter()
        .filter_map(|(i, vs)| {
            let label = labels[vs[0]];
            if vs.iter().any(|&v| labels[v] != label) {
                return None; // more than one label: counted as gingiva
            }
            let c = vs.iter().fold(Vector3::zeros(), |a, &v| a + positions[v].coords) / vs.len() as f64;
            let size =
                vs.iter().fold(Vector3::zeros(), |a, &v| a + (positions[v].coords - c).map(|x| x * x)).map(f64::sqrt);
            Some((i, Inst { label, centroid: c, size }))
        })
        .collect()
}

/// Scores predicted labels against ground truth on the same mesh vertices.
pub fn score(positions: &[Point3<f64>], gt: &Teeth3dsLabels, pred: &Teeth3dsLabels) -> SegmentationScore {
    let n = positions.len();
    let inst_or_labels = |l: &Teeth3dsLabels| {
        if l.instances.len() == n {
            l.instances.clone()
        } else {
            Teeth3dsLabels::new("", l.jaw, l.labels.clone()).instances
        }
    };
    let (gi, pi) = (inst_or_labels(gt), inst_or_labels(pred));
    let g = instances(positions, &gt.labels, &gi);
    let p = instances(positions, &pred.labels, &pi);
    // Instances with mixed labels count as gingiva for TSA too.
    let pred_tooth: Vec<bool> = pi.iter().map(|i| *i != 0 && p.contains_key(i)).collect();
    let correct = (0..n).filter(|&v| (gi[v] != 0) == pred_tooth[v]).count();
    let tsa = if n == 0 { 0.0 } else { correct as f64 / n as f64 };
    let gk: Vec<&Inst> = g.values().collect();
    let pk: Vec<&Inst> = p.values().collect();
    let matching = match_centroids(&gk, &pk);
    let mut tla_sum = 0.0;
    let mut identified = 0;
    for (a, gt_inst) in gk.iter().enumerate() {
        match matching.iter().find(|m| m.0 == a) {
            Some(&(_, b)) => {
                let d = (gt_inst.centroid - pk[b].centroid).component_div(&gt_inst.size).norm();
                tla_sum += d;
                if d < 0.5 && gt_inst.label == pk[b].label {
                    identified += 1;
                }
            }
            None => tla_sum += 5.0 * gt_inst.size.norm(),
        }
    }
    SegmentationScore {
        tsa,
        tla: if gk.is_empty() { 0.0 } else { (-tla_sum / gk.len() as f64).exp() },
        tir: if matching.is_empty() { 0.0 } else { identified as f64 / matching.len() as f64 },
        gt_teeth: gk.len(),
        predicted_teeth: pk.len(),
    }
}

/// Minimum-total-distance matching of ground-truth to predicted centroids (Kuhn–Munkres), as (gt, pred) pairs.
fn match_centroids(g: &[&Inst], p: &[&Inst]) -> Vec<(usize, usize)> {
    if g.is_empty() || p.is_empty() {
        return Vec::new();
    }
    // The algorithm needs rows ≤ columns: put the shorter side in the rows. Distances in nanometres as integers.
    let transpose = g.len() > p.len();
    let (rows, cols) = if transpose { (p, g) } else { (g, p) };
    let w: Vec<Vec<i64>> =
        rows.iter().map(|r| cols.iter().map(|c| ((r.centroid - c.centroid).norm() * 1e6) as i64).collect()).collect();
    let m = pathfinding::matrix::Matrix::from_rows(w).expect("rectangular");
    let (_, assign) = pathfinding::kuhn_munkres::kuhn_munkres_min(&m);
    assign.into_iter().enumerate().map(|(r, c)| if transpose { (c, r) } else { (r, c) }).collect()
}
