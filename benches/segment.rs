//! Segmentation of a full-resolution phantom jaw (~150–160k triangles).

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::phantom::{Phantom, PhantomSpec};

fn segment(c: &mut Criterion) {
    let spec = if cfg!(debug_assertions) { PhantomSpec::coarse(1) } else { PhantomSpec::default() };
    let p = Phantom::generate(&spec).expect("valid");
    let mut g = c.benchmark_group("segment");
    g.sample_size(10);
    for jaw in [&p.upper, &p.lower] {
        g.bench_function(format!("{}_{}tri", jaw.jaw.as_str(), jaw.mesh.face_count()), |b| {
            b.iter(|| cusp::segment::segment(&jaw.mesh))
        });
    }
    g.finish();
}

criterion_group!(benches, segment);
criterion_main!(benches);
