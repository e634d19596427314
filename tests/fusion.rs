//! Fusion and extraction alone (frames placed at their true poses): how close the fused surface is to the
//! true one. Registration is tested elsewhere; here truth stands in for it, as evaluation code may.

use cusp::mesh::{SurfaceIndex, Topology};
use cusp::phantom::scanner::ScannerSpec;
use cusp::phantom::{Phantom, PhantomSpec};
use cusp::scan::{surface_nets, Tsdf};

#[test]
fn fused_surface_at_true_poses_is_within_microns_of_the_truth() {
    let p = Phantom::generate(&PhantomSpec::coarse(2)).unwrap();
    let spec = ScannerSpec { step_mm: 2.0, ..ScannerSpec::default() };
    let session = p.lower.scan(&spec);
    let cam = spec.camera();
    let mut tsdf = Tsdf::new(0.1, 0.4);
    let t = std::time::Instant::now();
    for f in &session.frames {
        tsdf.integrate(&cam, &f.depth, &f.truth);
    }
    eprintln!("integrated {} frames in {:?}, {} blocks", session.frames.len(), t.elapsed(), tsdf.blocks.len());
    let t = std::time::Instant::now();
    let fused = surface_nets::extract(&tsdf, 2.0, 500);
    eprintln!("extracted {} triangles in {:?}", fused.face_count(), t.elapsed());
    let truth = SurfaceIndex::new(&p.lower.mesh).unwrap();
    let mut d: Vec<f64> = fused.positions().iter().map(|q| truth.closest(q).1).collect();
    d.sort_by(f64::total_cmp);
    let rms = (d.iter().map(|x| x * x).sum::<f64>() / d.len() as f64).sqrt();
    let p95 = d[d.len() * 95 / 100];
    eprintln!(
        "trueness: RMS {:.1} µm, p95 {:.1} µm, max {:.1} µm",
        rms * 1000.0,
        p95 * 1000.0,
        d[d.len() - 1] * 1000.0
    );
    assert!(rms < 0.015, "RMS {rms} mm");
    assert!(fused.signed_volume().abs() > 0.0);
    let topo = Topology::new(&fused);
    assert!(topo.non_manifold_edges().len() < fused.face_count() / 1000);
}
