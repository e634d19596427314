//! `cusp stage`: Stages aligner treatment of one jaw from its segmented scan to a target setup: per-stage limits, no

use super::*;

// The arguments of `cusp stage`; its help text is the doc comment of `Command::Stage` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Jaw mesh.
    pub mesh: PathBuf,
    /// Teeth3DS labels of the mesh (segmented automatically if absent).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Target setup (JSON: {"teeth": [{"fdi", "translation_mm": [mesial, buccal, occlusal],
    /// "rotation_deg": [tip, torque, rotation]}]}, in each tooth's frame).
    #[arg(long, conflicts_with = "auto")]
    pub target: Option<PathBuf>,
    /// Use the automatic target instead of a setup file: crowns onto the patient's smoothed arch, outliers
    /// levelled, crowding resolved by the arch's spaces, IPR (within the limits) and up to 2 mm of labial
    /// development, molars anchored; its note in setup.json says how the space was found.
    #[arg(long)]
    pub auto: bool,
    /// Per-stage limits (TOML with any of the keys of the plan's "limits"; the rest keep their defaults).
    #[arg(long)]
    pub limits: Option<PathBuf>,
    /// Sequencing pattern to start from: together (every tooth over the whole plan), posteriors-first or
    /// anteriors-first; collisions on the way are sequenced around in every pattern.
    #[arg(long, default_value = "together",
          value_parser = clap::builder::PossibleValuesParser::new(cusp::staging::Sequencing::ALL.map(|s| s.as_str())))]
    pub sequencing: String,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `cusp stage`.
pub fn run(a: Args) -> Result<()> {
    let Args { mesh: path, labels, target, auto, limits, sequencing, out } = a;
    use cusp::staging::{Limits, Setup};
    let limits: Limits = match &limits {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => Limits::default(),
    };
    limits.validate()?;
    let mesh = read_jaw(&path)?;
    let (_, dentition) = teeth_of(&mesh, &path, labels.as_deref())?;
    anyhow::ensure!(!dentition.teeth.is_empty(), "{}: no teeth found to stage", path.display());
    let setup = match (&target, auto) {
        (Some(t), _) => {
            let text = std::fs::read_to_string(t).with_context(|| format!("cannot read {}", t.display()))?;
            Setup::from_json(&text, &t.display().to_string())?
        }
        (None, true) => cusp::staging::auto_setup(&mesh, &dentition, &limits, &Default::default()).0,
        (None, false) => anyhow::bail!("give a target: --target setup.json or --auto"),
    };
    let pattern = cusp::staging::Sequencing::parse(&sequencing).expect("clap checked the name");
    let plan = cusp::staging::plan_sequenced(&mesh, &dentition, &setup, &limits, pattern)?;
    let space = cusp::staging::space_analysis(&mesh, &dentition);
    // The stage models are the run's own folder, replaced whole: no stale stage of an earlier, longer plan stays.
    let mut set = io::OutputSet::begin(&out)?;
    let stages_dir = set.own_folder("stages")?;
    for st in &plan.stages {
        let m = cusp::staging::stage_mesh(&mesh, &dentition, st);
        io::write_mesh(stages_dir.join(format!("stage_{:02}.stl", st.index)), &m, WriteOptions::default())?;
    }
    io::write_atomic(&set.file("movement.svg")?, cusp::staging::movement_chart_svg(&plan).as_bytes())?;
    io::write_atomic(&set.file("setup.json")?, serde_json::to_string_pretty(&setup)?.as_bytes())?;
    io::write_atomic(&set.file("space.json")?, serde_json::to_string_pretty(&space)?.as_bytes())?;
    io::write_atomic(&set.file("plan.json")?, serde_json::to_string_pretty(&plan)?.as_bytes())?;
    set.commit()?;
    eprintln!(
        "{} stages (at least {} needed), {} IPR contacts; {}",
        plan.stages.len() - 1,
        plan.lower_bound_stages,
        plan.ipr.len(),
        plan.sequencing
    );
    if let Some(d) = space.discrepancy_mm {
        eprintln!("arch length discrepancy {d:+.1} mm ({})", if d < 0.0 { "crowding" } else { "spacing" });
    }
    for (fdi, what) in &plan.attachments {
        eprintln!("attachment on {fdi}: {what}");
    }
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}
