//! Bite registration from a buccal scan: the patient bites, the clinician scans a patch of both jaws from
//! the cheek side, and each jaw — scanned separately, each in its own frame — is registered onto the patch
//! (a search along the jaw's buccal outline, then ICP with the shared registration core). The two fits
//! together bring the lower jaw into the upper jaw's frame.

use crate::mesh::Mesh;
use crate::registration::{icp, voxel_downsample, IcpOptions, Kernel, Target};
use nalgebra::{Isometry3, Matrix3, Point3, Translation3, UnitQuaternion, Vector3};
use rayon::prelude::*;
use serde::Serialize;

/// How well one jaw fits the bite patch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JawFit {
    /// Transform from the jaw's own frame to the patch's frame.
    #[serde(skip)]
    pub patch_from_jaw: Isometry3<f64>,
    /// RMS distance (µm) of the patch points attributed to this jaw to its surface, after the fit.
    pub rms_um: f64,
    /// Patch points attributed to this jaw (within 0.1 mm of it after the fit).
    pub patch_points: usize,
    /// Fraction of the patch these points are.
    pub patch_fraction: f64,
    /// Fraction of the (searched part of the) patch within 0.3 mm of this jaw after the best quick search fit.
    pub search_score: f64,
}

/// The bite: where the lower jaw sits in the upper jaw's frame, with the quality of both fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BiteRegistration {
    /// Transform taking lower-jaw coordinates into the upper jaw's frame.
    #[serde(skip)]
    pub upper_from_lower: Isometry3<f64>,
    /// Fit of the upper jaw onto the patch.
    pub upper: JawFit,
    /// Fit of the lower jaw onto the patch.
    pub lower: JawFit,
}

/// Why a bite could not be registered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BiteError {
    /// The patch or a jaw has too little surface.
    #[error("the {0} has too little surface to register a bite")]
    TooSmall(&'static str),
    /// The bite scan shows no teeth.
    #[error(
        "the bite scan shows no teeth: {creased_percent:.2} % of it is creased (a scan of teeth has ≥ {min_percent} %: \
         embrasures, gum line, fissures) — a flat or smooth surface is no bite record"
    )]
    NoTeeth {
        /// Share of the patch bending inward more than 1/5 mm⁻¹ (%).
        creased_percent: f64,
        /// The least a scan of teeth shows (%).
        min_percent: f64,
    },
    /// A jaw was not found in the patch.
    #[error(
        "the {jaw} jaw was not found in the bite scan: only {matched} of the patch's points lie on it \
         (at least {needed} needed) — does the bite scan show the {jaw} teeth?"
    )]
    NotFound {
        /// Which jaw.
        jaw: &'static str,
        /// Patch points on it after the fit.
        matched: usize,
        /// Points needed.
        needed: usize,
    },
}

/// Oriented points of a mesh: its vertices and unit vertex normals.
fn oriented(mesh: &Mesh) -> (Vec<Point3<f64>>, Vec<Vector3<f64>>) {
    (mesh.positions().to_vec(), mesh.vertex_normals())
}

/// Distance (mm) from `p` to the surface near its nearest target sample: along that sample's normal.
fn surface_distance(target: &Target, p: &Point3<f64>) -> f64 {
    match target.nearest(p) {
        Some((j, d)) => target.normal(j).map_or(d, |n| (p - target.points()[j]).dot(&n).abs().max(d - 0.1)),
        None => f64::INFINITY,
    }
}

/// ICP of `patch` points onto `jaw` from `jaw_from_patch`, coarse to fine with Tukey weights.
fn refine(patch: &[Point3<f64>], jaw: &Target, jaw_from_patch: Isometry3<f64>) -> Isometry3<f64> {
    let mut t = jaw_from_patch;
    for (gate, kernel) in [(1.5, 0.5), (0.5, 0.2), (0.2, 0.08)] {
        let opts = IcpOptions {
            max_distance_mm: gate,
            kernel: Kernel::Tukey(kernel),
            trim_fraction: 0.0,
            max_iterations: 30,
            ..IcpOptions::default()
        };
        t = icp(patch, jaw, &t, &opts).target_from_source;
    }
    t
}

