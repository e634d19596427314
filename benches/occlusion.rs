//! Signed distance map of one phantom jaw against the other, at the phantom's full resolution (~75–80k
//! vertices each) and finer (~150k vertices each, the size of a clinical export): the antagonist's index
//! built once (BVH with pseudo-normals), then the map.

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::occlusion::Antagonist;
use cusp::phantom::{Phantom, PhantomSpec};

fn occlusion(c: &mut Criterion) {
    let mut g = c.benchmark_group("occlusion");
    g.sample_size(10);
    let full = if cfg!(debug_assertions) { PhantomSpec::coarse(1) } else { PhantomSpec::default() };
    let fine =
        PhantomSpec { crown_around: 128, crown_side: 44, crown_occlusal: 26, gingiva_spacing_mm: 0.3, ..full.clone() };
    for spec in [full, fine] {
        maps(&mut g, &spec);
    }
    g.finish();
}

/// The index, the map, and both together for one phantom's jaws.
fn maps(g: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>, spec: &PhantomSpec) {
    let p = Phantom::generate(spec).expect("valid");
    let (u, l) = (&p.upper.mesh, &p.lower.mesh);
    g.bench_function(format!("index_{}tri", u.face_count()), |b| b.iter(|| Antagonist::new(u)));
    let upper = Antagonist::new(u);
    g.bench_function(format!("distance_map_{}v_against_{}tri", l.vertex_count(), u.face_count()), |b| {
        b.iter(|| upper.signed_distances(l, 3.0))
    });
    g.bench_function(format!("index_and_map_{}v_against_{}tri", l.vertex_count(), u.face_count()), |b| {
        b.iter(|| cusp::occlusion::signed_distances(l, u, 3.0))
    });
}

criterion_group!(benches, occlusion);
criterion_main!(benches);
