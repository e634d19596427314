//! The phantom: a virtual patient (both jaws, ground truth for every stage) and a virtual intraoral scanner.
//!
//! Deterministic from a [`PhantomSpec`] and its seed. The pipeline never reads what this module writes as
//! truth; only evaluation code does.

pub mod crown;
pub mod gingiva;
mod place;
pub mod scanbody;
pub mod scanner;
pub mod spec;
pub mod truth;
mod write;

/// The arch form and tooth dimensions the phantom builds on live beside the pipeline, which uses them too.
pub use crate::{anatomy as dims, arch};
pub use place::{JawModel, Phantom, PlacedTooth};
pub use spec::{ImplantSpec, PhantomSpec, PrepSpec, RecessionSpec, StageSpec, ToothMove, WearSpec};
pub use truth::{RecessionTruth, Truth, WearTruth};
pub use write::{write_phantom, PhantomError};
