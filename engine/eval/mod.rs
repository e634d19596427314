//! Metrics against ground truth (phantom truth or reference annotations). Only evaluation reads truth.

pub mod landmarks;
pub mod scan;
pub mod segment;
