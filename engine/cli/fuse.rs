//! `cusp fuse`: Register raw scanner frames and fuse them into one surface (frames.json + depth files, see README).

use super::*;

// The arguments of `cusp fuse`; its help text is the doc comment of `Command::Fuse` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Folder with frames.json and the depth files.
    pub frames: PathBuf,
    /// Output mesh (.ply, .stl, .obj, .vtk, .vtp).
    #[arg(long)]
    pub out: PathBuf,
    /// TSDF voxel size (mm).
    #[arg(long, default_value_t = 0.1, value_parser = in_range(0.02, 2.0, "mm"))]
    pub voxel: f64,
    /// Ignore the device odometry in frames.json.
    #[arg(long)]
    pub no_odometry: bool,
    /// Continue a saved session: these frames are registered onto its model and fused in.
    #[arg(long = "continue", value_name = "SESSION")]
    pub resume: Option<PathBuf>,
    /// Save the session (volume, model, poses) so that scanning can continue later.
    #[arg(long, value_name = "SESSION")]
    pub save: Option<PathBuf>,
    /// After registration, close loops: keyframes in a pose graph with pairwise loop closures,
    /// optimised, then everything fused again. Off by default: on phantoms the sweep's registration onto
    /// the whole model is already within a few µm across the arch, and pairwise closures are noisier.
    #[arg(long)]
    pub loop_closure: bool,
}

/// A scan stops once this many of its frames, and more than half of those tried, failed to register.
const GIVE_UP_AFTER: usize = 10;

/// Runs `cusp fuse`.
pub fn run(a: Args) -> Result<()> {
    let Args { frames, out, voxel, no_odometry, resume, save, loop_closure } = a;
    anyhow::ensure!(
        voxel.is_finite() && (0.01..=1.0).contains(&voxel),
        "--voxel must be between 0.01 and 1 mm, got {voxel}"
    );
    let raw = io::frames::read_raw_scan(&frames)?;
    let mut session = match &resume {
        Some(path) => {
            let bytes = io::read_bytes(path)?;
            cusp::scan::ScanSession::from_bytes(&bytes)
                .map_err(|source| io::IoError::Parse { path: path.clone(), source })?
        }
        None => {
            let opts = cusp::scan::ScanOptions { voxel_mm: voxel, truncation_mm: 4.0 * voxel, ..Default::default() };
            cusp::scan::ScanSession::new(raw.doc.camera.clone(), opts)
        }
    };
    let bar = indicatif::ProgressBar::new(raw.frames.len() as u64);
    let mut reports = Vec::new();
    let started = std::time::Instant::now();
    let mut skipped = 0;
    for (k, f) in raw.frames.iter().enumerate() {
        let guess = if no_odometry { None } else { f.entry.odometry_guess.map(|g| g.to_isometry()) };
        let r = session.register_frame(&f.depth, guess.as_ref());
        if matches!(r.status, cusp::scan::FrameStatus::Skipped(_)) {
            skipped += 1;
        }
        // Frames that mostly do not register are not this scan (another jaw, another patient, a session of
        // something else): stop early rather than try every one, and write nothing.
        let tried = k + 1;
        let hopeless = skipped >= GIVE_UP_AFTER && 2 * skipped > tried;
        if hopeless || (tried == raw.frames.len() && 2 * skipped > tried) {
            bar.finish_and_clear();
            anyhow::bail!(
                "{skipped} of the first {tried} frames in {} do not register{}: they are not part of this scan \
                 (another jaw or patient?); nothing written",
                frames.display(),
                resume.as_ref().map_or(String::new(), |p| format!(" onto the session {}", p.display()))
            );
        }
        reports.push(serde_json::json!({
            "file": f.entry.file,
            "status": match &r.status { cusp::scan::FrameStatus::Skipped(why) => format!("skipped: {why}"), s => format!("{s:?}").to_lowercase() },
            "rms_mm": if r.rms_mm.is_finite() { Some(r.rms_mm) } else { None },
            "inlier_fraction": r.inlier_fraction,
        }));
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(path) = &save {
        io::write_atomic(path, &session.to_bytes())?;
    }
    let loops = if loop_closure {
        let l = session.close_loops();
        anyhow::ensure!(
            l.is_some(),
            "--loop-closure needs every frame's depth image: it cannot reach frames from before --continue"
        );
        l
    } else {
        None
    };
    let mesh = cusp::scan::surface_nets::extract(&session.volume, 2.0, 500);
    anyhow::ensure!(!mesh.is_empty(), "no surface could be fused from {}", frames.display());
    io::write_mesh(&out, &mesh, WriteOptions::default())?;
    let report = serde_json::json!({ "frames": reports.len(), "skipped": skipped, "voxel_mm": voxel, "triangles": mesh.face_count(), "loop_closure": loops, "per_frame": reports });
    let report_path = out.with_extension("fuse.json");
    io::write_atomic(&report_path, serde_json::to_string_pretty(&report)?.as_bytes())?;
    eprintln!(
        "fused {} frames ({skipped} skipped) in {:.1} s into {} ({} triangles); per-frame fits in {}",
        reports.len(),
        started.elapsed().as_secs_f64(),
        out.display(),
        mesh.face_count(),
        report_path.display()
    );
    Ok(())
}
