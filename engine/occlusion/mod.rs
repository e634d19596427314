//! Occlusion: signed distance maps between the jaws, contact regions, the occlusal clearance of a
//! preparation with a verdict per restorative material, and proximal contacts within an arch,
//! bite registration from a buccal scan, and bite settling when there is no bite record.

mod analyse;
mod bite;
mod gate;
mod proximal;
mod settle;

pub use analyse::{
    analyse, place_lower, AnalyseError, BiteFrom, Occlusion, OcclusionOptions, PlaceError, Placement, PlacementRecord,
    SETTLED_UNCERTAINTY_MM,
};
pub use bite::{register_bite, BiteError, BiteRegistration, JawFit};
pub use gate::{
    check_bite, facing_angles, frames_face_each_other, BiteCheck, OcclusionError, FACING_MAX_DEG, FRONTS_MAX_DEG,
    PENETRATION_AREA_MM2, PENETRATION_TOLERANCE_MM,
};
pub use proximal::{classify, proximal_contacts, ContactClass, ProximalContact};
pub use settle::{face_each_other, settle, SettleError, SettleOptions, Settled, FACING_GAP_MM, FACING_OVERJET_MM};

use crate::mesh::{Mesh, PointIndex, SurfaceIndex, Topology};
use nalgebra::Point3;
use rayon::prelude::*;
use serde::Serialize;

/// An opposing jaw prepared once for distance queries (BVH with pseudo-normals): the contact map, the
/// clearance and any re-check after moving the other jaw reuse it.
#[derive(Debug)]
pub struct Antagonist {
    index: Option<SurfaceIndex>,
}

impl Antagonist {
    /// Indexes a closed, outward-facing jaw model (mm).
    pub fn new(mesh: &Mesh) -> Self {
        Self { index: SurfaceIndex::new(mesh) }
    }

    /// The surface's index (`None` for a mesh without triangles): ray and closest-point queries on it.
    pub(crate) fn index(&self) -> Option<&SurfaceIndex> {
        self.index.as_ref()
    }

    /// Signed distance (mm) from each vertex of `jaw` to this surface: positive in the open, negative where
    /// the vertex is inside (penetration), clamped to ±`max_mm`.
    ///
    /// Each query stops at `max_mm`. Vertices farther than that are told inside or outside once per
    /// connected patch of them (a path that stays farther than `max_mm` from the surface cannot cross it),
    /// by a ray cast from one of them.
    pub fn signed_distances(&self, jaw: &Mesh, max_mm: f64) -> Vec<f64> {
        let Some(index) = &self.index else { return vec![max_mm; jaw.vertex_count()] };
        // Vertices in a run are mostly neighbours: the previous one's distance plus the step between them
        // bounds this one's (triangle inequality), and a tight bound prunes most of the BVH search.
        const RUN: usize = 1024;
        let positions = jaw.positions();
        let mut d: Vec<Option<f64>> = vec![None; positions.len()];
        d.par_chunks_mut(RUN).zip(positions.par_chunks(RUN)).for_each(|(out, run)| {
            let mut prev: Option<(Point3<f64>, f64)> = None;
            for (slot, p) in out.iter_mut().zip(run) {
                let bound = prev.map_or(max_mm, |(q, dq)| (dq + (p - q).norm() + 1e-9).min(max_mm));
                let hit = index.closest_within(p, bound).or_else(|| {
                    if bound < max_mm {
                        index.closest_within(p, max_mm)
                    } else {
                        None
                    }
                });
                *slot = hit.map(|(_, dist, inside)| if inside { -dist } else { dist });
                prev = hit.map(|(_, dist, _)| (*p, dist));
            }
        });
        let mut parent: Vec<u32> = (0..jaw.vertex_count() as u32).collect();
        fn root(parent: &mut [u32], mut v: u32) -> u32 {
            while parent[v as usize] != v {
                parent[v as usize] = parent[parent[v as usize] as usize];
                v = parent[v as usize];
            }
            v
        }
        for t in jaw.triangles() {
            for (a, b) in [(t[0], t[1]), (t[1], t[2])] {
                if d[a as usize].is_none() && d[b as usize].is_none() {
                    let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                    if ra != rb {
                        parent[ra.max(rb) as usize] = ra.min(rb);
                    }
                }
            }
        }
        let mut verdict: rustc_hash::FxHashMap<u32, f64> = Default::default();
        for (v, dv) in d.iter_mut().enumerate() {
            if dv.is_none() {
                let r = root(&mut parent, v as u32);
                let far = *verdict.entry(r).or_insert_with(|| {
                    if index.contains(&jaw.positions()[r as usize]) {
                        -max_mm
                    } else {
                        max_mm
                    }
                });
                *dv = Some(far);
            }
        }
        d.into_iter().map(|x| x.unwrap_or(max_mm).clamp(-max_mm, max_mm)).collect()
    }

