//! Bite settling without a bite record: the lower jaw, a rigid body, closes onto the fixed upper jaw and
//! comes to rest in maximal intercuspation — an estimate, within 0.02–0.13 mm of the true bite on phantoms
//! (see "Measured"); a bite scan (`register_bite`) is the accurate way.
//!
//! Maximal intercuspation is defined by the teeth alone ("the complete intercuspation of the opposing teeth
//! independent of condylar position", Glossary of Prosthodontic Terms): of the poses in which the jaw rests
//! on the upper teeth under a closing force, the one where the teeth meet most fully. So:
//!
//! 1. **Close about the hinge** (the transverse axis through the condyles, placed by Bonwill's triangle)
//!    until the teeth first touch, as a mouth closes.
//! 2. **Seat**: under a closing force through the middle of the arch, a jaw touching at one point tips
//!    about it until a second touches, about the line through both until a third, and so on until the
//!    force falls inside the triangle of contacts. Exactly that walk is done on the gaps along the closing
//!    direction from probes on both jaws' occlusal surfaces to the other: the highest plane below all the
//!    gaps at the arch's middle (a facet of their lower hull), redone three times as the turns move the
//!    probes. After the hinge closing the gaps are read from two height fields (each jaw's surface seen
//!    along the closing direction, 0.05 mm cells, the lower's in the pose it closed to) instead of casting
//!    rays: the search below evaluates some 30,000 poses.
//! 3. **Find the cusps' fossae**: the seated pose is a function of the sideways and front–back shift and
//!    the turn about the closing axis. A grid of seats over these three (±1.5 mm, ±3 mm, ±2°) is scored by
//!    `Σ exp(−|gap| / τ)` over every fifth probe or so with τ = 0.3 mm; the best 30 seats at least 0.2 mm or
//!    0.4° apart are each refined in all five motions (each pose closed to its first contact; pattern
//!    search, τ = 0.3 mm on the subsample, then 0.1 mm on every other probe), and the best ten polished with
//!    every probe. Intercuspation: the probes' `exp(−gap / τ)` summed per 8 mm square across the arch (about
//!    a molar), the squares adding as `ln(1 + sum)`, so that teeth meeting all along the arch count for more
//!    than as many contacts on a few. The best wins; the jaw is then opened by whatever penetration is left
//!    at any vertex of either jaw.
//!
//! Measured (tests/occlusion.rs; coarse phantoms, opened 5° about a hinge 3.5 mm from the assumed one, 3 mm
//! further and 0.4 mm aside), seeds 1–10: 25, 98, 30, 64, 17, 70, 51, 22, 29, 73 µm RMS from the phantom's
//! bite (mean 48; the target is 100 µm), 4.0 s on 2 cores (target 5 s; criterion bench in
//! benches/occlusion.rs, seed 4). With another draw of the probes: 14–129 µm, 8 of 10 within 100 µm — the
//! remaining error is the probes' sampling of a criterion whose optimum lies 20–50 µm from the true bite.
//! A jaw given in the bite of a phantom with a preparation on 16 moves 43 µm.
//!
//! How it got there (same start): with 2,500 probes per jaw, 29–226 µm (seeds 2 and 5 were the criterion's
//! fault: refined from the true bite they scored lower than a pose 160–230 µm away); 6,000 probes made the
//! criterion sharp enough. Counting contacts per square instead of `Σ exp(−gap/τ)` over all probes: seed 6
//! 707 → 32 µm; counting per square saturating (`1 − e^−sum`) was worse (27–359 µm); 5 and 12 mm squares
//! were close to 8 mm; a last stage at τ = 0.05 mm changed nothing; polishing only the best six after the
//! subsampled stage picked wrong ones (up to 479 µm). Reading gaps from height fields instead of casting
//! rays made each pose 50–100 times cheaper; before that only four seats were climbed and three refined
//! (76 and 221 µm on seeds 4 and 9 in 15 s, and the jaw given in the bite with a preparation moved 0.69 mm).
//!
//! Tried and dropped, measured on the same start: a time-stepped rapier3d simulation (sphere probes on the
//! lower jaw against the upper's triangle mesh, damping, a closing force; in millimetre units the free jaw
//! slid back along the incisors' palatal slopes, and held by a joint within ±1 mm / ±1° it stopped 1 mm off
//! with 0.85 mm penetration); minimising height alone (rests 1 mm behind the bite as low as it: 66–480 µm);
//! a pattern search over five motions from the open start (0.44–1.9 mm: the wide-τ landscape is a flat
//! ridge along the curve of Spee); a soft-contact relaxation (drifted even from the true bite).

use crate::mesh::{Mesh, SurfaceIndex};
use nalgebra::{Isometry3, Matrix3, Point3, Translation3, UnitQuaternion, Vector2, Vector3};
use rayon::prelude::*;
use serde::Serialize;

/// Settling settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SettleOptions {
    /// Direction the lower jaw closes in (unit, the meshes' frame); default: toward the upper jaw along its
    /// occlusal axis.
    pub closing: Option<Vector3<f64>>,
    /// Largest sideways shift searched from where the jaw first touches (mm); front to back, twice this.
    pub max_shift_mm: f64,
    /// Largest turn about the closing axis searched (degrees).
    pub max_turn_deg: f64,
    /// Probe points on each jaw's occlusal surfaces.
    pub probes: usize,
}

