//! Progress comparison: superimpose a later scan (t1) on an earlier one (t0) on a stable reference, then
//! follow each t0 tooth onto t1 and report its rigid movement in its own frame, against the plan if given.
//!
//! The superimposition is the weak point of monitoring tools, so it is checked: the reference is the teeth
//! that did not move (and the palate of an upper jaw), found by fitting, measuring each tooth and refitting
//! on the ones that stayed; a scan of the other jaw or a mirrored scan is refused, as is a poor overlap.

mod gum;

pub use gum::{GumChange, RECESSION_FLOOR_MM};

use crate::dentition::{movement_in_frame, Dentition};
use crate::mesh::{Mesh, PointIndex};
use crate::registration::{icp, IcpOptions, IcpResult, Kernel, Method, Target};
use crate::segment::{orient, ArchFrame};
use crate::staging::Plan;
use nalgebra::{Isometry3, Matrix3, Point3, Rotation3, Translation3, UnitQuaternion, Vector3};
use serde::Serialize;

/// Thresholds of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProgressOptions {
    /// A tooth is off track when its achieved translation differs from the plan by more than this (mm).
    pub off_track_mm: f64,
    /// … or any of its angles by more than this (degrees).
    pub off_track_deg: f64,
    /// The superimposition is refused above this RMS on the reference (mm).
    pub max_reference_rms_mm: f64,
    /// … or below this fraction of reference points within 0.1 mm.
    pub min_reference_inliers: f64,
}

impl Default for ProgressOptions {
    fn default() -> Self {
        Self { off_track_mm: 0.25, off_track_deg: 2.0, max_reference_rms_mm: 0.08, min_reference_inliers: 0.6 }
    }
}

/// Why two scans cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    /// Upper against lower.
    #[error("the scans are not the same jaw: before is {before}, after is {after}")]
    JawMismatch {
        /// Jaw of the t0 scan.
        before: String,
        /// Jaw of the t1 scan.
        after: String,
    },
    /// The later scan is a mirror image of the earlier one.
    #[error(
        "the after scan fits the before scan better mirrored ({mirrored_um:.0} µm RMS against {direct_um:.0} µm): \
         it is a mirror image (left and right swapped in export?)"
    )]
    Mirrored {
        /// RMS of the direct fit (µm).
        direct_um: f64,
        /// RMS of the fit of the mirrored scan (µm).
        mirrored_um: f64,
    },
    /// Not enough of the reference matches.
    #[error(
        "the scans do not overlap on a stable reference: {rms_um:.0} µm RMS, {inliers:.0}% of the reference \
         within 0.1 mm (needs ≤ {max_um:.0} µm and ≥ {min_inliers:.0}%) — a different patient or jaw, or a poor scan"
    )]
    PoorOverlap {
        /// RMS on the reference (µm).
        rms_um: f64,
        /// Inlier percentage.
        inliers: f64,
        /// Allowed RMS (µm).
        max_um: f64,
        /// Needed inlier percentage.
        min_inliers: f64,
    },
    /// The before scan has no segmented teeth.
    #[error("the before scan has no teeth to follow")]
    NoTeeth,
    /// The plan is for other teeth or has no such stage.
    #[error("plan: {0}")]
    Plan(String),
}

/// How t1 was brought onto t0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Superimposition {
    /// t0_from_t1: rotation [w, x, y, z].
    pub rotation_wxyz: [f64; 4],
    /// t0_from_t1: translation (mm).
    pub translation: [f64; 3],
    /// Teeth used as the stable reference (FDI).
    pub reference_teeth: Vec<i32>,
    /// Whether the palate was part of the reference.
    pub palate: bool,
    /// RMS distance on the reference after the fit (mm).
    pub rms_mm: f64,
    /// Fraction of reference points within 0.1 mm.
    pub inlier_fraction: f64,
    /// RMS of the same fit with the after scan mirrored (mm): far above `rms_mm` for a true pair.
    pub mirrored_rms_mm: f64,
}

