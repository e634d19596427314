//! `cusp batch`: many cases, each run by its own `cusp run` process into its own folder, with its own log;
//! a failure is recorded and the rest go on; finished cases are skipped when the batch is run again.

use super::*;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;

// The arguments of `cusp batch`; its help text is the doc comment of `Command::Batch` in main.rs.
#[derive(clap::Args)]
pub struct Args {
    /// The cases: a folder of scenario files (*.toml, in name order), a text file listing one scenario file
    /// per line (relative to the list; blank lines and lines starting with # are skipped), or a CSV file
    /// (*.csv) with a header row naming `name` and any of a `[case]`'s keys (upper, lower, upper_labels,
    /// lower_labels, bite, settle, prep, material, implants, stage, stage_jaw, before_upper, before_lower,
    /// plan, plan_stage), one case per row, paths relative to the CSV; empty cells are left out.
    pub cases: PathBuf,
    /// Output folder: DIR/cases/<name>/ per case, DIR/logs/<name>.log, DIR/summary.csv and summary.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Cases run at once (each a process of its own; the cores are shared among them).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
}

/// One case of a batch and how it went.
struct Outcome {
    name: String,
    scenario: PathBuf,
    /// done, done earlier, failed.
    status: &'static str,
    seconds: f64,
    /// The error the case wrote to its log when it failed.
    error: String,
    /// From its report.json: teeth found per jaw, warnings, sections not run, checks failed.
    figures: serde_json::Value,
}

/// The scenario files of a batch, in order.
fn case_files(cases: &Path) -> Result<Vec<PathBuf>> {
    if cases.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(cases)
            .with_context(|| format!("cannot read {}", cases.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        v.sort();
        return Ok(v);
    }
    let text = std::fs::read_to_string(cases).with_context(|| format!("cannot read {}", cases.display()))?;
    let base = cases.parent().unwrap_or(Path::new("."));
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(|l| base.join(l)).collect())
}

/// The `[case]` keys a CSV column may name, and how its cells are read.
const CSV_KEYS: [(&str, CsvCell); 15] = [
    ("upper", CsvCell::Path),
    ("lower", CsvCell::Path),
    ("upper_labels", CsvCell::Path),
    ("lower_labels", CsvCell::Path),
    ("bite", CsvCell::Path),
    ("settle", CsvCell::Bool),
    ("prep", CsvCell::Int),
    ("material", CsvCell::Text),
    ("implants", CsvCell::Bool),
    ("stage", CsvCell::Text),
    ("stage_jaw", CsvCell::Text),
    ("before_upper", CsvCell::Path),
    ("before_lower", CsvCell::Path),
    ("plan", CsvCell::Path),
    ("plan_stage", CsvCell::Int),
];

/// How a CSV cell becomes a `[case]` value.
#[derive(Clone, Copy)]
enum CsvCell {
    Path,
    Bool,
    Int,
    Text,
}

