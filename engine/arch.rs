//! The dental arch form (the phantom places its teeth on it; segmentation fits one through a scan's crowns):
//! a smooth curve through mean tooth-centre positions of a permanent upper arch
//! (anterior radius ≈ 21 mm, intercanine ≈ 33 mm and first-molar ≈ 51 mm widths, in the range reported by
//! Bishara et al., Am J Orthod Dentofacial Orthop 1997;111:401–409), as a polyline parametrised by arc
//! length from the midline (negative to the patient's left).

use nalgebra::{Point2, Vector2};

/// Right half of the upper arch through tooth centres (x right, y anterior, mm), incisal point at the origin;
/// spaced so that Wheeler's mean mesio-distal widths fall on successive points.
const UPPER_RIGHT: [(f64, f64); 9] = [
    (0.0, 0.0),
    (8.0, -1.6),
    (14.5, -5.8),
    (19.5, -12.5),
    (23.0, -20.5),
    (25.5, -29.5),
    (27.5, -38.5),
    (29.0, -47.0),
    (30.0, -56.0),
];

/// A planar arch curve in the patient's horizontal plane (x right, y anterior), mm.
#[derive(Debug, Clone)]
pub struct ArchCurve {
    pts: Vec<Point2<f64>>,
    /// Signed arc length of each point from the midline (negative: patient's left).
    s: Vec<f64>,
}

impl ArchCurve {
    /// A curve through points ordered from the patient's left to right; arc length 0 where x crosses 0.
    pub fn from_points(pts: Vec<Point2<f64>>) -> Self {
        let mut s = vec![0.0; pts.len()];
        for i in 1..pts.len() {
            s[i] = s[i - 1] + (pts[i] - pts[i - 1]).norm();
        }
        // Midline: where x changes sign.
        let mid = (1..pts.len()).find(|&i| pts[i].x >= 0.0).unwrap_or(pts.len() / 2);
        let t = if pts[mid].x == pts[mid - 1].x { 0.0 } else { -pts[mid - 1].x / (pts[mid].x - pts[mid - 1].x) };
        let s0 = s[mid - 1] + t * (s[mid] - s[mid - 1]);
        // Patient's left (x < 0) gets negative arc length: the polyline runs from left to right.
        let s = s.iter().map(|v| v - s0).collect();
        Self { pts, s }
    }

    /// The arch form scaled so that the second-molar centres are `width` mm apart (mean 55 mm).
    pub fn dental(width: f64) -> Self {
        let k = width / 55.0;
        let mut ctrl: Vec<Point2<f64>> = UPPER_RIGHT.iter().rev().map(|&(x, y)| Point2::new(-x * k, y * k)).collect();
        ctrl.pop();
        ctrl.extend(UPPER_RIGHT.iter().map(|&(x, y)| Point2::new(x * k, y * k)));
        // Uniform Catmull–Rom spline through the control points, 100 samples per span.
        let n = ctrl.len();
        let get = |i: isize| ctrl[i.clamp(0, n as isize - 1) as usize];
        let mut pts = Vec::new();
        for i in 0..n as isize - 1 {
            let (p0, p1, p2, p3) = (get(i - 1), get(i), get(i + 1), get(i + 2));
            for j in 0..100 {
                let t = j as f64 / 100.0;
                let (t2, t3) = (t * t, t * t * t);
                let c = (p1.coords * 2.0
                    + (p2 - p0) * t
                    + (p0.coords * 2.0 - p1.coords * 5.0 + p2.coords * 4.0 - p3.coords) * t2
                    + (p1.coords * 3.0 - p0.coords - p2.coords * 3.0 + p3.coords) * t3)
                    * 0.5;
                pts.push(Point2::from(c));
            }
        }
        pts.push(ctrl[n - 1]);
        Self::from_points(pts)
    }

