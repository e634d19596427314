//! `cusp demo`: The demo: cusp run scenarios/demo.toml (built into the binary, so it runs from anywhere).

use super::*;

// The arguments of `cusp demo`; its help text is the doc comment of `Command::Demo` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Output folder (default reports/out/demo).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit with status 2 when a check fails.
    #[arg(long)]
    pub strict: bool,
}

/// Runs `cusp demo`.
pub fn run(a: Args) -> Result<()> {
    let Args { out, strict } = a;
    let s = cusp::pipeline::Scenario::from_toml(DEMO, std::path::Path::new("scenarios/demo.toml"))?;
    run_scenario(&s, out, strict)
}
