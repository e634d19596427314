//! Mesh core against shapes whose geometry is known in closed form.

use cusp::mesh::{Mesh, PointIndex, Topology};
use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
use std::f64::consts::PI;

#[test]
fn sphere_area_volume_and_outward_normals() {
    let r = 5.0;
    let m = Mesh::icosphere(r, 5); // 20 480 triangles
    let area_err = (m.area() - 4.0 * PI * r * r).abs() / (4.0 * PI * r * r);
    let vol_err = (m.signed_volume() - 4.0 / 3.0 * PI * r.powi(3)).abs() / (4.0 / 3.0 * PI * r.powi(3));
    assert!(area_err < 2e-3, "area off by {area_err}");
    assert!(vol_err < 3e-3, "volume off by {vol_err}");
    let n = m.compute_vertex_normals();
    let worst = m.positions().iter().zip(&n).map(|(p, n)| 1.0 - n.dot(&(p.coords / r))).fold(0.0, f64::max);
    assert!(worst < 1e-3, "vertex normal deviates from radial by 1-cos = {worst}");
}

#[test]
fn cube_is_watertight_with_exact_volume() {
    let m = Mesh::cuboid(Point3::new(-1.0, 0.0, 2.0), Point3::new(2.0, 2.0, 6.0));
    let topo = Topology::new(&m);
    assert!(topo.boundary_edges().is_empty());
    assert!(topo.non_manifold_edges().is_empty());
    assert_eq!(topo.edges.len(), 18);
    assert!((m.signed_volume() - 24.0).abs() < 1e-12);
    assert!((m.area() - 2.0 * (3.0 * 2.0 + 3.0 * 4.0 + 2.0 * 4.0)).abs() < 1e-12);
}

#[test]
fn sphere_curvature_is_one_over_radius() {
    for r in [2.0, 8.0] {
        let c = Mesh::icosphere(r, 4).curvature();
        for (k1, k2) in c.k1.iter().zip(&c.k2) {
            assert!((k1 - 1.0 / r).abs() < 0.03 / r, "k1 {k1} vs {}", 1.0 / r);
            assert!((k2 - 1.0 / r).abs() < 0.03 / r, "k2 {k2} vs {}", 1.0 / r);
        }
    }
    // Inverted sphere (inward normals): concave, negative curvature.
    let m = Mesh::icosphere(4.0, 3);
    let flipped: Vec<[u32; 3]> = m.triangles().iter().map(|t| [t[0], t[2], t[1]]).collect();
    let inv = Mesh::new(m.positions().to_vec(), flipped).unwrap();
    assert!(inv.curvature().mean.iter().all(|&h| (h + 0.25).abs() < 0.01));
}

#[test]
fn flat_grid_has_zero_curvature() {
    let m = Mesh::grid(20, 20, 0.5);
    let c = m.curvature();
    assert!(c.mean.iter().all(|v| v.abs() < 1e-9));
    // Gaussian curvature inside; the rim's corners carry geodesic, not Gaussian, curvature.
    let interior = m.positions().iter().enumerate().filter(|(_, p)| p.x > 0.0 && p.x < 10.0 && p.y > 0.0 && p.y < 10.0);
    assert!(interior.map(|(i, _)| c.gaussian[i]).all(|k| k.abs() < 1e-9));
}

#[test]
fn grid_boundary_is_one_loop_of_its_perimeter() {
    let m = Mesh::grid(10, 6, 0.5);
    let topo = Topology::new(&m);
    let loops = topo.boundary_loops(&m);
    assert_eq!(loops.len(), 1);
    assert!((loops[0].length - 2.0 * (5.0 + 3.0)).abs() < 1e-12);
    assert_eq!(loops[0].vertices.len(), 32);
}

#[test]
fn removed_triangles_leave_a_hole_that_is_found() {
    let m = Mesh::grid(10, 10, 1.0);
    // Remove the two triangles of cell (4, 4) and of cell (5, 4): a 2 × 1 mm hole.
    let drop = [2 * (4 * 10 + 4), 2 * (4 * 10 + 4) + 1, 2 * (4 * 10 + 5), 2 * (4 * 10 + 5) + 1];
    let keep: Vec<usize> = (0..m.face_count()).filter(|f| !drop.contains(f)).collect();
    let (holed, _) = m.submesh(&keep);
    let topo = Topology::new(&holed);
    let loops = topo.boundary_loops(&holed);
    assert_eq!(loops.len(), 2);
    assert!((loops[0].length - 40.0).abs() < 1e-12);
    assert!((loops[1].length - 6.0).abs() < 1e-12);
}

