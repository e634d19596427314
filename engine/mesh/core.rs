//! `Mesh`: positions, triangles and optional per-vertex / per-face attributes.

use nalgebra::{Point3, Vector3};

/// Why a set of arrays is not a valid mesh.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeshError {
    /// A vertex coordinate is NaN or infinite.
    #[error("vertex {vertex} has a non-finite coordinate ({x}, {y}, {z})")]
    NonFinite {
        /// Index of the vertex.
        vertex: usize,
        /// x coordinate as read.
        x: f64,
        /// y coordinate as read.
        y: f64,
        /// z coordinate as read.
        z: f64,
    },
    /// A triangle refers to a vertex that does not exist.
    #[error("triangle {face} refers to vertex {index}, but the mesh has {vertex_count} vertices")]
    IndexOutOfRange {
        /// Index of the triangle.
        face: usize,
        /// The offending vertex index.
        index: u64,
        /// Number of vertices in the mesh.
        vertex_count: usize,
    },
    /// An attribute array has the wrong length.
    #[error("{attribute} has {found} entries, but the mesh has {expected} {per}")]
    AttributeLength {
        /// Name of the attribute (normals, colours, labels, face labels).
        attribute: &'static str,
        /// Length it must have.
        expected: usize,
        /// Length it has.
        found: usize,
        /// "vertices" or "triangles".
        per: &'static str,
    },
    /// More vertices than a 32-bit index can address.
    #[error("{0} vertices is more than the 4,294,967,295 a mesh can index")]
    TooManyVertices(usize),
}

/// Axis-aligned bounding box in the mesh frame, millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aabb {
    /// Smallest x, y, z (mm).
    pub min: Point3<f64>,
    /// Largest x, y, z (mm).
    pub max: Point3<f64>,
}

impl Aabb {
    /// Extent along x, y, z (mm).
    pub fn size(&self) -> Vector3<f64> {
        self.max - self.min
    }

    /// Centre of the box (mm).
    pub fn center(&self) -> Point3<f64> {
        nalgebra::center(&self.min, &self.max)
    }

    /// Length of the box diagonal (mm).
    pub fn diagonal(&self) -> f64 {
        self.size().norm()
    }
}

/// An indexed triangle mesh: positions in millimetres, counter-clockwise triangles seen from outside.
///
/// Every `Mesh` is valid: indices are in range, coordinates are finite and attribute arrays have the
/// right length. Non-manifold edges and degenerate triangles are allowed and reported by
/// [`Mesh::topology`] and [`Mesh::degenerate_faces`], never a panic.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mesh {
    positions: Vec<Point3<f64>>,
    triangles: Vec<[u32; 3]>,
    normals: Option<Vec<Vector3<f64>>>,
    colors: Option<Vec<[u8; 3]>>,
    labels: Option<Vec<i32>>,
    face_labels: Option<Vec<i32>>,
    values: Option<Vec<f64>>,
}

fn check_len(attribute: &'static str, found: usize, expected: usize, per: &'static str) -> Result<(), MeshError> {
    if found == expected {
        Ok(())
    } else {
        Err(MeshError::AttributeLength { attribute, expected, found, per })
    }
}

impl Mesh {
    /// Builds a mesh from positions (mm) and triangles, checking indices and coordinates.
    pub fn new(positions: Vec<Point3<f64>>, triangles: Vec<[u32; 3]>) -> Result<Self, MeshError> {
        if positions.len() > u32::MAX as usize {
            return Err(MeshError::TooManyVertices(positions.len()));
        }
        if let Some((vertex, p)) =
            positions.iter().enumerate().find(|(_, p)| !(p.x.is_finite() && p.y.is_finite() && p.z.is_finite()))
        {
            return Err(MeshError::NonFinite { vertex, x: p.x, y: p.y, z: p.z });
        }
        let n = positions.len();
        for (face, t) in triangles.iter().enumerate() {
            if let Some(&index) = t.iter().find(|&&i| i as usize >= n) {
                return Err(MeshError::IndexOutOfRange { face, index: u64::from(index), vertex_count: n });
            }
        }
        Ok(Self { positions, triangles, ..Self::default() })
    }

