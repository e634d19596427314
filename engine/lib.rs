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

pub mod dentition;
pub mod io;
pub mod mesh;
pub mod phantom;
pub mod report;

pub use mesh::Mesh;
