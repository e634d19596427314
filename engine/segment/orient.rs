//! The arch's own frame from geometry alone: occlusal direction, anterior, patient right, and which jaw.

use crate::dentition::Jaw;
use crate::mesh::Mesh;
use nalgebra::{Matrix3, Point3, SymmetricEigen, Vector3};

/// Frame of a dental arch found from its shape (mesh frame, mm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArchFrame {
    /// Centroid of the surface.
    pub origin: Point3<f64>,
    /// Unit vector toward the patient's right.
    pub right: Vector3<f64>,
    /// Unit vector toward the front (incisors).
    pub anterior: Vector3<f64>,
    /// Unit vector from the gums toward the crowns' tips (up for a lower jaw, down for an upper).
    pub occlusal: Vector3<f64>,
    /// Upper (a palate closes the arch) or lower (open for the tongue).
    pub jaw: Jaw,
    /// How clearly: the jaw score (lingual tilt plus weighted palate, dimensionless) less the threshold
    /// between the jaws — positive for an upper, negative for a lower; near 0 the call is weak.
    pub jaw_margin: f64,
}

impl ArchFrame {
    /// Coordinates of `p` in this frame: (right, anterior, occlusal), mm.
    pub fn local(&self, p: &Point3<f64>) -> Vector3<f64> {
        let d = p - self.origin;
        Vector3::new(d.dot(&self.right), d.dot(&self.anterior), d.dot(&self.occlusal))
    }
}

/// Finds the arch frame of a jaw scan or model.
pub fn orient(mesh: &Mesh) -> ArchFrame {
    orient_with(mesh, &mesh.curvature(), &crate::mesh::Topology::new(mesh))
}

