//! A virtual handheld intraoral scanner: a telecentric depth camera (confocal / structured-light heads are
//! close to telecentric) with a small window, swept along the arch occlusally, buccally and lingually.
//!
//! Camera frame (mm): origin at the centre of the scan window, `z` the viewing direction, `x` across the
//! image columns, `y` down the rows. Pixel `(col, row)` looks along `z` from
//! `((col + ½)·pixel_x − width_mm/2, (row + ½)·pixel_y − height_mm/2, 0)`; its depth is the distance along
//! `z` to the first surface, or NaN where nothing returned.

use crate::arch::ArchCurve;
use crate::dentition::Jaw;
use crate::mesh::{Mesh, SurfaceIndex};
use nalgebra::{Isometry3, Matrix3, Point3, Rotation3, Translation3, UnitQuaternion, Vector3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// Scanner head and scanning-technique parameters; every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerSpec {
    /// Seed of noise, dropouts and odometry errors.
    pub seed: u64,
    /// Image columns.
    pub width_px: usize,
    /// Image rows.
    pub height_px: usize,
    /// Window width (mm) along the columns.
    pub window_width_mm: f64,
    /// Window height (mm) along the rows.
    pub window_height_mm: f64,
    /// Nearest depth measured (mm).
    pub near_mm: f64,
    /// Farthest depth measured (mm).
    pub far_mm: f64,
    /// Standard deviation of depth noise along the ray (mm).
    pub noise_sigma_mm: f64,
    /// Fraction of pixels returned as outliers (depth off by up to ±2 mm).
    pub outlier_rate: f64,
    /// Fraction of pixels randomly missing.
    pub dropout_rate: f64,
    /// Surfaces seen more obliquely than this (degrees from the viewing direction) give no return.
    pub grazing_limit_deg: f64,
    /// Distance between frames along the arch (mm).
    pub step_mm: f64,
    /// Distance from the window to the tooth surface being scanned (mm).
    pub standoff_mm: f64,
    /// Device odometry: per-frame jitter of the pose guess (mm) …
    pub odometry_sigma_mm: f64,
    /// … and of its rotation (degrees).
    pub odometry_sigma_deg: f64,
}

impl Default for ScannerSpec {
    fn default() -> Self {
        Self {
            seed: 7,
            width_px: 160,
            height_px: 128,
            window_width_mm: 15.0,
            window_height_mm: 12.0,
            near_mm: 0.0,
            far_mm: 20.0,
            noise_sigma_mm: 0.010,
            outlier_rate: 0.001,
            dropout_rate: 0.01,
            grazing_limit_deg: 75.0,
            step_mm: 1.5,
            standoff_mm: 9.0,
            odometry_sigma_mm: 0.3,
            odometry_sigma_deg: 1.0,
        }
    }
}

/// One depth frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Depth per pixel, row-major (mm; NaN = no return).
    pub depth: Vec<f32>,
    /// True pose: patient_from_camera (ground truth; registration never sees it).
    pub truth: Isometry3<f64>,
    /// Device odometry guess of the same pose (noisy).
    pub guess: Isometry3<f64>,
    /// Which sweep the frame belongs to: "occlusal", "buccal", "lingual" or "palate".
    pub pass: &'static str,
}

/// A sequence of frames of one jaw, in scan order.
#[derive(Debug, Clone)]
pub struct ScanSession {
    /// Scanner parameters.
    pub spec: ScannerSpec,
    /// Which jaw was scanned; `None` for a bite scan of both jaws in occlusion.
    pub jaw: Option<Jaw>,
    /// Frames in scan order.
    pub frames: Vec<Frame>,
}

impl ScannerSpec {
    /// Pixel pitch (mm) along columns and rows.
    pub fn pixel_mm(&self) -> (f64, f64) {
        (self.window_width_mm / self.width_px as f64, self.window_height_mm / self.height_px as f64)
    }

    /// The camera as raw-frame files describe it.
    pub fn camera(&self) -> crate::io::frames::Camera {
        let (px, py) = self.pixel_mm();
        crate::io::frames::Camera {
            model: "telecentric".into(),
            width_px: self.width_px,
            height_px: self.height_px,
            pixel_mm: [px, py],
            window_mm: [self.window_width_mm, self.window_height_mm],
            near_mm: self.near_mm,
            far_mm: self.far_mm,
        }
    }

    /// The ray origin of pixel (col, row) in the camera frame.
    pub fn pixel_origin(&self, col: usize, row: usize) -> Point3<f64> {
        let (px, py) = self.pixel_mm();
        let window = [self.window_width_mm, self.window_height_mm];
        let (x, y) = crate::io::frames::pixel_centre_mm(col as f64, row as f64, [px, py], window);
        Point3::new(x, y, 0.0)
    }

