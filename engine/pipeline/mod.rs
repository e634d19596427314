//! The one place stages are chained: a scenario (TOML) describes a case end to end — the phantom patient,
//! the scanner, which analyses to run and the pass/fail thresholds — and [`run`] executes it and writes
//! `report.json`, `report.html`, the meshes it made and `scenario.resolved.toml`.
//!
//! Analysis stages see only what a clinic would have (meshes, labels the run produced or a corrected
//! segmentation when the scenario asks for one); the phantom's ground truth is read only by the checks at the
//! end of each stage, through `crate::eval` and the truth record, and reported as "accuracy against ground
//! truth".

use crate::dentition::{Dentition, Jaw};
use crate::io::{self, Teeth3dsLabels, WriteOptions};
use crate::mesh::Mesh;
use crate::phantom::scanner::ScannerSpec;
use crate::phantom::{JawModel, Phantom, PhantomSpec};
use crate::registration::isometry_wxyz;
mod patient;

pub use crate::report::{Check, RunOutput, ViewLayer, ViewMesh};
use crate::staging::{Limits, Setup};
use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
pub use patient::{key_figures, run_patient, PatientCase, Skipped};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A whole case; every key has a default, unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Short name (the output folder); defaults to the file name.
    pub name: String,
    /// What the case shows, for the report.
    pub description: String,
    /// The virtual patient.
    pub phantom: PhantomSpec,
    /// A real patient's own files instead of the phantom: when present, the run reads them (no ground truth,
    /// no checks) and `phantom`, `scanner`, `run` and `thresholds` are not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<PatientCase>,
    /// The virtual scanner.
    pub scanner: ScannerSpec,
    /// Which analyses to run and how.
    pub run: RunSpec,
    /// Pass/fail thresholds of the checks against ground truth.
    pub thresholds: Thresholds,
}

/// Which analyses run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSpec {
    /// Jaws to scan with the virtual scanner and fuse ("upper", "lower").
    pub scan: Vec<String>,
    /// Which tooth labels the analyses use: "predicted" (cusp's own segmentation) or "corrected" (the
    /// phantom's labels, standing for a segmentation a technician has corrected).
    pub labels: String,
    /// Segment both jaws and score the segmentation.
    pub segment: bool,
    /// Occlusal contacts (and the preparation's clearance when the phantom has one).
    pub occlusion: bool,
    /// Fit the scan bodies when the phantom has implants.
    pub implants: bool,
    /// Stage aligners for one jaw.
    pub staging: Option<StagingRun>,
    /// Compare a later time point with t0.
    pub progress: Option<ProgressRun>,
}

impl Default for RunSpec {
    fn default() -> Self {
        Self {
            scan: Vec::new(),
            labels: "predicted".into(),
            segment: true,
            occlusion: true,
            implants: true,
            staging: None,
            progress: None,
        }
    }
}

/// Aligner staging options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StagingRun {
    /// "upper" or "lower".
    pub jaw: String,
    /// Target: "auto" (smooth arch, levelled) or "undo-malocclusion" (each displaced tooth back by its
    /// displacement, as read in the tooth frames cusp measures).
    pub target: String,
    /// Per-stage limits.
    pub limits: Limits,
    /// Write one STL per stage.
    pub stage_models: bool,
}

impl Default for StagingRun {
    fn default() -> Self {
        Self { jaw: "lower".into(), target: "auto".into(), limits: Limits::default(), stage_models: false }
    }
}

/// Progress comparison options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProgressRun {
    /// "upper" or "lower".
    pub jaw: String,
    /// Time point compared with t0 (1 = the first of the phantom's time series).
    pub time_point: usize,
}

impl Default for ProgressRun {
    fn default() -> Self {
        Self { jaw: "lower".into(), time_point: 1 }
    }
}

