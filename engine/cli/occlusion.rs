//! `cusp occlusion`: Where upper and lower teeth touch (jaws in the same frame, e.g. a bite-registered export), and the

use super::*;

// The arguments of `cusp occlusion`; its help text is the doc comment of `Command::Occlusion` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Upper jaw mesh.
    #[arg(long)]
    pub upper: PathBuf,
    /// Lower jaw mesh, in the same frame as the upper (or in any frame, with --bite).
    #[arg(long)]
    pub lower: PathBuf,
    /// A buccal bite scan (fused mesh of both jaws in occlusion, seen from the cheek): each jaw is
    /// registered onto it and the lower jaw moved into the upper's frame (written as lower.bite.ply).
    #[arg(long)]
    pub bite: Option<PathBuf>,
    /// With no bite record: close the lower jaw into maximal intercuspation first, written as
    /// lower.settled.ply. Given roughly facing the upper it ends 0.02–0.13 mm from the true bite on
    /// phantoms; exported apart (its own frame) it is first turned to face the upper from the arch frames
    /// and ends 0.05–0.6 mm from it. An estimate: contacts from it are marked as such.
    #[arg(long, conflicts_with = "bite")]
    pub settle: bool,
    /// Teeth3DS labels of the upper jaw (segmented automatically if absent).
    #[arg(long)]
    pub upper_labels: Option<PathBuf>,
    /// Teeth3DS labels of the lower jaw (segmented automatically if absent).
    #[arg(long)]
    pub lower_labels: Option<PathBuf>,
    /// Contact threshold (mm).
    #[arg(long, default_value_t = cusp::occlusion::CONTACT_THRESHOLD_MM, value_parser = in_range(0.0, 2.0, "mm"))]
    pub threshold: f64,
    /// Measurement uncertainty (mm): contacts this close to the threshold are marked uncertain.
    #[arg(long, default_value_t = cusp::occlusion::SURFACE_UNCERTAINTY_MM, value_parser = in_range(0.0, 1.0, "mm"))]
    pub uncertainty: f64,
    /// A prepared tooth (FDI) whose occlusal clearance to report.
    #[arg(long)]
    pub prep: Option<i32>,
    /// The planned restorative material for --prep: zirconia-3y, zirconia-5y, lithium-disilicate or pfm
    /// (every material's verdict is in the report either way).
    #[arg(long)]
    pub material: Option<String>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `cusp occlusion`.
pub fn run(a: Args) -> Result<()> {
    let Args { upper, lower, bite, settle, upper_labels, lower_labels, threshold, uncertainty, prep, material, out } =
        a;
    if material.is_some() {
        anyhow::ensure!(prep.is_some(), "--material needs --prep (the tooth it is planned for)");
    }
    let opts =
        cusp::occlusion::OcclusionOptions { threshold_mm: threshold, uncertainty_mm: uncertainty, prep, material };
    let (u, l) = (read_jaw(&upper)?, read_jaw(&lower)?);
    let patch = bite.as_ref().map(io::read_mesh).transpose()?;
    let how = match (&patch, settle) {
        (Some(p), _) => cusp::occlusion::BiteFrom::Scan(p),
        (None, true) => cusp::occlusion::BiteFrom::Settle,
        (None, false) => cusp::occlusion::BiteFrom::AsGiven,
    };
    let (l, placement) = cusp::occlusion::place_lower(&u, &l, how)
        .with_context(|| format!("cannot bring {} into a bite with {}", lower.display(), upper.display()))?;
    let (ul, ll) = (teeth_of(&u, &upper, upper_labels.as_deref())?.0, teeth_of(&l, &lower, lower_labels.as_deref())?.0);
    let occ = cusp::occlusion::analyse(&u, &l, (&ul, &ll), &placement, &opts)
        .with_context(|| format!("{} and {} are not in a bite", upper.display(), lower.display()))?;
    let set = io::OutputSet::begin(&out)?;
    let placed = match &placement {
        cusp::occlusion::Placement::AsGiven => None,
        cusp::occlusion::Placement::Registered(_) => Some("lower.bite.ply"),
        cusp::occlusion::Placement::Settled(_) => Some("lower.settled.ply"),
    };
    if let Some(name) = placed {
        io::write_mesh(set.file(name)?, &l, WriteOptions::default())?;
    }
    for (name, mesh, d) in [("upper", &u, &occ.upper_distances), ("lower", &l, &occ.lower_distances)] {
        // Colours to look at, and the signed distance itself (mm, the PLY's `quality`) to re-threshold.
        let coloured = mesh
            .clone()
            .with_colors(d.iter().map(|&x| cusp::occlusion::band_color(x)).collect())?
            .with_values(d.clone())?;
        io::write_mesh(set.file(&format!("{name}.contacts.ply"))?, &coloured, WriteOptions::default())?;
    }
    io::write_atomic(&set.file("occlusion.json")?, serde_json::to_string_pretty(&occ)?.as_bytes())?;
    set.commit()?;
    eprintln!(
        "{} contact regions on the upper, {} on the lower; wrote {}",
        occ.upper_contacts.len(),
        occ.lower_contacts.len(),
        out.display()
    );
    match &placement {
        cusp::occlusion::Placement::AsGiven => {}
        cusp::occlusion::Placement::Registered(r) => eprintln!(
            "bite registered: upper fit {:.0} µm RMS, lower {:.0} µm RMS; lower jaw in the upper's frame: {}",
            r.upper.rms_um,
            r.lower.rms_um,
            out.join("lower.bite.ply").display()
        ),
        cusp::occlusion::Placement::Settled(s) => eprintln!(
            "settled (an estimate, no bite record): closed {:.2} mm, shifted {:.2?} mm, turned {:.2?}°, {} \
             vertices touching; {}",
            s.closed_mm,
            s.shift_mm,
            s.turn_deg,
            s.touching_vertices,
            out.join("lower.settled.ply").display()
        ),
    }
    if let Some(c) = &occ.clearance {
        eprintln!("clearance of {}: {:.2} mm", prep.unwrap_or(0), c.min_mm);
        if let Some(v) = &occ.material {
            eprintln!(
                "{}: needs {:.1} mm — {}{}",
                v.material,
                v.min_thickness_mm,
                if v.enough_room { "enough room" } else { "NOT enough room: reduce further" },
                if v.uncertain {
                    format!(" (within the ±{:.2} mm uncertainty: check clinically)", c.uncertainty_mm)
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(())
}