impl Default for SettleOptions {
    fn default() -> Self {
        Self { closing: None, max_shift_mm: 1.5, max_turn_deg: 2.0, probes: 6000 }
    }
}

/// Where the lower jaw came to rest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settled {
    /// The motion that takes the lower jaw from where it was given to where it rests (meshes' frame, mm).
    #[serde(skip)]
    pub lower_from_start: Isometry3<f64>,
    /// How far the middle of the lower arch moved along the closing direction (mm).
    pub closed_mm: f64,
    /// How far it moved sideways and front–back (mm, along the upper arch's right and anterior axes).
    pub shift_mm: [f64; 2],
    /// Turn from the start about the right (hinge), anterior and closing axes (degrees).
    pub turn_deg: [f64; 3],
    /// Share of the occlusal probes within 0.1 mm of the other jaw at rest (0–1): how fully the teeth meet.
    pub intercuspation: f64,
    /// Lower-jaw vertices within 0.05 mm of the upper jaw at rest (the contacts that hold it).
    pub touching_vertices: usize,
    /// Deepest penetration left at rest (mm, ≥ 0), over every vertex of both jaws.
    pub penetration_mm: f64,
    /// Seated poses evaluated by the search.
    pub evaluations: usize,
}

/// Why the jaws could not be settled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettleError {
    /// A jaw has no surface facing the other.
    #[error("the {0} jaw has no occlusal surface facing the other jaw")]
    NoOcclusalSurface(&'static str),
    /// Closing never brings the jaws together.
    #[error("closing the lower jaw never meets the upper jaw — are the jaws facing each other?")]
    NeverMeets,
    /// The jaw found no rest: a jaw at rest under a closing force touches in at least three places.
    #[error(
        "settling found no resting bite: the lower jaw touches the upper at {0} points (a bite rests on three or \
         more) — give a bite scan (--bite)"
    )]
    NotResting(usize),
}

/// Area-uniform points of `mesh` facing along `towards` within `depth_mm` of its extreme in that direction.
fn occlusal_probes(mesh: &Mesh, towards: &Vector3<f64>, count: usize, depth_mm: f64, seed: u64) -> Vec<Point3<f64>> {
    let top = mesh.positions().iter().map(|p| p.coords.dot(towards)).fold(f64::NEG_INFINITY, f64::max);
    mesh.sample_surface(count * 16, seed)
        .into_iter()
        .filter(|s| s.normal.dot(towards) > 0.1 && s.point.coords.dot(towards) > top - depth_mm)
        .take(count)
        .map(|s| s.point)
        .collect()
}

/// Rays start this far behind each probe, so that a probe already inside the other jaw reads negative.
const BACK_MM: f64 = 15.0;
/// Farthest closing considered (mm).
const RANGE_MM: f64 = 25.0;
/// Seats refined in all five motions.
const STARTS: usize = 30;
/// Refined poses polished with every probe.
const POLISHED: usize = 10;
/// Side of the squares of the arch over which contacts are counted together (mm): about a molar's width.
const SQUARE_MM: f64 = 8.0;
/// Cell of the height fields the search reads gaps from (mm).
const FIELD_CELL_MM: f64 = 0.05;
/// Largest tip of the jaw in one seating step (radians): a jaw touching on one side only has nothing to
/// stop it from tipping, and turns this large are no longer small.
const MAX_TIP: f64 = 0.1;

/// A gap between the jaws: where it is across the closing direction (mm, along right and anterior from the
/// arch's middle) and how far the lower jaw can still close there (mm; negative: overlap).
#[derive(Debug, Clone, Copy)]
struct Gap {
    at: Vector2<f64>,
    gap: f64,
}

/// A jaw's surface seen along the closing direction: for each cell of a square grid across it, the height
/// (mm along `axis`) of the surface a ray along `axis` (or against it, for the lower jaw) meets first. The
/// gaps the search evaluates thousands of times are read from it instead of casting rays.
struct HeightField {
    right: Vector3<f64>,
    anterior: Vector3<f64>,
    axis: Vector3<f64>,
    /// Across-coordinates (mm) of cell (0, 0)'s centre.
    origin: Vector2<f64>,
    cell: f64,
    nx: usize,
    ny: usize,
    /// Height per cell and the cell's in the next row, row by row (the four cells a bilinear read needs
    /// then share one cache line); NaN where the surface is not met.
    h: Vec<[f32; 2]>,
}

