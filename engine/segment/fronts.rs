//! Competing fronts over the surface: labelled seeds grow along the mesh edges, each vertex going to the front
//! that reaches it most cheaply, where crossing a vertex costs its barrier (concavity) per millimetre. Fronts
//! meet on the concave creases between them — the gingival margin, the embrasures — rather than midway.

use crate::mesh::Csr;
use nalgebra::Point3;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Label of every vertex reached from `seeds` (per vertex: `Some(label)` for a seed), growing over `adj` with the
/// edge cost `length × (floor + barrier[to])`; vertices no front reaches keep `None`. Ties go to the lower vertex
/// index, so the result does not depend on anything but the mesh and the seeds.
pub(super) fn grow(
    adj: &Csr,
    positions: &[Point3<f64>],
    barrier: &[f64],
    floor: f64,
    seeds: &[Option<u16>],
) -> Vec<Option<u16>> {
    grow_with_cost(adj, positions, barrier, floor, seeds, f64::INFINITY).0
}

/// Distance along the mesh edges (mm) from the nearest vertex `sources` marks, exact up to `limit` mm; beyond
/// it, some value above `limit` (infinite where nothing reaches). Bounded, the search stays near the sources.
pub(super) fn distance_within(adj: &Csr, positions: &[Point3<f64>], sources: &[bool], limit: f64) -> Vec<f64> {
    let seeds: Vec<Option<u16>> = sources.iter().map(|s| s.then_some(0)).collect();
    grow_with_cost(adj, positions, &vec![0.0; positions.len()], 1.0, &seeds, limit).1
}

/// [`grow`], also returning the cost at which each vertex was reached (infinite where none reached it); the
/// growth stops at cost `limit` (vertices beyond keep `None` and a cost above `limit`).
pub(super) fn grow_with_cost(
    adj: &Csr,
    positions: &[Point3<f64>],
    barrier: &[f64],
    floor: f64,
    seeds: &[Option<u16>],
    limit: f64,
) -> (Vec<Option<u16>>, Vec<f64>) {
    let n = positions.len();
    let mut label: Vec<Option<u16>> = vec![None; n];
    let mut cost = vec![f64::INFINITY; n];
    let mut heap = BinaryHeap::new();
    for (v, s) in seeds.iter().enumerate() {
        if let Some(l) = s {
            cost[v] = 0.0;
            heap.push(Reverse((0u64, v as u32, *l)));
        }
    }
    while let Some(Reverse((c, v, l))) = heap.pop() {
        let v = v as usize;
        if label[v].is_some() {
            continue;
        }
        let c = f64::from_bits(c);
        if c > limit {
            break;
        }
        label[v] = Some(l);
        cost[v] = c;
        for &u in adj.row(v) {
            let u = u as usize;
            if label[u].is_some() {
                continue;
            }
            let next = c + (positions[u] - positions[v]).norm() * (floor + barrier[u]);
            if next < cost[u] {
                cost[u] = next;
                // Non-negative floats order as their bit patterns.
                heap.push(Reverse((next.to_bits(), u as u32, l)));
            }
        }
    }
    (label, cost)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::mesh::{Mesh, Topology};

    /// A flat sheet in the z = 0 plane, `nx` × `ny` vertices 0.5 mm apart from (`x0`, 0), two triangles per cell.
    pub(in crate::segment) fn sheet(x0: f64, nx: u32, ny: u32) -> Mesh {
        let positions =
            (0..ny).flat_map(|j| (0..nx).map(move |i| Point3::new(x0 + 0.5 * i as f64, 0.5 * j as f64, 0.0))).collect();
        let mut triangles = Vec::new();
        for j in 0..ny - 1 {
            for i in 0..nx - 1 {
                let v = j * nx + i;
                triangles.push([v, v + 1, v + nx + 1]);
                triangles.push([v, v + nx + 1, v + nx]);
            }
        }
        Mesh::new(positions, triangles).expect("valid sheet")
    }

    /// A flat strip 20 mm long (x) and 2 mm wide in 0.5 mm steps.
    fn strip() -> Mesh {
        sheet(-10.0, 41, 5)
    }

    #[test]
    fn fronts_meet_on_the_crease_not_midway() {
        let mesh = strip();
        let adj = Topology::new(&mesh).vertex_neighbors();
        let p = mesh.positions();
        let seeds: Vec<Option<u16>> = p
            .iter()
            .map(|q| {
                if q.x <= -9.9 {
                    Some(1)
                } else if q.x >= 9.9 {
                    Some(2)
                } else {
                    None
                }
            })
            .collect();
        // Flat: they meet midway (the column at x = 0 is a tie).
        let flat = grow(&adj, p, &vec![0.0; p.len()], 1.0, &seeds);
        assert!(p.iter().zip(&flat).all(|(q, l)| q.x > -0.01 || *l == Some(1)));
        assert!(p.iter().zip(&flat).all(|(q, l)| q.x < 0.01 || *l == Some(2)));
        // A crease at x = 4 mm (one column of high concavity): the boundary moves onto it.
        let barrier: Vec<f64> = p.iter().map(|q| if (q.x - 4.0).abs() < 0.01 { 20.0 } else { 0.0 }).collect();
        let (creased, cost) = grow_with_cost(&adj, p, &barrier, 0.03, &seeds, f64::INFINITY);
        for ((q, l), c) in p.iter().zip(&creased).zip(&cost) {
            let want = if q.x < 3.99 {
                1
            } else if q.x > 4.01 {
                2
            } else {
                continue;
            };
            assert_eq!(*l, Some(want), "at x = {}", q.x);
            assert!(c.is_finite());
        }
    }

    #[test]
    fn walls_stop_a_front_and_unreached_vertices_keep_no_label() {
        let mesh = strip();
        let adj = Topology::new(&mesh).vertex_neighbors();
        let p = mesh.positions();
        let seeds: Vec<Option<u16>> = p.iter().map(|q| (q.x <= -9.9).then_some(7)).collect();
        let barrier: Vec<f64> = p.iter().map(|q| if q.x.abs() < 0.01 { f64::INFINITY } else { 0.0 }).collect();
        let grown = grow(&adj, p, &barrier, 1.0, &seeds);
        for (q, l) in p.iter().zip(&grown) {
            assert_eq!(*l, (q.x < -0.01).then_some(7), "at x = {}", q.x);
        }
    }
}
