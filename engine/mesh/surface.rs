//! Closest-point and ray queries on a triangle surface (parry3d's BVH), in millimetres.

use super::Mesh;
use nalgebra::{Point3, Vector3};
use parry3d_f64::query::{PointQuery, Ray, RayCast};
use parry3d_f64::shape::{FeatureId, TriMesh, TriMeshFlags};

/// A surface prepared for queries: built once (BVH, pseudo-normals), queried many times.
pub struct SurfaceIndex {
    shape: TriMesh,
}

impl std::fmt::Debug for SurfaceIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SurfaceIndex").field("triangles", &self.shape.indices().len()).finish()
    }
}

/// A ray hit: distance along the (unit) ray (mm), unit surface normal, triangle index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RayHit {
    /// Distance from the ray origin (mm).
    pub distance: f64,
    /// Unit normal of the hit triangle, facing the side the triangle's winding makes outward.
    pub normal: Vector3<f64>,
    /// Index of the triangle hit.
    pub face: u32,
}

impl SurfaceIndex {
    /// Indexes a mesh; `None` if it has no triangles. Inside/outside answers need a closed, outward mesh.
    pub fn new(mesh: &Mesh) -> Option<Self> {
        let shape =
            TriMesh::with_flags(mesh.positions().to_vec(), mesh.triangles().to_vec(), TriMeshFlags::ORIENTED).ok()?;
        Some(Self { shape })
    }

    /// Closest point on the surface to `p`, its distance (mm) and whether `p` is inside (closed meshes only).
    pub fn closest(&self, p: &Point3<f64>) -> (Point3<f64>, f64, bool) {
        // With pseudo-normals (built in `new`), this projection also tells inside from outside.
        let (proj, _) = self.shape.project_local_point_and_get_feature(p);
        (proj.point, (proj.point - p).norm(), proj.is_inside)
    }

    /// First hit of the ray from `origin` along unit `dir` within `max` mm.
    pub fn ray(&self, origin: &Point3<f64>, dir: &Vector3<f64>, max: f64) -> Option<RayHit> {
        let ray = Ray::new(*origin, *dir);
        let hit = self.shape.cast_local_ray_and_get_normal(&ray, max, false)?;
        let face = match hit.feature {
            FeatureId::Face(f) => f % self.shape.indices().len() as u32,
            _ => 0,
        };
        let [a, b, c] = self.shape.indices()[face as usize].map(|i| self.shape.vertices()[i as usize]);
        let normal = (b - a).cross(&(c - a)).try_normalize(0.0).unwrap_or(hit.normal);
        Some(RayHit { distance: hit.time_of_impact, normal, face })
    }
}