    /// Camera-frame points of a depth image (valid pixels only), in row-major order.
    pub fn points(&self, depth: &[f32]) -> Vec<Point3<f64>> {
        self.camera().points(depth).into_iter().map(|(_, p)| p).collect()
    }
}

/// A camera pose looking along `dir` at `target` from `standoff` mm, image columns along `across`.
fn look_at(target: Point3<f64>, dir: Vector3<f64>, across: Vector3<f64>, standoff: f64) -> Isometry3<f64> {
    let z = dir.normalize();
    let x = (across - z * across.dot(&z)).normalize();
    let y = z.cross(&x);
    let r = Rotation3::from_matrix_unchecked(Matrix3::from_columns(&[x, y, z]));
    Isometry3::from_parts(Translation3::from((target - z * standoff).coords), UnitQuaternion::from_rotation_matrix(&r))
}

/// Camera poses of a clinician's full-arch sweep: occlusal left→right, buccal right→left, lingual left→right,
/// then the anterior palate for an upper jaw, with the wand turned smoothly between passes (no jumps).
/// `level` is the patient z of the occlusal surface at arc length s.
pub fn scan_path(
    spec: &ScannerSpec,
    jaw: Jaw,
    curve: &ArchCurve,
    s_range: (f64, f64),
    level: &dyn Fn(f64) -> f64,
) -> Vec<(Isometry3<f64>, &'static str)> {
    let occl = if jaw == Jaw::Upper { -Vector3::z() } else { Vector3::z() };
    let n = ((s_range.1 - s_range.0) / spec.step_mm).ceil().max(1.0) as usize;
    let along: Vec<f64> = (0..=n).map(|i| s_range.0 + (s_range.1 - s_range.0) * i as f64 / n as f64).collect();
    let mut passes: Vec<Vec<(Isometry3<f64>, &'static str)>> = Vec::new();
    let at = |s: f64, inward: f64, depth: f64| {
        let p = curve.point(s) - curve.outward(s) * inward;
        Point3::new(p.x, p.y, level(s)) - occl * depth
    };
    passes.push(
        along
            .iter()
            .map(|&s| {
                let t = curve.tangent(s);
                (look_at(at(s, 0.0, 2.0), -occl, Vector3::new(t.x, t.y, 0.0), spec.standoff_mm), "occlusal")
            })
            .collect(),
    );
    let tilt = 35f64.to_radians();
    for (pass, sign) in [("buccal", 1.0), ("lingual", -1.0)] {
        let order: Vec<f64> = if sign > 0.0 { along.iter().rev().copied().collect() } else { along.clone() };
        passes.push(
            order
                .into_iter()
                .map(|s| {
                    let t = curve.tangent(s);
                    let out = curve.outward(s);
                    let side = Vector3::new(out.x, out.y, 0.0) * sign;
                    let dir = -(side * tilt.cos() + occl * tilt.sin());
                    (look_at(at(s, 0.0, 4.0), dir, Vector3::new(t.x, t.y, 0.0), spec.standoff_mm + 2.0), pass)
                })
                .collect(),
        );
    }
    if jaw == Jaw::Upper {
        // Anterior palate (rugae): rows behind the incisors, from the lingual gingiva already scanned inward,
        // alternating direction, the first starting on the side where the lingual pass ended.
        let m = ((40.0 / spec.step_mm).ceil() as usize).max(1);
        for (row, inward) in [5.0, 9.0, 13.0, 17.0].into_iter().enumerate() {
            passes.push(
                (0..=m)
                    .map(|i| {
                        let f = if row % 2 == 0 { 1.0 - i as f64 / m as f64 } else { i as f64 / m as f64 };
                        let s = -20.0 + 40.0 * f;
                        let t = curve.tangent(s);
                        (look_at(at(s, inward, 12.0), -occl, Vector3::new(t.x, t.y, 0.0), spec.standoff_mm), "palate")
                    })
                    .collect(),
            );
        }
    }
    // Join the passes with the wand's turn from the end of one to the start of the next (≤ 4° and ≤ one step
    // per frame), as a clinician rolls the head without lifting it.
    let mut poses: Vec<(Isometry3<f64>, &'static str)> = Vec::new();
    let pass_standoff = |pass: &[(Isometry3<f64>, &'static str)]| match pass.first().map(|p| p.1) {
        Some("buccal" | "lingual") => spec.standoff_mm + 2.0,
        _ => spec.standoff_mm,
    };
    let mut last_standoff = spec.standoff_mm;
    for pass in passes {
        if let (Some(&(from, _)), Some(&(to, _))) = (poses.last(), pass.first()) {
            // Turn about the surface being looked at (the window stays at its distance from the teeth, never
            // passing through them): interpolate the viewed point, the orientation and the standoff.
            let viewed = |p: &Isometry3<f64>, d: f64| p * Point3::new(0.0, 0.0, d);
            let (da, db) = (last_standoff, pass_standoff(&pass));
            let (ta, tb) = (viewed(&from, da), viewed(&to, db));
            let angle = from.rotation.angle_to(&to.rotation).to_degrees();
            let k = ((angle / 4.0).max((tb - ta).norm() / spec.step_mm)).ceil() as usize;
            for i in 1..k {
                let t = i as f64 / k as f64;
                let rot = from.rotation.slerp(&to.rotation, t);
                let target = ta + (tb - ta) * t;
                let eye = target - rot * Vector3::z() * (da + (db - da) * t);
                poses.push((Isometry3::from_parts(Translation3::from(eye.coords), rot), "transition"));
            }
        }
        last_standoff = pass_standoff(&pass);
        poses.extend(pass);
    }
    poses
}

/// Camera poses of a buccal bite scan: the patient bites, the wand looks horizontally (across the occlusal
/// plane, towards the tongue) at the buccal surfaces of both jaws, swept along `s_range` of the arch;
/// `level` is the patient z where upper and lower teeth meet at arc length s.
pub fn bite_path(
    spec: &ScannerSpec,
    curve: &ArchCurve,
    s_range: (f64, f64),
    level: &dyn Fn(f64) -> f64,
) -> Vec<(Isometry3<f64>, &'static str)> {
    let n = ((s_range.1 - s_range.0) / spec.step_mm).ceil().max(1.0) as usize;
    (0..=n)
        .map(|i| {
            let s = s_range.0 + (s_range.1 - s_range.0) * i as f64 / n as f64;
            let (p, t, out) = (curve.point(s), curve.tangent(s), curve.outward(s));
            let side = Vector3::new(out.x, out.y, 0.0).normalize();
            let target = Point3::new(p.x, p.y, level(s));
            (look_at(target, -side, Vector3::new(t.x, t.y, 0.0), spec.standoff_mm + 4.0), "bite")
        })
        .collect()
}

/// Renders frames of `mesh` from the given poses with the scanner's noise model.
pub fn scan(
    spec: &ScannerSpec,
    jaw: Option<Jaw>,
    mesh: &Mesh,
    poses: &[(Isometry3<f64>, &'static str)],
) -> ScanSession {
    let Some(index) = SurfaceIndex::new(mesh) else {
        return ScanSession { spec: spec.clone(), jaw, frames: Vec::new() };
    };
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let noise = Normal::new(0.0, spec.noise_sigma_mm.max(0.0)).expect("finite");
    let jitter_t = Normal::new(0.0, spec.odometry_sigma_mm.max(0.0)).expect("finite");
    let jitter_r = Normal::new(0.0, spec.odometry_sigma_deg.max(0.0).to_radians()).expect("finite");
    let cos_limit = spec.grazing_limit_deg.to_radians().cos();
    let mut frames = Vec::with_capacity(poses.len());
    for &(pose, pass) in poses {
        let dir = pose.rotation * Vector3::z();
        let mut depth = vec![f32::NAN; spec.width_px * spec.height_px];
        for row in 0..spec.height_px {
            for col in 0..spec.width_px {
                let o = pose * spec.pixel_origin(col, row);
                let Some(hit) = index.ray(&(o + dir * spec.near_mm), &dir, spec.far_mm - spec.near_mm) else {
                    continue;
                };
                let facing = -hit.normal.dot(&dir);
                if facing < cos_limit {
                    continue;
                }
                let mut d = hit.distance + spec.near_mm + noise.sample(&mut rng);
                let u: f64 = rng.random();
                if u < spec.dropout_rate {
                    continue;
                }
                if u < spec.dropout_rate + spec.outlier_rate {
                    d += rng.random_range(-2.0..2.0);
                }
                depth[row * spec.width_px + col] = d as f32;
            }
        }
        let dt = Vector3::new(jitter_t.sample(&mut rng), jitter_t.sample(&mut rng), jitter_t.sample(&mut rng));
        let dr = UnitQuaternion::from_euler_angles(
            jitter_r.sample(&mut rng),
            jitter_r.sample(&mut rng),
            jitter_r.sample(&mut rng),
        );
        let guess = Isometry3::from_parts(Translation3::from(pose.translation.vector + dt), dr * pose.rotation);
        frames.push(Frame { depth, truth: pose, guess, pass });
    }
    ScanSession { spec: spec.clone(), jaw, frames }
}
