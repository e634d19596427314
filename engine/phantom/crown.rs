//! Parametric tooth crowns by type: a lofted side from the scalloped cervical line to the height of contour,
//! and an occlusal surface of Gaussian cusps, fossae and marginal ridges, in the tooth's own frame.
//!
//! Local frame (mm): `m` mesial, `b` buccal, `o` occlusal (right-handed); origin at the centre of the
//! cervical cross-section at the mid-facial cervical line. The crown's highest point is at `o = height`.

use crate::anatomy::{tooth_dims, tooth_type, ToothType};
use crate::landmark::LandmarkClass;
use crate::mesh::Mesh;
use nalgebra::Point3;
use std::f64::consts::PI;

/// How finely crowns are tessellated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrownResolution {
    /// Vertices around the crown.
    pub around: usize,
    /// Rings on the side, cervical line to occlusal rim.
    pub side: usize,
    /// Rings on the occlusal surface, rim to centre.
    pub occlusal: usize,
}

impl Default for CrownResolution {
    fn default() -> Self {
        Self { around: 96, side: 30, occlusal: 18 }
    }
}

/// A crown preparation: how much tooth structure is removed (mm).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Reduction {
    /// Occlusal reduction: the occlusal surface is lowered by this much.
    pub occlusal: f64,
    /// Axial reduction: the side walls move inward by this much above a chamfer at the margin.
    pub axial: f64,
}

/// Gingival recession on a crown: its cervical line moved apically, mid-buccal and mid-lingual (mm, local
/// units), tapering to nothing toward the contact sides (as `sin⁴` of the angle from mesial); the crown's
/// side continues below the cervical line over the exposed root, its cervical taper extended; the crown above
/// is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Recession {
    /// Apical shift of the margin at mid-buccal (mm).
    pub buccal_mm: f64,
    /// Apical shift of the margin at mid-lingual (mm).
    pub lingual_mm: f64,
}

impl Recession {
    /// The apical shift of the margin at angle `u` from mesial (π/2 buccal, 3π/2 lingual), mm.
    pub fn at(&self, u: f64) -> f64 {
        let s = u.sin();
        if s >= 0.0 {
            self.buccal_mm * s.powi(4)
        } else {
            self.lingual_mm * s.powi(4)
        }
    }
}

/// A crown in its local frame.
#[derive(Debug, Clone)]
pub struct Crown {
    /// Closed surface (crown plus a short rounded root stub), outward-facing: for collision and distances.
    pub closed: Mesh,
    /// Number of leading vertices and triangles of `closed` that form the visible crown (side + occlusal).
    pub open_vertices: usize,
    /// Number of leading triangles of `closed` that form the visible crown.
    pub open_triangles: usize,
    /// Indices of the cervical ring (the gingival margin), in order of increasing angle from mesial to buccal.
    pub ring: Vec<u32>,
    /// Mesio-distal half width at the height of contour (mm).
    pub half_md: f64,
    /// Bucco-lingual half width at the height of contour (mm).
    pub half_bl: f64,
    /// Crown height (mm).
    pub height: f64,
    /// True landmarks in the local frame (mm): the mesial and distal heights of contour (where a neighbour
    /// would touch), the facial-axis point, the cervical points mid-buccal and mid-lingual, and the cusp tips.
    pub landmarks: Vec<(LandmarkClass, Point3<f64>)>,
}

/// Fraction of the side's height, cervical line to occlusal rim, at which the crown is widest (its height of
/// contour).
const HEIGHT_OF_CONTOUR: f64 = 0.33;

struct Shape {
    ty: ToothType,
    a: f64,
    c: f64,
    h: f64,
    n: f64,
    cerv_md: f64,
    cerv_bl: f64,
    top_md: f64,
    top_bl: f64,
    scallop: f64,
    cusps: Vec<(f64, f64, f64)>,
    mesial_slope: f64,
    distal_slope: f64,
    /// Highest value of the summed cusp bumps over the occlusal outline (normalises the relief).
    top: f64,
}