/// Pass/fail thresholds (checks against the phantom's ground truth).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Fused-surface RMS distance to the true surface (µm).
    pub fused_rms_um: f64,
    /// Smallest segmentation TSA.
    pub segmentation_tsa: f64,
    /// Smallest segmentation TIR.
    pub segmentation_tir: f64,
    /// Largest clearance error (µm).
    pub clearance_error_um: f64,
    /// Largest implant platform position error (µm).
    pub implant_position_um: f64,
    /// Largest implant axis error (degrees).
    pub implant_axis_deg: f64,
    /// Largest per-tooth movement error (µm) in progress comparison.
    pub progress_position_um: f64,
    /// Largest per-tooth angle error (degrees).
    pub progress_angle_deg: f64,
    /// Largest error of a worn tooth's deepest loss (µm).
    pub wear_depth_um: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            fused_rms_um: 20.0,
            segmentation_tsa: 0.80,
            segmentation_tir: 0.60,
            clearance_error_um: 20.0,
            implant_position_um: 20.0,
            implant_axis_deg: 0.2,
            progress_position_um: 50.0,
            progress_angle_deg: 0.5,
            wear_depth_um: 20.0,
        }
    }
}

/// A scenario that cannot be run, or a stage that failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The scenario file is unreadable or has a wrong or unknown key.
    #[error("{path}: {message}")]
    Scenario {
        /// File.
        path: String,
        /// What is wrong, with the key and line.
        message: String,
    },
    /// A stage failed; nothing of the run was written.
    #[error("stage '{stage}' failed: {message}")]
    Stage {
        /// Which stage.
        stage: String,
        /// Why.
        message: String,
    },
    /// Writing the outputs failed.
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
}

impl Scenario {
    /// Reads a scenario; the name defaults to the file stem.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, PipelineError> {
        let mut s: Scenario = toml::from_str(text)
            .map_err(|e| PipelineError::Scenario { path: path.display().to_string(), message: e.to_string() })?;
        if s.name.is_empty() {
            s.name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("scenario").to_string();
        }
        let bad = |m: String| Err(PipelineError::Scenario { path: path.display().to_string(), message: m });
        // The name is the output folder's: one plain path component, never a way out of reports/out.
        let plain = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ');
        if s.name.starts_with('.') || !s.name.chars().all(plain) || s.name.len() > 100 {
            return bad(format!(
                "name '{}' must be one plain folder name (letters, digits, '-', '_', '.', spaces; not starting with '.')",
                s.name
            ));
        }
        if let Some(c) = &s.case {
            let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let c = c.resolved_against(base);
            c.validate().map_err(|m| PipelineError::Scenario {
                path: path.display().to_string(),
                message: format!("case: {m}"),
            })?;
            s.case = Some(c);
        }
        for j in &s.run.scan {
            if j != "upper" && j != "lower" {
                return bad(format!("run.scan: '{j}' is not a jaw (upper or lower)"));
            }
        }
        if s.run.labels != "predicted" && s.run.labels != "corrected" {
            return bad(format!("run.labels: '{}' must be \"predicted\" or \"corrected\"", s.run.labels));
        }
        if let Some(st) = &s.run.staging {
            if st.target != "auto" && st.target != "undo-malocclusion" {
                return bad(format!("run.staging.target: '{}' must be \"auto\" or \"undo-malocclusion\"", st.target));
            }
        }
        if let Some(p) = &s.run.progress {
            if p.time_point == 0 || p.time_point > s.phantom.time_series.len() {
                return bad(format!(
                    "run.progress.time_point: {} but the phantom has {} later time points",
                    p.time_point,
                    s.phantom.time_series.len()
                ));
            }
        }
        for j in s.run.staging.iter().map(|x| &x.jaw).chain(s.run.progress.iter().map(|x| &x.jaw)) {
            if j != "upper" && j != "lower" {
                return bad(format!("'{j}' is not a jaw (upper or lower)"));
            }
        }
        Ok(s)
    }

    /// Reads a scenario file.
    pub fn read(path: &Path) -> Result<Self, PipelineError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PipelineError::Scenario { path: path.display().to_string(), message: e.to_string() })?;
        Self::from_toml(&text, path)
    }
}

