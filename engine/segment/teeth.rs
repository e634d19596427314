//! Gingiva, teeth and FDI numbers from height and curvature along the arch.

use super::arch_line::{
    arch_coordinates, box_smooth, fill_and_median, place_boundaries, smooth_max, symmetric_midline, Placement,
};
use super::gate::SegmentError;
use super::orient::{orient_with, ArchFrame};
use super::params::SegmentParams;
use super::regions::{clean_regions, keep_largest_pieces, ring_mean, smooth_patches_to_gingiva};
use crate::dentition::{tooth_mean_width, Dentition, Jaw};
use crate::mesh::{Mesh, Topology};
use nalgebra::Vector3;

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

impl Segmentation {
    /// Names each implant's site (FDI): the site this segmentation gave the scan body whose top lies within
    /// 1 mm of the fit's, else the teeth around the platform (see [`crate::implant::site_in_dentition`]).
    pub fn name_implant_sites(&self, fits: &mut [crate::implant::ImplantFit]) {
        crate::implant::sites_from_dentition(fits, &self.dentition);
        for f in fits {
            let top = nalgebra::Point3::from(f.top);
            if let Some(b) = self.scan_bodies.iter().find(|b| (nalgebra::Point3::from(b.top) - top).norm() < 1.0) {
                f.site = b.site.or(f.site);
            }
        }
    }

