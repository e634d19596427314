//! Placing crowns on the arches, bringing the jaws into occlusion, building the jaw models.

use super::crown::{crown, crown_with, Crown, Recession, Reduction};
use super::gingiva::{self, GingivaInput};
use super::scanbody::{scan_body, ScanBodyModel};
use super::spec::{PhantomSpec, ToothMove};
use super::truth::{
    ContactTruth, ImplantTruth, JawTruth, MovementTruth, RecessionTruth, StageTruth, ToothTruth, Truth, WearTruth,
};
use crate::anatomy::tooth_dims;
use crate::arch::ArchCurve;
use crate::dentition::Jaw;
use crate::landmark::{Landmark, LandmarkClass};
use crate::mesh::{Mesh, SurfaceIndex};
use nalgebra::{Matrix3, Point3, Rotation3, UnitQuaternion, Vector3};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A crown at its pose: patient point = `origin + axes · local point`.
#[derive(Debug, Clone)]
pub struct PlacedTooth {
    /// FDI number.
    pub fdi: i32,
    /// The crown in its local frame.
    pub crown: Crown,
    /// Tooth-frame origin in the patient frame (mm).
    pub origin: Point3<f64>,
    /// Columns: mesial, buccal, occlusal unit axes in the patient frame (a reflection on one side of each jaw).
    pub axes: Matrix3<f64>,
    /// Whether the crown is a preparation.
    pub prepared: bool,
}

impl PlacedTooth {
    /// A local point in the patient frame.
    pub fn to_patient(&self, p: &Point3<f64>) -> Point3<f64> {
        self.origin + self.axes * p.coords
    }

    /// The closed crown in the patient frame, outward-facing.
    pub fn closed_mesh(&self) -> Mesh {
        let m = &self.crown.closed;
        let flip = self.axes.determinant() < 0.0;
        let p = m.positions().iter().map(|p| self.to_patient(p)).collect();
        let t = m.triangles().iter().map(|t| if flip { [t[0], t[2], t[1]] } else { *t }).collect();
        Mesh::new(p, t).expect("posed crown is valid")
    }

    fn truth(&self) -> ToothTruth {
        let n = self.crown.open_vertices;
        let c = self.crown.closed.positions()[..n].iter().fold(Vector3::zeros(), |a, p| a + self.to_patient(p).coords)
            / n as f64;
        let col = |k: usize| [self.axes[(0, k)], self.axes[(1, k)], self.axes[(2, k)]];
        ToothTruth {
            fdi: self.fdi,
            origin: self.origin.coords.into(),
            mesial: col(0),
            buccal: col(1),
            occlusal: col(2),
            crown_centroid: c.into(),
            md_width: 2.0 * self.crown.half_md,
            bl_width: 2.0 * self.crown.half_bl,
            crown_height: self.crown.height,
            prepared: self.prepared,
        }
    }

    /// Applies a movement given in this tooth's frame (rotation about the tooth origin).
    fn moved(&self, m: &ToothMove) -> PlacedTooth {
        let [tip, torque, rot] = m.rotation_deg.map(f64::to_radians);
        let r = crate::dentition::tooth_rotation(tip, torque, rot);
        let t = Vector3::from(m.translation_mm);
        PlacedTooth { origin: self.origin + self.axes * t, axes: self.axes * r.matrix(), ..self.clone() }
    }
}

/// A scan body placed on an implant.
#[derive(Debug, Clone)]
pub struct PlacedScanBody {
    /// Site (FDI of the missing tooth).
    pub site: i32,
    /// Library model.
    pub model: &'static ScanBodyModel,
    /// Scan-body frame: origin (top centre) in the patient frame.
    pub origin: Point3<f64>,
    /// Scan-body frame axes (x flat normal, y, z coronal axis), a proper rotation.
    pub axes: Matrix3<f64>,
    /// How far below the top face the body emerges from the soft tissue (mm).
    pub emergence: f64,
}

/// One jaw model: the mesh a scan of it would give (plus base), labels and the posed teeth.
#[derive(Debug, Clone)]
pub struct JawModel {
    /// Which jaw.
    pub jaw: Jaw,
    /// Watertight model: crowns, gingiva, scan bodies and base; per-vertex FDI labels (0 = gingiva/base/scan body).
    pub mesh: Mesh,
    /// Per-vertex instance ids: teeth 1… by FDI, scan bodies 100 + k, 0 otherwise.
    pub instances: Vec<i32>,
    /// Teeth present, by FDI.
    pub teeth: Vec<PlacedTooth>,
    /// Scan bodies.
    pub scan_bodies: Vec<PlacedScanBody>,
    /// The arch curve through the tooth centres.
    pub arch: ArchCurve,
    /// Arc-length range the model covers (mm).
    pub s_range: (f64, f64),
    /// Occlusal level (patient z of the crown tips) at each tooth position: (arc length, z).
    pub occlusal_levels: Vec<(f64, f64)>,
}

