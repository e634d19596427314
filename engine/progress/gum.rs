//! Gingival recession between sequential scans: each tooth's gingival margin (the border of its segmented
//! crown against the gingiva) at t0 and at t1, both in the tooth's own t0 pose, and how far it moved apically
//! at mid-buccal and mid-lingual.

use crate::dentition::ToothFrame;
use crate::mesh::{Mesh, PointIndex, Topology};
use nalgebra::{Isometry3, Point3};
use serde::Serialize;
use std::collections::BTreeMap;

/// How far the gingival margin of a tooth moved between the scans, along its long axis at t0 (mm; positive:
/// apically, recession; negative: coronally, swelling or regrowth). None on a side where either scan shows
/// too little of the margin to place it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GumChange {
    /// Apical shift at mid-buccal (mm).
    pub buccal_mm: Option<f64>,
    /// Apical shift at mid-lingual (mm).
    pub lingual_mm: Option<f64>,
    /// Shifts within this are not told from the segmentation's and the fit's noise (mm).
    pub noise_floor_mm: f64,
    /// Whether either side receded by more than the floor.
    pub receded: bool,
}

/// Shifts of the margin below this are noise (mm): the margin is placed from the segmented border, which on
/// the phantoms' 0.45 mm gingiva lies within a vertex of the true margin at both time points.
pub const RECESSION_FLOOR_MM: f64 = 0.15;
/// The margin's height at mid-buccal or mid-lingual is fitted to its border points within this angle of it
/// (degrees about the long axis): a recession is deepest there and tapers toward the contacts.
const SECTOR_DEG: f64 = 25.0;
/// The border is binned by this angle (degrees) within the sector.
const BIN_DEG: f64 = 5.0;
/// The fewest bins with a border point a side needs.
const MIN_BINS: usize = 5;
/// A bin this far (mm) from the first fit is left out of the second.
const OUTLIER_MM: f64 = 0.5;

/// The border points of every labelled region against the gingiva (label 0), by label: vertices of a tooth
/// with a gingiva neighbour.
fn borders(mesh: &Mesh, labels: &[i32]) -> BTreeMap<i32, Vec<Point3<f64>>> {
    let adj = Topology::new(mesh).vertex_neighbors();
    let mut out: BTreeMap<i32, Vec<Point3<f64>>> = BTreeMap::new();
    for v in (0..mesh.vertex_count()).filter(|&v| labels[v] != 0) {
        if adj.row(v).iter().any(|&u| labels[u as usize] == 0) {
            out.entry(labels[v]).or_default().push(mesh.positions()[v]);
        }
    }
    out
}

/// The label most of `labels` carry and how many do (ties to the lower label).
fn majority(labels: impl Iterator<Item = i32>) -> Option<(i32, usize)> {
    let mut votes: BTreeMap<i32, usize> = BTreeMap::new();
    labels.for_each(|l| *votes.entry(l).or_default() += 1);
    votes.into_iter().max_by_key(|&(l, n)| (n, -l))
}