impl HeightField {
    /// Rasterises `mesh`: per cell the lowest height along `axis` (`lowest`) or the highest.
    fn new(
        mesh: &Mesh,
        right: Vector3<f64>,
        anterior: Vector3<f64>,
        axis: Vector3<f64>,
        cell: f64,
        lowest: bool,
    ) -> Self {
        let uvh = |p: &Point3<f64>| Vector3::new(p.coords.dot(&right), p.coords.dot(&anterior), p.coords.dot(&axis));
        let pts: Vec<Vector3<f64>> = mesh.positions().iter().map(uvh).collect();
        let (mut lo, mut hi) = (Vector2::repeat(f64::INFINITY), Vector2::repeat(f64::NEG_INFINITY));
        for p in &pts {
            lo = lo.inf(&p.xy());
            hi = hi.sup(&p.xy());
        }
        let nx = (((hi.x - lo.x) / cell).ceil() as usize + 1).max(1);
        let ny = (((hi.y - lo.y) / cell).ceil() as usize + 1).max(1);
        let mut h = vec![f32::NAN; nx * ny];
        for t in mesh.triangles() {
            let [a, b, c] = t.map(|i| pts[i as usize]);
            let det = (b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y);
            if det.abs() < 1e-12 {
                continue;
            }
            let (x0, x1) = (a.x.min(b.x).min(c.x), a.x.max(b.x).max(c.x));
            let (y0, y1) = (a.y.min(b.y).min(c.y), a.y.max(b.y).max(c.y));
            let i0 = ((x0 - lo.x) / cell).ceil().max(0.0) as usize;
            let i1 = (((x1 - lo.x) / cell).floor() as usize).min(nx - 1);
            let j0 = ((y0 - lo.y) / cell).ceil().max(0.0) as usize;
            let j1 = (((y1 - lo.y) / cell).floor() as usize).min(ny - 1);
            for j in j0..=j1 {
                let y = lo.y + j as f64 * cell;
                for i in i0..=i1 {
                    let x = lo.x + i as f64 * cell;
                    let wb = ((x - a.x) * (c.y - a.y) - (c.x - a.x) * (y - a.y)) / det;
                    let wc = ((b.x - a.x) * (y - a.y) - (x - a.x) * (b.y - a.y)) / det;
                    let wa = 1.0 - wb - wc;
                    if wa < -1e-9 || wb < -1e-9 || wc < -1e-9 {
                        continue;
                    }
                    let z = (wa * a.z + wb * b.z + wc * c.z) as f32;
                    let slot = &mut h[j * nx + i];
                    if slot.is_nan() || (lowest && z < *slot) || (!lowest && z > *slot) {
                        *slot = z;
                    }
                }
            }
        }
        let h = (0..nx * ny).map(|k| [h[k], h.get(k + nx).copied().unwrap_or(f32::NAN)]).collect();
        Self { right, anterior, axis, origin: lo, cell, nx, ny, h }
    }

    /// Height of the surface (mm along the axis) over across-coordinates `(u, v)` (mm along right and
    /// anterior): bilinear between the four nearest cells that are met; `None` where none is.
    fn height(&self, u: f64, v: f64) -> Option<f64> {
        let x = (u - self.origin.x) / self.cell;
        let y = (v - self.origin.y) / self.cell;
        if !(x >= 0.0 && y >= 0.0 && x < (self.nx - 1) as f64 && y < (self.ny - 1) as f64) {
            return None;
        }
        let (i, j) = (x as usize, y as usize);
        let (fx, fy) = (x - i as f64, y - j as f64);
        let (mut sum, mut wsum) = (0.0, 0.0);
        let k = j * self.nx + i;
        let ([a, c], [b, d]) = (self.h[k], self.h[k + 1]);
        for (h, w) in [(a, (1.0 - fx) * (1.0 - fy)), (b, fx * (1.0 - fy)), (c, (1.0 - fx) * fy), (d, fx * fy)] {
            if !h.is_nan() {
                sum += w * h as f64;
                wsum += w;
            }
        }
        (wsum > 1e-6).then(|| sum / wsum)
    }

    /// The field's axes as matrix rows (right, anterior, axis): a point's across-coordinates and height.
    fn axes(&self) -> Matrix3<f64> {
        Matrix3::from_rows(&[self.right.transpose(), self.anterior.transpose(), self.axis.transpose()])
    }
}

/// The settling problem: both surfaces indexed, probes on both, the axes.
struct Problem<'a> {
    upper: &'a SurfaceIndex,
    lower: &'a SurfaceIndex,
    lower_probes: Vec<Point3<f64>>,
    upper_probes: Vec<Point3<f64>>,
    closing: Vector3<f64>,
    right: Vector3<f64>,
    anterior: Vector3<f64>,
    /// Middle of the lower jaw's occlusal probes as given (mm): where the closing force acts.
    centre: Point3<f64>,
    /// Largest shift right and anterior (mm) and turn about the closing axis (rad) searched.
    bounds: [f64; 3],
    evaluations: std::sync::atomic::AtomicUsize,
    /// Once the jaw has closed about the hinge: the upper jaw's underside seen along the closing direction,
    /// the lower jaw's top seen in the pose it closed to, and that pose.
    fields: Option<(HeightField, HeightField, Isometry3<f64>)>,
}

/// A seated pose: the search parameters (shift right, shift anterior in mm; turn about closing in rad),
/// the pose, and its intercuspation score.
#[derive(Debug, Clone, Copy)]
struct Seat {
    p: [f64; 3],
    pose: Isometry3<f64>,
    score: f64,
}

