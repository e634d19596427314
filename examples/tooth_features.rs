//! Per predicted tooth of every labelled real arch: its size along and across the arch, against the true tooth
//! most of its vertices carry. `cargo run --release --example tooth_features > features.tsv`. Evaluation only.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::var_os("CUSP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("data/real");
    println!("source\tscan\tpred\ttrue\tshare\tmd\tbl\tarea\tgum");
    let mut sources: Vec<_> = std::fs::read_dir(&dir)?.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    sources.sort();
    for s in sources {
        let mut files: Vec<_> = std::fs::read_dir(&s)?.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            let Some(stem) = name.strip_suffix(".labels.json") else { continue };
            let ply = s.join(format!("{stem}.ply"));
            if !ply.exists() {
                continue;
            }
            let m = cusp::io::read_mesh(&ply)?;
            let gt = cusp::io::read_labels_for(&f, &m)?.labels;
            let seg = cusp::segment::segment(&m)?;
            let varea = m.vertex_areas();
            for t in &seg.dentition.teeth {
                let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
                for &v in &t.vertices {
                    *counts.entry(gt[v as usize]).or_default() += 1;
                }
                let (tl, tc) =
                    counts.iter().filter(|(l, _)| **l != 0).max_by_key(|(_, c)| **c).map_or((0, 0), |(l, c)| (*l, *c));
                let gum = counts.get(&0).copied().unwrap_or(0) as f64 / t.vertices.len() as f64;
                let fr = &t.frame;
                let top = t
                    .vertices
                    .iter()
                    .map(|&v| (m.positions()[v as usize] - fr.centroid).dot(&fr.occlusal))
                    .fold(f64::MIN, f64::max);
                let upper: Vec<u32> = t
                    .vertices
                    .iter()
                    .copied()
                    .filter(|&v| (m.positions()[v as usize] - fr.centroid).dot(&fr.occlusal) > top - 4.0)
                    .collect();
                let ext = |ax: &nalgebra::Vector3<f64>| {
                    let d: Vec<f64> =
                        upper.iter().map(|&v| (m.positions()[v as usize] - fr.centroid).dot(ax)).collect();
                    d.iter().copied().fold(f64::MIN, f64::max) - d.iter().copied().fold(f64::MAX, f64::min)
                };
                let area: f64 = upper.iter().map(|&v| varea[v as usize]).sum();
                println!(
                    "{}\t{stem}\t{}\t{tl}\t{:.2}\t{:.2}\t{:.2}\t{:.1}\t{:.2}",
                    s.file_name().unwrap().to_string_lossy(),
                    t.fdi,
                    tc as f64 / t.vertices.len() as f64,
                    ext(&fr.mesial),
                    ext(&fr.buccal),
                    area,
                    gum
                );
            }
        }
    }
    Ok(())
}
