//! Signed distance map of one full-resolution phantom jaw against the other (~75–80k vertices each): the
//! antagonist's index built once (BVH with pseudo-normals), then the map.

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::occlusion::Antagonist;
use cusp::phantom::{Phantom, PhantomSpec};

fn occlusion(c: &mut Criterion) {
    let spec = if cfg!(debug_assertions) { PhantomSpec::coarse(1) } else { PhantomSpec::default() };
    let p = Phantom::generate(&spec).expect("valid");
    let (u, l) = (&p.upper.mesh, &p.lower.mesh);
    let mut g = c.benchmark_group("occlusion");
    g.sample_size(10);
    g.bench_function(format!("index_{}tri", u.face_count()), |b| b.iter(|| Antagonist::new(u)));
    let upper = Antagonist::new(u);
    g.bench_function(format!("distance_map_{}v_against_{}tri", l.vertex_count(), u.face_count()), |b| {
        b.iter(|| upper.signed_distances(l, 3.0))
    });
    g.bench_function(format!("index_and_map_{}v_against_{}tri", l.vertex_count(), u.face_count()), |b| {
        b.iter(|| cusp::occlusion::signed_distances(l, u, 3.0))
    });
    g.finish();
}

criterion_group!(benches, occlusion);
criterion_main!(benches);