fn check_max(name: &str, value: f64, threshold: f64, unit: &str) -> Check {
    Check { name: name.into(), value, threshold, unit: unit.into(), pass: value <= threshold }
}

fn check_min(name: &str, value: f64, threshold: f64, unit: &str) -> Check {
    Check { name: name.into(), value, threshold, unit: unit.into(), pass: value >= threshold }
}

/// Per-stage progress callback: (stage name, index, total).
pub type Progress<'a> = &'a dyn Fn(&str, usize, usize);

fn stage_err(stage: &str, message: impl std::fmt::Display) -> PipelineError {
    PipelineError::Stage { stage: stage.into(), message: message.to_string() }
}

/// The stages a scenario runs, in order.
pub fn stage_names(s: &Scenario) -> Vec<String> {
    if let Some(c) = &s.case {
        return c.stage_names();
    }
    let mut v = vec!["phantom".to_string()];
    v.extend(s.run.scan.iter().map(|j| format!("scan and fuse {j}")));
    if s.run.segment {
        v.push("segmentation".into());
    }
    if s.run.occlusion {
        v.push("occlusion".into());
    }
    if s.run.implants && !s.phantom.implants.is_empty() {
        v.push("implants".into());
    }
    if s.run.staging.is_some() {
        v.push("staging".into());
    }
    if s.run.progress.is_some() {
        v.push("progress".into());
    }
    v
}