/// The cases of a CSV list, each written as a scenario file `out/inputs/<name>.toml` (paths made absolute
/// against the CSV's folder) that the batch then runs like any other; every row is checked before any
/// file is written.
fn csv_cases(list: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let base = list.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(list)
        .with_context(|| format!("cannot read {}", list.display()))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    anyhow::ensure!(header.iter().any(|h| h == "name"), "{}: the header has no 'name' column", list.display());
    for h in header.iter().filter(|h| *h != "name") {
        anyhow::ensure!(
            CSV_KEYS.iter().any(|(k, _)| k == h),
            "{}: column '{h}' is no case key (known: name, {})",
            list.display(),
            CSV_KEYS.map(|(k, _)| k).join(", ")
        );
    }
    let mut scenarios = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("{}: row {}", list.display(), i + 2))?;
        let at = |what: String| anyhow::anyhow!("{} row {}: {what}", list.display(), i + 2);
        let mut case = toml::Table::new();
        let mut name = String::new();
        for (h, cell) in header.iter().zip(row.iter()) {
            if cell.is_empty() {
                continue;
            }
            if h == "name" {
                name = cell.to_string();
                continue;
            }
            let kind = CSV_KEYS.iter().find(|(k, _)| k == h).map(|(_, c)| *c).expect("checked above");
            let value = match kind {
                CsvCell::Path => toml::Value::String(base.join(cell).display().to_string()),
                CsvCell::Text => toml::Value::String(cell.to_string()),
                CsvCell::Int => {
                    toml::Value::Integer(cell.parse().map_err(|_| at(format!("{h} = '{cell}' is not a whole number")))?)
                }
                CsvCell::Bool => toml::Value::Boolean(match cell.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => return Err(at(format!("{h} = '{cell}' is not true or false"))),
                }),
            };
            case.insert(h.clone(), value);
        }
        anyhow::ensure!(
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && name != ".."
                && name != ".",
            at(format!("the name '{name}' must be letters, digits, '.', '_' or '-'"))
        );
        anyhow::ensure!(
            !scenarios.iter().any(|(n, _): &(String, String)| *n == name),
            at(format!("the name '{name}' is used by an earlier row: each case needs a name of its own"))
        );
        let mut scenario = toml::Table::new();
        scenario.insert("name".into(), toml::Value::String(name.clone()));
        scenario.insert("case".into(), toml::Value::Table(case));
        scenarios.push((name, toml::to_string(&scenario)?));
    }
    let inputs = out.join("inputs");
    std::fs::create_dir_all(&inputs).with_context(|| format!("cannot create {}", inputs.display()))?;
    let mut files = Vec::new();
    for (name, text) in scenarios {
        let file = inputs.join(format!("{name}.toml"));
        io::write_atomic(&file, text.as_bytes())?;
        files.push(file);
    }
    Ok(files)
}

/// The figures a lab reads first, from a finished case's report.json.
fn figures(report: &Path) -> serde_json::Value {
    std::fs::read(report)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .map_or(serde_json::Value::Null, |r| cusp::pipeline::key_figures(&r))
}

