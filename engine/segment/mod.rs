//! Segmentation: which vertices are gingiva and which belong to which tooth (FDI), from geometry alone.
//!
//! First version (curvature and height, no learned model): find the arch's frame, put the gum line where the
//! surface is most concave below the crown tips along each stretch of the arch, split the crowns at the
//! embrasures along the arch curve, and number the teeth outward from the midline.

mod orient;
mod teeth;

pub use orient::{orient, ArchFrame};
pub use teeth::{segment, ScanBodySite, Segmentation};