/// Runs every stage of a scenario in memory; nothing is written.
pub fn run(s: &Scenario, progress: Progress) -> Result<RunOutput, PipelineError> {
    if let Some(c) = &s.case {
        return run_patient(c, progress);
    }
    let names = stage_names(s);
    let total = names.len();
    let mut step = 0usize;
    let mut tick = |name: &str| {
        progress(name, step, total);
        step += 1;
    };
    let th = &s.thresholds;
    let mut checks = Vec::new();
    let mut report = serde_json::Map::new();
    let mut plots: Vec<(String, String)> = Vec::new();
    let mut meshes: Vec<(String, Mesh)> = Vec::new();

    tick("phantom");
    let phantom = Phantom::generate(&s.phantom).map_err(|e| stage_err("phantom", e))?;
    let models: [(&str, &JawModel); 2] = [("upper", &phantom.upper), ("lower", &phantom.lower)];
    report.insert(
        "phantom".into(),
        serde_json::json!({
            "seed": s.phantom.seed,
            "teeth": { "upper": phantom.upper.teeth.len(), "lower": phantom.lower.teeth.len() },
            "triangles": { "upper": phantom.upper.mesh.face_count(), "lower": phantom.lower.mesh.face_count() },
            "missing": s.phantom.missing,
            "implants": s.phantom.implants.iter().map(|i| i.site).collect::<Vec<_>>(),
            "prep": s.phantom.prep.as_ref().map(|p| p.fdi),
            "time_points": s.phantom.time_series.len(),
        }),
    );

    // Scan and fuse.
    let mut scans = serde_json::Map::new();
    // Fused surfaces by jaw, with the best fit onto the truth found by the trueness check (evaluation only).
    let mut fused_jaws: Vec<(String, Mesh, Isometry3<f64>)> = Vec::new();
    for jaw in &s.run.scan {
        tick(&format!("scan and fuse {jaw}"));
        let model = if jaw == "upper" { &phantom.upper } else { &phantom.lower };
        let frames = model.scan(&s.scanner);
        // Registration sees depth and the odometry guess only.
        let (fused, skipped) = crate::scan::fuse_frames(
            s.scanner.camera(),
            crate::scan::ScanOptions::default(),
            frames.frames.iter().map(|f| (&f.depth[..], Some(&f.guess))),
        );
        if fused.is_empty() {
            return Err(stage_err("scan", format!("no surface could be fused from the {jaw} scan")));
        }
        // Accuracy against ground truth (evaluation only).
        let model_from_truth = frames.frames[0].guess * frames.frames[0].truth.inverse();
        let tr = crate::eval::scan::trueness(&fused, &model.mesh, &model_from_truth.inverse());
        checks.push(check_max(&format!("{jaw} fused surface RMS error"), tr.rms_um, th.fused_rms_um, "µm"));
        scans.insert(
            jaw.clone(),
            serde_json::json!({
                "frames": frames.frames.len(), "skipped": skipped,
                "triangles": fused.face_count(),
                "trueness_um": { "rms": tr.rms_um, "p95": tr.p95_um, "max": tr.max_um },
            }),
        );
        fused_jaws.push((jaw.clone(), fused, tr.truth_from_scan));
    }
    if !scans.is_empty() {
        report.insert("scan".into(), serde_json::Value::Object(scans));
    }

    // Segmentation (or the corrected labels).
    let mut labels: Vec<Vec<i32>> = Vec::new();
    let mut occlusal: Vec<Vector3<f64>> = Vec::new();
    let mut seg_report = serde_json::Map::new();
    if s.run.segment {
        tick("segmentation");
    }
    for (name, model) in models {
        let seg = s.run.segment.then(|| crate::segment::segment(&model.mesh)).transpose().map_err(|e| {
            PipelineError::Stage { stage: format!("segmentation of the {name}"), message: e.to_string() }
        })?;
        if let Some(seg) = &seg {
            let gt = Teeth3dsLabels::new("phantom", model.jaw, model.mesh.labels().expect("phantom labels").to_vec());
            let pred = Teeth3dsLabels::new("phantom", seg.frame.jaw, seg.labels.clone());
            let score = crate::eval::segment::score(model.mesh.positions(), &gt, &pred);
            checks.push(check_min(&format!("{name} segmentation TSA"), score.tsa, th.segmentation_tsa, ""));
            checks.push(check_min(&format!("{name} segmentation TIR"), score.tir, th.segmentation_tir, ""));
            seg_report.insert(
                name.into(),
                serde_json::json!({ "jaw_found": seg.frame.jaw.as_str(), "teeth": seg.teeth, "score": score }),
            );
        }
        let use_pred = s.run.labels == "predicted" && seg.is_some();
        labels.push(if use_pred {
            seg.as_ref().expect("segmented").labels.clone()
        } else {
            model.mesh.labels().expect("phantom labels").to_vec()
        });
        occlusal.push(if model.jaw == Jaw::Upper { -Vector3::z() } else { Vector3::z() });
    }
    if !seg_report.is_empty() {
        seg_report.insert("labels_used".into(), serde_json::json!(s.run.labels));
        report.insert("segmentation".into(), serde_json::Value::Object(seg_report));
    }
    let dentitions: Vec<Dentition> = models
        .iter()
        .zip(&labels)
        .zip(&occlusal)
        .map(|(((_, m), l), o)| Dentition::from_labels(&m.mesh, l, m.jaw, *o))
        .collect();

    let mut views: Vec<ViewMesh> = models
        .iter()
        .zip(&labels)
        .zip(&dentitions)
        .map(|(((name, m), l), d)| ViewMesh::new(*name, m.mesh.clone(), vec![segmentation_layer(l)]).with_teeth(d))
        .collect();

    // Occlusion and clearance.
    if s.run.occlusion {
        tick("occlusion");
        let (u, l) = (&phantom.upper.mesh, &phantom.lower.mesh);
        let placement = crate::occlusion::Placement::AsGiven;
        let opts =
            crate::occlusion::OcclusionOptions { prep: s.phantom.prep.as_ref().map(|p| p.fdi), ..Default::default() };
        let analysis = crate::occlusion::analyse(u, l, (&labels[0], &labels[1]), &placement, &opts)
            .map_err(|e| stage_err("occlusion", e))?;
        for (view, d) in views.iter_mut().zip([&analysis.upper_distances, &analysis.lower_distances]) {
            view.layers.push(ViewLayer {
                name: "contacts".into(),
                colors: d.iter().map(|&x| crate::occlusion::band_color(x)).collect(),
            });
        }
        let mut occ = serde_json::to_value(&analysis).map_err(|e| stage_err("occlusion", e))?;
        if let (Some(c), Some(truth)) = (&analysis.clearance, phantom.truth.prep_clearance_mm) {
            let err = (c.min_mm - truth).abs() * 1e3;
            checks.push(check_max("preparation clearance error", err, th.clearance_error_um, "µm"));
            occ["clearance_truth_mm"] = serde_json::json!(truth);
        }
        report.insert("occlusion".into(), occ);
    }

    // Implants.
    if s.run.implants && !s.phantom.implants.is_empty() {
        tick("implants");
        let models_fit: Vec<_> =
            crate::implant::ScanBodyEntry::builtin().into_iter().map(crate::implant::FitModel::new).collect();
        let tol = crate::implant::Tolerances::default();
        let mut out = serde_json::Map::new();
        for (k, (name, model)) in models.iter().enumerate() {
            let truth = &phantom.truth.jaws[k].implants;
            if truth.is_empty() {
                continue;
            }
            // On the fused scan when the jaw was scanned (its frame is the scanner's odometry frame, close enough
            // to the model's to name sites), else on the model.
            let fused = fused_jaws.iter().find(|f| f.0 == *name);
            let surface = fused.map_or(&model.mesh, |f| &f.1);
            let truth_from_surface = fused.map_or(Isometry3::identity(), |f| f.2);
            let mut fits = crate::implant::fit_all(surface, &models_fit, &tol);
            crate::implant::sites_from_dentition(&mut fits, &dentitions[k]);
            let in_truth = |f: &crate::implant::ImplantFit| {
                (truth_from_surface * Point3::from(f.platform), truth_from_surface * Vector3::from(f.axis))
            };
            let mut errors = Vec::new();
            for t in truth {
                let Some(f) = fits.iter().min_by(|a, b| {
                    let d = |f: &crate::implant::ImplantFit| (in_truth(f).0 - Point3::from(t.platform)).norm();
                    d(a).total_cmp(&d(b))
                }) else {
                    return Err(stage_err("implants", format!("the scan body at site {} was not found", t.site)));
                };
                let (p, a) = in_truth(f);
                let pos = (p - Point3::from(t.platform)).norm() * 1e3;
                let ang = a.angle(&Vector3::from(t.axis)).to_degrees();
                checks.push(check_max(
                    &format!("implant {} position error", t.site),
                    pos,
                    th.implant_position_um,
                    "µm",
                ));
                checks.push(check_max(&format!("implant {} axis error", t.site), ang, th.implant_axis_deg, "°"));
                errors.push(serde_json::json!({
                    "site": t.site, "site_found": f.site, "position_error_um": pos, "axis_error_deg": ang,
                }));
            }
            if fused.is_none() {
                views[k].layers.push(ViewLayer {
                    name: "implant fit".into(),
                    colors: crate::implant::residual_colors(&model.mesh, &fits, 0.05),
                });
            }
            out.insert(
                name.to_string(),
                serde_json::json!({
                    "fitted_on": if fused.is_some() { "fused scan" } else { "model" },
                    "implants": fits, "pairs": crate::implant::pairs(&fits), "accuracy": errors,
                }),
            );
        }
        report.insert("implants".into(), serde_json::Value::Object(out));
    }

    // Staging.
    if let Some(st) = &s.run.staging {
        tick("staging");
        let k = if st.jaw == "upper" { 0 } else { 1 };
        let (mesh, d) = (&models[k].1.mesh, &dentitions[k]);
        let setup = match st.target.as_str() {
            "auto" => crate::staging::auto_setup(mesh, d, &st.limits, &Default::default()).0,
            _ => undo_malocclusion(&phantom, k, d),
        };
        let plan = crate::staging::plan(mesh, d, &setup, &st.limits).map_err(|e| stage_err("staging", e))?;
        let space = crate::staging::space_analysis(mesh, d);
        let other = crate::staging::space_analysis(&models[1 - k].1.mesh, &dentitions[1 - k]);
        let bolton = bolton_of(k == 0, &space, &other);
        plots.push(("Aligner staging: movement per stage".into(), crate::staging::movement_chart_svg(&plan)));
        if st.stage_models {
            for stage in &plan.stages {
                meshes
                    .push((format!("stages/stage_{:02}.stl", stage.index), crate::staging::stage_mesh(mesh, d, stage)));
            }
        }
        let last = plan.stages.last().expect("stage 0 at least");
        views.push(ViewMesh::new(
            format!("{} target", st.jaw),
            crate::staging::stage_mesh(mesh, d, last),
            vec![segmentation_layer(&labels[k])],
        ));
        report.insert("staging".into(), staging_record(&st.jaw, &st.target, &setup, &plan, &space, &bolton));
    }

    // Progress.
    if let Some(pr) = &s.run.progress {
        tick("progress");
        let k = if pr.jaw == "upper" { 0 } else { 1 };
        let (t0, d) = (&models[k].1.mesh, &dentitions[k]);
        let later = &phantom.stages[pr.time_point - 1];
        let t1 = if k == 0 { &later.0.mesh } else { &later.1.mesh };
        let opts = crate::progress::ProgressOptions::default();
        let (result, t0_from_t1) =
            crate::progress::compare(t0, d, t1, None, &opts).map_err(|e| stage_err("progress", e))?;
        let t1_in_0 = t1.transformed(&t0_from_t1);
        // Deviation of t0 from t1 on t0's vertices (positive where t1 stands out).
        let dev = crate::occlusion::signed_distances(t0, &t1_in_0, 2.0);
        views[k].layers.push(ViewLayer {
            name: "progress".into(),
            colors: dev.iter().map(|&x| crate::colormap::diverging_color(-x / 0.5)).collect(),
        });
        plots.push(("Progress: deviation of t1 from t0".into(), histogram_svg(&dev, "distance t0 → t1 (mm)")));
        // Accuracy against the true movements (evaluation only).
        let truth = &phantom.truth.stages[pr.time_point - 1].movements;
        let mut worst = (0.0f64, 0.0f64);
        let mut per_tooth = Vec::new();
        for t in &result.teeth {
            let true_iso = truth
                .iter()
                .find(|m| m.fdi == t.fdi)
                .map_or(Isometry3::identity(), |m| isometry_wxyz(m.rotation_wxyz, m.translation));
            let found = isometry_wxyz(t.rotation_wxyz, t.translation);
            let c = d.tooth(t.fdi).expect("followed teeth are in the dentition").frame.centroid;
            let pe = (found * c - true_iso * c).norm() * 1e3;
            let ae = (found.rotation.inverse() * true_iso.rotation).angle().to_degrees();
            worst = (worst.0.max(pe), worst.1.max(ae));
            per_tooth.push(serde_json::json!({ "fdi": t.fdi, "position_error_um": pe, "angle_error_deg": ae }));
        }
        checks.push(check_max("progress: worst tooth position error", worst.0, th.progress_position_um, "µm"));
        checks.push(check_max("progress: worst tooth angle error", worst.1, th.progress_angle_deg, "°"));
        // Wear against the true wear (evaluation only): the deepest loss of every worn tooth, and no wear found
        // on a tooth that did not wear.
        let true_wear = &phantom.truth.stages[pr.time_point - 1].wear;
        if !true_wear.is_empty() {
            let mut depth_err = 0.0f64;
            let mut falsely_worn = 0usize;
            for t in &result.teeth {
                let found = t.wear.filter(|w| w.worn);
                match (true_wear.iter().find(|w| w.fdi == t.fdi), found) {
                    (Some(truth), Some(w)) => {
                        depth_err = depth_err.max((w.max_depth_mm - truth.max_depth_mm).abs() * 1e3)
                    }
                    (Some(truth), None) => depth_err = depth_err.max(truth.max_depth_mm * 1e3),
                    (None, Some(_)) => falsely_worn += 1,
                    (None, None) => {}
                }
            }
            checks.push(check_max("progress: worst wear depth error", depth_err, th.wear_depth_um, "µm"));
            checks.push(check_max("progress: unworn teeth found worn", falsely_worn as f64, 0.0, "teeth"));
        }
        report.insert(
            "progress".into(),
            serde_json::json!({ "jaw": pr.jaw, "time_point": pr.time_point, "result": result, "accuracy": per_tooth }),
        );
        meshes.push((format!("{}_t{}.ply", pr.jaw, pr.time_point), t1_in_0));
    }

    for (name, m) in &models {
        meshes.push((format!("{name}.ply"), m.mesh.clone()));
    }
    meshes.extend(fused_jaws.into_iter().map(|(jaw, m, _)| (format!("{jaw}.fused.ply"), m)));
    report.insert("checks".into(), serde_json::json!(checks));
    Ok(RunOutput { report: serde_json::Value::Object(report), checks, views, plots, meshes, legends: Vec::new() })
}

