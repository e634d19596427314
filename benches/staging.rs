//! Staging both jaws of a full-resolution phantom (28 teeth), every tooth moving, about 40 stages, with a
//! collision check between neighbours at every stage.

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::dentition::{Dentition, Jaw, ToothMove};
use cusp::phantom::{Phantom, PhantomSpec};
use cusp::staging::{plan, Limits, Setup};
use nalgebra::Vector3;
use rand::{Rng, SeedableRng};

/// Small random movements for every tooth, and one canine derotated by 78° (39 stages at 2° per stage).
fn setup(d: &Dentition, seed: u64) -> Setup {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut r = |s: f64| rng.random_range(-s..=s);
    let teeth = d
        .teeth
        .iter()
        .map(|t| {
            let mut m = ToothMove {
                fdi: t.fdi,
                translation_mm: [r(0.3), r(0.5), r(0.3)],
                rotation_deg: [r(4.0), r(3.0), r(8.0)],
            };
            if t.fdi % 10 == 3 {
                m.rotation_deg[2] = if t.fdi == 23 || t.fdi == 43 { 78.0 } else { 30.0 };
            }
            m
        })
        .collect();
    Setup { note: String::new(), teeth }
}

fn staging(c: &mut Criterion) {
    let spec = if cfg!(debug_assertions) { PhantomSpec::coarse(4) } else { PhantomSpec::default() };
    let p = Phantom::generate(&PhantomSpec { seed: 4, ..spec }).expect("valid");
    let jaws: Vec<_> = [(&p.upper.mesh, Jaw::Upper, -1.0), (&p.lower.mesh, Jaw::Lower, 1.0)]
        .into_iter()
        .map(|(m, jaw, z)| {
            let d = Dentition::from_labels(m, m.labels().expect("phantom labels"), jaw, Vector3::z() * z);
            let s = setup(&d, 7);
            (m, d, s)
        })
        .collect();
    let teeth: usize = jaws.iter().map(|j| j.1.teeth.len()).sum();
    let mut g = c.benchmark_group("staging");
    g.sample_size(10);
    g.bench_function(format!("plan_{teeth}_teeth_both_jaws"), |b| {
        b.iter(|| {
            jaws.iter().map(|(m, d, s)| plan(m, d, s, &Limits::default()).expect("plans").stages.len()).sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, staging);
criterion_main!(benches);
