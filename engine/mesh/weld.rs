//! Vertex welding: merge vertices closer than a tolerance (STL stores every triangle's corners apart).

use super::Mesh;
use nalgebra::Point3;
use rustc_hash::FxHashMap as HashMap;

/// Result of [`Mesh::weld`].
#[derive(Debug, Clone)]
pub struct Welded {
    /// The welded mesh.
    pub mesh: Mesh,
    /// For each input vertex, its index in the welded mesh.
    pub new_of_old: Vec<u32>,
    /// Triangles dropped because welding collapsed them (two corners merged).
    pub collapsed_faces: usize,
}

impl Mesh {
    /// Merges vertices within `tolerance` mm of an earlier kept vertex; `0.0` merges only identical positions.
    ///
    /// The first vertex of each cluster (in input order) is kept with its attributes, so the result is
    /// deterministic. Triangles that collapse are removed (with their face labels).
    pub fn weld(&self, tolerance: f64) -> Welded {
        let pos = self.positions();
        let mut new_of_old = Vec::with_capacity(pos.len());
        let mut kept: Vec<u32> = Vec::new();
        if tolerance <= 0.0 {
            let mut seen: HashMap<[u64; 3], u32> = HashMap::with_capacity_and_hasher(pos.len(), Default::default());
            for (i, p) in pos.iter().enumerate() {
                // +0.0 and -0.0 are the same point.
                let key = [p.x + 0.0, p.y + 0.0, p.z + 0.0].map(f64::to_bits);
                let id = *seen.entry(key).or_insert_with(|| {
                    kept.push(i as u32);
                    (kept.len() - 1) as u32
                });
                new_of_old.push(id);
            }
        } else {
            // Cells twice the tolerance wide: then every candidate is in the point's cell or a neighbour on its nearer side.
            let size = 2.0 * tolerance;
            let cell = |p: &Point3<f64>| [p.x, p.y, p.z].map(|c| (c / size).floor() as i64);
            let mut grid: HashMap<[i64; 3], Vec<u32>> = HashMap::default();
            let tol2 = tolerance * tolerance;
            for (i, p) in pos.iter().enumerate() {
                let c = cell(p);
                // 8 cells (not 27) hold every candidate within `tolerance`.
                let side = [p.x, p.y, p.z].map(|v| if (v / size).rem_euclid(1.0) < 0.5 { -1 } else { 1 });
                let mut best: Option<u32> = None;
                for k in 0..8 {
                    let key = [0, 1, 2].map(|a| c[a] + if k >> a & 1 == 1 { side[a] } else { 0 });
                    if let Some(ids) = grid.get(&key) {
                        for &id in ids {
                            let q = pos[kept[id as usize] as usize];
                            if (q - p).norm_squared() <= tol2 && best.is_none_or(|b| id < b) {
                                best = Some(id);
                            }
                        }
                    }
                }
                let id = best.unwrap_or_else(|| {
                    kept.push(i as u32);
                    let id = (kept.len() - 1) as u32;
                    grid.entry(c).or_default().push(id);
                    id
                });
                new_of_old.push(id);
            }
        }
        let mut triangles = Vec::with_capacity(self.face_count());
        let mut face_keep = Vec::with_capacity(self.face_count());
        for (f, t) in self.triangles().iter().enumerate() {
            let n = t.map(|v| new_of_old[v as usize]);
            if n[0] != n[1] && n[1] != n[2] && n[0] != n[2] {
                triangles.push(n);
                face_keep.push(f);
            }
        }
        let collapsed_faces = self.face_count() - triangles.len();
        let k: Vec<usize> = kept.iter().map(|&v| v as usize).collect();
        let mut mesh = Mesh::new(k.iter().map(|&v| pos[v]).collect(), triangles).expect("welding keeps a valid mesh");
        if let Some(n) = self.normals() {
            mesh = mesh.with_normals(k.iter().map(|&v| n[v]).collect()).expect("lengths match");
        }
        if let Some(c) = self.colors() {
            mesh = mesh.with_colors(k.iter().map(|&v| c[v]).collect()).expect("lengths match");
        }
        if let Some(l) = self.labels() {
            mesh = mesh.with_labels(k.iter().map(|&v| l[v]).collect()).expect("lengths match");
        }
        if let Some(l) = self.face_labels() {
            mesh = mesh.with_face_labels(face_keep.iter().map(|&f| l[f]).collect()).expect("lengths match");
        }
        Welded { mesh, new_of_old, collapsed_faces }
    }
}
