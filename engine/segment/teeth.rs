//! Gingiva, teeth and FDI numbers from height and curvature along the arch.

use super::orient::{orient_with, ArchFrame};
use crate::dentition::{tooth_mean_width, Dentition, Jaw};
use crate::mesh::{Mesh, Topology};
use crate::phantom::arch::ArchCurve;
use nalgebra::{Point2, Vector3};

/// The result of segmenting one jaw.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// The arch frame found.
    pub frame: ArchFrame,
    /// FDI number per vertex, 0 for gingiva.
    pub labels: Vec<i32>,
    /// Instance per vertex (1… by FDI), 0 for gingiva.
    pub instances: Vec<i32>,
    /// Teeth found, by FDI.
    pub teeth: Vec<i32>,
    /// The teeth with their local frames.
    pub dentition: Dentition,
    /// Implant scan bodies found (their vertices are labelled 0, with instances from 100).
    pub scan_bodies: Vec<ScanBodySite>,
}

/// A scan body found on the jaw, mesh frame.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanBodySite {
    /// Its instance id in [`Segmentation::instances`] (100, 101, …).
    pub instance: i32,
    /// The tooth position (FDI) it stands in, when the arch placement gives one.
    pub site: Option<i32>,
    /// Centre of its top face (mm).
    pub top: [f64; 3],
    /// Its axis, toward the top (unit).
    pub axis: [f64; 3],
    /// Its vertices.
    pub vertices: Vec<u32>,
}

const BIN: f64 = 2.0;
/// The gum margin is the deepest concave band at least this fraction as concave as the most concave one.
const DEEP_FRACTION: f64 = 0.3;
/// How far below the tooth before it a side's last tooth's highest point may lie before it counts as
/// gingiva (mm).
const LAST_TOOTH_DROP_MM: f64 = 4.5;

