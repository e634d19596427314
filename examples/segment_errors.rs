//! Renders where a segmentation disagrees with the true labels: `cargo run --release --example segment_errors --
//! MESH LABELS.json OUT.png [occlusal|front|right|left|inside]` — grey right, red gingiva taken for tooth, blue
//! tooth taken for gingiva, yellow a tooth given another tooth's number. Evaluation only (reads true labels).

use cusp::report::render::{orbit, write_png, Layer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let m = cusp::io::read_mesh(&a[1])?;
    let gt = cusp::io::read_labels_for(&a[2], &m)?.labels;
    let seg = cusp::segment::segment(&m).expect("a dental arch");
    let colors = gt
        .iter()
        .zip(&seg.labels)
        .map(|(&g, &p)| match (g, p) {
            (0, 0) => [200, 170, 170],
            (0, _) => [220, 30, 30],
            (_, 0) => [30, 60, 220],
            (g, p) if g != p => [230, 200, 30],
            _ => [235, 235, 235],
        })
        .collect();
    let f = seg.frame;
    let mut view = orbit(&m, 0.0, 90.0);
    let (dir, up) = match a.get(4).map(String::as_str) {
        Some("front") => (f.anterior, f.occlusal),
        Some("right") => (f.right, f.occlusal),
        Some("left") => (-f.right, f.occlusal),
        Some("inside") => (-f.anterior, f.occlusal),
        _ => (f.occlusal, f.anterior),
    };
    view.eye = view.target + dir * 200.0;
    view.up = up;
    write_png(std::path::Path::new(&a[3]), &[Layer { mesh: &m, colors }], &view, 800, 700)?;
    Ok(())
}