/// The margin's height (mm along `frame.occlusal` from the centroid) at mid-buccal (`lingual` false) or
/// mid-lingual. The border points within SECTOR_DEG of it are binned by angle about the long axis and each
/// bin keeps its most apical point (the margin is the crown's lowest border; islands of gingiva inside a
/// crown lie above it); a quadratic in the angle is fitted to those, once more without any bin more than
/// OUTLIER_MM off, and read at angle 0.
fn margin_height(points: &[Point3<f64>], frame: &ToothFrame, lingual: bool) -> Option<f64> {
    let sector = SECTOR_DEG.to_radians();
    let bins = (2.0 * SECTOR_DEG / BIN_DEG).round() as usize;
    let side = if lingual { -frame.buccal } else { frame.buccal };
    let mut lowest: Vec<Option<(f64, f64)>> = vec![None; bins];
    for p in points {
        let d = p - frame.centroid;
        let (h, a) = (d.dot(&frame.occlusal), d.dot(&frame.mesial).atan2(d.dot(&side)));
        if a.abs() > sector {
            continue;
        }
        let b = (((a + sector) / (2.0 * sector)) * bins as f64).floor().min(bins as f64 - 1.0) as usize;
        if lowest[b].is_none_or(|(_, lo)| h < lo) {
            lowest[b] = Some((a, h));
        }
    }
    let mut samples: Vec<(f64, f64)> = lowest.into_iter().flatten().collect();
    let fit = |samples: &[(f64, f64)]| -> Option<nalgebra::Vector3<f64>> {
        if samples.len() < MIN_BINS {
            return None;
        }
        let mut ata = nalgebra::Matrix3::<f64>::zeros();
        let mut atb = nalgebra::Vector3::<f64>::zeros();
        for &(a, h) in samples {
            let row = nalgebra::Vector3::new(1.0, a, a * a);
            ata += row * row.transpose();
            atb += h * row;
        }
        ata.try_inverse().map(|inv| inv * atb)
    };
    let c = fit(&samples)?;
    samples.retain(|&(a, h)| (c[0] + c[1] * a + c[2] * a * a - h).abs() <= OUTLIER_MM);
    fit(&samples).map(|c| c[0])
}

/// Both scans segmented, and their borders against the gingiva by label: the same method on both sides, so
/// that where it places a border on a crease it places it alike at t0 and t1 (t0's labels as given could
/// follow another rule).
pub(super) struct Margins {
    before: Vec<i32>,
    before_borders: BTreeMap<i32, Vec<Point3<f64>>>,
    after_labels: Vec<i32>,
    after_borders: BTreeMap<i32, Vec<Point3<f64>>>,
    after_index: PointIndex,
}

impl Margins {
    /// `before` segmented, and `after0` (t1 moved into the t0 frame) segmented.
    pub(super) fn new(before: &Mesh, after0: &Mesh) -> Option<Self> {
        let labels = crate::segment::segment(before).ok()?.labels;
        let after_labels = crate::segment::segment(after0).ok()?.labels;
        Some(Self {
            before_borders: borders(before, &labels),
            before: labels,
            after_borders: borders(after0, &after_labels),
            after_labels,
            after_index: PointIndex::new(after0.positions()),
        })
    }

    /// The margin change of tooth `fdi` (frame `frame` at t0, its crown `vertices` of `before`), followed onto
    /// t1 by `fit` (its t0 crown onto t1, t0 frame).
    pub(super) fn change(
        &self,
        before: &Mesh,
        vertices: &[u32],
        frame: &ToothFrame,
        fit: &Isometry3<f64>,
    ) -> Option<GumChange> {
        // The t1 instance the fitted crown lands on (the label most of its vertices' nearest t1 vertices carry),
        // and the t0 instance its crown is: each must hold at least half of the crown.
        let landed = vertices.iter().filter_map(|&v| {
            let (u, d) = self.after_index.nearest(&(fit * before.positions()[v as usize]))?;
            (d < 0.5 && self.after_labels[u] != 0).then_some(self.after_labels[u])
        });
        let (label1, n1) = majority(landed)?;
        let (label0, n0) = majority(vertices.iter().map(|&v| self.before[v as usize]).filter(|&l| l != 0))?;
        if 2 * n1.min(n0) < vertices.len() {
            return None;
        }
        let m0 = self.before_borders.get(&label0)?;
        // t1's border brought back into the tooth's t0 pose.
        let back = fit.inverse();
        let m1: Vec<Point3<f64>> = self.after_borders.get(&label1)?.iter().map(|p| back * p).collect();
        let shift = |lingual: bool| Some(margin_height(m0, frame, lingual)? - margin_height(&m1, frame, lingual)?);
        let (buccal_mm, lingual_mm) = (shift(false), shift(true));
        let receded = [buccal_mm, lingual_mm].iter().flatten().any(|s| *s > RECESSION_FLOOR_MM);
        Some(GumChange { buccal_mm, lingual_mm, noise_floor_mm: RECESSION_FLOOR_MM, receded })
    }
}
