//! The arch as a line: coordinates along its curve, per-stretch profiles (running maxima, medians, means),
//! the midline from the crowns' mirror symmetry, and the teeth placed along each side by dynamic programming.

use super::params::SegmentParams;
use crate::arch::ArchCurve;
use nalgebra::{Point2, Point3, Vector3};

/// Cell size (mm) of the crowns' occupancy grid whose mirror symmetry gives the midline.
const SYMMETRY_CELL_MM: f64 = 1.0;

/// Arch coordinate (mm along the arch curve, as `sr` gives them) where the crowns' mirror axis crosses the
/// arch: the line in the occlusal plane about which the crowns (`crown`, in the arch frame `local`) are most
/// nearly symmetric, searched within ±25° of the frame's anterior axis and ±15 mm of its origin. The crowns are
/// taken as the centres of the 1 mm cells they occupy (independent of vertex order and mesh density), and each
/// reflected cell pays its squared distance to the nearest cell, capped at 2 mm (a missing tooth or a third
/// molar on one side costs little). 0 (the arch's most anterior point) when no crown within 20 mm of that point
/// lies on the axis.
pub(super) fn symmetric_midline(
    local: &[Vector3<f64>],
    crown: &[bool],
    sr: &[(f64, f64)],
    params: &SegmentParams,
) -> f64 {
    let cell = |x: f64| (x / SYMMETRY_CELL_MM).floor() as i64;
    let cells: std::collections::BTreeSet<(i64, i64)> =
        (0..local.len()).filter(|&v| crown[v]).map(|v| (cell(local[v].x), cell(local[v].y))).collect();
    let pts: Vec<Point3<f64>> = cells
        .iter()
        .map(|&(i, j)| Point3::new((i as f64 + 0.5) * SYMMETRY_CELL_MM, (j as f64 + 0.5) * SYMMETRY_CELL_MM, 0.0))
        .collect();
    if pts.len() < 10 {
        return 0.0;
    }
    let index = crate::mesh::PointIndex::new(&pts);
    let score = |phi: f64, off: f64| {
        let (c, s) = (phi.cos(), phi.sin());
        pts.iter()
            .map(|p| {
                let d = 2.0 * (c * p.x + s * p.y - off);
                let q = Point3::new(p.x - d * c, p.y - d * s, 0.0);
                index.nearest(&q).map_or(0.0, |(_, e)| e.min(params.symmetry_cap_mm).powi(2))
            })
            .sum::<f64>()
    };
    // Every candidate axis scored in parallel; the first lowest wins, as in a serial scan.
    let search = |phis: Vec<f64>, offs: Vec<f64>| {
        use rayon::prelude::*;
        let axes: Vec<(f64, f64)> = phis.iter().flat_map(|&phi| offs.iter().map(move |&off| (phi, off))).collect();
        let scores: Vec<f64> = axes.par_iter().map(|&(phi, off)| score(phi, off)).collect();
        let best = (0..axes.len()).fold(0, |b, k| if scores[k] < scores[b] { k } else { b });
        axes[best]
    };
    let deg = std::f64::consts::PI / 180.0;
    let (phi, off) = search((-10..=10).map(|k| k as f64 * 2.5 * deg).collect(), (-15..=15).map(f64::from).collect());
    let (phi, off) = search(
        (-5..=5).map(|k| phi + k as f64 * 0.5 * deg).collect(),
        (-4..=4).map(|k| off + k as f64 * 0.25).collect(),
    );
    let (c, s) = (phi.cos(), phi.sin());
    let mut on: Vec<f64> = (0..local.len())
        .filter(|&v| crown[v] && (c * local[v].x + s * local[v].y - off).abs() < 1.0 && sr[v].0.abs() < 20.0)
        .map(|v| sr[v].0)
        .collect();
    on.sort_by(f64::total_cmp);
    on.get(on.len() / 2).copied().unwrap_or(0.0)
}

/// Arch coordinates of every point of `local` (arch frame): along the curve through `through` from its most
/// anterior point and signed off it (mm), as `ArchCurve::project` gives them.
pub(super) fn arch_coordinates(local: &[Vector3<f64>], through: &[&Vector3<f64>]) -> Vec<(f64, f64)> {
    let (pts, apex_u) = arch_polyline(through);
    let curve = ArchCurve::from_points(pts);
    use rayon::prelude::*;
    local.par_iter().map(|l| curve.project(&Point2::new(l.x - apex_u, l.y))).collect()
}