fn shape(fdi: i32) -> Shape {
    let d = tooth_dims(fdi);
    let ty = tooth_type(fdi);
    let upper = crate::dentition::jaw_of_fdi(fdi) == Some(crate::dentition::Jaw::Upper);
    let pos = fdi % 10;
    let (n, top_md, top_bl, scallop_frac) = match ty {
        ToothType::Incisor => (2.2, 0.9, 0.12, 0.3),
        ToothType::Canine => (2.0, 0.8, 0.3, 0.22),
        ToothType::Premolar => (2.3, 0.82, 0.7, 0.18),
        ToothType::Molar => (2.8, 0.86, 0.8, 0.12),
    };
    // Cusp (m, b, relative height) in coordinates normalised to the occlusal outline.
    let cusps = match (ty, upper, pos) {
        (ToothType::Premolar, true, _) => vec![(0.0, 0.45, 1.0), (0.0, -0.5, 0.9)],
        (ToothType::Premolar, false, 4) => vec![(0.0, 0.4, 1.0), (0.0, -0.55, 0.45)],
        (ToothType::Premolar, false, _) => vec![(0.0, 0.42, 1.0), (0.0, -0.5, 0.8)],
        (ToothType::Molar, true, _) => vec![(0.45, 0.5, 1.0), (-0.45, 0.5, 0.9), (0.4, -0.45, 1.05), (-0.5, -0.5, 0.7)],
        (ToothType::Molar, false, 6) => {
            vec![(0.55, 0.5, 0.95), (0.0, 0.55, 0.9), (-0.6, 0.4, 0.7), (0.5, -0.5, 1.0), (-0.3, -0.5, 0.95)]
        }
        (ToothType::Molar, false, _) => {
            vec![(0.45, 0.5, 0.95), (-0.45, 0.5, 0.9), (0.45, -0.5, 1.0), (-0.45, -0.5, 0.95)]
        }
        _ => vec![],
    };
    let mut shape = Shape {
        ty,
        a: d.md / 2.0,
        c: d.bl / 2.0,
        h: d.height,
        n,
        cerv_md: 0.78,
        cerv_bl: 0.85,
        top_md,
        top_bl,
        scallop: scallop_frac * d.height,
        cusps,
        mesial_slope: 2.4,
        distal_slope: 3.0,
        top: 1.0,
    };
    let n = 120;
    shape.top = (0..=n * n)
        .map(|k| (-1.0 + 2.0 * (k % (n + 1)) as f64 / n as f64, -1.0 + 2.0 * (k / (n + 1)) as f64 / n as f64))
        .map(|(x, y)| shape.bumps(x, y))
        .fold(f64::MIN, f64::max)
        .max(1e-9);
    shape
}

/// Unit superellipse point at angle `u` (m, b), exponent `n`.
fn superellipse(u: f64, n: f64) -> (f64, f64) {
    let (s, c) = u.sin_cos();
    (c.signum() * c.abs().powf(2.0 / n), s.signum() * s.abs().powf(2.0 / n))
}

impl Shape {
    /// Occlusal relief (mm, ≤ 0; 0 at the highest cusp) at normalised occlusal coordinates.
    fn relief(&self, xm: f64, yb: f64) -> f64 {
        match self.ty {
            ToothType::Incisor => -0.7 * xm.powi(4) - 0.2 * yb * yb,
            ToothType::Canine => {
                let slope = if xm > 0.0 { self.mesial_slope } else { self.distal_slope };
                -slope * xm.abs().powf(1.3) - 0.5 * yb * yb
            }
            ToothType::Premolar | ToothType::Molar => {
                let cusp_height = if self.ty == ToothType::Molar { 2.2 } else { 2.4 };
                cusp_height * (self.bumps(xm, yb) / self.top - 1.0)
            }
        }
    }

    /// Sum of cusp bumps and marginal ridges at normalised occlusal coordinates (posterior teeth).
    fn bumps(&self, xm: f64, yb: f64) -> f64 {
        let sigma = if self.ty == ToothType::Molar { 0.42 } else { 0.5 };
        let mut raw: f64 = self
            .cusps
            .iter()
            .map(|&(cx, cy, amp)| amp * (-((xm - cx).powi(2) + (yb - cy).powi(2)) / (sigma * sigma)).exp())
            .sum();
        // Marginal ridges close the fossa mesially and distally.
        raw += 0.55 * (-((xm.abs() - 0.86) / 0.14).powi(2)).exp() * (-(yb / 0.6).powi(2)).exp();
        raw
    }

