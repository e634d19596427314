//! `cusp implant`: Fits every scan body in a jaw scan to its library model and reports each implant's platform position

use super::*;

// The arguments of `cusp implant`; its help text is the doc comment of `Command::Implant` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Jaw scan with scan bodies.
    pub mesh: PathBuf,
    /// Library entry (name, or a .toml file in the library format); repeat to allow several. Default: all
    /// shipped entries, the best fit wins.
    #[arg(long)]
    pub library: Vec<String>,
    /// Site (FDI) of the implant, when the scan holds exactly one scan body.
    #[arg(long)]
    pub site: Option<i32>,
    /// Teeth3DS labels of the mesh, to name each implant's site (segmented automatically if absent).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// A second scan of the same scan bodies (e.g. a verification scan) to compare against.
    #[arg(long)]
    pub verify: Option<PathBuf>,
    /// Largest acceptable fit residual and position difference (µm).
    #[arg(long, default_value_t = 100.0, value_parser = in_range(1.0, 5000.0, "µm"))]
    pub tolerance_um: f64,
    /// Largest acceptable axis difference (degrees).
    #[arg(long, default_value_t = 0.5, value_parser = in_range(0.01, 45.0, "°"))]
    pub tolerance_deg: f64,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `cusp implant`.
pub fn run(a: Args) -> Result<()> {
    let Args { mesh: path, library, site, labels, verify, tolerance_um, tolerance_deg, out } = a;
    use cusp::implant::{FitModel, ScanBodyEntry, Tolerances};
    let tol = Tolerances { position_mm: tolerance_um / 1000.0, angle_deg: tolerance_deg, ..Tolerances::default() };
    let entries = if library.is_empty() {
        ScanBodyEntry::builtin()
    } else {
        library.iter().map(|l| ScanBodyEntry::lookup(l)).collect::<Result<Vec<_>, _>>()?
    };
    let models: Vec<FitModel> = entries.into_iter().map(FitModel::new).collect();
    let mesh = read_jaw(&path)?;
    let mut fits = cusp::implant::fit_all(&mesh, &models, &tol);
    anyhow::ensure!(!fits.is_empty(), "{}: no scan body found (a flat top over a round wall)", path.display());
    match (site, &labels) {
        (Some(s), _) => {
            anyhow::ensure!(fits.len() == 1, "--site names one implant but {} scan bodies were found", fits.len());
            fits[0].site = Some(s);
        }
        (None, Some(l)) => {
            let (_, d) = teeth_of(&mesh, &path, Some(l))?;
            cusp::implant::sites_from_dentition(&mut fits, &d);
        }
        (None, None) => {
            // The segmentation's own placement of the scan body along the arch names the site.
            let seg = cusp::segment::segment(&mesh).with_context(|| format!("cannot segment {}", path.display()))?;
            seg.name_implant_sites(&mut fits);
        }
    }
    let comparison = match &verify {
        Some(v) => {
            let other = io::read_mesh(v)?;
            let second = cusp::implant::fit_all(&other, &models, &tol);
            anyhow::ensure!(!second.is_empty(), "{}: no scan body found", v.display());
            Some(cusp::implant::compare(&fits, &second, &tol))
        }
        None => None,
    };
    let set = io::OutputSet::begin(&out)?;
    let colours = cusp::implant::residual_colors(&mesh, &fits, 0.05);
    io::write_mesh(set.file("residuals.ply")?, &mesh.clone().with_colors(colours)?, WriteOptions::default())?;
    let report = serde_json::json!({
        "units": "mm (angles in degrees)",
        "frame": "the scan's",
        "tolerances": tol,
        "implants": fits,
        "pairs": cusp::implant::pairs(&fits),
        "verification": comparison,
    });
    io::write_atomic(&set.file("implants.json")?, serde_json::to_string_pretty(&report)?.as_bytes())?;
    set.commit()?;
    for f in &fits {
        let site = f.site.map_or("?".to_string(), |s| s.to_string());
        let [x, y, z] = f.platform;
        eprintln!(
            "site {site}: {} platform ({x:.3}, {y:.3}, {z:.3}) mm, fit RMS {:.0} µm, coverage {:.0}%{}",
            f.scan_body,
            f.rms_mm * 1e3,
            f.coverage * 100.0,
            if f.fit_ok { String::new() } else { format!(" — POOR FIT: {}", f.flags.join("; ")) }
        );
    }
    if let Some(c) = &comparison {
        for d in &c.implants {
            eprintln!(
                "verify site {}: Δposition {:.0} µm, Δaxis {:.2}°{}",
                d.site.map_or("?".to_string(), |s| s.to_string()),
                d.position_mm * 1e3,
                d.angle_deg,
                if d.ok { "" } else { " — OUT OF TOLERANCE" }
            );
        }
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}