/// The arch curve through `top` (points in the arch frame: x right, y anterior) from patient left to right,
/// shifted so that its most anterior point is at x = 0, and that point's original x. Sector means around a
/// centre a third of the way from the back to the front, averaged with their neighbours twice, extended 6 mm
/// at both ends.
fn arch_polyline(top: &[&Vector3<f64>]) -> (Vec<Point2<f64>>, f64) {
    const SECTORS: usize = 90;
    let fold = |f: fn(&Vector3<f64>) -> f64| {
        top.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), l| (a.min(f(l)), b.max(f(l))))
    };
    let ((umin, umax), (vmin, vmax)) = (fold(|l| l.x), fold(|l| l.y));
    let centre = Point2::new(0.5 * (umin + umax), vmin + 0.35 * (vmax - vmin));
    let mut sum = vec![(Vector3::<f64>::zeros(), 0usize); SECTORS];
    let sector = |l: &Vector3<f64>| {
        let angle = (l.x - centre.x).atan2(l.y - centre.y);
        (((angle + std::f64::consts::PI) / std::f64::consts::TAU * SECTORS as f64) as usize).min(SECTORS - 1)
    };
    for l in top {
        let k = sector(l);
        sum[k].0 += Vector3::new(l.x, l.y, 0.0);
        sum[k].1 += 1;
    }
    let mut pts: Vec<Point2<f64>> =
        sum.iter().filter(|(_, c)| *c >= 5).map(|(p, c)| Point2::new(p.x / *c as f64, p.y / *c as f64)).collect();
    if pts.len() < 2 {
        return (vec![Point2::new(umin - 6.0, vmin), Point2::new(umax + 6.0, vmin)], 0.0);
    }
    for _ in 0..2 {
        pts = (0..pts.len())
            .map(|i| {
                let w = &pts[i.saturating_sub(1)..(i + 2).min(pts.len())];
                Point2::from(w.iter().fold(nalgebra::Vector2::zeros(), |a, p| a + p.coords) / w.len() as f64)
            })
            .collect();
    }
    let (a, b) = (pts[0], pts[pts.len() - 1]);
    let (a1, b1) = (pts[1], pts[pts.len() - 2]);
    let extend = |p: Point2<f64>, q: Point2<f64>| p + (p - q).try_normalize(1e-12).unwrap_or_default() * 6.0;
    pts.insert(0, extend(a, a1));
    pts.push(extend(b, b1));
    let apex = pts.iter().copied().max_by(|p, q| p.y.total_cmp(&q.y)).map_or(0.0, |p| p.x);
    (pts.into_iter().map(|p| Point2::new(p.x - apex, p.y)).collect(), apex)
}