/// Segments a jaw mesh (any orientation, mm).
pub fn segment(mesh: &Mesh) -> Segmentation {
    let curvature = mesh.curvature();
    let frame = orient_with(mesh, &curvature);
    let n = mesh.vertex_count();
    let local: Vec<Vector3<f64>> = mesh.positions().iter().map(|p| frame.local(p)).collect();
    // 1. Arch curve through the crowns: a quartic v(u) fitted to the highest third of the surface.
    let mut hs: Vec<f64> = local.iter().map(|l| l.z).collect();
    hs.sort_by(f64::total_cmp);
    let high = hs[(hs.len() as f64 * 0.7) as usize];
    let top: Vec<&Vector3<f64>> = local.iter().filter(|l| l.z >= high).collect();
    let coef = fit_quartic(&top);
    let (umin, umax) = top.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), l| (a.min(l.x), b.max(l.x)));
    let apex_u = (0..=400)
        .map(|i| umin + (umax - umin) * i as f64 / 400.0)
        .max_by(|a, b| eval(&coef, *a).total_cmp(&eval(&coef, *b)))
        .unwrap_or(0.0);
    let pts: Vec<Point2<f64>> = (0..=800)
        .map(|i| umin - 6.0 + (umax - umin + 12.0) * i as f64 / 800.0)
        .map(|u| Point2::new(u - apex_u, eval(&coef, u)))
        .collect();
    let curve = ArchCurve::from_points(pts);
    let sr: Vec<(f64, f64)> = local.iter().map(|l| curve.project(&Point2::new(l.x - apex_u, l.y))).collect();
    let bin = |s: f64| (s / BIN).floor() as i64;
    let (bmin, bmax) = sr.iter().fold((i64::MAX, i64::MIN), |(a, b), (s, _)| (a.min(bin(*s)), b.max(bin(*s))));
    let nb = (bmax - bmin + 1).max(1) as usize;
    let bi = |s: f64| (bin(s) - bmin).clamp(0, nb as i64 - 1) as usize;
    // 2. Crown tips per stretch of arch: the highest surface near the curve.
    let mut tip = vec![f64::NEG_INFINITY; nb];
    for (l, (s, r)) in local.iter().zip(&sr) {
        if r.abs() < 6.0 {
            tip[bi(*s)] = tip[bi(*s)].max(l.z);
        }
    }
    let tip = smooth_max(&tip, 2);
    // 3. Gum line per stretch and side, from the concave height bands 2–12 mm below the tips: the most
    //    concave band (where the crowns' outline is surest — it decides the splitting and numbering), and
    //    the deepest band at least DEEP_FRACTION as concave (the margin itself: the cervical third of a
    //    crown bends inward too, above the margin).
    let mut hists = vec![[[0.0f64; 40]; 2]; nb];
    for v in 0..n {
        let (s, r) = sr[v];
        if r.abs() > 8.0 {
            continue;
        }
        let b = bi(s);
        let below = tip[b] - local[v].z;
        if (2.0..12.0).contains(&below) {
            hists[b][usize::from(r < 0.0)][((below - 2.0) / 0.25) as usize] += (-curvature.mean[v] - 0.1).max(0.0);
        }
    }
    let adjacency = Topology::new(mesh).vertex_neighbors();
    let mask = |fraction: f64| -> Vec<bool> {
        let mut margin = vec![[f64::NAN; 2]; nb];
        for (b, m) in margin.iter_mut().enumerate() {
            for (side, slot) in m.iter_mut().enumerate() {
                let hist = &hists[b][side];
                let w = hist.iter().copied().fold(0.0, f64::max);
                let k = (0..hist.len()).rev().find(|&j| hist[j] >= fraction * w);
                *slot = match k {
                    Some(k) if w > 0.0 => tip[b] - (2.0 + (k as f64 + 0.5) * 0.25),
                    _ => f64::NAN,
                };
            }
        }
        for side in 0..2 {
            let vals: Vec<f64> = margin.iter().map(|m| m[side]).collect();
            let filled = fill_and_median(&vals, tip.iter().map(|t| t - 8.0).collect());
            for (m, v) in margin.iter_mut().zip(filled) {
                m[side] = v;
            }
        }
        let margin_at = |s: f64, r: f64| {
            let side = usize::from(r < 0.0);
            let x = s / BIN - 0.5 - bmin as f64;
            let i = x.floor().clamp(0.0, nb as f64 - 1.0) as usize;
            let j = (i + 1).min(nb - 1);
            let t = (x - i as f64).clamp(0.0, 1.0);
            margin[i][side] * (1.0 - t) + margin[j][side] * t
        };
        let mut tooth: Vec<bool> =
            (0..n).map(|v| sr[v].1.abs() < 8.0 && local[v].z > margin_at(sr[v].0, sr[v].1)).collect();
        clean_regions(&adjacency, &mut tooth);
        tooth
    };
    let tooth = mask(1.0);
    let crown = mask(DEEP_FRACTION);
    // 4. Split the crowns where they are narrowest and lowest along the arch (the embrasures), placing one
    //    boundary per tooth by dynamic programming with the expected mesio-distal widths, outward from the
    //    midline on each side: this also numbers the teeth.
    let fine = 0.25;
    let (smin, smax) = (0..n)
        .filter(|&v| tooth[v])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(sr[v].0), b.max(sr[v].0)));
    if !smin.is_finite() {
        let dentition = Dentition { jaw: frame.jaw, teeth: Vec::new() };
        return Segmentation {
            frame,
            labels: vec![0; n],
            instances: vec![0; n],
            teeth: Vec::new(),
            dentition,
            scan_bodies: Vec::new(),
        };
    }
    let nf = ((smax - smin) / fine).ceil() as usize + 1;
    let fb = |s: f64| (((s - smin) / fine).floor().max(0.0) as usize).min(nf - 1);
    let mut area = vec![0.0f64; nf];
    let mut height = vec![f64::NEG_INFINITY; nf];
    let varea = vertex_areas(mesh);
    for v in (0..n).filter(|&v| tooth[v]) {
        let k = fb(sr[v].0);
        area[k] += varea[v];
        height[k] = height[k].max(local[v].z);
    }
    let area = box_smooth(&area, 2);
    let hfilled: Vec<f64> = height.iter().map(|h| if h.is_finite() { *h } else { f64::NAN }).collect();
    let hmin = hfilled.iter().copied().filter(|h| h.is_finite()).fold(f64::INFINITY, f64::min);
    let height = box_smooth(&hfilled.iter().map(|h| if h.is_finite() { *h } else { hmin }).collect::<Vec<_>>(), 2);
    let amax = area.iter().copied().fold(0.0, f64::max).max(1e-12);
    let (hlo, hhi) = height.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &h| (a.min(h), b.max(h)));
    let cost: Vec<f64> =
        (0..nf).map(|k| 0.6 * area[k] / amax + 0.4 * (height[k] - hlo) / (hhi - hlo).max(1e-9)).collect();
    let s_of = |k: usize| smin + (k as f64 + 0.5) * fine;
    // The midline: the cheapest boundary within 4 mm of the arch apex. When no crown reaches the apex (the
    // arch curve runs in front of the incisors, as a quartic can on a narrow anterior arch), the incisors
    // project to either side of an empty stretch: the midline is its middle and each side starts where the
    // crowns do.
    let empty = |k: usize| area[k] <= 1e-9;
    let (mid, gap) = if empty(fb(0.0)) {
        let (mut a, mut b) = (fb(0.0), fb(0.0));
        while a > 0 && empty(a - 1) {
            a -= 1;
        }
        while b + 1 < nf && empty(b + 1) {
            b += 1;
        }
        ((a + b) / 2, Some((a, b)))
    } else {
        let m = (0..nf)
            .filter(|&k| s_of(k).abs() <= 4.0)
            .min_by(|&a, &b| cost[a].total_cmp(&cost[b]))
            .unwrap_or_else(|| fb(0.0));
        (m, None)
    };
    let quadrant = |right: bool| match (frame.jaw, right) {
        (Jaw::Upper, true) => 1,
        (Jaw::Upper, false) => 2,
        (Jaw::Lower, false) => 3,
        (Jaw::Lower, true) => 4,
    };
    let mut bounds: Vec<(f64, f64, i32)> = Vec::new(); // (from s, to s, FDI)
    for right in [true, false] {
        let q = quadrant(right);
        // Bins outward from the midline on this side.
        let side: Vec<usize> = match (right, gap) {
            (true, Some((_, b))) => (b..nf).collect(),
            (false, Some((a, _))) => (0..=a).rev().collect(),
            (true, None) => (mid..nf).collect(),
            (false, None) => (0..=mid).rev().collect(),
        };
        let widths: Vec<f64> = (1..=8).map(|p| tooth_mean_width(q * 10 + p) / fine).collect();
        let cuts = place_boundaries(&side.iter().map(|&k| cost[k]).collect::<Vec<_>>(), &widths);
        for (p, w) in cuts.windows(2).enumerate() {
            let (a, b) = (s_of(side[w[0]]), s_of(side[w[1].min(side.len() - 1)]));
            bounds.push((a.min(b), a.max(b), q * 10 + p as i32 + 1));
        }
    }
    // Gingiva behind the last molar can pass for one more tooth: it has no crown rising to the occlusal
    // level. A side's last tooth whose highest point is more than LAST_TOOTH_DROP_MM below the tooth before
    // it is gingiva (a real last molar, even a partly erupted third one, reaches near its neighbour's level).
    let top_of = |b: &(f64, f64, i32)| {
        (0..n)
            .filter(|&v| crown[v] && sr[v].0 >= b.0 && sr[v].0 < b.1)
            .map(|v| local[v].z)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    for q in [quadrant(true), quadrant(false)] {
        let last = bounds.iter().filter(|b| b.2 / 10 == q).map(|b| b.2).max();
        if let Some(last) = last.filter(|l| l % 10 > 1) {
            let (a, b) = (bounds.iter().find(|b| b.2 == last - 1), bounds.iter().find(|b| b.2 == last));
            if let (Some(a), Some(b)) = (a, b) {
                if top_of(b) < top_of(a) - LAST_TOOTH_DROP_MM {
                    bounds.retain(|x| x.2 != last);
                }
            }
        }
    }
    let fdi_at = |s: f64| bounds.iter().find(|b| s >= b.0 && s < b.1).map_or(0, |b| b.2);
    let mut labels: Vec<i32> = (0..n).map(|v| if crown[v] { fdi_at(sr[v].0) } else { 0 }).collect();
    // 5. Scan bodies are not teeth: each found cylinder becomes its own instance (100, 101, …), and the site it
    //    sits on is the tooth position the arch placement gave its surface.
    let mut scan_bodies = Vec::new();
    for (k, c) in crate::implant::detect_cylinders(mesh).into_iter().enumerate() {
        let mut counts: std::collections::BTreeMap<i32, usize> = std::collections::BTreeMap::new();
        for &v in &c.vertices {
            let at = fdi_at(sr[v as usize].0);
            if at > 0 {
                *counts.entry(at).or_default() += 1;
            }
            labels[v as usize] = 0;
        }
        let site = counts.into_iter().max_by_key(|&(l, n)| (n, -l)).map(|(l, _)| l);
        scan_bodies.push(ScanBodySite {
            instance: 100 + k as i32,
            site,
            top: c.top.coords.into(),
            axis: c.axis.into_inner().into(),
            vertices: c.vertices,
        });
    }
    let mut teeth: Vec<i32> = labels.iter().copied().filter(|&f| f != 0).collect();
    teeth.sort_unstable();
    teeth.dedup();
    let mut instances: Vec<i32> = labels.iter().map(|l| teeth.binary_search(l).map_or(0, |i| i as i32 + 1)).collect();
    for b in &scan_bodies {
        for &v in &b.vertices {
            instances[v as usize] = b.instance;
        }
    }
    let dentition = Dentition::from_labels(mesh, &labels, frame.jaw, frame.occlusal);
    Segmentation { frame, labels, instances, teeth, dentition, scan_bodies }
}