/// The Bolton ratios of the staged jaw's space analysis and the other jaw's, upper first.
fn bolton_of(
    staged_is_upper: bool,
    staged: &crate::staging::SpaceAnalysis,
    other: &crate::staging::SpaceAnalysis,
) -> crate::staging::BoltonRatios {
    if staged_is_upper {
        crate::staging::bolton(staged, other)
    } else {
        crate::staging::bolton(other, staged)
    }
}

/// What `report.json` holds of a staging run: the plan with its summary figures.
fn staging_record(
    jaw: &str,
    target: &str,
    setup: &Setup,
    plan: &crate::staging::Plan,
    space: &crate::staging::SpaceAnalysis,
    bolton: &impl Serialize,
) -> serde_json::Value {
    serde_json::json!({
        "jaw": jaw, "target": target, "setup": setup,
        "stages": plan.stages.len() - 1, "lower_bound_stages": plan.lower_bound_stages,
        "sequencing": plan.sequencing, "ipr": plan.ipr, "warnings": plan.warnings,
        "worst_penetration_mm": plan.stages.iter().map(|s| s.worst_penetration_mm).fold(0.0, f64::max),
        "space": space, "bolton": bolton, "plan": plan,
    })
}

/// The segmentation colour layer of a jaw's per-vertex labels.
fn segmentation_layer(labels: &[i32]) -> ViewLayer {
    ViewLayer { name: "segmentation".into(), colors: labels.iter().map(|&x| crate::colormap::label_color(x)).collect() }
}

