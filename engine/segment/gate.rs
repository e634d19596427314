//! Is this mesh a dental arch at all? The checks segmentation makes before it numbers anything: a sphere, a
//! plane, a single crown or a file in metres is refused with the reason, never segmented into "teeth".

use super::orient::ArchFrame;
use crate::mesh::{Curvature, Mesh};

/// Why a mesh cannot be segmented as a dental arch (or part of one).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    /// No triangle has area: nothing to segment.
    #[error("the mesh has no surface ({faces} triangles, none with area): nothing to segment")]
    NoSurface {
        /// Triangles in the file.
        faces: usize,
    },
    /// Most vertices belong to no triangle: a point cloud with a few faces, not a surface scan.
    #[error(
        "{loose} of the mesh's {vertices} vertices belong to no triangle: a point cloud or a broken export, not a \
         surface scan (export the mesh, not the points)"
    )]
    LooseVertices {
        /// Vertices no triangle uses.
        loose: usize,
        /// All vertices.
        vertices: usize,
    },
    /// Larger than any jaw.
    #[error(
        "the mesh spans {span_mm:.0} mm, more than any dental arch (< {max_mm:.0} mm); a stray triangle far from \
         the scan, or units other than mm (µm ÷1000)?"
    )]
    TooLarge {
        /// Largest side of its bounding box (mm).
        span_mm: f64,
        /// The limit (mm).
        max_mm: f64,
    },
    /// Smaller than a partial arch.
    #[error(
        "the mesh spans {span_mm:.1} mm across the arch, less than a partial arch (≥ {min_mm:.0} mm): a single \
         crown or a fragment, or units other than mm (metres ×1000, cm ×10, inches ×25.4)?"
    )]
    TooSmall {
        /// Its extent across the arch's plane, 1st to 99th percentile (mm).
        span_mm: f64,
        /// The limit (mm).
        min_mm: f64,
    },
    /// A plane, not a jaw.
    #[error("the mesh is flat ({height_mm:.1} mm high along its thinnest axis; crowns stand ≥ {min_mm:.0} mm): not a dental arch")]
    Flat {
        /// Its extent along the occlusal axis, 1st to 99th percentile (mm).
        height_mm: f64,
        /// The limit (mm).
        min_mm: f64,
    },
    /// A smooth body: no gum line, no embrasure, no fissure.
    #[error(
        "the surface has no concave creases ({concave_percent:.2} % of its area; a dental arch has ≥ {min_percent:.0} %: \
         its gum line, embrasures and fissures): a smooth body, not a dental arch"
    )]
    Smooth {
        /// Share of the area bending inward more than 1/5 mm⁻¹ (%).
        concave_percent: f64,
        /// The limit (%).
        min_percent: f64,
    },
}

/// No dental arch (nor a model with its base) is this large along any axis (mm); also what bounds every grid
/// segmentation builds. Measured: real arches 54–72 mm across, phantoms with their bases 66 mm.
pub const ARCH_MAX_MM: f64 = 150.0;
/// A partial arch (three teeth and their gum) spans at least this across (mm). Measured: real arches 39–72 mm
/// along their shorter horizontal axis, 54–72 mm along the longer; single real crowns 8.6–12.3 mm.
pub const ARCH_MIN_MM: f64 = 20.0;
/// Crowns stand at least this high above their gum (mm); measured 9.9–24 mm over the arch, 5–7 mm for a
/// single crown, 0 for a plane.
pub const ARCH_MIN_HEIGHT_MM: f64 = 4.0;
/// At most this share of a scan's vertices may belong to no triangle (exports carry none, or a handful left
/// by cleaning; a point cloud with a few faces has nearly all of them loose).
const MAX_LOOSE_SHARE: f64 = 0.5;
/// Concave enough to be a crease (1/mm): bending inward with a radius under 5 mm.
const CREASE_K: f64 = 0.2;
/// The least share of the area that is creased (%). Measured: real arches 28–45 %, single crowns 13–25 %,
/// phantoms 7.3–10 %; spheres, planes and boxes 0.
pub const MIN_CREASE_PERCENT: f64 = 2.0;

/// The checks that need no frame: a surface, and a size no larger than a jaw (before anything is sized by it).
/// Every stage that takes a jaw scan makes them, with or without segmentation.
pub fn check_surface(mesh: &Mesh) -> Result<(), SegmentError> {
    let faces = (0..mesh.face_count()).filter(|&f| mesh.face_area_vector(f).norm() > 0.0).count();
    if faces == 0 {
        return Err(SegmentError::NoSurface { faces: mesh.face_count() });
    }
    let used = used_vertices(mesh);
    let loose = used.iter().filter(|u| !**u).count();
    if loose as f64 > MAX_LOOSE_SHARE * used.len() as f64 {
        return Err(SegmentError::LooseVertices { loose, vertices: used.len() });
    }
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for (p, _) in mesh.positions().iter().zip(&used).filter(|(_, u)| **u) {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let span_mm = (0..3).map(|k| hi[k] - lo[k]).fold(0.0, f64::max);
    if span_mm > ARCH_MAX_MM || !span_mm.is_finite() {
        return Err(SegmentError::TooLarge { span_mm, max_mm: ARCH_MAX_MM });
    }
    Ok(())
}

/// The checks in the arch's frame: wide enough, high enough, creased.
pub(crate) fn check_shape(mesh: &Mesh, frame: &ArchFrame, curvature: &Curvature) -> Result<(), SegmentError> {
    let used = used_vertices(mesh);
    let span = |axis: &nalgebra::Vector3<f64>| {
        let mut h: Vec<f64> = mesh
            .positions()
            .iter()
            .zip(&used)
            .filter(|(_, u)| **u)
            .map(|(p, _)| (p - frame.origin).dot(axis))
            .collect();
        h.sort_by(f64::total_cmp);
        h[h.len() * 99 / 100] - h[h.len() / 100]
    };
    let span_mm = span(&frame.right).max(span(&frame.anterior));
    if span_mm < ARCH_MIN_MM {
        return Err(SegmentError::TooSmall { span_mm, min_mm: ARCH_MIN_MM });
    }
    let height_mm = span(&frame.occlusal);
    if height_mm < ARCH_MIN_HEIGHT_MM {
        return Err(SegmentError::Flat { height_mm, min_mm: ARCH_MIN_HEIGHT_MM });
    }
    let concave_percent = creased_percent(mesh, curvature);
    if concave_percent < MIN_CREASE_PERCENT {
        return Err(SegmentError::Smooth { concave_percent, min_percent: MIN_CREASE_PERCENT });
    }
    Ok(())
}

/// Share of the surface (%) bending inward more than 1/5 mm⁻¹ — gum lines, embrasures, fissures: what any
/// scan of teeth shows and a smooth or flat body does not.
pub fn creased_percent(mesh: &Mesh, curvature: &Curvature) -> f64 {
    let areas = mesh.vertex_areas();
    let total: f64 = areas.iter().sum();
    let creased: f64 = areas.iter().zip(&curvature.k2).filter(|(_, k)| **k < -CREASE_K).map(|(a, _)| a).sum();
    (100.0 * creased / total.max(f64::MIN_POSITIVE)).max(0.0)
}

/// Which vertices some triangle uses.
fn used_vertices(mesh: &Mesh) -> Vec<bool> {
    let mut used = vec![false; mesh.vertex_count()];
    mesh.triangles().iter().flatten().for_each(|&v| used[v as usize] = true);
    used
}
