//! Registration + fusion throughput: a full lower-arch sweep of the default phantom (frames of 160 × 128 px),
//! registered frame to model and fused into the TSDF; then surface extraction.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cusp::phantom::scanner::ScannerSpec;
use cusp::phantom::{Phantom, PhantomSpec};
use cusp::scan::{surface_nets, ScanOptions, ScanSession};

fn scan(c: &mut Criterion) {
    let spec = if cfg!(debug_assertions) { PhantomSpec::coarse(1) } else { PhantomSpec::default() };
    let p = Phantom::generate(&spec).expect("valid");
    let s = ScannerSpec { step_mm: if cfg!(debug_assertions) { 6.0 } else { 1.5 }, ..ScannerSpec::default() };
    let frames = p.lower.scan(&s);
    let camera = s.camera();
    let run = || {
        let mut session = ScanSession::new(camera.clone(), ScanOptions::default());
        for f in &frames.frames {
            session.register_frame(&f.depth, Some(&f.guess));
        }
        session
    };
    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    g.throughput(Throughput::Elements(frames.frames.len() as u64));
    g.bench_function(format!("register_and_fuse_{}_frames_{}x{}", frames.frames.len(), s.width_px, s.height_px), |b| {
        b.iter(run)
    });
    let session = run();
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("extract_{}_blocks", session.volume.blocks.len()), |b| {
        b.iter(|| surface_nets::extract(&session.volume, 2.0, 500))
    });
    g.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
