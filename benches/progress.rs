//! Progress comparison of two full-resolution phantom lower arches (t0 and t1, seven teeth moved): the
//! superimposition (with its mirror check) and every tooth followed.

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::dentition::{Dentition, Jaw, ToothMove};
use cusp::phantom::{Phantom, PhantomSpec, StageSpec};
use cusp::progress::{compare, ProgressOptions};
use nalgebra::Vector3;

fn progress(c: &mut Criterion) {
    let base = if cfg!(debug_assertions) { PhantomSpec::coarse(2) } else { PhantomSpec::default() };
    let mv = |fdi, t, r| ToothMove { fdi, translation_mm: t, rotation_deg: r };
    let p = Phantom::generate(&PhantomSpec {
        time_series: vec![StageSpec {
            moves: vec![
                mv(41, [0.4, -0.6, 0.2], [3.0, -5.0, 10.0]),
                mv(32, [0.0, 0.8, 0.0], [0.0, 4.0, -6.0]),
                mv(33, [-0.5, 0.0, -0.3], [2.0, 0.0, 8.0]),
                mv(44, [1.2, 0.5, 0.0], [0.0, 0.0, 5.0]),
                mv(45, [0.0, 0.0, 0.6], [-4.0, 2.0, 0.0]),
                mv(31, [0.0, -0.3, 0.0], [0.0, -3.0, 0.0]),
                mv(36, [-1.0, 0.0, 0.0], [-6.0, 0.0, 0.0]),
            ],
            ..Default::default()
        }],
        ..base
    })
    .expect("valid");
    let before = &p.lower.mesh;
    let after = &p.stages[0].1.mesh;
    let d = Dentition::from_labels(before, before.labels().expect("labels"), Jaw::Lower, Vector3::z());
    let mut g = c.benchmark_group("progress");
    g.sample_size(10);
    g.bench_function(format!("compare_{}tri_{}tri", before.face_count(), after.face_count()), |b| {
        b.iter(|| compare(before, &d, after, None, &ProgressOptions::default()).expect("same jaw"))
    });
    g.finish();
}

criterion_group!(benches, progress);
criterion_main!(benches);
