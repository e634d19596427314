//! Segments meshes that carry their own vertex labels (phantom PLYs, the demo's jaws) and scores the result
//! with the 3DTeethSeg'22 metrics: `cargo run --release --example segscore -- MESH…`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for path in std::env::args().skip(1) {
        let m = cusp::io::read_mesh(&path)?;
        let truth = m.labels().ok_or_else(|| format!("{path}: the mesh has no vertex labels"))?.to_vec();
        let seg = cusp::segment::segment(&m).expect("a dental arch");
        let gt = cusp::io::Teeth3dsLabels::new("", seg.frame.jaw, truth);
        let pred = cusp::io::Teeth3dsLabels::new("", seg.frame.jaw, seg.labels.clone());
        let s = cusp::eval::segment::score(m.positions(), &gt, &pred);
        println!(
            "{path}: TSA {:.4} TLA {:.4} TIR {:.4} ({} true teeth, {} predicted)",
            s.tsa, s.tla, s.tir, s.gt_teeth, s.predicted_teeth
        );
    }
    Ok(())
}