impl JawModel {
    /// The virtual scanner's sweep over this jaw and the frames it records.
    pub fn scan(&self, spec: &super::scanner::ScannerSpec) -> super::scanner::ScanSession {
        let level = |s: f64| interp(&self.occlusal_levels, s);
        let poses =
            super::scanner::scan_path(spec, self.jaw, &self.arch, (self.s_range.0 + 4.0, self.s_range.1 - 4.0), &level);
        super::scanner::scan(spec, Some(self.jaw), &self.mesh, &poses)
    }
}

/// A virtual patient: both jaws at t0 in occlusion, later time points, and the ground truth.
#[derive(Debug, Clone)]
pub struct Phantom {
    /// The spec it was made from.
    pub spec: PhantomSpec,
    /// Upper jaw at t0.
    pub upper: JawModel,
    /// Lower jaw at t0.
    pub lower: JawModel,
    /// Jaws at t1, t2, … (upper, lower).
    pub stages: Vec<(JawModel, JawModel)>,
    /// Ground truth.
    pub truth: Truth,
}

/// Everything known about one jaw's design before its mesh is built.
#[derive(Clone)]
struct JawDesign {
    jaw: Jaw,
    curve: ArchCurve,
    /// All design positions (present or not): (fdi, arc length).
    slots: Vec<(i32, f64)>,
    teeth: Vec<PlacedTooth>,
    scan_bodies: Vec<PlacedScanBody>,
    s_range: (f64, f64),
    /// Cervical level w (occlusal-positive, jaw-local) and half BL width at each slot.
    level_at: Vec<(f64, f64, f64)>,
}

fn smoothstep(a: f64, b: f64, x: f64) -> f64 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Natural crown inclinations (degrees: tip, torque) by tooth, after Andrews' norms, rounded.
fn inclination(fdi: i32) -> (f64, f64) {
    let upper = crate::dentition::jaw_of_fdi(fdi) == Some(Jaw::Upper);
    match (upper, fdi % 10) {
        (true, 1) => (4.0, 10.0),
        (true, 2) => (7.0, 6.0),
        (true, 3) => (8.0, 0.0),
        (true, 4 | 5) => (2.0, -5.0),
        (true, _) => (3.0, -7.0),
        (false, 1 | 2) => (2.0, 2.0),
        (false, 3) => (5.0, -5.0),
        (false, 4 | 5) => (2.0, -12.0),
        (false, _) => (2.0, -20.0),
    }
}

/// Smallest distance between two posed closed crowns (vertices of each against the other), negative when they
/// overlap (by the deepest vertex inside), with the two closest points.
///
/// Only vertices within 3 mm of the other crown's bounding box are examined: farther apart, the answer is 3 mm.
fn crown_distance(a: &Mesh, ia: &SurfaceIndex, b: &Mesh, ib: &SurfaceIndex) -> (f64, Point3<f64>, Point3<f64>) {
    const REACH: f64 = 3.0;
    let mut best = (REACH, Point3::origin(), Point3::origin());
    let mut deepest = (0.0f64, Point3::origin(), Point3::origin());
    for (from, other, index, swap) in [(a, b, ib, false), (b, a, ia, true)] {
        let Some(bb) = other.bounding_box() else { continue };
        let near = |p: &Point3<f64>| (0..3).all(|k| p[k] > bb.min[k] - REACH && p[k] < bb.max[k] + REACH);
        for p in from.positions().iter().filter(|p| near(p)) {
            let (q, d, inside) = index.closest(p);
            let (pa, pb) = if swap { (q, *p) } else { (*p, q) };
            if inside {
                if d > deepest.0 {
                    deepest = (d, pa, pb);
                }
            } else if d < best.0 {
                best = (d, pa, pb);
            }
        }
    }
    if deepest.0 > 0.0 {
        (-deepest.0, deepest.1, deepest.2)
    } else {
        best
    }
}

impl JawDesign {
    fn new(jaw: Jaw, spec: &PhantomSpec, curve: ArchCurve, scale: &dyn Fn(i32) -> f64, rng: &mut ChaCha8Rng) -> Self {
        let quads = if jaw == Jaw::Upper { [1, 2] } else { [4, 3] }; // patient's right (s > 0) first
        let last = if spec.third_molars { 8 } else { 7 };
        let irr = Normal::new(0.0, spec.irregularity_deg.max(0.0)).expect("finite deviation");
        let mut slots = Vec::new();
        let mut teeth = Vec::new();
        for (side, q) in [(1.0, quads[0]), (-1.0, quads[1])] {
            let mut s = 0.0;
            for t in 1..=last {
                let fdi = q * 10 + t;
                let d = tooth_dims(fdi);
                let w = d.md * scale(fdi);
                let gap = if t <= 3 { spec.anterior_spacing_mm } else { 0.03 };
                let gap = if t == 1 { gap / 2.0 } else { gap };
                s += gap + w / 2.0;
                slots.push((fdi, side * s));
                s += w / 2.0;
                let c = crown(fdi, spec.crown_resolution(), None).scaled(scale(fdi));
                let angles = [irr.sample(rng), irr.sample(rng), irr.sample(rng)];
                let present = !spec.missing.contains(&fdi);
                if present {
                    teeth.push((fdi, c, angles));
                }
            }
        }
        let s_max = slots.iter().map(|s| s.1.abs()).fold(0.0, f64::max) + 5.0 + 6.0;
        let mut design = JawDesign {
            jaw,
            curve,
            slots,
            teeth: Vec::new(),
            scan_bodies: Vec::new(),
            s_range: (-s_max, s_max),
            level_at: Vec::new(),
        };
        design.teeth = teeth
            .into_iter()
            .map(|(fdi, c, angles)| {
                let s = design.slot(fdi);
                let t = design.pose(fdi, c, s, spec);
                let (tip, torque) = inclination(fdi);
                t.moved(&ToothMove {
                    fdi,
                    translation_mm: [0.0; 3],
                    rotation_deg: [tip + angles[0], torque + angles[1], angles[2]],
                })
            })
            .collect();
        design
    }

