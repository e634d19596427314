//! Renders the README's pictures of a default phantom: `cargo run --release --example pictures -- OUT_DIR`.

use cusp::phantom::{ImplantSpec, Phantom, PhantomSpec, PrepSpec};
use cusp::report::render::{label_color, orbit, write_png, Layer};
use std::path::PathBuf;

fn layer(m: &cusp::phantom::JawModel) -> Layer<'_> {
    let colors = m
        .mesh
        .labels()
        .unwrap_or_default()
        .iter()
        .zip(&m.instances)
        .map(|(&l, &i)| if i >= 100 { [165, 170, 185] } else { label_color(l) })
        .collect();
    Layer { mesh: &m.mesh, colors }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs/images".into()));
    std::fs::create_dir_all(&out)?;
    let spec = PhantomSpec {
        missing: vec![36],
        implants: vec![ImplantSpec { site: 36, scan_body: "cusp-sb-a".into(), buccal_tilt_deg: 0.0, index_deg: 0.0 }],
        prep: Some(PrepSpec { fdi: 26, occlusal_mm: 1.5, axial_mm: 1.0 }),
        ..PhantomSpec::default()
    };
    let p = Phantom::generate(&spec)?;
    let (u, l) = (layer(&p.upper), layer(&p.lower));
    write_png(
        &out.join("phantom_upper_occlusal.png"),
        std::slice::from_ref(&u),
        &orbit(&p.upper.mesh, 0.0, -90.0),
        800,
        700,
    )?;
    write_png(
        &out.join("phantom_lower_occlusal.png"),
        std::slice::from_ref(&l),
        &orbit(&p.lower.mesh, 0.0, 90.0),
        800,
        700,
    )?;
    let mut front = orbit(&p.upper.mesh, 0.0, 5.0);
    front.width_mm *= 0.8;
    write_png(&out.join("phantom_occlusion_front.png"), &[layer(&p.upper), layer(&p.lower)], &front, 800, 560)?;
    let mut side = orbit(&p.upper.mesh, 90.0, 5.0);
    side.width_mm *= 0.8;
    write_png(&out.join("phantom_occlusion_right.png"), &[layer(&p.upper), layer(&p.lower)], &side, 800, 560)?;
    Ok(())
}
