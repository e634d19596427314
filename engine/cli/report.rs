//! `cusp report`: The report for a patient's own scans — no phantom, no ground truth: teeth found (or the label files),

use super::*;

// The arguments of `cusp report`; its help text is the doc comment of `Command::Report` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Upper jaw scan (STL, PLY, OBJ).
    #[arg(long)]
    pub upper: Option<PathBuf>,
    /// Lower jaw scan.
    #[arg(long)]
    pub lower: Option<PathBuf>,
    /// Teeth3DS label file of the upper (a corrected segmentation); cusp segments without one.
    #[arg(long)]
    pub upper_labels: Option<PathBuf>,
    /// Teeth3DS label file of the lower.
    #[arg(long)]
    pub lower_labels: Option<PathBuf>,
    /// Bite scan (both jaws closed, buccal view) placing the lower in the upper's frame.
    #[arg(long, conflicts_with = "settle")]
    pub bite: Option<PathBuf>,
    /// No bite record: settle the lower onto the upper (an estimate, ±0.15 mm).
    #[arg(long)]
    pub settle: bool,
    /// Prepared tooth (FDI): its clearance to the opposing jaw, per material.
    #[arg(long)]
    pub prep: Option<i32>,
    /// Planned material for the preparation: zirconia-3y, zirconia-5y, lithium-disilicate or pfm.
    #[arg(long, requires = "prep")]
    pub material: Option<String>,
    /// Find and fit scan bodies.
    #[arg(long)]
    pub implants: bool,
    /// Stage aligners: "auto" or a setup JSON file.
    #[arg(long)]
    pub stage: Option<String>,
    /// Which jaw to stage (default: the upper when given).
    #[arg(long, value_parser = ["upper", "lower"])]
    pub stage_jaw: Option<String>,
    /// Earlier scan of the upper: progress from it.
    #[arg(long)]
    pub before_upper: Option<PathBuf>,
    /// Earlier scan of the lower.
    #[arg(long)]
    pub before_lower: Option<PathBuf>,
    /// The plan (plan.json from cusp stage or a report) the progress is judged against.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// The aligner the patient should have reached (with --plan).
    #[arg(long, requires = "plan")]
    pub plan_stage: Option<usize>,
    /// Report name (default: the output folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Output folder (replaced atomically when everything succeeded).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `cusp report`.
pub fn run(a: Args) -> Result<()> {
    let Args {
        upper,
        lower,
        upper_labels,
        lower_labels,
        bite,
        settle,
        prep,
        material,
        implants,
        stage,
        stage_jaw,
        before_upper,
        before_lower,
        plan,
        plan_stage,
        name,
        out,
    } = a;
    let case =
        cusp::pipeline::PatientCase {
            upper,
            lower,
            upper_labels,
            lower_labels,
            bite,
            settle,
            prep,
            material,
            implants,
            stage,
            stage_jaw: stage_jaw.map(|j| {
                if j == "upper" {
                    cusp::dentition::Jaw::Upper
                } else {
                    cusp::dentition::Jaw::Lower
                }
            }),
            before_upper,
            before_lower,
            plan,
            plan_stage,
        };
    case.validate().map_err(anyhow::Error::msg)?;
    let name = name.unwrap_or_else(|| out.file_name().and_then(|n| n.to_str()).unwrap_or("report").to_string());
    // Checked as a scenario's name is: one plain folder name.
    let toml = toml::to_string(&cusp::pipeline::Scenario { name, case: Some(case), ..Default::default() })?;
    let s = cusp::pipeline::Scenario::from_toml(&toml, std::path::Path::new("report.toml"))?;
    run_scenario(&s, Some(out), false)
}