/// [`orient`] with the mesh's curvature and topology already computed (segmentation needs them too).
pub(crate) fn orient_with(mesh: &Mesh, curvature: &crate::mesh::Curvature, topo: &crate::mesh::Topology) -> ArchFrame {
    let samples = mesh.sample_surface(30_000, 17);
    let pts: Vec<Point3<f64>> = samples.iter().map(|s| s.point).collect();
    if pts.is_empty() {
        // No surface to sample (every triangle without area): the mesh frame, centred on the vertices. Whoever
        // needs a jaw from it refuses it first (`segment`'s checks).
        let n = mesh.vertex_count().max(1) as f64;
        let origin = Point3::from(mesh.positions().iter().fold(Vector3::zeros(), |a, p| a + p.coords) / n);
        return ArchFrame {
            origin,
            right: Vector3::x(),
            anterior: Vector3::y(),
            occlusal: Vector3::z(),
            jaw: Jaw::Lower,
            jaw_margin: 0.0,
        };
    }
    let n = pts.len().max(1) as f64;
    let c = pts.iter().fold(Vector3::zeros(), |a, p| a + p.coords) / n;
    let cov = pts.iter().fold(Matrix3::zeros(), |a, p| {
        let d = p.coords - c;
        a + d * d.transpose()
    }) / n;
    let eig = SymmetricEigen::new(cov);
    let mut order = [0usize, 1, 2];
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let axis = |k: usize| -> Vector3<f64> { eig.eigenvectors.column(order[k]).into_owned() };
    let (e0, e1, mut up) = (axis(0), axis(1), axis(2));
    // Crowns are where the surface bends most (cusps, fissures, embrasures): they are on the occlusal side.
    let hmean =
        mesh.positions().iter().map(|p| (p.coords - c).dot(&up)).sum::<f64>() / mesh.vertex_count().max(1) as f64;
    let vote: f64 = mesh
        .positions()
        .iter()
        .zip(&curvature.mean)
        .map(|(p, h)| (h.abs() - 0.3).max(0.0) * ((p.coords - c).dot(&up) - hmean))
        .sum();
    // An open scan's rim (its cut border) lies on the gingival side, below the crowns: where there is one, it
    // decides (a ragged cut border bends as much as the crowns do, which misleads the curvature vote).
    let rim = rim_height(mesh, topo, &c, &up, hmean);
    let flip = match rim {
        Some((h, _)) if h.abs() > RIM_DECISIVE_MM => h > 0.0,
        _ => vote < 0.0,
    };
    if flip {
        up = -up;
    }
    // In the occlusal plane the arch is a U: fit v = a·u² + b·u + c to the upper third of the surface; the
    // apex of the parabola is the front.
    let hs: Vec<f64> = pts.iter().map(|p| (p.coords - c).dot(&up)).collect();
    let mut sorted = hs.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted[(sorted.len() as f64 * 0.65) as usize];
    let top: Vec<(f64, f64)> = pts
        .iter()
        .zip(&hs)
        .filter(|(_, h)| **h >= cut)
        .map(|(p, _)| ((p.coords - c).dot(&e0), (p.coords - c).dot(&e1)))
        .collect();
    let (mut s, mut t) = (nalgebra::Matrix3::<f64>::zeros(), nalgebra::Vector3::<f64>::zeros());
    for &(u, v) in &top {
        let row = nalgebra::Vector3::new(u * u, u, 1.0);
        s += row * row.transpose();
        t += row * v;
    }
    let (a, b, c0) = s.lu().solve(&t).map_or((0.0, 0.0, 0.0), |x| (x[0], x[1], x[2]));
    let anterior = if a < 0.0 { e1 } else { -e1 };
    // Upper jaws have a palate inside the arch, behind the incisors; lower jaws are open there.
    let (vmin, vmax) = top.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, v)| {
        let v = if a < 0.0 { v } else { -v };
        (lo.min(v), hi.max(v))
    });
    let inside_v = vmax - 0.55 * (vmax - vmin);
    let inside = pts
        .iter()
        .filter(|p| {
            let d = p.coords - c;
            let v = d.dot(&anterior);
            d.dot(&e0).abs() < 6.0 && (v - inside_v).abs() < 6.0
        })
        .count();
    // Two cues, one score: the posterior crowns' lingual side leaning toward the occlusal direction, and
    // surface inside the arch behind the incisors (a palate — or a lower scan's tongue side, so it only adds).
    let tilt = lingual_tilt(&samples, &c, &up, &e0, &anterior, (a, b, c0));
    let jaw_margin = tilt + PALATE_WEIGHT * inside as f64 / n - UPPER_SCORE;
    let jaw = if jaw_margin > 0.0 { Jaw::Upper } else { Jaw::Lower };
    // RAS: right = anterior × superior; superior is the occlusal direction for a lower jaw, its opposite for an upper.
    let superior = if jaw == Jaw::Lower { up } else { -up };
    let right = anterior.cross(&superior).normalize();
    ArchFrame { origin: Point3::from(c), right, anterior, occlusal: up, jaw, jaw_margin }
}

/// Length-weighted mean height along `up` of the mesh's boundary edges relative to `hmean` (mm), when the
/// boundary is long enough to be a scan's cut border (a closed model, or a few small holes, give `None`).
fn rim_height(
    mesh: &Mesh,
    topo: &crate::mesh::Topology,
    c: &Vector3<f64>,
    up: &Vector3<f64>,
    hmean: f64,
) -> Option<(f64, f64)> {
    let border = topo.border_vertices(mesh);
    let p = mesh.positions();
    let (mut len, mut sum) = (0.0, 0.0);
    for e in topo.boundary_edges() {
        let [a, b] = topo.edges[e];
        if !(border[a as usize] && border[b as usize]) {
            continue;
        }
        let (pa, pb) = (p[a as usize].coords, p[b as usize].coords);
        let l = (pa - pb).norm();
        len += l;
        sum += l * ((0.5 * (pa + pb) - c).dot(up) - hmean);
    }
    (len > RIM_MIN_LENGTH_MM).then(|| (sum / len, len))
}

/// The rim decides the occlusal side when its mean height is this far (mm) from the surface's mean. Measured on
/// the 16 labelled real arches: 2.8–6.4 mm on the gingival side for every scan with gingiva, 0.4 mm for a
/// teeth-only export (its rim is the crowns' cervical line), where the curvature vote decides.
const RIM_DECISIVE_MM: f64 = 1.5;

/// A boundary shorter than this (mm) is holes, not a scan's cut border.
const RIM_MIN_LENGTH_MM: f64 = 40.0;

