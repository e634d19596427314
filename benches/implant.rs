//! Scan-body work on a full-resolution phantom lower jaw with one implant: detection over the whole jaw, and
//! the fit of one scan body to its library model.

use criterion::{criterion_group, criterion_main, Criterion};
use cusp::implant::{detect_cylinders, fit_cylinder, FitModel, ScanBodyEntry, Tolerances};
use cusp::phantom::{ImplantSpec, Phantom, PhantomSpec};

fn implant(c: &mut Criterion) {
    let base = if cfg!(debug_assertions) { PhantomSpec::coarse(2) } else { PhantomSpec::default() };
    let spec = PhantomSpec {
        missing: vec![36],
        implants: vec![ImplantSpec { site: 36, scan_body: "cusp-sb-a".into(), buccal_tilt_deg: 5.0, index_deg: 30.0 }],
        ..base
    };
    let p = Phantom::generate(&spec).expect("valid");
    let mesh = &p.lower.mesh;
    let model = FitModel::new(ScanBodyEntry::lookup("cusp-sb-a").expect("shipped"));
    let found = detect_cylinders(mesh);
    let body = found.first().expect("the scan body is found");
    let mut g = c.benchmark_group("implant");
    g.sample_size(10);
    g.bench_function(format!("detect_{}tri", mesh.face_count()), |b| b.iter(|| detect_cylinders(mesh)));
    g.bench_function(format!("fit_one_scan_body_{}v", body.vertices.len()), |b| {
        b.iter(|| fit_cylinder(mesh, body, &model, &Tolerances::default()))
    });
    g.bench_function("prepare_library_model", |b| {
        b.iter(|| FitModel::new(ScanBodyEntry::lookup("cusp-sb-a").expect("shipped")))
    });
    g.finish();
}

criterion_group!(benches, implant);
criterion_main!(benches);
