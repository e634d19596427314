//! Segmentation of full-resolution phantom jaws (~150–160k triangles), of a finer upper with third molars
//! (over 200k triangles, issue 5's size) and of an upper tessellated as finely as a scanner's full-resolution
//! export (2.5 M triangles; making that phantom takes about 3.5 minutes before the first sample).

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::phantom::{Phantom, PhantomSpec};

fn segment(c: &mut Criterion) {
    let (spec, fine) = if cfg!(debug_assertions) {
        (PhantomSpec::coarse(1), PhantomSpec { third_molars: true, ..PhantomSpec::coarse(2) })
    } else {
        let fine = PhantomSpec {
            seed: 2,
            third_molars: true,
            crown_around: 112,
            crown_side: 34,
            gingiva_spacing_mm: 0.4,
            ..PhantomSpec::default()
        };
        (PhantomSpec::default(), fine)
    };
    let p = Phantom::generate(&spec).expect("valid");
    let f = Phantom::generate(&fine).expect("valid");
    let mut jaws = vec![p.upper, p.lower, f.upper];
    if !cfg!(debug_assertions) {
        jaws.push(Phantom::generate(&PhantomSpec::full_resolution(2)).expect("valid").upper);
    }
    let mut g = c.benchmark_group("segment");
    g.sample_size(10);
    for jaw in &jaws {
        g.bench_function(format!("{}_{}tri", jaw.jaw.as_str(), jaw.mesh.face_count()), |b| {
            b.iter(|| cusp::segment::segment(&jaw.mesh).expect("a dental arch"))
        });
    }
    g.finish();
}

criterion_group!(benches, segment);
criterion_main!(benches);
