//! The scan-body library: parametric shapes with the transform to the implant platform
//! (convention in datasets/scan_bodies/README.md; the shipped entries are compiled in).

use crate::mesh::Mesh;
use nalgebra::{Point3, Unit, Vector3};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::path::Path;

/// A cylinder with an indexing flat and a chamfered top, in the scan-body frame (mm).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanBodyShape {
    /// Cylinder radius (mm).
    pub radius: f64,
    /// Height from the implant platform to the top face (mm).
    pub height: f64,
    /// Distance of the indexing flat from the axis (mm, < radius).
    pub flat_distance: f64,
    /// Length of the flat, measured down from the top face (mm).
    pub flat_length: f64,
    /// Size of the 45° chamfer at the top edge (mm).
    pub chamfer: f64,
}

/// Where the implant platform is in the scan-body frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformSpec {
    /// Platform centre (mm, scan-body frame).
    pub position: [f64; 3],
    /// Implant axis, pointing coronally (unit, scan-body frame).
    pub axis: [f64; 3],
}

/// One library entry: a named shape and its platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanBodyEntry {
    /// Library name.
    pub name: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// Geometry (mm).
    pub shape: ScanBodyShape,
    /// Implant platform in the scan-body frame.
    pub platform: PlatformSpec,
}

const BUILTIN: [(&str, &str); 3] = [
    ("cusp-sb-a.toml", include_str!("../../datasets/scan_bodies/cusp-sb-a.toml")),
    ("cusp-sb-b.toml", include_str!("../../datasets/scan_bodies/cusp-sb-b.toml")),
    ("cusp-sb-c.toml", include_str!("../../datasets/scan_bodies/cusp-sb-c.toml")),
];

/// A library entry that cannot be used, with the file it came from.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The TOML does not describe a scan body.
    #[error("{path}: {message}")]
    Invalid {
        /// File.
        path: String,
        /// What is wrong, with the key or line.
        message: String,
    },
    /// No entry has that name.
    #[error("no scan body named '{0}' in the library (known: cusp-sb-a, cusp-sb-b, cusp-sb-c; or give a .toml path)")]
    Unknown(String),
}

impl ScanBodyEntry {
    /// Parses and checks one entry; `path` names the source in errors.
    pub fn from_toml(text: &str, path: &str) -> Result<Self, LibraryError> {
        let e: ScanBodyEntry =
            toml::from_str(text).map_err(|e| LibraryError::Invalid { path: path.into(), message: e.to_string() })?;
        let s = e.shape;
        let bad = |m: &str| Err(LibraryError::Invalid { path: path.into(), message: m.into() });
        let all = [s.radius, s.height, s.flat_distance, s.flat_length, s.chamfer];
        if all.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return bad("shape values must be finite and non-negative");
        }
        if !(s.radius > 0.5 && s.height > 2.0) {
            return bad("shape.radius must exceed 0.5 mm and shape.height 2 mm");
        }
        if s.flat_distance >= s.radius || s.flat_length > s.height || s.chamfer >= s.radius {
            return bad("need flat_distance < radius, flat_length ≤ height and chamfer < radius");
        }
        let a = Vector3::from(e.platform.axis);
        let finite = a.iter().chain(&e.platform.position).all(|v| v.is_finite());
        if !(finite && (a.norm() - 1.0).abs() < 1e-6) {
            return bad("platform.axis must be a unit vector and platform.position finite");
        }
        Ok(e)
    }

    /// The entries shipped with cusp.
    pub fn builtin() -> Vec<ScanBodyEntry> {
        BUILTIN.iter().map(|(f, t)| Self::from_toml(t, f).expect("shipped library entries are valid")).collect()
    }

    /// A shipped entry by name, or an entry read from a `.toml` path.
    pub fn lookup(name_or_path: &str) -> Result<ScanBodyEntry, LibraryError> {
        if name_or_path.ends_with(".toml") {
            let p = Path::new(name_or_path);
            let text = std::fs::read_to_string(p)
                .map_err(|source| LibraryError::Read { path: p.display().to_string(), source })?;
            return Self::from_toml(&text, &p.display().to_string());
        }
        Self::builtin().into_iter().find(|e| e.name == name_or_path).ok_or(LibraryError::Unknown(name_or_path.into()))
    }

    /// Platform centre in the scan-body frame (mm).
    pub fn platform_point(&self) -> Point3<f64> {
        Point3::from(self.platform.position)
    }

    /// Implant axis in the scan-body frame (unit, coronal).
    pub fn platform_axis(&self) -> Unit<Vector3<f64>> {
        Unit::new_normalize(Vector3::from(self.platform.axis))
    }
}