    fn slot(&self, fdi: i32) -> f64 {
        self.slots.iter().find(|s| s.0 == fdi).map_or(0.0, |s| s.1)
    }

    /// Height of the occlusal plane (patient z) at arc length `s`: a curve of Spee, deepest at the premolars.
    fn occlusal_z(&self, s: f64, spec: &PhantomSpec) -> f64 {
        let canine = self.slots.iter().filter(|s| s.0 % 10 == 3).map(|s| s.1.abs()).fold(0.0, f64::max);
        let end = self.slots.iter().map(|s| s.1.abs()).fold(0.0, f64::max);
        let t = ((s.abs() - canine) / (end - canine)).clamp(0.0, 1.0);
        -spec.spee_mm * (std::f64::consts::PI * t).sin()
    }

    /// A tooth at arc length `s`, upright, its crown tip at the jaw's occlusal level.
    fn pose(&self, fdi: i32, crown: Crown, s: f64, spec: &PhantomSpec) -> PlacedTooth {
        let p = self.curve.point(s);
        let t = self.curve.tangent(s);
        let mesial = if s > 0.0 { -t } else { t };
        let n = self.curve.outward(s);
        let occl = if self.jaw == Jaw::Upper { -1.0 } else { 1.0 };
        let axes = Matrix3::from_columns(&[
            Vector3::new(mesial.x, mesial.y, 0.0),
            Vector3::new(n.x, n.y, 0.0),
            Vector3::new(0.0, 0.0, occl),
        ]);
        // Incisors overlap vertically by the overbite; posterior cusps interdigitate by about 1 mm each.
        let tip_z = self.occlusal_z(s, spec) + occl * 0.5 * spec.overbite_mm;
        let origin = Point3::new(p.x, p.y, tip_z - occl * crown.height);
        PlacedTooth { fdi, crown, origin, axes, prepared: false }
    }

    /// Moves tooth `i` along the arch by `ds` keeping its inclination.
    fn slide(&mut self, i: usize, ds: f64) {
        let t = &self.teeth[i];
        let s = self.slot(t.fdi);
        let (p0, p1) = (self.curve.point(s), self.curve.point(s + ds));
        let (t0, t1) = (self.curve.tangent(s), self.curve.tangent(s + ds));
        let angle = t0.y.atan2(t0.x) - t1.y.atan2(t1.x);
        let r = Rotation3::from_axis_angle(&Vector3::z_axis(), -angle);
        let tooth = &mut self.teeth[i];
        let off = tooth.origin.coords - Vector3::new(p0.x, p0.y, 0.0);
        let off = r * off;
        tooth.origin = Point3::new(p1.x + off.x, p1.y + off.y, tooth.origin.z);
        tooth.axes = r.matrix() * tooth.axes;
        if let Some(sl) = self.slots.iter_mut().find(|x| x.0 == tooth.fdi) {
            sl.1 = s + ds;
        }
    }

    /// Closes (or opens) every contact along the arch to its target gap, from the midline outward.
    fn fit_contacts(&mut self, spec: &PhantomSpec) {
        for _round in 0..3 {
            let meshes: Vec<Mesh> = self.teeth.iter().map(PlacedTooth::closed_mesh).collect();
            let idx: Vec<SurfaceIndex> =
                meshes.iter().map(|m| SurfaceIndex::new(m).expect("crown has triangles")).collect();
            let find = |fdi: i32| self.teeth.iter().position(|t| t.fdi == fdi);
            let mut shifts: Vec<(i32, f64)> = Vec::new();
            for &(fdi, _) in &self.slots {
                let pos = fdi % 10;
                let neighbour = match (pos, fdi / 10 % 2) {
                    (1, 1) => fdi + 10,
                    (1, _) => fdi - 10,
                    _ => fdi - 1,
                };
                let (Some(i), Some(j)) = (find(fdi), find(neighbour)) else { continue };
                let target = if pos <= 3 { spec.anterior_spacing_mm } else { 0.03 };
                let (d, _, _) = crown_distance(&meshes[i], &idx[i], &meshes[j], &idx[j]);
                let delta = if pos == 1 { (target - d) / 2.0 } else { target - d };
                shifts.push((fdi, delta));
            }
            // Each shift moves the tooth and every tooth distal to it, away from the midline.
            let mut total: Vec<(i32, f64)> = Vec::new();
            for &(fdi, _) in &self.slots {
                let q = fdi / 10;
                let acc: f64 = shifts.iter().filter(|(f, _)| f / 10 == q && f % 10 <= fdi % 10).map(|s| s.1).sum();
                total.push((fdi, acc));
            }
            for (fdi, acc) in total {
                let dir = self.slot(fdi).signum();
                if let Some(i) = self.teeth.iter().position(|t| t.fdi == fdi) {
                    self.slide(i, dir * acc);
                } else if let Some(sl) = self.slots.iter_mut().find(|x| x.0 == fdi) {
                    sl.1 += dir * acc;
                }
            }
        }
    }