/// One tooth's movement from t0 to t1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToothProgress {
    /// FDI number.
    pub fdi: i32,
    /// Movement in the tooth's t0 frame: mesial, buccal, occlusal (mm).
    pub translation_mm: [f64; 3],
    /// Tip, torque, rotation (degrees).
    pub rotation_deg: [f64; 3],
    /// The movement as a t0-frame transform: rotation [w, x, y, z].
    pub rotation_wxyz: [f64; 4],
    /// … and translation (mm).
    pub translation: [f64; 3],
    /// RMS of the tooth's fit onto t1 (mm).
    pub fit_rms_mm: f64,
    /// Fraction of the crown within 0.1 mm of t1 after the fit.
    pub fit_inliers: f64,
    /// Planned cumulative movement at the stage (tooth frame), when a plan is given.
    pub planned: Option<([f64; 3], [f64; 3])>,
    /// Achieved − planned translation length (mm) and largest angle difference (degrees).
    pub deviation: Option<(f64, f64)>,
    /// On track against the plan (None without a plan).
    pub on_track: Option<bool>,
    /// What the occlusal or incisal surface lost (or gained) beyond the tooth's rigid movement.
    pub wear: Option<Wear>,
    /// How far its gingival margin moved (None when either scan's segmentation does not show it).
    pub recession: Option<GumChange>,
}

/// Enamel lost from a tooth's occlusal or incisal surface between the scans, after the tooth's own rigid fit
/// (made on the crown's sides, which do not wear): depths normal to the earlier surface, t0 frame, mm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Wear {
    /// Deepest loss (mm; depths averaged over each vertex's ring against scan noise).
    pub max_depth_mm: f64,
    /// Area of the earlier surface that lost more than the noise floor (mm²).
    pub area_mm2: f64,
    /// Volume lost over that area (mm³).
    pub volume_mm3: f64,
    /// Largest gain above the floor (material added: a restoration, calculus; mm).
    pub max_gain_mm: f64,
    /// Depths below this are not told from the fit's noise (mm): three times the median distance of the
    /// crown's sides after the fit, and at least WEAR_FLOOR_MM.
    pub noise_floor_mm: f64,
    /// Whether any of the occlusal surface lost more than the floor.
    pub worn: bool,
}

/// How far below the crown's highest point (mm, along its long axis) wear is looked for: cusps, ridges and
/// incisal edges; the sides below it are what the tooth is fitted on.
const WEAR_BAND_MM: f64 = 3.0;
/// The least noise floor for wear (mm): a scanner's stated trueness is 10–20 µm.
const WEAR_FLOOR_MM: f64 = 0.02;
/// How far around the loss above the floor the worn surface reaches (mm along the surface): the wear's
/// shallow margin.
const WEAR_MARGIN_MM: f64 = 1.5;

/// The bits of a non-negative f64, which sort as the numbers do (for the heap).
fn ordered(x: f64) -> u64 {
    x.to_bits()
}