#[test]
fn non_manifold_edge_is_reported_not_a_panic() {
    let p = vec![
        Point3::new(0.0, 0.0, 0.0),
        Point3::new(1.0, 0.0, 0.0),
        Point3::new(0.0, 1.0, 0.0),
        Point3::new(0.0, -1.0, 0.0),
        Point3::new(0.0, 0.0, 1.0),
    ];
    let m = Mesh::new(p, vec![[0, 1, 2], [1, 0, 3], [0, 1, 4]]).unwrap();
    let topo = Topology::new(&m);
    let nm = topo.non_manifold_edges();
    assert_eq!(nm.len(), 1);
    assert_eq!(topo.edges[nm[0]], [0, 1]);
    let info = cusp::mesh::MeshInfo::of(&m);
    assert_eq!(info.non_manifold_edges, 1);
    assert!(!info.watertight);
}

#[test]
fn components_are_separated_and_sorted() {
    let a = Mesh::icosphere(1.0, 1);
    let b = Mesh::cuboid(Point3::new(5.0, 0.0, 0.0), Point3::new(6.0, 1.0, 1.0));
    let mut p = a.positions().to_vec();
    let off = p.len() as u32;
    p.extend_from_slice(b.positions());
    let mut t = b.triangles().iter().map(|t| t.map(|v| v + off)).collect::<Vec<_>>();
    t.extend_from_slice(a.triangles());
    let m = Mesh::new(p, t).unwrap();
    let comps = Topology::components(&m);
    assert_eq!(comps.iter().map(Vec::len).collect::<Vec<_>>(), vec![80, 12]);
    assert_eq!(comps[1], (0..12).collect::<Vec<u32>>());
}

#[test]
fn welding_merges_a_triangle_soup_back_into_a_closed_surface() {
    let m = Mesh::icosphere(3.0, 2);
    let mut soup = Vec::new();
    let mut tris = Vec::new();
    for (f, _) in m.triangles().iter().enumerate() {
        for (k, p) in m.triangle(f).iter().enumerate() {
            // Jitter each copy by < 1 µm, as float round-off in exporters does.
            let j = 1e-4 * ((f * 3 + k) as f64 * 0.37).sin();
            soup.push(p + Vector3::new(j, -j, j) * 1e-3);
        }
        tris.push([3 * f as u32, 3 * f as u32 + 1, 3 * f as u32 + 2]);
    }
    let s = Mesh::new(soup, tris).unwrap();
    assert_eq!(s.weld(0.0).mesh.vertex_count(), s.vertex_count(), "exact weld must not merge jittered copies");
    let w = s.weld(1e-3);
    assert_eq!(w.mesh.vertex_count(), m.vertex_count());
    assert_eq!(w.collapsed_faces, 0);
    assert!(Topology::new(&w.mesh).boundary_edges().is_empty());
    // A tolerance larger than an edge collapses triangles, and says so.
    let coarse = m.weld(2.0);
    assert!(coarse.collapsed_faces > 0);
    assert!(coarse.mesh.vertex_count() < m.vertex_count());
}

#[test]
fn kd_tree_agrees_with_brute_force() {
    let pts: Vec<Point3<f64>> = Mesh::icosphere(10.0, 3).sample_surface(5000, 1).iter().map(|s| s.point).collect();
    let index = PointIndex::new(&pts);
    for q in Mesh::icosphere(11.0, 1).positions() {
        let (i, d) = index.nearest(q).unwrap();
        let best = pts.iter().map(|p| (p - q).norm()).fold(f64::INFINITY, f64::min);
        assert!((d - best).abs() < 1e-12 && ((pts[i] - q).norm() - best).abs() < 1e-12);
        let k = index.nearest_k(q, 5);
        assert_eq!(k.len(), 5);
        assert!(k.windows(2).all(|w| w[0].1 <= w[1].1));
        let within = index.within(q, 2.0);
        assert_eq!(within.len(), pts.iter().filter(|p| (*p - q).norm() <= 2.0).count());
    }
    assert!(PointIndex::new(&[]).nearest(&Point3::origin()).is_none());
}

#[test]
fn sampling_is_uniform_by_area_and_deterministic() {
    // A 4 × 1 strip of unequal triangles: half the area is x < 2.
    let m = Mesh::grid(8, 1, 0.5);
    let s = m.sample_surface(20_000, 7);
    assert_eq!(s, m.sample_surface(20_000, 7));
    let left = s.iter().filter(|p| p.point.x < 2.0).count() as f64 / 20_000.0;
    assert!((left - 0.5).abs() < 0.015, "left fraction {left}");
    assert!(s.iter().all(|p| p.point.z == 0.0 && (p.normal - Vector3::z()).norm() < 1e-12));
}