    fn record_levels(&mut self) {
        let occl = if self.jaw == Jaw::Upper { -1.0 } else { 1.0 };
        self.level_at = self
            .slots
            .iter()
            .map(|&(fdi, s)| {
                let d = tooth_dims(fdi);
                let w = self.teeth.iter().find(|t| t.fdi == fdi).map_or_else(
                    || {
                        // A missing tooth: interpolate from its neighbours' levels later; mark with NaN.
                        f64::NAN
                    },
                    |t| occl * t.origin.z,
                );
                (s, w, d.bl / 2.0)
            })
            .collect();
        self.level_at.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Fill missing levels from neighbours.
        let known: Vec<(f64, f64)> = self.level_at.iter().filter(|l| l.1.is_finite()).map(|l| (l.0, l.1)).collect();
        for l in &mut self.level_at {
            if !l.1.is_finite() {
                l.1 = interp(&known, l.0) - 1.0;
            }
        }
    }

    fn level(&self, s: f64) -> f64 {
        let pts: Vec<(f64, f64)> = self.level_at.iter().map(|l| (l.0, l.1)).collect();
        interp(&pts, s)
    }

    fn half_width(&self, s: f64) -> f64 {
        let pts: Vec<(f64, f64)> = self.level_at.iter().map(|l| (l.0, l.2)).collect();
        interp(&pts, s)
    }

    /// Builds the jaw's mesh: crowns and scan bodies stitched to the gingiva at their margins, base below.
    fn build(&self, spec: &PhantomSpec) -> JawModel {
        let occl = if self.jaw == Jaw::Upper { -1.0 } else { 1.0 };
        let mut positions: Vec<Point3<f64>> = Vec::new();
        let mut triangles: Vec<[u32; 3]> = Vec::new();
        let mut labels: Vec<i32> = Vec::new();
        let mut instances: Vec<i32> = Vec::new();
        let mut rings: Vec<Vec<(u32, Point3<f64>)>> = Vec::new();
        let mut order: Vec<&PlacedTooth> = self.teeth.iter().collect();
        order.sort_by_key(|t| t.fdi);
        let local = |p: Point3<f64>| Point3::new(p.x, p.y, occl * p.z);
        for (k, t) in order.iter().enumerate() {
            let base = positions.len() as u32;
            let flip = t.axes.determinant() < 0.0;
            let c = &t.crown;
            positions.extend(c.closed.positions()[..c.open_vertices].iter().map(|p| t.to_patient(p)));
            labels.extend(std::iter::repeat_n(t.fdi, c.open_vertices));
            instances.extend(std::iter::repeat_n(k as i32 + 1, c.open_vertices));
            for tri in &c.closed.triangles()[..c.open_triangles] {
                let tri = tri.map(|v| v + base);
                triangles.push(if flip { [tri[0], tri[2], tri[1]] } else { tri });
            }
            rings.push(c.ring.iter().map(|&v| (v + base, local(positions[(v + base) as usize]))).collect());
        }
        for (k, sb) in self.scan_bodies.iter().enumerate() {
            let (m, ring) = sb.model.mesh(sb.emergence, spec.crown_around.max(32));
            let base = positions.len() as u32;
            // Leave out the bottom cap (the last vertex and last ring of triangles): the gingiva closes it.
            let nv = m.vertex_count() - 1;
            let nt = m.face_count() - ring.len();
            positions.extend(m.positions()[..nv].iter().map(|p| sb.origin + sb.axes * p.coords));
            labels.extend(std::iter::repeat_n(0, nv));
            instances.extend(std::iter::repeat_n(100 + k as i32, nv));
            triangles.extend(m.triangles()[..nt].iter().map(|t| t.map(|v| v + base)));
            rings.push(ring.iter().map(|&v| (v + base, local(positions[(v + base) as usize]))).collect());
        }
        let level = |s: f64| self.level(s);
        let half_width = |s: f64| self.half_width(s);
        let input = GingivaInput {
            curve: &self.curve,
            s_range: self.s_range,
            level: &level,
            half_width: &half_width,
            palate: self.jaw == Jaw::Upper,
            rings,
            spacing: spec.gingiva_spacing_mm,
        };
        let g = gingiva::build(&input, positions.len() as u32);
        positions.extend(g.positions.iter().map(|p| Point3::new(p.x, p.y, occl * p.z)));
        labels.extend(std::iter::repeat_n(0, g.positions.len()));
        instances.extend(std::iter::repeat_n(0, g.positions.len()));
        // Jaw-local is a reflection of the patient frame for the upper jaw: flip the gingiva's winding there.
        triangles.extend(g.triangles.iter().map(|t| if occl < 0.0 { [t[0], t[2], t[1]] } else { *t }));
        let mesh = Mesh::new(positions, triangles).and_then(|m| m.with_labels(labels)).expect("jaw model is valid");
        let mut occlusal_levels: Vec<(f64, f64)> = self
            .slots
            .iter()
            .filter_map(|&(fdi, s)| {
                let t = self.teeth.iter().find(|t| t.fdi == fdi)?;
                let zs = t.crown.closed.positions()[..t.crown.open_vertices].iter().map(|p| t.to_patient(p).z);
                Some((s, if occl > 0.0 { zs.fold(f64::MIN, f64::max) } else { zs.fold(f64::MAX, f64::min) }))
            })
            .collect();
        occlusal_levels.sort_by(|a, b| a.0.total_cmp(&b.0));
        JawModel {
            jaw: self.jaw,
            mesh,
            instances,
            teeth: self.teeth.clone(),
            scan_bodies: self.scan_bodies.clone(),
            arch: self.curve.clone(),
            s_range: self.s_range,
            occlusal_levels,
        }
    }
}

