//! A scanning session: each frame registered onto what has been scanned so far, then fused.
//!
//! `register_frame` follows the algorithm box of a LiDAR odometry (KISS-ICP), adapted to a small
//! telecentric head: preprocess → predict → local map → coarse-to-fine point-to-plane ICP → gate → update.

use super::tsdf::Tsdf;
use crate::io::frames::Camera;
use crate::registration::{icp, IcpOptions, Kernel, Method, Target};
use nalgebra::{Isometry3, Point3, Vector3};
use rustc_hash::FxHashMap;

/// Settings of a scanning session (defaults suit a 15 × 12 mm head at ~0.1 mm pixels).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ScanOptions {
    /// TSDF voxel edge (mm).
    pub voxel_mm: f64,
    /// TSDF truncation (mm).
    pub truncation_mm: f64,
    /// One model point is kept per map cell of this size (mm).
    pub map_cell_mm: f64,
    /// Every n-th pixel (in both directions) of a frame takes part in registration.
    pub source_stride: usize,
    /// Model points within this distance (mm) of the predicted view centre form the local map.
    pub local_radius_mm: f64,
    /// Distance (mm) from the window to the view centre used for the local map.
    pub view_depth_mm: f64,
    /// A frame whose inlier fraction is below this is skipped (too little overlap or a jump).
    pub min_inlier_fraction: f64,
    /// A frame whose RMS (mm) is above this is skipped.
    pub max_rms_mm: f64,
    /// A frame found again after a failure (relocalised) needs at least this inlier fraction.
    pub relocalise_inlier_fraction: f64,
    /// A pixel farther than this (mm) from the median depth of its 3 × 3 neighbourhood is a spike and dropped.
    pub spike_mm: f64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            voxel_mm: 0.1,
            truncation_mm: 0.4,
            map_cell_mm: 0.2,
            source_stride: 3,
            local_radius_mm: 16.0,
            view_depth_mm: 10.0,
            min_inlier_fraction: 0.5,
            max_rms_mm: 0.05,
            relocalise_inlier_fraction: 0.85,
            spike_mm: 0.08,
        }
    }
}

/// What happened to one frame.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameStatus {
    /// The first frame: it defines the model frame.
    First,
    /// Registered and fused.
    Registered,
    /// Not registered (and not fused), with the reason.
    Skipped(String),
}

/// Registration outcome of one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameReport {
    /// Index of the frame in the session.
    pub index: usize,
    /// What happened.
    pub status: FrameStatus,
    /// model_from_camera, when registered.
    pub pose: Option<Isometry3<f64>>,
    /// RMS point-to-plane residual (mm) of the final alignment.
    pub rms_mm: f64,
    /// Fraction of the frame's points that fit the model.
    pub inlier_fraction: f64,
}

/// Model points (model frame, mm) with normals, one per map cell, and a coarse grid for local queries.
#[derive(Default)]
struct PointMap {
    cell: f64,
    seen: FxHashMap<[i32; 3], u32>,
    points: Vec<Point3<f64>>,
    normals: Vec<Vector3<f64>>,
    coarse: FxHashMap<[i32; 3], Vec<u32>>,
}

const COARSE_MM: f64 = 2.0;

impl PointMap {
    fn insert(&mut self, p: Point3<f64>, n: Vector3<f64>) {
        let key = [p.x, p.y, p.z].map(|c| (c / self.cell).floor() as i32);
        if self.seen.contains_key(&key) {
            return;
        }
        let id = self.points.len() as u32;
        self.seen.insert(key, id);
        self.points.push(p);
        self.normals.push(n);
        self.coarse.entry([p.x, p.y, p.z].map(|c| (c / COARSE_MM).floor() as i32)).or_default().push(id);
    }

