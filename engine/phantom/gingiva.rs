//! Gingiva and base of a jaw model: a surface over the arch (constrained Delaunay triangulation with a hole at
//! every tooth's cervical ring, so crowns and gingiva share their margin vertices), scalloped papillae, a
//! vestibule, a palate with rugae for the upper jaw, and a flat base that closes the model.
//!
//! Works in jaw-local coordinates: x, y as in the patient frame, `w` toward the occlusal plane.

use crate::arch::ArchCurve;
use crate::mesh::PointIndex;
use nalgebra::{Point2, Point3};
use spade::{ConstrainedDelaunayTriangulation, Point2 as SPoint, Triangulation};

/// What the gingiva builder needs to know about the arch.
pub struct GingivaInput<'a> {
    /// Arch curve through the tooth centres.
    pub curve: &'a ArchCurve,
    /// Arc length range the model covers (mm).
    pub s_range: (f64, f64),
    /// Cervical (gingival) level `w` at arc length `s` (mm).
    pub level: &'a dyn Fn(f64) -> f64,
    /// Half bucco-lingual width of the dentition at `s` (mm).
    pub half_width: &'a dyn Fn(f64) -> f64,
    /// Upper jaw: the palate closes the arch; lower: a horseshoe open for the tongue.
    pub palate: bool,
    /// Margin rings: for each tooth, (vertex id, jaw-local position) in order around the tooth.
    pub rings: Vec<Vec<(u32, Point3<f64>)>>,
    /// Spacing of the gingiva vertices (mm).
    pub spacing: f64,
}

/// The gingiva surface and base: new vertices (ids from `first_id` on) and triangles over all ids.
pub struct GingivaMesh {
    /// New vertex positions, jaw-local.
    pub positions: Vec<Point3<f64>>,
    /// Triangles (ids of ring vertices or new vertices), outward-facing in jaw-local coordinates.
    pub triangles: Vec<[u32; 3]>,
    /// How many of `positions` are on the gingiva surface (the rest are the base).
    pub surface_vertices: usize,
}

fn smoothstep(a: f64, b: f64, x: f64) -> f64 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn softplus(x: f64) -> f64 {
    if x > 20.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

fn point_in_polygon(p: &Point2<f64>, poly: &[Point2<f64>]) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + 1) % n]);
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
            inside = !inside;
        }
    }
    inside
}

fn dist_to_polyline(p: &Point2<f64>, poly: &[Point2<f64>]) -> f64 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            let ab = b - a;
            let t = ((p - a).dot(&ab) / ab.norm_squared().max(1e-18)).clamp(0.0, 1.0);
            (p - (a + ab * t)).norm()
        })
        .fold(f64::INFINITY, f64::min)
}

fn signed_area(poly: &[Point2<f64>]) -> f64 {
    let n = poly.len();
    (0..n).map(|i| poly[i].x * poly[(i + 1) % n].y - poly[(i + 1) % n].x * poly[i].y).sum::<f64>() / 2.0
}

impl GingivaInput<'_> {
    /// Height `w` of the soft tissue at `p` before blending into the margins (mm).
    fn height(&self, p: &Point2<f64>) -> f64 {
        let (s, r) = self.curve.project(p);
        let s_clamped = s.clamp(self.s_range.0, self.s_range.1);
        let level = (self.level)(s_clamped);
        let beyond = r.abs() - (self.half_width)(s_clamped);
        let mut depth = 0.6 + 0.75 * softplus(beyond);
        if self.palate && r < 0.0 {
            let rr = beyond.max(0.0);
            depth = 0.6 + 0.5 * softplus(beyond) + 11.0 * (1.0 - (-(rr / 8.0).powi(2)).exp());
            // Rugae: wavy transverse ridges in the anterior palate, an incisive papilla, a median raphe.
            let front = 1.0 - smoothstep(16.0, 24.0, s.abs());
            let mut bump = 0.0;
            for j in 0..4 {
                let jf = j as f64;
                let centre = 2.8 + 2.9 * jf + 0.6 * (0.5 * p.x + 1.7 * jf).sin();
                let lateral = 1.0 - smoothstep(9.0 - 1.2 * jf, 13.0 - 1.2 * jf, p.x.abs());
                bump += (0.65 - 0.08 * jf) * (-((rr - centre) / 0.6).powi(2)).exp() * lateral;
            }
            bump += 1.0 * (-(p.x / 1.4).powi(2) - ((rr - 1.6) / 1.6).powi(2)).exp();
            bump += 0.25 * (-(p.x / 0.8).powi(2)).exp() * smoothstep(6.0, 10.0, rr);
            depth -= bump * front;
        }
        level - depth
    }
}

