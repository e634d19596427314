//! The automatic target, a setup for a clinician to edit: the patient's own arch smoothed, crowns brought onto
//! it, outliers levelled, and crowding resolved from an explicit budget (spaces the arch already has, IPR,
//! labial development of the anterior arch), with the molars as anchors; the target is checked for collisions
//! with the same crown collider the plan uses.
//!
//! Movements are translations only: a crown cut from a scan carries no reliable mesio-distal axis of its own
//! (the tooth frame's mesial axis comes from its neighbours), so derotation is left to the clinician.

use super::{CrownCollider, Limits, Setup};
use crate::dentition::{arch_order, Dentition, ToothMove};
use crate::mesh::Mesh;
use nalgebra::{DMatrix, DVector, Isometry3, Translation3, Vector3};
use serde::{Deserialize, Serialize};

/// How far the automatic setup may go to resolve crowding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SetupBudget {
    /// Most the anterior arch may be developed labially at the midline (mm); the molars stay.
    pub development_mm: f64,
    /// A crown's distance from the smoothed arch (mm) tolerated as anatomy rather than misalignment; only the
    /// excess is corrected.
    pub align_tolerance_mm: f64,
    /// A crown tip's height from the occlusal plane (mm) tolerated as anatomy (laterals sit higher, canines
    /// lower); only the excess is levelled.
    pub level_tolerance_mm: f64,
    /// Keep the first, second and third molars where they are (anchorage).
    pub anchor_molars: bool,
}

impl Default for SetupBudget {
    fn default() -> Self {
        Self { development_mm: 2.0, align_tolerance_mm: 0.3, level_tolerance_mm: 0.5, anchor_molars: true }
    }
}

/// How the automatic setup found and resolved the arch's crowding (mm).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SpaceUse {
    /// Overlap between neighbours the aligned arch would have had (mm, summed over contacts).
    pub crowding_mm: f64,
    /// Of it, taken up by moving crowns along the arch: into the spaces it had and the length its development
    /// gained.
    pub moved_mm: f64,
    /// Left at contacts for IPR (the plan measures and schedules it).
    pub ipr_mm: f64,
    /// Labial development of the anterior arch at the midline.
    pub development_mm: f64,
    /// Overlap the budget could not resolve.
    pub unresolved_mm: f64,
}

/// A smooth arch curve in the occlusal plane's (u, v) coordinates (u across the arch, v toward the front), in
/// polar form about a centre inside the arch: r(θ) a least-squares polynomial in θ (θ = 0 toward the front),
/// so that the posterior segments, which run nearly front to back, are as well described as the anterior one.
/// Tabulated by arc length.
struct Curve {
    centre: (f64, f64),
    coef: Vec<f64>,
    /// Labial development at the midline (mm), fading to 0 at ±`span` (radians).
    development: f64,
    span: f64,
    /// θ range tabulated (radians).
    range: (f64, f64),
    /// (θ, arc length from the first sample) at a fine step.
    table: Vec<(f64, f64)>,
}

impl Curve {
    fn fit(points: &[(f64, f64)]) -> Self {
        let m = points.len() as f64;
        let centre = (points.iter().map(|p| p.0).sum::<f64>() / m, points.iter().map(|p| p.1).sum::<f64>() / m);
        let polar: Vec<(f64, f64)> = points
            .iter()
            .map(|p| {
                ((p.0 - centre.0).atan2(p.1 - centre.1), ((p.0 - centre.0).powi(2) + (p.1 - centre.1).powi(2)).sqrt())
            })
            .collect();
        let degree = if points.len() >= 7 { 4 } else { 2 };
        let a = DMatrix::from_fn(polar.len(), degree + 1, |r, c| polar[r].0.powi(c as i32));
        let b = DVector::from_iterator(polar.len(), polar.iter().map(|p| p.1));
        let mean_r = polar.iter().map(|p| p.1).sum::<f64>() / m;
        let coef = least_squares(&a, &b).map_or_else(|| vec![mean_r], |k| k.iter().copied().collect());
        let lo = polar.iter().map(|p| p.0).fold(f64::MAX, f64::min);
        let hi = polar.iter().map(|p| p.0).fold(f64::MIN, f64::max);
        let span = lo.abs().max(hi.abs()).max(0.1);
        let mut c = Self { centre, coef, development: 0.0, span, range: (0.0, 0.0), table: Vec::new() };
        c.range = (lo - CURVE_MARGIN_RAD, hi + CURVE_MARGIN_RAD);
        c.tabulate();
        c
    }