    /// Cusp tips in normalised occlusal coordinates: the local maxima of the relief (the highest point for a
    /// canine, none for an incisor), found by climbing from each modelled cusp.
    fn cusp_tips(&self) -> Vec<(f64, f64)> {
        match self.ty {
            ToothType::Incisor => return Vec::new(),
            ToothType::Canine => return vec![(0.0, 0.0)],
            _ => {}
        }
        let f = |x: f64, y: f64| self.relief(x, y);
        let mut tips: Vec<(f64, f64)> = Vec::new();
        for &(cx, cy, _) in &self.cusps {
            let (mut x, mut y) = (cx, cy);
            let mut step = 0.02;
            while step > 1e-6 {
                // The best of the eight neighbours at this step, or a smaller step.
                let best = (0..8)
                    .map(|k| {
                        let a = k as f64 * PI / 4.0;
                        (x + step * a.cos(), y + step * a.sin())
                    })
                    .max_by(|p, q| f(p.0, p.1).total_cmp(&f(q.0, q.1)))
                    .filter(|p| f(p.0, p.1) > f(x, y));
                match best {
                    Some(p) => (x, y) = p,
                    None => step /= 2.0,
                }
            }
            let inside = x.abs().powf(self.n) + y.abs().powf(self.n) <= 1.0;
            if inside && !tips.iter().any(|t| (t.0 - x).hypot(t.1 - y) < 0.05) {
                tips.push((x, y));
            }
        }
        tips
    }

    /// Half widths (m, b) of the side cross-section at fraction `v` (0 cervical … 1 occlusal rim).
    fn widths(&self, v: f64) -> (f64, f64) {
        let hc = HEIGHT_OF_CONTOUR;
        let f = |cerv: f64, top: f64| {
            if v < 0.0 {
                // Over a root a recession exposes: the cervical taper continued.
                cerv + (1.0 - cerv) * PI / 2.0 * v / hc
            } else if v < hc {
                cerv + (1.0 - cerv) * (PI / 2.0 * v / hc).sin()
            } else {
                1.0 - (1.0 - top) * ((v - hc) / (1.0 - hc)).powi(2)
            }
        };
        (self.a * f(self.cerv_md, self.top_md), self.c * f(self.cerv_bl, self.top_bl))
    }
}

impl Crown {
    /// The same crown uniformly scaled by `k` about its local origin (a larger or smaller patient).
    pub fn scaled(mut self, k: f64) -> Crown {
        let p = self.closed.positions().iter().map(|q| Point3::from(q.coords * k)).collect();
        self.closed = Mesh::new(p, self.closed.triangles().to_vec()).expect("a scaled crown is valid");
        self.half_md *= k;
        self.half_bl *= k;
        self.height *= k;
        for (_, p) in &mut self.landmarks {
            *p = Point3::from(p.coords * k);
        }
        self
    }
}

/// Builds the crown of tooth `fdi` with an optional preparation.
pub fn crown(fdi: i32, res: CrownResolution, prep: Option<Reduction>) -> Crown {
    crown_with(fdi, res, prep, Recession::default())
}

