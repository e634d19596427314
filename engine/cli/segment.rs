//! `cusp segment`: Split a jaw scan into gingiva and teeth numbered by FDI (curvature and height, no learned model).

use super::*;

// The arguments of `cusp segment`; its help text is the doc comment of `Command::Segment` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// The jaw mesh (any orientation, mm).
    pub mesh: PathBuf,
    /// Output folder (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write each tooth as its own mesh, DIR/tooth_<FDI>.<format> (the crown as scanned, open at its
    /// gum line, in the scan's frame), as labs take them.
    #[arg(long, value_name = "DIR")]
    pub teeth_dir: Option<PathBuf>,
    /// Format of the per-tooth meshes: stl, ply, obj, vtk or vtp.
    #[arg(long, default_value = "stl", requires = "teeth_dir")]
    pub teeth_format: String,
}

/// Runs `cusp segment`.
pub fn run(a: Args) -> Result<()> {
    let Args { mesh: path, out, teeth_dir, teeth_format } = a;
    // The per-tooth format is checked before any work.
    let tooth_format = io::Format::from_path(std::path::Path::new(&format!("tooth.{teeth_format}")))?;
    let mesh = read_jaw(&path)?;
    let seg = cusp::segment::segment(&mesh).with_context(|| format!("cannot segment {}", path.display()))?;
    if let Some(dir) = &teeth_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for &fdi in &seg.teeth {
            if let Some(tooth) = seg.tooth_mesh(&mesh, fdi) {
                let file = dir.join(format!("tooth_{fdi}.{}", teeth_format.to_ascii_lowercase()));
                let bytes = io::encode_mesh(&tooth, tooth_format, WriteOptions::default());
                io::write_atomic(&file, &bytes)?;
            }
        }
    }
    let set = io::OutputSet::begin(&out)?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("mesh");
    let labels = Teeth3dsLabels {
        id_patient: stem.to_string(),
        jaw: seg.frame.jaw,
        labels: seg.labels.clone(),
        instances: seg.instances.clone(),
    };
    labels.write(set.file(&format!("{stem}.labels.json"))?)?;
    let colors = seg.labels.iter().map(|&l| cusp::colormap::label_color(l)).collect();
    let coloured = mesh.clone().with_colors(colors)?.with_labels(seg.labels.clone())?;
    io::write_mesh(set.file(&format!("{stem}.segmented.ply"))?, &coloured, WriteOptions::default())?;
    let landmarks = cusp::landmark::find_landmarks(&mesh, &seg.dentition);
    let key = path.file_name().and_then(|s| s.to_str()).unwrap_or("mesh");
    for file in [format!("{stem}.landmarks.json"), format!("{stem}.landmarks.mrk.json")] {
        cusp::landmark::write_landmarks(&set.file(&file)?, &landmarks, key)?;
    }
    set.commit()?;
    eprintln!("{} jaw, teeth (FDI) {:?}; wrote {}", seg.frame.jaw.as_str(), seg.teeth, out.display());
    Ok(())
}
