//! `cusp progress`: Superimposes a later scan on an earlier one on the teeth that did not move (and the palate), then

use super::*;

// The arguments of `cusp progress`; its help text is the doc comment of `Command::Progress` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// The earlier scan (t0).
    #[arg(long)]
    pub before: PathBuf,
    /// Teeth3DS labels of the earlier scan (segmented automatically if absent).
    #[arg(long)]
    pub before_labels: Option<PathBuf>,
    /// The later scan (t1), in any position.
    #[arg(long)]
    pub after: PathBuf,
    /// The plan (plan.json from cusp stage, made on the same t0 scan and labels).
    #[arg(long, requires = "stage")]
    pub plan: Option<PathBuf>,
    /// The plan stage the patient should be at.
    #[arg(long, requires = "plan")]
    pub stage: Option<usize>,
    /// Off track above this translation difference (mm).
    #[arg(long, default_value_t = 0.25, value_parser = in_range(0.01, 10.0, "mm"))]
    pub off_track_mm: f64,
    /// Off track above this angle difference (degrees).
    #[arg(long, default_value_t = 2.0, value_parser = in_range(0.1, 45.0, "°"))]
    pub off_track_deg: f64,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `cusp progress`.
pub fn run(a: Args) -> Result<()> {
    let Args { before, before_labels, after, plan, stage, off_track_mm, off_track_deg, out } = a;
    let m0 = read_jaw(&before)?;
    let m1 = read_jaw(&after)?;
    let (_, dentition) = teeth_of(&m0, &before, before_labels.as_deref())?;
    let plan: Option<cusp::staging::Plan> = match &plan {
        Some(p) => {
            let text = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            Some(serde_json::from_slice(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let opts = cusp::progress::ProgressOptions { off_track_mm, off_track_deg, ..Default::default() };
    let stable = plan.as_ref().map(cusp::progress::unmoved_in_plan);
    let (mut progress, t0_from_t1) = cusp::progress::compare(&m0, &dentition, &m1, stable.as_deref(), &opts)?;
    let after_in_0 = m1.transformed(&t0_from_t1);
    let set = io::OutputSet::begin(&out)?;
    let coloured = |reference: &cusp::mesh::Mesh| -> Result<cusp::mesh::Mesh> {
        let d = cusp::occlusion::signed_distances(&after_in_0, reference, 2.0);
        let c = d.iter().map(|&x| cusp::colormap::diverging_color(-x / 0.5)).collect();
        Ok(after_in_0.clone().with_colors(c)?.with_values(d)?)
    };
    io::write_mesh(set.file("after_vs_before.ply")?, &coloured(&m0)?, WriteOptions::default())?;
    if let (Some(p), Some(k)) = (&plan, stage) {
        cusp::progress::against_plan(&mut progress, p, k)?;
        let planned = cusp::staging::stage_mesh(&m0, &dentition, &p.stages[k]);
        io::write_mesh(set.file("after_vs_plan.ply")?, &coloured(&planned)?, WriteOptions::default())?;
    }
    io::write_atomic(&set.file("progress.json")?, serde_json::to_string_pretty(&progress)?.as_bytes())?;
    set.commit()?;
    let s = &progress.superimposition;
    eprintln!(
        "superimposed on teeth {:?}{} — {:.0} µm RMS, {:.0}% within 0.1 mm",
        s.reference_teeth,
        if s.palate { " and the palate" } else { "" },
        s.rms_mm * 1e3,
        s.inlier_fraction * 100.0
    );
    for t in &progress.teeth {
        let [m, b, o] = t.translation_mm;
        let [tip, tq, rot] = t.rotation_deg;
        let track = match t.on_track {
            Some(true) => " on track",
            Some(false) => " OFF TRACK",
            None => "",
        };
        eprintln!(
            "{}: mesial {m:+.2} buccal {b:+.2} occlusal {o:+.2} mm, tip {tip:+.1} torque {tq:+.1} rotation {rot:+.1}°{track}",
            t.fdi
        );
    }
    for (fdi, w) in progress.teeth.iter().filter_map(|t| t.wear.filter(|w| w.worn).map(|w| (t.fdi, w))) {
        eprintln!(
            "{fdi}: worn {:.0} µm deep over {:.1} mm², {:.2} mm³ lost (noise floor {:.0} µm)",
            w.max_depth_mm * 1e3,
            w.area_mm2,
            w.volume_mm3,
            w.noise_floor_mm * 1e3
        );
    }
    for (fdi, g) in progress.teeth.iter().filter_map(|t| t.recession.filter(|g| g.receded).map(|g| (t.fdi, g))) {
        let side = |x: Option<f64>| x.map_or("not seen".to_string(), |x| format!("{x:+.2} mm"));
        eprintln!(
            "{fdi}: gum margin moved apically buccal {}, lingual {} (noise floor {:.2} mm)",
            side(g.buccal_mm),
            side(g.lingual_mm),
            g.noise_floor_mm
        );
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}