    fn local(&self, centre: &Point3<f64>, radius: f64) -> (Vec<Point3<f64>>, Vec<Vector3<f64>>) {
        let lo = [centre.x, centre.y, centre.z].map(|c| ((c - radius) / COARSE_MM).floor() as i32);
        let hi = [centre.x, centre.y, centre.z].map(|c| ((c + radius) / COARSE_MM).floor() as i32);
        let (mut p, mut n) = (Vec::new(), Vec::new());
        for x in lo[0]..=hi[0] {
            for y in lo[1]..=hi[1] {
                for z in lo[2]..=hi[2] {
                    for &i in self.coarse.get(&[x, y, z]).map(Vec::as_slice).unwrap_or(&[]) {
                        let q = self.points[i as usize];
                        if (q - centre).norm_squared() <= radius * radius {
                            p.push(q);
                            n.push(self.normals[i as usize]);
                        }
                    }
                }
            }
        }
        (p, n)
    }
}

/// Fine alignment of `src` from `pose` onto `target`: gates of 1, 0.5 and 0.25 mm, Huber then Tukey.
fn refine(src: &[Point3<f64>], mut pose: Isometry3<f64>, target: &Target) -> crate::registration::IcpResult {
    let mut result = None;
    for (gate, kernel) in [(1.0, Kernel::Huber(0.1)), (0.5, Kernel::Tukey(0.2)), (0.25, Kernel::Tukey(0.06))] {
        let o = IcpOptions {
            method: Method::PointToPlane,
            kernel,
            max_distance_mm: gate,
            max_iterations: 30,
            trim_fraction: 0.05,
            ..IcpOptions::default()
        };
        let r = icp(src, target, &pose, &o);
        pose = r.target_from_source;
        result = Some(r);
    }
    result.expect("three gates ran")
}

/// The depth image without spikes: a pixel farther than `limit_mm` from the median of its 3 × 3
/// neighbourhood (itself included; at least five valid depths) becomes NaN. On a smooth surface, sloped or
/// not, the median is the pixel's own depth to within the noise; a spike is not.
pub fn despike(depth: &[f32], width: usize, height: usize, limit_mm: f64) -> Vec<f32> {
    let mut out = depth.to_vec();
    let mut window = Vec::with_capacity(9);
    for r in 0..height {
        for c in 0..width {
            let d = depth[r * width + c];
            if !d.is_finite() {
                continue;
            }
            window.clear();
            for rr in r.saturating_sub(1)..(r + 2).min(height) {
                for cc in c.saturating_sub(1)..(c + 2).min(width) {
                    let v = depth[rr * width + cc];
                    if v.is_finite() {
                        window.push(v);
                    }
                }
            }
            if window.len() < 5 {
                continue;
            }
            let mid = window.len() / 2;
            let (_, median, _) = window.select_nth_unstable_by(mid, f32::total_cmp);
            if f64::from((d - *median).abs()) > limit_mm {
                out[r * width + c] = f32::NAN;
            }
        }
    }
    out
}

/// Camera-frame points of a depth image with normals from the image grid, every `stride`-th pixel.
pub fn frame_points(camera: &Camera, depth: &[f32], stride: usize) -> (Vec<Point3<f64>>, Vec<Vector3<f64>>) {
    let (w, h) = (camera.width_px, camera.height_px);
    let at = |c: usize, r: usize| -> Option<Point3<f64>> {
        let d = depth[r * w + c];
        d.is_finite().then(|| {
            let (x, y) = camera.pixel_centre(c, r);
            Point3::new(x, y, f64::from(d))
        })
    };
    let (mut pts, mut nrm) = (Vec::new(), Vec::new());
    let s = stride.max(1);
    for r in (1..h.saturating_sub(1)).step_by(s) {
        for c in (1..w.saturating_sub(1)).step_by(s) {
            let (Some(p), Some(l), Some(rt), Some(u), Some(d)) =
                (at(c, r), at(c - 1, r), at(c + 1, r), at(c, r - 1), at(c, r + 1))
            else {
                continue;
            };
            // Neighbours across a depth jump belong to another surface.
            if [l, rt, u, d].iter().any(|q| (q.z - p.z).abs() > 0.5) {
                continue;
            }
            let Some(n) = (rt - l).cross(&(d - u)).try_normalize(1e-12) else { continue };
            pts.push(p);
            nrm.push(if n.z > 0.0 { -n } else { n });
        }
    }
    (pts, nrm)
}

