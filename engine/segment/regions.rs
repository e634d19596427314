//! Operations on regions of the surface: ring means, connected pieces, and the clean-ups that make each
//! tooth one piece of crown (small pieces and islands, smooth patches that are soft tissue).

use super::params::SegmentParams;
use nalgebra::Point3;

/// Mean of `values` over each vertex and its ring of neighbours.
pub(super) fn ring_mean(adj: &crate::mesh::Csr, values: &[f64]) -> Vec<f64> {
    (0..values.len())
        .map(|v| {
            let row = adj.row(v);
            (values[v] + row.iter().map(|&u| values[u as usize]).sum::<f64>()) / (1 + row.len()) as f64
        })
        .collect()
}

/// Molars' smooth patches given back to the gingiva (`labels`, FDI per vertex, 0 gingiva). A molar's crown
/// is textured all over, every point within a few millimetres of a fissure, a groove between cusps or its
/// concave margin; the tuberosity behind the last upper molar is a smooth dome at the occlusal level that the
/// molar's front can run onto when no crease bars it. Per molar: the part of it more than `smooth_near_mm` from
/// any surface with concavity above `texture_concavity` (along the surface), connected to its border with the
/// gingiva, is gingiva when it reaches `smooth_far_mm` from such surface. A smooth patch enclosed by the crown's
/// own creases stays (the phantoms' stylised cusps).
pub(super) fn smooth_patches_to_gingiva(
    adj: &crate::mesh::Csr,
    positions: &[Point3<f64>],
    concavity: &[f64],
    params: &SegmentParams,
    labels: &mut [i32],
) {
    let n = labels.len();
    let textured: Vec<bool> = concavity.iter().map(|&c| c > params.texture_concavity).collect();
    let from_texture = super::fronts::distance_within(adj, positions, &textured, params.smooth_far_mm);
    let smooth = |v: usize| from_texture[v] > params.smooth_near_mm;
    let molar = |l: i32| l != 0 && l % 10 >= 6;
    // Each connected smooth patch of a molar: gingiva when it is open to the gingiva and reaches far.
    let on_border = |v: usize| adj.row(v).iter().any(|&u| labels[u as usize] == 0);
    let open: Vec<Vec<usize>> = pieces(adj, n, |v| molar(labels[v]) && smooth(v), |v, u| labels[v] == labels[u])
        .into_iter()
        .filter(|p| p.iter().any(|&v| on_border(v)) && p.iter().any(|&v| from_texture[v] > params.smooth_far_mm))
        .collect();
    open.iter().flatten().for_each(|&v| labels[v] = 0);
}

/// A tooth is one piece of surface: of each label's connected pieces (`labels`, FDI per vertex, 0 gingiva) the
/// one with the largest area (`areas`, mm² per vertex) stays, the others (fragments a smooth patch's removal or
/// the fronts left apart from their tooth) are gingiva.
pub(super) fn keep_largest_pieces(adj: &crate::mesh::Csr, areas: &[f64], labels: &mut [i32]) {
    let all = pieces(adj, labels.len(), |v| labels[v] != 0, |v, u| labels[v] == labels[u]);
    let mut largest: std::collections::BTreeMap<i32, (f64, usize)> = std::collections::BTreeMap::new();
    for (k, p) in all.iter().enumerate() {
        let area = p.iter().map(|&v| areas[v]).sum::<f64>();
        let (a, best) = largest.entry(labels[p[0]]).or_insert((f64::NEG_INFINITY, k));
        if area > *a {
            (*a, *best) = (area, k);
        }
    }
    let keep: std::collections::BTreeSet<usize> = largest.values().map(|&(_, k)| k).collect();
    for (_, p) in all.iter().enumerate().filter(|(k, _)| !keep.contains(k)) {
        p.iter().for_each(|&v| labels[v] = 0);
    }
}

/// Connected pieces of the vertices `inside` accepts (`n` of them, adjacent over `adj`), two neighbours being in
/// one piece where `joined` says; in order of their first vertex.
fn pieces(
    adj: &crate::mesh::Csr,
    n: usize,
    inside: impl Fn(usize) -> bool,
    joined: impl Fn(usize, usize) -> bool,
) -> Vec<Vec<usize>> {
    let mut seen = vec![false; n];
    let mut out = Vec::new();
    for start in 0..n {
        if seen[start] || !inside(start) {
            continue;
        }
        seen[start] = true;
        let mut piece = vec![start];
        let mut k = 0;
        while k < piece.len() {
            let v = piece[k];
            k += 1;
            for &u in adj.row(v) {
                let u = u as usize;
                if !seen[u] && inside(u) && joined(v, u) {
                    seen[u] = true;
                    piece.push(u);
                }
            }
        }
        out.push(piece);
    }
    out
}

