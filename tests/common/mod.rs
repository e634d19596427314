//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The real scans beside the checkout (`../shared/data/real`, or `$CUSP_SHARED/data/real`). Without them a
/// test says so and is skipped; under CI (CI=true) they must be there.
#[allow(dead_code)] // not every test file uses every helper
pub fn real_dir() -> Option<PathBuf> {
    let d = std::env::var_os("CUSP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("data/real");
    if d.is_dir() {
        Some(d)
    } else if std::env::var_os("CI").is_some() {
        panic!("CI must have the shared real scans at {}", d.display());
    } else {
        eprintln!("skipped: no real scans at {}", d.display());
        None
    }
}

/// Every labelled real arch in the shared data (`*.labels.json` beside a `.ply`), as (source/stem, mesh, truth).
#[allow(dead_code)] // not every test file uses every helper
pub fn labelled_real_arches(dir: &std::path::Path) -> Vec<(String, cusp::mesh::Mesh, cusp::io::Teeth3dsLabels)> {
    let mut out = Vec::new();
    let mut sources: Vec<_> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    sources.sort();
    for s in sources {
        let mut files: Vec<_> = std::fs::read_dir(&s).unwrap().flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            let Some(stem) = name.strip_suffix(".labels.json") else { continue };
            let ply = s.join(format!("{stem}.ply"));
            if ply.exists() {
                let m = cusp::io::read_mesh(&ply).unwrap().without_labels();
                let gt = cusp::io::read_labels_for(&f, &m).unwrap();
                out.push((format!("{}/{stem}", s.file_name().unwrap().to_string_lossy()), m, gt));
            }
        }
    }
    out
}

fn chromium() -> Option<PathBuf> {
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] {
        if std::path::Path::new(c).exists() {
            return Some(PathBuf::from(c));
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI must have Chromium (Debian package chromium) for the report test");
    }
    eprintln!("skipped the browser check: no Chromium installed");
    None
}

/// Opens `html` in headless Chromium (offline, software WebGL): the viewer finishes (`data-render="ok"`) with no
/// script error, draws the jaws, numbers at least ten teeth and shows the layer's legend; a screenshot is kept under the target's tmp folder as `shot`. Returns the
/// body's attributes (empty when no Chromium is installed outside CI).
#[allow(dead_code)] // not every test file uses every helper
pub fn renders_in_chromium(html: &std::path::Path, shot: &str) -> String {
    let Some(chrome) = chromium() else { return String::new() };
    let url = format!("file://{}", html.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-unsafe-swiftshader",
        "--use-angle=swiftshader",
        "--window-size=1280,1800",
        "--virtual-time-budget=8000",
    ];
    let dom = std::process::Command::new(&chrome).args(common).arg("--dump-dom").arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let body = dom.split("<body").nth(1).unwrap_or("").split('>').next().unwrap_or("").to_string();
    assert!(body.contains("data-render=\"ok\""), "the viewer did not finish: <body{body}>");
    assert!(!body.contains("data-errors"), "script errors: <body{body}>");
    let lit: usize = body
        .split("data-lit-pixels=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(lit > 20_000, "the 3D view is blank ({lit} pixels drawn)");
    // The frontal view numbers the teeth facing it (FDI), and the colour layer shown has its legend.
    let shown: usize = body
        .split("data-tooth-labels=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(shown >= 10, "{shown} tooth numbers shown in the frontal view");
    assert!(body.contains("data-legend=\"ok\""), "no legend: <body{body}>");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(shot);
    let o = std::process::Command::new(&chrome)
        .args(common)
        .arg(format!("--screenshot={}", shots.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        o.status.success() && std::fs::metadata(&shots).map(|m| m.len() > 10_000).unwrap_or(false),
        "no screenshot"
    );
    eprintln!("screenshot: {}", shots.display());
    body
}

/// Every file under `dir`, as paths relative to it, sorted.
#[allow(dead_code)] // not every test file uses every helper
pub fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}