    /// Attaches per-vertex unit normals (mesh frame).
    pub fn with_normals(mut self, normals: Vec<Vector3<f64>>) -> Result<Self, MeshError> {
        check_len("normals", normals.len(), self.positions.len(), "vertices")?;
        self.normals = Some(normals);
        Ok(self)
    }

    /// Attaches per-vertex RGB colours (0–255).
    pub fn with_colors(mut self, colors: Vec<[u8; 3]>) -> Result<Self, MeshError> {
        check_len("colours", colors.len(), self.positions.len(), "vertices")?;
        self.colors = Some(colors);
        Ok(self)
    }

    /// Attaches per-vertex integer labels (FDI number, 0 = gingiva, by convention).
    pub fn with_labels(mut self, labels: Vec<i32>) -> Result<Self, MeshError> {
        check_len("labels", labels.len(), self.positions.len(), "vertices")?;
        self.labels = Some(labels);
        Ok(self)
    }

    /// Attaches one scalar per vertex — a signed distance (mm), a deviation — that other software can threshold
    /// and colour with its own scale (written as the PLY vertex property `quality`, MeshLab's convention).
    pub fn with_values(mut self, values: Vec<f64>) -> Result<Self, MeshError> {
        check_len("values", values.len(), self.positions.len(), "vertices")?;
        self.values = Some(values);
        Ok(self)
    }

    /// The scalar per vertex, if any (see [`Mesh::with_values`]; its unit is the writer's, mm for distances).
    pub fn values(&self) -> Option<&[f64]> {
        self.values.as_deref()
    }

    /// Attaches per-triangle integer labels (as VTK cell data carries them).
    pub fn with_face_labels(mut self, labels: Vec<i32>) -> Result<Self, MeshError> {
        check_len("face labels", labels.len(), self.triangles.len(), "triangles")?;
        self.face_labels = Some(labels);
        Ok(self)
    }

    /// Drops the per-vertex normals.
    pub fn without_normals(mut self) -> Self {
        self.normals = None;
        self
    }

    /// The same mesh without per-vertex and per-face labels.
    pub fn without_labels(mut self) -> Self {
        self.labels = None;
        self.face_labels = None;
        self
    }

    /// Vertex positions (mm).
    pub fn positions(&self) -> &[Point3<f64>] {
        &self.positions
    }

    /// Triangles as vertex indices, counter-clockwise seen from outside.
    pub fn triangles(&self) -> &[[u32; 3]] {
        &self.triangles
    }

    /// Per-vertex unit normals, if the mesh carries them.
    pub fn normals(&self) -> Option<&[Vector3<f64>]> {
        self.normals.as_deref()
    }

    /// Per-vertex RGB colours, if present.
    pub fn colors(&self) -> Option<&[[u8; 3]]> {
        self.colors.as_deref()
    }

    /// Per-vertex labels, if present.
    pub fn labels(&self) -> Option<&[i32]> {
        self.labels.as_deref()
    }