/// A scanning session in progress.
pub struct ScanSession {
    camera: Camera,
    opts: ScanOptions,
    /// The fused volume (model frame).
    pub volume: Tsdf,
    map: PointMap,
    /// Per frame: model_from_camera if registered.
    pub poses: Vec<Option<Isometry3<f64>>>,
    last: Option<(Isometry3<f64>, Option<Isometry3<f64>>)>,
    velocity: Isometry3<f64>,
    /// Per frame: its (despiked) depth image if registered, kept for re-fusion after loop closure (not saved
    /// with the session).
    depths: Vec<Option<Vec<f32>>>,
}

impl std::fmt::Debug for ScanSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanSession")
            .field("frames", &self.poses.len())
            .field("model_points", &self.map.points.len())
            .finish()
    }
}

impl ScanSession {
    /// A new, empty session for a camera.
    pub fn new(camera: Camera, opts: ScanOptions) -> Self {
        let volume = Tsdf::new(opts.voxel_mm, opts.truncation_mm);
        let map = PointMap { cell: opts.map_cell_mm, ..PointMap::default() };
        Self {
            camera,
            opts,
            volume,
            map,
            poses: Vec::new(),
            last: None,
            velocity: Isometry3::identity(),
            depths: Vec::new(),
        }
    }

    /// Registers one frame onto the model and fuses it; `guess` is the device odometry (model frame), if any.
    pub fn register_frame(&mut self, depth: &[f32], guess: Option<&Isometry3<f64>>) -> FrameReport {
        let index = self.poses.len();
        // 0. Spikes out: neither registration nor the volume sees them.
        let filtered = despike(depth, self.camera.width_px, self.camera.height_px, self.opts.spike_mm);
        let depth = &filtered[..];
        // 1. Preprocess: points with normals, every stride-th pixel.
        let (src, _) = frame_points(&self.camera, depth, self.opts.source_stride);
        let Some((last_pose, last_guess)) = self.last else {
            // The first frame defines the model frame (or the odometry's, when the device gives one).
            let pose = guess.copied().unwrap_or_else(Isometry3::identity);
            self.accept(depth, pose, guess.copied());
            return FrameReport {
                index,
                status: FrameStatus::First,
                pose: Some(pose),
                rms_mm: 0.0,
                inlier_fraction: 1.0,
            };
        };
        if src.len() < 50 {
            return self.skip(index, format!("only {} valid points", src.len()));
        }
        // 2. Predict: relative odometry since the last registered frame, constant velocity, standing still.
        let mut candidates = vec![last_pose * self.velocity, last_pose];
        if let (Some(g), Some(lg)) = (guess, last_guess) {
            candidates.insert(0, last_pose * (lg.inverse() * g));
        }
        // 3–4. Local map around each prediction, coarse-to-fine point-to-plane ICP; keep the best fit.
        let mut best = self.align(&src, &candidates);
        let fits = |r: &Option<crate::registration::IcpResult>, o: &ScanOptions| {
            r.as_ref().is_some_and(|r| r.inlier_fraction >= o.min_inlier_fraction && r.rms_mm <= o.max_rms_mm)
        };
        if !fits(&best, &self.opts) {
            // Relocalise: the wand may be back over surface scanned earlier; try poses seen before.
            let seen: Vec<Isometry3<f64>> = self.poses.iter().flatten().copied().collect();
            let step = seen.len().div_ceil(40).max(1);
            let mut again: Vec<Isometry3<f64>> = seen.into_iter().rev().step_by(step).collect();
            if let Some(g) = guess {
                again.insert(0, *g);
            }
            // A relocalised fit must be clearly right: arches are nearly mirror-symmetric, so a weak match on the
            // wrong side would corrupt the model for good.
            let second = self.align(&src, &again).filter(|r| r.inlier_fraction >= self.opts.relocalise_inlier_fraction);
            if second.as_ref().map_or(0.0, |r| r.inlier_fraction) > best.as_ref().map_or(0.0, |r| r.inlier_fraction) {
                best = second;
            }
        }
        let Some(r) = best else {
            return self.skip(index, "no model surface near any predicted view".into());
        };
        let pose = r.target_from_source;
        // 5. Gate: a frame that does not fit is reported and skipped; the next one tries again.
        if !fits(&Some(r), &self.opts) {
            let mut rep =
                self.skip(index, format!("poor fit: inlier fraction {:.2}, RMS {:.3} mm", r.inlier_fraction, r.rms_mm));
            rep.rms_mm = r.rms_mm;
            rep.inlier_fraction = r.inlier_fraction;
            return rep;
        }
        // 6. Update: velocity, map, volume.
        self.velocity = last_pose.inverse() * pose;
        self.velocity.rotation = nalgebra::UnitQuaternion::new_normalize(self.velocity.rotation.into_inner());
        self.accept(depth, pose, guess.copied());
        FrameReport {
            index,
            status: FrameStatus::Registered,
            pose: Some(pose),
            rms_mm: r.rms_mm,
            inlier_fraction: r.inlier_fraction,
        }
    }

