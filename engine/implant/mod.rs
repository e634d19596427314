//! Implants: find scan bodies, fit each to its library model, report the implant platform and axis with the
//! measured quality of the fit; compare implant positions between scans.
//!
//! Every position is in the scan's frame (mm); angles in degrees in reports.

mod detect;
mod library;

pub use detect::{detect_cylinders, detect_cylinders_with, DetectedCylinder};
pub use library::{LibraryError, PlatformSpec, ScanBodyEntry, ScanBodyShape};

use crate::mesh::{Mesh, PointIndex};
use crate::registration::{icp, kabsch, IcpOptions, Kernel, Method, Target};
use nalgebra::{Isometry3, Point3, Rotation3, Translation3, UnitQuaternion, Vector3};
use serde::Serialize;

/// Clinical tolerances for flagging an implant (defaults: 100 µm and 0.5°).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerances {
    /// Largest acceptable fit residual (95th percentile, mm) and position difference between scans (mm).
    pub position_mm: f64,
    /// Largest acceptable axis difference between scans (degrees).
    pub angle_deg: f64,
    /// Smallest fraction of the scan body's visible model surface the scan must cover.
    pub min_coverage: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Self { position_mm: 0.1, angle_deg: 0.5, min_coverage: 0.6 }
    }
}

/// A library model prepared for fitting: dense samples of its visible surface with normals, scan-body frame.
#[derive(Debug)]
pub struct FitModel {
    /// The library entry.
    pub entry: ScanBodyEntry,
    target: Target,
}

impl FitModel {
    /// Samples the model (about one point per 0.0025 mm², deterministic).
    pub fn new(entry: ScanBodyEntry) -> Self {
        let s = entry.shape;
        let (mesh, _) = s.mesh(s.height, 720);
        let count = (mesh.area() / 0.0025).ceil() as usize;
        let samples: Vec<_> =
            mesh.sample_surface(count, 11).into_iter().filter(|q| q.point.z > -s.height + 1e-6).collect();
        let target =
            Target::new(samples.iter().map(|q| q.point).collect(), Some(samples.iter().map(|q| q.normal).collect()));
        Self { entry, target }
    }
}

/// One fitted scan body and the implant it stands for, scan frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImplantFit {
    /// Site (FDI) when known.
    pub site: Option<i32>,
    /// Library entry fitted.
    pub scan_body: String,
    /// Implant platform centre (mm).
    pub platform: [f64; 3],
    /// Implant axis, unit, pointing coronally.
    pub axis: [f64; 3],
    /// Outward normal of the scan body's indexing flat (the rotation about the axis), unit.
    pub flat_normal: [f64; 3],
    /// Centre of the scan body's top face (mm).
    pub top: [f64; 3],
    /// Scan-body pose: rotation as a unit quaternion [w, x, y, z] and translation (mm), scan_from_scan_body.
    pub pose_rotation_wxyz: [f64; 4],
    /// Translation part of the pose (mm).
    pub pose_translation: [f64; 3],
    /// RMS distance of the scan's points to the fitted model (mm).
    pub rms_mm: f64,
    /// 95th percentile of the distances (mm).
    pub p95_mm: f64,
    /// Largest distance (mm).
    pub max_mm: f64,
    /// Fraction of the scan points within 0.05 mm of the model.
    pub inlier_fraction: f64,
    /// Fraction of the model's visible surface (down to the lowest scanned level) that scan points cover.
    pub coverage: f64,
    /// Scan surface points used (about one per 0.01 mm² of the scan body's surface).
    pub points: usize,
    /// Whether the fit meets the tolerances (residual and coverage).
    pub fit_ok: bool,
    /// Why not, in words, when it does not.
    pub flags: Vec<String>,
    /// Per-vertex residual (mm, signed: positive outside the model), aligned with `vertices`.
    #[serde(skip)]
    pub residuals: Vec<f64>,
    /// Mesh vertices used.
    #[serde(skip)]
    pub vertices: Vec<u32>,
}

impl ImplantFit {
    /// The scan-body pose (scan_from_scan_body).
    pub fn pose(&self) -> Isometry3<f64> {
        crate::registration::isometry_wxyz(self.pose_rotation_wxyz, self.pose_translation)
    }
}

