//! The measures segmentation's arch gate (`engine/segment/gate.rs`) judges, over shapes that are no dental arch,
//! phantoms and the meshes named on the command line (real arches, single crowns), with the verdict:
//!
//! ```sh
//! cargo run --release --example arch_gate -- ../shared/data/real/*/*.ply ../shared/data/real/crowns/tag0/byFDI/*.obj
//! ```
use cusp::mesh::Mesh;
use nalgebra::Point3;
fn stats(name: &str, m: &Mesh) {
    let f = cusp::segment::orient(m);
    let c = m.curvature();
    let a = m.vertex_areas();
    let total: f64 = a.iter().sum();
    let frac = |t: &dyn Fn(usize) -> bool| (0..a.len()).filter(|&v| t(v)).map(|v| a[v]).sum::<f64>() / total;
    let span = |ax: nalgebra::Vector3<f64>| {
        let mut h: Vec<f64> = m.positions().iter().map(|p| (p - f.origin).dot(&ax)).collect();
        h.sort_by(f64::total_cmp);
        h[h.len() * 99 / 100] - h[h.len() / 100]
    };
    let verdict = match cusp::segment::segment(m) {
        Ok(s) => format!("{} {} teeth", s.frame.jaw.as_str(), s.teeth.len()),
        Err(e) => format!("refused: {e}"),
    };
    println!(
        "{name:40} area {total:8.0} right {:6.1} ant {:6.1} occ {:6.1} concave {:.3} convex {:.3} saddle {:.3} → {verdict}",
        span(f.right),
        span(f.anterior),
        span(f.occlusal),
        frac(&|v| c.k2[v] < -0.2),
        frac(&|v| c.k1[v] > 0.2),
        frac(&|v| c.k1[v] > 0.1 && c.k2[v] < -0.1),
    );
}
fn main() {
    let mut cases: Vec<(String, Mesh)> = vec![
        ("sphere r10".into(), Mesh::icosphere(10.0, 5)),
        ("sphere r25".into(), Mesh::icosphere(25.0, 5)),
        ("sphere r40".into(), Mesh::icosphere(40.0, 5)),
        ("plane 60".into(), Mesh::grid(200, 200, 0.3)),
        ("box 50x40x20".into(), Mesh::cuboid(Point3::new(0.0, 0.0, 0.0), Point3::new(50.0, 40.0, 20.0))),
    ];
    for s in [1u64, 2] {
        let p = cusp::phantom::Phantom::generate(&cusp::phantom::PhantomSpec::coarse(s)).unwrap();
        cases.push((format!("phantom {s} upper"), p.upper.mesh.clone()));
        cases.push((format!("phantom {s} lower"), p.lower.mesh.clone()));
    }
    for a in std::env::args().skip(1) {
        cases.push((
            a.rsplit('/').next().unwrap().to_string(),
            cusp::io::read_mesh(std::path::Path::new(&a)).unwrap().without_labels(),
        ));
    }
    for (name, m) in cases {
        stats(&name, &m);
    }
}
