//! The arch's own frame from geometry alone: occlusal direction, anterior, patient right, and which jaw.

use crate::dentition::Jaw;
use crate::mesh::Mesh;
use nalgebra::{Matrix3, Point3, SymmetricEigen, Vector3};

/// Frame of a dental arch found from its shape (mesh frame, mm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArchFrame {
    /// Centroid of the surface.
    pub origin: Point3<f64>,
    /// Unit vector toward the patient's right.
    pub right: Vector3<f64>,
    /// Unit vector toward the front (incisors).
    pub anterior: Vector3<f64>,
    /// Unit vector from the gums toward the crowns' tips (up for a lower jaw, down for an upper).
    pub occlusal: Vector3<f64>,
    /// Upper (a palate closes the arch) or lower (open for the tongue).
    pub jaw: Jaw,
}

impl ArchFrame {
    /// Coordinates of `p` in this frame: (right, anterior, occlusal), mm.
    pub fn local(&self, p: &Point3<f64>) -> Vector3<f64> {
        let d = p - self.origin;
        Vector3::new(d.dot(&self.right), d.dot(&self.anterior), d.dot(&self.occlusal))
    }
}

/// Finds the arch frame of a jaw scan or model.
pub fn orient(mesh: &Mesh) -> ArchFrame {
    orient_with(mesh, &mesh.curvature())
}

/// [`orient`] with the mesh's curvature already computed (segmentation needs it too).
pub(crate) fn orient_with(mesh: &Mesh, curvature: &crate::mesh::Curvature) -> ArchFrame {
    let samples = mesh.sample_surface(30_000, 17);
    let pts: Vec<Point3<f64>> = samples.iter().map(|s| s.point).collect();
    let n = pts.len().max(1) as f64;
    let c = pts.iter().fold(Vector3::zeros(), |a, p| a + p.coords) / n;
    let cov = pts.iter().fold(Matrix3::zeros(), |a, p| {
        let d = p.coords - c;
        a + d * d.transpose()
    }) / n;
    let eig = SymmetricEigen::new(cov);
    let mut order = [0usize, 1, 2];
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let axis = |k: usize| -> Vector3<f64> { eig.eigenvectors.column(order[k]).into_owned() };
    let (e0, e1, mut up) = (axis(0), axis(1), axis(2));
    // Crowns are where the surface bends most (cusps, fissures, embrasures): they are on the occlusal side.
    let hmean =
        mesh.positions().iter().map(|p| (p.coords - c).dot(&up)).sum::<f64>() / mesh.vertex_count().max(1) as f64;
    let vote: f64 = mesh
        .positions()
        .iter()
        .zip(&curvature.mean)
        .map(|(p, h)| (h.abs() - 0.3).max(0.0) * ((p.coords - c).dot(&up) - hmean))
        .sum();
    if vote < 0.0 {
        up = -up;
    }
    // In the occlusal plane the arch is a U: fit v = a·u² + b·u + c to the upper third of the surface; the
    // apex of the parabola is the front.
    let hs: Vec<f64> = pts.iter().map(|p| (p.coords - c).dot(&up)).collect();
    let mut sorted = hs.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted[(sorted.len() as f64 * 0.65) as usize];
    let top: Vec<(f64, f64)> = pts
        .iter()
        .zip(&hs)
        .filter(|(_, h)| **h >= cut)
        .map(|(p, _)| ((p.coords - c).dot(&e0), (p.coords - c).dot(&e1)))
        .collect();
    let (mut s, mut t) = (nalgebra::Matrix3::<f64>::zeros(), nalgebra::Vector3::<f64>::zeros());
    for &(u, v) in &top {
        let row = nalgebra::Vector3::new(u * u, u, 1.0);
        s += row * row.transpose();
        t += row * v;
    }
    let a = s.lu().solve(&t).map_or(0.0, |x| x[0]);
    let anterior = if a < 0.0 { e1 } else { -e1 };
    // Upper jaws have a palate inside the arch, behind the incisors; lower jaws are open there.
    let (vmin, vmax) = top.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, v)| {
        let v = if a < 0.0 { v } else { -v };
        (lo.min(v), hi.max(v))
    });
    let inside_v = vmax - 0.55 * (vmax - vmin);
    let inside = pts
        .iter()
        .filter(|p| {
            let d = p.coords - c;
            let v = d.dot(&anterior);
            d.dot(&e0).abs() < 6.0 && (v - inside_v).abs() < 6.0
        })
        .count();
    let jaw = if inside as f64 > 0.005 * n { Jaw::Upper } else { Jaw::Lower };
    // RAS: right = anterior × superior; superior is the occlusal direction for a lower jaw, its opposite for an upper.
    let superior = if jaw == Jaw::Lower { up } else { -up };
    let right = anterior.cross(&superior).normalize();
    ArchFrame { origin: Point3::from(c), right, anterior, occlusal: up, jaw }
}