/// A tooth's wear: its crown (`vertices` of `before`, frame `frame`) refitted on its sides from `fit`
/// (t0 → t1 in the t0 frame) onto `target1`, then its occlusal part's distance to `after0` (t1 in the t0
/// frame, indexed).
fn tooth_wear(
    before: &Mesh,
    vertices: &[u32],
    frame: &crate::dentition::ToothFrame,
    fit: &Isometry3<f64>,
    target1: &Target,
    after0: &crate::mesh::SurfaceIndex,
) -> Option<Wear> {
    let keep: Vec<bool> = {
        let mut k = vec![false; before.vertex_count()];
        vertices.iter().for_each(|&v| k[v as usize] = true);
        k
    };
    let (crown, _) = before.submesh_within(&keep);
    if crown.face_count() == 0 {
        return None;
    }
    let h: Vec<f64> = crown.positions().iter().map(|p| (p - frame.centroid).dot(&frame.occlusal)).collect();
    let top = h.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let occlusal: Vec<bool> = h.iter().map(|&x| x > top - WEAR_BAND_MM).collect();
    const REACH_MM: f64 = 1.0;
    let adj = crate::mesh::Topology::new(&crown).vertex_neighbors();
    // Signed distance of each crown vertex, moved by `fit`, to the later surface (positive: the later
    // surface lies below the earlier, material lost), averaged over the vertex's ring.
    let distances = |fit: &Isometry3<f64>| -> Vec<f64> {
        let d: Vec<f64> = crown
            .positions()
            .iter()
            .map(|p| {
                after0
                    .closest_within(&(fit * p), REACH_MM)
                    .map_or(f64::NAN, |(_, dist, inside)| if inside { -dist } else { dist })
            })
            .collect();
        (0..d.len())
            .map(|v| {
                let ring: Vec<f64> = std::iter::once(v)
                    .chain(adj.row(v).iter().map(|&u| u as usize))
                    .map(|u| d[u])
                    .filter(|x| x.is_finite())
                    .collect();
                if ring.is_empty() {
                    f64::NAN
                } else {
                    ring.iter().sum::<f64>() / ring.len() as f64
                }
            })
            .collect()
    };
    // The worn surface: where the loss is above `floor`, and the occlusal surface within WEAR_MARGIN_MM of it
    // (the wear's shallow margin, below the floor, belongs to it).
    let pos = crown.positions();
    let worn_region = |smooth: &[f64], floor: f64| -> Vec<bool> {
        let mut reach = vec![f64::INFINITY; smooth.len()];
        let mut heap = std::collections::BinaryHeap::new();
        for v in (0..smooth.len()).filter(|&v| occlusal[v] && smooth[v].is_finite() && smooth[v] > floor) {
            reach[v] = 0.0;
            heap.push((std::cmp::Reverse(ordered(0.0)), v));
        }
        while let Some((std::cmp::Reverse(r), v)) = heap.pop() {
            let r = f64::from_bits(r);
            if r > reach[v] {
                continue;
            }
            for &u in adj.row(v) {
                let u = u as usize;
                let ru = r + (pos[u] - pos[v]).norm();
                if occlusal[u] && ru <= WEAR_MARGIN_MM && ru < reach[u] {
                    reach[u] = ru;
                    heap.push((std::cmp::Reverse(ordered(ru)), u));
                }
            }
        }
        reach.iter().map(|r| r.is_finite()).collect()
    };
    // The noise floor: three times the median distance of the crown's sides after the fit.
    let floor_of = |smooth: &[f64]| -> f64 {
        let mut side: Vec<f64> =
            smooth.iter().zip(&occlusal).filter(|(x, o)| !**o && x.is_finite()).map(|(x, _)| x.abs()).collect();
        side.sort_by(f64::total_cmp);
        side.get(side.len() / 2).map_or(WEAR_FLOOR_MM, |m| (3.0 * m).max(WEAR_FLOOR_MM))
    };
    // The tooth's own fit without what wore: made again on the crown without its worn surface (the sides alone
    // would leave it free to slide along the long axis), twice.
    let mut fit = *fit;
    let mut smooth = distances(&fit);
    for _ in 0..2 {
        let region = worn_region(&smooth, floor_of(&smooth));
        let kept: Vec<Point3<f64>> = pos.iter().zip(&region).filter(|(_, w)| !**w).map(|(p, _)| *p).collect();
        if kept.len() < 30 {
            break;
        }
        fit = coarse_to_fine(&thin(&kept, 4000), target1, &fit, 0.3).target_from_source;
        smooth = distances(&fit);
    }
    let floor = floor_of(&smooth);
    let region = worn_region(&smooth, floor);
    let areas = crown.vertex_areas();
    let (mut max_depth_mm, mut area_mm2, mut volume_mm3) = (0.0f64, 0.0, 0.0);
    for v in (0..smooth.len()).filter(|&v| region[v] && smooth[v].is_finite()) {
        max_depth_mm = max_depth_mm.max(smooth[v]);
        if smooth[v] > 0.5 * floor {
            area_mm2 += areas[v];
        }
        volume_mm3 += areas[v] * smooth[v];
    }
    let volume_mm3 = volume_mm3.max(0.0);
    let max_gain_mm = (0..smooth.len())
        .filter(|&v| occlusal[v] && smooth[v].is_finite() && -smooth[v] > floor)
        .map(|v| -smooth[v])
        .fold(0.0, f64::max);
    Some(Wear { max_depth_mm, area_mm2, volume_mm3, max_gain_mm, noise_floor_mm: floor, worn: max_depth_mm > floor })
}

/// Everything the comparison found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// Units.
    pub units: String,
    /// Which jaw.
    pub jaw: String,
    /// The superimposition.
    pub superimposition: Superimposition,
    /// Per tooth, in arch order.
    pub teeth: Vec<ToothProgress>,
    /// Plan stage compared against.
    pub stage: Option<usize>,
    /// Thresholds used.
    pub options: ProgressOptions,
}

/// The rigid transform taking one arch frame onto another.
fn frame_to_frame(from: &ArchFrame, to: &ArchFrame) -> Isometry3<f64> {
    let f = Matrix3::from_columns(&[from.right, from.anterior, from.occlusal]);
    let t = Matrix3::from_columns(&[to.right, to.anterior, to.occlusal]);
    let r = Rotation3::from_matrix_unchecked(t * f.transpose());
    let q = UnitQuaternion::from_rotation_matrix(&r);
    Isometry3::from_parts(Translation3::from(to.origin.coords - (q * from.origin.coords)), q)
}

