//! The indexed triangle mesh (millimetres, f64) and the geometry every stage builds on.

mod core;
mod curvature;
mod info;
mod kdtree;
mod sample;
mod shapes;
mod simplify;
mod surface;
mod topology;
mod weld;

pub use self::core::{Aabb, Mesh, MeshError};
pub use curvature::Curvature;
pub use info::MeshInfo;
pub use kdtree::PointIndex;
pub use sample::SurfaceSample;
pub use simplify::{simplify, Simplified};
pub use surface::{CutSurface, RayHit, SurfaceIndex};
pub use topology::{BoundaryLoop, Csr, Topology};
pub use weld::Welded;
