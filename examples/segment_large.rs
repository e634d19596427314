//! Segmentation of a full-resolution-sized arch (a phantom upper tessellated as finely as a scanner's 2–4 M
//! triangle export), timed per step with peak memory left to `/usr/bin/time -v`.
//!
//! `cargo run --release --example segment_large [-- --write FILE | --read FILE]` (the phantom takes minutes to
//! make; write it once, then read it)

use cusp::phantom::{Phantom, PhantomSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec = PhantomSpec::full_resolution(2);
    let args: Vec<String> = std::env::args().collect();
    let mesh = match args.iter().position(|a| a == "--read") {
        Some(i) => cusp::io::read_mesh(&args[i + 1])?,
        None => Phantom::generate(&spec)?.upper.mesh.clone().without_labels(),
    };
    println!("upper: {} vertices, {} triangles", mesh.vertex_count(), mesh.face_count());
    if let Some(i) = args.iter().position(|a| a == "--write") {
        cusp::io::write_mesh(&args[i + 1], &mesh, cusp::io::WriteOptions::default())?;
    }
    let t = std::time::Instant::now();
    let seg = cusp::segment::segment(&mesh)?;
    println!("segmented in {:.2} s: teeth {:?}", t.elapsed().as_secs_f64(), seg.teeth);
    Ok(())
}
