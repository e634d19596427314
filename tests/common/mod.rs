//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The real scans beside the checkout (`../shared/data/real`, or `$CUSP_SHARED/data/real`). Without them a
/// test says so and is skipped; under CI (CI=true) they must be there.
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
