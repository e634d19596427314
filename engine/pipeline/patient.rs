//! The chain for a patient's own scans — no phantom, no ground truth: read the jaws, find the teeth (or take
//! the technician's labels), bring the jaws into a bite when asked, then occlusion, implants, staging and
//! progress, each when its inputs are there. What could not run is listed with the reason, never silently
//! left out; what was asked for and cannot be answered soundly is an error.

use super::{bolton_of, histogram_svg, segmentation_layer, stage_err, staging_record, PipelineError, Progress};
use crate::dentition::{Dentition, Jaw};
use crate::io;
use crate::mesh::Mesh;
use crate::report::{RunOutput, ViewLayer, ViewMesh};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A patient's own files and the analyses asked of them (a scenario's `[case]`, or `cusp report`'s flags).
/// Relative paths in a scenario are read against the scenario file's folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PatientCase {
    /// Upper jaw scan (STL, PLY, OBJ).
    pub upper: Option<PathBuf>,
    /// Lower jaw scan.
    pub lower: Option<PathBuf>,
    /// Teeth3DS label file for the upper (a corrected segmentation); cusp segments when absent.
    pub upper_labels: Option<PathBuf>,
    /// Teeth3DS label file for the lower.
    pub lower_labels: Option<PathBuf>,
    /// A bite scan (buccal patch of both jaws closed) that places the lower jaw in the upper's frame.
    pub bite: Option<PathBuf>,
    /// No bite record: settle the lower jaw onto the upper (an estimate with a stated uncertainty).
    pub settle: bool,
    /// The prepared tooth (FDI) whose clearance to the opposing jaw is measured.
    pub prep: Option<i32>,
    /// The planned restoration material (needs `prep`).
    pub material: Option<String>,
    /// Find and fit scan bodies on the jaws.
    pub implants: bool,
    /// Stage aligners: "auto" (cusp's own setup) or a setup JSON file.
    pub stage: Option<String>,
    /// Which jaw to stage; defaults to the only jaw given, else the upper.
    pub stage_jaw: Option<Jaw>,
    /// An earlier scan of the upper: progress from it to `upper`.
    pub before_upper: Option<PathBuf>,
    /// An earlier scan of the lower.
    pub before_lower: Option<PathBuf>,
    /// The staging plan (plan.json) the progress is judged against.
    pub plan: Option<PathBuf>,
    /// The aligner stage the patient should have reached (needs `plan`).
    pub plan_stage: Option<usize>,
}

/// A section that could not run, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// Which section ("occlusion", "implants", …).
    pub section: String,
    /// Why, in words a user can act on.
    pub why: String,
}

impl PatientCase {
    /// Checks the combination of inputs before any file is read: each flag that needs another names it.
    pub fn validate(&self) -> Result<(), String> {
        if self.upper.is_none() && self.lower.is_none() {
            return Err("give at least one jaw scan (upper and/or lower)".into());
        }
        let both = self.upper.is_some() && self.lower.is_some();
        if self.bite.is_some() && self.settle {
            return Err("give a bite scan or ask to settle, not both".into());
        }
        if (self.bite.is_some() || self.settle) && !both {
            return Err("a bite (bite scan or settling) needs both jaws".into());
        }
        if self.material.is_some() && self.prep.is_none() {
            return Err("a material needs the prepared tooth (prep) it is planned for".into());
        }
        if let Some(p) = self.prep {
            if !both {
                return Err(format!("the clearance of preparation {p} needs both jaws"));
            }
            if !crate::dentition::is_fdi(p) {
                return Err(format!("prep {p} is not a permanent tooth (FDI 11–48)"));
            }
        }
        if self.upper_labels.is_some() && self.upper.is_none() {
            return Err("upper labels need the upper scan".into());
        }
        if self.lower_labels.is_some() && self.lower.is_none() {
            return Err("lower labels need the lower scan".into());
        }
        if self.before_upper.is_some() && self.upper.is_none() {
            return Err("an earlier upper scan needs the current upper scan".into());
        }
        if self.before_lower.is_some() && self.lower.is_none() {
            return Err("an earlier lower scan needs the current lower scan".into());
        }
        if self.plan_stage.is_some() && self.plan.is_none() {
            return Err("a plan stage needs the plan (plan.json)".into());
        }
        if self.plan.is_some() && self.before_upper.is_none() && self.before_lower.is_none() {
            return Err("a plan is read to judge progress: give the earlier scan it started from".into());
        }
        if let Some(j) = self.stage_jaw {
            if self.jaw_path(j).is_none() {
                return Err(format!("staging the {} jaw needs its scan", j.as_str()));
            }
        }
        if let Some(s) = &self.stage {
            if s.is_empty() {
                return Err("stage: give \"auto\" or a setup JSON file".into());
            }
        }
        Ok(())
    }

