//! Bench inputs shared by the benchmark files (a wavy sheet of about a million triangles in release builds).

use cusp::mesh::Mesh;
use nalgebra::Point3;

/// A wavy open surface of `2·n²` triangles (n = 707 gives ~1M in release; much smaller in debug).
pub fn big_surface() -> Mesh {
    let n = if cfg!(debug_assertions) { 60 } else { 707 };
    let g = Mesh::grid(n, n, 0.08);
    let p = g.positions().iter().map(|p| Point3::new(p.x, p.y, 0.8 * (p.x * 0.9).sin() * (p.y * 0.7).cos())).collect();
    Mesh::new(p, g.triangles().to_vec()).expect("valid")
}
