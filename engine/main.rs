//! The `cusp` command: inspect and convert dental meshes (more stages follow the pipeline).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use cusp::io::{self, Format, Teeth3dsLabels, WriteOptions};
use cusp::mesh::MeshInfo;
use std::path::PathBuf;
use std::process::ExitCode;

/// cusp — orthodontic and implant planning engine for intraoral scans.
///
/// Reads STL, PLY, OBJ, VTK (.vtk) and VTK XML (.vtp) meshes in millimetres, and Teeth3DS label
/// files (.json). Nothing it reads is ever modified; every file it writes is written whole or not at all.
#[derive(Parser)]
#[command(name = "cusp", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Describe a mesh: counts, size, holes, defects, and labels if present.
    ///
    /// Example: cusp info scan.stl
    Info {
        /// The mesh file (.stl, .ply, .obj, .vtk, .vtp).
        mesh: PathBuf,
        /// A Teeth3DS label file (.json) to check against the mesh and summarise.
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Print machine-readable JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Convert a mesh between formats, chosen by the file extensions.
    ///
    /// Colours, normals and labels are kept where the target format can hold them (STL holds none; OBJ
    /// holds colours and normals). Example: cusp convert scan.vtp scan.ply
    Convert {
        /// Input mesh.
        input: PathBuf,
        /// Output mesh; its extension picks the format. It is replaced whole, never half-written.
        output: PathBuf,
        /// Write text instead of binary (STL, PLY, VTK, VTP).
        #[arg(long)]
        ascii: bool,
        /// Attach per-vertex labels from a Teeth3DS label file before writing.
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Merge vertices closer than this many millimetres (e.g. 0.001) before writing.
        #[arg(long, value_name = "MM")]
        weld: Option<f64>,
    },
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Info { mesh: path, labels, json } => {
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
        }
        Command::Convert { input, output, ascii, labels, weld } => {
            let target = Format::from_path(&output)?;
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
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