impl ScanBodyShape {
    /// Radius of the body at angle `u` (from +x) and height `z` above the platform (mm).
    pub fn radius_at(&self, u: f64, z: f64) -> f64 {
        let mut r = self.radius;
        let top_drop = z - (self.height - self.chamfer);
        if top_drop > 0.0 {
            r -= top_drop;
        }
        if z >= self.height - self.flat_length {
            let c = u.cos();
            if c > 1e-9 {
                r = r.min(self.flat_distance / c);
            }
        }
        r
    }

    /// Closed surface in the scan-body frame from `below_top` mm below the top face to the top, with `around`
    /// vertices per ring. Returns the mesh and the ids of its bottom ring (in order of increasing angle).
    pub fn mesh(&self, below_top: f64, around: usize) -> (Mesh, Vec<u32>) {
        let nu = around.max(16);
        let base = (self.height - below_top).max(0.0);
        let fz = self.height - self.flat_length;
        let mut zs: Vec<f64> = vec![base];
        let steps = ((self.height - base) / 0.3).ceil().max(2.0) as usize;
        for k in 1..steps {
            zs.push(base + (self.height - base) * k as f64 / steps as f64);
        }
        zs.extend([fz - 1e-3, fz, self.height - self.chamfer, self.height]);
        zs.retain(|&z| z >= base);
        zs.sort_by(f64::total_cmp);
        zs.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        let mut pts = Vec::new();
        for &z in &zs {
            for k in 0..nu {
                let u = 2.0 * PI * k as f64 / nu as f64;
                let r = self.radius_at(u, z);
                pts.push(Point3::new(r * u.cos(), r * u.sin(), z - self.height));
            }
        }
        let id = |i: usize, k: usize| (i * nu + k % nu) as u32;
        let mut tris = Vec::new();
        for i in 0..zs.len() - 1 {
            for k in 0..nu {
                tris.push([id(i, k), id(i, k + 1), id(i + 1, k + 1)]);
                tris.push([id(i, k), id(i + 1, k + 1), id(i + 1, k)]);
            }
        }
        let top = pts.len() as u32;
        pts.push(Point3::origin());
        let last = zs.len() - 1;
        for k in 0..nu {
            tris.push([id(last, k), id(last, k + 1), top]);
        }
        let bottom = pts.len() as u32;
        pts.push(Point3::new(0.0, 0.0, base - self.height));
        for k in 0..nu {
            tris.push([id(0, k + 1), id(0, k), bottom]);
        }
        (Mesh::new(pts, tris).expect("scan body is valid"), (0..nu as u32).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_entries_parse_and_bad_entries_name_the_problem() {
        let lib = ScanBodyEntry::builtin();
        assert_eq!(lib.len(), 3);
        for e in &lib {
            assert!((e.platform_point().z + e.shape.height).abs() < 1e-12, "{}", e.name);
        }
        let bad = BUILTIN[0].1.replace("radius = 2.4", "radius = 2.4\nradiuss = 1");
        let err = ScanBodyEntry::from_toml(&bad, "x.toml").unwrap_err().to_string();
        assert!(err.starts_with("x.toml") && err.contains("radiuss"), "{err}");
        let bad = BUILTIN[0].1.replace("flat_distance = 1.7", "flat_distance = 2.7");
        assert!(ScanBodyEntry::from_toml(&bad, "y.toml").unwrap_err().to_string().contains("flat_distance"));
        assert!(matches!(ScanBodyEntry::lookup("nope"), Err(LibraryError::Unknown(_))));
    }
}