    fn r(&self, t: f64) -> f64 {
        let base: f64 = self.coef.iter().enumerate().map(|(k, c)| c * t.powi(k as i32)).sum();
        base + self.development * (1.0 - (t / self.span).powi(2)).max(0.0)
    }

    /// The curve's point at θ = `t`.
    fn point(&self, t: f64) -> (f64, f64) {
        let r = self.r(t);
        (self.centre.0 + r * t.sin(), self.centre.1 + r * t.cos())
    }

    /// Unit tangent at θ = `t` (toward growing θ).
    fn tangent(&self, t: f64) -> (f64, f64) {
        let (a, b) = (self.point(t - 1e-4), self.point(t + 1e-4));
        let (du, dv) = (b.0 - a.0, b.1 - a.1);
        let l = (du * du + dv * dv).sqrt().max(1e-12);
        (du / l, dv / l)
    }

    fn tabulate(&mut self) {
        let (lo, hi) = self.range;
        let steps = (((hi - lo) * self.r(0.0).abs().max(10.0)) / CURVE_STEP_MM).ceil() as usize;
        let mut s = 0.0;
        self.table = Vec::with_capacity(steps + 1);
        let mut prev = self.point(lo);
        for i in 0..=steps {
            let t = lo + (hi - lo) * i as f64 / steps as f64;
            let q = self.point(t);
            s += ((q.0 - prev.0).powi(2) + (q.1 - prev.1).powi(2)).sqrt();
            self.table.push((t, s));
            prev = q;
        }
    }

    /// The curve's parameter nearest to (u, v).
    fn foot(&self, u0: f64, v0: f64) -> f64 {
        self.table
            .iter()
            .map(|&(t, _)| {
                let q = self.point(t);
                (t, (q.0 - u0).powi(2) + (q.1 - v0).powi(2))
            })
            .fold((0.0, f64::MAX), |b, x| if x.1 < b.1 { x } else { b })
            .0
    }

    fn arc(&self, t: f64) -> f64 {
        let i = self.table.partition_point(|x| x.0 < t).clamp(1, self.table.len() - 1);
        let (a, b) = (self.table[i - 1], self.table[i]);
        a.1 + (b.1 - a.1) * ((t - a.0) / (b.0 - a.0)).clamp(0.0, 1.0)
    }

    fn at_arc(&self, s: f64) -> f64 {
        let i = self.table.partition_point(|x| x.1 < s).clamp(1, self.table.len() - 1);
        let (a, b) = (self.table[i - 1], self.table[i]);
        a.0 + (b.0 - a.0) * ((s - a.1) / (b.1 - a.1).max(1e-12)).clamp(0.0, 1.0)
    }
}

/// The curve runs this far (radians) beyond the outermost crowns.
const CURVE_MARGIN_RAD: f64 = 0.3;
/// A crown's occlusal part: within this far of its tip along the occlusal axis (mm).
const OCCLUSAL_PART_MM: f64 = 3.0;
/// IPR the setup leaves for the plan's rounding up of each contact's IPR to its 0.05 mm step (mm), so that the
/// planned IPR stays within the caps and the arch budget.
const IPR_ROUNDING_MM: f64 = 0.05;
/// Step of the arc-length table (mm).
const CURVE_STEP_MM: f64 = 0.05;
/// Overlap left between neighbours at the target beyond what the plan tolerates is resolved in this many
/// rounds of measuring and moving.
const ROUNDS: usize = 8;
/// Extra separation asked for beyond a measured overlap (mm), so that the next measurement reads clear.
const SEPARATION_MARGIN_MM: f64 = 0.03;
/// A gap between neighbours' crowns along the arch (mm) above which it is a space crowding may use.
const SPACE_MM: f64 = 0.2;

