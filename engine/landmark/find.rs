//! Landmarks found on a segmented jaw from its geometry alone, mesh frame (mm).
//!
//! Each tooth is read in the frame of its crown: from its gum line where it has one (the long axis square to
//! the gum line's plane, the mesio-distal axis through the crests of its two-fold wave, see `cervical_axis`),
//! else from the [`Dentition`] (the jaw's occlusal direction, the mesio-distal axis through the contacts):
//! - **Mesial / Distal**: where the crown's upper part (above [`CONTACT_FLOOR_FRACTION`] of its height: the
//!   gum line rises between teeth) comes closest to its neighbour: the centre of the points within
//!   [`CONTACT_BAND_MM`] of the closest approach (on a scan whose crowns share a border, because the scanner
//!   bridges what it cannot see below a contact, that border's upper stretch). A tooth with no neighbour
//!   within [`CONTACT_REACH_MM`] has its crown's most mesial (distal) point, the height of contour.
//! - **OuterPoint / InnerPoint**: on a strip along the long axis through the crown's middle, the point of its
//!   buccal (lingual) half nearest the middle among those within [`CERVICAL_BAND_MM`] of its lowest: the gum
//!   line at mid-facial (mid-lingual).
//! - **FacialPoint**: on the same buccal strip, the point nearest its middle line halfway between the gum line
//!   and the strip's highest point (the incisal edge or buccal cusp); Andrews' FA point.
//! - **Cusp**: the points of canines, premolars and molars that no neighbouring vertex of the crown rises
//!   above, that are the highest within [`CUSP_RADIUS_MM`] and stand [`CUSP_PROMINENCE_MM`] above their
//!   surroundings, highest first, at most as many as the tooth type has.

use super::{Landmark, LandmarkClass};
use crate::anatomy::{tooth_type, ToothType};
use crate::dentition::{distal_neighbour, mesial_neighbour, Dentition, Jaw, Tooth};
use crate::mesh::{Csr, Mesh, PointIndex, Topology};
use nalgebra::{DMatrix, DVector};
use nalgebra::{Point3, Vector3};

/// A neighbour whose crown is farther than this from the tooth's (mm) does not touch it: the contact is the
/// crown's own height of contour instead.
pub const CONTACT_REACH_MM: f64 = 1.5;
/// Points of a crown's upper part within this much of the closest approach to its neighbour (mm) form the
/// contact area, whose centre is the contact point.
pub const CONTACT_BAND_MM: f64 = 0.15;
/// A contact lies above this fraction of the crown's height from its lowest point (the gum line) to its tip.
pub const CONTACT_FLOOR_FRACTION: f64 = 0.25;
/// Half width of the strip through the crown's middle on which the facial and cervical points lie, as a
/// fraction of the crown's mesio-distal width …
pub const AXIS_STRIP_FRACTION: f64 = 0.08;
/// … and at least this much (mm), so that a coarse scan has vertices on it.
pub const AXIS_STRIP_MIN_MM: f64 = 0.6;
/// The cervical points are taken among the strip's points this close to its lowest (mm).
pub const CERVICAL_BAND_MM: f64 = 0.3;
/// A gum line of fewer points than this gives no axis.
pub const CERVICAL_MIN_POINTS: usize = 12;
/// A gum line whose two-fold wave is lower than this (mm) gives no axis.
pub const CERVICAL_MIN_WAVE_MM: f64 = 0.1;
/// Axes from the gum line are used only within this angle of the arch's (°).
pub const CERVICAL_MAX_TURN_DEG: f64 = 40.0;
/// A cusp tip is the highest point of its crown within this radius (mm; cusps of one tooth stand 2.5–5 mm
/// apart).
pub const CUSP_RADIUS_MM: f64 = 1.5;
/// … it stands at least this much (mm) above the lowest point within that radius (a flat stretch has no tip) …
pub const CUSP_PROMINENCE_MM: f64 = 0.2;
/// … and no more than this much (mm) below the crown's highest point (marginal ridges and the cervical
/// bulge are lower).
pub const CUSP_BELOW_TOP_MM: f64 = 3.0;

/// How many cusp tips a tooth has at most: canines 1, premolars 2, molars 4 (lower first molars 5),
/// incisors none.
pub fn cusp_count(fdi: i32) -> usize {
    match tooth_type(fdi) {
        ToothType::Incisor => 0,
        ToothType::Canine => 1,
        ToothType::Premolar => 2,
        ToothType::Molar if crate::dentition::jaw_of_fdi(fdi) == Some(Jaw::Lower) && fdi % 10 == 6 => 5,
        ToothType::Molar => 4,
    }
}

