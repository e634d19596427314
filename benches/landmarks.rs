//! Landmarks per tooth on full-resolution phantom jaws (~150–160k triangles), segmented once beforehand.

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::phantom::{Phantom, PhantomSpec};

fn landmarks(c: &mut Criterion) {
    let spec = if cfg!(debug_assertions) { PhantomSpec::coarse(1) } else { PhantomSpec::default() };
    let p = Phantom::generate(&spec).expect("valid");
    let mut g = c.benchmark_group("landmarks");
    g.sample_size(10);
    for jaw in [&p.upper, &p.lower] {
        let mesh = jaw.mesh.clone().without_labels();
        let seg = cusp::segment::segment(&mesh).expect("a dental arch");
        g.bench_function(format!("{}_{}tri_{}teeth", jaw.jaw.as_str(), mesh.face_count(), seg.teeth.len()), |b| {
            b.iter(|| cusp::landmark::find_landmarks(&mesh, &seg.dentition))
        });
    }
    g.finish();
}

criterion_group!(benches, landmarks);
criterion_main!(benches);