/// ICP with gates narrowing from `start_mm` to 0.15 mm; robust (Tukey at the end).
fn coarse_to_fine(source: &[Point3<f64>], target: &Target, initial: &Isometry3<f64>, start_mm: f64) -> IcpResult {
    let mut t = *initial;
    let mut gate = start_mm;
    loop {
        let o = IcpOptions {
            method: Method::PointToPlane,
            kernel: if gate > 0.5 { Kernel::Huber(0.1) } else { Kernel::Tukey(gate.max(0.15)) },
            max_distance_mm: gate,
            trim_fraction: 0.1,
            max_iterations: 40,
            inlier_mm: 0.1,
            ..IcpOptions::default()
        };
        let r = icp(source, target, &t, &o);
        t = r.target_from_source;
        if gate <= 0.15 {
            return r;
        }
        gate = (gate / 2.5).max(0.15);
    }
}

/// Points of the reference: the given teeth's vertices and, for an upper jaw, the palate (gingiva at least
/// 4 mm from every tooth, facing the tongue, inside the arch).
fn reference_points(mesh: &Mesh, dentition: &Dentition, teeth: &[i32], frame: &ArchFrame) -> (Vec<Point3<f64>>, bool) {
    let p = mesh.positions();
    let mut out: Vec<Point3<f64>> = Vec::new();
    for t in dentition.teeth.iter().filter(|t| teeth.contains(&t.fdi)) {
        out.extend(t.vertices.iter().map(|&v| p[v as usize]));
    }
    let mut palate = false;
    if dentition.jaw == crate::dentition::Jaw::Upper {
        let tooth_pts: Vec<Point3<f64>> =
            dentition.teeth.iter().flat_map(|t| t.vertices.iter().map(|&v| p[v as usize])).collect();
        let idx = PointIndex::new(&tooth_pts);
        let normals = mesh.vertex_normals();
        let cents: Vec<Vector3<f64>> = dentition.teeth.iter().map(|t| frame.local(&t.frame.centroid)).collect();
        let half_width = |y: f64| {
            // Half the arch width at this depth: the widest tooth centroid at or behind y.
            cents.iter().filter(|c| c.y <= y + 2.0).map(|c| c.x.abs()).fold(0.0, f64::max)
        };
        let ymax = cents.iter().map(|c| c.y).fold(f64::MIN, f64::max);
        let is_tooth: std::collections::HashSet<u32> =
            dentition.teeth.iter().flat_map(|t| t.vertices.iter().copied()).collect();
        let before = out.len();
        for (v, q) in p.iter().enumerate() {
            if is_tooth.contains(&(v as u32)) || normals[v].dot(&frame.occlusal) < 0.3 {
                continue;
            }
            let l = frame.local(q);
            if l.y > ymax - 4.0 || l.x.abs() > half_width(l.y) - 5.0 {
                continue;
            }
            if idx.nearest(q).is_some_and(|(_, d)| d >= 4.0) {
                out.push(*q);
            }
        }
        palate = out.len() > before + 200;
        if !palate {
            out.truncate(before);
        }
    }
    (out, palate)
}

/// A target of t1's samples mapped into t0's frame.
fn in_frame(points: &[Point3<f64>], normals: &[Vector3<f64>], t0_from_t1: &Isometry3<f64>) -> Target {
    Target::new(points.iter().map(|q| t0_from_t1 * q).collect(), Some(normals.iter().map(|n| t0_from_t1 * n).collect()))
}

/// Even subsample to at most `n` points (deterministic).
fn thin(points: &[Point3<f64>], n: usize) -> Vec<Point3<f64>> {
    let step = points.len().div_ceil(n.max(1)).max(1);
    points.iter().step_by(step).copied().collect()
}

/// Movement of each tooth from t0 onto t1 (t1 already in the t0 frame), in arch order.
fn follow_teeth(mesh0: &Mesh, dentition: &Dentition, target1: &Target) -> Vec<(i32, IcpResult)> {
    let p = mesh0.positions();
    let order = crate::dentition::arch_order(&dentition.teeth.iter().map(|t| t.fdi).collect::<Vec<_>>());
    order
        .iter()
        .map(|&fdi| {
            let t = dentition.tooth(fdi).expect("in order");
            let pts: Vec<Point3<f64>> = t.vertices.iter().map(|&v| p[v as usize]).collect();
            let pts = thin(&pts, 4000);
            (fdi, coarse_to_fine(&pts, target1, &Isometry3::identity(), 2.5))
        })
        .collect()
}

