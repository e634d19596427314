//! Segmentation: which vertices are gingiva and which belong to which tooth (FDI), from geometry alone.
//!
//! Curvature and height, no learned model: find the arch's frame and curve, grow teeth from the crown tips and
//! gingiva from the rim, the deep tissue and the palate until the fronts meet on the concave gum margin
//! (`fronts`), place one tooth per stretch of arch outward from the midline (widths, embrasure grooves), and
//! grow each tooth from its stretch's middle until neighbours meet in their embrasure.

mod arch_line;
mod fronts;
mod gate;
mod orient;
mod params;
mod regions;
mod teeth;

pub use gate::{
    check_surface, creased_percent, SegmentError, ARCH_MAX_MM, ARCH_MIN_HEIGHT_MM, ARCH_MIN_MM, MIN_CREASE_PERCENT,
};
pub use orient::{orient, ArchFrame, UPPER_SCORE};
pub use params::SegmentParams;
pub use teeth::{segment, segment_with, teeth_of, ScanBodySite, Segmentation};