/// Every landmark of every tooth of `dentition` on `mesh` (the mesh it was segmented from), by tooth in
/// ascending FDI order and within a tooth in [`LandmarkClass::ALL`] order, cusps highest first.
pub fn find_landmarks(mesh: &Mesh, dentition: &Dentition) -> Vec<Landmark> {
    let mut fdi_of = vec![0i32; mesh.vertex_count()];
    for t in &dentition.teeth {
        for &v in &t.vertices {
            if let Some(slot) = fdi_of.get_mut(v as usize) {
                *slot = t.fdi;
            }
        }
    }
    let adjacency = Topology::new(mesh).vertex_neighbors();
    let present = |f: i32| dentition.tooth(f).is_some();
    let mut out = Vec::new();
    for t in dentition.teeth.iter().filter(|t| !t.vertices.is_empty()) {
        let m = t.frame.mesial;
        let mesial = contact(mesh, t, mesial_neighbour(t.fdi, present).and_then(|f| dentition.tooth(f)), m);
        let distal = contact(mesh, t, distal_neighbour(t.fdi, present).and_then(|f| dentition.tooth(f)), -m);
        let mut push = |class, p: Point3<f64>| out.push(Landmark { fdi: t.fdi, class: Some(class), coord: p.into() });
        push(LandmarkClass::Mesial, mesial);
        push(LandmarkClass::Distal, distal);
        let cervical = cervical_axis(mesh, t, &adjacency, &fdi_of);
        let axis = FacialAxis::of(mesh, t, &mesial, &distal, cervical);
        if let Some(p) = axis.facial_point(mesh) {
            push(LandmarkClass::FacialPoint, p);
        }
        if let Some(p) = axis.buccal.lowest {
            push(LandmarkClass::OuterPoint, p);
        }
        if let Some(p) = axis.lingual.lowest {
            push(LandmarkClass::InnerPoint, p);
        }
        for p in cusp_tips(mesh, t, &adjacency, &fdi_of) {
            push(LandmarkClass::Cusp, p);
        }
    }
    out
}

/// The contact point of tooth `t` with its neighbour `n` on the side `toward` points to (mm).
fn contact(mesh: &Mesh, t: &Tooth, n: Option<&Tooth>, toward: Vector3<f64>) -> Point3<f64> {
    let p = mesh.positions();
    let o = t.frame.occlusal;
    let at = |v: u32| p[v as usize];
    if let Some(n) = n {
        // Only the crown's upper part can touch: below it the gum line rises between the teeth (a papilla
        // grown into both crowns makes them neighbours there too).
        let z = |v: u32| o.dot(&at(v).coords);
        let (lo, hi) =
            t.vertices.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(z(v)), b.max(z(v))));
        let floor = lo + CONTACT_FLOOR_FRACTION * (hi - lo);
        let other: Vec<Point3<f64>> =
            n.vertices.iter().map(|&v| at(v)).filter(|q| o.dot(&q.coords) >= floor - (hi - lo)).collect();
        // Only points within reach of the neighbour's box can be within reach of the neighbour.
        let (bmin, bmax) =
            other.iter().fold((Vector3::repeat(f64::INFINITY), Vector3::repeat(f64::NEG_INFINITY)), |(a, b), q| {
                (a.inf(&q.coords), b.sup(&q.coords))
            });
        let near_box =
            |q: &Point3<f64>| (0..3).all(|k| q[k] >= bmin[k] - CONTACT_REACH_MM && q[k] <= bmax[k] + CONTACT_REACH_MM);
        let upper: Vec<u32> = t.vertices.iter().copied().filter(|&v| z(v) >= floor && near_box(&at(v))).collect();
        let index = PointIndex::new(&other);
        let d: Vec<f64> = upper.iter().map(|&v| index.nearest(&at(v)).map_or(f64::INFINITY, |(_, d)| d)).collect();
        let dmin = d.iter().copied().fold(f64::INFINITY, f64::min);
        if dmin <= CONTACT_REACH_MM {
            // The contact area: the upper crown within CONTACT_BAND_MM of the closest approach (on a scan
            // whose crowns share a border, the border's upper stretch); its centre, on the crown.
            let band: Vec<Point3<f64>> =
                upper.iter().zip(&d).filter(|(_, &d)| d <= dmin + CONTACT_BAND_MM).map(|(&v, _)| at(v)).collect();
            let centre = band.iter().fold(Vector3::zeros(), |a, q| a + q.coords) / band.len() as f64;
            return snap(mesh, t, &Point3::from(centre));
        }
    }
    // No neighbour within reach: the crown's own height of contour on that side.
    let v = t.vertices.iter().copied().max_by(|&a, &b| toward.dot(&at(a).coords).total_cmp(&toward.dot(&at(b).coords)));
    v.map_or(t.frame.centroid, at)
}

