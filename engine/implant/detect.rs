//! Finding scan bodies in a jaw mesh from geometry alone: a flat, round top face over a circular wall.
//! Teeth have no planar occlusal table of that size; a preparation's walls are not a circle about its normal.

use crate::mesh::Mesh;
use nalgebra::{Matrix3, Point3, Unit, Vector3};

/// A cylinder found in the mesh, scan frame (mm).
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedCylinder {
    /// Centre of the top face (on the axis).
    pub top: Point3<f64>,
    /// Axis, pointing from the body toward its top face (coronally).
    pub axis: Unit<Vector3<f64>>,
    /// Radius of the round wall.
    pub radius: f64,
    /// Length of wall seen below the top (mm).
    pub visible_height: f64,
    /// Mesh vertices within the body's outline (wall, flat, chamfer, top), ascending.
    pub vertices: Vec<u32>,
}

/// Smallest and largest wall radius searched for (mm): dental scan bodies are 3–7 mm across.
const RADIUS_RANGE: (f64, f64) = (1.2, 4.0);

/// Finds scan bodies: a flat top face (a planar patch of 2–40 mm²) above a circular wall of radius 1.2–4 mm
/// with at least 2 mm of it visible. Sorted along x, then y, so the order does not depend on vertex order.
pub fn detect_cylinders(mesh: &Mesh) -> Vec<DetectedCylinder> {
    detect_cylinders_with(mesh, &crate::mesh::Topology::new(mesh))
}

/// [`detect_cylinders`] with the mesh's topology already built.
pub fn detect_cylinders_with(mesh: &Mesh, topology: &crate::mesh::Topology) -> Vec<DetectedCylinder> {
    use rayon::prelude::*;
    if mesh.is_empty() {
        return Vec::new();
    }
    let patches = planar_patches(mesh, topology);
    if patches.is_empty() {
        return Vec::new();
    }
    let normals = mesh.vertex_normals();
    // Every patch is checked on its own (in parallel); the first of overlapping finds is kept, in patch order.
    let checked: Vec<Option<DetectedCylinder>> =
        patches.par_iter().map(|patch| cylinder_below(mesh, &normals, patch)).collect();
    let mut found: Vec<DetectedCylinder> = Vec::new();
    for c in checked.into_iter().flatten() {
        if !found.iter().any(|f| (f.top - c.top).norm() < f.radius + c.radius) {
            found.push(c);
        }
    }
    found.sort_by(|a, b| a.top.x.total_cmp(&b.top.x).then(a.top.y.total_cmp(&b.top.y)));
    found
}

/// A planar region of the surface: its faces, area-weighted centroid, unit normal and area.
struct Patch {
    centroid: Point3<f64>,
    normal: Unit<Vector3<f64>>,
    area: f64,
}

/// Grows regions of faces whose normals stay within 8° of the region's mean normal and whose centroids stay
/// within 0.05 mm of its plane; keeps those of 2–40 mm² that are round (area ≥ 0.5 π R², R the farthest
/// centroid from the middle).
fn planar_patches(mesh: &Mesh, topology: &crate::mesh::Topology) -> Vec<Patch> {
    let nf = mesh.face_count();
    let fnorm = mesh.face_normals();
    let area: Vec<f64> = (0..nf).map(|f| 0.5 * mesh.face_area_vector(f).norm()).collect();
    let centre: Vec<Point3<f64>> = (0..nf)
        .map(|f| {
            let [a, b, c] = mesh.triangle(f);
            Point3::from((a.coords + b.coords + c.coords) / 3.0)
        })
        .collect();
    let adj = topology.face_neighbors();
    let cos_limit = 8f64.to_radians().cos();
    let mut taken = vec![false; nf];
    let mut out = Vec::new();
    // Seeds in order of index: deterministic.
    for seed in 0..nf {
        if taken[seed] || area[seed] <= 0.0 {
            continue;
        }
        taken[seed] = true;
        let mut members = vec![seed];
        let mut sum_n = fnorm[seed] * area[seed];
        let mut sum_c = centre[seed].coords * area[seed];
        let mut total = area[seed];
        let mut stack = vec![seed];
        while let Some(f) = stack.pop() {
            let n = sum_n.normalize();
            let c = Point3::from(sum_c / total);
            for &g in adj.row(f) {
                let g = g as usize;
                if taken[g] || fnorm[g].dot(&n) < cos_limit || (centre[g] - c).dot(&n).abs() > 0.05 {
                    continue;
                }
                taken[g] = true;
                members.push(g);
                sum_n += fnorm[g] * area[g];
                sum_c += centre[g].coords * area[g];
                total += area[g];
                stack.push(g);
                if total > 40.0 {
                    break;
                }
            }
            if total > 40.0 {
                break;
            }
        }
        if !(2.0..=40.0).contains(&total) {
            continue;
        }
        let c = Point3::from(sum_c / total);
        let reach = members.iter().map(|&f| (centre[f] - c).norm()).fold(0.0, f64::max);
        if total >= 0.5 * std::f64::consts::PI * reach * reach {
            out.push(Patch { centroid: c, normal: Unit::new_normalize(sum_n), area: total });
        }
    }
    out
}

