//! Simple closed and open shapes with known geometry: test fixtures, benchmark inputs, phantom building blocks.

use super::Mesh;
use nalgebra::{Point3, Vector3};
use std::collections::HashMap;

impl Mesh {
    /// Sphere of `radius` mm centred at the origin: an icosahedron subdivided `level` times (20·4^level
    /// triangles), outward-facing, with exact unit normals.
    pub fn icosphere(radius: f64, level: u32) -> Mesh {
        let t = (1.0 + 5f64.sqrt()) / 2.0;
        let mut v: Vec<Vector3<f64>> = [
            [-1.0, t, 0.0],
            [1.0, t, 0.0],
            [-1.0, -t, 0.0],
            [1.0, -t, 0.0],
            [0.0, -1.0, t],
            [0.0, 1.0, t],
            [0.0, -1.0, -t],
            [0.0, 1.0, -t],
            [t, 0.0, -1.0],
            [t, 0.0, 1.0],
            [-t, 0.0, -1.0],
            [-t, 0.0, 1.0],
        ]
        .iter()
        .map(|c| Vector3::new(c[0], c[1], c[2]).normalize())
        .collect();
        let mut f: Vec<[u32; 3]> = vec![
            [0, 11, 5],
            [0, 5, 1],
            [0, 1, 7],
            [0, 7, 10],
            [0, 10, 11],
            [1, 5, 9],
            [5, 11, 4],
            [11, 10, 2],
            [10, 7, 6],
            [7, 1, 8],
            [3, 9, 4],
            [3, 4, 2],
            [3, 2, 6],
            [3, 6, 8],
            [3, 8, 9],
            [4, 9, 5],
            [2, 4, 11],
            [6, 2, 10],
            [8, 6, 7],
            [9, 8, 1],
        ];
        for _ in 0..level {
            let mut mid: HashMap<(u32, u32), u32> = HashMap::new();
            let mut midpoint = |a: u32, b: u32, v: &mut Vec<Vector3<f64>>| {
                *mid.entry((a.min(b), a.max(b))).or_insert_with(|| {
                    v.push((v[a as usize] + v[b as usize]).normalize());
                    (v.len() - 1) as u32
                })
            };
            let mut next = Vec::with_capacity(f.len() * 4);
            for &[a, b, c] in &f {
                let (ab, bc, ca) = (midpoint(a, b, &mut v), midpoint(b, c, &mut v), midpoint(c, a, &mut v));
                next.extend_from_slice(&[[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
            }
            f = next;
        }
        let positions = v.iter().map(|n| Point3::from(n * radius)).collect();
        Mesh::new(positions, f).and_then(|m| m.with_normals(v)).expect("icosphere is valid")
    }

    /// Flat open grid in the z = 0 plane: `nx` × `ny` cells of `cell` mm, two triangles per cell, facing +z.
    pub fn grid(nx: usize, ny: usize, cell: f64) -> Mesh {
        let mut positions = Vec::with_capacity((nx + 1) * (ny + 1));
        for j in 0..=ny {
            for i in 0..=nx {
                positions.push(Point3::new(i as f64 * cell, j as f64 * cell, 0.0));
            }
        }
        let id = |i: usize, j: usize| (j * (nx + 1) + i) as u32;
        let mut triangles = Vec::with_capacity(nx * ny * 2);
        for j in 0..ny {
            for i in 0..nx {
                triangles.push([id(i, j), id(i + 1, j), id(i + 1, j + 1)]);
                triangles.push([id(i, j), id(i + 1, j + 1), id(i, j + 1)]);
            }
        }
        Mesh::new(positions, triangles).expect("grid is valid")
    }

    /// Closed axis-aligned box from `min` to `max` (mm), 12 outward-facing triangles.
    pub fn cuboid(min: Point3<f64>, max: Point3<f64>) -> Mesh {
        let c = |i: usize| {
            Point3::new(
                if i & 1 == 0 { min.x } else { max.x },
                if i & 2 == 0 { min.y } else { max.y },
                if i & 4 == 0 { min.z } else { max.z },
            )
        };
        let positions = (0..8).map(c).collect();
        let triangles = vec![
            [0, 2, 3],
            [0, 3, 1], // z = min (facing -z)
            [4, 5, 7],
            [4, 7, 6], // z = max
            [0, 1, 5],
            [0, 5, 4], // y = min
            [2, 6, 7],
            [2, 7, 3], // y = max
            [0, 4, 6],
            [0, 6, 2], // x = min
            [1, 3, 7],
            [1, 7, 5], // x = max
        ];
        Mesh::new(positions, triangles).expect("cuboid is valid")
    }
}