/// The crown vertex nearest to `q`.
fn snap(mesh: &Mesh, t: &Tooth, q: &Point3<f64>) -> Point3<f64> {
    let p = mesh.positions();
    t.vertices
        .iter()
        .map(|&v| p[v as usize])
        .min_by(|a, b| (a - q).norm_squared().total_cmp(&(b - q).norm_squared()))
        .unwrap_or(*q)
}

/// One half (buccal or lingual) of the strip through a crown's middle.
struct HalfStrip {
    /// Its vertices.
    vertices: Vec<u32>,
    /// Its lowest point along the crown's axis, nearest the strip's middle: the gum line there.
    lowest: Option<Point3<f64>>,
}

/// A crown's own frame (mm, unit axes): the centre of its gum line, its mesio-distal axis and its long axis.
#[derive(Debug, Clone, Copy)]
struct CrownAxes {
    centre: Point3<f64>,
    mesial: Vector3<f64>,
    occlusal: Vector3<f64>,
}

/// The strip through a crown's middle along its long axis, split into its buccal and lingual halves.
struct FacialAxis {
    axes: CrownAxes,
    buccal: HalfStrip,
    lingual: HalfStrip,
}

impl FacialAxis {
    fn of(
        mesh: &Mesh,
        t: &Tooth,
        mesial: &Point3<f64>,
        distal: &Point3<f64>,
        cervical: Option<CrownAxes>,
    ) -> FacialAxis {
        let f = &t.frame;
        let p = mesh.positions();
        // Without a gum line: the jaw's occlusal axis, and the mesio-distal axis through the contacts about the
        // centroid (a rotated tooth's axis is not the arch's).
        let axes = cervical.unwrap_or_else(|| {
            let flat = |v: Vector3<f64>| v - f.occlusal * f.occlusal.dot(&v);
            let m = flat(mesial - distal).try_normalize(1e-6).filter(|m| m.dot(&f.mesial) > 0.0).unwrap_or(f.mesial);
            let x = |q: &Point3<f64>| m.dot(&(q - f.centroid));
            CrownAxes { centre: f.centroid + m * 0.5 * (x(mesial) + x(distal)), mesial: m, occlusal: f.occlusal }
        });
        let (m, o) = (axes.mesial, axes.occlusal);
        let b = o.cross(&m) * o.cross(&m).dot(&f.buccal).signum();
        let x = |v: u32| m.dot(&(p[v as usize] - axes.centre));
        let y = |v: u32| b.dot(&(p[v as usize] - axes.centre));
        let z = |v: u32| o.dot(&p[v as usize].coords);
        let width = m.dot(&(mesial - distal)).abs();
        let half = (AXIS_STRIP_FRACTION * width).max(AXIS_STRIP_MIN_MM);
        let on_strip: Vec<u32> = t.vertices.iter().copied().filter(|&v| x(v).abs() <= half).collect();
        let half_strip = |buccal: bool| {
            let vertices: Vec<u32> = on_strip.iter().copied().filter(|&v| (y(v) > 0.0) == buccal).collect();
            // The gum line crosses the strip nearly level: of the points near the strip's lowest, the one nearest
            // its middle.
            let bottom = vertices.iter().map(|&v| z(v)).fold(f64::INFINITY, f64::min);
            let lowest = vertices
                .iter()
                .copied()
                .filter(|&v| z(v) <= bottom + CERVICAL_BAND_MM)
                .min_by(|&a, &c| x(a).abs().total_cmp(&x(c).abs()))
                .map(|v| p[v as usize]);
            HalfStrip { vertices, lowest }
        };
        FacialAxis { axes, buccal: half_strip(true), lingual: half_strip(false) }
    }

    /// On the buccal strip, the point nearest to halfway from its lowest to its highest point (along the
    /// crown's axis) on the strip's middle line.
    fn facial_point(&self, mesh: &Mesh) -> Option<Point3<f64>> {
        let p = mesh.positions();
        let z = |v: u32| self.axes.occlusal.dot(&p[v as usize].coords);
        let x = |v: u32| self.axes.mesial.dot(&(p[v as usize] - self.axes.centre));
        let vs = &self.buccal.vertices;
        let (lo, hi) = vs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(z(v)), b.max(z(v))));
        let mid = 0.5 * (lo + hi);
        let off = |v: u32| (z(v) - mid).powi(2) + x(v).powi(2);
        vs.iter().copied().min_by(|&a, &b| off(a).total_cmp(&off(b))).map(|v| p[v as usize])
    }
}

