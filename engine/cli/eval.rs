//! `cusp eval …`: compare results with ground truth or a reference.

use super::*;

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Trueness of a scan against a reference surface (e.g. the phantom's jaw model): RMS, 95th percentile
    /// and largest distance after a best fit, in µm.
    Scan {
        /// The scan to measure.
        scan: PathBuf,
        /// The reference (true) surface.
        reference: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Landmark errors per class (median, 90th percentile, largest, in mm; missed and extra points) of
    /// predicted landmarks against reference ones. Either file may be 3DTeethLand JSON, a 3D Slicer `.mrk.json`
    /// or an `.fcsv`; points are paired within their tooth when both files name teeth, else within their class.
    /// Example: cusp eval landmarks seg/lower.landmarks.json truth/lower.landmarks.json
    Landmarks {
        /// Predicted landmarks.
        pred: PathBuf,
        /// Reference (true) landmarks.
        truth: PathBuf,
        /// Farthest a predicted point may be from a true one to be paired with it (mm).
        #[arg(long, default_value_t = cusp::eval::landmarks::DEFAULT_REACH_MM, value_parser = in_range(0.1, 50.0, "mm"))]
        reach_mm: f64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The 3DTeethSeg'22 metrics (TSA, TLA, TIR) of predicted labels against ground-truth labels.
    Segment {
        /// Predicted Teeth3DS labels.
        pred: PathBuf,
        /// Ground-truth Teeth3DS labels.
        gt: PathBuf,
        /// The mesh both label files belong to (for tooth centroids).
        #[arg(long)]
        mesh: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `cusp eval …`.
pub fn run(c: EvalCommand) -> Result<()> {
    match c {
        EvalCommand::Segment { pred, gt, mesh, json } => {
            let m = io::read_mesh(&mesh)?;
            let p = io::read_labels_for(&pred, &m)?;
            let g = io::read_labels_for(&gt, &m)?;
            let s = cusp::eval::segment::score(m.positions(), &g, &p);
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                println!(
                    "TSA {:.4}   TLA {:.4}   TIR {:.4}   ({} true teeth, {} predicted)",
                    s.tsa, s.tla, s.tir, s.gt_teeth, s.predicted_teeth
                );
            }
        }
        EvalCommand::Landmarks { pred, truth, reach_mm, json } => {
            let p = cusp::landmark::read_landmarks(&pred)?;
            let t = cusp::landmark::read_landmarks(&truth)?;
            if let (Some(a), Some(b)) = (&p.coordinate_system, &t.coordinate_system) {
                anyhow::ensure!(
                    a.eq_ignore_ascii_case(b),
                    "the files state different coordinate systems ({a} and {b}): convert one so that both are in \
                     the frame of the mesh"
                );
            }
            anyhow::ensure!(!t.landmarks.is_empty(), "{} holds no landmarks", truth.display());
            let e = cusp::eval::landmarks::landmark_errors(&t.landmarks, &p.landmarks, reach_mm);
            if json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                print!("{e}");
            }
        }
        EvalCommand::Scan { scan, reference, json } => {
            let s = io::read_mesh(&scan)?;
            let r = io::read_mesh(&reference)?;
            let t = cusp::eval::scan::trueness(&s, &r, &nalgebra::Isometry3::identity());
            if json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                println!("trueness of {} against {}", scan.display(), reference.display());
                println!("RMS                 {:.1} µm", t.rms_um);
                println!("95th percentile     {:.1} µm", t.p95_um);
                println!("largest             {:.1} µm", t.max_um);
                println!("vertices measured   {}", t.vertices);
            }
        }
    }
    Ok(())
}
