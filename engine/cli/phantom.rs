//! `cusp phantom`: Make a virtual patient (both jaws in occlusion, labels, ground truth) and optionally scan it.

use super::*;

// The arguments of `cusp phantom`; its help text is the doc comment of `Command::Phantom` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Seed of the random variation.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// A TOML file with [phantom] and [scanner] tables (see README); flags below override it.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Also record raw scanner frames of both jaws.
    #[arg(long)]
    pub scan: bool,
    /// Teeth that are absent, e.g. --missing 36,46.
    #[arg(long, value_delimiter = ',')]
    pub missing: Vec<i32>,
    /// Prepare this tooth for a crown (1.5 mm occlusal, 1.0 mm axial reduction).
    #[arg(long, value_name = "FDI")]
    pub prep: Option<i32>,
    /// Place an implant with a scan body at this (missing) site.
    #[arg(long, value_name = "FDI")]
    pub implant: Vec<i32>,
    /// Include third molars.
    #[arg(long)]
    pub third_molars: bool,
    /// Fewer triangles (for quick trials).
    #[arg(long)]
    pub coarse: bool,
}

/// The [phantom] and [scanner] tables of a phantom spec file.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    phantom: Option<cusp::phantom::PhantomSpec>,
    #[serde(default)]
    scanner: Option<cusp::phantom::scanner::ScannerSpec>,
}

/// Runs `cusp phantom`.
pub fn run(a: Args) -> Result<()> {
    let Args { seed, out, spec, scan, missing, prep, implant, third_molars, coarse } = a;
    let file: SpecFile = match &spec {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{e}— {}", p.display()))?
        }
        None => SpecFile::default(),
    };
    let mut ps =
        file.phantom.unwrap_or_else(
            || {
                if coarse {
                    cusp::phantom::PhantomSpec::coarse(seed)
                } else {
                    Default::default()
                }
            },
        );
    if spec.is_none() || seed != 1 {
        ps.seed = seed;
    }
    ps.missing.extend(missing);
    ps.third_molars |= third_molars;
    if let Some(fdi) = prep {
        ps.prep = Some(cusp::phantom::PrepSpec { fdi, occlusal_mm: 1.5, axial_mm: 1.0 });
    }
    for site in implant {
        if !ps.missing.contains(&site) {
            ps.missing.push(site);
        }
        ps.implants.push(cusp::phantom::ImplantSpec {
            site,
            scan_body: "cusp-sb-a".into(),
            buccal_tilt_deg: 0.0,
            index_deg: 0.0,
        });
    }
    ps.missing.sort_unstable();
    ps.missing.dedup();
    let phantom = cusp::phantom::Phantom::generate(&ps).map_err(|e| anyhow::anyhow!("invalid phantom spec: {e}"))?;
    let scanner = (scan || file.scanner.is_some()).then(|| file.scanner.unwrap_or_default());
    cusp::phantom::write_phantom(&phantom, &out, scanner.as_ref())?;
    eprintln!(
        "wrote {}: upper {} triangles, lower {} triangles{}",
        out.display(),
        phantom.upper.mesh.face_count(),
        phantom.lower.mesh.face_count(),
        if scanner.is_some() { ", raw frames in scan/" } else { "" }
    );
    Ok(())
}