    /// The same case with every relative path read against `base` (a scenario file's folder).
    pub fn resolved_against(&self, base: &Path) -> Self {
        if base.as_os_str().is_empty() || base == Path::new(".") {
            return self.clone();
        }
        let r = |p: &Option<PathBuf>| p.as_ref().map(|p| if p.is_relative() { base.join(p) } else { p.clone() });
        let stage = self.stage.as_ref().map(|s| {
            if s == "auto" || Path::new(s).is_absolute() {
                s.clone()
            } else {
                base.join(s).display().to_string()
            }
        });
        Self {
            upper: r(&self.upper),
            lower: r(&self.lower),
            upper_labels: r(&self.upper_labels),
            lower_labels: r(&self.lower_labels),
            bite: r(&self.bite),
            before_upper: r(&self.before_upper),
            before_lower: r(&self.before_lower),
            plan: r(&self.plan),
            stage,
            ..self.clone()
        }
    }

    fn jaw_path(&self, jaw: Jaw) -> Option<&PathBuf> {
        match jaw {
            Jaw::Upper => self.upper.as_ref(),
            Jaw::Lower => self.lower.as_ref(),
        }
    }

    /// The stages this case runs, in order (for progress bars).
    pub fn stage_names(&self) -> Vec<String> {
        let mut v = vec!["read".to_string(), "segmentation".into()];
        if self.upper.is_some() && self.lower.is_some() {
            v.push("occlusion".into());
        }
        if self.implants {
            v.push("implants".into());
        }
        if self.stage.is_some() {
            v.push("staging".into());
        }
        if self.before_upper.is_some() || self.before_lower.is_some() {
            v.push("progress".into());
        }
        v
    }
}

/// One jaw of the case as the chain sees it.
struct JawIn {
    jaw: Jaw,
    path: PathBuf,
    /// As read; the lower is moved into the upper's frame once placed.
    mesh: Mesh,
    labels: Vec<i32>,
    dentition: Dentition,
    segmentation: Option<crate::segment::Segmentation>,
}

fn read_jaw(path: &Path) -> Result<Mesh, PipelineError> {
    let mesh = io::read_mesh(path)?;
    crate::segment::check_surface(&mesh)
        .map_err(|e| stage_err("read", format!("{} is no jaw scan: {e}", path.display())))?;
    Ok(mesh)
}

fn teeth(jaw: Jaw, path: &Path, labels: Option<&PathBuf>) -> Result<JawIn, PipelineError> {
    let mesh = read_jaw(path)?;
    let what = format!("segmentation of {}", path.display());
    let (labels, dentition, segmentation) = match labels {
        Some(l) => {
            let l = io::read_labels_for(l, &mesh)?;
            let (labels, d) = crate::segment::teeth_of(&mesh, Some(&l)).map_err(|e| stage_err(&what, e))?;
            (labels, d, None)
        }
        None => {
            let seg = crate::segment::segment(&mesh).map_err(|e| stage_err(&what, e))?;
            (seg.labels.clone(), seg.dentition.clone(), Some(seg))
        }
    };
    Ok(JawIn { jaw, path: path.to_path_buf(), mesh, labels, dentition, segmentation })
}

fn layer(name: &str, colors: Vec<[u8; 3]>) -> ViewLayer {
    ViewLayer { name: name.into(), colors }
}