/// Runs `cusp batch`.
pub fn run(a: Args) -> Result<()> {
    let Args { cases, out, jobs } = a;
    let files = if cases.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        csv_cases(&cases, &out)?
    } else {
        case_files(&cases)?
    };
    anyhow::ensure!(!files.is_empty(), "{}: no scenario files", cases.display());
    // Every case is read before any runs: a name twice, or a file that is no scenario, stops the batch here.
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    for f in &files {
        let s = cusp::pipeline::Scenario::read(f)?;
        if let Some((_, other)) = named.iter().find(|(n, _)| *n == s.name) {
            anyhow::bail!(
                "{} and {} are both named '{}': each case needs a name of its own",
                other.display(),
                f.display(),
                s.name
            );
        }
        named.push((s.name, f.clone()));
    }
    for sub in ["cases", "logs"] {
        std::fs::create_dir_all(out.join(sub)).with_context(|| format!("cannot create {}", out.join(sub).display()))?;
    }
    let exe = std::env::current_exe().context("cannot find the cusp executable to run the cases")?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_case = (cores / jobs as usize).max(1).to_string();
    let bar = indicatif::ProgressBar::new(named.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} cases ({elapsed}, {eta} left) {msg}")
            .expect("valid template"),
    );
    let queue = Mutex::new(named.iter().enumerate());
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..named.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let Some((i, (name, scenario))) = queue.lock().expect("queue").next() else { break };
                let dir = out.join("cases").join(name);
                let log = out.join("logs").join(format!("{name}.log"));
                let started = std::time::Instant::now();
                let outcome = |status, seconds, error: String, figures| Outcome {
                    name: name.clone(),
                    scenario: scenario.clone(),
                    status,
                    seconds,
                    error,
                    figures,
                };
                let outcome = if dir.join("report.json").exists() {
                    outcome("done earlier", 0.0, String::new(), figures(&dir.join("report.json")))
                } else {
                    let ran = std::fs::File::create(&log).and_then(|f| {
                        let err = f.try_clone()?;
                        std::process::Command::new(&exe)
                            .arg("run")
                            .arg(scenario)
                            .arg("--out")
                            .arg(&dir)
                            .env("RAYON_NUM_THREADS", &per_case)
                            .stdout(f)
                            .stderr(err)
                            .status()
                    });
                    let seconds = started.elapsed().as_secs_f64();
                    // The case's own error line (cusp prints it as "error: …"), else the last line it wrote.
                    let last_line = || {
                        let text = std::fs::read_to_string(&log).unwrap_or_default();
                        let error = text.lines().find_map(|l| l.strip_prefix("error: "));
                        error.or_else(|| text.lines().rev().find(|l| !l.trim().is_empty())).unwrap_or("").to_string()
                    };
                    match ran {
                        Ok(st) if st.success() => {
                            outcome("done", seconds, String::new(), figures(&dir.join("report.json")))
                        }
                        Ok(st) => {
                            let why = if st.code().is_some() { last_line() } else { format!("killed ({st})") };
                            outcome("failed", seconds, why, serde_json::Value::Null)
                        }
                        Err(e) => {
                            outcome("failed", seconds, format!("cannot run the case: {e}"), serde_json::Value::Null)
                        }
                    }
                };
                bar.set_message(format!("{name}: {}", outcome.status));
                bar.inc(1);
                results.lock().expect("results")[i] = Some(outcome);
            });
        }
    });
    bar.finish_and_clear();
    let results: Vec<Outcome> = results.into_inner().expect("results").into_iter().flatten().collect();
    // The summary, in the batch's order.
    let mut csv =
        String::from("name,status,seconds,teeth_upper,teeth_lower,warnings,not_run,checks_failed,scenario,error\n");
    let field = |s: &str| format!("\"{}\"", s.replace('"', "\"\"").replace(['\n', '\r'], " "));
    let num = |v: &serde_json::Value| v.as_u64().map_or(String::new(), |n| n.to_string());
    for r in &results {
        let f = &r.figures;
        let _ = writeln!(
            csv,
            "{},{},{:.1},{},{},{},{},{},{},{}",
            field(&r.name),
            r.status,
            r.seconds,
            num(&f["teeth_upper"]),
            num(&f["teeth_lower"]),
            num(&f["warnings"]),
            num(&f["not_run"]),
            num(&f["checks_failed"]),
            field(&r.scenario.display().to_string()),
            field(&r.error)
        );
    }
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name, "status": r.status, "seconds": (r.seconds * 10.0).round() / 10.0,
                "scenario": r.scenario.display().to_string(), "error": r.error, "figures": r.figures,
                "output": out.join("cases").join(&r.name).display().to_string(),
                "log": out.join("logs").join(format!("{}.log", r.name)).display().to_string(),
            })
        })
        .collect();
    io::write_atomic(&out.join("summary.csv"), csv.as_bytes())?;
    io::write_atomic(&out.join("summary.json"), serde_json::to_string_pretty(&json)?.as_bytes())?;
    let failed = results.iter().filter(|r| r.status == "failed").count();
    let earlier = results.iter().filter(|r| r.status == "done earlier").count();
    eprintln!(
        "{} cases: {} done, {earlier} done earlier, {failed} failed; summary in {}",
        results.len(),
        results.len() - failed - earlier,
        out.join("summary.csv").display()
    );
    for r in results.iter().filter(|r| r.status == "failed") {
        eprintln!(
            "failed — {}: {} (log {})",
            r.name,
            r.error,
            out.join("logs").join(format!("{}.log", r.name)).display()
        );
    }
    anyhow::ensure!(failed == 0, "{failed} of {} cases failed", results.len());
    Ok(())
}