/// The cusp tips of tooth `t`, highest first (mm).
fn cusp_tips(mesh: &Mesh, t: &Tooth, adjacency: &Csr, fdi_of: &[i32]) -> Vec<Point3<f64>> {
    let count = cusp_count(t.fdi);
    if count == 0 {
        return Vec::new();
    }
    let o = t.frame.occlusal;
    let height = |v: u32| o.dot(&mesh.positions()[v as usize].coords);
    let pts: Vec<Point3<f64>> = t.vertices.iter().map(|&v| mesh.positions()[v as usize]).collect();
    let z: Vec<f64> = pts.iter().map(|q| o.dot(&q.coords)).collect();
    let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let index = PointIndex::new(&pts);
    let mut tips: Vec<usize> = (0..pts.len())
        .filter(|&i| z[i] >= top - CUSP_BELOW_TOP_MM)
        // No neighbour on the crown is higher (cheap; the radius test below decides).
        .filter(|&i| {
            let v = t.vertices[i];
            adjacency.row(v as usize).iter().all(|&u| fdi_of[u as usize] != t.fdi || height(u) <= z[i])
        })
        .filter(|&i| {
            let around = index.within(&pts[i], CUSP_RADIUS_MM);
            // Highest within the radius (ties to the lower index), and standing above the lowest there.
            let highest = around.iter().all(|&(j, _)| z[j] < z[i] || (z[j] == z[i] && j >= i));
            let low = around.iter().map(|&(j, _)| z[j]).fold(f64::INFINITY, f64::min);
            highest && z[i] - low >= CUSP_PROMINENCE_MM
        })
        .collect();
    tips.sort_by(|&a, &b| z[b].total_cmp(&z[a]).then(a.cmp(&b)));
    if tips.is_empty() {
        // A worn or flat canine still has a highest point.
        tips = (0..pts.len()).max_by(|&a, &b| z[a].total_cmp(&z[b])).into_iter().collect();
    }
    tips.truncate(count);
    tips.into_iter().map(|i| pts[i]).collect()
}

/// A crown's own frame from its gum line: the centre of the gum line; the long axis square to the gum line's
/// plane; the mesio-distal axis through the crests of its two-fold wave (the gum line rises between the teeth,
/// the papillae, and dips mid-buccally and mid-lingually). `None` for a crown with too little gum line (a
/// teeth-only export), no clear wave, or axes more than [`CERVICAL_MAX_TURN_DEG`] from the arch's.
fn cervical_axis(mesh: &Mesh, t: &Tooth, adjacency: &Csr, fdi_of: &[i32]) -> Option<CrownAxes> {
    let p = mesh.positions();
    let f = &t.frame;
    let ring: Vec<Point3<f64>> = t
        .vertices
        .iter()
        .filter(|&&v| adjacency.row(v as usize).iter().any(|&u| fdi_of[u as usize] == 0))
        .map(|&v| p[v as usize])
        .collect();
    if ring.len() < CERVICAL_MIN_POINTS {
        return None;
    }
    let centre = Point3::from(ring.iter().fold(Vector3::zeros(), |a, q| a + q.coords) / ring.len() as f64);
    let e1 = f.mesial;
    let e2 = f.occlusal.cross(&e1);
    // Height over the crown's cross-section: z ≈ c + a tilted plane + a wave twice around.
    let mut a = DMatrix::zeros(ring.len(), 5);
    let mut z = DVector::zeros(ring.len());
    for (i, q) in ring.iter().enumerate() {
        let d = q - centre;
        let (u, w) = (e1.dot(&d), e2.dot(&d));
        let phi = w.atan2(u);
        let row = [1.0, u, w, (2.0 * phi).cos(), (2.0 * phi).sin()];
        for (k, r) in row.iter().enumerate() {
            a[(i, k)] = *r;
        }
        z[i] = f.occlusal.dot(&d);
    }
    let c = a.svd(true, true).solve(&z, 1e-12).ok()?;
    if c[3].hypot(c[4]) < CERVICAL_MIN_WAVE_MM {
        return None;
    }
    // The long axis stands square to the gum line's plane …
    let occlusal = (f.occlusal - e1 * c[1] - e2 * c[2]).try_normalize(1e-9)?;
    if occlusal.dot(&f.occlusal) < CERVICAL_MAX_TURN_DEG.to_radians().cos() {
        return None;
    }
    // … and the wave's crests lie on the mesio-distal axis, when near the arch's (a crown turned by more is
    // read from its contacts).
    let phi0 = 0.5 * c[4].atan2(c[3]);
    let m = e1 * phi0.cos() + e2 * phi0.sin();
    let m = (m - occlusal * occlusal.dot(&m)).try_normalize(1e-9)?;
    (m.dot(&e1).abs() >= CERVICAL_MAX_TURN_DEG.to_radians().cos()).then(|| CrownAxes {
        centre,
        mesial: m * m.dot(&e1).signum(),
        occlusal,
    })
}
