//! Renders a segmentation for a look: `cargo run --release --example segment_view -- MESH OUT.png [LABELS.json]
//! [occlusal|front|right|left]`.

use cusp::report::render::{label_color, orbit, write_png, Layer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let m = cusp::io::read_mesh(&a[1])?;
    let labels = match a.get(3).filter(|s| s.as_str() != "-") {
        Some(gt) => cusp::io::Teeth3dsLabels::read(gt)?.labels,
        None => cusp::segment::segment(&m).expect("a dental arch").labels,
    };
    let f = cusp::segment::orient(&m);
    let colors = labels.iter().map(|&l| label_color(l)).collect();
    let mut view = orbit(&m, 0.0, 90.0);
    let (dir, up) = match a.get(4).map(String::as_str) {
        Some("front") => (f.anterior, f.occlusal),
        Some("right") => (f.right, f.occlusal),
        Some("left") => (-f.right, f.occlusal),
        _ => (f.occlusal, f.anterior),
    };
    view.eye = view.target + dir * 200.0;
    view.up = up;
    write_png(std::path::Path::new(&a[2]), &[Layer { mesh: &m, colors }], &view, 800, 700)?;
    Ok(())
}