/// An arch is an upper when its lingual tilt ([`lingual_tilt`]) plus PALATE_WEIGHT times the fraction of its
/// surface inside the arch behind the incisors exceeds this. Upper molars lean buccally and the palatal gingiva
/// slopes up into the vault, so an upper's lingual side faces the occlusal direction far more than its buccal
/// side; lower molars lean lingually (the curve of Wilson) and the lingual gingiva drops steeply to the floor of
/// the mouth. Measured (tilt; inside fraction), as stored and trimmed 9 mm below the tips: real uppers 0.17–0.69
/// (0–0.06), real lowers −0.42–0.14 (0, but 0.011–0.0135 for one whose tongue side was scanned, tilt −0.14);
/// phantom uppers 0.01–0.20 (0.020–0.026), phantom lowers −0.18–−0.07 (0). Scores: uppers ≥ 0.168, lowers
/// ≤ 0.142 — a narrow margin that the crowns' widths check after placement (see `segment`).
pub const UPPER_SCORE: f64 = 0.15;
/// Weight of the inside-the-arch fraction in the jaw score (a palate covers 2–6 % of an upper's surface there).
const PALATE_WEIGHT: f64 = 8.0;

/// How much more the lingual side of the posterior crowns and the gingiva just below them faces the occlusal
/// direction than the buccal side: the difference of mean normal · occlusal over the band 3–8 mm below the
/// local crown tips, more than 18 mm along the arch from its apex, lingual / buccal = over 3 mm inside /
/// outside the arch curve `v = a·u² + b·u + c` fitted in the (`e0`, `anterior`) plane through `centre`.
/// Measured values: see [`UPPER_SCORE`].
fn lingual_tilt(
    samples: &[crate::mesh::SurfaceSample],
    centre: &Vector3<f64>,
    up: &Vector3<f64>,
    e0: &Vector3<f64>,
    anterior: &Vector3<f64>,
    (a, b, c): (f64, f64, f64),
) -> f64 {
    use crate::arch::ArchCurve;
    use nalgebra::Point2;
    // The fit was made with the anterior axis possibly reversed; the apex is the front.
    let sign = if a < 0.0 { 1.0 } else { -1.0 };
    let apex = if a.abs() > 1e-9 { -b / (2.0 * a) } else { 0.0 };
    let local: Vec<Vector3<f64>> = samples
        .iter()
        .map(|s| {
            let d = s.point.coords - centre;
            Vector3::new(d.dot(e0) - apex, d.dot(anterior), d.dot(up))
        })
        .collect();
    let (umin, umax) = local.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), l| (lo.min(l.x), hi.max(l.x)));
    if umax.partial_cmp(&umin) != Some(std::cmp::Ordering::Greater) {
        return 0.0;
    }
    let curve = ArchCurve::from_points(
        (0..=200)
            .map(|i| umin + (umax - umin) * i as f64 / 200.0)
            .map(|u| Point2::new(u, sign * (a * (u + apex) * (u + apex) + b * (u + apex) + c)))
            .collect(),
    );
    let sr: Vec<(f64, f64)> = local.iter().map(|l| curve.project(&Point2::new(l.x, l.y))).collect();
    const BIN: f64 = 4.0;
    let bin = |s: f64| ((s + 100.0) / BIN).clamp(0.0, 49.0) as usize;
    let mut tip = [f64::NEG_INFINITY; 50];
    for (l, (s, r)) in local.iter().zip(&sr) {
        if r.abs() < 5.0 {
            tip[bin(*s)] = tip[bin(*s)].max(l.z);
        }
    }
    let mut sum = [[0.0f64; 2]; 2];
    for ((smp, l), (s, r)) in samples.iter().zip(&local).zip(&sr) {
        if s.abs() < 18.0 || !(3.0..8.0).contains(&(tip[bin(*s)] - l.z)) {
            continue;
        }
        let side = if *r < -3.0 {
            0
        } else if *r > 3.0 {
            1
        } else {
            continue;
        };
        sum[side][0] += smp.normal.dot(up);
        sum[side][1] += 1.0;
    }
    let mean = |k: usize| sum[k][0] / sum[k][1].max(1.0);
    mean(0) - mean(1)
}