    /// Occlusal clearance (mm, unbounded) of the vertices `prep` of `jaw` against this surface, judged against
    /// `materials`; a verdict whose thickness lies within `uncertainty_mm` of the clearance is marked uncertain.
    /// `None` when `prep` is empty or this surface has no triangles.
    pub fn clearance(
        &self,
        jaw: &Mesh,
        prep: &[u32],
        materials: &[Material],
        uncertainty_mm: f64,
    ) -> Option<Clearance> {
        let index = self.index.as_ref()?;
        let per_vertex: Vec<(u32, f64)> = prep
            .iter()
            .map(|&v| {
                let (_, d, inside) = index.closest(&jaw.positions()[v as usize]);
                (v, if inside { -d } else { d })
            })
            .collect();
        let (v, d) = per_vertex.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))?;
        let p = jaw.positions()[v as usize];
        let verdicts = materials
            .iter()
            .map(|m| Verdict {
                material: m.name.to_string(),
                min_thickness_mm: m.min_thickness_mm,
                enough_room: d >= m.min_thickness_mm,
                uncertain: (d - m.min_thickness_mm).abs() <= uncertainty_mm,
            })
            .collect();
        Some(Clearance { min_mm: d, at: [p.x, p.y, p.z], uncertainty_mm, verdicts, per_vertex })
    }
}

/// Reach (mm) of a contact map: distances beyond it are clamped to it. The map is read in 25 µm bands from
/// −0.2 to +0.2 mm (grey beyond) and a contact lies below `threshold_mm`, so 1 mm — five times the bands'
/// reach — loses nothing a reader sees; a larger threshold plus its uncertainty widens it. Each millimetre
/// of reach costs: a 150k-vertex map takes ~25 ms at 1 mm and ~120 ms at 3 mm (2 cores). A preparation's
/// clearance ([`clearance`]) is measured without a bound.
pub fn contact_map_range(threshold_mm: f64, uncertainty_mm: f64) -> f64 {
    (threshold_mm + uncertainty_mm + 0.2).max(1.0)
}

/// Signed distance (mm) from each vertex of `jaw` to the surface of `antagonist`: positive in the open,
/// negative where the vertex is inside the antagonist (penetration), clamped to ±`max_mm`. Indexes the
/// antagonist for this one call; keep an [`Antagonist`] to ask again.
pub fn signed_distances(jaw: &Mesh, antagonist: &Mesh, max_mm: f64) -> Vec<f64> {
    Antagonist::new(antagonist).signed_distances(jaw, max_mm)
}

/// A connected area of one jaw closer to the antagonist than the contact threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactRegion {
    /// Smallest signed distance in the region (mm; negative = penetration).
    pub min_distance_mm: f64,
    /// Vertex where it is smallest.
    pub at_vertex: u32,
    /// Position of that vertex (mm, mesh frame).
    pub at: [f64; 3],
    /// Surface area of the region (mm²).
    pub area_mm2: f64,
    /// FDI of this jaw's tooth there and of the antagonist's nearest tooth, when labels are known.
    pub teeth: Option<(i32, i32)>,
    /// True when the smallest distance is within the measurement uncertainty of the threshold, so that the
    /// contact is not certain.
    pub uncertain: bool,
}

/// Contact regions of `jaw` against `antagonist`: connected vertices with signed distance below
/// `threshold_mm`, each with its closest point; `uncertainty_mm` marks the ones near the threshold.
/// Labels (FDI per vertex) of both meshes, when given, name the teeth in contact.
pub fn contact_regions(
    jaw: &Mesh,
    antagonist: &Mesh,
    distances: &[f64],
    threshold_mm: f64,
    uncertainty_mm: f64,
    labels: Option<(&[i32], &[i32])>,
) -> Vec<ContactRegion> {
    let adj = Topology::new(jaw).vertex_neighbors();
    let mut area = vec![0.0; jaw.vertex_count()];
    for (f, t) in jaw.triangles().iter().enumerate() {
        let a = jaw.face_area_vector(f).norm() / 6.0;
        for &v in t {
            area[v as usize] += a;
        }
    }
    let antagonist_index = labels.map(|_| PointIndex::new(antagonist.positions()));
    let mut seen = vec![false; jaw.vertex_count()];
    let mut out = Vec::new();
    for start in 0..jaw.vertex_count() {
        if seen[start] || distances[start] >= threshold_mm {
            continue;
        }
        let mut stack = vec![start];
        seen[start] = true;
        let (mut best, mut total) = (start, 0.0);
        while let Some(v) = stack.pop() {
            total += area[v];
            if distances[v] < distances[best] {
                best = v;
            }
            for &nb in adj.row(v) {
                let nb = nb as usize;
                if !seen[nb] && distances[nb] < threshold_mm {
                    seen[nb] = true;
                    stack.push(nb);
                }
            }
        }
        let p: Point3<f64> = jaw.positions()[best];
        let teeth = labels.zip(antagonist_index.as_ref()).and_then(|((mine, theirs), idx)| {
            let (j, _) = idx.nearest(&p)?;
            Some((mine[best], theirs[j]))
        });
        let d = distances[best];
        out.push(ContactRegion {
            min_distance_mm: d,
            at_vertex: best as u32,
            at: [p.x, p.y, p.z],
            area_mm2: total,
            teeth,
            uncertain: (threshold_mm - d).abs() <= uncertainty_mm,
        });
    }
    out.sort_by(|a, b| a.min_distance_mm.total_cmp(&b.min_distance_mm).then(a.at_vertex.cmp(&b.at_vertex)));
    out
}