/// [`crown`] with its gingival margin receded as `recession` says.
pub fn crown_with(fdi: i32, res: CrownResolution, prep: Option<Reduction>, recession: Recession) -> Crown {
    let s = shape(fdi);
    let prep = prep.unwrap_or_default();
    let h = s.h - prep.occlusal;
    let nu = res.around.max(8);
    let (ns, no) = (res.side.max(2), res.occlusal.max(2));
    let mut pts: Vec<Point3<f64>> = Vec::new();
    let cerv_w = |u: f64| s.scallop * u.cos().powi(2);
    let (top_a, top_c) = s.widths(1.0);
    let rim_w = |u: f64| {
        let (ex, ey) = superellipse(u, s.n);
        h + s.relief(ex, ey)
    };
    let axial = |v: f64| prep.axial * (v / 0.12).clamp(0.0, 1.0);
    // The side at angle `u` from mesial and fraction `v` of its height (0 cervical line … 1 occlusal rim).
    let side = |u: f64, v: f64| {
        let (mut a, mut c) = s.widths(v);
        a -= axial(v);
        c -= axial(v);
        let (ex, ey) = superellipse(u, s.n);
        if matches!(s.ty, ToothType::Incisor | ToothType::Canine) && ey < 0.0 {
            // Cingulum: a lingual bulge in the cervical third.
            c *= 1.0 + 0.35 * (-((v - 0.22) / 0.14).powi(2)).exp() * ey.abs();
        }
        let w = cerv_w(u) + v * (rim_w(u) - cerv_w(u));
        Point3::new(a * ex, c * ey, w)
    };
    // Where the side starts at angle `u` (fraction of its height, 0 the cervical line): below it where the
    // margin has receded, the profile continued over the root.
    let cervical_v = |u: f64| -recession.at(u) / (rim_w(u) - cerv_w(u)).max(1.0);
    // Side rings.
    for i in 0..=ns {
        for k in 0..nu {
            let u = 2.0 * PI * k as f64 / nu as f64;
            let lo = cervical_v(u);
            pts.push(side(u, lo + (1.0 - lo) * i as f64 / ns as f64));
        }
    }
    // Occlusal rings, rim inward, then the centre.
    let (ta, tc) = (top_a - prep.axial, top_c - prep.axial);
    for i in 1..no {
        let r = 1.0 - i as f64 / no as f64;
        for k in 0..nu {
            let u = 2.0 * PI * k as f64 / nu as f64;
            let (ex, ey) = superellipse(u, s.n);
            pts.push(Point3::new(ta * r * ex, tc * r * ey, h + s.relief(r * ex, r * ey)));
        }
    }
    let center = pts.len() as u32;
    pts.push(Point3::new(0.0, 0.0, h + s.relief(0.0, 0.0)));
    let id = |ring: usize, k: usize| (ring * nu + k % nu) as u32;
    let mut tris = Vec::new();
    let rings = ns + no; // rings 0..rings-1, ring index ns is the rim
    for i in 0..rings - 1 {
        for k in 0..nu {
            let (a, b, c, d) = (id(i, k), id(i, k + 1), id(i + 1, k + 1), id(i + 1, k));
            tris.push([a, b, c]);
            tris.push([a, c, d]);
        }
    }
    for k in 0..nu {
        tris.push([id(rings - 1, k), id(rings - 1, k + 1), center]);
    }
    let (open_vertices, open_triangles) = (pts.len(), tris.len());
    // Root stub: a ring inside and below the cervical line, then an apex, so the crown is closed.
    let (ca, cc) = s.widths(0.0);
    let stub = pts.len();
    for k in 0..nu {
        let u = 2.0 * PI * k as f64 / nu as f64;
        let (ex, ey) = superellipse(u, s.n);
        pts.push(Point3::new(0.75 * ca * ex, 0.75 * cc * ey, cerv_w(u) - recession.at(u) - 2.0));
    }
    let apex = pts.len() as u32;
    pts.push(Point3::new(0.0, 0.0, -3.5 - recession.buccal_mm.max(recession.lingual_mm)));
    for k in 0..nu {
        let (a, b) = (id(0, k), id(0, k + 1));
        let (c, d) = ((stub + (k + 1) % nu) as u32, (stub + k) as u32);
        tris.push([a, c, b]);
        tris.push([a, d, c]);
        tris.push([d, apex, c]);
    }
    let closed = Mesh::new(pts, tris).expect("crown is valid");
    let mut landmarks = vec![
        (LandmarkClass::Mesial, side(0.0, HEIGHT_OF_CONTOUR)),
        (LandmarkClass::Distal, side(PI, HEIGHT_OF_CONTOUR)),
    ];
    // Andrews' FA point: on the mid-facial profile, halfway from the cervical line (height 0 there) to the
    // profile's highest point (incisal edge or buccal cusp).
    let profile_top = (0..=100).map(|k| h + s.relief(0.0, k as f64 / 100.0)).fold(f64::NEG_INFINITY, f64::max);
    landmarks.push((LandmarkClass::FacialPoint, side(PI / 2.0, (0.5 * profile_top / rim_w(PI / 2.0)).clamp(0.0, 1.0))));
    landmarks.push((LandmarkClass::OuterPoint, side(PI / 2.0, cervical_v(PI / 2.0))));
    landmarks.push((LandmarkClass::InnerPoint, side(1.5 * PI, cervical_v(1.5 * PI))));
    if prep.occlusal <= 0.0 {
        landmarks.extend(
            s.cusp_tips()
                .into_iter()
                .map(|(x, y)| (LandmarkClass::Cusp, Point3::new(ta * x, tc * y, h + s.relief(x, y)))),
        );
    }
    Crown {
        closed,
        open_vertices,
        open_triangles,
        ring: (0..nu as u32).collect(),
        half_md: s.a - prep.axial,
        half_bl: s.c - prep.axial,
        height: h,
        landmarks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::Topology;

    #[test]
    fn every_crown_is_closed_outward_and_sized() {
        for q in 1..=4 {
            for t in 1..=8 {
                let fdi = q * 10 + t;
                let c = crown(fdi, CrownResolution::default(), None);
                let topo = Topology::new(&c.closed);
                assert!(topo.boundary_edges().is_empty() && topo.non_manifold_edges().is_empty(), "{fdi}");
                assert!(c.closed.signed_volume() > 0.0, "{fdi} faces inward");
                let bb = c.closed.bounding_box().unwrap();
                let d = tooth_dims(fdi);
                assert!((bb.max.z - d.height).abs() < 0.05, "{fdi}: top {} vs {}", bb.max.z, d.height);
                assert!((bb.size().x - d.md).abs() < 0.05 * d.md, "{fdi}: md {} vs {}", bb.size().x, d.md);
            }
        }
    }
}
