//! Writing a phantom to a folder: jaw meshes and labels beside each other, ground truth under `truth/`.
//!
//! ```text
//! upper.ply, lower.ply                 jaw models (binary PLY, mm, patient frame; no labels inside)
//! upper.labels.json, lower.labels.json Teeth3DS labels (FDI per vertex; scan bodies have instance ≥ 100)
//! upper_t1.ply, …                      later time points, when the spec has a time series
//! scan/upper/frames.json, frame_NNNN.depth   raw frames (with --scan), format in `io::frames`
//! scan/bite/…                         a buccal bite scan of both jaws in occlusion (same format, no jaw)
//! truth/truth.json                     poses, contacts, implants, movements
//! truth/crowns/NN.ply                  each tooth's closed crown at t0
//! truth/scan_upper.json                true camera poses per frame
//! spec.resolved.json                   the spec with every default filled in
//! ```

use super::place::{JawModel, Phantom};
use super::scanner::{ScanSession, ScannerSpec};
use crate::io::frames::{self, FrameEntry, FramesDoc, PoseRecord};
use crate::io::{self, IoError, Teeth3dsLabels, WriteOptions};
use crate::mesh::Mesh;
use serde_json::json;
use std::path::Path;

/// Why a phantom could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PhantomError {
    /// The spec asks for something impossible.
    #[error("invalid phantom spec: {0}")]
    Spec(String),
    /// A file could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
}

fn write_json(path: &Path, v: &impl serde::Serialize) -> Result<(), IoError> {
    let mut s =
        serde_json::to_string_pretty(v).map_err(|e| IoError::Write { path: path.to_path_buf(), source: e.into() })?;
    s.push('\n');
    io::write_atomic(path, s.as_bytes())
}

fn mkdir(path: &Path) -> Result<(), IoError> {
    std::fs::create_dir_all(path).map_err(|source| IoError::Write { path: path.to_path_buf(), source })
}

fn write_jaw(dir: &Path, name: &str, model: &JawModel, id: &str) -> Result<(), IoError> {
    // The mesh file carries geometry only: labels are ground truth and go to their own file.
    let bare = Mesh::new(model.mesh.positions().to_vec(), model.mesh.triangles().to_vec()).expect("valid");
    io::write_mesh(dir.join(format!("{name}.ply")), &bare, WriteOptions::default())?;
    let labels = Teeth3dsLabels {
        id_patient: id.to_string(),
        jaw: model.jaw,
        labels: model.mesh.labels().map(<[i32]>::to_vec).unwrap_or_default(),
        instances: model.instances.clone(),
    };
    labels.write(dir.join(format!("{name}.labels.json")))
}

/// Writes the raw frames of a scan session (depth images, camera, odometry guesses) and, separately, the
/// true poses.
pub fn write_scan(dir: &Path, truth_file: &Path, session: &ScanSession) -> Result<(), IoError> {
    mkdir(dir)?;
    let s = &session.spec;
    let mut entries = Vec::new();
    for (k, f) in session.frames.iter().enumerate() {
        let file = format!("frame_{k:04}.depth");
        io::write_atomic(&dir.join(&file), &frames::encode_depth(s.width_px, s.height_px, &f.depth))?;
        entries.push(FrameEntry {
            file,
            pass: f.pass.to_string(),
            odometry_guess: Some(PoseRecord::from_isometry(&f.guess)),
        });
    }
    let doc = FramesDoc { format: "cusp raw frames v1".into(), jaw: session.jaw, camera: s.camera(), frames: entries };
    write_json(&dir.join("frames.json"), &doc)?;
    let truth: Vec<PoseRecord> = session.frames.iter().map(|f| PoseRecord::from_isometry(&f.truth)).collect();
    write_json(truth_file, &json!({ "jaw": session.jaw.map_or("both", |j| j.as_str()), "patient_from_camera": truth }))
}

/// Writes a phantom (and, with a scanner spec, raw frames of both jaws) into `dir`.
pub fn write_phantom(phantom: &Phantom, dir: &Path, scanner: Option<&ScannerSpec>) -> Result<(), PhantomError> {
    mkdir(dir)?;
    let truth_dir = dir.join("truth");
    mkdir(&truth_dir.join("crowns"))?;
    let id = format!("phantom-{}", phantom.spec.seed);
    write_jaw(dir, "upper", &phantom.upper, &id)?;
    write_jaw(dir, "lower", &phantom.lower, &id)?;
    for (k, (u, l)) in phantom.stages.iter().enumerate() {
        write_jaw(dir, &format!("upper_t{}", k + 1), u, &id)?;
        write_jaw(dir, &format!("lower_t{}", k + 1), l, &id)?;
    }
    for t in phantom.upper.teeth.iter().chain(&phantom.lower.teeth) {
        io::write_mesh(truth_dir.join(format!("crowns/{}.ply", t.fdi)), &t.closed_mesh(), WriteOptions::default())?;
    }
    write_json(&truth_dir.join("truth.json"), &phantom.truth)?;
    for jaw in &phantom.truth.jaws {
        let file = truth_dir.join(format!("{}.landmarks.json", jaw.jaw));
        crate::landmark::write_landmarks(&file, &jaw.landmarks, &jaw.mesh)?;
    }
    write_json(&dir.join("spec.resolved.json"), &phantom.spec)?;
    if let Some(spec) = scanner {
        for model in [&phantom.upper, &phantom.lower] {
            let jaw = model.jaw.as_str();
            let session = model.scan(spec);
            write_scan(&dir.join(format!("scan/{jaw}")), &truth_dir.join(format!("scan_{jaw}.json")), &session)?;
        }
        write_scan(&dir.join("scan/bite"), &truth_dir.join("scan_bite.json"), &phantom.scan_bite(spec))?;
        write_json(&dir.join("scan/scanner.resolved.json"), spec)?;
    }
    Ok(())
}