    /// Per-triangle labels, if present.
    pub fn face_labels(&self) -> Option<&[i32]> {
        self.face_labels.as_deref()
    }

    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }

    /// Number of triangles.
    pub fn face_count(&self) -> usize {
        self.triangles.len()
    }

    /// True when the mesh has no triangles.
    pub fn is_empty(&self) -> bool {
        self.triangles.is_empty()
    }

    /// The three corner positions of triangle `f` (mm).
    pub fn triangle(&self, f: usize) -> [Point3<f64>; 3] {
        let [a, b, c] = self.triangles[f];
        [self.positions[a as usize], self.positions[b as usize], self.positions[c as usize]]
    }

    /// Area-weighted (unnormalised) normal of triangle `f`: twice its area long (mm²).
    pub fn face_area_vector(&self, f: usize) -> Vector3<f64> {
        let [a, b, c] = self.triangle(f);
        (b - a).cross(&(c - a))
    }

    /// Unit normal per triangle; zero for a degenerate triangle.
    pub fn face_normals(&self) -> Vec<Vector3<f64>> {
        (0..self.face_count())
            .map(|f| self.face_area_vector(f).try_normalize(0.0).unwrap_or_else(Vector3::zeros))
            .collect()
    }

    /// Unit normal per vertex from the area-weighted normals of its triangles; zero for an unused vertex.
    pub fn compute_vertex_normals(&self) -> Vec<Vector3<f64>> {
        let mut acc = vec![Vector3::zeros(); self.positions.len()];
        for (f, t) in self.triangles.iter().enumerate() {
            let n = self.face_area_vector(f);
            for &v in t {
                acc[v as usize] += n;
            }
        }
        acc.into_iter().map(|n| n.try_normalize(0.0).unwrap_or_else(Vector3::zeros)).collect()
    }

    /// The stored normals, or normals computed from the triangles when the mesh has none.
    pub fn vertex_normals(&self) -> Vec<Vector3<f64>> {
        match &self.normals {
            Some(n) => n.clone(),
            None => self.compute_vertex_normals(),
        }
    }

    /// Bounding box of the vertices, or `None` for a mesh without vertices.
    pub fn bounding_box(&self) -> Option<Aabb> {
        let first = *self.positions.first()?;
        let (mut min, mut max) = (first, first);
        for p in &self.positions {
            min = min.inf(p);
            max = max.sup(p);
        }
        Some(Aabb { min, max })
    }

    /// Total surface area (mm²).
    pub fn area(&self) -> f64 {
        (0..self.face_count()).map(|f| 0.5 * self.face_area_vector(f).norm()).sum()
    }

    /// Area per vertex: a third of each of its triangles' areas (mm²); the sum is [`Mesh::area`].
    pub fn vertex_areas(&self) -> Vec<f64> {
        let mut a = vec![0.0; self.positions.len()];
        for (f, t) in self.triangles.iter().enumerate() {
            let third = self.face_area_vector(f).norm() / 6.0;
            for &v in t {
                a[v as usize] += third;
            }
        }
        a
    }

    /// Signed enclosed volume (mm³) by the divergence theorem; meaningful for a closed, outward-oriented mesh.
    pub fn signed_volume(&self) -> f64 {
        let c = self.bounding_box().map(|b| b.center().coords).unwrap_or_else(Vector3::zeros);
        self.triangles
            .iter()
            .map(|t| {
                let [a, b, d] = t.map(|i| self.positions[i as usize].coords - c);
                a.dot(&b.cross(&d)) / 6.0
            })
            .sum()
    }

    /// Indices of triangles with a repeated vertex or zero area.
    pub fn degenerate_faces(&self) -> Vec<usize> {
        (0..self.face_count())
            .filter(|&f| {
                let [a, b, c] = self.triangles[f];
                a == b || b == c || a == c || self.face_area_vector(f).norm_squared() == 0.0
            })
            .collect()
    }

    /// Number of vertices that no triangle uses.
    pub fn unreferenced_vertex_count(&self) -> usize {
        let mut used = vec![false; self.positions.len()];
        for t in &self.triangles {
            for &v in t {
                used[v as usize] = true;
            }
        }
        used.iter().filter(|u| !**u).count()
    }

    /// One mesh holding the vertices and triangles of all `meshes`, in order (geometry only: attributes dropped).
    pub fn concatenated(meshes: &[&Mesh]) -> Mesh {
        let mut positions = Vec::new();
        let mut triangles = Vec::new();
        for m in meshes {
            let base = positions.len() as u32;
            positions.extend_from_slice(&m.positions);
            triangles.extend(m.triangles.iter().map(|t| t.map(|v| v + base)));
        }
        Mesh::new(positions, triangles).expect("concatenation of valid meshes is valid")
    }

    /// The sub-mesh of the triangles whose three corners are all kept (`keep[v]`), with the map of
    /// [`Mesh::submesh`].
    pub fn submesh_within(&self, keep: &[bool]) -> (Mesh, Vec<u32>) {
        let faces: Vec<usize> = (0..self.face_count())
            .filter(|&f| self.triangles[f].iter().all(|&v| keep.get(v as usize).copied().unwrap_or(false)))
            .collect();
        self.submesh(&faces)
    }

    /// The sub-mesh made of the given triangles, with only the vertices they use (attributes kept).
    ///
    /// Returns the mesh and, for each of its vertices, the index of that vertex in `self`.
    pub fn submesh(&self, faces: &[usize]) -> (Mesh, Vec<u32>) {
        let mut remap = vec![u32::MAX; self.positions.len()];
        let mut old_of_new = Vec::new();
        let mut triangles = Vec::with_capacity(faces.len());
        for &f in faces {
            triangles.push(self.triangles[f].map(|v| {
                if remap[v as usize] == u32::MAX {
                    remap[v as usize] = old_of_new.len() as u32;
                    old_of_new.push(v);
                }
                remap[v as usize]
            }));
        }
        let pick = |old: &[u32]| old.iter().map(|&v| v as usize).collect::<Vec<_>>();
        let idx = pick(&old_of_new);
        let mesh = Mesh {
            positions: idx.iter().map(|&v| self.positions[v]).collect(),
            triangles,
            normals: self.normals.as_ref().map(|n| idx.iter().map(|&v| n[v]).collect()),
            colors: self.colors.as_ref().map(|c| idx.iter().map(|&v| c[v]).collect()),
            labels: self.labels.as_ref().map(|l| idx.iter().map(|&v| l[v]).collect()),
            face_labels: self.face_labels.as_ref().map(|l| faces.iter().map(|&f| l[f]).collect()),
            values: self.values.as_ref().map(|x| idx.iter().map(|&v| x[v]).collect()),
        };
        (mesh, old_of_new)
    }

    /// Per-vertex labels from per-face labels by majority vote of the incident faces (ties: the larger label, so a tooth wins over gingiva 0).
    ///
    /// Returns `None` when the mesh has no face labels; unused vertices get label 0.
    pub fn vertex_labels_from_faces(&self) -> Option<Vec<i32>> {
        let fl = self.face_labels.as_ref()?;
        let mut votes: Vec<Vec<i32>> = vec![Vec::new(); self.positions.len()];
        for (t, &l) in self.triangles.iter().zip(fl) {
            for &v in t {
                votes[v as usize].push(l);
            }
        }
        Some(
            votes
                .into_iter()
                .map(|mut vs| {
                    vs.sort_unstable();
                    let (mut best, mut best_n, mut i) = (0, 0, 0);
                    while i < vs.len() {
                        let j = vs[i..].iter().take_while(|&&x| x == vs[i]).count();
                        if j >= best_n {
                            best = vs[i];
                            best_n = j;
                        }
                        i += j;
                    }
                    best
                })
                .collect(),
        )
    }

    /// Consumes the mesh and returns its arrays: positions, triangles, normals, colours, labels, face labels.
    #[allow(clippy::type_complexity)]
    pub fn into_parts(
        self,
    ) -> (
        Vec<Point3<f64>>,
        Vec<[u32; 3]>,
        Option<Vec<Vector3<f64>>>,
        Option<Vec<[u8; 3]>>,
        Option<Vec<i32>>,
        Option<Vec<i32>>,
    ) {
        (self.positions, self.triangles, self.normals, self.colors, self.labels, self.face_labels)
    }

    /// Applies a rigid or affine map to positions (and rotates normals), in place of a copy.
    pub fn transformed(&self, iso: &nalgebra::Isometry3<f64>) -> Mesh {
        let mut m = self.clone();
        for p in &mut m.positions {
            *p = iso * *p;
        }
        if let Some(n) = &mut m.normals {
            for v in n.iter_mut() {
                *v = iso.rotation * *v;
            }
        }
        m
    }
}