/// The patch's own axes: its centre, mean normal (toward the scanner: buccal), the long axis across it (along
/// the arch) and the third axis completing a right-handed frame.
fn patch_axes(points: &[Point3<f64>], normals: &[Vector3<f64>]) -> (Point3<f64>, Matrix3<f64>) {
    let mean = Point3::from(points.iter().fold(Vector3::zeros(), |a, p| a + p.coords) / points.len().max(1) as f64);
    // The patch curves with the arch, so its centroid lies inside the arch: its centre is the patch point
    // nearest the centroid instead, on the surface in the middle of the patch.
    let c = points
        .iter()
        .copied()
        .min_by(|a, b| (a - mean).norm_squared().total_cmp(&(b - mean).norm_squared()))
        .unwrap_or(mean);
    let n = normals.iter().fold(Vector3::zeros(), |a, v| a + v).try_normalize(1e-12).unwrap_or(Vector3::z());
    let mut cov = Matrix3::zeros();
    for p in points {
        let d = (p - mean) - n * (p - mean).dot(&n);
        cov += d * d.transpose();
    }
    let e = cov.symmetric_eigen();
    let k = e.eigenvalues.imax();
    let along = (e.eigenvectors.column(k) - n * e.eigenvectors.column(k).dot(&n)).normalize();
    (c, Matrix3::from_columns(&[n, along, n.cross(&along)]))
}

/// Starting placements of the patch on a jaw: along the buccal outline of the jaw's cusp tips (points about
/// 2 mm apart, from its arch frame), the patch's centre on the outline, its mean normal along the outline's
/// outward direction and its long axis along the outline (either way; which way up is left to ICP and the
/// choice of the pair).
fn starts(jaw: &Mesh, patch_centre: Point3<f64>, patch_frame: &Matrix3<f64>) -> Vec<Isometry3<f64>> {
    let f = crate::segment::orient(jaw);
    let local: Vec<Vector3<f64>> = jaw.positions().iter().map(|p| f.local(p)).collect();
    // The outline: per 3° of direction about the arch centre, the outermost point within 2 mm of the
    // highest (most occlusal) point in that direction — the buccal cusp tips, following the curve of Spee.
    if local.is_empty() {
        return Vec::new();
    }
    let centre = local.iter().fold(Vector3::zeros(), |a, l| a + l) / local.len() as f64;
    let bin_of = |l: &Vector3<f64>| {
        let a = (l.y - centre.y).atan2(l.x - centre.x);
        (((a + std::f64::consts::PI) / std::f64::consts::TAU * 120.0) as usize).min(119)
    };
    let mut top = vec![f64::NEG_INFINITY; 120];
    for l in &local {
        let b = bin_of(l);
        top[b] = top[b].max(l.z);
    }
    let mut outline: Vec<Option<(f64, Vector3<f64>)>> = vec![None; 120];
    for l in &local {
        let b = bin_of(l);
        if l.z > top[b] - 2.0 {
            let r = (l.x - centre.x).hypot(l.y - centre.y);
            if outline[b].is_none_or(|o| r > o.0) {
                outline[b] = Some((r, *l));
            }
        }
    }
    let pts: Vec<Vector3<f64>> = outline.into_iter().flatten().map(|o| o.1).collect();
    let to_world = |v: Vector3<f64>| f.right * v.x + f.anterior * v.y + f.occlusal * v.z;
    let mut out = Vec::new();
    for i in 0..pts.len() {
        let (prev, next) = (pts[(i + pts.len() - 1) % pts.len()], pts[(i + 1) % pts.len()]);
        let tangent = Vector3::new(next.x - prev.x, next.y - prev.y, 0.0);
        let Some(tangent) = tangent.try_normalize(1e-9) else { continue };
        let mut outward = Vector3::new(tangent.y, -tangent.x, 0.0);
        if outward.dot(&Vector3::new(pts[i].x - centre.x, pts[i].y - centre.y, 0.0)) < 0.0 {
            outward = -outward;
        }
        let (n, along) = (to_world(outward), to_world(tangent));
        // The patch's centre is where the jaws meet: on an upper jaw's buccal cusps, or up to 2.5 mm outside
        // a lower jaw's (the upper overlaps them) and up to 2 mm beyond their tips.
        for (sign, out_mm, up_mm) in start_offsets() {
            let q = f.origin + to_world(pts[i]) + n * out_mm + f.occlusal * up_mm;
            let jaw_axes = Matrix3::from_columns(&[n, along * sign, n.cross(&(along * sign))]);
            let r = nalgebra::Rotation3::from_matrix_unchecked(jaw_axes * patch_frame.transpose());
            let rot = UnitQuaternion::from_rotation_matrix(&r);
            out.push(Isometry3::from_parts(Translation3::from(q.coords - rot * patch_centre.coords), rot));
        }
    }
    out
}

