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
    grow_with_cost(adj, positions, barrier, floor, seeds).0
}

/// [`grow`], also returning the cost at which each vertex was reached (infinite where none reached it).
pub(super) fn grow_with_cost(
    adj: &Csr,
    positions: &[Point3<f64>],
    barrier: &[f64],
    floor: f64,
    seeds: &[Option<u16>],
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
        label[v] = Some(l);
        let c = f64::from_bits(c);
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