impl Problem<'_> {
    /// Gaps along the closing direction from every `stride`-th probe of each jaw to the other, the lower jaw
    /// at `pose`; probes whose ray meets nothing are left out.
    fn gaps(&self, pose: &Isometry3<f64>, stride: usize) -> Vec<Gap> {
        let middle = pose * self.centre;
        if let Some((upper, lower, closed)) = &self.fields {
            // Probes straight to across-coordinates and height (both fields share their axes): one affine
            // map per jaw and pose.
            let axes = upper.axes();
            let m = axes * middle.coords;
            let affine = |motion: &Isometry3<f64>| {
                (axes * motion.rotation.to_rotation_matrix().matrix(), axes * motion.translation.vector)
            };
            let (a, b) = affine(pose);
            let mut out: Vec<Gap> = self
                .lower_probes
                .iter()
                .step_by(stride)
                .filter_map(|q| {
                    let w = a * q.coords + b;
                    let top = upper.height(w.x, w.y)?;
                    Some(Gap { at: Vector2::new(w.x - m.x, w.y - m.y), gap: top - w.z })
                })
                .collect();
            let (a, b) = affine(&(closed * pose.inverse()));
            out.extend(self.upper_probes.iter().step_by(stride).filter_map(|r| {
                let w = a * r.coords + b;
                let floor = lower.height(w.x, w.y)?;
                let at = axes * r.coords - m;
                Some(Gap { at: at.xy(), gap: w.z - floor })
            }));
            return out;
        }
        let c = self.closing;
        let across = |p: &Point3<f64>| Vector2::new((p - middle).dot(&self.right), (p - middle).dot(&self.anterior));
        let mut out: Vec<Gap> = self
            .lower_probes
            .par_iter()
            .step_by(stride)
            .filter_map(|q| {
                let q = pose * q;
                let hit = self.upper.ray(&(q - c * BACK_MM), &c, BACK_MM + RANGE_MM)?;
                Some(Gap { at: across(&q), gap: hit.distance - BACK_MM })
            })
            .collect();
        let inv = pose.inverse();
        let down = inv.rotation * -c;
        out.par_extend(self.upper_probes.par_iter().step_by(stride).filter_map(|r| {
            let hit = self.lower.ray(&(inv * r - down * BACK_MM), &down, BACK_MM + RANGE_MM)?;
            Some(Gap { at: across(r), gap: hit.distance - BACK_MM })
        }));
        out
    }

    /// `pose` moved `lift` mm along the closing direction and tipped by `tip` (rad about right, anterior)
    /// about the arch's middle.
    fn moved(&self, pose: &Isometry3<f64>, lift: f64, tip: Vector2<f64>) -> Isometry3<f64> {
        let middle = pose * self.centre;
        let rot = UnitQuaternion::from_scaled_axis(self.right * tip.x + self.anterior * tip.y);
        Translation3::from(self.closing * lift + middle.coords - rot * middle.coords) * rot * pose
    }

    /// Seats the jaw at `pose`: the closing force through the arch's middle tips it about its contacts until
    /// it rests on them (see the module notes); three rounds, as the turns move the probes.
    fn seat(&self, pose: &Isometry3<f64>, stride: usize) -> Option<Isometry3<f64>> {
        self.evaluations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut pose = *pose;
        for _ in 0..3 {
            let gaps = self.gaps(&pose, stride);
            let (lift, tip) = lower_hull_under_middle(&gaps)?;
            pose = self.moved(&pose, lift, tip);
        }
        Some(pose)
    }

    /// The pose for search parameters `p` relative to `base`: shifted across the closing direction and
    /// turned about it through the arch's middle.
    fn shifted(&self, base: &Isometry3<f64>, p: &[f64; 3]) -> Isometry3<f64> {
        let middle = base * self.centre;
        let rot = UnitQuaternion::from_scaled_axis(self.closing * p[2]);
        Translation3::from(self.right * p[0] + self.anterior * p[1] + middle.coords - rot * middle.coords) * rot * base
    }

    /// Intercuspation of the jaw at `pose`: `Σ exp(−|gap| / τ)` over the probes' gaps (each touching counts
    /// one), over every `stride`-th probe.
    fn score(&self, pose: &Isometry3<f64>, tau: f64, stride: usize) -> f64 {
        self.gaps(pose, stride).iter().map(|g| (-g.gap.abs() / tau).exp()).sum()
    }

    /// Local refinement in all five motions from `start`: shift across and turn about the middle, each pose
    /// closed along the closing direction to its first contact and scored by intercuspation with width
    /// `tau`; a pattern search (one axis, then two at once), steps halving down to `until` mm.
    fn refine(
        &self,
        start: &Isometry3<f64>,
        tau: f64,
        stride: usize,
        step: [f64; 5],
        until: f64,
    ) -> (Isometry3<f64>, f64) {
        let pose_of = |p: &[f64; 5]| -> Option<(Isometry3<f64>, f64)> {
            let middle = start * self.centre;
            let rot = UnitQuaternion::from_scaled_axis(self.right * p[2] + self.anterior * p[3] + self.closing * p[4]);
            let moved =
                Translation3::from(self.right * p[0] + self.anterior * p[1] + middle.coords - rot * middle.coords)
                    * rot
                    * start;
            self.evaluations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let gaps = self.gaps(&moved, stride);
            let c = gaps.iter().map(|g| g.gap).reduce(f64::min)?;
            let score = intercuspation(&gaps, c, tau);
            Some((Translation3::from(self.closing * c) * moved, score))
        };
        let Some(mut at) = pose_of(&[0.0; 5]).map(|(pose, score)| ([0.0; 5], pose, score)) else {
            return (*start, 0.0);
        };
        let mut step = step;
        let moves: Vec<[f64; 5]> = {
            let mut out = Vec::new();
            for a in 0..5 {
                for sa in [1.0, -1.0] {
                    let mut d = [0.0; 5];
                    d[a] = sa;
                    out.push(d);
                }
            }
            for a in 0..5 {
                for b in a + 1..5 {
                    for (sa, sb) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                        let mut d = [0.0; 5];
                        d[a] = sa;
                        d[b] = sb;
                        out.push(d);
                    }
                }
            }
            out
        };
        while step[0] >= until {
            let mut best: Option<([f64; 5], Isometry3<f64>, f64)> = None;
            for set in [&moves[..10], &moves[10..]] {
                let tried: Vec<([f64; 5], Isometry3<f64>, f64)> = set
                    .par_iter()
                    .filter_map(|d| {
                        let mut q = at.0;
                        for k in 0..5 {
                            q[k] += d[k] * step[k];
                        }
                        pose_of(&q).map(|(pose, score)| (q, pose, score))
                    })
                    .collect();
                best = tried.into_iter().filter(|t| t.2 > at.2 * (1.0 + 1e-9)).max_by(|a, b| a.2.total_cmp(&b.2));
                if best.is_some() {
                    break;
                }
            }
            match best {
                Some(b) => at = b,
                None => step.iter_mut().for_each(|s| *s *= 0.5),
            }
        }
        (at.1, at.2)
    }

    /// Seats the jaw shifted by `p` from `base` and scores it.
    fn try_seat(&self, base: &Isometry3<f64>, p: [f64; 3], tau: f64, stride: usize) -> Option<Seat> {
        let pose = self.seat(&self.shifted(base, &p), stride)?;
        Some(Seat { p, pose, score: self.score(&pose, tau, stride) })
    }
}