/// Both ways along the outline × outward offset × offset beyond the tips (mm).
fn start_offsets() -> impl Iterator<Item = (f64, f64, f64)> {
    [1.0, -1.0].into_iter().flat_map(|s| [0.0, 2.5].into_iter().flat_map(move |o| [0.0, 2.0].map(move |u| (s, o, u))))
}

/// Fraction of `points` within `mm` of the jaw's surface under `jaw_from_patch`.
fn coverage(points: &[Point3<f64>], jaw: &Target, jaw_from_patch: &Isometry3<f64>, mm: f64) -> f64 {
    points.iter().filter(|p| surface_distance(jaw, &(jaw_from_patch * *p)) < mm).count() as f64
        / points.len().max(1) as f64
}

/// One jaw prepared for the search: a light surface sample for the quick fits, a dense one for the final fit.
struct JawSurface {
    name: &'static str,
    light: Target,
    dense: Target,
    starts: Vec<Isometry3<f64>>,
}

/// The best placements of `points` (part of the patch) on a jaw from every start: quick ICP (wide gate and
/// robust weights, then a 1.5 mm gate), scored by the fraction of `points` then within 0.3 mm of the jaw.
fn search(jaw: &JawSurface, points: &[Point3<f64>]) -> Vec<(f64, Isometry3<f64>)> {
    let wide = IcpOptions {
        max_distance_mm: 3.0,
        kernel: Kernel::Tukey(1.5),
        trim_fraction: 0.0,
        max_iterations: 6,
        ..IcpOptions::default()
    };
    let quick = IcpOptions { max_distance_mm: 1.5, kernel: Kernel::Tukey(0.6), max_iterations: 8, ..wide };
    let mut scored: Vec<(f64, Isometry3<f64>)> = jaw
        .starts
        .par_iter()
        .map(|s0| {
            let t = icp(points, &jaw.light, s0, &wide).target_from_source;
            let t = icp(points, &jaw.light, &t, &quick).target_from_source;
            (coverage(points, &jaw.light, &t, 0.3), t)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
}

/// Refines the best `k` placements from `search` on `points` and keeps the one with most points within
/// 0.1 mm of the jaw: (that fraction, the placement).
fn best_refined(
    jaw: &JawSurface,
    found: &[(f64, Isometry3<f64>)],
    points: &[Point3<f64>],
    k: usize,
) -> (f64, Isometry3<f64>) {
    found
        .iter()
        .take(k)
        .map(|&(_, t0)| {
            let t = refine(points, &jaw.dense, t0);
            (coverage(points, &jaw.dense, &t, 0.1), t)
        })
        .fold((f64::NEG_INFINITY, Isometry3::identity()), |a, b| if b.0 > a.0 { b } else { a })
}

/// Registers `upper` and `lower` (each in its own frame, mm) onto a buccal bite `patch` (a fused scan of
/// both jaws in occlusion, mm) and returns where the lower jaw sits in the upper jaw's frame.
///
/// No initial guess is needed: the patch is tried along the buccal outline of each jaw's cusp tips (both
/// ways, with offsets for where the jaws meet), each start refined by a quick ICP and scored by how much of
/// the patch then lies on the jaw. The jaw found more clearly is placed first; its part of the patch is then
/// set aside and the other jaw is searched on the rest only — the buccal faces of upper and lower molars look
/// alike turned upside down, and the other jaw's half of the patch would pull a fit away.
pub fn register_bite(upper: &Mesh, lower: &Mesh, patch: &Mesh) -> Result<BiteRegistration, BiteError> {
    if patch.vertex_count() < 100 {
        return Err(BiteError::TooSmall("bite scan"));
    }
    let creased_percent = crate::segment::creased_percent(patch, &patch.curvature());
    if creased_percent < crate::segment::MIN_CREASE_PERCENT {
        return Err(BiteError::NoTeeth { creased_percent, min_percent: crate::segment::MIN_CREASE_PERCENT });
    }
    let (pp, pn) = oriented(patch);
    let (centre, frame) = patch_axes(&pp, &pn);
    // The patch thinned to one point per 2 mm cell for the search, 0.4 mm for the choice, 0.2 mm for the fit.
    let probe = voxel_downsample(&pp, 2.0);
    let coarse_pts = voxel_downsample(&pp, 0.4);
    let thin = voxel_downsample(&pp, 0.2);
    let mut jaws = Vec::with_capacity(2);
    for (name, jaw) in [("upper", upper), ("lower", lower)] {
        if jaw.vertex_count() < 100 {
            return Err(BiteError::TooSmall(if name == "upper" { "upper jaw" } else { "lower jaw" }));
        }
        // Samples about 0.2 mm apart for the quick fits, 0.1 mm (closer than the finest gate) for the final.
        let (lp, ln) = jaw.oriented_samples(0.05, 20_000, 100_000, 2);
        let (jp, jn) = jaw.oriented_samples(0.01, 50_000, 400_000, 1);
        jaws.push(JawSurface {
            name,
            light: Target::new(lp, Some(ln)),
            dense: Target::new(jp, Some(jn)),
            starts: starts(jaw, centre, &frame),
        });
    }
    let found: Vec<Vec<(f64, Isometry3<f64>)>> = jaws.iter().map(|j| search(j, &probe)).collect();
    let score = |k: usize| found[k].first().map_or(0.0, |f| f.0);
    let first = if score(0) >= score(1) { 0 } else { 1 };
    let second = 1 - first;
    let (_, t_first) = best_refined(&jaws[first], &found[first], &coarse_pts, 3);
    // The rest of the patch: what does not lie on the first jaw.
    let off_first = |p: &&Point3<f64>| surface_distance(&jaws[first].dense, &(t_first * *p)) > 0.3;
    let rest_probe: Vec<Point3<f64>> = probe.iter().filter(off_first).copied().collect();
    let rest_coarse: Vec<Point3<f64>> = coarse_pts.iter().filter(off_first).copied().collect();
    if rest_probe.len() < 20 {
        return Err(BiteError::NotFound { jaw: jaws[second].name, matched: rest_probe.len(), needed: 20 });
    }
    let found_second = search(&jaws[second], &rest_probe);
    let (_, t_second) = best_refined(&jaws[second], &found_second, &rest_coarse, 3);
    let mut placed = [(Isometry3::identity(), 0.0); 2];
    placed[first] = (t_first, score(first));
    placed[second] = (t_second, found_second.first().map_or(0.0, |f| f.0));
    let fits: Vec<(&'static str, Target, Isometry3<f64>, f64)> =
        jaws.into_iter().zip(placed).map(|(j, (t, score))| (j.name, j.dense, t, score)).collect();
    // Each patch point belongs to the jaw it lies on; near the contacts both surfaces are close, so points
    // within 0.05 mm of both are left out. Then each jaw is refitted on its own points only.
    let near = |target: &Target, t: &Isometry3<f64>, p: &Point3<f64>| surface_distance(target, &(t * p));
    let own: Vec<Vec<Point3<f64>>> = (0..2)
        .map(|k| {
            let other = 1 - k;
            thin.iter()
                .filter(|p| {
                    let (d, e) = (near(&fits[k].1, &fits[k].2, p), near(&fits[other].1, &fits[other].2, p));
                    d < 0.3 && d + 0.05 < e
                })
                .copied()
                .collect()
        })
        .collect();
    let needed = (thin.len() / 10).max(50);
    let mut results = Vec::with_capacity(2);
    for (k, (name, target, t, fitness)) in fits.into_iter().enumerate() {
        if own[k].len() < needed {
            return Err(BiteError::NotFound { jaw: name, matched: own[k].len(), needed });
        }
        let r = icp(
            &own[k],
            &target,
            &t,
            &IcpOptions {
                max_distance_mm: 0.15,
                kernel: Kernel::Tukey(0.06),
                trim_fraction: 0.0,
                ..IcpOptions::default()
            },
        );
        let jaw_from_patch = r.target_from_source;
        let on: Vec<f64> =
            own[k].iter().map(|p| surface_distance(&target, &(jaw_from_patch * p))).filter(|d| *d < 0.1).collect();
        let rms = (on.iter().map(|d| d * d).sum::<f64>() / on.len().max(1) as f64).sqrt();
        results.push(JawFit {
            patch_from_jaw: jaw_from_patch.inverse(),
            rms_um: rms * 1000.0,
            patch_points: on.len(),
            patch_fraction: on.len() as f64 / thin.len() as f64,
            search_score: fitness,
        });
    }
    let (u, l) = (results[0], results[1]);
    Ok(BiteRegistration { upper_from_lower: u.patch_from_jaw.inverse() * l.patch_from_jaw, upper: u, lower: l })
}
