//! Aligner staging over every labelled real arch in `../shared/data/real` (or `$CUSP_SHARED/data/real`): the
//! automatic setup planned with the default limits, each plan scored from its own numbers, per scan and per
//! source:
//!
//! ```sh
//! cargo run --release --example stage_eval            # every arch, true labels
//! cargo run --release --example stage_eval -- 003_U   # only scans whose name contains 003_U
//! ```
//!
//! Printed per arch: teeth, stages and the lower bound (and their ratio), IPR (contacts, total, largest per
//! surface), warnings, the largest target translation (mm) and rotation (°), the arch length discrepancy the
//! space analysis finds and the IPR + expansion the setup spends on it, the worst overlap added between
//! neighbours at any stage after the IPR done by then (mm, re-measured from the plan's transforms) and seconds.
//!
//! Evaluation only: this reads the true labels (as a clinician's own labels would be given with `--labels`).

use cusp::io;
use cusp::staging::{self, CrownCollider, Limits, Plan};
use nalgebra::Isometry3;
use std::path::PathBuf;

fn real_dir() -> PathBuf {
    std::env::var_os("CUSP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("data/real")
}

/// Worst overlap between neighbours at any stage beyond the initial arch's own and the IPR done by then (mm).
fn added_overlap(collider: &CrownCollider, plan: &Plan) -> f64 {
    let initial: Vec<Isometry3<f64>> = plan.stages[0].teeth.iter().map(|t| t.cumulative.isometry()).collect();
    let mut worst: f64 = 0.0;
    for s in &plan.stages {
        let poses: Vec<Isometry3<f64>> = s.teeth.iter().map(|t| t.cumulative.isometry()).collect();
        for p in 0..poses.len().saturating_sub(1) {
            let pair = [plan.frames[p].fdi, plan.frames[p + 1].fdi];
            let ipr: f64 = plan.ipr.iter().filter(|e| e.teeth == pair && e.stage <= s.index).map(|e| e.amount_mm).sum();
            let added = collider.penetration(p, p + 1, &poses) - collider.penetration(p, p + 1, &initial);
            worst = worst.max(added - ipr);
        }
    }
    worst
}

fn main() -> anyhow::Result<()> {
    let only = std::env::args().nth(1);
    let root = real_dir();
    let mut scans = Vec::new();
    for source in std::fs::read_dir(&root)? {
        let source = source?.path();
        if !source.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&source)? {
            let f = f?.path();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".labels.json") {
                let ply = source.join(format!("{stem}.ply"));
                if ply.exists() && only.as_ref().is_none_or(|o| stem.contains(o.as_str())) {
                    scans.push((source.file_name().unwrap().to_string_lossy().to_string(), stem.to_string(), ply, f));
                }
            }
        }
    }
    scans.sort();
    println!(
        "{:<10} {:<22} {:>5} {:>6} {:>5} {:>5} {:>4} {:>6} {:>5} {:>4} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5}",
        "source",
        "scan",
        "teeth",
        "stages",
        "bound",
        "ratio",
        "ipr",
        "iprmm",
        "maxps",
        "warn",
        "maxmm",
        "maxdeg",
        "disc",
        "spent",
        "added",
        "s"
    );
    let limits = Limits::default();
    let mut ratios = Vec::new();
    for (source, stem, ply, labels) in &scans {
        let mesh = io::read_mesh(ply)?;
        let truth = io::read_labels_for(labels, &mesh)?;
        let frame = cusp::segment::orient(&mesh);
        let d = cusp::dentition::Dentition::from_labels(&mesh, &truth.labels, truth.jaw, frame.occlusal);
        let t0 = std::time::Instant::now();
        let (setup, _) = staging::auto_setup(&mesh, &d, &limits, &Default::default());
        let plan = match staging::plan(&mesh, &d, &setup, &limits) {
            Ok(p) => p,
            Err(e) => {
                println!("{source:<10} {stem:<22} refused: {e}");
                continue;
            }
        };
        let secs = t0.elapsed().as_secs_f64();
        let space = staging::space_analysis(&mesh, &d);
        let n = plan.stages.len() - 1;
        let iprmm: f64 = plan.ipr.iter().map(|e| e.amount_mm).sum();
        let maxps = plan.ipr.iter().map(|e| e.per_surface_mm).fold(0.0, f64::max);
        let maxmm =
            plan.targets.iter().map(|m| m.translation_mm.iter().map(|v| v * v).sum::<f64>().sqrt()).fold(0.0, f64::max);
        let maxdeg = plan.targets.iter().flat_map(|m| m.rotation_deg).map(f64::abs).fold(0.0, f64::max);
        let teeth: Vec<_> = plan.frames.iter().map(|f| d.tooth(f.fdi).unwrap()).collect();
        let collider = CrownCollider::new(&mesh, &teeth);
        let added = added_overlap(&collider, &plan);
        if std::env::var_os("STAGE_EVAL_SENSITIVITY").is_some() {
            // Each contact closed by 0.5 mm (the distal tooth moved toward its neighbour's centroid): what the
            // collider reads.
            let mut read: Vec<f64> = (0..teeth.len() - 1)
                .map(|k| {
                    let dir = (teeth[k].frame.centroid - teeth[k + 1].frame.centroid).normalize();
                    let mut poses = vec![Isometry3::identity(); teeth.len()];
                    poses[k + 1] = Isometry3::translation(dir.x * 0.5, dir.y * 0.5, dir.z * 0.5);
                    collider.penetration(k, k + 1, &poses)
                })
                .collect();
            read.sort_by(f64::total_cmp);
            println!(
                "    0.5 mm push reads: min {:.2} median {:.2} max {:.2} ({} contacts)",
                read[0],
                read[read.len() / 2],
                read[read.len() - 1],
                read.len()
            );
        }
        let ratio = n as f64 / plan.lower_bound_stages.max(1) as f64;
        ratios.push(ratio);
        println!(
            "{:<10} {:<22} {:>5} {:>6} {:>5} {:>5.2} {:>4} {:>6.2} {:>5.2} {:>4} {:>6.1} {:>6.1} {:>6} {:>6} {:>6.2} {:>5.1}",
            source,
            &stem[..stem.len().min(22)],
            d.teeth.len(),
            n,
            plan.lower_bound_stages,
            ratio,
            plan.ipr.len(),
            iprmm,
            maxps,
            plan.warnings.len(),
            maxmm,
            maxdeg,
            space.discrepancy_mm.map_or("-".into(), |v| format!("{v:+.1}")),
            "-",
            added,
            secs
        );
        if std::env::var_os("STAGE_EVAL_VERBOSE").is_some() {
            println!("    setup: {}", setup.note);
            for w in &plan.warnings {
                println!("    warning: {w}");
            }
            for m in &plan.targets {
                println!("    {} {:?} {:?}", m.fdi, m.translation_mm, m.rotation_deg);
            }
            println!("    sequencing: {}", plan.sequencing);
        }
    }
    if !ratios.is_empty() {
        let worst = ratios.iter().copied().fold(0.0, f64::max);
        println!("{} arches: stages ÷ bound worst {worst:.2}", ratios.len());
    }
    Ok(())
}
