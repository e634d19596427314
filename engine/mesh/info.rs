//! A summary of a mesh for people and scripts: counts, bounds, topology, attributes (what `cusp info` prints).

use super::{Mesh, Topology};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// What a mesh holds and whether it is fit for use: counts, bounds (mm), topology, attributes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MeshInfo {
    /// Number of vertices.
    pub vertices: usize,
    /// Number of triangles.
    pub triangles: usize,
    /// Vertices no triangle uses.
    pub unreferenced_vertices: usize,
    /// Triangles with a repeated corner or zero area.
    pub degenerate_triangles: usize,
    /// Smallest corner of the bounding box (mm).
    pub bounds_min: [f64; 3],
    /// Largest corner of the bounding box (mm).
    pub bounds_max: [f64; 3],
    /// Surface area (mm²).
    pub area_mm2: f64,
    /// Enclosed volume (mm³) when the mesh is watertight, else `None`.
    pub volume_mm3: Option<f64>,
    /// Connected components (through shared vertices).
    pub components: usize,
    /// Triangles in each component, largest first (at most 10 listed).
    pub component_sizes: Vec<usize>,
    /// Closed loops of boundary edges.
    pub boundary_loops: usize,
    /// Length of each boundary loop (mm), longest first (at most 10 listed).
    pub boundary_loop_lengths_mm: Vec<f64>,
    /// Edges shared by more than two triangles.
    pub non_manifold_edges: usize,
    /// No boundary edges and no non-manifold edges.
    pub watertight: bool,
    /// Whether per-vertex normals are stored.
    pub has_normals: bool,
    /// Whether per-vertex colours are stored.
    pub has_colors: bool,
    /// Vertex count per per-vertex label, if labels are stored.
    pub vertex_labels: Option<BTreeMap<i32, usize>>,
    /// Triangle count per per-triangle label, if face labels are stored.
    pub face_labels: Option<BTreeMap<i32, usize>>,
}

fn histogram(l: &[i32]) -> BTreeMap<i32, usize> {
    let mut m = BTreeMap::new();
    for &v in l {
        *m.entry(v).or_insert(0) += 1;
    }
    m
}

impl MeshInfo {
    /// Measures a mesh.
    pub fn of(mesh: &Mesh) -> Self {
        let topo = Topology::new(mesh);
        let comps = Topology::components(mesh);
        let loops = topo.boundary_loops(mesh);
        let non_manifold = topo.non_manifold_edges().len();
        let watertight = loops.is_empty() && non_manifold == 0 && !mesh.is_empty();
        let bb = mesh.bounding_box();
        let c = |p: Option<nalgebra::Point3<f64>>| p.map_or([0.0; 3], |p| [p.x, p.y, p.z]);
        Self {
            vertices: mesh.vertex_count(),
            triangles: mesh.face_count(),
            unreferenced_vertices: mesh.unreferenced_vertex_count(),
            degenerate_triangles: mesh.degenerate_faces().len(),
            bounds_min: c(bb.map(|b| b.min)),
            bounds_max: c(bb.map(|b| b.max)),
            area_mm2: mesh.area(),
            volume_mm3: watertight.then(|| mesh.signed_volume()),
            components: comps.len(),
            component_sizes: comps.iter().take(10).map(Vec::len).collect(),
            boundary_loops: loops.len(),
            boundary_loop_lengths_mm: loops.iter().take(10).map(|l| l.length).collect(),
            non_manifold_edges: non_manifold,
            watertight,
            has_normals: mesh.normals().is_some(),
            has_colors: mesh.colors().is_some(),
            vertex_labels: mesh.labels().map(histogram),
            face_labels: mesh.face_labels().map(histogram),
        }
    }
}

impl fmt::Display for MeshInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [x0, y0, z0] = self.bounds_min;
        let [x1, y1, z1] = self.bounds_max;
        writeln!(f, "vertices            {} ({} unused)", self.vertices, self.unreferenced_vertices)?;
        writeln!(f, "triangles           {} ({} degenerate)", self.triangles, self.degenerate_triangles)?;
        writeln!(f, "bounds (mm)         x {x0:.3} … {x1:.3}   y {y0:.3} … {y1:.3}   z {z0:.3} … {z1:.3}")?;
        writeln!(f, "size (mm)           {:.2} × {:.2} × {:.2}", x1 - x0, y1 - y0, z1 - z0)?;
        writeln!(f, "surface area        {:.1} mm²", self.area_mm2)?;
        let sizes: Vec<String> = self.component_sizes.iter().map(|s| s.to_string()).collect();
        writeln!(f, "components          {} (triangles: {})", self.components, sizes.join(", "))?;
        let loops: Vec<String> = self.boundary_loop_lengths_mm.iter().map(|l| format!("{l:.1}")).collect();
        writeln!(f, "boundary loops      {} (lengths mm: {})", self.boundary_loops, loops.join(", "))?;
        writeln!(f, "non-manifold edges  {}", self.non_manifold_edges)?;
        match self.volume_mm3 {
            Some(v) => writeln!(f, "watertight          yes (volume {v:.1} mm³)")?,
            None => writeln!(f, "watertight          no")?,
        }
        let yn = |b: bool| if b { "yes" } else { "no" };
        writeln!(f, "normals             {}", yn(self.has_normals))?;
        writeln!(f, "colours             {}", yn(self.has_colors))?;
        for (name, l) in [("vertex labels", &self.vertex_labels), ("face labels", &self.face_labels)] {
            match l {
                Some(m) => {
                    let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    writeln!(f, "{name:<20}{} classes (label:count) {}", m.len(), parts.join(" "))?
                }
                None => writeln!(f, "{name:<20}none")?,
            }
        }
        Ok(())
    }
}