    /// Coarse alignment from each candidate pose (on a subsample), then fine alignment from the best one.
    fn align(&self, src: &[Point3<f64>], candidates: &[Isometry3<f64>]) -> Option<crate::registration::IcpResult> {
        // One local map for all predictions: around the first, wide enough to hold the others' views (a
        // prediction farther away than 8 mm gets its own).
        let centre_of = |pose: &Isometry3<f64>| pose * Point3::new(0.0, 0.0, self.opts.view_depth_mm);
        let first = centre_of(candidates.first()?);
        let spread = candidates.iter().map(|c| (centre_of(c) - first).norm()).filter(|d| *d <= 8.0).fold(0.0, f64::max);
        let build = |centre: &Point3<f64>, radius: f64| {
            let (mp, mn) = self.map.local(centre, radius);
            (mp.len() >= 100).then(|| Target::new(mp, Some(mn)))
        };
        let shared = build(&first, self.opts.local_radius_mm + spread);
        // A pose whose view lies within the shared map's reach uses it; another gets its own.
        let target_for = |pose: &Isometry3<f64>, own: &mut Option<Target>| -> bool {
            if (centre_of(pose) - first).norm() <= spread + 1.0 {
                false
            } else {
                *own = build(&centre_of(pose), self.opts.local_radius_mm);
                true
            }
        };
        let coarse_src: Vec<Point3<f64>> = src.iter().step_by(3).copied().collect();
        let coarse = IcpOptions {
            method: Method::PointToPlane,
            kernel: Kernel::Huber(0.2),
            max_distance_mm: 3.0,
            max_iterations: 20,
            inlier_mm: 0.2,
            ..IcpOptions::default()
        };
        // Coarse fits from every prediction; those that end in different places are all refined, and the
        // refined fit with most inliers (then least RMS) wins: along a smooth, featureless stretch (the
        // lingual faces of the incisors) a coarse fit cannot tell a slid pose from the right one, a fine one can.
        let mut starts: Vec<(f64, Isometry3<f64>)> = Vec::new();
        for c in candidates {
            let mut own = None;
            let target = if target_for(c, &mut own) { own.as_ref() } else { shared.as_ref() };
            let Some(target) = target else { continue };
            let r = icp(&coarse_src, target, c, &coarse);
            let p = r.target_from_source;
            let known = starts.iter().any(|(_, q)| {
                (q.translation.vector - p.translation.vector).norm() < 0.05 && q.rotation.angle_to(&p.rotation) < 0.004
            });
            if !known {
                starts.push((r.inlier_fraction, p));
            }
        }
        starts.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut best: Option<crate::registration::IcpResult> = None;
        for (_, start) in starts.into_iter().take(2) {
            let mut own = None;
            let target = if target_for(&start, &mut own) { own.as_ref() } else { shared.as_ref() };
            let Some(target) = target else { continue };
            let r = refine(src, start, target);
            let better = best.as_ref().is_none_or(|b| {
                r.inlier_fraction > b.inlier_fraction + 0.01
                    || (r.inlier_fraction > b.inlier_fraction - 0.01 && r.rms_mm < b.rms_mm)
            });
            if better {
                best = Some(r);
            }
        }
        best
    }