/// The highest plane below every gap, at the arch's middle: how far the jaw closes there (mm) and how it
/// tips (rad about right, anterior) — the seat under a closing force through the middle. Walks the lower
/// hull: one contact, tip toward the middle until a second, tip about their line until a third; while the
/// middle is outside the contacts' triangle, drop the contact across from the middle and tip again.
/// `None` without gaps.
fn lower_hull_under_middle(gaps: &[Gap]) -> Option<(f64, Vector2<f64>)> {
    // A plane over the across-coordinates: lift at the middle `z` and slope `s` (mm per mm) such that the
    // jaw's closing at point x is z + s·x; a tip (rx, ry) about (right, anterior) gives s = (ry·(−1)…) —
    // see `tip_of` for the sign.
    let first = gaps.iter().min_by(|a, b| a.gap.total_cmp(&b.gap))?;
    let mut contacts = vec![*first];
    let mut slope = Vector2::zeros();
    let mut z = first.gap;
    for _ in 0..64 {
        // Direction (in the across-plane) in which the slope changes, and the fixed points it turns about.
        let dir = match contacts.len() {
            1 => {
                let to_middle = -contacts[0].at;
                if to_middle.norm() < 1e-9 {
                    break; // the force passes through the one contact: balanced
                }
                // Raise the plane at the middle: slope change along −at lowers it beyond the contact, i.e.
                // z grows as the slope tilts toward the contact.
                -contacts[0].at.normalize()
            }
            2 => {
                let (a, b) = (contacts[0].at, contacts[1].at);
                let line = (b - a).try_normalize(1e-12)?;
                let normal = Vector2::new(-line.y, line.x);
                // Which side of the line the middle is on: tip so the plane rises there.
                let side = (-a).dot(&normal);
                if side.abs() < 1e-9 {
                    break; // the middle is on the line between two contacts: balanced
                }
                if side > 0.0 {
                    normal
                } else {
                    -normal
                }
            }
            _ => break,
        };
        // Changing the slope by t·dir (plane through the contacts stays put at them): the plane at point x
        // rises by t·dir·(x − a) for a contact a; at the middle by t·dir·(−a) > 0. A gap g at x bounds t
        // where dir·(x − a) > 0: the plane there must stay at or below the gap.
        let a = contacts[0];
        let plane = |x: &Vector2<f64>| z + slope.dot(x);
        let mut best: Option<(f64, Gap)> = None;
        for g in gaps {
            let rate = dir.dot(&(g.at - a.at));
            if rate > 1e-9 {
                let t = (g.gap - plane(&g.at)) / rate;
                if best.is_none_or(|b| t < b.0) {
                    best = Some((t.max(0.0), *g));
                }
            }
        }
        let Some((t, g)) = best else { break };
        let t = t.min(MAX_TIP);
        slope += dir * t;
        z = a.gap - slope.dot(&a.at);
        if t >= MAX_TIP {
            break;
        }
        contacts.push(g);
        if contacts.len() == 3 {
            // Stable when the middle is inside the triangle; else keep the edge facing the middle.
            let [p, q, r] = [contacts[0].at, contacts[1].at, contacts[2].at];
            let cross = |a: Vector2<f64>, b: Vector2<f64>| a.x * b.y - a.y * b.x;
            let o = Vector2::zeros();
            let (d1, d2, d3) = (cross(q - p, o - p), cross(r - q, o - q), cross(p - r, o - r));
            let inside = (d1 >= 0.0 && d2 >= 0.0 && d3 >= 0.0) || (d1 <= 0.0 && d2 <= 0.0 && d3 <= 0.0);
            if inside {
                break;
            }
            // Drop the vertex across from an edge the middle lies beyond (edge k is followed by vertex k+2).
            let turn = cross(q - p, r - p).signum();
            let Some(edge) = [d1, d2, d3].iter().position(|d| d * turn < 0.0) else { break };
            let drop = (edge + 2) % 3;
            contacts.remove(drop);
        }
    }
    Some((z, tip_of(&slope)))
}