/// Removes tooth pieces of under 1 % of the tooth surface and fills gingiva islands inside teeth.
pub(super) fn clean_regions(adj: &crate::mesh::Csr, tooth: &mut [bool]) {
    let total = tooth.iter().filter(|t| **t).count().max(1);
    for want in [true, false] {
        for piece in pieces(adj, tooth.len(), |v| tooth[v] == want, |_, _| true) {
            let small = if want { piece.len() * 100 < total } else { piece.len() < 60 };
            if small {
                piece.iter().for_each(|&v| tooth[v] = !want);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::{Mesh, Topology};

    /// Of a tooth in two pieces the smaller goes to the gingiva; a tooth in one piece keeps all of it.
    #[test]
    fn a_tooth_keeps_its_largest_piece() {
        // A strip of 40 vertices in a row, 1 mm apart, each with 1 mm² around it.
        let n = 40;
        let positions: Vec<Point3<f64>> = (0..n).map(|i| Point3::new(i as f64, (i % 2) as f64, 0.0)).collect();
        let triangles: Vec<[u32; 3]> = (0..n as u32 - 2).map(|i| [i, i + 1, i + 2]).collect();
        let mesh = Mesh::new(positions, triangles).expect("valid strip");
        let adj = Topology::new(&mesh).vertex_neighbors();
        // 16 on 0–9 and 20–24 (apart: gingiva between), 17 on 30–39.
        let labels: Vec<i32> = (0..n)
            .map(|i| match i {
                0..=9 | 20..=24 => 16,
                30..=39 => 17,
                _ => 0,
            })
            .collect();
        let mut out = labels.clone();
        keep_largest_pieces(&adj, &vec![1.0; n], &mut out);
        for (i, (before, after)) in labels.iter().zip(&out).enumerate() {
            let want = if (20..=24).contains(&i) { 0 } else { *before };
            assert_eq!(*after, want, "vertex {i}");
        }
    }

    /// A molar's smooth patch that runs out onto the gingiva is gingiva; one its creases enclose, or a front
    /// tooth's smooth face, is not.
    #[test]
    fn smooth_patches_leave_the_molars() {
        // A flat sheet in 0.5 mm steps, x −5…50 mm, y 0…14 mm.
        let mesh = crate::segment::fronts::tests::sheet(-5.0, 111, 29);
        let adj = Topology::new(&mesh).vertex_neighbors();
        let p = mesh.positions();
        let near = |a: f64, b: f64| (a - b).abs() < 0.01;
        // 16 (x 0–20, y 1–13): creases at x = 0, 2, 4 mm, smooth beyond, open to the gingiva along y = 1 and 13.
        // 26 (x 25–40): smooth inside a crease all round. 13 (x 43–50): smooth, open to the gingiva.
        let labels: Vec<i32> = p
            .iter()
            .map(|q| match (q.x, q.y) {
                (_, y) if !(1.0..=13.0).contains(&y) => 0,
                (x, _) if (0.0..=20.0).contains(&x) => 16,
                (x, _) if (25.0..=40.0).contains(&x) => 26,
                (x, _) if x >= 43.0 => 13,
                _ => 0,
            })
            .collect();
        let concavity: Vec<f64> = p
            .iter()
            .map(|q| {
                let fissure = (near(q.x, 0.0) || near(q.x, 2.0) || near(q.x, 4.0)) && q.x <= 20.0;
                let ring = (near(q.x, 25.0) || near(q.x, 40.0) || near(q.y, 1.0) || near(q.y, 13.0))
                    && (25.0..=40.0).contains(&q.x);
                if fissure || ring {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let mut out = labels.clone();
        smooth_patches_to_gingiva(&adj, p, &concavity, &SegmentParams::default(), &mut out);
        for ((q, before), after) in p.iter().zip(&labels).zip(&out) {
            let want = if *before == 16 && q.x > 5.01 { 0 } else { *before };
            assert_eq!(*after, want, "at ({}, {}), labelled {before}", q.x, q.y);
        }
    }
}