    /// One tooth's surface as its own mesh (the crown as scanned, open at its gum line; the scan's frame, mm),
    /// or `None` when the tooth was not found. `mesh` is the mesh that was segmented.
    pub fn tooth_mesh(&self, mesh: &Mesh, fdi: i32) -> Option<Mesh> {
        let keep: Vec<bool> = self.labels.iter().map(|&l| l == fdi).collect();
        if !keep.contains(&true) {
            return None;
        }
        let (tooth, _) = mesh.clone().without_labels().submesh_within(&keep);
        (tooth.face_count() > 0).then_some(tooth)
    }
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

/// Width of a stretch of arch (mm along the arch curve) for the crown tips and the first gum line.
const BIN: f64 = 2.0;

/// Segments a jaw mesh (any orientation, mm), or says why it is no dental arch.
///
/// Triangles without area (a scanner's slivers, duplicated corners) are left out of the surface first; the
/// labels are still one per vertex of `mesh`.
pub fn segment(mesh: &Mesh) -> Result<Segmentation, SegmentError> {
    segment_with(mesh, &SegmentParams::default())
}

/// [`segment`] with other parameters than cusp's defaults (for evaluation and sweeps).
pub fn segment_with(mesh: &Mesh, params: &SegmentParams) -> Result<Segmentation, SegmentError> {
    super::gate::check_surface(mesh)?;
    let kept: Vec<[u32; 3]> = (0..mesh.face_count())
        .filter(|&f| mesh.face_area_vector(f).norm() > 0.0)
        .map(|f| mesh.triangles()[f])
        .collect();
    let cleaned;
    let mesh = if kept.len() < mesh.face_count() {
        cleaned = Mesh::new(mesh.positions().to_vec(), kept).expect("a subset of a valid mesh's triangles is valid");
        &cleaned
    } else {
        mesh
    };
    let topology = Topology::new(mesh);
    let curvature = mesh.curvature_with(&topology);
    let frame = orient_with(mesh, &curvature, &topology);
    super::gate::check_shape(mesh, &frame, &curvature)?;
    let n = mesh.vertex_count();
    let local: Vec<Vector3<f64>> = mesh.positions().iter().map(|p| frame.local(p)).collect();
    // 1. Arch curve through the crowns: the mean of the highest third of the surface per 4° sector seen from
    //    inside the arch (a U of any width, its sides as steep as they come), smoothed.
    let mut hs: Vec<f64> = local.iter().map(|l| l.z).collect();
    hs.sort_by(f64::total_cmp);
    let high = hs[(hs.len() as f64 * 0.7) as usize];
    let top: Vec<&Vector3<f64>> = local.iter().filter(|l| l.z >= high).collect();
    let sr = arch_coordinates(&local, &top);
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
    // Soft tissue rising far above the crowns (a flap behind the last molar, a fold of cheek or tongue caught
    // in the scan) is no crown: going outward from the apex, the tip may rise at most `tip_rise_mm` above the
    // highest tip within `tip_reference_mm` before it that was not capped itself.
    let tip = {
        let mut capped = tip.clone();
        let apex = bi(0.0) as i64;
        for dir in [1i64, -1] {
            // The tips not capped: (bin, tip).
            let mut genuine: Vec<(i64, f64)> = Vec::new();
            let mut b = apex;
            while (0..nb as i64).contains(&b) {
                let t = tip[b as usize];
                let reference = genuine
                    .iter()
                    .rev()
                    .take_while(|(k, _)| ((b - k).abs() as f64) * BIN <= params.tip_reference_mm)
                    .map(|(_, t)| *t)
                    .fold(f64::NEG_INFINITY, f64::max);
                if reference.is_finite() && t > reference + params.tip_rise_mm {
                    capped[b as usize] = reference + params.tip_rise_mm;
                } else if t.is_finite() {
                    genuine.push((b, t));
                }
                b += dir;
            }
        }
        capped
    };
    // A stretch whose highest point lies far below its neighbours' within 6 mm has no crown of its own (the
    // flat top of a model's base or the tuberosity behind the last molar, an edentulous ridge): no tooth front
    // starts there.
    let around = smooth_max(&tip, 3);
    let crowned: Vec<bool> = tip.iter().zip(&around).map(|(t, a)| *t >= a - params.crownless_drop_mm).collect();
    let own_tip = tip.clone();
    let tip = smooth_max(&tip, 2);
    // 3. A first gum line per stretch and side, from the concave height bands 2–12 mm below the tips: the
    //    deepest band at least `deep_fraction` as concave as the most concave one (the cervical third of a crown
    //    bends inward too, above the margin). It only says where tooth fronts may start (step 4).
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
    let adjacency = topology.vertex_neighbors();
    // Concavity (−κ₂ where negative, 1/mm), averaged over each vertex's ring once against scan noise.
    let concavity = ring_mean(&adjacency, &curvature.k2.iter().map(|k| (-k).max(0.0)).collect::<Vec<_>>());
    // The gum line's crease: a saddle (bending outward across, inward along — the interdental papilla rising
    // between two crowns) is less of a crease than its κ₂ alone says.
    let gum_crease = ring_mean(
        &adjacency,
        &curvature
            .k1
            .iter()
            .zip(&curvature.k2)
            .map(|(k1, k2)| (-k2 - params.saddle_relief * k1.max(0.0)).max(0.0))
            .collect::<Vec<_>>(),
    );
    // The vertices above that first gum line (where tooth fronts may start).
    let (prior, margin) = {
        let mut margin = vec![[f64::NAN; 2]; nb];
        for (b, m) in margin.iter_mut().enumerate() {
            for (side, slot) in m.iter_mut().enumerate() {
                let hist = &hists[b][side];
                let w = hist.iter().copied().fold(0.0, f64::max);
                let k = (0..hist.len()).rev().find(|&j| hist[j] >= params.deep_fraction * w);
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
        (tooth, margin)
    };
    // A tooth lower than its neighbours (tipped into a gap, infra-occluded, partly erupted) leaves a short
    // stretch with no crown by the test above between crowned ones; an edentulous ridge does too. The tooth's
    // own top stands above its gum line, the ridge's does not: such a stretch's tooth fronts start from its own
    // top instead.
    let low_tooth = {
        let mut low = vec![false; nb];
        let mut b = 0;
        while b < nb {
            if crowned[b] {
                b += 1;
                continue;
            }
            let start = b;
            while b < nb && !crowned[b] {
                b += 1;
            }
            if start > 0 && b < nb && ((b - start) as f64) * BIN <= params.low_tooth_run_mm {
                for (k, slot) in low.iter_mut().enumerate().take(b).skip(start) {
                    *slot = own_tip[k] - margin[k][0].max(margin[k][1]) >= params.low_tooth_crown_mm;
                }
            }
        }
        low
    };
    // 4. The gum line itself: tooth grows from the crown tips, gingiva from the scan's rim, from deep below the
    //    tips and from inside the arch (the palate), each front paying the surface's concavity as it goes; they
    //    meet on the concave margin. The height bands above only place the seeds.
    let crown = {
        let rim = topology.border_vertices(mesh);
        // Distance from the scan's rim along the surface (mm; infinite on a closed mesh). The soft tissue at a
        // scan's cut end (retromolar pad, tuberosity) can stand as high as the molars: no tooth front starts
        // within `rim_clear_mm` of the rim.
        let from_rim = super::fronts::distance_within(&adjacency, mesh.positions(), &rim, params.rim_clear_mm);
        let seeds: Vec<Option<u16>> = (0..n)
            .map(|v| {
                let (s, r) = sr[v];
                let below = tip[bi(s)] - local[v].z;
                let own_below = own_tip[bi(s)] - local[v].z;
                let tooth = if crowned[bi(s)] {
                    (-params.tip_above_mm..params.tip_seed_mm).contains(&below)
                } else {
                    low_tooth[bi(s)] && own_below < params.tip_seed_mm
                };
                if prior[v] && tooth && r.abs() < 6.0 && from_rim[v] >= params.rim_clear_mm {
                    Some(1)
                } else if rim[v] || below > params.gingiva_deep_mm || (r < -params.palate_inside_mm && below > 4.0) {
                    Some(0)
                } else {
                    None
                }
            })
            .collect();
        // Grooves between cusps are no gum line: near the tips the concavity bars the fronts less.
        let barrier: Vec<f64> = (0..n)
            .map(|v| {
                let below = tip[bi(sr[v].0)] - local[v].z;
                let w = ((below - params.fissure_depth_mm.0) / (params.fissure_depth_mm.1 - params.fissure_depth_mm.0))
                    .clamp(params.fissure_weight, 1.0);
                gum_crease[v] * w
            })
            .collect();
        let grown = super::fronts::grow(&adjacency, mesh.positions(), &barrier, params.front_floor, &seeds);
        let mut c: Vec<bool> = grown.iter().map(|l| *l == Some(1)).collect();
        // A scan cut at the crowns (teeth only, as some exports are) has no gingiva: the fronts from its rim
        // then meet the teeth's anywhere on the crowns, on no crease; grown again without the rim's seeds.
        let edge: Vec<usize> = (0..n).filter(|&v| c[v] && adjacency.row(v).iter().any(|&u| !c[u as usize])).collect();
        let crease = edge.iter().map(|&v| concavity[v]).sum::<f64>() / edge.len().max(1) as f64;
        // Or the gingiva found is a band along the rim of a scan cut through the crowns' cervical third: its
        // area over the border's length is the band's mean width (only measured when the crease has not
        // decided already, and only a scan with a rim has one).
        let band = || {
            let varea = mesh.vertex_areas();
            let gum_area: f64 = (0..n).filter(|&v| !c[v]).map(|v| varea[v]).sum();
            let p = mesh.positions();
            let border: f64 = topology
                .boundary_edges()
                .iter()
                .map(|&e| topology.edges[e])
                .filter(|[a, b]| rim[*a as usize] && rim[*b as usize])
                .map(|[a, b]| (p[a as usize] - p[b as usize]).norm())
                .sum();
            gum_area < params.rim_band_mm * border
        };
        let no_gum_line = crease < params.margin_crease_min || (rim.contains(&true) && band());
        if !edge.is_empty() && no_gum_line {
            let seeds: Vec<Option<u16>> =
                seeds.iter().zip(&rim).map(|(s, r)| if *r && *s == Some(0) { None } else { *s }).collect();
            let grown = super::fronts::grow(&adjacency, mesh.positions(), &concavity, params.front_floor, &seeds);
            c = grown.iter().map(|l| *l != Some(0)).collect();
        }
        clean_regions(&adjacency, &mut c);
        c
    };
    // The arch curve again, now through the crowns found (the first ran through the highest third of the
    // surface, which in front can include the palate behind the incisors and put the curve lingual to them,
    // shortening their stretch of arch against the widths expected).
    let crowns: Vec<&Vector3<f64>> = (0..n).filter(|&v| crown[v]).map(|v| &local[v]).collect();
    let sr = if crowns.len() >= 100 { arch_coordinates(&local, &crowns) } else { sr };
    // 5. Split the crowns where they are narrowest and lowest along the arch (the embrasures), placing one
    //    boundary per tooth by dynamic programming with the expected mesio-distal widths, outward from the
    //    midline on each side: this also numbers the teeth.
    let fine = 0.25;
    let (smin, smax) = (0..n)
        .filter(|&v| crown[v])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(sr[v].0), b.max(sr[v].0)));
    if !smin.is_finite() {
        let dentition = Dentition { jaw: frame.jaw, teeth: Vec::new() };
        return Ok(Segmentation {
            frame,
            labels: vec![0; n],
            instances: vec![0; n],
            teeth: Vec::new(),
            dentition,
            scan_bodies: Vec::new(),
        });
    }
    let nf = ((smax - smin) / fine).ceil() as usize + 1;
    let fb = |s: f64| (((s - smin) / fine).floor().max(0.0) as usize).min(nf - 1);
    let mut area = vec![0.0f64; nf];
    let mut height = vec![f64::NEG_INFINITY; nf];
    let varea = mesh.vertex_areas();
    let mut groove = vec![0.0f64; nf];
    for v in (0..n).filter(|&v| crown[v]) {
        let k = fb(sr[v].0);
        area[k] += varea[v];
        height[k] = height[k].max(local[v].z);
        groove[k] += varea[v] * concavity[v];
    }
    // Mean concavity of the crowns per stretch: high in the embrasures, where neighbours' walls meet in grooves.
    let groove: Vec<f64> = box_smooth(&groove, 2)
        .iter()
        .zip(&box_smooth(&area, 2))
        .map(|(g, a)| if *a > 0.0 { g / a } else { f64::NAN })
        .collect();
    let gmax = groove.iter().copied().filter(|g| g.is_finite()).fold(0.0, f64::max).max(1e-12);
    // No crown at all is the surest gap between teeth.
    let groove: Vec<f64> = groove.iter().map(|g| if g.is_finite() { *g } else { gmax }).collect();
    let area = box_smooth(&area, 2);
    let hfilled: Vec<f64> = height.iter().map(|h| if h.is_finite() { *h } else { f64::NAN }).collect();
    let hmin = hfilled.iter().copied().filter(|h| h.is_finite()).fold(f64::INFINITY, f64::min);
    let height = box_smooth(&hfilled.iter().map(|h| if h.is_finite() { *h } else { hmin }).collect::<Vec<_>>(), 2);
    let amax = area.iter().copied().fold(0.0, f64::max).max(1e-12);
    let (hlo, hhi) = height.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &h| (a.min(h), b.max(h)));
    // A boundary is cheap where the crowns are narrow, low and grooved.
    let cost: Vec<f64> = (0..nf)
        .map(|k| {
            0.3 * area[k] / amax + 0.2 * (height[k] - hlo) / (hhi - hlo).max(1e-9) + 0.5 * (1.0 - groove[k] / gmax)
        })
        .collect();
    let s_of = |k: usize| smin + (k as f64 + 0.5) * fine;
    // The midline: the boundary within `midline_search_mm` of where the crowns' mirror axis crosses the arch that
    // places the teeth on both sides most cheaply. When no crown reaches that point (the arch curve runs in
    // front of the incisors), the incisors project to either side of an empty stretch: the midline is its
    // middle and each side starts where the crowns do.
    let empty = |k: usize| area[k] <= 1e-9;
    let quadrant = |right: bool| match (frame.jaw, right) {
        (Jaw::Upper, true) => 1,
        (Jaw::Upper, false) => 2,
        (Jaw::Lower, false) => 3,
        (Jaw::Lower, true) => 4,
    };
    // Teeth on one side of a midline: bins outward from it, and the boundaries placed along them.
    let place_side = |right: bool, start: usize| -> (Vec<usize>, Placement) {
        let side: Vec<usize> = if right { (start..nf).collect() } else { (0..=start).rev().collect() };
        let q = quadrant(right);
        let widths: Vec<f64> = (1..=8).map(|p| tooth_mean_width(q * 10 + p) / fine).collect();
        let placed = place_boundaries(&side.iter().map(|&k| cost[k]).collect::<Vec<_>>(), &widths);
        (side, placed)
    };
    // Where the arch's mirror axis crosses it: the arch's most anterior point is only that when the frame's
    // anterior axis happens to be the arch's axis of symmetry.
    let centre = symmetric_midline(&local, &crown, &sr, params);
    let (mid, gap) = if empty(fb(centre)) {
        let (mut a, mut b) = (fb(centre), fb(centre));
        while a > 0 && empty(a - 1) {
            a -= 1;
        }
        while b + 1 < nf && empty(b + 1) {
            b += 1;
        }
        ((a + b) / 2, Some((a, b)))
    } else {
        // The boundary near the arch's apex that, with the teeth placed outward from it on both sides, costs
        // least per tooth: the most anterior point of the arch can be half an incisor off the midline, and a
        // midline through a central incisor leaves two narrow incisors the width prior rejects.
        let per_tooth = |k: usize| {
            let (r, l) = (place_side(true, k).1, place_side(false, k).1);
            let drift = (s_of(k) - centre) / tooth_mean_width(quadrant(true) * 10 + 1);
            (cost[k] + r.cost + l.cost) / (r.teeth + l.teeth).max(1) as f64 + params.midline_drift * drift * drift
        };
        let m = (0..nf)
            .filter(|&k| (s_of(k) - centre).abs() <= params.midline_search_mm)
            .map(|k| (per_tooth(k), k))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map_or_else(|| fb(centre), |(_, k)| k);
        (m, None)
    };
    let mut bounds: Vec<(f64, f64, i32)> = Vec::new(); // (from s, to s, FDI)
    for right in [true, false] {
        let q = quadrant(right);
        let start = match (right, gap) {
            (true, Some((_, b))) => b,
            (false, Some((a, _))) => a,
            _ => mid,
        };
        let (side, placed) = place_side(right, start);
        for (p, w) in placed.cuts.windows(2).enumerate() {
            let (a, b) = (s_of(side[w[0]]), s_of(side[w[1].min(side.len() - 1)]));
            bounds.push((a.min(b), a.max(b), q * 10 + p as i32 + 1));
        }
    }
    // Gingiva behind the last molar can pass for one more tooth: it has no crown rising to the occlusal
    // level. A side's last tooth whose highest point is more than `last_tooth_drop_mm` below the tooth before
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
                if top_of(b) < top_of(a) - params.last_tooth_drop_mm {
                    bounds.retain(|x| x.2 != last);
                }
            }
        }
    }
    // A second molar much narrower along the arch than the first molar before it, with a third molar after it,
    // is one long molar cut in two (the placement's cheapest cut can run through a molar's transverse groove):
    // the two are one second molar.
    for q in [quadrant(true), quadrant(false)] {
        let at = |p: i32| bounds.iter().position(|b| b.2 == q * 10 + p);
        if let (Some(i6), Some(i7), Some(i8)) = (at(6), at(7), at(8)) {
            let width = |i: usize| bounds[i].1 - bounds[i].0;
            if width(i7) < params.split_molar_ratio * width(i6) {
                bounds[i7] = (bounds[i7].0.min(bounds[i8].0), bounds[i7].1.max(bounds[i8].1), bounds[i7].2);
                bounds.remove(i8);
            }
        }
    }
    let fdi_at = |s: f64| bounds.iter().find(|b| s >= b.0 && s < b.1).map_or(0, |b| b.2);
    // 6. Each tooth grows over the crowns from the middle of its stretch of arch; neighbours meet in the
    //    concave embrasure between them, not on a straight cut across the arch.
    let core = |b: &(f64, f64, i32), s: f64| {
        let margin = params.core_fraction * (b.1 - b.0);
        s >= b.0 + margin && s < b.1 - margin
    };
    let seeds: Vec<Option<u16>> =
        (0..n).map(|v| bounds.iter().find(|b| crown[v] && core(b, sr[v].0)).map(|b| b.2 as u16)).collect();
    let walls: Vec<f64> = (0..n).map(|v| if crown[v] { concavity[v] } else { f64::INFINITY }).collect();
    let grown = super::fronts::grow(&adjacency, mesh.positions(), &walls, params.front_floor, &seeds);
    let mut labels: Vec<i32> = grown.iter().map(|l| l.map_or(0, i32::from)).collect();
    smooth_patches_to_gingiva(&adjacency, mesh.positions(), &concavity, params, &mut labels);
    keep_largest_pieces(&adjacency, &varea, &mut labels);
    // A sliver is no tooth (a neighbour's flank reaching into a gap, numbered for the gap): an instance with
    // less than `sliver_fraction` of the median tooth's surface is gingiva.
    {
        let mut tooth_area: std::collections::BTreeMap<i32, f64> = std::collections::BTreeMap::new();
        for (v, &l) in labels.iter().enumerate() {
            if l != 0 {
                *tooth_area.entry(l).or_default() += varea[v];
            }
        }
        let mut areas: Vec<f64> = tooth_area.values().copied().collect();
        areas.sort_by(f64::total_cmp);
        if let Some(&median) = areas.get(areas.len() / 2) {
            let sliver = |l: &i32| tooth_area.get(l).is_some_and(|&a| a < params.sliver_fraction * median);
            labels.iter_mut().filter(|l| sliver(l)).for_each(|l| *l = 0);
        }
    }
    // 7. Scan bodies are not teeth: each found cylinder becomes its own instance (100, 101, …), and the site it
    //    sits on is the tooth position the arch placement gave its surface.
    let mut scan_bodies = Vec::new();
    for (k, c) in crate::implant::detect_cylinders_with(mesh, &topology).into_iter().enumerate() {
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
    Ok(Segmentation { frame, labels, instances, teeth, dentition, scan_bodies })
}

/// The teeth of a jaw: from its labels when there are some (the occlusal direction from the arch's frame),
/// else segmented. Per-vertex FDI labels and the [`Dentition`] built on them, mesh frame.
pub fn teeth_of(
    mesh: &Mesh,
    labels: Option<&crate::io::Teeth3dsLabels>,
) -> Result<(Vec<i32>, Dentition), SegmentError> {
    Ok(match labels {
        Some(l) => {
            let occlusal = super::orient(mesh).occlusal;
            (l.labels.clone(), Dentition::from_labels(mesh, &l.labels, l.jaw, occlusal))
        }
        None => {
            let seg = segment(mesh)?;
            (seg.labels, seg.dentition)
        }
    })
}