/// The tip (rad about right, anterior) that makes the jaw close `slope·x` more at across-point x: a turn
/// ωr about right lifts points ahead (x.y > 0) by ωr·x.y, a turn ωa about anterior lowers points to the
/// right by ωa·x.x.
fn tip_of(slope: &Vector2<f64>) -> Vector2<f64> {
    Vector2::new(slope.y, -slope.x)
}

/// Closes `lower` onto `upper` (both jaw models in one frame, mm; the lower apart from the upper or resting
/// on it, roughly facing it) into maximal intercuspation.
pub fn settle(upper: &Mesh, lower: &Mesh, opts: &SettleOptions) -> Result<Settled, SettleError> {
    let frame = crate::segment::orient(upper);
    let closing = opts.closing.map_or(-frame.occlusal, |c| c.normalize());
    let right = (frame.right - closing * frame.right.dot(&closing)).normalize();
    let anterior = closing.cross(&right);
    let mut lower_probes = occlusal_probes(lower, &closing, opts.probes, 8.0, 31);
    let mut upper_probes = occlusal_probes(upper, &-closing, opts.probes, 8.0, 37);
    // In rows 1 mm deep across the arch: the height fields are then read nearly in memory order (the
    // search reads them millions of times; read at random they miss the cache every time). Each `stride`-th
    // probe of the rows is an even subsample.
    for probes in [&mut lower_probes, &mut upper_probes] {
        probes.sort_by(|a, b| {
            let key = |p: &Point3<f64>| ((p.coords.dot(&anterior)).floor(), p.coords.dot(&right));
            key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    if lower_probes.is_empty() {
        return Err(SettleError::NoOcclusalSurface("lower"));
    }
    if upper_probes.is_empty() {
        return Err(SettleError::NoOcclusalSurface("upper"));
    }
    // Indexed once: rays while closing about the hinge, exact signed distances at rest.
    let (upper_map, lower_map) = rayon::join(|| super::Antagonist::new(upper), || super::Antagonist::new(lower));
    let (Some(ui), Some(li)) = (upper_map.index(), lower_map.index()) else {
        return Err(SettleError::NoOcclusalSurface("lower"));
    };
    let centre =
        Point3::from(lower_probes.iter().fold(Vector3::zeros(), |a, p| a + p.coords) / lower_probes.len() as f64);
    // Bonwill's triangle and Balkwill's angle place the condyles 78.5 mm behind the lower incisal point
    // and 36.6 mm above it.
    let incisal = lower_probes.iter().map(|p| (p - centre).dot(&anterior)).fold(f64::NEG_INFINITY, f64::max);
    let top = lower_probes.iter().map(|p| (p - centre).dot(&closing)).fold(f64::NEG_INFINITY, f64::max);
    let hinge = centre + anterior * (incisal - 78.5) + closing * (top + 36.6);
    let mut problem = Problem {
        upper: ui,
        lower: li,
        lower_probes,
        upper_probes,
        closing,
        right,
        anterior,
        centre,
        bounds: [opts.max_shift_mm, 2.0 * opts.max_shift_mm, opts.max_turn_deg.to_radians()],
        evaluations: std::sync::atomic::AtomicUsize::new(0),
        fields: None,
    };
    // About 1,200 probes while searching; every other one, then all, for the refinements.
    let coarse = ((problem.lower_probes.len() + problem.upper_probes.len()) / 1200).max(1);
    // 1. Close about the hinge until the teeth touch.
    let about_hinge = |angle: f64| {
        let rot = UnitQuaternion::from_scaled_axis(right * angle);
        Isometry3::from_parts(Translation3::from(hinge.coords - rot * hinge.coords), rot)
    };
    let closed = hinge_close(&problem, &about_hinge, coarse).ok_or(SettleError::NeverMeets)?;
    let (upper_field, lower_field) = rayon::join(
        || HeightField::new(upper, right, anterior, closing, FIELD_CELL_MM, true),
        || HeightField::new(&lower.transformed(&closed), right, anterior, closing, FIELD_CELL_MM, false),
    );
    problem.fields = Some((upper_field, lower_field, closed));
    // 2–3. Seat it, then search the shift and turn for the fullest intercuspation: a grid of seats scored with
    //      τ = 0.3 mm, the best few refined in all five motions.
    let base = closed;
    let deg = 1f64.to_radians();
    let bounds = problem.bounds;
    let mut grid = Vec::new();
    for i in -6..=6 {
        for j in -12..=12 {
            for k in -2..=2 {
                let p = [i as f64 * 0.25, j as f64 * 0.25, k as f64 * 0.5 * deg];
                if p.iter().zip(&bounds).all(|(v, b)| v.abs() <= *b + 1e-12) {
                    grid.push(p);
                }
            }
        }
    }
    let mut seats: Vec<Seat> = grid.par_iter().filter_map(|p| problem.try_seat(&base, *p, 0.3, coarse)).collect();
    seats.sort_by(|a, b| b.score.total_cmp(&a.score));
    // The best seats, at least 0.2 mm apart, each refined in all five motions; the fullest intercuspation
    // wins.
    let mut starts: Vec<Seat> = Vec::new();
    for s in &seats {
        if starts.len() >= STARTS {
            break;
        }
        let apart = |o: &Seat| {
            (s.pose * problem.centre - o.pose * problem.centre).norm() > 0.2 || (s.p[2] - o.p[2]).abs() > 0.4 * deg
        };
        if starts.iter().all(apart) {
            starts.push(*s);
        }
    }
    let mut middles: Vec<(Isometry3<f64>, f64)> = starts
        .par_iter()
        .map(|c| {
            let (pose, _) = problem.refine(&c.pose, 0.3, coarse, [0.1, 0.1, 0.2 * deg, 0.2 * deg, 0.2 * deg], 0.01);
            problem.refine(&pose, 0.1, 2, [0.02, 0.02, 0.04 * deg, 0.04 * deg, 0.04 * deg], 0.004)
        })
        .collect();
    middles.sort_by(|a, b| b.1.total_cmp(&a.1));
    let finals: Vec<(Isometry3<f64>, f64)> = middles
        .par_iter()
        .take(POLISHED)
        .map(|(pose, _)| problem.refine(pose, 0.1, 1, [0.005, 0.005, 0.01 * deg, 0.01 * deg, 0.01 * deg], 0.002))
        .collect();
    let (best_pose, _) = finals.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).ok_or(SettleError::NeverMeets)?;
    let evaluations = problem.evaluations.load(std::sync::atomic::Ordering::Relaxed);
    // Probes are a few tenths of a millimetre apart; a cusp between them can still dip in. Check every
    // vertex of both jaws at rest and open along the closing direction by the deepest penetration (twice,
    // as contacts are sloped). The upper jaw's vertices are measured against the lower in its own frame.
    let mut rest = best_pose;
    let (mut deepest, mut lower_at_rest) = (0.0, Vec::new());
    for round in 0..4 {
        lower_at_rest = upper_map.signed_distances(&lower.transformed(&rest), 1.0);
        deepest = lower_at_rest
            .iter()
            .copied()
            .chain(lower_map.signed_distances(&upper.transformed(&rest.inverse()), 1.0))
            .fold(0.0, f64::min);
        if deepest >= -1e-3 || round == 3 {
            break;
        }
        rest = Translation3::from(closing * (deepest - 1e-4)) * rest;
    }
    let gaps = problem.gaps(&rest, 1);
    let intercuspation = gaps.iter().filter(|g| g.gap < 0.1).count() as f64
        / (problem.lower_probes.len() + problem.upper_probes.len()) as f64;
    let touching = lower_at_rest.iter().filter(|d| **d < 0.05).count();
    if touching < 3 {
        return Err(SettleError::NotResting(touching));
    }
    let moved = rest * centre - centre;
    let w = rest.rotation.scaled_axis();
    Ok(Settled {
        lower_from_start: rest,
        closed_mm: moved.dot(&closing),
        shift_mm: [moved.dot(&right), moved.dot(&anterior)],
        turn_deg: [w.dot(&right).to_degrees(), w.dot(&anterior).to_degrees(), w.dot(&closing).to_degrees()],
        intercuspation,
        touching_vertices: touching,
        penetration_mm: -deepest.min(0.0),
        evaluations,
    })
}

/// The lower jaw turned about the hinge (`about_hinge(angle)`, radians, positive closing) until its teeth
/// first touch the upper's: bisection on the smallest gap along the closing direction.
fn hinge_close(
    problem: &Problem<'_>,
    about_hinge: &dyn Fn(f64) -> Isometry3<f64>,
    stride: usize,
) -> Option<Isometry3<f64>> {
    let least = |angle: f64| problem.gaps(&about_hinge(angle), stride).iter().map(|g| g.gap).reduce(f64::min);
    // Which way closes: the turn that shrinks the smallest gap.
    let step = 0.5f64.to_radians();
    let g0 = least(0.0)?;
    let sign = if least(step).unwrap_or(f64::MAX) < least(-step).unwrap_or(f64::MAX) { 1.0 } else { -1.0 };
    if g0 <= 0.0 {
        return Some(about_hinge(0.0)); // already touching (or overlapping): seating takes it from here
    }
    let (mut open, mut shut) = (0.0, None);
    let mut a = 0.0;
    while a < 20f64.to_radians() {
        a += step;
        match least(sign * a) {
            Some(g) if g <= 0.0 => {
                shut = Some(a);
                break;
            }
            Some(_) => open = a,
            None => break,
        }
    }
    let mut shut = shut?;
    for _ in 0..20 {
        let mid = 0.5 * (open + shut);
        if least(sign * mid).is_some_and(|g| g > 0.0) {
            open = mid;
        } else {
            shut = mid;
        }
    }
    Some(about_hinge(sign * open))
}

/// Intercuspation of `gaps` once the jaw has closed `c` mm further: each probe counts `exp(−gap / τ)` (one
/// when touching), summed per 8 mm square across the arch, and the squares add as `ln(1 + sum)` — contacts
/// spread over many teeth count for more than as many on a few, as teeth meeting all along the arch do in
/// maximal intercuspation.
fn intercuspation(gaps: &[Gap], c: f64, tau: f64) -> f64 {
    // Squares within ±64 mm of the arch's middle (an arch is some 50 mm across); the rest in one.
    const N: usize = 16;
    let mut squares = [0.0f64; N * N + 1];
    let half = (N / 2) as f64;
    for g in gaps {
        let (i, j) = ((g.at.x / SQUARE_MM + half).floor(), (g.at.y / SQUARE_MM + half).floor());
        let k = if (0.0..N as f64).contains(&i) && (0.0..N as f64).contains(&j) {
            j as usize * N + i as usize
        } else {
            N * N
        };
        squares[k] += (-(g.gap - c) / tau).exp();
    }
    squares.iter().map(|s| s.ln_1p()).sum()
}

/// Opening left between the jaws' crown tips when they are brought to face each other (mm): the hinge closing
/// of [`settle`] then starts from an open mouth, as it does from a bite opened a few degrees.
pub const FACING_GAP_MM: f64 = 1.0;
/// Mean overjet (mm): the lower incisal point is placed this far behind the upper's; settling's search spans
/// ±3 mm front–back about it.
pub const FACING_OVERJET_MM: f64 = 2.5;

/// Where to put a lower jaw exported in its own frame so that it faces `upper` (both mm): its arch frame turned
/// onto the upper's (occlusal directions opposed, fronts and midlines matched), its incisal point
/// [`FACING_OVERJET_MM`] behind the upper's and its crown tips [`FACING_GAP_MM`] beyond the upper's — a start
/// [`settle`] can close from. Returns the motion of the lower jaw (its frame → the upper's).
pub fn face_each_other(upper: &Mesh, lower: &Mesh) -> Isometry3<f64> {
    let (mut fu, mut fl) = (crate::segment::orient(upper), crate::segment::orient(lower));
    // The arch frame's occlusal axis leans with the palate and the gingiva; the plane of the crown tips is the
    // occlusal plane the two jaws share in a bite.
    for (f, mesh) in [(&mut fu, upper), (&mut fl, lower)] {
        if let Some(n) = tip_plane_normal(mesh, &f.occlusal) {
            f.occlusal = n;
            f.anterior = (f.anterior - n * f.anterior.dot(&n)).normalize();
            f.right = if f.jaw == crate::dentition::Jaw::Lower { f.anterior.cross(&n) } else { n.cross(&f.anterior) };
        }
    }
    // The lower's (right, anterior, occlusal) onto (upper right, upper anterior, −upper occlusal).
    let from = Matrix3::from_columns(&[fl.right, fl.anterior, fl.occlusal]);
    let to = Matrix3::from_columns(&[fu.right, fu.anterior, -fu.occlusal]);
    let rot = UnitQuaternion::from_matrix(&(to * from.transpose()));
    let turned: Vec<Point3<f64>> = lower.positions().iter().map(|p| fu.origin + rot * (p - fl.origin)).collect();
    // Robust extremes: the 0.5 % of the surface beyond them is a stray tag or a spike, not a crown.
    let extreme = |mut v: Vec<f64>, high: bool| {
        v.sort_by(f64::total_cmp);
        let k = v.len() / 200;
        if high {
            v[v.len() - 1 - k]
        } else {
            v[k]
        }
    };
    let along = |pts: &[Point3<f64>], axis: &Vector3<f64>| -> Vec<f64> {
        pts.iter().map(|p| (p - fu.origin).dot(axis)).collect()
    };
    let w = fu.occlusal; // from the upper's gums toward its tips: toward the lower jaw
    let a = fu.anterior;
    let upper_tips = extreme(along(upper.positions(), &w), true);
    let lower_tips = extreme(along(&turned, &w), false);
    let upper_front = extreme(along(upper.positions(), &a), true);
    let lower_front = extreme(along(&turned, &a), true);
    let shift = w * (upper_tips + FACING_GAP_MM - lower_tips) + a * (upper_front - FACING_OVERJET_MM - lower_front);
    Isometry3::from_parts(Translation3::from(fu.origin.coords + shift), rot)
        * Isometry3::from_parts(Translation3::from(-fl.origin.coords), UnitQuaternion::identity())
}

/// Normal of the plane through a jaw's crown tips (the surface within 3 mm of its extreme along `occlusal`,
/// per 5 mm cell of the plane across it, the highest point of each), turned toward `occlusal`.
fn tip_plane_normal(mesh: &Mesh, occlusal: &Vector3<f64>) -> Option<Vector3<f64>> {
    let u = occlusal.cross(&if occlusal.x.abs() < 0.9 { Vector3::x() } else { Vector3::y() }).normalize();
    let v = occlusal.cross(&u);
    let mut cells: std::collections::BTreeMap<(i64, i64), Point3<f64>> = std::collections::BTreeMap::new();
    for p in mesh.positions() {
        let key = ((p.coords.dot(&u) / 5.0).floor() as i64, (p.coords.dot(&v) / 5.0).floor() as i64);
        let e = cells.entry(key).or_insert(*p);
        if p.coords.dot(occlusal) > e.coords.dot(occlusal) {
            *e = *p;
        }
    }
    let top = cells.values().map(|p| p.coords.dot(occlusal)).fold(f64::NEG_INFINITY, f64::max);
    let tips: Vec<Point3<f64>> = cells.values().filter(|p| p.coords.dot(occlusal) > top - 3.0).copied().collect();
    if tips.len() < 6 {
        return None;
    }
    let c = tips.iter().fold(Vector3::zeros(), |a, p| a + p.coords) / tips.len() as f64;
    let cov = tips.iter().fold(Matrix3::zeros(), |a, p| a + (p.coords - c) * (p.coords - c).transpose());
    let e = cov.symmetric_eigen();
    let n: Vector3<f64> = e.eigenvectors.column(e.eigenvalues.imin()).into_owned();
    Some(if n.dot(occlusal) < 0.0 { -n } else { n })
}