/// The setup that moves each displaced tooth back: the phantom displaced it by a known movement about its
/// cervical origin; here that movement is read as a rigid transform and expressed in cusp's own tooth frame.
fn undo_malocclusion(phantom: &Phantom, k: usize, d: &Dentition) -> Setup {
    let model = if k == 0 { &phantom.upper } else { &phantom.lower };
    let teeth = phantom
        .spec
        .malocclusion
        .iter()
        .filter_map(|m| {
            let placed = model.teeth.iter().find(|t| t.fdi == m.fdi)?;
            let tooth = d.tooth(m.fdi)?;
            // The displacement in the patient frame, about the tooth's own origin: undo = its inverse.
            let axes = placed.axes;
            let [tip, torque, rot] = m.rotation_deg.map(f64::to_radians);
            let r_local = crate::dentition::tooth_rotation(tip, torque, rot);
            let r = axes * r_local.matrix() * axes.try_inverse()?;
            let o = placed.origin.coords;
            // displaced = R (p − o₀) + o, with o = o₀ + A t: o₀ = o − A t.
            let o0 = o - axes * Vector3::from(m.translation_mm);
            let rot_p = nalgebra::Rotation3::from_matrix_unchecked(r);
            let fwd =
                Isometry3::from_parts(Translation3::from(o - rot_p * o0), UnitQuaternion::from_rotation_matrix(&rot_p));
            let back = fwd.inverse();
            let (t, a) = crate::dentition::movement_in_frame(&tooth.frame.centroid, &tooth.frame.axes(), &back);
            Some(crate::dentition::ToothMove { fdi: m.fdi, translation_mm: t, rotation_deg: a })
        })
        .collect();
    Setup { note: "undo the phantom's malocclusion".into(), teeth }
}