    fn accept(&mut self, depth: &[f32], pose: Isometry3<f64>, guess: Option<Isometry3<f64>>) {
        self.add_to_model(depth, &pose);
        self.poses.push(Some(pose));
        self.depths.push(Some(depth.to_vec()));
        self.last = Some((pose, guess));
    }

    /// Fuses a frame at `pose` into the volume and adds every pixel to the model map (one point per map
    /// cell), whatever stride registration used.
    fn add_to_model(&mut self, depth: &[f32], pose: &Isometry3<f64>) {
        let (pts, nrm) = frame_points(&self.camera, depth, 1);
        for (p, n) in pts.iter().zip(&nrm) {
            self.map.insert(pose * p, pose.rotation * n);
        }
        self.volume.integrate(&self.camera, depth, pose);
    }

    fn skip(&mut self, index: usize, reason: String) -> FrameReport {
        self.poses.push(None);
        self.depths.push(None);
        self.velocity = Isometry3::identity();
        FrameReport { index, status: FrameStatus::Skipped(reason), pose: None, rms_mm: f64::NAN, inlier_fraction: 0.0 }
    }
}

/// Points with unit normals (camera frame, mm).
type OrientedPoints = (Vec<Point3<f64>>, Vec<Vector3<f64>>);

/// What loop closure did to a session.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LoopClosure {
    /// Keyframes in the pose graph.
    pub keyframes: usize,
    /// Loop closures found (keyframe pairs far apart in the sweep that see the same surface).
    pub loop_closures: usize,
    /// Weighted squared error of the graph before and after optimisation.
    pub cost_before: f64,
    /// … after.
    pub cost_after: f64,
    /// Largest change of a frame's position by the optimisation (mm, at the view centre).
    pub largest_move_mm: f64,
}

