//! Renders a segmentation for a look: `cargo run --release --example segment_view -- MESH OUT.png [GT.json]`.

use cusp::report::render::{label_color, orbit, write_png, Layer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let m = cusp::io::read_mesh(&a[1])?;
    let labels = match a.get(3) {
        Some(gt) => cusp::io::Teeth3dsLabels::read(gt)?.labels,
        None => cusp::segment::segment(&m).labels,
    };
    let f = cusp::segment::orient(&m);
    let colors = labels.iter().map(|&l| label_color(l)).collect();
    let mut view = orbit(&m, 0.0, 90.0);
    view.eye = view.target + f.occlusal * 200.0;
    view.up = f.anterior;
    write_png(std::path::Path::new(&a[2]), &[Layer { mesh: &m, colors }], &view, 800, 700)?;
    Ok(())
}
