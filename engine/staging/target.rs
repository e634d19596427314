//! A simple automatic target for a clinician to edit: crowns on a smooth symmetric arch form, crown tips
//! levelled to a plane, each tooth turned so that its mesial axis follows the arch.

use super::Setup;
use crate::dentition::{Dentition, ToothMove};
use crate::mesh::Mesh;
use nalgebra::{Matrix3, Vector3};

/// The automatic setup of one jaw (tip and torque are left at zero).
///
/// The arch form is v = k₀ + k₂u² + k₄u⁴ in the occlusal plane (u across the arch, v toward the front),
/// fitted to the crown centroids by least squares; each centroid moves to its nearest point on it. Crown tips
/// (the highest point along the occlusal axis) move onto the least-squares plane through them.
pub fn auto_setup(mesh: &Mesh, dentition: &Dentition) -> Setup {
    let teeth = &dentition.teeth;
    if teeth.len() < 3 {
        return Setup { note: "too few teeth for an arch form: no movement".into(), teeth: Vec::new() };
    }
    let o = teeth.iter().fold(Vector3::zeros(), |a, t| a + t.frame.occlusal).normalize();
    let flat = |v: Vector3<f64>| v - o * v.dot(&o);
    let c = teeth.iter().fold(Vector3::zeros(), |a, t| a + t.frame.centroid.coords) / teeth.len() as f64;
    let mean_of = |pred: &dyn Fn(i32) -> bool| {
        let sel: Vec<_> = teeth.iter().filter(|t| pred(t.fdi % 10)).collect();
        (!sel.is_empty())
            .then(|| sel.iter().fold(Vector3::zeros(), |a, t| a + t.frame.centroid.coords) / sel.len() as f64)
    };
    let front = mean_of(&|p| p <= 2).unwrap_or(c);
    let back = mean_of(&|p| p >= 6).or_else(|| mean_of(&|p| p >= 4)).unwrap_or(c);
    let a = flat(front - back).try_normalize(1e-9).unwrap_or_else(Vector3::y);
    let side = o.cross(&a);
    let uv = |p: Vector3<f64>| ((p - c).dot(&side), (p - c).dot(&a));
    // Least squares for (k0, k2, k4).
    let mut m = Matrix3::zeros();
    let mut rhs = Vector3::zeros();
    for t in teeth {
        let (u, v) = uv(t.frame.centroid.coords);
        let row = Vector3::new(1.0, u * u, u.powi(4));
        m += row * row.transpose();
        rhs += row * v;
    }
    let k = m.try_inverse().map_or(Vector3::new(0.0, 0.0, 0.0), |inv| inv * rhs);
    let curve = |u: f64| k[0] + k[1] * u * u + k[2] * u.powi(4);
    // Tip plane h = h0 + h1 u + h2 v.
    let p = mesh.positions();
    let tips: Vec<(f64, f64, f64)> = teeth
        .iter()
        .map(|t| {
            let (u, v) = uv(t.frame.centroid.coords);
            let h = t.vertices.iter().map(|&i| (p[i as usize].coords - c).dot(&o)).fold(f64::MIN, f64::max);
            (u, v, h)
        })
        .collect();
    let mut mh = Matrix3::zeros();
    let mut rh = Vector3::zeros();
    for &(u, v, h) in &tips {
        let row = Vector3::new(1.0, u, v);
        mh += row * row.transpose();
        rh += row * h;
    }
    let plane = mh.try_inverse().map_or(Vector3::zeros(), |inv| inv * rh);
    let moves = teeth
        .iter()
        .zip(&tips)
        .map(|(t, &(u0, v0, h0))| {
            // Nearest point of the arch form, searched within 6 mm across the arch.
            let (mut bu, mut bd) = (u0, f64::MAX);
            for i in 0..=1200 {
                let u = u0 - 6.0 + 12.0 * i as f64 / 1200.0;
                let d = (u - u0).powi(2) + (curve(u) - v0).powi(2);
                if d < bd {
                    (bu, bd) = (u, d);
                }
            }
            let dh = plane[0] + plane[1] * u0 + plane[2] * v0 - h0;
            let delta = side * (bu - u0) + a * (curve(bu) - v0) + o * dh;
            let axes = Matrix3::from_columns(&[t.frame.mesial, t.frame.buccal, t.frame.occlusal]);
            let local = axes.transpose() * delta;
            // Turn about the long axis so that the mesial axis follows the arch's tangent there.
            let tangent = (side + a * (2.0 * k[1] * bu + 4.0 * k[2] * bu.powi(3))).normalize();
            let tangent = if tangent.dot(&t.frame.mesial) < 0.0 { -tangent } else { tangent };
            let rot = tangent.dot(&t.frame.buccal).atan2(tangent.dot(&t.frame.mesial));
            let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
            ToothMove {
                fdi: t.fdi,
                translation_mm: [r3(local.x), r3(local.y), r3(local.z)],
                rotation_deg: [0.0, 0.0, r3(rot.to_degrees())],
            }
        })
        .filter(|m| m.translation_mm.iter().chain(&m.rotation_deg).any(|v| *v != 0.0))
        .collect();
    Setup {
        note:
            "automatic target: crowns on a smooth arch form, tips levelled; edit before use (mm, degrees, tooth frames)"
                .into(),
        teeth: moves,
    }
}