/// The colour band a clinician reads for a signed distance: 25 µm steps from −200 to +200 µm, red for
/// penetration through green at contact to blue when open; grey beyond +200 µm.
pub fn band_color(distance_mm: f64) -> [u8; 3] {
    let um = distance_mm * 1000.0;
    if um > 200.0 {
        return [200, 200, 205];
    }
    let step = ((um.clamp(-200.0, 199.9) + 200.0) / 25.0).floor() as usize; // 0..16
    const BANDS: [[u8; 3]; 16] = [
        [128, 0, 0],
        [170, 0, 0],
        [210, 20, 20],
        [240, 60, 30],
        [250, 110, 40],
        [250, 160, 50],
        [245, 205, 60],
        [220, 235, 70],
        [150, 220, 80],
        [90, 200, 100],
        [60, 185, 150],
        [50, 165, 200],
        [60, 135, 225],
        [80, 105, 235],
        [100, 85, 230],
        [120, 70, 210],
    ];
    BANDS[step.min(15)]
}

/// Minimum occlusal thickness a restorative material needs (mm).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Material {
    /// Name as the user types it.
    pub name: &'static str,
    /// Minimum occlusal thickness (mm).
    pub min_thickness_mm: f64,
}

/// Default contact threshold (mm): surfaces closer than this are in contact.
pub const CONTACT_THRESHOLD_MM: f64 = 0.1;
/// Default measurement uncertainty of a fused scan's surface (mm): contacts and clearances within this of their
/// limit are marked uncertain.
pub const SURFACE_UNCERTAINTY_MM: f64 = 0.02;

/// Default minimum occlusal thicknesses. Sources: manufacturer preparation guidelines summarised in
/// Rosenstiel, Land & Fujimoto, "Contemporary Fixed Prosthodontics", 5th ed. (2016), ch. 10–11 (metal-ceramic
/// 1.5–2 mm), Ivoclar "IPS e.max lithium disilicate: the preparation guide" (≥ 1.5 mm occlusal), and
/// monolithic zirconia guidance (3Y-TZP ≥ 1.0 mm, 5Y ≥ 1.5 mm: e.g. Zhang & Lawn, J Dent Res 2018;97:140–147).
pub const MATERIALS: [Material; 4] = [
    Material { name: "zirconia-3y", min_thickness_mm: 1.0 },
    Material { name: "zirconia-5y", min_thickness_mm: 1.5 },
    Material { name: "lithium-disilicate", min_thickness_mm: 1.5 },
    Material { name: "pfm", min_thickness_mm: 1.5 },
];

/// Clearance of a prepared tooth against the opposing jaw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clearance {
    /// Smallest distance from the preparation to the antagonist (mm).
    pub min_mm: f64,
    /// Where on the preparation (mm, mesh frame).
    pub at: [f64; 3],
    /// The measurement's uncertainty the verdicts were judged with (mm).
    pub uncertainty_mm: f64,
    /// Per material, whether the clearance allows it.
    pub verdicts: Vec<Verdict>,
    /// Each preparation vertex with its signed distance to the antagonist (mm), for a clearance map.
    #[serde(skip)]
    pub per_vertex: Vec<(u32, f64)>,
}

/// Whether a preparation leaves a material the occlusal thickness it needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The material's name.
    pub material: String,
    /// Occlusal thickness it needs (mm).
    pub min_thickness_mm: f64,
    /// The clearance is at least that thickness.
    pub enough_room: bool,
    /// The clearance is within the measurement's uncertainty of that thickness: the verdict could go either way
    /// (check it clinically, e.g. with a reduction guide, before relying on it).
    pub uncertain: bool,
}

/// Occlusal clearance of the vertices `prep` of `jaw` against `antagonist`, judged against `materials`; a
/// verdict whose thickness lies within `uncertainty_mm` of the clearance is marked uncertain. Indexes the
/// antagonist for this one call; [`Antagonist::clearance`] reuses an index.
pub fn clearance(
    jaw: &Mesh,
    prep: &[u32],
    antagonist: &Mesh,
    materials: &[Material],
    uncertainty_mm: f64,
) -> Option<Clearance> {
    Antagonist::new(antagonist).clearance(jaw, prep, materials, uncertainty_mm)
}
