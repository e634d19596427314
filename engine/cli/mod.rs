//! The command's subcommands, one file each (arguments and printing; the work is the library's), and the
//! helpers they share.

pub mod batch;
pub mod case;
pub mod convert;
pub mod demo;
pub mod eval;
pub mod fuse;
pub mod implant;
pub mod info;
pub mod occlusion;
pub mod phantom;
pub mod progress;
pub mod report;
pub mod run;
pub mod segment;
pub mod stage;

pub use anyhow::{Context, Result};
pub use clap::Subcommand;
pub use cusp::io::{self, Format, Teeth3dsLabels, WriteOptions};
pub use cusp::mesh::MeshInfo;
pub use std::path::PathBuf;

/// The demo scenario, compiled in so that `cusp demo` runs from any directory.
pub const DEMO: &str = include_str!("../../scenarios/demo.toml");

/// Runs a scenario with a progress line per stage; with `strict`, exit status 2 when a check fails.
pub fn run_scenario(s: &cusp::pipeline::Scenario, out: Option<PathBuf>, strict: bool) -> Result<()> {
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

/// A command-line number that must lie in [`lo`, `hi`] (`unit`): NaN, infinities, negatives and values out of
/// range are refused by clap with the argument's name and the range.
pub fn in_range(lo: f64, hi: f64, unit: &'static str) -> impl Fn(&str) -> std::result::Result<f64, String> + Clone {
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
pub fn read_jaw(path: &std::path::Path) -> Result<cusp::mesh::Mesh> {
    let mesh = io::read_mesh(path)?;
    cusp::segment::check_surface(&mesh).with_context(|| format!("{} is no jaw scan", path.display()))?;
    Ok(mesh)
}

/// The teeth of the jaw `mesh` read from `path`: from the label file when one is given, else segmented.
pub fn teeth_of(
    mesh: &cusp::mesh::Mesh,
    path: &std::path::Path,
    labels: Option<&std::path::Path>,
) -> Result<(Vec<i32>, cusp::dentition::Dentition)> {
    let labels = labels.map(|l| io::read_labels_for(l, mesh)).transpose()?;
    cusp::segment::teeth_of(mesh, labels.as_ref()).with_context(|| format!("cannot segment {}", path.display()))
}
