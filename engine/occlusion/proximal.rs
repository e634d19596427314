//! Proximal contacts within one arch: for each pair of neighbouring teeth, the gap or overlap between their
//! crowns and where it is, classified as clinicians (and contact-gauge users) read it.

use crate::mesh::{CutSurface, Mesh};
use nalgebra::Point3;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a contact is classed, from its signed distance d (mm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactClass {
    /// d > 0.1 mm: food can pack in; a 0.1 mm gauge passes.
    Open,
    /// 0 ≤ d ≤ 0.1 mm.
    Touching,
    /// −0.05 ≤ d < 0: a tight contact (floss snaps through).
    Tight,
    /// d < −0.05 mm: the crowns overlap (crowding, or a restoration to adjust).
    Overlapping,
    /// The crowns meet along a border the scan shares between them and measure as overlapping: the scanner saw
    /// no gap between them (a closed contact), and how tight it is cannot be measured from the surface.
    Closed,
}

/// Class of a signed distance (mm).
pub fn classify(d: f64) -> ContactClass {
    if d > 0.1 {
        ContactClass::Open
    } else if d >= 0.0 {
        ContactClass::Touching
    } else if d >= -0.05 {
        ContactClass::Tight
    } else {
        ContactClass::Overlapping
    }
}

/// The contact between two neighbouring teeth of one arch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProximalContact {
    /// The two teeth (FDI), in arch order.
    pub teeth: [i32; 2],
    /// Gap (> 0) or overlap depth (< 0) between the crowns (mm).
    pub distance_mm: f64,
    /// Where: midway between the closest (or deepest) points (mm, mesh frame).
    pub at: [f64; 3],
    /// The class.
    pub class: ContactClass,
    /// Whether the distance lies within the measurement uncertainty of a class boundary.
    pub uncertain: bool,
    /// Length of the border the two crowns share in the mesh (mm): a scan's neighbours that meet are one
    /// surface there (class [`ContactClass::Closed`], distance 0); separately closed crowns share none.
    pub shared_border_mm: f64,
}

/// Crowns sharing at least this much border (mm) meet in the scan: a contact, not two surfaces to measure
/// between (the faces on either side of such a border belong to one crown or the other, never both).
pub const SHARED_BORDER_MIN_MM: f64 = 0.5;

/// Per pair of labels (the smaller first) whose vertices are joined by mesh edges: the edges' length (mm) and
/// their length-weighted midpoint — in one pass over the triangles.
fn shared_borders(mesh: &Mesh, labels: &[i32]) -> BTreeMap<(i32, i32), (f64, Point3<f64>)> {
    let p = mesh.positions();
    let mut sums: BTreeMap<(i32, i32), (f64, nalgebra::Vector3<f64>)> = BTreeMap::new();
    for t in mesh.triangles() {
        for k in 0..3 {
            let (u, v) = (t[k] as usize, t[(k + 1) % 3] as usize);
            let (a, b) = (labels[u], labels[v]);
            // Each interior edge is seen from both of its triangles: count it from the one where u < v.
            if u < v && a != b {
                let l = (p[u] - p[v]).norm();
                let e = sums.entry((a.min(b), a.max(b))).or_insert((0.0, nalgebra::Vector3::zeros()));
                e.0 += l;
                e.1 += l * nalgebra::center(&p[u], &p[v]).coords;
            }
        }
    }
    sums.into_iter().map(|(k, (len, at))| (k, (len, Point3::from(if len > 0.0 { at / len } else { at })))).collect()
}

/// Signed distance between two open crowns (negative = overlap depth), with the two points it is measured
/// between. Points near either crown's open rim (the gum line) are not trusted as inside.
fn crown_gap(a: &CutSurface, b: &CutSurface) -> Option<(f64, Point3<f64>, Point3<f64>)> {
    let mut best: Option<(f64, Point3<f64>, Point3<f64>)> = None;
    for (from, to, swap) in [(a, b, false), (b, a, true)] {
        for p in &from.points {
            let Some((q, s)) = to.signed_distance(p, 0.3) else { continue };
            if s.abs() > 1.5 {
                continue;
            }
            if best.is_none_or(|x| s < x.0) {
                best = Some(if swap { (s, q, *p) } else { (s, *p, q) });
            }
        }
    }
    best
}

/// Proximal contacts of every pair of neighbouring teeth (consecutive in arch order, the central incisors
/// included) that come within 1 mm of each other, or meet along a shared border of the mesh (a scan's
/// neighbours: [`ContactClass::Closed`]). `uncertainty_mm` marks distances that close to a class
/// boundary (0.1, 0 or −0.05 mm).
pub fn proximal_contacts(mesh: &Mesh, labels: &[i32], uncertainty_mm: f64) -> Vec<ProximalContact> {
    let mut fdis: Vec<i32> = labels.iter().copied().filter(|&l| crate::dentition::is_fdi(l)).collect();
    fdis.sort_unstable();
    fdis.dedup();
    let order = crate::dentition::arch_order(&fdis);
    let crowns: Vec<CutSurface> =
        order.iter().map(|&f| CutSurface::new(mesh, &labels.iter().map(|&l| l == f).collect::<Vec<_>>())).collect();
    let borders = shared_borders(mesh, labels);
    let mut out = Vec::new();
    for i in 0..order.len().saturating_sub(1) {
        // Only true neighbours: the same quadrant one apart, or the two central incisors.
        let (a, b) = (order[i], order[i + 1]);
        let neighbours = (a / 10 == b / 10 && (a % 10 - b % 10).abs() == 1) || (a % 10 == 1 && b % 10 == 1);
        if !neighbours {
            continue;
        }
        // Crowns that meet in the scan share a border: there one crown's open surface runs on as the other's,
        // and measuring one against the other finds it "inside" — overlaps intact neighbours cannot have. A
        // gap measured across a shared border (crowns joined only low at the gum) stands.
        let (shared_border_mm, at) = borders.get(&(a.min(b), a.max(b))).copied().unwrap_or((0.0, Point3::origin()));
        let measured = crown_gap(&crowns[i], &crowns[i + 1]);
        if shared_border_mm >= SHARED_BORDER_MIN_MM && measured.is_none_or(|(d, _, _)| d < 0.0) {
            out.push(ProximalContact {
                teeth: [a, b],
                distance_mm: 0.0,
                at: at.coords.into(),
                class: ContactClass::Closed,
                uncertain: false,
                shared_border_mm,
            });
            continue;
        }
        let Some((d, pa, pb)) = measured else { continue };
        if d > 1.0 {
            continue;
        }
        let uncertain = [0.1, 0.0, -0.05].iter().any(|t| (d - t).abs() < uncertainty_mm);
        out.push(ProximalContact {
            teeth: [a, b],
            distance_mm: d,
            at: nalgebra::center(&pa, &pb).coords.into(),
            class: classify(d),
            uncertain,
            shared_border_mm,
        });
    }
    out
}
