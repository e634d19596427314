//! Colours for per-vertex maps (labels, signed deviations), shared by every stage that writes a coloured
//! mesh and by the report.

/// A colour per FDI label that tells neighbours apart; gingiva (0) is pink.
pub fn label_color(label: i32) -> [u8; 3] {
    if label <= 0 {
        return if label == 0 { [226, 150, 150] } else { [180, 180, 190] };
    }
    let t = label % 10;
    let q = label / 10;
    let palette = [
        [250, 245, 230],
        [235, 220, 170],
        [200, 230, 250],
        [250, 210, 200],
        [210, 240, 200],
        [230, 210, 250],
        [250, 235, 190],
        [200, 210, 230],
    ];
    palette[((t - 1 + q) % 8) as usize]
}

/// Colour of a signed deviation scaled to `t` ∈ [−1, 1]: blue (−1, inside / behind) through green (0) to red
/// (+1, outside / ahead); values beyond the range saturate.
pub fn diverging_color(t: f64) -> [u8; 3] {
    let t = if t.is_finite() { t.clamp(-1.0, 1.0) } else { 0.0 };
    let lerp = |a: [f64; 3], b: [f64; 3], s: f64| {
        [0, 1, 2].map(|k| (a[k] + (b[k] - a[k]) * s).round().clamp(0.0, 255.0) as u8)
    };
    let (blue, green, red) = ([40.0, 80.0, 220.0], [80.0, 200.0, 100.0], [220.0, 40.0, 40.0]);
    if t < 0.0 {
        lerp(green, blue, -t)
    } else {
        lerp(green, red, t)
    }
}