/// Checks for a circular wall under a flat top and measures the cylinder.
fn cylinder_below(mesh: &Mesh, normals: &[Vector3<f64>], patch: &Patch) -> Option<DetectedCylinder> {
    let pos = mesh.positions();
    let d = patch.normal;
    let top_radius = (patch.area / std::f64::consts::PI).sqrt();
    // Wall vertices: normals perpendicular to the axis, 0.3–12 mm below the top, near the axis.
    let (u, w) = perpendicular_basis(&d);
    let mut wall: Vec<(f64, f64, f64)> = Vec::new();
    for (v, p) in pos.iter().enumerate() {
        let rel = p - patch.centroid;
        let h = rel.dot(&d);
        let radial = (rel - d.into_inner() * h).norm();
        if h < -0.3 && h > -12.0 && radial < top_radius + 2.0 && normals[v].dot(&d).abs() < 0.15 {
            wall.push((p.coords.dot(&u), p.coords.dot(&w), h));
        }
    }
    // Keep the wall continuous with the top: from the top down until a gap of more than 1 mm.
    wall.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut last = -0.3;
    let mut end = 0;
    for (i, q) in wall.iter().enumerate() {
        if last - q.2 > 1.0 {
            break;
        }
        last = q.2;
        end = i + 1;
    }
    wall.truncate(end);
    if wall.len() < 20 {
        return None;
    }
    // Circle through the wall, refitted to the points near it (the flat and stray points drop out).
    let mut on: Vec<(f64, f64, f64)> = wall.clone();
    let mut circle = (0.0, 0.0, 0.0);
    for gate in [0.5, 0.2, 0.1] {
        let pts2: Vec<(f64, f64)> = on.iter().map(|q| (q.0, q.1)).collect();
        circle = fit_circle(&pts2)?;
        let (cx, cy, r) = circle;
        on = wall.iter().filter(|q| ((q.0 - cx).hypot(q.1 - cy) - r).abs() < gate).copied().collect();
        if on.len() < 20 {
            return None;
        }
    }
    let (cx, cy, r) = circle;
    if !(RADIUS_RANGE.0..=RADIUS_RANGE.1).contains(&r) {
        return None;
    }
    // Round wall points mostly on the circle, spread round at least 200° in the 1.5 mm under the top edge.
    let mut bins = [false; 36];
    let edge = on.iter().map(|q| q.2).fold(f64::MIN, f64::max);
    for q in on.iter().filter(|q| q.2 > edge - 1.5) {
        let a = (q.1 - cy).atan2(q.0 - cx);
        bins[(((a + std::f64::consts::PI) / (2.0 * std::f64::consts::PI) * 36.0) as usize).min(35)] = true;
    }
    let spread = bins.iter().filter(|b| **b).count();
    if (on.len() as f64) < 0.5 * wall.len() as f64 || spread < 20 {
        return None;
    }
    let visible_height = -on.iter().map(|q| q.2).fold(0.0, f64::min);
    if visible_height < 2.0 {
        return None;
    }
    let on_axis = Point3::from(u * cx + w * cy);
    let top = on_axis + d.into_inner() * (patch.centroid - on_axis).dot(&d);
    let axis = d;
    let vertices: Vec<u32> = pos
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            let rel = *p - top;
            let h = rel.dot(&axis);
            (rel - axis.into_inner() * h).norm() < r + 0.25 && h < 0.3 && h > -visible_height + 0.2
        })
        .map(|(v, _)| v as u32)
        .collect();
    Some(DetectedCylinder { top, axis, radius: r, visible_height, vertices })
}

/// Two unit vectors completing `d` to an orthonormal basis.
pub(crate) fn perpendicular_basis(d: &Vector3<f64>) -> (Vector3<f64>, Vector3<f64>) {
    let seed = if d.x.abs() < 0.9 { Vector3::x() } else { Vector3::y() };
    let u = d.cross(&seed).normalize();
    (u, d.cross(&u))
}

/// Least-squares circle through 2D points (Kåsa): centre and radius.
fn fit_circle(p: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    if p.len() < 3 {
        return None;
    }
    let (mx, my) = p.iter().fold((0.0, 0.0), |a, q| (a.0 + q.0, a.1 + q.1));
    let (mx, my) = (mx / p.len() as f64, my / p.len() as f64);
    let mut a = Matrix3::zeros();
    let mut b = Vector3::zeros();
    for &(x, y) in p {
        let (x, y) = (x - mx, y - my);
        let row = Vector3::new(x, y, 1.0);
        a += row * row.transpose();
        b += row * (x * x + y * y);
    }
    let s = a.cholesky()?.solve(&b);
    let (cx, cy) = (s[0] / 2.0, s[1] / 2.0);
    let r2 = s[2] + cx * cx + cy * cy;
    (r2 > 0.0).then(|| (cx + mx, cy + my, r2.sqrt()))
}