/// Size of a rigid movement for choosing stable teeth: displacement of the centroid plus the arc a point
/// 5 mm away would travel (mm).
fn movement_size(iso: &Isometry3<f64>, c: &Point3<f64>) -> f64 {
    (iso * c - c).norm() + iso.rotation.angle() * 5.0
}

/// A superimposition and the t1 samples it was made with.
struct Fitted {
    /// t1_from_t0 on the reference.
    fit: IcpResult,
    reference_teeth: Vec<i32>,
    palate: bool,
    p1: Vec<Point3<f64>>,
    n1: Vec<Vector3<f64>>,
}

/// The mirror image of a mesh through its arch's mid-sagittal plane (winding reversed so it faces outward).
fn mirror(mesh: &Mesh, frame: &ArchFrame) -> Mesh {
    let p = mesh.positions().iter().map(|q| q - frame.right * (2.0 * (q - frame.origin).dot(&frame.right))).collect();
    let t = mesh.triangles().iter().map(|t| [t[0], t[2], t[1]]).collect();
    Mesh::new(p, t).expect("a mirror image of a valid mesh is valid")
}

/// Fits t0's reference onto t1: first everything from the arch frames, then twice on the teeth that stayed
/// (`stable`, or the third of teeth that moved least, with everything within twice that).
fn superimpose(
    before: &Mesh,
    dentition: &Dentition,
    f0: &ArchFrame,
    after: &Mesh,
    f1: &ArchFrame,
    stable: Option<&[i32]>,
) -> Fitted {
    // About one sample per 0.01 mm² (0.1 mm apart), so that nearest samples are closer than the finest gate.
    let (p1, n1) = after.oriented_samples(0.01, 50_000, 400_000, 1);
    let all: Vec<i32> = dentition.teeth.iter().map(|t| t.fdi).collect();
    let target1 = Target::new(p1.clone(), Some(n1.clone()));
    let (reference, _) = reference_points(before, dentition, &all, f0);
    let mut fit = coarse_to_fine(&thin(&reference, 20_000), &target1, &frame_to_frame(f0, f1), 3.0);
    let mut reference_teeth = all.clone();
    let mut palate = false;
    for _ in 0..2 {
        reference_teeth = match stable {
            Some(s) => s.iter().copied().filter(|f| all.contains(f)).collect(),
            None => {
                let moved_target = in_frame(&p1, &n1, &fit.target_from_source.inverse());
                let sizes: Vec<(i32, f64)> = follow_teeth(before, dentition, &moved_target)
                    .iter()
                    .map(|(f, r)| {
                        let c = dentition.tooth(*f).expect("known").frame.centroid;
                        (*f, movement_size(&r.target_from_source, &c))
                    })
                    .collect();
                let mut sorted: Vec<f64> = sizes.iter().map(|s| s.1).collect();
                sorted.sort_by(f64::total_cmp);
                let cut = sorted[sorted.len() / 3].max(0.05) * 2.0;
                sizes.iter().filter(|s| s.1 <= cut).map(|s| s.0).collect()
            }
        };
        let (reference, with_palate) = reference_points(before, dentition, &reference_teeth, f0);
        palate = with_palate;
        fit = coarse_to_fine(&thin(&reference, 20_000), &target1, &fit.target_from_source, 0.5);
    }
    Fitted { fit, reference_teeth, palate, p1, n1 }
}