fn interp(pts: &[(f64, f64)], s: f64) -> f64 {
    if pts.is_empty() {
        return 0.0;
    }
    if s <= pts[0].0 {
        return pts[0].1;
    }
    if s >= pts[pts.len() - 1].0 {
        return pts[pts.len() - 1].1;
    }
    let i = pts.partition_point(|p| p.0 < s);
    let (a, b) = (pts[i - 1], pts[i]);
    let t = (s - a.0) / (b.0 - a.0);
    // Smooth between slots so the gingival line has no kinks.
    a.1 + (b.1 - a.1) * smoothstep(0.0, 1.0, t)
}

/// Lowers or raises each lower tooth along z until it just touches the upper teeth (cusps into fossae).
fn settle(lower: &mut JawDesign, upper: &JawDesign, gap: f64, keep: &[i32]) {
    let uppers: Vec<Mesh> = upper.teeth.iter().map(PlacedTooth::closed_mesh).collect();
    let mut all_p = Vec::new();
    let mut all_t = Vec::new();
    for m in &uppers {
        let base = all_p.len() as u32;
        all_p.extend_from_slice(m.positions());
        all_t.extend(m.triangles().iter().map(|t| t.map(|v| v + base)));
    }
    let Some(index) = Mesh::new(all_p, all_t).ok().and_then(|m| SurfaceIndex::new(&m)) else { return };
    for t in lower.teeth.iter_mut().filter(|t| !keep.contains(&t.fdi)) {
        let m = t.closed_mesh();
        let mut min_gap = f64::INFINITY;
        // Lower vertices up to the upper teeth …
        for p in &m.positions()[..t.crown.open_vertices] {
            let start = p - Vector3::z() * 10.0;
            if let Some(hit) = index.ray(&start, &Vector3::z(), 40.0) {
                min_gap = min_gap.min(hit.distance - 10.0);
            }
        }
        // … and upper vertices down to this tooth, so neither surface pokes through the other between vertices.
        let (Some(own), Some(bb)) = (SurfaceIndex::new(&m), m.bounding_box()) else { continue };
        for p in uppers.iter().flat_map(|u| u.positions()) {
            if p.x < bb.min.x || p.x > bb.max.x || p.y < bb.min.y || p.y > bb.max.y {
                continue;
            }
            let start = p + Vector3::z() * 10.0;
            if let Some(hit) = own.ray(&start, &-Vector3::z(), 40.0) {
                min_gap = min_gap.min(hit.distance - 10.0);
            }
        }
        if min_gap.is_finite() {
            t.origin.z += (min_gap - gap).clamp(-2.5, 2.5);
        }
    }
}

fn jaw_truth(model: &JawModel, name: &str) -> JawTruth {
    let meshes: Vec<Mesh> = model.teeth.iter().map(PlacedTooth::closed_mesh).collect();
    let idx: Vec<SurfaceIndex> = meshes.iter().map(|m| SurfaceIndex::new(m).expect("crown has triangles")).collect();
    let mut proximal = Vec::new();
    for (i, a) in model.teeth.iter().enumerate() {
        for (j, b) in model.teeth.iter().enumerate() {
            let adjacent = (a.fdi / 10 == b.fdi / 10 && b.fdi == a.fdi + 1)
                || (a.fdi % 10 == 1 && b.fdi % 10 == 1 && a.fdi < b.fdi);
            if adjacent {
                let (d, pa, pb) = crown_distance(&meshes[i], &idx[i], &meshes[j], &idx[j]);
                if d < 1.0 {
                    proximal.push(ContactTruth {
                        a: a.fdi,
                        b: b.fdi,
                        point_a: pa.coords.into(),
                        point_b: pb.coords.into(),
                        distance: d,
                    });
                }
            }
        }
    }
    let implants = model
        .scan_bodies
        .iter()
        .map(|sb| {
            let axis = sb.axes.column(2).into_owned();
            ImplantTruth {
                site: sb.site,
                scan_body: sb.model.name.to_string(),
                platform: (sb.origin - axis * sb.model.height).coords.into(),
                axis: axis.into(),
                flat_normal: sb.axes.column(0).into_owned().into(),
                scan_body_top: sb.origin.coords.into(),
            }
        })
        .collect();
    let mut teeth: Vec<ToothTruth> = model.teeth.iter().map(PlacedTooth::truth).collect();
    teeth.sort_by_key(|t| t.fdi);
    let landmarks = tooth_landmarks(model, &proximal);
    JawTruth {
        jaw: model.jaw.as_str().into(),
        mesh: format!("{name}.ply"),
        labels: format!("{name}.labels.json"),
        teeth,
        implants,
        proximal_contacts: proximal,
        landmarks,
    }
}

