//! Area-uniform random point sampling of a mesh surface, deterministic from a seed.

use super::Mesh;
use nalgebra::{Point3, Vector3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A point on the surface (mm) with the triangle it lies on and that triangle's unit normal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurfaceSample {
    /// Position (mm, mesh frame).
    pub point: Point3<f64>,
    /// Unit normal of the triangle.
    pub normal: Vector3<f64>,
    /// Index of the triangle.
    pub face: u32,
}

impl Mesh {
    /// `count` points spread uniformly by area over the surface; the same seed gives the same points.
    pub fn sample_surface(&self, count: usize, seed: u64) -> Vec<SurfaceSample> {
        let mut cdf = Vec::with_capacity(self.face_count());
        let mut total = 0.0;
        for f in 0..self.face_count() {
            total += 0.5 * self.face_area_vector(f).norm();
            cdf.push(total);
        }
        if total <= 0.0 {
            return Vec::new();
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..count)
            .map(|_| {
                let r = rng.random::<f64>() * total;
                let f = cdf.partition_point(|&c| c < r).min(cdf.len() - 1);
                let (mut u, mut v) = (rng.random::<f64>(), rng.random::<f64>());
                if u + v > 1.0 {
                    (u, v) = (1.0 - u, 1.0 - v);
                }
                let [a, b, c] = self.triangle(f);
                let normal = (b - a).cross(&(c - a)).try_normalize(0.0).unwrap_or_else(Vector3::zeros);
                SurfaceSample { point: a + (b - a) * u + (c - a) * v, normal, face: f as u32 }
            })
            .collect()
    }

    /// Area-uniform samples at about one per `mm2_per_sample` of surface (their number clamped to
    /// `min..=max`), as points (mm) and their triangles' unit normals: a surface dense enough for nearest
    /// samples to stand for it, whatever its triangle sizes.
    pub fn oriented_samples(
        &self,
        mm2_per_sample: f64,
        min: usize,
        max: usize,
        seed: u64,
    ) -> (Vec<Point3<f64>>, Vec<Vector3<f64>>) {
        let count = ((self.area() / mm2_per_sample) as usize).clamp(min, max);
        self.sample_surface(count, seed).into_iter().map(|s| (s.point, s.normal)).unzip()
    }
}
