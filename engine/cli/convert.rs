//! `cusp convert`: Convert a mesh between formats, chosen by the file extensions.

use super::*;

// The arguments of `cusp convert`; its help text is the doc comment of `Command::Convert` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// Input mesh.
    pub input: PathBuf,
    /// Output mesh; its extension picks the format. It is replaced whole, never half-written.
    pub output: PathBuf,
    /// Write text instead of binary (STL, PLY, VTK, VTP).
    #[arg(long)]
    pub ascii: bool,
    /// Attach per-vertex labels from a Teeth3DS label file before writing.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Merge vertices closer than this many millimetres (e.g. 0.001) before writing.
    #[arg(long, value_name = "MM", value_parser = in_range(0.0, 1.0, "mm"))]
    pub weld: Option<f64>,
}

/// Runs `cusp convert`.
pub fn run(a: Args) -> Result<()> {
    let Args { input, output, ascii, labels, weld } = a;
    let target = Format::from_path(&output)?;
    // Inputs are never modified: the output may not be the input under another spelling.
    let same = std::fs::canonicalize(&input).ok().zip(output.parent().map(|p| {
        let dir = if p.as_os_str().is_empty() { std::path::Path::new(".") } else { p };
        std::fs::canonicalize(dir).ok().map(|d| d.join(output.file_name().unwrap_or_default()))
    }));
    if let Some((a, Some(b))) = same {
        anyhow::ensure!(
            a != b,
            "{} is the input: convert writes a new file and never replaces its input",
            output.display()
        );
    }
    let mut mesh = io::read_mesh(&input)?;
    if let Some(l) = labels {
        let lab: Teeth3dsLabels = io::read_labels_for(&l, &mesh)?;
        mesh = mesh.with_labels(lab.labels).context("attaching labels")?;
    }
    if let Some(tol) = weld {
        anyhow::ensure!(tol.is_finite() && tol >= 0.0, "--weld must be a distance in mm ≥ 0, got {tol}");
        let w = mesh.weld(tol);
        eprintln!(
            "welded: {} → {} vertices, {} triangles collapsed",
            mesh.vertex_count(),
            w.mesh.vertex_count(),
            w.collapsed_faces
        );
        mesh = w.mesh;
    }
    let (c, n, l) = target.keeps();
    let lost: Vec<&str> = [
        (mesh.colors().is_some() && !c, "colours"),
        (mesh.normals().is_some() && !n, "normals"),
        ((mesh.labels().is_some() || mesh.face_labels().is_some()) && !l, "labels"),
    ]
    .iter()
    .filter(|(x, _)| *x)
    .map(|(_, s)| *s)
    .collect();
    if !lost.is_empty() {
        eprintln!("note: {} cannot hold {}; they are left out", target.name(), lost.join(", "));
    }
    io::write_mesh(&output, &mesh, WriteOptions { ascii })?;
    eprintln!("wrote {} ({} vertices, {} triangles)", output.display(), mesh.vertex_count(), mesh.face_count());
    Ok(())
}