fn eval(c: &[f64; 5], u: f64) -> f64 {
    c[0] + u * (c[1] + u * (c[2] + u * (c[3] + u * c[4])))
}

fn fit_quartic(top: &[&Vector3<f64>]) -> [f64; 5] {
    let mut a = nalgebra::SMatrix::<f64, 5, 5>::zeros();
    let mut b = nalgebra::SVector::<f64, 5>::zeros();
    for l in top {
        let u = l.x / 30.0; // scaled for conditioning
        let row = nalgebra::SVector::<f64, 5>::from([1.0, u, u * u, u * u * u, u * u * u * u]);
        a += row * row.transpose();
        b += row * l.y;
    }
    let x = a.lu().solve(&b).unwrap_or_else(nalgebra::SVector::zeros);
    [x[0], x[1] / 30.0, x[2] / 900.0, x[3] / 27_000.0, x[4] / 810_000.0]
}

/// Largest value within ±`k` bins (empty bins are skipped).
fn smooth_max(v: &[f64], k: usize) -> Vec<f64> {
    (0..v.len())
        .map(|i| v[i.saturating_sub(k)..(i + k + 1).min(v.len())].iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect()
}

/// Missing values taken from `fallback`, then a running median of three.
fn fill_and_median(v: &[f64], fallback: Vec<f64>) -> Vec<f64> {
    let f: Vec<f64> = v.iter().zip(&fallback).map(|(a, b)| if a.is_finite() { *a } else { *b }).collect();
    (0..f.len())
        .map(|i| {
            let mut w: Vec<f64> = f[i.saturating_sub(1)..(i + 2).min(f.len())].to_vec();
            w.sort_by(f64::total_cmp);
            w[w.len() / 2]
        })
        .collect()
}

/// Removes tooth pieces of under 1 % of the tooth surface and fills gingiva islands inside teeth.
fn clean_regions(adj: &crate::mesh::Csr, tooth: &mut [bool]) {
    let total = tooth.iter().filter(|t| **t).count().max(1);
    for want in [true, false] {
        let mut seen = vec![false; tooth.len()];
        for start in 0..tooth.len() {
            if seen[start] || tooth[start] != want {
                continue;
            }
            let mut comp = vec![start];
            seen[start] = true;
            let mut i = 0;
            while i < comp.len() {
                for &nb in adj.row(comp[i] as usize) {
                    let nb = nb as usize;
                    if !seen[nb] && tooth[nb] == want {
                        seen[nb] = true;
                        comp.push(nb);
                    }
                }
                i += 1;
            }
            let small = if want { comp.len() * 100 < total } else { comp.len() < 60 };
            if small {
                for v in comp {
                    tooth[v] = !want;
                }
            }
        }
    }
}

/// Area around each vertex: a third of each adjacent triangle's area (mm²).
fn vertex_areas(mesh: &Mesh) -> Vec<f64> {
    let mut a = vec![0.0; mesh.vertex_count()];
    for (f, t) in mesh.triangles().iter().enumerate() {
        let third = mesh.face_area_vector(f).norm() / 6.0;
        for &v in t {
            a[v as usize] += third;
        }
    }
    a
}

/// Running mean over ±`k` bins.
fn box_smooth(v: &[f64], k: usize) -> Vec<f64> {
    (0..v.len())
        .map(|i| {
            let w = &v[i.saturating_sub(k)..(i + k + 1).min(v.len())];
            w.iter().sum::<f64>() / w.len() as f64
        })
        .collect()
}

/// Boundaries (bin indices into `cost`, the first is 0) of consecutive teeth whose widths (bins) should be
/// near `widths[p]`: minimises the boundary costs plus a penalty on relative width errors; stops after the
/// tooth that best ends the sequence (a tooth must reach past where the crowns end, or the costs say stop).
fn place_boundaries(cost: &[f64], widths: &[f64]) -> Vec<usize> {
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
    // End: the sequence whose last boundary reaches the end of the crowns (within half a tooth), fewest
    // cost per tooth; teeth beyond the crowns' end are absent.
    let mut end: Option<(f64, usize, usize)> = None;
    for p in 1..=widths.len() {
        for (k, &b) in best[p].iter().enumerate() {
            if b.is_finite() && n - 1 - k <= (widths[p - 1] * 0.5) as usize {
                let score = b / p as f64;
                if end.is_none_or(|e| score < e.0) {
                    end = Some((score, p, k));
                }
            }
        }
    }
    let Some((_, mut p, mut k)) = end else { return vec![0] };
    let mut cuts = vec![k];
    while p > 0 {
        k = from[p][k];
        p -= 1;
        cuts.push(k);
    }
    cuts.reverse();
    cuts
}