/// Builds gingiva and base around the given margin rings.
pub fn build(input: &GingivaInput, first_id: u32) -> GingivaMesh {
    let h = input.spacing;
    let (s0, s1) = input.s_range;
    let curve = input.curve;
    let off = |s: f64, r: f64| {
        let p = curve.point(s);
        p + curve.outward(s) * r
    };
    // Outer boundary: buccal side left → right, then the lingual side back (lower) or across the palate (upper).
    let buccal = |s: f64| (input.half_width)(s) + 5.0;
    let lingual = |s: f64| (input.half_width)(s) + 6.5;
    let n_along = ((s1 - s0) / h).ceil() as usize;
    let mut outer: Vec<Point2<f64>> =
        (0..=n_along).map(|i| s0 + (s1 - s0) * i as f64 / n_along as f64).map(|s| off(s, buccal(s))).collect();
    if input.palate {
        let (a, b) = (off(s1, buccal(s1)), off(s0, buccal(s0)));
        let n = ((a - b).norm() / h).ceil() as usize;
        // The posterior border of the palate bows backward (a straight, collinear run would leave slivers).
        outer.extend((1..n).map(|i| {
            let t = i as f64 / n as f64;
            a + (b - a) * t - nalgebra::Vector2::y() * 4.0 * (std::f64::consts::PI * t).sin()
        }));
    } else {
        outer.extend(
            (0..=n_along).rev().map(|i| s0 + (s1 - s0) * i as f64 / n_along as f64).map(|s| off(s, -lingual(s))),
        );
    }
    if signed_area(&outer) < 0.0 {
        outer.reverse();
    }
    let rings2: Vec<Vec<Point2<f64>>> =
        input.rings.iter().map(|r| r.iter().map(|(_, p)| Point2::new(p.x, p.y)).collect()).collect();
    let ring_boxes: Vec<(Point2<f64>, Point2<f64>)> =
        rings2.iter().map(|r| r.iter().fold((r[0], r[0]), |(lo, hi), p| (lo.inf(p), hi.sup(p)))).collect();
    let in_ring = |p: &Point2<f64>, margin: f64| {
        rings2.iter().zip(&ring_boxes).any(|(r, (lo, hi))| {
            p.x > lo.x - margin
                && p.x < hi.x + margin
                && p.y > lo.y - margin
                && p.y < hi.y + margin
                && (point_in_polygon(p, r) || dist_to_polyline(p, r) < margin)
        })
    };
    // Interior points on a square grid, clear of the boundary and the rings.
    let (lo, hi) = outer.iter().fold((outer[0], outer[0]), |(lo, hi), p| (lo.inf(p), hi.sup(p)));
    let mut interior = Vec::new();
    let (nx, ny) = (((hi.x - lo.x) / h) as usize, ((hi.y - lo.y) / h) as usize);
    for j in 0..=ny {
        for i in 0..=nx {
            // Offset alternate rows for better-shaped triangles.
            let p = Point2::new(lo.x + (i as f64 + 0.5 * (j % 2) as f64) * h, lo.y + j as f64 * h);
            if point_in_polygon(&p, &outer) && dist_to_polyline(&p, &outer) > 0.6 * h && !in_ring(&p, 0.6 * h) {
                interior.push(p);
            }
        }
    }
    // Ring vertices keep their ids and positions; new vertices are boundary then interior.
    let ring_index = {
        let pts: Vec<Point3<f64>> = input.rings.iter().flatten().map(|(_, p)| Point3::new(p.x, p.y, 0.0)).collect();
        PointIndex::new(&pts)
    };
    let ring_flat: Vec<&(u32, Point3<f64>)> = input.rings.iter().flatten().collect();
    let surface_w = |p: &Point2<f64>| {
        let w = input.height(p);
        match ring_index.nearest(&Point3::new(p.x, p.y, 0.0)) {
            Some((i, d)) => {
                let wr = ring_flat[i].1.z;
                wr + (w - wr) * (1.0 - (-(d / 1.1).powi(2)).exp())
            }
            None => w,
        }
    };
    let mut positions: Vec<Point3<f64>> = Vec::new();
    let mut cdt: ConstrainedDelaunayTriangulation<SPoint<f64>> = ConstrainedDelaunayTriangulation::new();
    let mut id_of_handle: Vec<u32> = Vec::new();
    let mut insert = |cdt: &mut ConstrainedDelaunayTriangulation<SPoint<f64>>, p: &Point2<f64>, id: u32| {
        let hnd = cdt.insert(SPoint::new(p.x, p.y)).expect("finite point");
        let k = hnd.index();
        if id_of_handle.len() <= k {
            id_of_handle.resize(k + 1, u32::MAX);
        }
        if id_of_handle[k] == u32::MAX {
            id_of_handle[k] = id;
        }
        hnd
    };
    let outer_ids: Vec<u32> = (0..outer.len()).map(|i| first_id + i as u32).collect();
    for p in &outer {
        positions.push(Point3::new(p.x, p.y, surface_w(p)));
    }
    let outer_handles: Vec<_> = outer.iter().zip(&outer_ids).map(|(p, &id)| insert(&mut cdt, p, id)).collect();
    for i in 0..outer_handles.len() {
        cdt.add_constraint(outer_handles[i], outer_handles[(i + 1) % outer_handles.len()]);
    }
    for ring in &input.rings {
        let handles: Vec<_> = ring.iter().map(|(id, p)| insert(&mut cdt, &Point2::new(p.x, p.y), *id)).collect();
        for i in 0..handles.len() {
            let (a, b) = (handles[i], handles[(i + 1) % handles.len()]);
            if a != b && cdt.can_add_constraint(a, b) {
                cdt.add_constraint(a, b);
            } else if std::env::var_os("CUSP_DEBUG_GINGIVA").is_some() {
                eprintln!(
                    "ring constraint refused: {:?} {:?} same={}",
                    ring[i].1,
                    ring[(i + 1) % ring.len()].1,
                    a == b
                );
            }
        }
    }
    for p in &interior {
        let id = first_id + positions.len() as u32;
        positions.push(Point3::new(p.x, p.y, surface_w(p)));
        insert(&mut cdt, p, id);
    }
    let mut triangles = Vec::new();
    for f in cdt.inner_faces() {
        let vs = f.vertices();
        let c =
            vs.iter().fold(Point2::origin(), |acc, v| acc + Point2::new(v.position().x, v.position().y).coords / 3.0);
        if !point_in_polygon(&c, &outer) || in_ring(&c, 0.0) {
            continue;
        }
        let ids = vs.map(|v| id_of_handle[v.fix().index()]);
        if ids.iter().all(|&i| i != u32::MAX) {
            triangles.push(ids); // spade's faces are counter-clockwise: facing +w
        }
    }
    let surface_vertices = positions.len();
    // Base: walls straight down from the boundary, then a flat floor.
    let all_w = positions.iter().map(|p| p.z).chain(input.rings.iter().flatten().map(|(_, p)| p.z));
    let floor = all_w.fold(f64::INFINITY, f64::min) - 2.0;
    let bottom0 = first_id + positions.len() as u32;
    for p in &outer {
        positions.push(Point3::new(p.x, p.y, floor));
    }
    let n = outer.len() as u32;
    for i in 0..n {
        let j = (i + 1) % n;
        let (ti, tj, bi, bj) = (outer_ids[i as usize], outer_ids[j as usize], bottom0 + i, bottom0 + j);
        triangles.push([ti, bi, bj]);
        triangles.push([ti, bj, tj]);
    }
    let mut floor_cdt: ConstrainedDelaunayTriangulation<SPoint<f64>> = ConstrainedDelaunayTriangulation::new();
    let fh: Vec<_> = outer.iter().map(|p| floor_cdt.insert(SPoint::new(p.x, p.y)).expect("finite")).collect();
    for i in 0..fh.len() {
        floor_cdt.add_constraint(fh[i], fh[(i + 1) % fh.len()]);
    }
    for f in floor_cdt.inner_faces() {
        let vs = f.vertices();
        let c =
            vs.iter().fold(Point2::origin(), |acc, v| acc + Point2::new(v.position().x, v.position().y).coords / 3.0);
        if point_in_polygon(&c, &outer) {
            let [a, b, c] = vs.map(|v| bottom0 + v.fix().index() as u32);
            triangles.push([a, c, b]); // facing −w
        }
    }
    GingivaMesh { positions, triangles, surface_vertices }
}