/// Fits a library model to one detected cylinder of `mesh`. Tries twelve rotations about the axis (the flat
/// decides which is right), keeps the best, then refines with a tight robust gate.
pub fn fit_cylinder(mesh: &Mesh, found: &DetectedCylinder, model: &FitModel, tol: &Tolerances) -> ImplantFit {
    let scan = surface_points(mesh, &found.vertices);
    let sparse: Vec<Point3<f64>> = scan.iter().step_by(4).copied().collect();
    let (u, _) = detect::perpendicular_basis(&found.axis);
    let coarse = IcpOptions {
        method: Method::PointToPlane,
        kernel: Kernel::Huber(0.05),
        max_distance_mm: 0.6,
        trim_fraction: 0.1,
        max_iterations: 20,
        min_translation_mm: 1e-6,
        min_rotation_rad: 1e-8,
        inlier_mm: 0.05,
    };
    let mut best: Option<crate::registration::IcpResult> = None;
    for k in 0..12 {
        let angle = k as f64 * std::f64::consts::PI / 6.0;
        let x = Rotation3::from_axis_angle(&found.axis, angle) * u;
        let y = found.axis.cross(&x);
        let r = Rotation3::from_basis_unchecked(&[x, y, found.axis.into_inner()]);
        let scan_from_sb = Isometry3::from_parts(Translation3::from(found.top.coords), UnitQuaternion::from(r));
        let res = icp(&sparse, &model.target, &scan_from_sb.inverse(), &coarse);
        let better = best.as_ref().is_none_or(|b| {
            res.inlier_fraction > b.inlier_fraction + 0.01
                || (res.inlier_fraction > b.inlier_fraction - 0.01 && res.rms_mm < b.rms_mm)
        });
        if better {
            best = Some(res);
        }
        if res.inlier_fraction >= 0.97 {
            break; // every part of the body, the flat included, is where the model says: the right rotation
        }
    }
    let start = best.expect("twelve starts ran").target_from_source;
    let fine = IcpOptions {
        kernel: Kernel::Tukey(0.15),
        max_distance_mm: 0.3,
        trim_fraction: 0.0,
        max_iterations: 60,
        ..coarse
    };
    let sb_from_scan = icp(&scan, &model.target, &start, &fine).target_from_source;
    measure(mesh, &scan, &found.vertices, &sb_from_scan.inverse(), model, tol)
}

/// Points spread by area over the faces whose corners are all in `vertices` (deterministic).
fn surface_points(mesh: &Mesh, vertices: &[u32]) -> Vec<Point3<f64>> {
    let mut inside = vec![false; mesh.vertex_count()];
    for &v in vertices {
        inside[v as usize] = true;
    }
    let (sub, _) = mesh.submesh_within(&inside);
    let count = ((sub.area() / 0.01).ceil() as usize).min(10_000);
    sub.sample_surface(count, 5).into_iter().map(|s| s.point).collect()
}

/// Residuals, coverage and the implant position of a fitted pose.
fn measure(
    mesh: &Mesh,
    scan: &[Point3<f64>],
    vertices: &[u32],
    scan_from_sb: &Isometry3<f64>,
    model: &FitModel,
    tol: &Tolerances,
) -> ImplantFit {
    let sb_from_scan = scan_from_sb.inverse();
    let local: Vec<Point3<f64>> = scan.iter().map(|p| sb_from_scan * p).collect();
    let tp = model.target.points();
    let residual = |p: &Point3<f64>| {
        let (j, d) = model.target.nearest(p).expect("model has points");
        // Signed distance along the model normal when near, else the Euclidean distance.
        let n = model.target_normal(j);
        let r = (p - tp[j]).dot(&n);
        if d < 0.2 {
            r
        } else {
            d * r.signum()
        }
    };
    let residuals: Vec<f64> =
        vertices.iter().map(|&v| residual(&(sb_from_scan * mesh.positions()[v as usize]))).collect();
    let mut abs: Vec<f64> = local.iter().map(|p| residual(p).abs()).collect();
    abs.sort_by(f64::total_cmp);
    let n = abs.len().max(1);
    let rms = (abs.iter().map(|r| r * r).sum::<f64>() / n as f64).sqrt();
    let p95 = abs.get(((abs.len() as f64 * 0.95) as usize).min(abs.len().saturating_sub(1))).copied().unwrap_or(0.0);
    let max = abs.last().copied().unwrap_or(0.0);
    let inliers = abs.iter().filter(|&&r| r <= 0.05).count() as f64 / n as f64;
    // Coverage of the visible model: from the lowest scanned point up.
    let lowest = local.iter().map(|p| p.z).fold(0.0, f64::min);
    let index = PointIndex::new(&local);
    let visible: Vec<&Point3<f64>> = tp.iter().filter(|q| q.z >= lowest + 0.3).collect();
    let covered = visible.iter().filter(|q| index.nearest(q).is_some_and(|(_, d)| d <= 0.15)).count();
    let coverage = if visible.is_empty() { 0.0 } else { covered as f64 / visible.len() as f64 };
    let e = &model.entry;
    let platform = scan_from_sb * e.platform_point();
    let axis = scan_from_sb * e.platform_axis().into_inner();
    let flat = scan_from_sb * Vector3::x();
    let top = scan_from_sb * Point3::origin();
    let mut flags = Vec::new();
    if p95 > tol.position_mm {
        flags.push(format!(
            "fit residual {:.0} µm (95th percentile) exceeds {:.0} µm",
            p95 * 1e3,
            tol.position_mm * 1e3
        ));
    }
    if coverage < tol.min_coverage {
        flags.push(format!(
            "scan covers {:.0}% of the scan body's visible surface (needs {:.0}%)",
            coverage * 100.0,
            tol.min_coverage * 100.0
        ));
    }
    let q = scan_from_sb.rotation.into_inner();
    ImplantFit {
        site: None,
        scan_body: e.name.clone(),
        platform: platform.coords.into(),
        axis: axis.normalize().into(),
        flat_normal: flat.normalize().into(),
        top: top.coords.into(),
        pose_rotation_wxyz: crate::registration::wxyz(&q),
        pose_translation: scan_from_sb.translation.vector.into(),
        rms_mm: rms,
        p95_mm: p95,
        max_mm: max,
        inlier_fraction: inliers,
        coverage,
        points: scan.len(),
        fit_ok: flags.is_empty(),
        flags,
        residuals,
        vertices: vertices.to_vec(),
    }
}