    /// Arc length from the midline to the right end (mm).
    pub fn half_length(&self) -> f64 {
        self.s.last().copied().unwrap_or(0.0).min(-self.s[0])
    }

    fn locate(&self, s: f64) -> (usize, f64) {
        let i = self.s.partition_point(|&v| v < s).clamp(1, self.s.len() - 1);
        let t = (s - self.s[i - 1]) / (self.s[i] - self.s[i - 1]);
        (i, t)
    }

    /// Point at signed arc length `s` (extrapolated linearly past the ends).
    pub fn point(&self, s: f64) -> Point2<f64> {
        let (i, t) = self.locate(s);
        self.pts[i - 1] + (self.pts[i] - self.pts[i - 1]) * t
    }

    /// Unit tangent in the direction of increasing `s` (patient's left to right).
    pub fn tangent(&self, s: f64) -> Vector2<f64> {
        let (i, _) = self.locate(s);
        (self.pts[i] - self.pts[i - 1]).normalize()
    }

    /// Unit normal pointing out of the arch (buccal / labial).
    pub fn outward(&self, s: f64) -> Vector2<f64> {
        let t = self.tangent(s);
        Vector2::new(-t.y, t.x)
    }

    /// The curve moved `d` mm inward (toward the tongue), re-parametrised by arc length.
    pub fn offset_inward(&self, d: f64) -> Self {
        let pts = (0..self.pts.len()).map(|i| self.pts[i] - self.outward(self.s[i]) * d).collect();
        Self::from_points(pts)
    }

    /// Signed arc length of the curve point nearest to `p`, and the signed offset (mm, positive outward).
    pub fn project(&self, p: &Point2<f64>) -> (f64, f64) {
        // The nearest segment first (d², s, the point on it); the side once, for it alone.
        let mut best = (f64::INFINITY, 0.0, *p);
        for i in 1..self.pts.len() {
            let (a, b) = (self.pts[i - 1], self.pts[i]);
            let ab = b - a;
            let t = ((p - a).dot(&ab) / ab.norm_squared()).clamp(0.0, 1.0);
            let q = a + ab * t;
            let d2 = (p - q).norm_squared();
            if d2 < best.0 {
                best = (d2, self.s[i - 1] + t * (self.s[i] - self.s[i - 1]), q);
            }
        }
        (best.1, (p - best.2).dot(&self.outward(best.1)))
    }

    /// The polyline's points and their arc lengths.
    pub fn points(&self) -> (&[Point2<f64>], &[f64]) {
        (&self.pts, &self.s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dental_arch_has_realistic_widths_and_faces_out() {
        let a = ArchCurve::dental(55.0);
        assert!(a.half_length() > 60.0);
        // Canine centres (arc ≈ 19 mm) about 33 mm apart, first molars (≈ 41 mm) about 51 mm apart.
        assert!((2.0 * a.point(19.0).x - 33.0).abs() < 2.5, "{}", a.point(19.0));
        assert!((2.0 * a.point(41.0).x - 50.5).abs() < 2.5, "{}", a.point(41.0));
        // At the midline the curve is at its most anterior point, tangent along +x, outward +y.
        let p = a.point(0.0);
        assert!(p.x.abs() < 1e-6 && p.y.abs() < 1e-6);
        assert!((a.tangent(0.0) - Vector2::x()).norm() < 1e-2);
        assert!((a.outward(0.0) - Vector2::y()).norm() < 1e-2);
        // Right side (s > 0) is x > 0 and its outward normal points to +x at the molars.
        assert!(a.point(50.0).x > 20.0 && a.outward(50.0).x > 0.8);
        let (s, r) = a.project(&(a.point(30.0) + a.outward(30.0) * 2.0));
        assert!((s - 30.0).abs() < 1e-3 && (r - 2.0).abs() < 1e-3);
        let inner = a.offset_inward(3.0);
        assert!((inner.point(0.0).y - (p.y - 3.0)).abs() < 1e-3);
    }
}
