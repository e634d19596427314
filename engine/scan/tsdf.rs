//! A sparse truncated signed-distance volume: 8³-voxel blocks in a hash map, allocated only near the surface.
//!
//! Signed distance is measured along the camera's viewing direction, positive in front of the surface (free
//! space), negative behind it, truncated to ±`truncation` and stored divided by it. Each voxel keeps the
//! running weighted mean of its observations.

use crate::io::frames::Camera;
use nalgebra::{Isometry3, Point3};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// Voxels per block edge.
pub const BLOCK: i32 = 8;
const BLOCK_VOXELS: usize = (BLOCK * BLOCK * BLOCK) as usize;
/// Weight a voxel stops growing at, so the model can still follow (e.g. a rescanned area).
const MAX_WEIGHT: f32 = 64.0;

/// One block: normalised signed distance and weight per voxel, x fastest.
#[derive(Clone)]
pub struct Block {
    /// Signed distance / truncation, in [−1, 1].
    pub sdf: [f32; BLOCK_VOXELS],
    /// Observation weight (0 = never seen).
    pub weight: [f32; BLOCK_VOXELS],
}

impl Default for Block {
    fn default() -> Self {
        Self { sdf: [1.0; BLOCK_VOXELS], weight: [0.0; BLOCK_VOXELS] }
    }
}

/// The sparse volume.
#[derive(Clone)]
pub struct Tsdf {
    /// Voxel edge (mm).
    pub voxel: f64,
    /// Truncation distance (mm).
    pub truncation: f64,
    /// Blocks by block coordinate.
    pub blocks: FxHashMap<[i32; 3], Box<Block>>,
}

impl std::fmt::Debug for Tsdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tsdf").field("voxel", &self.voxel).field("blocks", &self.blocks.len()).finish()
    }
}

/// Depth at a camera-frame position by bilinear interpolation of the four nearest pixels (all valid and within
/// `tol` mm of each other), else the nearest pixel's depth.
fn sample_depth(camera: &Camera, depth: &[f32], x: f64, y: f64, tol: f64) -> Option<f64> {
    let (u, v) = camera.pixel_at(x, y);
    let (w, h) = (camera.width_px as i64, camera.height_px as i64);
    let (c0, r0) = (u.floor() as i64, v.floor() as i64);
    let at = |c: i64, r: i64| -> Option<f64> {
        if c < 0 || r < 0 || c >= w || r >= h {
            return None;
        }
        let d = depth[(r * w + c) as usize];
        d.is_finite().then_some(f64::from(d))
    };
    let (fu, fv) = (u - c0 as f64, v - r0 as f64);
    if let (Some(a), Some(b), Some(c), Some(d)) = (at(c0, r0), at(c0 + 1, r0), at(c0, r0 + 1), at(c0 + 1, r0 + 1)) {
        let (lo, hi) = (a.min(b).min(c).min(d), a.max(b).max(c).max(d));
        if hi - lo <= tol {
            return Some((a * (1.0 - fu) + b * fu) * (1.0 - fv) + (c * (1.0 - fu) + d * fu) * fv);
        }
    }
    at(u.round() as i64, v.round() as i64)
}

impl Tsdf {
    /// An empty volume.
    pub fn new(voxel: f64, truncation: f64) -> Self {
        Self { voxel, truncation, blocks: FxHashMap::default() }
    }

    /// Block and voxel-in-block of a voxel coordinate.
    pub fn split(ijk: [i32; 3]) -> ([i32; 3], usize) {
        let b = ijk.map(|c| c.div_euclid(BLOCK));
        let l = ijk.map(|c| c.rem_euclid(BLOCK));
        (b, (l[0] + BLOCK * (l[1] + BLOCK * l[2])) as usize)
    }

    /// (normalised sdf, weight) of a voxel, if its block exists.
    pub fn voxel(&self, ijk: [i32; 3]) -> Option<(f32, f32)> {
        let (b, i) = Self::split(ijk);
        self.blocks.get(&b).map(|blk| (blk.sdf[i], blk.weight[i]))
    }

    /// Centre of a voxel (mm, world frame).
    pub fn center(&self, ijk: [i32; 3]) -> Point3<f64> {
        Point3::new(
            (f64::from(ijk[0]) + 0.5) * self.voxel,
            (f64::from(ijk[1]) + 0.5) * self.voxel,
            (f64::from(ijk[2]) + 0.5) * self.voxel,
        )
    }

    /// Fuses one depth frame taken from `world_from_camera`.
    pub fn integrate(&mut self, camera: &Camera, depth: &[f32], world_from_camera: &Isometry3<f64>) {
        let tau = self.truncation;
        let block_mm = self.voxel * f64::from(BLOCK);
        // Blocks the band |sdf| < τ around the measured surface passes through.
        let mut touched: FxHashSet<[i32; 3]> = FxHashSet::default();
        for (_, p) in camera.points(depth) {
            for t in [-tau, 0.0, tau] {
                let w = world_from_camera * nalgebra::Point3::new(p.x, p.y, p.z + t);
                touched.insert([w.x, w.y, w.z].map(|c| (c / block_mm).floor() as i32));
            }
        }
        let camera_from_world = world_from_camera.inverse();
        let voxel = self.voxel;
        // Take the touched blocks out of the map, update them in parallel, put them back.
        let mut work: Vec<([i32; 3], Box<Block>)> =
            touched.into_iter().map(|k| (k, self.blocks.remove(&k).unwrap_or_default())).collect();
        work.par_iter_mut().for_each(|(key, block)| {
            for z in 0..BLOCK {
                for y in 0..BLOCK {
                    for x in 0..BLOCK {
                        let ijk = [key[0] * BLOCK + x, key[1] * BLOCK + y, key[2] * BLOCK + z];
                        let c = Point3::new(
                            (f64::from(ijk[0]) + 0.5) * voxel,
                            (f64::from(ijk[1]) + 0.5) * voxel,
                            (f64::from(ijk[2]) + 0.5) * voxel,
                        );
                        let q = camera_from_world * c;
                        if q.z < camera.near_mm || q.z > camera.far_mm + tau {
                            continue;
                        }
                        let Some(d) = sample_depth(camera, depth, q.x, q.y, tau) else { continue };
                        let sdf = d - q.z;
                        if sdf < -tau {
                            continue; // occluded: behind the surface seen
                        }
                        let v = (sdf / tau).min(1.0) as f32;
                        let i = (x + BLOCK * (y + BLOCK * z)) as usize;
                        let w = block.weight[i];
                        block.sdf[i] = (block.sdf[i] * w + v) / (w + 1.0);
                        block.weight[i] = (w + 1.0).min(MAX_WEIGHT);
                    }
                }
            }
        });
        self.blocks.extend(work);
    }
}
