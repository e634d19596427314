//! `cusp run`: Runs a scenario end to end (phantom, scanning, segmentation, occlusion, implants, staging, progress)

use super::*;

// The arguments of `cusp run`; its help text is the doc comment of `Command::Run` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Output folder (default reports/out/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit with status 2 when a check fails.
    #[arg(long)]
    pub strict: bool,
}

/// Runs `cusp run`.
pub fn run(a: Args) -> Result<()> {
    let Args { scenario, out, strict } = a;
    let s = cusp::pipeline::Scenario::read(&scenario)?;
    run_scenario(&s, out, strict)
}