#[test]
fn rigid_transform_keeps_area_and_rotates_normals() {
    let m = Mesh::icosphere(2.0, 2);
    let iso =
        Isometry3::from_parts(Translation3::new(1.0, 2.0, 3.0), UnitQuaternion::from_euler_angles(0.3, -0.2, 1.0));
    let t = m.transformed(&iso);
    assert!((t.area() - m.area()).abs() < 1e-9);
    let c = Point3::new(1.0, 2.0, 3.0);
    for (p, n) in t.positions().iter().zip(t.normals().unwrap()) {
        assert!(((p - c) / 2.0 - n).norm() < 1e-9);
    }
}

#[test]
fn invalid_arrays_are_rejected_with_the_element() {
    let p = vec![Point3::new(0.0, 0.0, 0.0), Point3::new(1.0, f64::NAN, 0.0), Point3::new(0.0, 1.0, 0.0)];
    let e = Mesh::new(p.clone(), vec![[0, 1, 2]]).unwrap_err();
    assert!(e.to_string().contains("vertex 1"), "{e}");
    let ok: Vec<_> = p.iter().map(|q| Point3::new(q.x, 0.5, q.z)).collect();
    let e = Mesh::new(ok.clone(), vec![[0, 1, 3]]).unwrap_err();
    assert!(e.to_string().contains("triangle 0 refers to vertex 3"), "{e}");
    let e = Mesh::new(ok, vec![[0, 1, 2]]).unwrap().with_labels(vec![1]).unwrap_err();
    assert!(e.to_string().contains("labels has 1 entries"), "{e}");
}

#[test]
fn face_labels_become_vertex_labels_by_majority() {
    let m = Mesh::grid(2, 1, 1.0).with_face_labels(vec![11, 11, 21, 21]).unwrap();
    let v = m.vertex_labels_from_faces().unwrap();
    // Vertex 1 (x = 1, y = 0) touches faces 0, 1? Count directly.
    for (i, l) in v.iter().enumerate() {
        let mut votes: Vec<i32> = m
            .triangles()
            .iter()
            .zip(m.face_labels().unwrap())
            .filter(|(t, _)| t.contains(&(i as u32)))
            .map(|(_, &l)| l)
            .collect();
        votes.sort();
        let c11 = votes.iter().filter(|&&x| x == 11).count();
        let c21 = votes.len() - c11;
        assert_eq!(*l, if c21 >= c11 { 21 } else { 11 }, "ties go to the larger label");
    }
}

#[test]
fn tolerance_weld_finds_every_pair_within_tolerance_in_any_direction() {
    // Pairs of points at 0.9 × tolerance apart in random directions, at random places (including negative
    // coordinates and cell borders): every pair must merge, and points 1.1 × tolerance apart must not.
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let tol = 0.01;
    for (gap, merged) in [(0.9, true), (1.1, false)] {
        let mut p = Vec::new();
        for k in 0..2000 {
            let a = Point3::new(rng.random_range(-5.0..5.0), rng.random_range(-5.0..5.0), k as f64 * 0.1);
            let d = Vector3::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
                .normalize();
            p.push(a);
            p.push(a + d * gap * tol);
        }
        let w = Mesh::new(p, vec![]).unwrap().weld(tol);
        let expect = if merged { 2000 } else { 4000 };
        assert_eq!(w.mesh.vertex_count(), expect, "gap {gap} × tolerance");
    }
}

#[test]
fn surface_index_tells_inside_from_outside_and_casts_rays() {
    use cusp::mesh::SurfaceIndex;
    let s = Mesh::icosphere(5.0, 4);
    let i = SurfaceIndex::new(&s).unwrap();
    let (_, d, inside) = i.closest(&Point3::origin());
    assert!(inside && (d - 5.0).abs() < 0.01, "{d} {inside}");
    let (q, d, inside) = i.closest(&Point3::new(7.0, 0.0, 0.0));
    assert!(!inside && (d - 2.0).abs() < 0.01 && (q.x - 5.0).abs() < 0.01);
    let hit = i.ray(&Point3::new(-10.0, 0.0, 0.0), &Vector3::x(), 100.0).unwrap();
    assert!((hit.distance - 5.0).abs() < 0.01 && hit.normal.x < -0.99);
    assert!(i.ray(&Point3::new(-10.0, 6.0, 0.0), &Vector3::x(), 100.0).is_none());
}