/// A histogram of values (mm) as an SVG document (plotters).
pub fn histogram_svg(values: &[f64], x_label: &str) -> String {
    use plotters::prelude::*;
    let bins = 40usize;
    let (lo, hi) = (-0.5f64, 0.5f64);
    let mut counts = vec![0u32; bins];
    for v in values.iter().filter(|v| v.is_finite()) {
        let b = (((v - lo) / (hi - lo)) * bins as f64).floor().clamp(0.0, bins as f64 - 1.0) as usize;
        counts[b] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 300)).into_drawing_area();
        root.fill(&WHITE).expect("drawing to a string");
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, 0.0..top)
            .expect("chart fits");
        chart.configure_mesh().x_desc(x_label).y_desc("vertices").draw().expect("mesh draws");
        let w = (hi - lo) / bins as f64;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x0 = lo + i as f64 * w;
                let mid = x0 + w / 2.0;
                let col = crate::colormap::diverging_color(-mid / 0.5);
                Rectangle::new([(x0, 0.0), (x0 + w * 0.95, c as f64)], RGBColor(col[0], col[1], col[2]).filled())
            }))
            .expect("bars draw");
        root.present().expect("svg complete");
    }
    svg
}

/// Runs a scenario and writes everything to `out` atomically: into a temporary folder beside it, renamed
/// into place only when every stage and file succeeded. Returns the checks.
pub fn run_to_dir(s: &Scenario, out: &Path, progress: Progress) -> Result<Vec<Check>, PipelineError> {
    let result = run(s, progress)?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
    let tmp = tempfile::Builder::new().prefix(".cusp-run-").tempdir_in(parent).map_err(|e| io_err(parent, e))?;
    let dir = tmp.path();
    let resolved = toml::to_string(s).map_err(|e| stage_err("report", e))?;
    io::write_atomic(&dir.join("scenario.resolved.toml"), resolved.as_bytes())?;
    let json = serde_json::to_string_pretty(&result.report).map_err(|e| stage_err("report", e))?;
    io::write_atomic(&dir.join("report.json"), json.as_bytes())?;
    let html = crate::report::html::render(&s.name, &s.description, &result);
    io::write_atomic(&dir.join("report.html"), html.as_bytes())?;
    for (name, m) in &result.meshes {
        let path: PathBuf = dir.join(name);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| io_err(p, e))?;
        }
        io::write_mesh(&path, m, WriteOptions::default())?;
    }
    // Swap the finished folder into place: the old one is moved aside first (never a moment with neither
    // whole), then removed.
    let keep = tmp.keep();
    if out.exists() {
        let old = tempfile::Builder::new().prefix(".cusp-old-").tempdir_in(parent).map_err(|e| io_err(parent, e))?;
        std::fs::rename(out, old.path().join("previous")).map_err(|e| io_err(out, e))?;
        std::fs::rename(&keep, out).map_err(|e| io_err(out, e))?;
    } else {
        std::fs::rename(&keep, out).map_err(|e| io_err(out, e))?;
    }
    Ok(result.checks)
}

fn io_err(path: &Path, e: std::io::Error) -> PipelineError {
    PipelineError::Io(crate::io::IoError::Write { path: path.to_path_buf(), source: e })
}