impl ScanSession {
    /// Drift control after (or during) a sweep: keyframes (every 3 mm or 10° of wand motion) in a pose graph
    /// with the registered steps between them and loop closures — keyframes at least five apart whose views
    /// overlap (centres within 4 mm, directions within 30°), registered pairwise (point-to-plane ICP, kept
    /// at ≥ 60 % inliers, ≤ 30 µm RMS and within 0.2 mm / 0.5° of the sweep's registration);
    /// Levenberg–Marquardt moves the keyframes, every frame follows its keyframe, and the volume and model
    /// map are rebuilt from the kept depth images. `None` when frames from before a saved session was
    /// loaded have no depth image here.
    pub fn close_loops(&mut self) -> Option<LoopClosure> {
        use super::posegraph::{Constraint, PoseGraph};
        if self.poses.iter().zip(&self.depths).any(|(p, d)| p.is_some() && d.is_none()) {
            return None;
        }
        let view = |p: &Isometry3<f64>| (p * Point3::new(0.0, 0.0, self.opts.view_depth_mm), p.rotation * Vector3::z());
        // Keyframes, and for every registered frame the keyframe it follows.
        let mut keys: Vec<usize> = Vec::new();
        let mut follows: Vec<Option<usize>> = vec![None; self.poses.len()];
        for (i, p) in self.poses.iter().enumerate() {
            let Some(p) = p else { continue };
            let new_key = keys.last().is_none_or(|&k| {
                let (c0, d0) = view(&self.poses[k].expect("keyframes are registered"));
                let (c1, d1) = view(p);
                (c1 - c0).norm() >= 3.0 || d0.angle(&d1) >= 10f64.to_radians()
            });
            if new_key {
                keys.push(i);
            }
            follows[i] = Some(keys.len() - 1);
        }
        if keys.len() < 3 {
            return Some(LoopClosure {
                keyframes: keys.len(),
                loop_closures: 0,
                cost_before: 0.0,
                cost_after: 0.0,
                largest_move_mm: 0.0,
            });
        }
        let old: Vec<Isometry3<f64>> = keys.iter().map(|&k| self.poses[k].expect("registered")).collect();
        let mut graph = PoseGraph::default();
        let nodes: Vec<_> = old.iter().map(|p| graph.add_pose(*p)).collect();
        for w in 0..keys.len() - 1 {
            let measured = old[w].inverse() * old[w + 1];
            // Steps come from registration onto the whole model: trusted four times a pairwise loop closure.
            graph.add_constraint(nodes[w], nodes[w + 1], Constraint { measured, weight: 4.0, loop_closure: false });
        }
        // Loop closures, pairwise on the keyframes' own points.
        let clouds: Vec<OrientedPoints> =
            keys.iter().map(|&k| frame_points(&self.camera, self.depths[k].as_deref().expect("kept"), 2)).collect();
        let mut loops = 0;
        for j in 0..keys.len() {
            let mut found = 0;
            for i in 0..j.saturating_sub(4) {
                let ((ci, di), (cj, dj)) = (view(&old[i]), view(&old[j]));
                if (ci - cj).norm() > 4.0 || di.angle(&dj) > 30f64.to_radians() || found >= 3 {
                    continue;
                }
                if clouds[i].0.len() < 200 || clouds[j].0.len() < 200 {
                    continue;
                }
                let target = Target::new(clouds[i].0.clone(), Some(clouds[i].1.clone()));
                let src: Vec<Point3<f64>> = clouds[j].0.iter().step_by(2).copied().collect();
                let r = refine(&src, old[i].inverse() * old[j], &target);
                // The sweep's own registration is onto the whole model and already close: a pairwise fit
                // that disagrees with it by more than 0.2 mm or 0.5° slid along a featureless stretch.
                let change = (old[i].inverse() * old[j]).inverse() * r.target_from_source;
                let agrees = change.translation.vector.norm() <= 0.2 && change.rotation.angle() <= 0.5f64.to_radians();
                if r.inlier_fraction >= 0.6 && r.rms_mm <= 0.03 && agrees {
                    graph.add_constraint(
                        nodes[i],
                        nodes[j],
                        Constraint { measured: r.target_from_source, weight: 1.0, loop_closure: true },
                    );
                    loops += 1;
                    found += 1;
                }
            }
        }
        let opt = graph.optimize(nodes[0], 30);
        let new: Vec<Isometry3<f64>> = nodes.iter().map(|n| graph.graph[*n]).collect();
        // Every frame follows its keyframe; the volume and the map are rebuilt.
        let mut largest: f64 = 0.0;
        for (i, p) in self.poses.iter_mut().enumerate() {
            if let (Some(p), Some(k)) = (p.as_mut(), follows[i]) {
                let moved = new[k] * old[k].inverse() * *p;
                largest = largest.max((view(&moved).0 - view(p).0).norm());
                *p = moved;
            }
        }
        self.volume = Tsdf::new(self.opts.voxel_mm, self.opts.truncation_mm);
        self.map = PointMap { cell: self.opts.map_cell_mm, ..PointMap::default() };
        let (poses, depths) = (self.poses.clone(), std::mem::take(&mut self.depths));
        for (p, d) in poses.iter().zip(&depths) {
            if let (Some(p), Some(d)) = (p, d) {
                self.add_to_model(d, p);
            }
        }
        self.depths = depths;
        if let (Some((_, g)), Some(p)) = (self.last, self.poses.iter().rev().flatten().next()) {
            self.last = Some((*p, g));
        }
        Some(LoopClosure {
            keyframes: keys.len(),
            loop_closures: loops,
            cost_before: opt.initial_cost,
            cost_after: opt.final_cost,
            largest_move_mm: largest,
        })
    }
}

/// Magic bytes of a saved session file.
const SESSION_MAGIC: &[u8; 8] = b"CUSPSES1";

#[derive(serde::Serialize, serde::Deserialize)]
struct SessionHeader {
    format: String,
    camera: Camera,
    options: ScanOptions,
    /// model_from_camera per frame so far (None: skipped).
    poses: Vec<Option<crate::io::frames::PoseRecord>>,
    /// Last registered pose and its odometry guess.
    last: Option<(crate::io::frames::PoseRecord, Option<crate::io::frames::PoseRecord>)>,
    velocity: crate::io::frames::PoseRecord,
    blocks: usize,
    map_points: usize,
}

