//! Parametric implant scan bodies: a cylinder with a flat indexing face and a chamfered top.
//!
//! Scan-body frame (mm): origin at the centre of the top face, `z` along the implant axis pointing out of the
//! implant (coronal), `x` the outward normal of the indexing flat. The implant platform centre lies at
//! `(0, 0, -height)` with the same axes: `scan_body_from_platform` is a translation by `height` along `z`.

use crate::mesh::Mesh;
use nalgebra::Point3;
use serde::Serialize;
use std::f64::consts::PI;

/// Dimensions of a scan body model (mm).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanBodyModel {
    /// Library name.
    pub name: &'static str,
    /// Cylinder radius.
    pub radius: f64,
    /// Height from the implant platform to the top face.
    pub height: f64,
    /// Distance of the indexing flat from the axis (< radius).
    pub flat_distance: f64,
    /// Length of the flat, measured down from the top face.
    pub flat_length: f64,
    /// Size of the 45° chamfer at the top edge.
    pub chamfer: f64,
}

/// The scan bodies the phantom can place (the implant module's library describes the same shapes).
pub const SCAN_BODIES: [ScanBodyModel; 3] = [
    ScanBodyModel { name: "cusp-sb-a", radius: 2.4, height: 10.0, flat_distance: 1.7, flat_length: 6.0, chamfer: 0.5 },
    ScanBodyModel { name: "cusp-sb-b", radius: 2.0, height: 8.0, flat_distance: 1.3, flat_length: 4.0, chamfer: 0.4 },
    ScanBodyModel { name: "cusp-sb-c", radius: 2.75, height: 11.0, flat_distance: 2.2, flat_length: 8.0, chamfer: 0.8 },
];

/// Looks a scan body up by name.
pub fn scan_body(name: &str) -> Option<&'static ScanBodyModel> {
    SCAN_BODIES.iter().find(|s| s.name == name)
}

impl ScanBodyModel {
    /// Radius of the body at angle `u` (from +x) and height `z` above the platform.
    fn radius_at(&self, u: f64, z: f64) -> f64 {
        let mut r = self.radius;
        let top_drop = z - (self.height - self.chamfer);
        if top_drop > 0.0 {
            r -= top_drop;
        }
        if z >= self.height - self.flat_length {
            let c = u.cos();
            if c > 1e-9 {
                r = r.min(self.flat_distance / c);
            }
        }
        r
    }

    /// Closed surface in the scan-body frame from `z_bottom` (mm below the top face, e.g. the soft-tissue
    /// emergence) to the top. Returns the mesh and the ids of its bottom ring (in order of increasing angle).
    pub fn mesh(&self, below_top: f64, around: usize) -> (Mesh, Vec<u32>) {
        let nu = around.max(16);
        let base = (self.height - below_top).max(0.0);
        let fz = self.height - self.flat_length;
        let mut zs: Vec<f64> = vec![base];
        let steps = ((self.height - base) / 0.3).ceil().max(2.0) as usize;
        for k in 1..steps {
            zs.push(base + (self.height - base) * k as f64 / steps as f64);
        }
        zs.extend([fz - 1e-3, fz, self.height - self.chamfer, self.height]);
        zs.retain(|&z| z >= base);
        zs.sort_by(f64::total_cmp);
        zs.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        let mut pts = Vec::new();
        for &z in &zs {
            for k in 0..nu {
                let u = 2.0 * PI * k as f64 / nu as f64;
                let r = self.radius_at(u, z);
                pts.push(Point3::new(r * u.cos(), r * u.sin(), z - self.height));
            }
        }
        let id = |i: usize, k: usize| (i * nu + k % nu) as u32;
        let mut tris = Vec::new();
        for i in 0..zs.len() - 1 {
            for k in 0..nu {
                tris.push([id(i, k), id(i, k + 1), id(i + 1, k + 1)]);
                tris.push([id(i, k), id(i + 1, k + 1), id(i + 1, k)]);
            }
        }
        let top = pts.len() as u32;
        pts.push(Point3::origin());
        let last = zs.len() - 1;
        for k in 0..nu {
            tris.push([id(last, k), id(last, k + 1), top]);
        }
        let bottom = pts.len() as u32;
        pts.push(Point3::new(0.0, 0.0, base - self.height));
        for k in 0..nu {
            tris.push([id(0, k + 1), id(0, k), bottom]);
        }
        (Mesh::new(pts, tris).expect("scan body is valid"), (0..nu as u32).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::Topology;

    #[test]
    fn scan_bodies_are_closed_with_their_flat() {
        for sb in &SCAN_BODIES {
            let (m, ring) = sb.mesh(4.0, 64);
            let t = Topology::new(&m);
            assert!(t.boundary_edges().is_empty() && t.non_manifold_edges().is_empty(), "{}", sb.name);
            assert!(m.signed_volume() > 0.0);
            assert_eq!(ring.len(), 64);
            let bb = m.bounding_box().unwrap();
            assert!((bb.max.x - sb.flat_distance).abs() < 1e-9, "{}: flat at {}", sb.name, bb.max.x);
            assert!((bb.min.x + sb.radius).abs() < 1e-9 && (bb.max.z).abs() < 1e-12 && (bb.min.z + 4.0).abs() < 1e-12);
        }
    }
}
