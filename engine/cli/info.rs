//! `cusp info`: Describe a mesh: counts, size, holes, defects, and labels if present.

use super::*;

// The arguments of `cusp info`; its help text is the doc comment of `Command::Info` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// The mesh file (.stl, .ply, .obj, .vtk, .vtp).
    pub mesh: PathBuf,
    /// A Teeth3DS label file (.json) to check against the mesh and summarise.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `cusp info`.
pub fn run(a: Args) -> Result<()> {
    let Args { mesh: path, labels, json } = a;
    let mesh = io::read_mesh(&path)?;
    let info = MeshInfo::of(&mesh);
    let labels = labels.map(|l| io::read_labels_for(&l, &mesh)).transpose()?;
    if json {
        let mut v = serde_json::to_value(&info)?;
        if let Some(l) = &labels {
            v["label_file"] = serde_json::json!({ "jaw": l.jaw, "teeth": l.teeth() });
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("file                {}", path.display());
        println!("format              {}", Format::from_path(&path)?.name());
        print!("{info}");
        if let Some(l) = &labels {
            println!("label file          {} jaw, teeth (FDI) {:?}", l.jaw.as_str(), l.teeth());
        }
    }
    Ok(())
}
