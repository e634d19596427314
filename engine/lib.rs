//! cusp — an orthodontic and implant planning engine for digital dental impressions.
//!
//! ```text
//! raw frames ─ scan::register ─ scan::fuse ─ scan::extract ─▶ Mesh (or STL / PLY / OBJ / VTK / VTP)
//!   └─ segment ─▶ Dentition ─┬─ occlusion (contacts, clearance, bite)
//!                            ├─ implant   (scan-body fit)
//!                            ├─ staging   (aligner plan)
//!                            └─ progress  (sequential scans)
//! phantom: virtual patient + scanner, the ground truth for tests, benches and scenarios
//! ```
//!
//! Units: millimetres and radians. Frame: x to the patient's right, y anterior, z superior.
//!
//! ```
//! use cusp::io::{encode_mesh, parse_mesh, Format, WriteOptions};
//! use cusp::mesh::{Mesh, MeshInfo};
//!
//! // A 5 mm sphere, written as binary STL and read back: STL's separate corners are welded again.
//! let sphere = Mesh::icosphere(5.0, 3);
//! let bytes = encode_mesh(&sphere, Format::Stl, WriteOptions::default());
//! let back = parse_mesh(&bytes, Format::Stl)?;
//! let info = MeshInfo::of(&back);
//! assert!(info.watertight && back.vertex_count() == sphere.vertex_count());
//! # Ok::<(), cusp::io::ParseError>(())
//! ```

pub mod anatomy;
pub mod arch;
pub mod case;
pub mod colormap;
pub mod dentition;
pub mod eval;
pub mod implant;
pub mod io;
pub mod landmark;
pub mod mesh;
pub mod occlusion;
pub mod phantom;
pub mod pipeline;
pub mod progress;
pub mod registration;
pub mod report;
pub mod scan;
pub mod segment;
pub mod staging;

pub use mesh::Mesh;