impl FitModel {
    fn target_normal(&self, j: usize) -> Vector3<f64> {
        self.target.normal(j).expect("the model target has normals")
    }
}

/// Finds every scan body in `mesh` and fits it: with the one library entry given, or, given several, whichever
/// of those with a matching wall radius (±0.25 mm) fits each body best (by residual, with coverage).
pub fn fit_all(mesh: &Mesh, models: &[FitModel], tol: &Tolerances) -> Vec<ImplantFit> {
    detect_cylinders(mesh)
        .iter()
        .filter_map(|c| {
            // Of several entries, only those whose radius matches the measured wall are worth fitting.
            let near: Vec<&FitModel> =
                models.iter().filter(|m| (m.entry.shape.radius - c.radius).abs() < 0.25).collect();
            let candidates: Vec<&FitModel> = if near.is_empty() { models.iter().collect() } else { near };
            candidates.into_iter().map(|m| fit_cylinder(mesh, c, m, tol)).min_by(|a, b| score(a).total_cmp(&score(b)))
        })
        .collect()
}

/// Lower is better: residual, with poor coverage penalised.
fn score(f: &ImplantFit) -> f64 {
    f.p95_mm + (1.0 - f.coverage).max(0.0) * 0.5
}

/// Distance and angle between two implants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImplantPair {
    /// Index of the first implant in the list.
    pub a: usize,
    /// Index of the second.
    pub b: usize,
    /// Sites, when known.
    pub sites: (Option<i32>, Option<i32>),
    /// Distance between the platform centres (mm).
    pub distance_mm: f64,
    /// Angle between the implant axes (degrees): above ~30° a multi-unit bridge needs angled abutments.
    pub angle_deg: f64,
}

/// Platform distances and axis angles for every pair of implants.
pub fn pairs(fits: &[ImplantFit]) -> Vec<ImplantPair> {
    let mut out = Vec::new();
    for a in 0..fits.len() {
        for b in a + 1..fits.len() {
            let (fa, fb) = (&fits[a], &fits[b]);
            out.push(ImplantPair {
                a,
                b,
                sites: (fa.site, fb.site),
                distance_mm: (Vector3::from(fa.platform) - Vector3::from(fb.platform)).norm(),
                angle_deg: angle_deg(&Vector3::from(fa.axis), &Vector3::from(fb.axis)),
            });
        }
    }
    out
}

fn angle_deg(a: &Vector3<f64>, b: &Vector3<f64>) -> f64 {
    a.normalize().dot(&b.normalize()).clamp(-1.0, 1.0).acos().to_degrees()
}

/// How one implant differs between a reference scan and a second scan of the same scan bodies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImplantDifference {
    /// Index in the reference list.
    pub reference: usize,
    /// Index in the other list.
    pub other: usize,
    /// Site, when known.
    pub site: Option<i32>,
    /// Platform position difference (mm) after superimposition.
    pub position_mm: f64,
    /// Axis angle difference (degrees).
    pub angle_deg: f64,
    /// Rotation difference about the axis (degrees, from the flats).
    pub index_deg: f64,
    /// Whether the difference is within the tolerances.
    pub ok: bool,
}

/// The result of comparing two scans' implants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// How the second scan was brought into the reference frame.
    pub superimposition: String,
    /// Per matched implant.
    pub implants: Vec<ImplantDifference>,
}

