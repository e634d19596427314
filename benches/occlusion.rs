//! Signed distance map of one phantom jaw against the other, at the phantom's full resolution (~75–80k
//! vertices each) and finer (~150k vertices each, the size of a clinical export): the antagonist's index
//! built once (BVH with pseudo-normals), then the map at the contact map's reach and at 3 mm; and bite settling
//! from an open start.

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
    settling(&mut g);
    g.finish();
}

/// Bite settling of a coarse phantom's lower jaw from 3 mm / 5° open (as in tests/occlusion.rs).
fn settling(g: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>) {
    use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
    let p = Phantom::generate(&PhantomSpec::coarse(4)).expect("valid");
    let (upper, truth) = (&p.upper.mesh, &p.lower.mesh);
    let top = truth.positions().iter().map(|p| p.z).fold(f64::NEG_INFINITY, f64::max);
    let front = truth.positions().iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max);
    let hinge = Point3::new(0.0, front - 82.0, top + 33.0);
    let rot = UnitQuaternion::from_axis_angle(&Vector3::x_axis(), -5f64.to_radians());
    let about = Isometry3::from_parts(Translation3::from(hinge.coords - rot * hinge.coords), rot);
    let start = truth.transformed(&(Isometry3::translation(0.4, 0.0, -3.0) * about));
    g.bench_function(format!("settle_{}v_onto_{}tri", start.vertex_count(), upper.face_count()), |b| {
        b.iter(|| cusp::occlusion::settle(upper, &start, &cusp::occlusion::SettleOptions::default()).expect("settles"))
    });
}

/// The index, the map, and both together for one phantom's jaws.
fn maps(g: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>, spec: &PhantomSpec) {
    let p = Phantom::generate(spec).expect("valid");
    let (u, l) = (&p.upper.mesh, &p.lower.mesh);
    g.bench_function(format!("index_{}tri", u.face_count()), |b| b.iter(|| Antagonist::new(u)));
    let upper = Antagonist::new(u);
    // The contact map's reach as `cusp occlusion` uses it (default threshold and uncertainty), and 3 mm.
    let reach = cusp::occlusion::contact_map_range(0.1, 0.05);
    for r in [reach, 3.0] {
        g.bench_function(
            format!("distance_map_{}v_against_{}tri_reach_{r}mm", l.vertex_count(), u.face_count()),
            |b| b.iter(|| upper.signed_distances(l, r)),
        );
    }
    g.bench_function(
        format!("index_and_map_{}v_against_{}tri_reach_{reach}mm", l.vertex_count(), u.face_count()),
        |b| b.iter(|| cusp::occlusion::signed_distances(l, u, reach)),
    );
}

criterion_group!(benches, occlusion);
criterion_main!(benches);