/// Largest value within ±`k` bins (empty bins are skipped).
pub(super) fn smooth_max(v: &[f64], k: usize) -> Vec<f64> {
    (0..v.len())
        .map(|i| v[i.saturating_sub(k)..(i + k + 1).min(v.len())].iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect()
}

/// Missing values taken from `fallback`, then a running median of three.
pub(super) fn fill_and_median(v: &[f64], fallback: Vec<f64>) -> Vec<f64> {
    let f: Vec<f64> = v.iter().zip(&fallback).map(|(a, b)| if a.is_finite() { *a } else { *b }).collect();
    (0..f.len())
        .map(|i| {
            let mut w: Vec<f64> = f[i.saturating_sub(1)..(i + 2).min(f.len())].to_vec();
            w.sort_by(f64::total_cmp);
            w[w.len() / 2]
        })
        .collect()
}

/// Running mean over ±`k` bins.
pub(super) fn box_smooth(v: &[f64], k: usize) -> Vec<f64> {
    (0..v.len())
        .map(|i| {
            let w = &v[i.saturating_sub(k)..(i + k + 1).min(v.len())];
            w.iter().sum::<f64>() / w.len() as f64
        })
        .collect()
}

/// Teeth placed along one side of the arch.
pub(super) struct Placement {
    /// Boundaries (bin indices, the first is 0).
    pub(super) cuts: Vec<usize>,
    /// Sum of the boundary costs and width penalties.
    pub(super) cost: f64,
    /// Teeth placed.
    pub(super) teeth: usize,
}

/// Boundaries (bin indices into `cost`, the first is 0) of consecutive teeth whose widths (bins) should be
/// near `widths[p]`: minimises the boundary costs plus a penalty on relative width errors; stops after the
/// tooth that best ends the sequence (a tooth must reach past where the crowns end, or the costs say stop).
pub(super) fn place_boundaries(cost: &[f64], widths: &[f64]) -> Placement {
    let n = cost.len();
    const LAMBDA: f64 = 2.0;
    // best[p][k]: cheapest placement of teeth 1..=p with tooth p's far boundary at bin k.
    let mut best = vec![vec![f64::INFINITY; n]; widths.len() + 1];
    let mut from = vec![vec![usize::MAX; n]; widths.len() + 1];
    best[0][0] = 0.0;
    for p in 1..=widths.len() {
        let w = widths[p - 1];
        let (lo, hi) = ((0.7 * w).floor() as usize, (1.3 * w).ceil() as usize);
        for k in 0..n {
            for d in lo.max(1)..=hi {
                if d > k {
                    break;
                }
                let prev = best[p - 1][k - d];
                if !prev.is_finite() {
                    continue;
                }
                let c = prev + cost[k] + LAMBDA * ((d as f64 - w) / w).powi(2);
                if c < best[p][k] {
                    best[p][k] = c;
                    from[p][k] = k - d;
                }
            }
        }
    }
    // End: the sequence whose last boundary reaches the end of the crowns (within END_SLACK of its last
    // tooth's width), fewest cost per tooth; teeth beyond the crowns' end are absent. With half a tooth of slack
    // a last molar could stop short and leave the next molar's half to be flooded from it (two molars as one,
    // on phantoms with a premolar missing); 0.3 keeps the whole sequence.
    const END_SLACK: f64 = 0.3;
    let mut end: Option<(f64, usize, usize)> = None;
    for p in 1..=widths.len() {
        for (k, &b) in best[p].iter().enumerate() {
            if b.is_finite() && n - 1 - k <= (widths[p - 1] * END_SLACK) as usize {
                let score = b / p as f64;
                if end.is_none_or(|e| score < e.0) {
                    end = Some((score, p, k));
                }
            }
        }
    }
    let Some((_, mut p, mut k)) = end else { return Placement { cuts: vec![0], cost: 0.0, teeth: 0 } };
    let (total, teeth) = (best[p][k], p);
    let mut cuts = vec![k];
    while p > 0 {
        k = from[p][k];
        p -= 1;
        cuts.push(k);
    }
    cuts.reverse();
    Placement { cuts, cost: total, teeth }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crowns' mirror axis, not the most anterior point of a U turned 15° in its frame, marks the midline.
    #[test]
    fn midline_follows_the_mirror_axis_of_a_turned_arch() {
        let turn = 15f64.to_radians();
        let (c, s) = (turn.cos(), turn.sin());
        let mut pts = Vec::new();
        let mut on_axis = Vec::new();
        for i in -100..=100 {
            for j in -12..=12 {
                // A U band 8 mm wide about v = 20 − 0.025 u² (an arch 50 mm across), turned by `turn`.
                let u0 = i as f64 * 0.25;
                let normal = nalgebra::Vector2::new(0.05 * u0, 1.0).normalize();
                let p = nalgebra::Vector2::new(u0, 20.0 - 0.025 * u0 * u0) + normal * (j as f64 * 0.33);
                pts.push(Vector3::new(c * p.x - s * p.y, s * p.x + c * p.y, 0.0));
                on_axis.push(i == 0);
            }
        }
        let refs: Vec<&Vector3<f64>> = pts.iter().collect();
        let sr = arch_coordinates(&pts, &refs);
        let mut axis_s: Vec<f64> = sr.iter().zip(&on_axis).filter(|(_, a)| **a).map(|(p, _)| p.0).collect();
        axis_s.sort_by(f64::total_cmp);
        let want = axis_s[axis_s.len() / 2];
        assert!(want.abs() > 3.0, "the turned arch's most anterior point is {want} mm off its axis");
        let got = symmetric_midline(&pts, &vec![true; pts.len()], &sr, &SegmentParams::default());
        assert!((got - want).abs() < 1.0, "midline at {got} mm along the arch, axis at {want}");
    }
}
