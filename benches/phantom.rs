//! Generating a phantom (both jaws at default density, ~300k triangles) and scanning one jaw.

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::phantom::scanner::ScannerSpec;
use cusp::phantom::{Phantom, PhantomSpec};

fn phantom(c: &mut Criterion) {
    let spec = if cfg!(debug_assertions) { PhantomSpec::coarse(1) } else { PhantomSpec::default() };
    let mut g = c.benchmark_group("phantom");
    g.sample_size(10);
    g.bench_function("generate_both_jaws", |b| b.iter(|| Phantom::generate(&spec).expect("valid")));
    let p = Phantom::generate(&spec).expect("valid");
    let scanner = ScannerSpec::default();
    let frames = p.lower.scan(&scanner).frames.len();
    g.bench_function(format!("scan_lower_{frames}_frames_{}x{}", scanner.width_px, scanner.height_px), |b| {
        b.iter(|| p.lower.scan(&scanner))
    });
    g.finish();
}

criterion_group!(benches, phantom);
criterion_main!(benches);