/// The automatic setup and how it used its budget.
///
/// The arch curve is a least-squares polynomial (degree 4, or 2 with fewer than 7 teeth) through the crown
/// centroids in the occlusal plane, from the midline between the central incisors; each crown moves toward it
/// by what exceeds `align_tolerance_mm`, and its tip toward the least-squares plane of all tips by what
/// exceeds `level_tolerance_mm`. Then, in rounds, neighbours that would overlap beyond the plan's tolerance are
/// pushed apart along the curve into the spaces the arch has; what the spaces cannot take is left for IPR
/// (within each contact's and the arch's limits), and what IPR cannot take develops the anterior arch labially.
pub fn auto_setup(mesh: &Mesh, dentition: &Dentition, limits: &Limits, budget: &SetupBudget) -> (Setup, SpaceUse) {
    let order = arch_order(&dentition.teeth.iter().map(|t| t.fdi).collect::<Vec<_>>());
    let teeth: Vec<_> = order.iter().filter_map(|f| dentition.tooth(*f)).collect();
    if teeth.len() < 3 {
        let note = "too few teeth for an arch form: no movement".into();
        return (Setup { note, teeth: Vec::new() }, SpaceUse::default());
    }
    let n = teeth.len();
    let o = teeth.iter().fold(Vector3::zeros(), |a, t| a + t.frame.occlusal).normalize();
    let flat = |v: Vector3<f64>| v - o * v.dot(&o);
    let mean = |sel: &[&&crate::dentition::Tooth]| {
        sel.iter().fold(Vector3::zeros(), |a, t| a + t.frame.centroid.coords) / sel.len().max(1) as f64
    };
    let all: Vec<_> = teeth.iter().collect();
    let centrals: Vec<_> = teeth.iter().filter(|t| t.fdi % 10 == 1).collect();
    let front: Vec<_> = teeth.iter().filter(|t| t.fdi % 10 <= 2).collect();
    let back: Vec<_> = teeth.iter().filter(|t| t.fdi % 10 >= 5).collect();
    let c = if centrals.len() == 2 { mean(&centrals) } else { mean(&all) };
    let a = flat(if front.is_empty() || back.is_empty() { mean(&all) - c } else { mean(&front) - mean(&back) })
        .try_normalize(1e-9)
        .unwrap_or_else(|| o.cross(&Vector3::x()).normalize());
    let side = o.cross(&a);
    let uv = |p: Vector3<f64>| ((p - c).dot(&side), (p - c).dot(&a));
    let plane_point = |u: f64, v: f64| c + side * u + a * v;
    let (tip_h, cents) = occlusal_positions(mesh, &teeth, c, o, &uv);
    let mut curve = Curve::fit(&cents);
    let anchor: Vec<bool> = (0..n)
        .map(|i| (budget.anchor_molars && teeth[i].fdi % 10 >= 6) || (i == 0 || i == n - 1) && teeth[i].fdi % 10 >= 4)
        .collect();
    // Levelling: tips (highest point along the occlusal axis) toward their least-squares plane.
    let level = level_moves(&cents, &tip_h, budget.level_tolerance_mm);
    let crowns = CrownCollider::new(mesh, &teeth);
    let caps: Vec<f64> = order
        .windows(2)
        .map(|w| super::surface_ipr_cap(w[0], limits) + super::surface_ipr_cap(w[1], limits) - IPR_ROUNDING_MM)
        .map(|c| c.max(0.0))
        .collect();
    let mut used = SpaceUse::default();
    let mut shift = vec![0.0; n];
    let mut ipr = vec![0.0; n - 1];
    // Shifts are along arch order; the curve's parameter grows from one end or the other.
    let dir = if curve.foot(cents[n - 1].0, cents[n - 1].1) >= curve.foot(cents[0].0, cents[0].1) { 1.0 } else { -1.0 };
    let targets = |curve: &Curve, shift: &[f64]| -> Vec<Vector3<f64>> {
        (0..n)
            .map(|i| {
                if anchor[i] {
                    return Vector3::zeros();
                }
                let (u0, v0) = cents[i];
                let f = curve.foot(u0, v0);
                let to3 = |(du, dv): (f64, f64)| side * du + a * dv;
                let normal = o.cross(&to3(curve.tangent(f)));
                let (fu, fv) = curve.point(f);
                let off = (plane_point(u0, v0) - plane_point(fu, fv)).dot(&normal);
                let keep = off.signum() * off.abs().min(budget.align_tolerance_mm);
                let g = curve.at_arc(curve.arc(f) + dir * shift[i]);
                let (gu, gv) = curve.point(g);
                plane_point(gu, gv) + o.cross(&to3(curve.tangent(g))) * keep - plane_point(u0, v0) + o * level[i]
            })
            .collect()
    };
    let measure = |moves: &[Vector3<f64>]| -> Vec<f64> {
        let poses: Vec<Isometry3<f64>> = moves.iter().map(|m| Isometry3::from(Translation3::from(*m))).collect();
        (0..n - 1).map(|k| crowns.penetration(k, k + 1, &poses)).collect()
    };
    let gaps = |moves: &[Vector3<f64>]| -> Vec<f64> { along_gaps(mesh, &teeth, moves, o) };
    let mut moves = targets(&curve, &shift);
    let first_overlap: f64 = measure(&moves).iter().map(|v| (v - limits.max_penetration_mm).max(0.0)).sum();
    used.crowding_mm = first_overlap;
    for _round in 0..ROUNDS {
        let ov = measure(&moves);
        let need: Vec<f64> = (0..n - 1)
            .map(|k| {
                (ov[k] - ipr[k] - limits.max_penetration_mm).max(0.0)
                    + if ov[k] - ipr[k] > limits.max_penetration_mm { SEPARATION_MARGIN_MM } else { 0.0 }
            })
            .collect();
        if need.iter().all(|v| *v <= 0.0) {
            break;
        }
        let g = gaps(&moves);
        // Per contact the least change of separation along the arch: grow where overlapping, shrink at most by
        // the space it has, keep where touching.
        let mut bound: Vec<f64> = (0..n - 1)
            .map(|k| {
                if need[k] > 0.0 {
                    need[k]
                } else if g[k] > SPACE_MM {
                    -(g[k] - SPACE_MM)
                } else {
                    0.0
                }
            })
            .collect();
        allocate_ipr(&mut bound, &need, &anchor, &caps, &mut ipr, limits.ipr_per_arch_mm - IPR_ROUNDING_MM);
        solve_chain(&mut shift, &bound, &anchor);
        moves = targets(&curve, &shift);
        let left: f64 =
            measure(&moves).iter().zip(&ipr).map(|(v, i)| (v - i - limits.max_penetration_mm).max(0.0)).sum();
        if left > 0.1 && curve.development < budget.development_mm {
            // Develop the anterior arch: each mm at the midline adds about 1.5 mm of arch length.
            curve.development = (curve.development + (left / 1.5).max(0.2)).min(budget.development_mm);
            curve.tabulate();
            moves = targets(&curve, &shift);
        }
    }
    let last = measure(&moves);
    used.ipr_mm = ipr.iter().sum();
    used.development_mm = curve.development;
    used.unresolved_mm = last.iter().zip(&ipr).map(|(v, i)| (v - i - limits.max_penetration_mm).max(0.0)).sum();
    used.moved_mm = (used.crowding_mm - used.ipr_mm - used.unresolved_mm).max(0.0);
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let setup_moves = teeth
        .iter()
        .zip(&moves)
        .map(|(t, d)| {
            let local = t.frame.axes().transpose() * d;
            ToothMove { fdi: t.fdi, translation_mm: [r3(local.x), r3(local.y), r3(local.z)], rotation_deg: [0.0; 3] }
        })
        .filter(|m| m.translation_mm.iter().any(|v| *v != 0.0))
        .collect();
    let note = format!(
        "automatic target: crowns onto the patient's smoothed arch, tips levelled beyond {:.1} mm, molars {}; \
         crowding {:.2} mm taken by moving crowns along the arch {:.2} (into its spaces and {:.2} mm of labial \
         development), IPR {:.2}, unresolved {:.2} mm; no derotation (edit before use; mm, tooth frames)",
        budget.level_tolerance_mm,
        if budget.anchor_molars { "anchored" } else { "free" },
        used.crowding_mm,
        used.moved_mm,
        used.development_mm,
        used.ipr_mm,
        used.unresolved_mm
    );
    (Setup { note, teeth: setup_moves }, used)
}

