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
        #[arg(long, value_name = "MM", value_parser = in_range(0.0, 1.0, "mm"))]
        weld: Option<f64>,
    },
    /// Make a virtual patient (both jaws in occlusion, labels, ground truth) and optionally scan it.
    ///
    /// The same seed and options always give byte-identical files. Ground truth goes to DIR/truth/.
    /// Example: cusp phantom --seed 3 --out phantom3 --scan
    Phantom {
        /// Seed of the random variation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (created if needed).
        #[arg(long)]
        out: PathBuf,
        /// A TOML file with [phantom] and [scanner] tables (see README); flags below override it.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Also record raw scanner frames of both jaws.
        #[arg(long)]
        scan: bool,
        /// Teeth that are absent, e.g. --missing 36,46.
        #[arg(long, value_delimiter = ',')]
        missing: Vec<i32>,
        /// Prepare this tooth for a crown (1.5 mm occlusal, 1.0 mm axial reduction).
        #[arg(long, value_name = "FDI")]
        prep: Option<i32>,
        /// Place an implant with a scan body at this (missing) site.
        #[arg(long, value_name = "FDI")]
        implant: Vec<i32>,
        /// Include third molars.
        #[arg(long)]
        third_molars: bool,
        /// Fewer triangles (for quick trials).
        #[arg(long)]
        coarse: bool,
    },
    /// Register raw scanner frames and fuse them into one surface (frames.json + depth files, see README).
    ///
    /// Writes the mesh and, beside it, <name>.fuse.json with every frame's fit. Example:
    /// cusp fuse phantom1/scan/lower --out lower_scan.ply
    Fuse {
        /// Folder with frames.json and the depth files.
        frames: PathBuf,
        /// Output mesh (.ply, .stl, .obj, .vtk, .vtp).
        #[arg(long)]
        out: PathBuf,
        /// TSDF voxel size (mm).
        #[arg(long, default_value_t = 0.1, value_parser = in_range(0.02, 2.0, "mm"))]
        voxel: f64,
        /// Ignore the device odometry in frames.json.
        #[arg(long)]
        no_odometry: bool,
        /// Continue a saved session: these frames are registered onto its model and fused in.
        #[arg(long = "continue", value_name = "SESSION")]
        resume: Option<PathBuf>,
        /// Save the session (volume, model, poses) so that scanning can continue later.
        #[arg(long, value_name = "SESSION")]
        save: Option<PathBuf>,
        /// After registration, close loops: keyframes in a pose graph with pairwise loop closures,
        /// optimised, then everything fused again. Off by default: on phantoms the sweep's registration onto
        /// the whole model is already within a few µm across the arch, and pairwise closures are noisier.
        #[arg(long)]
        loop_closure: bool,
    },
    /// Split a jaw scan into gingiva and teeth numbered by FDI (curvature and height, no learned model).
    ///
    /// Writes DIR/<name>.labels.json (Teeth3DS), DIR/<name>.segmented.ply (coloured by tooth) and the
    /// teeth's landmarks (contacts, FA points, cervical points, cusp tips; mm, the scan's frame) as
    /// DIR/<name>.landmarks.json (3DTeethLand) and DIR/<name>.landmarks.mrk.json (3D Slicer, LPS).
    /// Example: cusp segment scan.stl --out seg
    Segment {
        /// The jaw mesh (any orientation, mm).
        mesh: PathBuf,
        /// Output folder (created if needed).
        #[arg(long)]
        out: PathBuf,
        /// Also write each tooth as its own mesh, DIR/tooth_<FDI>.<format> (the crown as scanned, open at its
        /// gum line, in the scan's frame), as labs take them.
        #[arg(long, value_name = "DIR")]
        teeth_dir: Option<PathBuf>,
        /// Format of the per-tooth meshes: stl, ply, obj, vtk or vtp.
        #[arg(long, default_value = "stl", requires = "teeth_dir")]
        teeth_format: String,
    },
    /// Where upper and lower teeth touch (jaws in the same frame, e.g. a bite-registered export), and the
    /// occlusal clearance of a preparation with a verdict per material.
    ///
    /// Writes DIR/upper.contacts.ply and DIR/lower.contacts.ply coloured in 25 µm bands (red: penetration,
    /// green: contact, blue: open) with the signed distance per vertex (mm, PLY property `quality`: MeshLab
    /// and others re-threshold it), and DIR/occlusion.json. Jaws that are not in a bite (exported apart, an
    /// upper given as the lower) are refused: give --bite or --settle. Example:
    /// cusp occlusion --upper upper.stl --lower lower.stl --prep 16 --out occl
    Occlusion {
        /// Upper jaw mesh.
        #[arg(long)]
        upper: PathBuf,
        /// Lower jaw mesh, in the same frame as the upper (or in any frame, with --bite).
        #[arg(long)]
        lower: PathBuf,
        /// A buccal bite scan (fused mesh of both jaws in occlusion, seen from the cheek): each jaw is
        /// registered onto it and the lower jaw moved into the upper's frame (written as lower.bite.ply).
        #[arg(long)]
        bite: Option<PathBuf>,
        /// With no bite record: close the lower jaw into maximal intercuspation first, written as
        /// lower.settled.ply. Given roughly facing the upper it ends 0.02–0.13 mm from the true bite on
        /// phantoms; exported apart (its own frame) it is first turned to face the upper from the arch frames
        /// and ends 0.05–0.6 mm from it. An estimate: contacts from it are marked as such.
        #[arg(long, conflicts_with = "bite")]
        settle: bool,
        /// Teeth3DS labels of the upper jaw (segmented automatically if absent).
        #[arg(long)]
        upper_labels: Option<PathBuf>,
        /// Teeth3DS labels of the lower jaw (segmented automatically if absent).
        #[arg(long)]
        lower_labels: Option<PathBuf>,
        /// Contact threshold (mm).
        #[arg(long, default_value_t = cusp::occlusion::CONTACT_THRESHOLD_MM, value_parser = in_range(0.0, 2.0, "mm"))]
        threshold: f64,
        /// Measurement uncertainty (mm): contacts this close to the threshold are marked uncertain.
        #[arg(long, default_value_t = cusp::occlusion::SURFACE_UNCERTAINTY_MM, value_parser = in_range(0.0, 1.0, "mm"))]
        uncertainty: f64,
        /// A prepared tooth (FDI) whose occlusal clearance to report.
        #[arg(long)]
        prep: Option<i32>,
        /// The planned restorative material for --prep: zirconia-3y, zirconia-5y, lithium-disilicate or pfm
        /// (every material's verdict is in the report either way).
        #[arg(long)]
        material: Option<String>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Fits every scan body in a jaw scan to its library model and reports each implant's platform position
    /// and axis with the quality of the fit; with --verify, how each implant differs in a second scan.
    ///
    /// Writes DIR/implants.json and DIR/residuals.ply (scan bodies coloured by fit residual, ±50 µm).
    /// Example: cusp implant lower.ply --library cusp-sb-a --out implants
    Implant {
        /// Jaw scan with scan bodies.
        mesh: PathBuf,
        /// Library entry (name, or a .toml file in the library format); repeat to allow several. Default: all
        /// shipped entries, the best fit wins.
        #[arg(long)]
        library: Vec<String>,
        /// Site (FDI) of the implant, when the scan holds exactly one scan body.
        #[arg(long)]
        site: Option<i32>,
        /// Teeth3DS labels of the mesh, to name each implant's site (segmented automatically if absent).
        #[arg(long)]
        labels: Option<PathBuf>,
        /// A second scan of the same scan bodies (e.g. a verification scan) to compare against.
        #[arg(long)]
        verify: Option<PathBuf>,
        /// Largest acceptable fit residual and position difference (µm).
        #[arg(long, default_value_t = 100.0, value_parser = in_range(1.0, 5000.0, "µm"))]
        tolerance_um: f64,
        /// Largest acceptable axis difference (degrees).
        #[arg(long, default_value_t = 0.5, value_parser = in_range(0.01, 45.0, "°"))]
        tolerance_deg: f64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Stages aligner treatment of one jaw from its segmented scan to a target setup: per-stage limits, no
    /// collisions between neighbours, IPR where the target overlaps.
    ///
    /// Writes DIR/plan.json, DIR/setup.json (the target used), DIR/space.json (widths, arch length
    /// discrepancy), DIR/movement.svg and one STL of the arch per stage in DIR/stages/.
    /// Example: cusp stage lower.ply --labels lower.labels.json --target setup.json --out plan
    Stage {
        /// Jaw mesh.
        mesh: PathBuf,
        /// Teeth3DS labels of the mesh (segmented automatically if absent).
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Target setup (JSON: {"teeth": [{"fdi", "translation_mm": [mesial, buccal, occlusal],
        /// "rotation_deg": [tip, torque, rotation]}]}, in each tooth's frame).
        #[arg(long, conflicts_with = "auto")]
        target: Option<PathBuf>,
        /// Use the automatic target instead of a setup file: crowns onto the patient's smoothed arch, outliers
        /// levelled, crowding resolved by the arch's spaces, IPR (within the limits) and up to 2 mm of labial
        /// development, molars anchored; its note in setup.json says how the space was found.
        #[arg(long)]
        auto: bool,
        /// Per-stage limits (TOML with any of the keys of the plan's "limits"; the rest keep their defaults).
        #[arg(long)]
        limits: Option<PathBuf>,
        /// Sequencing pattern to start from: together (every tooth over the whole plan), posteriors-first or
        /// anteriors-first; collisions on the way are sequenced around in every pattern.
        #[arg(long, default_value = "together",
              value_parser = clap::builder::PossibleValuesParser::new(cusp::staging::Sequencing::ALL.map(|s| s.as_str())))]
        sequencing: String,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Superimposes a later scan on an earlier one on the teeth that did not move (and the palate), then
    /// reports each tooth's movement in its own frame; with a plan, planned against achieved.
    ///
    /// Writes DIR/progress.json, DIR/after_vs_before.ply (the later scan coloured by its distance to the
    /// earlier one, ±0.5 mm, with the distance in mm as the PLY property `quality`) and, with a plan,
    /// DIR/after_vs_plan.ply (against the planned stage).
    /// Example: cusp progress --before t0.ply --before-labels t0.labels.json --after t1.ply --plan plan.json --stage 10 --out progress
    Progress {
        /// The earlier scan (t0).
        #[arg(long)]
        before: PathBuf,
        /// Teeth3DS labels of the earlier scan (segmented automatically if absent).
        #[arg(long)]
        before_labels: Option<PathBuf>,
        /// The later scan (t1), in any position.
        #[arg(long)]
        after: PathBuf,
        /// The plan (plan.json from cusp stage, made on the same t0 scan and labels).
        #[arg(long, requires = "stage")]
        plan: Option<PathBuf>,
        /// The plan stage the patient should be at.
        #[arg(long, requires = "plan")]
        stage: Option<usize>,
        /// Off track above this translation difference (mm).
        #[arg(long, default_value_t = 0.25, value_parser = in_range(0.01, 10.0, "mm"))]
        off_track_mm: f64,
        /// Off track above this angle difference (degrees).
        #[arg(long, default_value_t = 2.0, value_parser = in_range(0.1, 45.0, "°"))]
        off_track_deg: f64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Runs a scenario end to end (phantom, scanning, segmentation, occlusion, implants, staging, progress)
    /// and writes report.json, report.html, the meshes and scenario.resolved.toml to
    /// reports/out/<scenario>/ (or --out). Failed checks against ground truth are listed (and in the report);
    /// with --strict they make the exit status 2.
    /// Example: cusp run scenarios/aligner_staging.toml
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Output folder (default reports/out/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit with status 2 when a check fails.
        #[arg(long)]
        strict: bool,
    },
    /// The report for a patient's own scans — no phantom, no ground truth: teeth found (or the label files),
    /// contacts and clearance when the jaws are in a bite (as exported, from --bite, or --settle), implants,
    /// aligner staging and progress, each when its inputs are given; sections that cannot run say why.
    /// Writes report.html, report.json, the meshes and scenario.resolved.toml (re-run it with cusp run).
    /// Example: cusp report --upper U.stl --lower L.stl --settle --out reports/out/P0042
    Report {
        /// Upper jaw scan (STL, PLY, OBJ).
        #[arg(long)]
        upper: Option<PathBuf>,
        /// Lower jaw scan.
        #[arg(long)]
        lower: Option<PathBuf>,
        /// Teeth3DS label file of the upper (a corrected segmentation); cusp segments without one.
        #[arg(long)]
        upper_labels: Option<PathBuf>,
        /// Teeth3DS label file of the lower.
        #[arg(long)]
        lower_labels: Option<PathBuf>,
        /// Bite scan (both jaws closed, buccal view) placing the lower in the upper's frame.
        #[arg(long, conflicts_with = "settle")]
        bite: Option<PathBuf>,
        /// No bite record: settle the lower onto the upper (an estimate, ±0.15 mm).
        #[arg(long)]
        settle: bool,
        /// Prepared tooth (FDI): its clearance to the opposing jaw, per material.
        #[arg(long)]
        prep: Option<i32>,
        /// Planned material for the preparation (e.g. zirconia, lithium-disilicate).
        #[arg(long, requires = "prep")]
        material: Option<String>,
        /// Find and fit scan bodies.
        #[arg(long)]
        implants: bool,
        /// Stage aligners: "auto" or a setup JSON file.
        #[arg(long)]
        stage: Option<String>,
        /// Which jaw to stage (default: the upper when given).
        #[arg(long, value_parser = ["upper", "lower"])]
        stage_jaw: Option<String>,
        /// Earlier scan of the upper: progress from it.
        #[arg(long)]
        before_upper: Option<PathBuf>,
        /// Earlier scan of the lower.
        #[arg(long)]
        before_lower: Option<PathBuf>,
        /// The plan (plan.json from cusp stage or a report) the progress is judged against.
        #[arg(long)]
        plan: Option<PathBuf>,
        /// The aligner the patient should have reached (with --plan).
        #[arg(long, requires = "plan")]
        plan_stage: Option<usize>,
        /// Report name (default: the output folder's name).
        #[arg(long)]
        name: Option<String>,
        /// Output folder (replaced atomically when everything succeeded).
        #[arg(long)]
        out: PathBuf,
    },
    /// The demo: cusp run scenarios/demo.toml (built into the binary, so it runs from anywhere).
    Demo {
        /// Output folder (default reports/out/demo).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit with status 2 when a check fails.
        #[arg(long)]
        strict: bool,
    },
    /// Case records: scans and results with checksums, an audit trail and encrypted export for a lab.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Compare results with ground truth or a reference.
    #[command(subcommand)]
    Eval(EvalCommand),
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Creates an empty case folder with a pseudonymous id. Example: cusp case new case-0042 --id P0042
    New {
        /// Case folder to create.
        dir: PathBuf,
        /// Pseudonymous case id (letters, digits, '-', '_'; never a patient's name).
        #[arg(long)]
        id: String,
        /// Who does it (recorded in the audit trail).
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Adds a scan or result as a new entry (nothing is ever overwritten).
    /// Example: cusp case add case-0042 lower.ply --kind scan --jaw lower --date 2026-11-20 --device "Scanner X"
    Add {
        /// Case folder.
        dir: PathBuf,
        /// File to add.
        file: PathBuf,
        /// scan or result.
        #[arg(long, default_value = "scan")]
        kind: String,
        /// upper, lower or both (empty for results that are not jaw scans).
        #[arg(long, default_value = "")]
        jaw: String,
        /// Date of the scan or result (YYYY-MM-DD).
        #[arg(long, default_value = "")]
        date: String,
        /// Scanner or program that made it.
        #[arg(long, default_value = "")]
        device: String,
        /// Who does it.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Lists the entries (recorded as opened by the user).
    List {
        /// Case folder.
        dir: PathBuf,
        /// Who looks.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Checks every file against its checksum and the audit trail's hash chain; exit status 1 if anything
    /// is wrong, naming each changed or missing file.
    Verify {
        /// Case folder.
        dir: PathBuf,
        /// Who checks.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Writes chosen entries encrypted to a recipient's age public key; mesh header text is stripped.
    /// Example: cusp case export case-0042 --to age1… --entries 1,2 --out for-lab.age
    Export {
        /// Case folder.
        dir: PathBuf,
        /// Recipient's age public key (age1…).
        #[arg(long)]
        to: String,
        /// Entry ids to include (default: all).
        #[arg(long, value_delimiter = ',')]
        entries: Vec<u32>,
        /// Keep header text and comments of the meshes (stripped by default).
        #[arg(long)]
        keep_identifying: bool,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// Who sends it.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Decrypts an export with an age identity file and creates a new case from it, verified.
    Import {
        /// The exported file.
        file: PathBuf,
        /// File holding the age secret key (AGE-SECRET-KEY-1…).
        #[arg(long)]
        identity: PathBuf,
        /// New case folder.
        #[arg(long)]
        into: PathBuf,
        /// Who receives it.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Makes an age key pair for receiving exports: writes the secret key to FILE (mode 0600) and prints
    /// the public key to give to senders.
    Keygen {
        /// Where to write the secret key.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
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

/// The [phantom] and [scanner] tables of a phantom spec file.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    phantom: Option<cusp::phantom::PhantomSpec>,
    #[serde(default)]
    scanner: Option<cusp::phantom::scanner::ScannerSpec>,
}

/// The demo scenario, compiled in so that `cusp demo` runs from any directory.
const DEMO: &str = include_str!("../scenarios/demo.toml");

/// Runs a scenario with a progress line per stage; with `strict`, exit status 2 when a check fails.
fn run_scenario(s: &cusp::pipeline::Scenario, out: Option<PathBuf>, strict: bool) -> Result<()> {
    let out = out.unwrap_or_else(|| PathBuf::from("reports/out").join(&s.name));
    let total = cusp::pipeline::stage_names(s).len() as u64;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} ({elapsed})").expect("valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let checks = cusp::pipeline::run_to_dir(s, &out, &|name, i, _| {
        bar.set_position(i as u64);
        bar.set_message(name.to_string());
    })?;
    bar.finish_and_clear();
    if s.case.is_some() {
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json"))?)?;
        for w in report["warnings"].as_array().into_iter().flatten() {
            eprintln!("warning: {}", w.as_str().unwrap_or(""));
        }
        for k in report["skipped"].as_array().into_iter().flatten() {
            eprintln!("not run — {}: {}", k["section"].as_str().unwrap_or(""), k["why"].as_str().unwrap_or(""));
        }
        eprintln!(
            "{}: {} stages in {:.1} s (a patient's own scans: no ground truth); report: {}",
            s.name,
            total,
            started.elapsed().as_secs_f64(),
            out.join("report.html").display()
        );
        return Ok(());
    }
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    eprintln!(
        "{}: {} stages in {:.1} s; {} of {} checks pass; report: {}",
        s.name,
        total,
        started.elapsed().as_secs_f64(),
        checks.len() - failed.len(),
        checks.len(),
        out.join("report.html").display()
    );
    for c in &failed {
        eprintln!("FAILED: {} = {:.3} {} (threshold {:.3})", c.name, c.value, c.unit, c.threshold);
    }
    if strict && !failed.is_empty() {
        std::process::exit(2);
    }
    Ok(())
}

fn run_case(c: CaseCommand) -> Result<()> {
    use cusp::case::Case;
    match c {
        CaseCommand::New { dir, id, user } => {
            Case::create(&dir, &id, &user)?;
            eprintln!("created case {id} in {}", dir.display());
        }
        CaseCommand::Add { dir, file, kind, jaw, date, device, user } => {
            let mut case = Case::open(&dir)?;
            let bytes = io::read_bytes(&file)?;
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file");
            let e = case.add(&bytes, name, &kind, &jaw, &date, &device, &user)?;
            eprintln!("added entry {} ({}, sha256 {})", e.id, e.file, e.sha256);
        }
        CaseCommand::List { dir, user } => {
            let mut case = Case::open(&dir)?;
            println!("case {} — {} entries", case.manifest.case_id, case.manifest.entries.len());
            for e in &case.manifest.entries {
                // Fields come from whoever added the entry: no terminal control characters reach the screen.
                let clean = |s: &str| s.chars().map(|c| if c.is_control() { '?' } else { c }).collect::<String>();
                println!(
                    "{:>4}  {:<6} {:<5} {:<10} {:<22} {:>10} B  {}",
                    e.id,
                    clean(&e.kind),
                    clean(&e.jaw),
                    clean(&e.date),
                    clean(&e.device),
                    e.bytes,
                    clean(&e.file)
                );
            }
            case.record(&user, "listed", "")?;
        }
        CaseCommand::Verify { dir, user } => {
            let mut case = Case::open(&dir)?;
            let v = case.verify();
            for p in &v.problems {
                eprintln!("problem: {p}");
            }
            for n in &v.notes {
                eprintln!("note: {n}");
            }
            anyhow::ensure!(v.intact(), "{}: {} problem(s) found", dir.display(), v.problems.len());
            case.record(&user, "verified", &format!("{} entries intact", case.manifest.entries.len()))?;
            eprintln!(
                "{}: {} entries intact; audit trail of {} lines, head {}",
                dir.display(),
                case.manifest.entries.len(),
                case.manifest.audit_length,
                case.manifest.audit_head
            );
        }
        CaseCommand::Export { dir, to, entries, keep_identifying, out, user } => {
            let mut case = Case::open(&dir)?;
            let v = case.verify();
            anyhow::ensure!(
                v.intact(),
                "{}: not exported, the case has problems: {}",
                dir.display(),
                v.problems.join("; ")
            );
            let bytes = case.export(&entries, &to, keep_identifying, &user)?;
            io::write_atomic(&out, &bytes)?;
            eprintln!("wrote {} ({} bytes, encrypted to {})", out.display(), bytes.len(), to.trim());
        }
        CaseCommand::Import { file, identity, into, user } => {
            let key =
                std::fs::read_to_string(&identity).with_context(|| format!("cannot read {}", identity.display()))?;
            let key = key.lines().find(|l| l.starts_with("AGE-SECRET-KEY-")).unwrap_or("").to_string();
            let bytes = io::read_bytes(&file)?;
            let case = Case::import(&bytes, &file, &key, &into, &user)?;
            eprintln!(
                "imported case {} ({} entries) into {}",
                case.manifest.case_id,
                case.manifest.entries.len(),
                into.display()
            );
        }
        CaseCommand::Keygen { out } => {
            use age::secrecy::ExposeSecret;
            let key = age::x25519::Identity::generate();
            let text = format!("# public key: {}\n{}\n", key.to_public(), key.to_string().expose_secret());
            // Created new (never over an existing key) and readable by its owner only from the first byte.
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&out).with_context(|| {
                format!("cannot create {} (a key is never overwritten: choose another path)", out.display())
            })?;
            use std::io::Write;
            f.write_all(text.as_bytes())
                .and_then(|_| f.sync_all())
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{}", key.to_public());
        }
    }
    Ok(())
}

/// A command-line number that must lie in [`lo`, `hi`] (`unit`): NaN, infinities, negatives and values out of
/// range are refused by clap with the argument's name and the range.
fn in_range(lo: f64, hi: f64, unit: &'static str) -> impl Fn(&str) -> std::result::Result<f64, String> + Clone {
    move |s: &str| {
        let v: f64 = s.trim().parse().map_err(|_| format!("'{s}' is not a number"))?;
        if v >= lo && v <= hi {
            Ok(v)
        } else {
            Err(format!("{v} is outside the valid range {lo}–{hi} {unit}"))
        }
    }
}

/// Reads a jaw scan and checks it has a surface no larger than a jaw (before any stage sizes a grid by it).
fn read_jaw(path: &std::path::Path) -> Result<cusp::mesh::Mesh> {
    let mesh = io::read_mesh(path)?;
    cusp::segment::check_surface(&mesh).with_context(|| format!("{} is no jaw scan", path.display()))?;
    Ok(mesh)
}

/// The teeth of the jaw `mesh` read from `path`: from the label file when one is given, else segmented.
fn teeth_of(
    mesh: &cusp::mesh::Mesh,
    path: &std::path::Path,
    labels: Option<&std::path::Path>,
) -> Result<(Vec<i32>, cusp::dentition::Dentition)> {
    let labels = labels.map(|l| io::read_labels_for(l, mesh)).transpose()?;
    cusp::segment::teeth_of(mesh, labels.as_ref()).with_context(|| format!("cannot segment {}", path.display()))
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
        }
        Command::Phantom { seed, out, spec, scan, missing, prep, implant, third_molars, coarse } => {
            let file: SpecFile = match &spec {
                Some(p) => {
                    let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
                    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{e}— {}", p.display()))?
                }
                None => SpecFile::default(),
            };
            let mut ps = file.phantom.unwrap_or_else(|| {
                if coarse {
                    cusp::phantom::PhantomSpec::coarse(seed)
                } else {
                    Default::default()
                }
            });
            if spec.is_none() || seed != 1 {
                ps.seed = seed;
            }
            ps.missing.extend(missing);
            ps.third_molars |= third_molars;
            if let Some(fdi) = prep {
                ps.prep = Some(cusp::phantom::PrepSpec { fdi, occlusal_mm: 1.5, axial_mm: 1.0 });
            }
            for site in implant {
                if !ps.missing.contains(&site) {
                    ps.missing.push(site);
                }
                ps.implants.push(cusp::phantom::ImplantSpec {
                    site,
                    scan_body: "cusp-sb-a".into(),
                    buccal_tilt_deg: 0.0,
                    index_deg: 0.0,
                });
            }
            ps.missing.sort_unstable();
            ps.missing.dedup();
            let phantom =
                cusp::phantom::Phantom::generate(&ps).map_err(|e| anyhow::anyhow!("invalid phantom spec: {e}"))?;
            let scanner = (scan || file.scanner.is_some()).then(|| file.scanner.unwrap_or_default());
            cusp::phantom::write_phantom(&phantom, &out, scanner.as_ref())?;
            eprintln!(
                "wrote {}: upper {} triangles, lower {} triangles{}",
                out.display(),
                phantom.upper.mesh.face_count(),
                phantom.lower.mesh.face_count(),
                if scanner.is_some() { ", raw frames in scan/" } else { "" }
            );
        }
        Command::Fuse { frames, out, voxel, no_odometry, resume, save, loop_closure } => {
            anyhow::ensure!(
                voxel.is_finite() && (0.01..=1.0).contains(&voxel),
                "--voxel must be between 0.01 and 1 mm, got {voxel}"
            );
            let raw = io::frames::read_raw_scan(&frames)?;
            let mut session = match &resume {
                Some(path) => {
                    let bytes = io::read_bytes(path)?;
                    cusp::scan::ScanSession::from_bytes(&bytes)
                        .map_err(|source| io::IoError::Parse { path: path.clone(), source })?
                }
                None => {
                    let opts =
                        cusp::scan::ScanOptions { voxel_mm: voxel, truncation_mm: 4.0 * voxel, ..Default::default() };
                    cusp::scan::ScanSession::new(raw.doc.camera.clone(), opts)
                }
            };
            let bar = indicatif::ProgressBar::new(raw.frames.len() as u64);
            let mut reports = Vec::new();
            let started = std::time::Instant::now();
            for f in &raw.frames {
                let guess = if no_odometry { None } else { f.entry.odometry_guess.map(|g| g.to_isometry()) };
                let r = session.register_frame(&f.depth, guess.as_ref());
                reports.push(serde_json::json!({
                    "file": f.entry.file,
                    "status": match &r.status { cusp::scan::FrameStatus::Skipped(why) => format!("skipped: {why}"), s => format!("{s:?}").to_lowercase() },
                    "rms_mm": if r.rms_mm.is_finite() { Some(r.rms_mm) } else { None },
                    "inlier_fraction": r.inlier_fraction,
                }));
                bar.inc(1);
            }
            bar.finish_and_clear();
            if let Some(path) = &save {
                io::write_atomic(path, &session.to_bytes())?;
            }
            let loops = if loop_closure {
                let l = session.close_loops();
                anyhow::ensure!(
                    l.is_some(),
                    "--loop-closure needs every frame's depth image: it cannot reach frames from before --continue"
                );
                l
            } else {
                None
            };
            let mesh = cusp::scan::surface_nets::extract(&session.volume, 2.0, 500);
            anyhow::ensure!(!mesh.is_empty(), "no surface could be fused from {}", frames.display());
            io::write_mesh(&out, &mesh, WriteOptions::default())?;
            let skipped =
                reports.iter().filter(|r| r["status"].as_str().is_some_and(|s| s.starts_with("skipped"))).count();
            let report = serde_json::json!({ "frames": reports.len(), "skipped": skipped, "voxel_mm": voxel, "triangles": mesh.face_count(), "loop_closure": loops, "per_frame": reports });
            let report_path = out.with_extension("fuse.json");
            io::write_atomic(&report_path, serde_json::to_string_pretty(&report)?.as_bytes())?;
            eprintln!(
                "fused {} frames ({skipped} skipped) in {:.1} s into {} ({} triangles); per-frame fits in {}",
                reports.len(),
                started.elapsed().as_secs_f64(),
                out.display(),
                mesh.face_count(),
                report_path.display()
            );
        }
        Command::Segment { mesh: path, out, teeth_dir, teeth_format } => {
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
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("mesh");
            let labels = Teeth3dsLabels {
                id_patient: stem.to_string(),
                jaw: seg.frame.jaw,
                labels: seg.labels.clone(),
                instances: seg.instances.clone(),
            };
            labels.write(out.join(format!("{stem}.labels.json")))?;
            let colors = seg.labels.iter().map(|&l| cusp::colormap::label_color(l)).collect();
            let coloured = mesh.clone().with_colors(colors)?.with_labels(seg.labels.clone())?;
            io::write_mesh(out.join(format!("{stem}.segmented.ply")), &coloured, WriteOptions::default())?;
            let landmarks = cusp::landmark::find_landmarks(&mesh, &seg.dentition);
            let key = path.file_name().and_then(|s| s.to_str()).unwrap_or("mesh");
            for file in [format!("{stem}.landmarks.json"), format!("{stem}.landmarks.mrk.json")] {
                cusp::landmark::write_landmarks(&out.join(file), &landmarks, key)?;
            }
            eprintln!("{} jaw, teeth (FDI) {:?}; wrote {}", seg.frame.jaw.as_str(), seg.teeth, out.display());
        }
        Command::Occlusion {
            upper,
            lower,
            bite,
            settle,
            upper_labels,
            lower_labels,
            threshold,
            uncertainty,
            prep,
            material,
            out,
        } => {
            if material.is_some() {
                anyhow::ensure!(prep.is_some(), "--material needs --prep (the tooth it is planned for)");
            }
            let opts = cusp::occlusion::OcclusionOptions {
                threshold_mm: threshold,
                uncertainty_mm: uncertainty,
                prep,
                material,
            };
            let (u, l) = (read_jaw(&upper)?, read_jaw(&lower)?);
            let patch = bite.as_ref().map(io::read_mesh).transpose()?;
            let how = match (&patch, settle) {
                (Some(p), _) => cusp::occlusion::BiteFrom::Scan(p),
                (None, true) => cusp::occlusion::BiteFrom::Settle,
                (None, false) => cusp::occlusion::BiteFrom::AsGiven,
            };
            let (l, placement) = cusp::occlusion::place_lower(&u, &l, how)
                .with_context(|| format!("cannot bring {} into a bite with {}", lower.display(), upper.display()))?;
            let (ul, ll) =
                (teeth_of(&u, &upper, upper_labels.as_deref())?.0, teeth_of(&l, &lower, lower_labels.as_deref())?.0);
            let occ = cusp::occlusion::analyse(&u, &l, (&ul, &ll), &placement, &opts)
                .with_context(|| format!("{} and {} are not in a bite", upper.display(), lower.display()))?;
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let placed = match &placement {
                cusp::occlusion::Placement::AsGiven => None,
                cusp::occlusion::Placement::Registered(_) => Some("lower.bite.ply"),
                cusp::occlusion::Placement::Settled(_) => Some("lower.settled.ply"),
            };
            if let Some(name) = placed {
                io::write_mesh(out.join(name), &l, WriteOptions::default())?;
            }
            for (name, mesh, d) in [("upper", &u, &occ.upper_distances), ("lower", &l, &occ.lower_distances)] {
                // Colours to look at, and the signed distance itself (mm, the PLY's `quality`) to re-threshold.
                let coloured = mesh
                    .clone()
                    .with_colors(d.iter().map(|&x| cusp::occlusion::band_color(x)).collect())?
                    .with_values(d.clone())?;
                io::write_mesh(out.join(format!("{name}.contacts.ply")), &coloured, WriteOptions::default())?;
            }
            io::write_atomic(&out.join("occlusion.json"), serde_json::to_string_pretty(&occ)?.as_bytes())?;
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
        }
        Command::Implant { mesh: path, library, site, labels, verify, tolerance_um, tolerance_deg, out } => {
            use cusp::implant::{FitModel, ScanBodyEntry, Tolerances};
            let tol =
                Tolerances { position_mm: tolerance_um / 1000.0, angle_deg: tolerance_deg, ..Tolerances::default() };
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
                    anyhow::ensure!(
                        fits.len() == 1,
                        "--site names one implant but {} scan bodies were found",
                        fits.len()
                    );
                    fits[0].site = Some(s);
                }
                (None, Some(l)) => {
                    let (_, d) = teeth_of(&mesh, &path, Some(l))?;
                    cusp::implant::sites_from_dentition(&mut fits, &d);
                }
                (None, None) => {
                    // The segmentation's own placement of the scan body along the arch names the site.
                    let seg =
                        cusp::segment::segment(&mesh).with_context(|| format!("cannot segment {}", path.display()))?;
                    cusp::implant::sites_from_segmentation(&mut fits, &seg);
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
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let colours = cusp::implant::residual_colors(&mesh, &fits, 0.05);
            io::write_mesh(out.join("residuals.ply"), &mesh.clone().with_colors(colours)?, WriteOptions::default())?;
            let report = serde_json::json!({
                "units": "mm (angles in degrees)",
                "frame": "the scan's",
                "tolerances": tol,
                "implants": fits,
                "pairs": cusp::implant::pairs(&fits),
                "verification": comparison,
            });
            io::write_atomic(&out.join("implants.json"), serde_json::to_string_pretty(&report)?.as_bytes())?;
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
        }
        Command::Stage { mesh: path, labels, target, auto, limits, sequencing, out } => {
            use cusp::staging::{Limits, Setup};
            let limits: Limits = match &limits {
                Some(p) => {
                    let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
                    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
                }
                None => Limits::default(),
            };
            limits.validate()?;
            let mesh = read_jaw(&path)?;
            let (_, dentition) = teeth_of(&mesh, &path, labels.as_deref())?;
            anyhow::ensure!(!dentition.teeth.is_empty(), "{}: no teeth found to stage", path.display());
            let setup = match (&target, auto) {
                (Some(t), _) => {
                    let text = std::fs::read_to_string(t).with_context(|| format!("cannot read {}", t.display()))?;
                    Setup::from_json(&text, &t.display().to_string())?
                }
                (None, true) => cusp::staging::auto_setup(&mesh, &dentition, &limits, &Default::default()).0,
                (None, false) => anyhow::bail!("give a target: --target setup.json or --auto"),
            };
            let pattern = cusp::staging::Sequencing::parse(&sequencing).expect("clap checked the name");
            let plan = cusp::staging::plan_sequenced(&mesh, &dentition, &setup, &limits, pattern)?;
            let space = cusp::staging::space_analysis(&mesh, &dentition);
            let stages_dir = out.join("stages");
            std::fs::create_dir_all(&stages_dir).with_context(|| format!("cannot create {}", stages_dir.display()))?;
            for st in &plan.stages {
                let m = cusp::staging::stage_mesh(&mesh, &dentition, st);
                io::write_mesh(stages_dir.join(format!("stage_{:02}.stl", st.index)), &m, WriteOptions::default())?;
            }
            io::write_atomic(&out.join("movement.svg"), cusp::staging::movement_chart_svg(&plan).as_bytes())?;
            io::write_atomic(&out.join("setup.json"), serde_json::to_string_pretty(&setup)?.as_bytes())?;
            io::write_atomic(&out.join("space.json"), serde_json::to_string_pretty(&space)?.as_bytes())?;
            io::write_atomic(&out.join("plan.json"), serde_json::to_string_pretty(&plan)?.as_bytes())?;
            eprintln!(
                "{} stages (at least {} needed), {} IPR contacts; {}",
                plan.stages.len() - 1,
                plan.lower_bound_stages,
                plan.ipr.len(),
                plan.sequencing
            );
            if let Some(d) = space.discrepancy_mm {
                eprintln!("arch length discrepancy {d:+.1} mm ({})", if d < 0.0 { "crowding" } else { "spacing" });
            }
            for (fdi, what) in &plan.attachments {
                eprintln!("attachment on {fdi}: {what}");
            }
            for w in &plan.warnings {
                eprintln!("warning: {w}");
            }
            eprintln!("wrote {}", out.display());
        }
        Command::Progress { before, before_labels, after, plan, stage, off_track_mm, off_track_deg, out } => {
            let m0 = read_jaw(&before)?;
            let m1 = read_jaw(&after)?;
            let (_, dentition) = teeth_of(&m0, &before, before_labels.as_deref())?;
            let plan: Option<cusp::staging::Plan> = match &plan {
                Some(p) => {
                    let text = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
                    Some(serde_json::from_slice(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?)
                }
                None => None,
            };
            let opts = cusp::progress::ProgressOptions { off_track_mm, off_track_deg, ..Default::default() };
            let stable = plan.as_ref().map(cusp::progress::unmoved_in_plan);
            let (mut progress, t0_from_t1) = cusp::progress::compare(&m0, &dentition, &m1, stable.as_deref(), &opts)?;
            let after_in_0 = m1.transformed(&t0_from_t1);
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let coloured = |reference: &cusp::mesh::Mesh| -> Result<cusp::mesh::Mesh> {
                let d = cusp::occlusion::signed_distances(&after_in_0, reference, 2.0);
                let c = d.iter().map(|&x| cusp::colormap::diverging_color(-x / 0.5)).collect();
                Ok(after_in_0.clone().with_colors(c)?.with_values(d)?)
            };
            io::write_mesh(out.join("after_vs_before.ply"), &coloured(&m0)?, WriteOptions::default())?;
            if let (Some(p), Some(k)) = (&plan, stage) {
                cusp::progress::against_plan(&mut progress, p, k)?;
                let planned = cusp::staging::stage_mesh(&m0, &dentition, &p.stages[k]);
                io::write_mesh(out.join("after_vs_plan.ply"), &coloured(&planned)?, WriteOptions::default())?;
            }
            io::write_atomic(&out.join("progress.json"), serde_json::to_string_pretty(&progress)?.as_bytes())?;
            let s = &progress.superimposition;
            eprintln!(
                "superimposed on teeth {:?}{} — {:.0} µm RMS, {:.0}% within 0.1 mm",
                s.reference_teeth,
                if s.palate { " and the palate" } else { "" },
                s.rms_mm * 1e3,
                s.inlier_fraction * 100.0
            );
            for t in &progress.teeth {
                let [m, b, o] = t.translation_mm;
                let [tip, tq, rot] = t.rotation_deg;
                let track = match t.on_track {
                    Some(true) => " on track",
                    Some(false) => " OFF TRACK",
                    None => "",
                };
                eprintln!(
                    "{}: mesial {m:+.2} buccal {b:+.2} occlusal {o:+.2} mm, tip {tip:+.1} torque {tq:+.1} rotation {rot:+.1}°{track}",
                    t.fdi
                );
            }
            eprintln!("wrote {}", out.display());
        }
        Command::Run { scenario, out, strict } => {
            let s = cusp::pipeline::Scenario::read(&scenario)?;
            return run_scenario(&s, out, strict);
        }
        Command::Report {
            upper,
            lower,
            upper_labels,
            lower_labels,
            bite,
            settle,
            prep,
            material,
            implants,
            stage,
            stage_jaw,
            before_upper,
            before_lower,
            plan,
            plan_stage,
            name,
            out,
        } => {
            let case = cusp::pipeline::PatientCase {
                upper,
                lower,
                upper_labels,
                lower_labels,
                bite,
                settle,
                prep,
                material,
                implants,
                stage,
                stage_jaw: stage_jaw.map(|j| {
                    if j == "upper" {
                        cusp::dentition::Jaw::Upper
                    } else {
                        cusp::dentition::Jaw::Lower
                    }
                }),
                before_upper,
                before_lower,
                plan,
                plan_stage,
            };
            case.validate().map_err(anyhow::Error::msg)?;
            let name = name.unwrap_or_else(|| out.file_name().and_then(|n| n.to_str()).unwrap_or("report").to_string());
            // Checked as a scenario's name is: one plain folder name.
            let toml = toml::to_string(&cusp::pipeline::Scenario { name, case: Some(case), ..Default::default() })?;
            let s = cusp::pipeline::Scenario::from_toml(&toml, std::path::Path::new("report.toml"))?;
            return run_scenario(&s, Some(out), false);
        }
        Command::Demo { out, strict } => {
            let s = cusp::pipeline::Scenario::from_toml(DEMO, std::path::Path::new("scenarios/demo.toml"))?;
            return run_scenario(&s, out, strict);
        }
        Command::Case(c) => return run_case(c),
        Command::Eval(EvalCommand::Segment { pred, gt, mesh, json }) => {
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
        Command::Eval(EvalCommand::Landmarks { pred, truth, reach_mm, json }) => {
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
        Command::Eval(EvalCommand::Scan { scan, reference, json }) => {
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
