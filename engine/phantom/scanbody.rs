//! Parametric implant scan bodies: a cylinder with a flat indexing face and a chamfered top.
//!
//! Scan-body frame (mm): origin at the centre of the top face, `z` along the implant axis pointing out of the
//! implant (coronal), `x` the outward normal of the indexing flat. The implant platform centre lies at
//! `(0, 0, -height)` with the same axes: `scan_body_from_platform` is a translation by `height` along `z`.

use crate::implant::ScanBodyShape;
use crate::mesh::Mesh;
use serde::Serialize;

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
    /// The shape, as the implant library describes it.
    pub fn shape(&self) -> ScanBodyShape {
        ScanBodyShape {
            radius: self.radius,
            height: self.height,
            flat_distance: self.flat_distance,
            flat_length: self.flat_length,
            chamfer: self.chamfer,
        }
    }

    /// Closed surface in the scan-body frame from `below_top` mm below the top face to the top; see
    /// [`ScanBodyShape::mesh`].
    pub fn mesh(&self, below_top: f64, around: usize) -> (Mesh, Vec<u32>) {
        self.shape().mesh(below_top, around)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::Topology;

    #[test]
    fn the_library_describes_the_phantom_scan_bodies() {
        let lib = crate::implant::ScanBodyEntry::builtin();
        for sb in &SCAN_BODIES {
            let e = lib.iter().find(|e| e.name == sb.name).expect("in the library");
            assert_eq!(e.shape, sb.shape());
            assert_eq!(e.platform.position, [0.0, 0.0, -sb.height]);
        }
    }

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
