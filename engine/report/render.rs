//! A small software renderer (z-buffer, Lambert + Blinn–Phong shading) for pictures of dental models in
//! reports and documentation, written to PNG. No GPU, deterministic output.

pub use crate::colormap::{diverging_color, label_color};
use crate::mesh::Mesh;
use nalgebra::{Point3, Rotation3, Vector3};
use std::path::Path;

/// A view of a scene: camera looking from `eye` at `target`, `up` toward the image top, orthographic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Camera position (mm).
    pub eye: Point3<f64>,
    /// Point the camera looks at (mm).
    pub target: Point3<f64>,
    /// Direction toward the top of the image.
    pub up: Vector3<f64>,
    /// Width of the visible area (mm).
    pub width_mm: f64,
}

/// One mesh of a scene with its per-vertex colours (RGB 0–255).
pub struct Layer<'a> {
    /// The mesh.
    pub mesh: &'a Mesh,
    /// Colour of each vertex.
    pub colors: Vec<[u8; 3]>,
}

/// Renders the layers to an RGB image of `width` × `height` pixels (row-major, top row first).
pub fn render(layers: &[Layer], view: &View, width: usize, height: usize) -> Vec<u8> {
    let fwd = (view.target - view.eye).normalize();
    let right = fwd.cross(&view.up).normalize();
    let up = right.cross(&fwd);
    let scale = width as f64 / view.width_mm;
    let light = (-fwd + up * 0.6 + right * 0.3).normalize();
    let mut zbuf = vec![f64::INFINITY; width * height];
    let mut img = vec![245u8; width * height * 3];
    for layer in layers {
        let m = layer.mesh;
        let normals = m.compute_vertex_normals();
        let proj: Vec<(f64, f64, f64)> = m
            .positions()
            .iter()
            .map(|p| {
                let d = p - view.target;
                (
                    width as f64 / 2.0 + d.dot(&right) * scale,
                    height as f64 / 2.0 - d.dot(&up) * scale,
                    (p - view.eye).dot(&fwd),
                )
            })
            .collect();
        for t in m.triangles() {
            let [a, b, c] = t.map(|i| proj[i as usize]);
            let area = (b.0 - a.0) * (c.1 - a.1) - (c.0 - a.0) * (b.1 - a.1);
            if area.abs() < 1e-12 {
                continue;
            }
            let (x0, x1) =
                (a.0.min(b.0).min(c.0).floor().max(0.0) as usize, a.0.max(b.0).max(c.0).ceil().min(width as f64 - 1.0));
            let (y0, y1) = (
                a.1.min(b.1).min(c.1).floor().max(0.0) as usize,
                a.1.max(b.1).max(c.1).ceil().min(height as f64 - 1.0),
            );
            if x1 < 0.0 || y1 < 0.0 {
                continue;
            }
            for y in y0..=y1 as usize {
                for x in x0..=x1 as usize {
                    let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                    let w0 = ((b.0 - px) * (c.1 - py) - (c.0 - px) * (b.1 - py)) / area;
                    let w1 = ((c.0 - px) * (a.1 - py) - (a.0 - px) * (c.1 - py)) / area;
                    let w2 = 1.0 - w0 - w1;
                    if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 {
                        continue;
                    }
                    let z = w0 * a.2 + w1 * b.2 + w2 * c.2;
                    let k = y * width + x;
                    if z >= zbuf[k] {
                        continue;
                    }
                    zbuf[k] = z;
                    let [i, j, l] = t.map(|v| v as usize);
                    let n = (normals[i] * w0 + normals[j] * w1 + normals[l] * w2).try_normalize(0.0).unwrap_or(-fwd);
                    let n = if n.dot(&fwd) > 0.0 { -n } else { n };
                    let diffuse = n.dot(&light).max(0.0);
                    let half = (light - fwd).normalize();
                    let spec = n.dot(&half).max(0.0).powi(40) * 0.35;
                    let col = [0, 1, 2].map(|ch| {
                        let base = w0 * f64::from(layer.colors[i][ch])
                            + w1 * f64::from(layer.colors[j][ch])
                            + w2 * f64::from(layer.colors[l][ch]);
                        (base * (0.25 + 0.75 * diffuse) + 255.0 * spec).clamp(0.0, 255.0) as u8
                    });
                    img[k * 3..k * 3 + 3].copy_from_slice(&col);
                }
            }
        }
    }
    img
}

/// Encodes an RGB image as PNG bytes.
pub fn png_bytes(rgb: &[u8], width: usize, height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width as u32, height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Ok(mut w) = enc.write_header() {
            let _ = w.write_image_data(rgb);
        }
    }
    out
}

/// Renders and writes a PNG atomically.
pub fn write_png(
    path: &Path,
    layers: &[Layer],
    view: &View,
    width: usize,
    height: usize,
) -> Result<(), crate::io::IoError> {
    crate::io::write_atomic(path, &png_bytes(&render(layers, view, width, height), width, height))
}

/// A view of a jaw from a direction given by azimuth and elevation (degrees) around its centre.
pub fn orbit(mesh: &Mesh, azimuth_deg: f64, elevation_deg: f64) -> View {
    let bb = mesh.bounding_box().unwrap_or(crate::mesh::Aabb { min: Point3::origin(), max: Point3::origin() });
    let c = bb.center();
    let r = Rotation3::from_axis_angle(&Vector3::z_axis(), azimuth_deg.to_radians());
    let e = elevation_deg.to_radians();
    let dir = r * Vector3::new(0.0, e.cos(), e.sin());
    let up = if e.abs() > 1.4 { r * Vector3::y() } else { Vector3::z() };
    View { eye: c + dir * 200.0, target: c, up, width_mm: bb.diagonal() * 0.95 }
}