/// Every tooth's true landmarks in the patient frame, by FDI: the crown's own, with the mesial and distal
/// ones moved to the closest points of touching neighbours (`proximal`, a = the mesial tooth, or 11/21, 31/41).
fn tooth_landmarks(model: &JawModel, proximal: &[ContactTruth]) -> Vec<Landmark> {
    let mut teeth: Vec<&PlacedTooth> = model.teeth.iter().collect();
    teeth.sort_by_key(|t| t.fdi);
    let mut out = Vec::new();
    for t in teeth {
        for (class, local) in &t.crown.landmarks {
            let contact = proximal.iter().find_map(|c| {
                let central = c.a % 10 == 1 && c.b % 10 == 1;
                match class {
                    LandmarkClass::Mesial if c.b == t.fdi => Some(c.point_b),
                    LandmarkClass::Mesial if central && c.a == t.fdi => Some(c.point_a),
                    LandmarkClass::Distal if !central && c.a == t.fdi => Some(c.point_a),
                    _ => None,
                }
            });
            let coord = contact.unwrap_or_else(|| t.to_patient(local).coords.into());
            out.push(Landmark { fdi: t.fdi, class: Some(*class), coord });
        }
    }
    out
}

fn occlusal_contacts(upper: &JawModel, lower: &JawModel) -> Vec<ContactTruth> {
    let um: Vec<Mesh> = upper.teeth.iter().map(PlacedTooth::closed_mesh).collect();
    let lm: Vec<Mesh> = lower.teeth.iter().map(PlacedTooth::closed_mesh).collect();
    let ui: Vec<SurfaceIndex> = um.iter().map(|m| SurfaceIndex::new(m).expect("crown")).collect();
    let li: Vec<SurfaceIndex> = lm.iter().map(|m| SurfaceIndex::new(m).expect("crown")).collect();
    let mut out = Vec::new();
    for (i, u) in upper.teeth.iter().enumerate() {
        for (j, l) in lower.teeth.iter().enumerate() {
            let (ba, bb) = (um[i].bounding_box().expect("crown"), lm[j].bounding_box().expect("crown"));
            let far = (0..3).any(|k| ba.min[k] > bb.max[k] + 0.3 || bb.min[k] > ba.max[k] + 0.3);
            if far {
                continue;
            }
            let (d, pa, pb) = crown_distance(&um[i], &ui[i], &lm[j], &li[j]);
            if d <= 0.3 {
                out.push(ContactTruth {
                    a: u.fdi,
                    b: l.fdi,
                    point_a: pa.coords.into(),
                    point_b: pb.coords.into(),
                    distance: d,
                });
            }
        }
    }
    out.sort_by_key(|c| (c.a, c.b));
    out
}

impl Phantom {
    /// The virtual scanner's buccal bite scan: both t0 jaws in occlusion seen from the cheek side, swept
    /// over 32 mm of the arch from its distal end (molars to canine), as a clinician records the bite.
    pub fn scan_bite(&self, spec: &super::scanner::ScannerSpec) -> super::scanner::ScanSession {
        let both = Mesh::concatenated(&[&self.upper.mesh, &self.lower.mesh]);
        let level = |s: f64| 0.5 * (interp(&self.upper.occlusal_levels, s) + interp(&self.lower.occlusal_levels, s));
        let start = self.upper.s_range.0 + 4.0;
        let poses = super::scanner::bite_path(spec, &self.upper.arch, (start, start + 32.0), &level);
        super::scanner::scan(spec, None, &both, &poses)
    }

