//! Scanning end to end on the phantom: raw frames registered (never seeing true poses), fused and extracted,
//! then measured against the true surface.

use cusp::eval::scan::trueness;
use cusp::io::frames::Camera;
use cusp::phantom::scanner::ScannerSpec;
use cusp::phantom::{Phantom, PhantomSpec};
use cusp::scan::{surface_nets, FrameStatus, ScanOptions, ScanSession};

fn camera(s: &ScannerSpec) -> Camera {
    let (px, py) = s.pixel_mm();
    Camera {
        model: "telecentric".into(),
        width_px: s.width_px,
        height_px: s.height_px,
        pixel_mm: [px, py],
        window_mm: [s.window_width_mm, s.window_height_mm],
        near_mm: s.near_mm,
        far_mm: s.far_mm,
    }
}

#[test]
fn full_arch_scan_is_registered_and_fused_within_target_trueness() {
    let p = Phantom::generate(&PhantomSpec::coarse(2)).unwrap();
    let spec = ScannerSpec { step_mm: 1.5, ..ScannerSpec::default() };
    let frames = p.lower.scan(&spec);
    let mut session = ScanSession::new(camera(&spec), ScanOptions::default());
    let t = std::time::Instant::now();
    let mut skipped = 0;
    for f in &frames.frames {
        // Registration sees depth and the odometry guess only.
        let rep = session.register_frame(&f.depth, Some(&f.guess));
        if let FrameStatus::Skipped(why) = &rep.status {
            skipped += 1;
            eprintln!("frame {} skipped: {why}", rep.index);
        }
    }
    eprintln!("{} frames in {:?}, {skipped} skipped", frames.frames.len(), t.elapsed());
    // Evaluation: pose error of every registered frame relative to the first (the model frame is the first guess).
    let model_from_truth = frames.frames[0].guess * frames.frames[0].truth.inverse();
    let mut worst: (f64, f64) = (0.0, 0.0);
    for (f, pose) in frames.frames.iter().zip(&session.poses) {
        if let Some(pose) = pose {
            let e = (model_from_truth * f.truth).inverse() * pose;
            worst = (worst.0.max(e.translation.vector.norm()), worst.1.max(e.rotation.angle().to_degrees()));
        }
    }
    eprintln!("worst frame pose error: {:.1} µm, {:.3}°", worst.0 * 1000.0, worst.1);
    let fused = surface_nets::extract(&session.volume, 2.0, 500);
    let tr = trueness(&fused, &p.lower.mesh, &model_from_truth.inverse());
    eprintln!("trueness: RMS {:.1} µm, p95 {:.1} µm over {} vertices", tr.rms_um, tr.p95_um, tr.vertices);
    assert!(skipped * 20 < frames.frames.len(), "{skipped} frames skipped");
    assert!(tr.rms_um < 20.0, "RMS {} µm", tr.rms_um);
}
