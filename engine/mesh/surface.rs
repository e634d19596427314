//! Closest-point and ray queries on a triangle surface (parry3d's BVH), in millimetres.

use super::Mesh;
use nalgebra::{Point3, Vector3};
use parry3d_f64::query::{PointQuery, PointQueryWithLocation, Ray, RayCast};
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

    /// Like [`SurfaceIndex::closest`], but only within `max` mm of `p` (`None` beyond): much faster for far
    /// points, as the search stops at the bound.
    pub fn closest_within(&self, p: &Point3<f64>, max: f64) -> Option<(Point3<f64>, f64, bool)> {
        let (proj, _) = self.shape.project_local_point_and_get_location_with_max_dist(p, false, max)?;
        Some((proj.point, (proj.point - p).norm(), proj.is_inside))
    }

    /// Whether `p` is inside the (closed, outward) surface, by the first surface met along a ray: met from
    /// behind means inside.
    pub fn contains(&self, p: &Point3<f64>) -> bool {
        let dir = Vector3::new(0.267_261_241_912_424_4, 0.534_522_483_824_848_8, 0.801_783_725_737_273_2);
        self.ray(p, &dir, f64::MAX).is_some_and(|hit| hit.normal.dot(&dir) > 0.0)
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

/// A piece cut out of a larger surface (one tooth's crown, say), open along its rim, ready for signed
/// distance queries. Inside/outside comes from pseudo-normals, which are not trustworthy next to the open rim:
/// there a point "inside" is not counted.
pub struct CutSurface {
    /// Vertices of the piece (mm).
    pub points: Vec<Point3<f64>>,
    surface: Option<SurfaceIndex>,
    rim: super::PointIndex,
    /// Bounding box of the piece.
    pub bbox: Option<super::Aabb>,
}

impl std::fmt::Debug for CutSurface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CutSurface").field("points", &self.points.len()).finish()
    }
}

impl CutSurface {
    /// The triangles of `mesh` whose three corners are all kept.
    pub fn new(mesh: &Mesh, keep: &[bool]) -> Self {
        let (sub, _) = mesh.submesh_within(keep);
        let rim: Vec<Point3<f64>> = super::Topology::new(&sub)
            .boundary_loops(&sub)
            .iter()
            .flat_map(|l| l.vertices.iter().map(|&v| sub.positions()[v as usize]))
            .collect();
        Self {
            points: sub.positions().to_vec(),
            surface: SurfaceIndex::new(&sub),
            rim: super::PointIndex::new(&rim),
            bbox: sub.bounding_box(),
        }
    }

    /// Closest point to `p` and the signed distance (mm, negative inside); `None` when the piece is empty or
    /// `p` is inside with its closest point within `rim_clearance_mm` of the open rim.
    pub fn signed_distance(&self, p: &Point3<f64>, rim_clearance_mm: f64) -> Option<(Point3<f64>, f64)> {
        let (q, d, inside) = self.surface.as_ref()?.closest(p);
        if !inside {
            return Some((q, d));
        }
        if self.rim.nearest(&q).is_some_and(|(_, r)| r < rim_clearance_mm) {
            return None;
        }
        Some((q, -d))
    }
}