/// Colour of a preparation vertex `clearance_mm` from the opposing jaw when the material needs `needed_mm`: red
/// below (reduce more), green at, blue well above (0.5 mm either side saturates).
fn clearance_color(clearance_mm: f64, needed_mm: f64) -> [u8; 3] {
    crate::colormap::diverging_color((needed_mm - clearance_mm) / 0.5)
}

/// The clearance layer's name and colour bar for preparation `prep` and the planned material's verdict.
fn clearance_layer(prep: i32, v: &crate::occlusion::Verdict) -> (String, crate::report::Legend) {
    let need = v.min_thickness_mm;
    let legend = crate::report::Legend::sampled(
        "mm",
        need - 0.5,
        need + 0.5,
        |d| clearance_color(d, need),
        &format!("reduce more ({} needs {need:.1} mm)", v.material),
        "ample room",
    );
    (format!("clearance of {prep}"), legend)
}

/// Runs the case: every section whose inputs are there, the others listed with the reason.
pub fn run_patient(case: &PatientCase, progress: Progress) -> Result<RunOutput, PipelineError> {
    case.validate().map_err(|m| PipelineError::Scenario { path: "case".into(), message: m })?;
    let names = case.stage_names();
    let total = names.len();
    let mut step = 0usize;
    let mut tick = |name: &str| {
        progress(name, step, total);
        step += 1;
    };
    let mut report = serde_json::Map::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut plots: Vec<(String, String)> = Vec::new();
    let mut meshes: Vec<(String, Mesh)> = Vec::new();
    let mut legends: Vec<(String, crate::report::Legend)> = Vec::new();
    let skip = |section: &str, why: String| Skipped { section: section.into(), why };

    tick("read");
    tick("segmentation");
    let given: Vec<(Jaw, &PathBuf, Option<&PathBuf>)> = [
        (Jaw::Upper, case.upper.as_ref(), case.upper_labels.as_ref()),
        (Jaw::Lower, case.lower.as_ref(), case.lower_labels.as_ref()),
    ]
    .into_iter()
    .filter_map(|(j, p, l)| p.map(|p| (j, p, l)))
    .collect();
    let jaws: Vec<JawIn> = match given.as_slice() {
        [(j, p, l)] => vec![teeth(*j, p, *l)?],
        [(j0, p0, l0), (j1, p1, l1)] => {
            let (a, b) = rayon::join(|| teeth(*j0, p0, *l0), || teeth(*j1, p1, *l1));
            vec![a?, b?]
        }
        _ => unreachable!("validate() asks for one or two jaws"),
    };
    let mut seg = serde_json::Map::new();
    for j in &jaws {
        let found = j.segmentation.as_ref().map(|s| s.frame.jaw);
        if let Some(f) = found.filter(|f| *f != j.jaw) {
            warnings.push(format!(
                "{} was given as the {} jaw but its shape reads as a {} jaw: check the file; its teeth are numbered as found",
                j.path.display(),
                j.jaw.as_str(),
                f.as_str()
            ));
        }
        seg.insert(
            j.jaw.as_str().into(),
            serde_json::json!({
                "file": j.path.display().to_string(),
                "triangles": j.mesh.face_count(),
                "labels_from": if j.segmentation.is_some() { "cusp segmentation" } else { "label file" },
                "jaw_found": found.map_or(j.jaw.as_str(), Jaw::as_str),
                "teeth": j.dentition.teeth.iter().map(|t| t.fdi).collect::<Vec<_>>(),
                "scan_bodies": j.segmentation.as_ref().map_or(0, |s| s.scan_bodies.len()),
            }),
        );
    }
    report.insert("segmentation".into(), serde_json::Value::Object(seg));
    let mut views: Vec<ViewMesh> = jaws
        .iter()
        .map(|j| {
            ViewMesh::new(j.jaw.as_str(), j.mesh.clone(), vec![segmentation_layer(&j.labels)]).with_teeth(&j.dentition)
        })
        .collect();

    // Occlusion: the lower placed in the upper's frame, or why not.
    let mut jaws = jaws;
    if let [u, l] = jaws.as_mut_slice() {
        tick("occlusion");
        let patch = case.bite.as_ref().map(io::read_mesh).transpose()?;
        let how = match (&patch, case.settle) {
            (Some(p), _) => crate::occlusion::BiteFrom::Scan(p),
            (None, true) => crate::occlusion::BiteFrom::Settle,
            (None, false) => crate::occlusion::BiteFrom::AsGiven,
        };
        let explicit = !matches!(how, crate::occlusion::BiteFrom::AsGiven);
        let (placed, placement) = crate::occlusion::place_lower(&u.mesh, &l.mesh, how)
            .map_err(|e| stage_err("occlusion", format!("cannot bring the lower jaw into a bite: {e}")))?;
        let opts = crate::occlusion::OcclusionOptions {
            prep: case.prep,
            material: case.material.clone(),
            ..Default::default()
        };
        match crate::occlusion::analyse(&u.mesh, &placed, (&u.labels, &l.labels), &placement, &opts) {
            Ok(occ) => {
                for (view, d) in views.iter_mut().zip([&occ.upper_distances, &occ.lower_distances]) {
                    view.layers.push(layer("contacts", d.iter().map(|&x| crate::occlusion::band_color(x)).collect()));
                }
                if let (Some(prep), Some(v), Some(c)) = (case.prep, &occ.material, &occ.clearance) {
                    // The preparation coloured by its clearance, green at the planned material's thickness.
                    let k = usize::from(crate::dentition::jaw_of_fdi(prep) == Some(Jaw::Lower));
                    let mut colors = vec![[200, 200, 205]; views[k].mesh.vertex_count()];
                    for &(i, d) in &c.per_vertex {
                        colors[i as usize] = clearance_color(d, v.min_thickness_mm);
                    }
                    let (layer_name, legend) = clearance_layer(prep, v);
                    views[k].layers.push(layer(&layer_name, colors));
                    legends.push((layer_name, legend));
                } else if case.prep.is_some() {
                    skipped.push(skip(
                        "clearance colour layer",
                        "give the planned material (--material) to mark its thickness on the preparation".into(),
                    ));
                }
                let mut v = serde_json::to_value(&occ).map_err(|e| stage_err("occlusion", e))?;
                v["prep"] = serde_json::json!(case.prep);
                report.insert("occlusion".into(), v);
                if !matches!(placement, crate::occlusion::Placement::AsGiven) {
                    meshes.push(("lower.placed.ply".into(), placed.clone()));
                }
                // Everything after works with the lower where the bite put it.
                l.mesh = placed;
                l.dentition = l.dentition.transformed(&placement.upper_from_lower());
                let layers = std::mem::take(&mut views[1].layers);
                views[1] = ViewMesh::new("lower", l.mesh.clone(), layers).with_teeth(&l.dentition);
            }
            Err(crate::occlusion::AnalyseError::NotInBite(e)) if case.prep.is_some() && !explicit => {
                return Err(stage_err(
                    "occlusion",
                    format!(
                        "the clearance of {} cannot be measured: the jaws as exported are not in a bite ({e}); \
                         give a bite scan (--bite) or settle them (--settle, an estimate)",
                        case.prep.unwrap_or_default()
                    ),
                ))
            }
            Err(crate::occlusion::AnalyseError::NotInBite(e)) if !explicit => skipped.push(skip(
                "occlusion",
                format!(
                    "the jaws as exported are not in a bite ({e}); contacts and clearance need a bite scan \
                     (--bite) or settling (--settle, an estimate)"
                ),
            )),
            Err(e) => return Err(stage_err("occlusion", e)),
        }
    } else {
        skipped.push(skip("occlusion", "contacts, clearance and the bite need both jaws".into()));
    }

    // Implants.
    if case.implants {
        tick("implants");
        let models: Vec<_> =
            crate::implant::ScanBodyEntry::builtin().into_iter().map(crate::implant::FitModel::new).collect();
        let tol = crate::implant::Tolerances::default();
        let mut out = serde_json::Map::new();
        for (k, j) in jaws.iter().enumerate() {
            let mut fits = crate::implant::fit_all(&j.mesh, &models, &tol);
            if fits.is_empty() {
                continue;
            }
            match &j.segmentation {
                Some(s) => s.name_implant_sites(&mut fits),
                None => crate::implant::sites_from_dentition(&mut fits, &j.dentition),
            }
            views[k].layers.push(layer("implant fit", crate::implant::residual_colors(&j.mesh, &fits, 0.05)));
            // Each implant's axis: 12 mm apical of the platform (the implant body) to 8 mm coronal (through the
            // scan body).
            for f in &fits {
                let (p, a) = (nalgebra::Vector3::from(f.platform), nalgebra::Vector3::from(f.axis));
                let (from, to) = (p - a * 12.0, p + a * 8.0);
                views[k].lines.push(([from.x, from.y, from.z], [to.x, to.y, to.z]));
            }
            out.insert(
                j.jaw.as_str().into(),
                serde_json::json!({ "implants": fits, "pairs": crate::implant::pairs(&fits), "tolerances": tol }),
            );
        }
        if out.is_empty() {
            skipped.push(skip(
                "implants",
                "no scan body was found on the jaws given (a flat top over a round wall)".into(),
            ));
        } else {
            report.insert("implants".into(), serde_json::Value::Object(out));
        }
    }

    // Staging.
    if let Some(target) = &case.stage {
        tick("staging");
        let jaw = case.stage_jaw.unwrap_or(if case.upper.is_some() { Jaw::Upper } else { Jaw::Lower });
        let k = jaws.iter().position(|j| j.jaw == jaw).expect("validate() checked the staged jaw is given");
        let j = &jaws[k];
        if j.dentition.teeth.is_empty() {
            return Err(stage_err("staging", format!("{}: no teeth found to stage", j.path.display())));
        }
        let limits = crate::staging::Limits::default();
        let setup = if target == "auto" {
            crate::staging::auto_setup(&j.mesh, &j.dentition, &limits, &Default::default()).0
        } else {
            let text = std::fs::read_to_string(target)
                .map_err(|e| stage_err("staging", format!("cannot read {target}: {e}")))?;
            crate::staging::Setup::from_json(&text, target).map_err(|e| stage_err("staging", e))?
        };
        let plan = crate::staging::plan_sequenced(&j.mesh, &j.dentition, &setup, &limits, Default::default())
            .map_err(|e| stage_err("staging", e))?;
        let space = crate::staging::space_analysis(&j.mesh, &j.dentition);
        let bolton = (jaws.len() == 2).then(|| {
            let other = crate::staging::space_analysis(&jaws[1 - k].mesh, &jaws[1 - k].dentition);
            bolton_of(jaw == Jaw::Upper, &space, &other)
        });
        if bolton.is_none() {
            skipped.push(skip("Bolton ratios", "the tooth-size ratios need both jaws".into()));
        }
        plots.push(("Aligner staging: movement per stage".into(), crate::staging::movement_chart_svg(&plan)));
        let last = plan.stages.last().expect("stage 0 at least");
        let target_mesh = crate::staging::stage_mesh(&j.mesh, &j.dentition, last);
        views.push(ViewMesh::new(
            format!("{} target", jaw.as_str()),
            target_mesh.clone(),
            vec![segmentation_layer(&j.labels)],
        ));
        meshes.push((format!("{}.target.ply", jaw.as_str()), target_mesh));
        let mut record = staging_record(jaw.as_str(), target, &setup, &plan, &space, &bolton);
        record["attachments"] = serde_json::json!(plan.attachments);
        report.insert("staging".into(), record);
    }

    // Progress: each jaw with an earlier scan, against the plan when one is given.
    let plan: Option<crate::staging::Plan> = case
        .plan
        .as_ref()
        .map(|p| {
            let text =
                std::fs::read(p).map_err(|e| stage_err("progress", format!("cannot read {}: {e}", p.display())))?;
            serde_json::from_slice(&text).map_err(|e| stage_err("progress", format!("{}: {e}", p.display())))
        })
        .transpose()?;
    let befores: Vec<(Jaw, &PathBuf)> =
        [(Jaw::Upper, case.before_upper.as_ref()), (Jaw::Lower, case.before_lower.as_ref())]
            .into_iter()
            .filter_map(|(j, p)| p.map(|p| (j, p)))
            .collect();
    if !befores.is_empty() {
        tick("progress");
        let mut out = serde_json::Map::new();
        for (jaw, before) in befores {
            let k = jaws.iter().position(|j| j.jaw == jaw).expect("validate() checked the current scan is given");
            let now = &jaws[k];
            let b = teeth(jaw, before, None)?;
            let plan_here = plan.as_ref().filter(|p| p.jaw == jaw.as_str());
            let stable = plan_here.map(crate::progress::unmoved_in_plan);
            let opts = crate::progress::ProgressOptions::default();
            let (mut result, before_from_now) =
                crate::progress::compare(&b.mesh, &b.dentition, &now.mesh, stable.as_deref(), &opts).map_err(|e| {
                    stage_err("progress", format!("{} → {}: {e}", before.display(), now.path.display()))
                })?;
            match (plan_here, case.plan_stage) {
                (Some(p), Some(stage)) => {
                    crate::progress::against_plan(&mut result, p, stage).map_err(|e| stage_err("progress", e))?
                }
                (Some(_), None) => skipped.push(skip(
                    &format!("{} progress against the plan", jaw.as_str()),
                    "the plan is given but not the stage the patient should have reached (--stage N)".into(),
                )),
                (None, _) if plan.is_some() => skipped.push(skip(
                    &format!("{} progress against the plan", jaw.as_str()),
                    format!("the plan is for the {} jaw", plan.as_ref().map_or("", |p| p.jaw.as_str())),
                )),
                (None, _) => skipped.push(skip(
                    &format!("{} progress against the plan", jaw.as_str()),
                    "no plan given (--plan plan.json --stage N): movements are shown, not judged".into(),
                )),
            }
            // Deviation of the current scan from the earlier one, on the current scan's vertices (positive
            // where the current scan stands out).
            let now_in_before = now.mesh.transformed(&before_from_now);
            let dev = crate::occlusion::signed_distances(&now_in_before, &b.mesh, 2.0);
            views[k]
                .layers
                .push(layer("progress", dev.iter().map(|&x| crate::colormap::diverging_color(x / 0.5)).collect()));
            plots.push((
                format!("Progress ({}): deviation from the earlier scan", jaw.as_str()),
                histogram_svg(&dev, "distance earlier → current (mm)"),
            ));
            out.insert(
                jaw.as_str().into(),
                serde_json::json!({ "before": before.display().to_string(), "result": result }),
            );
        }
        report.insert("progress".into(), serde_json::Value::Object(out));
    }

    for j in &jaws {
        meshes.push((format!("{}.segmented.ply", j.jaw.as_str()), {
            let colors = j.labels.iter().map(|&l| crate::colormap::label_color(l)).collect();
            j.mesh
                .clone()
                .with_colors(colors)
                .and_then(|m| m.with_labels(j.labels.clone()))
                .map_err(|e| stage_err("report", e))?
        }));
    }
    report.insert("units".into(), serde_json::json!("mm (angles in degrees)"));
    report.insert("ground_truth".into(), serde_json::json!(false));
    report.insert("skipped".into(), serde_json::json!(skipped));
    report.insert("warnings".into(), serde_json::json!(warnings));
    Ok(RunOutput { report: serde_json::Value::Object(report), checks: Vec::new(), views, plots, meshes, legends })
}

/// A case's key figures from its `report.json` (what a batch summary lists): teeth found per jaw, warnings,
/// sections not run and checks failed (counts; null where the report has no such section).
pub fn key_figures(r: &serde_json::Value) -> serde_json::Value {
    let teeth = |jaw: &str| r["segmentation"][jaw]["teeth"].as_array().map(Vec::len);
    let count = |k: &str| r[k].as_array().map(Vec::len);
    let failed = r["checks"].as_array().map(|c| c.iter().filter(|c| c["passed"] == false).count());
    serde_json::json!({
        "teeth_upper": teeth("upper"),
        "teeth_lower": teeth("lower"),
        "warnings": count("warnings"),
        "not_run": count("skipped"),
        "checks_failed": failed,
    })
}