/// Compares implants between two scans. With two or more implants the second set is superimposed on the
/// first by a least-squares fit of platforms and axis points (so only relative displacement shows, as a
/// verification jig measures it); with one, both scans must share a frame. Implants are matched nearest-first.
pub fn compare(reference: &[ImplantFit], other: &[ImplantFit], tol: &Tolerances) -> Comparison {
    let anchor = |f: &ImplantFit| {
        let p = Point3::from(f.platform);
        [p, p + Vector3::from(f.axis) * 5.0]
    };
    // Match by nearest platform in the shared frame first (scans of one mouth are usually close).
    let mut matched: Vec<(usize, usize)> = Vec::new();
    let mut used = vec![false; other.len()];
    for (i, r) in reference.iter().enumerate() {
        let best = other
            .iter()
            .enumerate()
            .filter(|(j, _)| !used[*j])
            .min_by(|a, b| dist(r, a.1).total_cmp(&dist(r, b.1)))
            .map(|(j, _)| j);
        if let Some(j) = best {
            used[j] = true;
            matched.push((i, j));
        }
    }
    let (ref_from_other, how) = if matched.len() >= 2 {
        let pairs: Vec<_> = matched
            .iter()
            .flat_map(|&(i, j)| {
                let (a, b) = (anchor(&other[j]), anchor(&reference[i]));
                [(a[0], b[0], 1.0), (a[1], b[1], 1.0)]
            })
            .collect();
        (kabsch(&pairs), format!("least-squares fit of {} implants' platforms and axes", matched.len()))
    } else {
        (Isometry3::identity(), "none: a single implant is compared in the scans' shared frame".to_string())
    };
    let implants = matched
        .iter()
        .map(|&(i, j)| {
            let (r, o) = (&reference[i], &other[j]);
            let p = ref_from_other * Point3::from(o.platform);
            let a = ref_from_other * Vector3::from(o.axis);
            let fl = ref_from_other * Vector3::from(o.flat_normal);
            let position_mm = (p - Point3::from(r.platform)).norm();
            let angle = angle_deg(&a, &Vector3::from(r.axis));
            let index_deg = angle_deg(&fl, &Vector3::from(r.flat_normal));
            ImplantDifference {
                reference: i,
                other: j,
                site: r.site.or(o.site),
                position_mm,
                angle_deg: angle,
                index_deg,
                ok: position_mm <= tol.position_mm && angle <= tol.angle_deg,
            }
        })
        .collect();
    Comparison { superimposition: how, implants }
}

fn dist(a: &ImplantFit, b: &ImplantFit) -> f64 {
    (Vector3::from(a.platform) - Vector3::from(b.platform)).norm()
}

/// The tooth position (FDI) a point of the arch stands in, from the teeth around it: the gap between its two
/// nearest teeth when they are one position apart (e.g. 35 and 37 give 36), else the position next to the
/// nearest tooth on the point's side along that tooth's mesial axis.
pub fn site_in_dentition(p: &Point3<f64>, dentition: &crate::dentition::Dentition) -> Option<i32> {
    let mut near: Vec<(f64, &crate::dentition::Tooth)> =
        dentition.teeth.iter().map(|t| ((t.frame.centroid - p).norm(), t)).collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    let first = near.first()?.1;
    if let Some((_, second)) = near.get(1) {
        let (a, b) = (first.fdi, second.fdi);
        if a / 10 == b / 10 && (a - b).abs() == 2 {
            return Some((a + b) / 2);
        }
    }
    let toward_mesial = (p - first.frame.centroid).dot(&first.frame.mesial) > 0.0;
    let pos = first.fdi % 10 + if toward_mesial { -1 } else { 1 };
    if (1..=8).contains(&pos) {
        Some(first.fdi / 10 * 10 + pos)
    } else if pos == 0 {
        // Past the central incisor: the other side's central incisor.
        Some(match first.fdi / 10 {
            1 => 21,
            2 => 11,
            3 => 41,
            _ => 31,
        })
    } else {
        None
    }
}

/// Names each implant's site from the teeth around its platform (see [`site_in_dentition`]).
pub fn sites_from_dentition(fits: &mut [ImplantFit], dentition: &crate::dentition::Dentition) {
    for f in fits {
        f.site = site_in_dentition(&Point3::from(f.top), dentition);
    }
}

/// Per-vertex colours of a residual map: grey where not fitted, blue … green … red over ±`range_mm`.
pub fn residual_colors(mesh: &Mesh, fits: &[ImplantFit], range_mm: f64) -> Vec<[u8; 3]> {
    let mut c = vec![[200u8, 200, 200]; mesh.vertex_count()];
    for f in fits {
        for (&v, &r) in f.vertices.iter().zip(&f.residuals) {
            c[v as usize] = crate::colormap::diverging_color(r / range_mm);
        }
    }
    c
}
