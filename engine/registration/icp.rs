//! Iterative closest point: point-to-plane (Gauss–Newton on SE(3), Chen & Medioni) or point-to-point
//! (weighted Kabsch), with robust kernels and trimming.

use crate::mesh::PointIndex;
use nalgebra::{Isometry3, Matrix3, Matrix6, Point3, Translation3, UnitQuaternion, Vector3, Vector6};

/// Error function minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Distance along the target normal: converges fast on smooth surfaces (needs target normals).
    PointToPlane,
    /// Euclidean distance between corresponding points.
    PointToPoint,
}

/// Robust weighting of residuals (mm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// Plain least squares.
    None,
    /// Huber: quadratic below `k` mm, linear above.
    Huber(f64),
    /// Tukey's biweight: residuals beyond `k` mm get no weight.
    Tukey(f64),
}

impl Kernel {
    fn weight(self, r: f64) -> f64 {
        let a = r.abs();
        match self {
            Kernel::None => 1.0,
            Kernel::Huber(k) => {
                if a <= k {
                    1.0
                } else {
                    k / a
                }
            }
            Kernel::Tukey(k) => {
                if a >= k {
                    0.0
                } else {
                    let t = 1.0 - (a / k).powi(2);
                    t * t
                }
            }
        }
    }
}

/// ICP settings; `Default` suits scans of teeth in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IcpOptions {
    /// Error function.
    pub method: Method,
    /// Robust kernel on residuals.
    pub kernel: Kernel,
    /// Correspondences farther apart than this (mm) are outliers.
    pub max_distance_mm: f64,
    /// Fraction of the farthest correspondences dropped each iteration (0 … 0.5).
    pub trim_fraction: f64,
    /// Most iterations.
    pub max_iterations: usize,
    /// Converged when an iteration moves less than this (mm) …
    pub min_translation_mm: f64,
    /// … and turns less than this (radians).
    pub min_rotation_rad: f64,
    /// Correspondences within `max_distance_mm` whose residual is below this (mm) count as inliers.
    pub inlier_mm: f64,
}

impl Default for IcpOptions {
    fn default() -> Self {
        Self {
            method: Method::PointToPlane,
            kernel: Kernel::Huber(0.05),
            max_distance_mm: 1.0,
            trim_fraction: 0.05,
            max_iterations: 50,
            min_translation_mm: 1e-5,
            min_rotation_rad: 1e-7,
            inlier_mm: 0.1,
        }
    }
}

/// What ICP found and how good the fit is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IcpResult {
    /// The transform that maps source points onto the target.
    pub target_from_source: Isometry3<f64>,
    /// RMS distance (mm) of inlier correspondences at the result (point-to-plane or point-to-point).
    pub rms_mm: f64,
    /// Fraction of source points that are inliers: residual below `inlier_mm` (Open3D's fitness).
    pub inlier_fraction: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Whether the update became smaller than the thresholds before `max_iterations`.
    pub converged: bool,
}

/// A target surface sampled as points (with normals for point-to-plane), indexed once for many alignments.
pub struct Target {
    points: Vec<Point3<f64>>,
    normals: Option<Vec<nalgebra::Vector3<f64>>>,
    index: PointIndex,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("points", &self.points.len()).field("normals", &self.normals.is_some()).finish()
    }
}

impl Target {
    /// Indexes target points; normals (unit, same length) are needed for point-to-plane.
    pub fn new(points: Vec<Point3<f64>>, normals: Option<Vec<Vector3<f64>>>) -> Self {
        let index = PointIndex::new(&points);
        Self { points, normals, index }
    }

    /// The target's points.
    pub fn points(&self) -> &[Point3<f64>] {
        &self.points
    }

    /// Unit normal of target point `i`, when the target has normals.
    pub fn normal(&self, i: usize) -> Option<Vector3<f64>> {
        self.normals.as_ref().map(|n| n[i])
    }

    /// Nearest target point to `p`: index and distance (mm).
    pub fn nearest(&self, p: &Point3<f64>) -> Option<(usize, f64)> {
        self.index.nearest(p)
    }
}

/// Residual of one correspondence under the method.
fn residual(method: Method, p: &Point3<f64>, q: &Point3<f64>, n: Option<&Vector3<f64>>) -> f64 {
    match (method, n) {
        (Method::PointToPlane, Some(n)) => (p - q).dot(n),
        _ => (p - q).norm(),
    }
}

