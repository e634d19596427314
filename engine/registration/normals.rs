//! Normals of a point cloud from the principal axes of each point's neighbourhood.

use crate::mesh::PointIndex;
use nalgebra::{Matrix3, Point3, SymmetricEigen, Vector3};

/// Unit normal per point from its `k` nearest neighbours (smallest principal axis), turned toward `viewpoint`.
/// Points with fewer than 3 neighbours get the direction to the viewpoint.
pub fn estimate_normals(points: &[Point3<f64>], k: usize, viewpoint: &Point3<f64>) -> Vec<Vector3<f64>> {
    let index = PointIndex::new(points);
    points
        .iter()
        .map(|p| {
            let nb = index.nearest_k(p, k.max(3));
            let toward = (viewpoint - p).try_normalize(0.0).unwrap_or_else(Vector3::z);
            if nb.len() < 3 {
                return toward;
            }
            let c = nb.iter().fold(Vector3::zeros(), |a, (i, _)| a + points[*i].coords) / nb.len() as f64;
            let cov = nb.iter().fold(Matrix3::zeros(), |a, (i, _)| {
                let d = points[*i].coords - c;
                a + d * d.transpose()
            });
            let eig = SymmetricEigen::new(cov);
            let (imin, _) =
                eig.eigenvalues
                    .iter()
                    .enumerate()
                    .fold((0, f64::INFINITY), |b, (i, &v)| if v < b.1 { (i, v) } else { b });
            let n: Vector3<f64> = eig.eigenvectors.column(imin).into_owned();
            if n.dot(&toward) < 0.0 {
                -n
            } else {
                n
            }
        })
        .collect()
}
