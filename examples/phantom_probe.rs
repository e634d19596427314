//! Quick look at a phantom: counts and timing (development aid).
use cusp::mesh::MeshInfo;
use cusp::phantom::{Phantom, PhantomSpec};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() > 2 && a[1] == "render" {
        render_file(&a[2], &a[3], &a[4], a[5].parse().unwrap(), a[6].parse().unwrap());
        return;
    }
    let t = std::time::Instant::now();
    let spec = if std::env::args().any(|a| a == "coarse") { PhantomSpec::coarse(1) } else { PhantomSpec::default() };
    let p = Phantom::generate(&spec).unwrap();
    eprintln!("generated in {:?}", t.elapsed());
    for m in [&p.upper, &p.lower] {
        let i = MeshInfo::of(&m.mesh);
        println!(
            "{:?}: {} v {} t, comps {}, loops {}, nonmanifold {}, watertight {}, vol {:?}",
            m.jaw,
            i.vertices,
            i.triangles,
            i.components,
            i.boundary_loops,
            i.non_manifold_edges,
            i.watertight,
            i.volume_mm3
        );
    }
    debug_nm(&p.upper.mesh);
    println!("occlusal contacts: {}", p.truth.occlusal_contacts.len());
    for c in &p.truth.occlusal_contacts {
        println!("  {} {} {:.3}", c.a, c.b, c.distance);
    }
    for j in &p.truth.jaws {
        for c in &j.proximal_contacts {
            println!("  prox {} {} {:.3}", c.a, c.b, c.distance);
        }
    }
    pictures(&p);
    cusp::io::write_mesh("/tmp/upper.ply", &p.upper.mesh, Default::default()).unwrap();
    cusp::io::write_mesh("/tmp/lower.ply", &p.lower.mesh, Default::default()).unwrap();
}
#[allow(dead_code)]
fn debug_nm(m: &cusp::mesh::Mesh) {
    let t = cusp::mesh::Topology::new(m);
    for e in t.non_manifold_edges().iter().take(8) {
        let [a, b] = t.edges[*e];
        eprintln!(
            "nm edge {a} {b} at {:?} faces {:?}",
            m.positions()[a as usize],
            t.edge_faces
                .row(*e)
                .iter()
                .map(|&f| m.triangles()[f as usize].map(|v| {
                    let p = m.positions()[v as usize];
                    (v, (p.x * 100.0).round() / 100.0, (p.y * 100.0).round() / 100.0)
                }))
                .collect::<Vec<_>>()
        );
    }
}
#[allow(dead_code)]
pub fn pictures(p: &Phantom) {
    use cusp::report::render::{label_color, orbit, write_png, Layer};
    for (name, m) in [("upper", &p.upper.mesh), ("lower", &p.lower.mesh)] {
        let colors: Vec<[u8; 3]> = m.labels().unwrap().iter().map(|&l| label_color(l)).collect();
        let layers = [Layer { mesh: m, colors }];
        let elev = if name == "upper" { -90.0 } else { 90.0 };
        write_png(std::path::Path::new(&format!("/tmp/{name}_occlusal.png")), &layers, &orbit(m, 0.0, elev), 900, 800)
            .unwrap();
        write_png(std::path::Path::new(&format!("/tmp/{name}_front.png")), &layers, &orbit(m, 0.0, 10.0), 900, 600)
            .unwrap();
    }
    let both: Vec<Layer> = [&p.upper.mesh, &p.lower.mesh]
        .iter()
        .map(|m| Layer { mesh: m, colors: m.labels().unwrap().iter().map(|&l| label_color(l)).collect() })
        .collect();
    write_png(std::path::Path::new("/tmp/both_front.png"), &both, &orbit(&p.upper.mesh, 0.0, 0.0), 900, 700).unwrap();
    write_png(std::path::Path::new("/tmp/both_side.png"), &both, &orbit(&p.upper.mesh, 90.0, 0.0), 900, 700).unwrap();
}
#[allow(dead_code)]
pub fn render_file(mesh: &str, labels: &str, out: &str, az: f64, el: f64) {
    use cusp::report::render::{label_color, orbit, write_png, Layer};
    let m = cusp::io::read_mesh(mesh).unwrap();
    let l = cusp::io::Teeth3dsLabels::read(labels).unwrap();
    let colors = l
        .labels
        .iter()
        .zip(&l.instances)
        .map(|(&x, &i)| if i >= 100 { [170, 175, 190] } else { label_color(x) })
        .collect();
    write_png(std::path::Path::new(out), &[Layer { mesh: &m, colors }], &orbit(&m, az, el), 900, 800).unwrap();
}
