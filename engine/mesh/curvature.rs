//! Principal curvatures per vertex from discrete differential geometry (Meyer, Desbrun, Schröder & Barr 2003,
//! "Discrete differential-geometry operators for triangulated 2-manifolds"): the cotangent Laplacian gives the
//! mean curvature, the angle deficit the Gaussian curvature, both over the mixed Voronoi area.

use super::{Mesh, Topology};
use nalgebra::Vector3;

/// Curvatures per vertex, in 1/mm. Positive mean curvature is convex (a cusp tip), negative concave (a fissure,
/// the gingival margin), with respect to the vertex normals.
#[derive(Debug, Clone, PartialEq)]
pub struct Curvature {
    /// Larger principal curvature κ₁ (1/mm).
    pub k1: Vec<f64>,
    /// Smaller principal curvature κ₂ (1/mm).
    pub k2: Vec<f64>,
    /// Mean curvature H = (κ₁ + κ₂) / 2 (1/mm).
    pub mean: Vec<f64>,
    /// Gaussian curvature K = κ₁ κ₂ (1/mm²).
    pub gaussian: Vec<f64>,
}

impl Mesh {
    /// Principal, mean and Gaussian curvature at every vertex (0 for unused vertices).
    ///
    /// On boundary vertices the angle deficit is taken against π, so open scans have no artificial spike at the rim.
    pub fn curvature(&self) -> Curvature {
        self.curvature_with(&Topology::new(self))
    }

    /// [`Mesh::curvature`] with the mesh's topology already built.
    pub fn curvature_with(&self, topo: &Topology) -> Curvature {
        let n = self.vertex_count();
        let p = self.positions();
        let normals = self.vertex_normals();
        let mut lap = vec![Vector3::zeros(); n];
        let mut area = vec![0.0f64; n];
        let mut angle_sum = vec![0.0f64; n];
        for t in self.triangles() {
            let v = t.map(|i| i as usize);
            let x = v.map(|i| p[i]);
            let e = [x[2] - x[1], x[0] - x[2], x[1] - x[0]]; // e[k] is opposite corner k
            let double_area = e[0].cross(&e[1]).norm();
            if double_area <= f64::EPSILON {
                continue;
            }
            let mut cot = [0.0; 3];
            let mut ang = [0.0; 3];
            for k in 0..3 {
                let (a, b) = (-e[(k + 2) % 3], e[(k + 1) % 3]); // edges leaving corner k
                let (dot, cross) = (a.dot(&b), a.cross(&b).norm());
                cot[k] = dot / cross;
                ang[k] = cross.atan2(dot);
            }
            let obtuse = ang.iter().position(|&a| a > std::f64::consts::FRAC_PI_2);
            for k in 0..3 {
                let (i, j, l) = (k, (k + 1) % 3, (k + 2) % 3);
                // Edge i–j is opposite corner l; edge i–l opposite corner j.
                lap[v[i]] += 0.5 * (cot[l] * (x[j] - x[i]) + cot[j] * (x[l] - x[i]));
                angle_sum[v[i]] += ang[i];
                area[v[i]] += match obtuse {
                    None => (cot[l] * (x[j] - x[i]).norm_squared() + cot[j] * (x[l] - x[i]).norm_squared()) / 8.0,
                    Some(o) if o == i => double_area / 4.0,
                    Some(_) => double_area / 8.0,
                };
            }
        }
        let mut on_boundary = vec![false; n];
        for e in topo.boundary_edges() {
            for v in topo.edges[e] {
                on_boundary[v as usize] = true;
            }
        }
        let (mut k1, mut k2, mut mean, mut gaussian) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for i in 0..n {
            if area[i] <= 0.0 {
                continue;
            }
            let full = if on_boundary[i] { std::f64::consts::PI } else { 2.0 * std::f64::consts::PI };
            let h = -lap[i].dot(&normals[i]) / (2.0 * area[i]);
            let kg = (full - angle_sum[i]) / area[i];
            let d = (h * h - kg).max(0.0).sqrt();
            mean[i] = h;
            gaussian[i] = kg;
            k1[i] = h + d;
            k2[i] = h - d;
        }
        Curvature { k1, k2, mean, gaussian }
    }
}
