//! Surface extraction from the sparse TSDF by surface nets (Gibson 1998): one vertex per cell the surface
//! crosses, at the mean of its edge crossings; one quad per crossed voxel edge.

use super::tsdf::{Tsdf, BLOCK};
use crate::mesh::{Mesh, Topology};
use nalgebra::Point3;
use rustc_hash::FxHashMap;

/// The cube corners of a cell, as offsets from its minimum voxel.
const CORNERS: [[i32; 3]; 8] = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]];
/// The 12 cube edges as corner pairs.
const EDGES: [(usize, usize); 12] =
    [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7)];

/// Extracts the zero level set where every voxel involved has weight ≥ `min_weight`, outward-facing (toward
/// positive distance), then drops connected pieces with fewer than `min_component` triangles.
pub fn extract(tsdf: &Tsdf, min_weight: f32, min_component: usize) -> Mesh {
    let mut keys: Vec<[i32; 3]> = tsdf.blocks.keys().copied().collect();
    keys.sort_unstable();
    let value = |ijk: [i32; 3]| tsdf.voxel(ijk).filter(|v| v.1 >= min_weight).map(|v| v.0);
    // Cell vertices.
    let mut cell_vertex: FxHashMap<[i32; 3], u32> = FxHashMap::default();
    let mut positions: Vec<Point3<f64>> = Vec::new();
    for key in &keys {
        for z in 0..BLOCK {
            for y in 0..BLOCK {
                for x in 0..BLOCK {
                    let cell = [key[0] * BLOCK + x, key[1] * BLOCK + y, key[2] * BLOCK + z];
                    let mut vals = [0f32; 8];
                    let mut ok = true;
                    for (k, c) in CORNERS.iter().enumerate() {
                        match value([cell[0] + c[0], cell[1] + c[1], cell[2] + c[2]]) {
                            Some(v) => vals[k] = v,
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if !ok || vals.iter().all(|&v| v >= 0.0) || vals.iter().all(|&v| v < 0.0) {
                        continue;
                    }
                    let mut sum = nalgebra::Vector3::zeros();
                    let mut n = 0.0;
                    for &(a, b) in &EDGES {
                        let (va, vb) = (vals[a], vals[b]);
                        if (va < 0.0) != (vb < 0.0) {
                            let t = f64::from(va / (va - vb));
                            let pa = nalgebra::Vector3::new(CORNERS[a][0], CORNERS[a][1], CORNERS[a][2]).cast::<f64>();
                            let pb = nalgebra::Vector3::new(CORNERS[b][0], CORNERS[b][1], CORNERS[b][2]).cast::<f64>();
                            sum += pa + (pb - pa) * t;
                            n += 1.0;
                        }
                    }
                    let local = sum / n;
                    let base = tsdf.center(cell);
                    cell_vertex.insert(cell, positions.len() as u32);
                    positions.push(base + local * tsdf.voxel);
                }
            }
        }
    }
    // Quads across crossed voxel edges: the four cells around the edge from voxel a to a + e_k.
    let mut cells: Vec<[i32; 3]> = cell_vertex.keys().copied().collect();
    cells.sort_unstable();
    let mut triangles = Vec::new();
    for cell in &cells {
        // Each crossed edge is visited from the cell whose minimum voxel is the edge's start.
        let a = *cell;
        let Some(va) = value(a) else { continue };
        for k in 0..3 {
            let (i, j) = ((k + 1) % 3, (k + 2) % 3);
            let mut b = a;
            b[k] += 1;
            let Some(vb) = value(b) else { continue };
            if (va < 0.0) == (vb < 0.0) {
                continue;
            }
            let mut ring = [[0i32; 3]; 4];
            for (r, (di, dj)) in [(0, 0), (-1, 0), (-1, -1), (0, -1)].iter().enumerate() {
                let mut c = a;
                c[i] += di;
                c[j] += dj;
                ring[r] = c;
            }
            let ids: Option<Vec<u32>> = ring.iter().map(|c| cell_vertex.get(c).copied()).collect();
            let Some(q) = ids else { continue };
            // Inside (negative) at a: the surface faces +k; else −k.
            if va < 0.0 {
                triangles.push([q[0], q[1], q[2]]);
                triangles.push([q[0], q[2], q[3]]);
            } else {
                triangles.push([q[0], q[2], q[1]]);
                triangles.push([q[0], q[3], q[2]]);
            }
        }
    }
    let mesh = Mesh::new(positions, triangles).expect("extracted mesh is valid");
    // Keep pieces of a useful size, then drop unused vertices.
    let keep: Vec<usize> = Topology::components(&mesh)
        .into_iter()
        .filter(|c| c.len() >= min_component)
        .flatten()
        .map(|f| f as usize)
        .collect();
    let mut keep = keep;
    keep.sort_unstable();
    mesh.submesh(&keep).0
}