impl ScanSession {
    /// Encodes the session so that scanning can continue later: `CUSPSES1`, a u64 length and a JSON header
    /// (camera, options, poses), then the TSDF blocks (block key as 3 × i32, then 512 f32 distances and 512
    /// f32 weights, sorted by key) and the model map (6 f64 per point: position, normal), all little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        use crate::io::frames::PoseRecord as P;
        let header = SessionHeader {
            format: "cusp scan session v1".into(),
            camera: self.camera.clone(),
            options: self.opts.clone(),
            poses: self.poses.iter().map(|p| p.as_ref().map(P::from_isometry)).collect(),
            last: self.last.map(|(p, g)| (P::from_isometry(&p), g.as_ref().map(P::from_isometry))),
            velocity: P::from_isometry(&self.velocity),
            blocks: self.volume.blocks.len(),
            map_points: self.map.points.len(),
        };
        let json = serde_json::to_vec(&header).unwrap_or_default();
        let mut out =
            Vec::with_capacity(16 + json.len() + self.volume.blocks.len() * 4108 + self.map.points.len() * 48);
        out.extend_from_slice(SESSION_MAGIC);
        out.extend_from_slice(&(json.len() as u64).to_le_bytes());
        out.extend_from_slice(&json);
        let mut keys: Vec<&[i32; 3]> = self.volume.blocks.keys().collect();
        keys.sort_unstable();
        for k in keys {
            let b = &self.volume.blocks[k];
            k.iter().for_each(|c| out.extend_from_slice(&c.to_le_bytes()));
            b.sdf.iter().chain(b.weight.iter()).for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        for (p, n) in self.map.points.iter().zip(&self.map.normals) {
            [p.x, p.y, p.z, n.x, n.y, n.z].iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        out
    }

    /// Decodes a saved session (see [`ScanSession::to_bytes`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, crate::io::ParseError> {
        use crate::io::{ParseError, Place};
        const F: &str = "scan session";
        let err = |at: usize, m: &str| ParseError::new(F, Place::Byte(at as u64), m.to_string());
        if bytes.len() < 16 || &bytes[..8] != SESSION_MAGIC {
            return Err(err(0, "does not start with 'CUSPSES1'"));
        }
        let len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
        let json = bytes.get(16..16usize.saturating_add(len)).ok_or_else(|| err(16, "file ends inside the header"))?;
        let h: SessionHeader = serde_json::from_slice(json).map_err(|e| err(16, &format!("header: {e}")))?;
        let mut pos = 16 + len;
        let need =
            h.blocks.checked_mul(12 + 4096).and_then(|b| h.map_points.checked_mul(48).and_then(|m| b.checked_add(m)));
        if need != Some(bytes.len() - pos) {
            return Err(err(pos, "the header's block and point counts do not match the file's size"));
        }
        let mut s = ScanSession::new(h.camera, h.options);
        let f32s = |b: &[u8]| -> Vec<f32> {
            b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        };
        for _ in 0..h.blocks {
            let key: Vec<i32> =
                bytes[pos..pos + 12].chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            let vals = f32s(&bytes[pos + 12..pos + 12 + 4096]);
            let mut block = Box::<super::tsdf::Block>::default();
            block.sdf.copy_from_slice(&vals[..512]);
            block.weight.copy_from_slice(&vals[512..]);
            s.volume.blocks.insert([key[0], key[1], key[2]], block);
            pos += 12 + 4096;
        }
        for _ in 0..h.map_points {
            let v: Vec<f64> = bytes[pos..pos + 48]
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            s.map.insert(Point3::new(v[0], v[1], v[2]), Vector3::new(v[3], v[4], v[5]));
            pos += 48;
        }
        s.poses = h.poses.iter().map(|p| p.map(|p| p.to_isometry())).collect();
        s.depths = vec![None; s.poses.len()];
        s.last = h.last.map(|(p, g)| (p.to_isometry(), g.map(|g| g.to_isometry())));
        s.velocity = h.velocity.to_isometry();
        Ok(s)
    }
}