/// Superimposes `after` on `before` and follows every tooth. `stable` names teeth known not to have moved
/// (e.g. from the plan); without it the stable teeth are found.
pub fn compare(
    before: &Mesh,
    dentition: &Dentition,
    after: &Mesh,
    stable: Option<&[i32]>,
    opts: &ProgressOptions,
) -> Result<(Progress, Isometry3<f64>), ProgressError> {
    if dentition.teeth.is_empty() {
        return Err(ProgressError::NoTeeth);
    }
    let f0 = orient(before);
    let f1 = orient(after);
    if f0.jaw != f1.jaw {
        return Err(ProgressError::JawMismatch { before: f0.jaw.as_str().into(), after: f1.jaw.as_str().into() });
    }
    let direct = superimpose(before, dentition, &f0, after, &f1, stable);
    let mirror_mesh = mirror(after, &f1);
    let mirrored = superimpose(before, dentition, &f0, &mirror_mesh, &orient(&mirror_mesh), stable);
    let passes =
        |s: &Fitted| s.fit.rms_mm <= opts.max_reference_rms_mm && s.fit.inlier_fraction >= opts.min_reference_inliers;
    let mirror_better =
        mirrored.fit.rms_mm < 0.8 * direct.fit.rms_mm && mirrored.fit.inlier_fraction > direct.fit.inlier_fraction;
    if mirror_better && passes(&mirrored) {
        return Err(ProgressError::Mirrored {
            direct_um: direct.fit.rms_mm * 1e3,
            mirrored_um: mirrored.fit.rms_mm * 1e3,
        });
    }
    if !passes(&direct) {
        return Err(ProgressError::PoorOverlap {
            rms_um: direct.fit.rms_mm * 1e3,
            inliers: direct.fit.inlier_fraction * 100.0,
            max_um: opts.max_reference_rms_mm * 1e3,
            min_inliers: opts.min_reference_inliers * 100.0,
        });
    }
    let Fitted { fit, reference_teeth, palate, p1, n1 } = direct;
    let mirrored_rms = mirrored.fit.rms_mm;
    let t0_from_t1 = fit.target_from_source.inverse();
    let moved_target = in_frame(&p1, &n1, &t0_from_t1);
    let after_in_t0 = after.transformed(&t0_from_t1);
    let after0 = crate::mesh::SurfaceIndex::new(&after_in_t0);
    let margins = gum::Margins::new(before, &after_in_t0);
    let teeth = follow_teeth(before, dentition, &moved_target)
        .into_iter()
        .map(|(fdi, r)| {
            let tooth = dentition.tooth(fdi).expect("known");
            let fr = tooth.frame;
            let wear = after0
                .as_ref()
                .and_then(|a| tooth_wear(before, &tooth.vertices, &fr, &r.target_from_source, &moved_target, a));
            let recession =
                margins.as_ref().and_then(|g| g.change(before, &tooth.vertices, &fr, &r.target_from_source));
            let m = r.target_from_source;
            let (translation_mm, rotation_deg) = movement_in_frame(&fr.centroid, &fr.axes(), &m);
            let q = m.rotation.into_inner();
            ToothProgress {
                fdi,
                translation_mm,
                rotation_deg,
                rotation_wxyz: crate::registration::wxyz(&q),
                translation: m.translation.vector.into(),
                fit_rms_mm: r.rms_mm,
                fit_inliers: r.inlier_fraction,
                planned: None,
                deviation: None,
                on_track: None,
                wear,
                recession,
            }
        })
        .collect();
    let q = t0_from_t1.rotation.into_inner();
    let progress = Progress {
        units: "mm, degrees".into(),
        jaw: dentition.jaw.as_str().into(),
        superimposition: Superimposition {
            rotation_wxyz: crate::registration::wxyz(&q),
            translation: t0_from_t1.translation.vector.into(),
            reference_teeth,
            palate,
            rms_mm: fit.rms_mm,
            inlier_fraction: fit.inlier_fraction,
            mirrored_rms_mm: mirrored_rms,
        },
        teeth,
        stage: None,
        options: *opts,
    };
    Ok((progress, t0_from_t1))
}

/// Teeth a plan never moves (stable references for the superimposition).
pub fn unmoved_in_plan(plan: &Plan) -> Vec<i32> {
    plan.targets
        .iter()
        .filter(|m| m.translation_mm.iter().chain(&m.rotation_deg).all(|v| v.abs() < 1e-9))
        .map(|m| m.fdi)
        .collect()
}

/// Adds the planned movement at `stage` to every tooth and marks each on or off track.
pub fn against_plan(progress: &mut Progress, plan: &Plan, stage: usize) -> Result<(), ProgressError> {
    let st = plan
        .stages
        .get(stage)
        .ok_or_else(|| ProgressError::Plan(format!("it has stages 0 … {}, not {stage}", plan.stages.len() - 1)))?;
    progress.stage = Some(stage);
    for t in &mut progress.teeth {
        let Some(p) = st.teeth.iter().find(|p| p.fdi == t.fdi) else { continue };
        let planned = (p.cumulative_local.translation_mm, p.cumulative_local.rotation_deg);
        let dt = (Vector3::from(t.translation_mm) - Vector3::from(planned.0)).norm();
        let da = (0..3).map(|k| (t.rotation_deg[k] - planned.1[k]).abs()).fold(0.0, f64::max);
        t.planned = Some(planned);
        t.deviation = Some((dt, da));
        t.on_track = Some(dt <= progress.options.off_track_mm && da <= progress.options.off_track_deg);
    }
    Ok(())
}