    /// Generates the phantom described by `spec` (deterministic).
    pub fn generate(spec: &PhantomSpec) -> Result<Phantom, String> {
        spec.check_ranges()?;
        for i in &spec.implants {
            if !spec.missing.contains(&i.site) {
                return Err(format!("implant site {} must be listed as missing", i.site));
            }
            if scan_body(&i.scan_body).is_none() {
                return Err(format!("unknown scan body '{}'", i.scan_body));
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let size = Normal::<f64>::new(1.0, 0.025).expect("finite");
        let global = size.sample(&mut rng).clamp(0.93, 1.07);
        let per_tooth: Vec<(i32, f64)> =
            (1..=4).flat_map(|q| (1..=8).map(move |t| q * 10 + t)).map(|f| (f, 1.0)).collect();
        let mut per_tooth = per_tooth;
        let jitter = Normal::<f64>::new(1.0, 0.015).expect("finite");
        for p in &mut per_tooth {
            p.1 = global * jitter.sample(&mut rng).clamp(0.96, 1.04);
        }
        // Left and right teeth are the same size, as in most patients.
        let scale = move |fdi: i32| {
            let mirror = match fdi / 10 {
                2 => fdi - 10,
                3 => fdi + 10,
                _ => fdi,
            };
            per_tooth.iter().find(|p| p.0 == mirror).map_or(1.0, |p| p.1)
        };
        let width =
            spec.arch_width_mm * Normal::<f64>::new(1.0, 0.02).expect("finite").sample(&mut rng).clamp(0.95, 1.05);
        let upper_curve = ArchCurve::dental(width * global);
        let lower_curve = upper_curve.offset_inward(spec.overjet_mm + 0.5);
        let mut upper = JawDesign::new(Jaw::Upper, spec, upper_curve, &scale, &mut rng);
        let mut lower = JawDesign::new(Jaw::Lower, spec, lower_curve, &scale, &mut rng);
        upper.fit_contacts(spec);
        lower.fit_contacts(spec);
        // Settling moves lower teeth vertically, which opens their contacts a little: fit and settle again.
        settle(&mut lower, &upper, 0.02, &[]);
        lower.fit_contacts(spec);
        settle(&mut lower, &upper, 0.02, &[]);
        // Malocclusion: individual displacements after the arch is formed; the lower teeth they would run
        // into are settled again (a displaced tooth is never inside its antagonist).
        for design in [&mut upper, &mut lower] {
            for m in &spec.malocclusion {
                if let Some(t) = design.teeth.iter_mut().find(|t| t.fdi == m.fdi) {
                    *t = t.moved(m);
                }
            }
        }
        if !spec.malocclusion.is_empty() {
            let displaced: Vec<i32> = spec.malocclusion.iter().map(|m| m.fdi).collect();
            settle(&mut lower, &upper, 0.02, &displaced);
        }
        // Preparation: the crown is reduced in place.
        if let Some(p) = &spec.prep {
            for design in [&mut upper, &mut lower] {
                if let Some(t) = design.teeth.iter_mut().find(|t| t.fdi == p.fdi) {
                    let k = t.crown.height / tooth_dims(p.fdi).height;
                    let reduction = Reduction { occlusal: p.occlusal_mm / k, axial: p.axial_mm / k };
                    t.crown = crown(p.fdi, spec.crown_resolution(), Some(reduction)).scaled(k);
                    t.prepared = true;
                }
            }
        }
        upper.record_levels();
        lower.record_levels();
        for design in [&mut upper, &mut lower] {
            let occl = if design.jaw == Jaw::Upper { -1.0 } else { 1.0 };
            for imp in spec.implants.iter().filter(|i| crate::dentition::jaw_of_fdi(i.site) == Some(design.jaw)) {
                let model = scan_body(&imp.scan_body).expect("checked above");
                let s = design.slot(imp.site);
                let p = design.curve.point(s);
                let n = design.curve.outward(s);
                let level = design.level(s);
                let axis0 = Vector3::new(0.0, 0.0, occl);
                let buccal = Vector3::new(n.x, n.y, 0.0);
                let tilt = Rotation3::from_axis_angle(
                    &nalgebra::Unit::new_normalize(axis0.cross(&buccal)),
                    imp.buccal_tilt_deg.to_radians(),
                );
                let axis = tilt * axis0;
                let flat = Rotation3::from_axis_angle(&nalgebra::Unit::new_normalize(axis), imp.index_deg.to_radians())
                    * (tilt * buccal);
                let y = axis.cross(&flat);
                // Platform 3 mm below the soft tissue (in the jaw's apical direction), the body emerging 3 mm above it.
                let platform = Point3::new(p.x, p.y, occl * (level - 3.6));
                let origin = platform + axis * model.height;
                design.scan_bodies.push(PlacedScanBody {
                    site: imp.site,
                    model,
                    origin,
                    axes: Matrix3::from_columns(&[flat, y, axis]),
                    emergence: model.height - 3.0,
                });
            }
        }
        let upper_model = upper.build(spec);
        let lower_model = lower.build(spec);
        let mut truth = Truth {
            units: "mm".into(),
            frame: "patient: x right, y anterior, z superior".into(),
            seed: spec.seed,
            jaws: vec![jaw_truth(&upper_model, "upper"), jaw_truth(&lower_model, "lower")],
            occlusal_contacts: occlusal_contacts(&upper_model, &lower_model),
            prep_clearance_mm: None,
            stages: Vec::new(),
        };
        if let Some(p) = &spec.prep {
            let (prep_jaw, other) = if crate::dentition::jaw_of_fdi(p.fdi) == Some(Jaw::Upper) {
                (&upper_model, &lower_model)
            } else {
                (&lower_model, &upper_model)
            };
            if let Some(t) = prep_jaw.teeth.iter().find(|t| t.fdi == p.fdi) {
                let pm = t.closed_mesh();
                let om: Vec<Mesh> = other.teeth.iter().map(PlacedTooth::closed_mesh).collect();
                let pi = SurfaceIndex::new(&pm).expect("crown");
                let clearance = om
                    .iter()
                    .map(|m| crown_distance(&pm, &pi, m, &SurfaceIndex::new(m).expect("crown")).0)
                    .fold(f64::INFINITY, f64::min);
                truth.prep_clearance_mm = Some(clearance);
            }
        }
        let mut stages = Vec::new();
        for (k, stage) in spec.time_series.iter().enumerate() {
            let mut movements = Vec::new();
            let mut models = Vec::new();
            let mut wear = Vec::new();
            let mut recessions = Vec::new();
            for design in [&upper, &lower] {
                let mut d = design.clone();
                for m in &stage.moves {
                    if let Some(t) = d.teeth.iter_mut().find(|t| t.fdi == m.fdi) {
                        let before = t.clone();
                        *t = t.moved(m);
                        // t_from_t0: p_t = R_t R_0⁻¹ (p_0 − o_0) + o_t.
                        let r = t.axes * before.axes.try_inverse().expect("axes invertible");
                        let rot = UnitQuaternion::from_matrix(&r);
                        let tr = t.origin.coords - r * before.origin.coords;
                        movements.push(MovementTruth {
                            fdi: m.fdi,
                            rotation_wxyz: crate::registration::wxyz(&rot),
                            translation: tr.into(),
                            local_translation_mm: m.translation_mm,
                            local_rotation_deg: m.rotation_deg,
                        });
                    }
                }
                for r in &stage.recession {
                    if let Some(t) = d.teeth.iter_mut().find(|t| t.fdi == r.fdi) {
                        // The crown rebuilt at the scale (and with the preparation) it was made with.
                        let h = tooth_dims(r.fdi).height;
                        let prep = spec.prep.as_ref().filter(|_| t.prepared);
                        let k = (t.crown.height + prep.map_or(0.0, |p| p.occlusal_mm)) / h;
                        let reduction = prep.map(|p| Reduction { occlusal: p.occlusal_mm / k, axial: p.axial_mm / k });
                        let recession = Recession { buccal_mm: r.buccal_mm / k, lingual_mm: r.lingual_mm / k };
                        t.crown = crown_with(r.fdi, spec.crown_resolution(), reduction, recession).scaled(k);
                        recessions.push(RecessionTruth {
                            fdi: r.fdi,
                            buccal_mm: r.buccal_mm,
                            lingual_mm: r.lingual_mm,
                        });
                    }
                }
                let mut model = d.build(spec);
                for w in &stage.wear {
                    if let Some(t) = apply_wear(&mut model, w) {
                        wear.push(t);
                    }
                }
                models.push(model);
            }
            let lower_m = models.pop().expect("two jaws");
            let upper_m = models.pop().expect("two jaws");
            let t = k + 1;
            movements.sort_by_key(|m| m.fdi);
            wear.sort_by_key(|w: &WearTruth| w.fdi);
            recessions.sort_by_key(|r: &RecessionTruth| r.fdi);
            truth.stages.push(StageTruth {
                t,
                jaws: vec![jaw_truth(&upper_m, &format!("upper_t{t}")), jaw_truth(&lower_m, &format!("lower_t{t}"))],
                movements,
                wear,
                recession: recessions,
            });
            stages.push((upper_m, lower_m));
        }
        Ok(Phantom { spec: spec.clone(), upper: upper_model, lower: lower_model, stages, truth })
    }
}

/// Wears a tooth of a built jaw model as `w` asks (its surface lowered along the tooth's occlusal axis, by
/// `depth_mm` at the crown's highest point, tapering smoothly to nothing `band_mm` below it) and returns the
/// truth of what was lost, normal to the unworn surface; None when the jaw has no such tooth.
fn apply_wear(model: &mut JawModel, w: &super::spec::WearSpec) -> Option<WearTruth> {
    let tooth = model.teeth.iter().find(|t| t.fdi == w.fdi)?;
    let axis: Vector3<f64> = tooth.axes.column(2).into_owned();
    let labels = model.mesh.labels()?.to_vec();
    let pos = model.mesh.positions();
    let h = |v: usize| (pos[v] - tooth.origin).dot(&axis);
    let crown: Vec<usize> = (0..pos.len()).filter(|&v| labels[v] == w.fdi).collect();
    let top = crown.iter().map(|&v| h(v)).fold(f64::NEG_INFINITY, f64::max);
    let normals = model.mesh.vertex_normals();
    let areas = model.mesh.vertex_areas();
    let mut moved = pos.to_vec();
    let (mut max_depth_mm, mut area_mm2, mut volume_mm3) = (0.0f64, 0.0, 0.0);
    for &v in &crown {
        let t = ((h(v) - (top - w.band_mm)) / w.band_mm).clamp(0.0, 1.0);
        let d = w.depth_mm * t * t * (3.0 - 2.0 * t);
        if d <= 0.0 {
            continue;
        }
        moved[v] -= axis * d;
        let normal_depth = d * normals[v].dot(&axis).abs();
        max_depth_mm = max_depth_mm.max(normal_depth);
        area_mm2 += areas[v];
        volume_mm3 += areas[v] * normal_depth;
    }
    let triangles = model.mesh.triangles().to_vec();
    model.mesh = Mesh::new(moved, triangles).ok()?.with_labels(labels).ok()?;
    Some(WearTruth { fdi: w.fdi, max_depth_mm, area_mm2, volume_mm3 })
}
