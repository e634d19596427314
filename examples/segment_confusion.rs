//! Per-instance confusion of a segmentation against the true labels: `cargo run --release --example
//! segment_confusion -- MESH LABELS.json` prints, for every predicted instance, the true labels its vertices
//! carry (share of its vertices) and, for every true tooth, where it went. Evaluation only (reads true labels).

use std::collections::BTreeMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let m = cusp::io::read_mesh(&a[1])?;
    let gt = cusp::io::read_labels_for(&a[2], &m)?.labels;
    let seg = cusp::segment::segment(&m)?;
    let mut by_pred: BTreeMap<i32, BTreeMap<i32, usize>> = BTreeMap::new();
    for (&g, &p) in gt.iter().zip(&seg.labels) {
        *by_pred.entry(p).or_default().entry(g).or_default() += 1;
    }
    for (p, row) in &by_pred {
        let n: usize = row.values().sum();
        let mut parts: Vec<(usize, i32)> = row.iter().map(|(g, c)| (*c, *g)).collect();
        parts.sort_by(|a, b| b.cmp(a));
        let s: Vec<String> =
            parts.iter().take(4).map(|(c, g)| format!("{g}:{:.0}%", 100.0 * *c as f64 / n as f64)).collect();
        println!("pred {p:>3} n={n:>6}  {}", s.join(" "));
    }
    Ok(())
}
