//! The `cusp` command: one subcommand per stage, each in its own file under `engine/cli/` (arguments and
//! printing only; the work is the library's).

mod cli;

use clap::{Parser, Subcommand};
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
    Info(cli::info::Args),
    /// Convert a mesh between formats, chosen by the file extensions.
    ///
    /// Colours, normals and labels are kept where the target format can hold them (STL holds none; OBJ
    /// holds colours and normals). Example: cusp convert scan.vtp scan.ply
    Convert(cli::convert::Args),
    /// Make a virtual patient (both jaws in occlusion, labels, ground truth) and optionally scan it.
    ///
    /// The same seed and options always give byte-identical files. Ground truth goes to DIR/truth/.
    /// Example: cusp phantom --seed 3 --out phantom3 --scan
    Phantom(cli::phantom::Args),
    /// Register raw scanner frames and fuse them into one surface (frames.json + depth files, see README).
    ///
    /// Writes the mesh and, beside it, <name>.fuse.json with every frame's fit. Example:
    /// cusp fuse phantom1/scan/lower --out lower_scan.ply
    Fuse(cli::fuse::Args),
    /// Split a jaw scan into gingiva and teeth numbered by FDI (curvature and height, no learned model).
    ///
    /// Writes DIR/<name>.labels.json (Teeth3DS), DIR/<name>.segmented.ply (coloured by tooth) and the
    /// teeth's landmarks (contacts, FA points, cervical points, cusp tips; mm, the scan's frame) as
    /// DIR/<name>.landmarks.json (3DTeethLand) and DIR/<name>.landmarks.mrk.json (3D Slicer, LPS).
    /// Example: cusp segment scan.stl --out seg
    Segment(cli::segment::Args),
    /// Where upper and lower teeth touch (jaws in the same frame, e.g. a bite-registered export), and the
    /// occlusal clearance of a preparation with a verdict per material.
    ///
    /// Writes DIR/upper.contacts.ply and DIR/lower.contacts.ply coloured in 25 µm bands (red: penetration,
    /// green: contact, blue: open) with the signed distance per vertex (mm, PLY property `quality`: MeshLab
    /// and others re-threshold it), and DIR/occlusion.json. Jaws that are not in a bite (exported apart, an
    /// upper given as the lower) are refused: give --bite or --settle. Example:
    /// cusp occlusion --upper upper.stl --lower lower.stl --prep 16 --out occl
    Occlusion(cli::occlusion::Args),
    /// Fits every scan body in a jaw scan to its library model and reports each implant's platform position
    /// and axis with the quality of the fit; with --verify, how each implant differs in a second scan.
    ///
    /// Writes DIR/implants.json and DIR/residuals.ply (scan bodies coloured by fit residual, ±50 µm).
    /// Example: cusp implant lower.ply --library cusp-sb-a --out implants
    Implant(cli::implant::Args),
    /// Stages aligner treatment of one jaw from its segmented scan to a target setup: per-stage limits, no
    /// collisions between neighbours, IPR where the target overlaps.
    ///
    /// Writes DIR/plan.json, DIR/setup.json (the target used), DIR/space.json (widths, arch length
    /// discrepancy), DIR/movement.svg and one STL of the arch per stage in DIR/stages/.
    /// Example: cusp stage lower.ply --labels lower.labels.json --target setup.json --out plan
    Stage(cli::stage::Args),
    /// Superimposes a later scan on an earlier one on the teeth that did not move (and the palate), then
    /// reports each tooth's movement in its own frame; with a plan, planned against achieved.
    ///
    /// Writes DIR/progress.json, DIR/after_vs_before.ply (the later scan coloured by its distance to the
    /// earlier one, ±0.5 mm, with the distance in mm as the PLY property `quality`) and, with a plan,
    /// DIR/after_vs_plan.ply (against the planned stage).
    /// Example: cusp progress --before t0.ply --before-labels t0.labels.json --after t1.ply --plan plan.json --stage 10 --out progress
    Progress(cli::progress::Args),
    /// Runs a scenario end to end (phantom, scanning, segmentation, occlusion, implants, staging, progress)
    /// and writes report.json, report.html, the meshes and scenario.resolved.toml to
    /// reports/out/<scenario>/ (or --out). Failed checks against ground truth are listed (and in the report);
    /// with --strict they make the exit status 2.
    /// Example: cusp run scenarios/aligner_staging.toml
    Run(cli::run::Args),
    /// The report for a patient's own scans — no phantom, no ground truth: teeth found (or the label files),
    /// contacts and clearance when the jaws are in a bite (as exported, from --bite, or --settle), implants,
    /// aligner staging and progress, each when its inputs are given; sections that cannot run say why.
    /// Writes report.html, report.json, the meshes and scenario.resolved.toml (re-run it with cusp run).
    /// Example: cusp report --upper U.stl --lower L.stl --settle --out reports/out/P0042
    Report(cli::report::Args),
    /// Many cases: each scenario (a folder of *.toml or a list file) run by its own cusp process into
    /// DIR/cases/<name>/ with its log in DIR/logs/; a failed case is recorded and the others go on; cases
    /// already finished are skipped when the batch is run again; DIR/summary.csv and summary.json list
    /// status, time and the key figures. Exit status 1 when any case failed.
    /// Example: cusp batch cases/ --out batch-2026-12-08 --jobs 2
    Batch(cli::batch::Args),
    /// The demo: cusp run scenarios/demo.toml (built into the binary, so it runs from anywhere).
    Demo(cli::demo::Args),
    /// Case records: scans and results with checksums, an audit trail and encrypted export for a lab.
    #[command(subcommand)]
    Case(cli::case::CaseCommand),
    /// Compare results with ground truth or a reference.
    #[command(subcommand)]
    Eval(cli::eval::EvalCommand),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(a) => cli::info::run(a),
        Command::Convert(a) => cli::convert::run(a),
        Command::Phantom(a) => cli::phantom::run(a),
        Command::Fuse(a) => cli::fuse::run(a),
        Command::Segment(a) => cli::segment::run(a),
        Command::Occlusion(a) => cli::occlusion::run(a),
        Command::Implant(a) => cli::implant::run(a),
        Command::Stage(a) => cli::stage::run(a),
        Command::Progress(a) => cli::progress::run(a),
        Command::Run(a) => cli::run::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Batch(a) => cli::batch::run(a),
        Command::Demo(a) => cli::demo::run(a),
        Command::Case(c) => cli::case::run(c),
        Command::Eval(c) => cli::eval::run(c),
    }
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