/// Between two anchors the separations along the arch must add up to nothing (both ends stay); the deficit
/// of a segment is given to IPR at its overlapping contacts, the deepest first, each within its cap (`caps`,
/// mm per contact) and all within `arch_budget` (mm, over the arch). `bound` loses what IPR takes.
fn allocate_ipr(bound: &mut [f64], need: &[f64], anchor: &[bool], caps: &[f64], ipr: &mut [f64], arch_budget: f64) {
    let n = anchor.len();
    let mut lo = 0;
    while lo < n - 1 {
        let hi = (lo + 1..n).find(|&i| anchor[i]).unwrap_or(n - 1);
        let mut deficit: f64 = bound[lo..hi].iter().sum();
        if anchor[lo] && anchor[hi] && deficit > 0.0 {
            let mut by_need: Vec<usize> = (lo..hi).filter(|&k| need[k] > 0.0).collect();
            by_need.sort_by(|x, y| need[*y].total_cmp(&need[*x]));
            let mut room = (arch_budget - ipr.iter().sum::<f64>()).max(0.0);
            for k in by_need {
                let take = deficit.min(caps[k] - ipr[k]).min(room).min(need[k]).max(0.0);
                ipr[k] += take;
                bound[k] -= take;
                deficit -= take;
                room -= take;
            }
        }
        lo = hi;
    }
}