/// Aligns `source` points onto `target`, starting from `initial` (target_from_source).
pub fn icp(source: &[Point3<f64>], target: &Target, initial: &Isometry3<f64>, opts: &IcpOptions) -> IcpResult {
    let method = if target.normals.is_some() { opts.method } else { Method::PointToPoint };
    let mut t = *initial;
    let mut iterations = 0;
    let mut converged = false;
    let mut pairs: Vec<(usize, usize, f64)> = Vec::with_capacity(source.len());
    for _ in 0..opts.max_iterations {
        iterations += 1;
        // Correspondences within the gate, then trimmed.
        pairs.clear();
        for (i, p) in source.iter().enumerate() {
            let tp = t * p;
            if let Some((j, d)) = target.index.nearest(&tp) {
                if d <= opts.max_distance_mm {
                    let r = residual(method, &tp, &target.points[j], target.normals.as_ref().map(|n| &n[j]));
                    pairs.push((i, j, r));
                }
            }
        }
        if pairs.len() < 6 {
            break;
        }
        trim(&mut pairs, opts.trim_fraction);
        let step = match method {
            Method::PointToPlane => {
                let normals = target.normals.as_ref().expect("point-to-plane has normals");
                let mut a = Matrix6::zeros();
                let mut b = Vector6::zeros();
                for &(i, j, r) in &pairs {
                    let p = t * source[i];
                    let n = normals[j];
                    let w = opts.kernel.weight(r);
                    let jrow = Vector6::new(
                        p.y * n.z - p.z * n.y,
                        p.z * n.x - p.x * n.z,
                        p.x * n.y - p.y * n.x,
                        n.x,
                        n.y,
                        n.z,
                    );
                    a += jrow * jrow.transpose() * w;
                    b -= jrow * (w * r);
                }
                let Some(x) = a.cholesky().map(|c| c.solve(&b)) else { break };
                let rot = UnitQuaternion::from_scaled_axis(Vector3::new(x[0], x[1], x[2]));
                Isometry3::from_parts(Translation3::new(x[3], x[4], x[5]), rot)
            }
            Method::PointToPoint => {
                let weighted: Vec<(Point3<f64>, Point3<f64>, f64)> =
                    pairs.iter().map(|&(i, j, r)| (t * source[i], target.points[j], opts.kernel.weight(r))).collect();
                kabsch(&weighted)
            }
        };
        t = step * t;
        // Composed unit quaternions drift off unit length by rounding; a pose fed back frame after frame (as
        // a scanning session does) would amplify that into a scale error, so it is renormalised each step.
        t.rotation = UnitQuaternion::new_normalize(t.rotation.into_inner());
        if step.translation.vector.norm() < opts.min_translation_mm && step.rotation.angle() < opts.min_rotation_rad {
            converged = true;
            break;
        }
    }
    // Quality at the result.
    let mut inliers = 0usize;
    let mut sq = 0.0;
    for p in source {
        let tp = t * p;
        if let Some((j, d)) = target.index.nearest(&tp) {
            let r = residual(method, &tp, &target.points[j], target.normals.as_ref().map(|n| &n[j]));
            if d <= opts.max_distance_mm && r.abs() <= opts.inlier_mm {
                inliers += 1;
                sq += r * r;
            }
        }
    }
    IcpResult {
        target_from_source: t,
        rms_mm: if inliers > 0 { (sq / inliers as f64).sqrt() } else { f64::INFINITY },
        inlier_fraction: if source.is_empty() { 0.0 } else { inliers as f64 / source.len() as f64 },
        iterations,
        converged,
    }
}

/// Drops the `fraction` of pairs with the largest |residual|.
fn trim(pairs: &mut Vec<(usize, usize, f64)>, fraction: f64) {
    let f = fraction.clamp(0.0, 0.5);
    if f > 0.0 {
        let keep = ((1.0 - f) * pairs.len() as f64).ceil() as usize;
        if keep < pairs.len() {
            pairs.select_nth_unstable_by(keep, |a, b| a.2.abs().total_cmp(&b.2.abs()));
            pairs.truncate(keep);
        }
    }
}

/// Weighted least-squares rigid transform mapping the first points of each pair onto the second (Kabsch).
pub fn kabsch(pairs: &[(Point3<f64>, Point3<f64>, f64)]) -> Isometry3<f64> {
    let wsum: f64 = pairs.iter().map(|p| p.2).sum();
    if wsum <= 0.0 {
        return Isometry3::identity();
    }
    let cp = pairs.iter().fold(Vector3::zeros(), |a, (p, _, w)| a + p.coords * *w) / wsum;
    let cq = pairs.iter().fold(Vector3::zeros(), |a, (_, q, w)| a + q.coords * *w) / wsum;
    let h = pairs.iter().fold(Matrix3::zeros(), |a, (p, q, w)| a + (p.coords - cp) * (q.coords - cq).transpose() * *w);
    let svd = h.svd(true, true);
    let (Some(u), Some(vt)) = (svd.u, svd.v_t) else { return Isometry3::identity() };
    let mut d = Matrix3::identity();
    if (vt.transpose() * u.transpose()).determinant() < 0.0 {
        d[(2, 2)] = -1.0;
    }
    let r = vt.transpose() * d * u.transpose();
    let rot = UnitQuaternion::from_matrix(&r);
    Isometry3::from_parts(Translation3::from(cq - rot * cp), rot)
}
