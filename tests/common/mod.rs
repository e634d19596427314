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