/// Each crown's tip height along `o` from `c` (mm) and position in the arch's (u, v) coordinates: the centroid
/// of its occlusal part (within [`OCCLUSAL_PART_MM`] of its tip), which does not shift with how far the label
/// runs down the gum.
fn occlusal_positions(
    mesh: &Mesh,
    teeth: &[&crate::dentition::Tooth],
    c: Vector3<f64>,
    o: Vector3<f64>,
    uv: &dyn Fn(Vector3<f64>) -> (f64, f64),
) -> (Vec<f64>, Vec<(f64, f64)>) {
    let p = mesh.positions();
    let tip_h: Vec<f64> = teeth
        .iter()
        .map(|t| t.vertices.iter().map(|&i| (p[i as usize].coords - c).dot(&o)).fold(f64::MIN, f64::max))
        .collect();
    let cents = teeth
        .iter()
        .zip(&tip_h)
        .map(|(t, h)| {
            let top: Vec<Vector3<f64>> = t
                .vertices
                .iter()
                .map(|&i| p[i as usize].coords)
                .filter(|q| (q - c).dot(&o) >= h - OCCLUSAL_PART_MM)
                .collect();
            uv(top.iter().sum::<Vector3<f64>>() / top.len().max(1) as f64)
        })
        .collect();
    (tip_h, cents)
}

/// The least-squares solution x of a·x ≈ b by the normal equations; `None` when aᵀa is singular.
fn least_squares(a: &DMatrix<f64>, b: &DVector<f64>) -> Option<DVector<f64>> {
    Some((a.transpose() * a).try_inverse()? * a.transpose() * b)
}

/// Vertical moves (mm along the occlusal axis) bringing each tip toward the least-squares plane of all tips
/// (over the arch coordinates `uv`) by what exceeds `tolerance`.
fn level_moves(uv: &[(f64, f64)], h: &[f64], tolerance: f64) -> Vec<f64> {
    let a = DMatrix::from_fn(uv.len(), 3, |r, c| [1.0, uv[r].0, uv[r].1][c]);
    let b = DVector::from_column_slice(h);
    let Some(k) = least_squares(&a, &b) else { return vec![0.0; h.len()] };
    uv.iter()
        .zip(h)
        .map(|(&(u, v), &hi)| {
            let d = k[0] + k[1] * u + k[2] * v - hi;
            d.signum() * (d.abs() - tolerance).max(0.0)
        })
        .collect()
}

/// Gaps along the arch between neighbours (mm, negative where their extents overlap) with each crown moved
/// by `moves`: along the direction between the two centroids in the occlusal plane, the far end of one crown
/// to the near end of the other.
fn along_gaps(mesh: &Mesh, teeth: &[&crate::dentition::Tooth], moves: &[Vector3<f64>], o: Vector3<f64>) -> Vec<f64> {
    let p = mesh.positions();
    teeth
        .windows(2)
        .enumerate()
        .map(|(k, w)| {
            let (c0, c1) = (w[0].frame.centroid.coords + moves[k], w[1].frame.centroid.coords + moves[k + 1]);
            let d = c1 - c0;
            let Some(dir) = (d - o * d.dot(&o)).try_normalize(1e-9) else { return 0.0 };
            let far = w[0]
                .vertices
                .iter()
                .map(|&v| (p[v as usize].coords + moves[k] - c0).dot(&dir))
                .fold(f64::MIN, f64::max);
            let near = w[1]
                .vertices
                .iter()
                .map(|&v| (p[v as usize].coords + moves[k + 1] - c0).dot(&dir))
                .fold(f64::MAX, f64::min);
            near - far
        })
        .collect()
}

/// Shifts along the arch (mm, added to `shift`) such that each neighbour pair's separation grows by at least
/// `bound[k]` (negative: may shrink by that much), anchors fixed, each shift as small as the constraints allow
/// (alternating projections; with an infeasible segment the remainder is left).
fn solve_chain(shift: &mut [f64], bound: &[f64], anchor: &[bool]) {
    let n = shift.len();
    let mut y = vec![0.0; n];
    for _ in 0..400 {
        let mut worst: f64 = 0.0;
        for k in 0..n - 1 {
            let viol = bound[k] - (y[k + 1] - y[k]);
            if viol <= 1e-6 {
                continue;
            }
            worst = worst.max(viol);
            match (anchor[k], anchor[k + 1]) {
                (false, false) => {
                    y[k] -= viol / 2.0;
                    y[k + 1] += viol / 2.0;
                }
                (true, false) => y[k + 1] += viol,
                (false, true) => y[k] -= viol,
                (true, true) => {}
            }
        }
        if worst < 1e-4 {
            break;
        }
    }
    for (s, d) in shift.iter_mut().zip(y) {
        *s += d;
    }
}
