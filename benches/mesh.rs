//! Mesh core on a ~1M-triangle surface: welding, normals, topology, curvature, k-d tree build and query.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::mesh::{Mesh, PointIndex, Topology};
use std::hint::black_box;

fn mesh(c: &mut Criterion) {
    let m = common::big_surface();
    // The triangle soup an STL file would give (3 corners per triangle).
    let soup = {
        let p: Vec<_> = (0..m.face_count()).flat_map(|f| m.triangle(f)).collect();
        let t = (0..m.face_count() as u32).map(|f| [3 * f, 3 * f + 1, 3 * f + 2]).collect();
        Mesh::new(p, t).expect("valid")
    };
    let mut g = c.benchmark_group("mesh");
    g.sample_size(10);
    let n = m.face_count();
    g.bench_function(format!("weld_exact_{n}tri"), |b| b.iter(|| black_box(&soup).weld(0.0)));
    g.bench_function(format!("weld_1um_{n}tri"), |b| b.iter(|| black_box(&soup).weld(1e-3)));
    g.bench_function(format!("vertex_normals_{n}tri"), |b| b.iter(|| black_box(&m).compute_vertex_normals()));
    g.bench_function(format!("topology_{n}tri"), |b| b.iter(|| Topology::new(black_box(&m))));
    g.bench_function(format!("curvature_{n}tri"), |b| b.iter(|| black_box(&m).curvature()));
    g.bench_function(format!("kdtree_build_{}pts", m.vertex_count()), |b| {
        b.iter(|| PointIndex::new(black_box(m.positions())))
    });
    let index = PointIndex::new(m.positions());
    let queries: Vec<_> = m.sample_surface(100_000, 3).into_iter().map(|s| s.point).collect();
    g.bench_function(format!("kdtree_nearest_100k_in_{}pts", m.vertex_count()), |b| {
        b.iter(|| queries.iter().map(|q| index.nearest(q).map_or(0, |r| r.0)).sum::<usize>())
    });
    g.finish();
}

criterion_group!(benches, mesh);
criterion_main!(benches);
