//! Aligner staging, checked by recomputing everything from the written plan.json.

mod common;

use cusp::dentition::{Dentition, Jaw, ToothMove};
use cusp::phantom::{Phantom, PhantomSpec};
use cusp::staging::{plan, plan_sequenced, CrownCollider, Limits, Plan, Sequencing, Setup};
use nalgebra::{Isometry3, Vector3};

fn lower(seed: u64) -> (cusp::mesh::Mesh, Dentition) {
    let p = Phantom::generate(&PhantomSpec::coarse(seed)).unwrap();
    let m = p.lower.mesh.clone();
    let d = Dentition::from_labels(&m, m.labels().unwrap(), Jaw::Lower, Vector3::z());
    (m, d)
}

fn mv(fdi: i32, t: [f64; 3], r: [f64; 3]) -> ToothMove {
    ToothMove { fdi, translation_mm: t, rotation_deg: r }
}

/// Every property the issue asks for, recomputed from the plan as a lab would read it; no overlap beyond 0.05 mm
/// added at any stage after the IPR done by then.
fn check(mesh: &cusp::mesh::Mesh, d: &Dentition, plan_json: &str, setup: &Setup) -> Plan {
    let plan: Plan = serde_json::from_str(plan_json).unwrap();
    let worst = check_plan(mesh, d, &plan, setup, "phantom", 0.01);
    assert!(worst <= 0.05 + 1e-9, "overlap {worst:.3} mm after IPR");
    plan
}

/// Every stage within the limits and its incremental transform the step between cumulative ones, the last
/// stage the target (translation within 1 µm, rotation within `rotation_tol_deg`), IPR within the per-surface
/// limit, no stage in which nothing moves and no fewer stages than the lower bound, recomputed from the plan;
/// returns the worst overlap added at any stage after the IPR done by then (mm), re-measured with the crowns
/// of the dentition's labels.
fn check_plan(
    mesh: &cusp::mesh::Mesh,
    d: &Dentition,
    plan: &Plan,
    setup: &Setup,
    name: &str,
    rotation_tol_deg: f64,
) -> f64 {
    let limits = plan.limits.as_array();
    for (i, f) in plan.frames.iter().enumerate() {
        let mut prev = [0.0; 6];
        for s in &plan.stages {
            assert_eq!(s.teeth[i].fdi, f.fdi);
            let m = f.local_move(&s.teeth[i].cumulative.isometry());
            let cur: [f64; 6] = [m.translation_mm, m.rotation_deg].concat().try_into().unwrap();
            for k in 0..6 {
                let step = (cur[k] - prev[k]).abs();
                assert!(
                    step <= limits[k] + 1e-6,
                    "{name}: tooth {} stage {} axis {k}: {step} > {}",
                    f.fdi,
                    s.index,
                    limits[k]
                );
            }
            if s.index > 0 {
                let before = plan.stages[s.index - 1].teeth[i].cumulative.isometry();
                let step = s.teeth[i].incremental.isometry() * before;
                let diff = step.inverse() * s.teeth[i].cumulative.isometry();
                assert!(diff.translation.vector.norm() < 1e-9 && diff.rotation.angle() < 1e-9);
            }
            prev = cur;
        }
        let target = setup
            .teeth
            .iter()
            .find(|m| m.fdi == f.fdi)
            .map_or([0.0; 6], |m| [m.translation_mm, m.rotation_deg].concat().try_into().unwrap());
        for k in 0..6 {
            let tol = if k < 3 { 1e-3 } else { rotation_tol_deg };
            assert!(
                (prev[k] - target[k]).abs() <= tol,
                "{name}: tooth {} final axis {k}: {} vs {}",
                f.fdi,
                prev[k],
                target[k]
            );
        }
    }
    for w in plan.stages.windows(2) {
        let moves = w[1].teeth.iter().any(|t| {
            let step = t.incremental.isometry();
            step.translation.vector.norm() > 1e-9 || step.rotation.angle() > 1e-9
        });
        assert!(moves, "{name}: stage {} moves nothing", w[1].index);
    }
    for e in &plan.ipr {
        assert!(e.per_surface_mm <= plan.limits.ipr_per_surface_mm + 1e-12, "{name}: {e:?}");
    }
    assert!(plan.stages.len() > plan.lower_bound_stages, "fewer stages than the lower bound");
    let teeth: Vec<_> = plan.frames.iter().map(|f| d.tooth(f.fdi).unwrap()).collect();
    let collider = CrownCollider::new(mesh, &teeth);
    let mut worst: f64 = 0.0;
    for s in &plan.stages {
        let poses: Vec<Isometry3<f64>> = s.teeth.iter().map(|t| t.cumulative.isometry()).collect();
        for p in 0..poses.len() - 1 {
            let pair = [plan.frames[p].fdi, plan.frames[p + 1].fdi];
            let ipr: f64 = plan.ipr.iter().filter(|e| e.teeth == pair && e.stage <= s.index).map(|e| e.amount_mm).sum();
            // Overlap is counted beyond what the initial arch already has (crowns cut from a scan touch).
            worst = worst.max(collider.penetration(p, p + 1, &poses) - ipr);
        }
    }
    worst
}

#[test]
fn a_mixed_setup_is_staged_within_limits_to_its_target_without_collisions() {
    let (mesh, d) = lower(2);
    let setup = Setup {
        note: String::new(),
        teeth: vec![
            mv(41, [0.0, -0.8, 0.3], [2.0, -4.0, 8.0]),
            mv(31, [0.0, -0.6, 0.0], [0.0, -3.0, -6.0]),
            mv(33, [0.3, 0.0, -0.4], [0.0, 2.0, 15.0]),
            mv(43, [0.0, 0.5, 0.0], [4.0, 0.0, -10.0]),
            mv(45, [-0.6, 0.2, 0.0], [0.0, 0.0, 0.0]),
            mv(36, [0.0, 0.0, 0.5], [-3.0, 0.0, 0.0]),
        ],
    };
    let p = plan(&mesh, &d, &setup, &Limits::default()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    let p = check(&mesh, &d, &json, &setup);
    let n = p.stages.len() - 1;
    eprintln!("stages {n}, lower bound {}, ipr {:?}, {}", p.lower_bound_stages, p.ipr, p.sequencing);
    assert_eq!(p.lower_bound_stages, 8, "33's 15° rotation at 2° per stage needs 8 stages, more than any other");
    // 45 moved 0.6 mm distally into 46: that contact is reduced, not collided.
    assert!(p.ipr.iter().any(|e| e.teeth == [46, 45] && e.amount_mm >= 0.5), "{:?}", p.ipr);
    assert!(n as f64 <= 1.1 * p.lower_bound_stages as f64, "{n} stages for a lower bound of {}", p.lower_bound_stages);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn closing_into_a_contact_plans_ipr_instead_of_colliding() {
    let (mesh, d) = lower(3);
    // Both central incisors pushed toward each other by 0.3 mm: the contact must give 0.6 mm.
    let setup = Setup {
        note: String::new(),
        teeth: vec![mv(41, [0.3, 0.0, 0.0], [0.0; 3]), mv(31, [0.3, 0.0, 0.0], [0.0; 3])],
    };
    let p = plan(&mesh, &d, &setup, &Limits::default()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    let p = check(&mesh, &d, &json, &setup);
    let e = p.ipr.iter().find(|e| e.teeth == [41, 31]).expect("IPR between 41 and 31");
    assert!(e.amount_mm >= 0.55 && e.amount_mm <= 0.75, "IPR {} mm", e.amount_mm);
    assert!(e.stage >= 1 && e.stage < p.stages.len());
    assert!(p.ipr.iter().all(|e| e.teeth == [41, 31] || e.amount_mm <= 0.1), "{:?}", p.ipr);
}

#[test]
fn a_setup_for_a_tooth_that_is_not_there_is_refused() {
    let (mesh, d) = lower(2);
    let setup = Setup { note: String::new(), teeth: vec![mv(21, [0.1, 0.0, 0.0], [0.0; 3])] };
    let e = plan(&mesh, &d, &setup, &Limits::default()).unwrap_err().to_string();
    assert!(e.contains("21"), "{e}");
    let bad = Setup::from_json(r#"{"teeth": [{"fdi": 41, "translation": [1, 0, 0]}]}"#, "setup.json").unwrap_err();
    assert!(bad.to_string().starts_with("setup.json") && bad.to_string().contains("translation"), "{bad}");
}

#[test]
fn teeth_moving_together_do_not_collide_and_a_phased_pattern_is_sequenced_around_its_collision() {
    let (mesh, d) = lower(2);
    // 41 and every tooth of quadrant 3 shift 0.6 mm toward the patient's left (mesially for 41, distally for
    // the others); 32 also rotates 10° (5 stages).
    let setup = Setup {
        note: String::new(),
        teeth: vec![
            mv(41, [0.6, 0.0, 0.0], [0.0; 3]),
            mv(31, [-0.6, 0.0, 0.0], [0.0; 3]),
            mv(32, [-0.6, 0.0, 0.0], [0.0, 0.0, 10.0]),
            mv(33, [-0.6, 0.0, 0.0], [0.0; 3]),
            mv(34, [-0.6, 0.0, 0.0], [0.0; 3]),
            mv(35, [-0.6, 0.0, 0.0], [0.0; 3]),
            mv(36, [-0.6, 0.0, 0.0], [0.0; 3]),
            mv(37, [-0.6, 0.0, 0.0], [0.0; 3]),
        ],
    };
    assert!(d.tooth(38).is_none(), "37 is the last tooth of quadrant 3");
    // Together: every tooth at its even pace over the same stages, so none catches up with its neighbour.
    let p = plan(&mesh, &d, &setup, &Limits::default()).unwrap();
    let p = check(&mesh, &d, &serde_json::to_string(&p).unwrap(), &setup);
    assert_eq!(p.stages.len() - 1, p.lower_bound_stages, "{}", p.sequencing);
    assert!(p.sequencing.contains("no collisions"), "{}", p.sequencing);
    assert!(p.warnings.is_empty() && p.ipr.is_empty(), "{:?} {:?}", p.warnings, p.ipr);
    // Anteriors first: 33 would run into 34 before 34 moves; the plan changes when 34 (or 33) moves instead.
    let p = plan_sequenced(&mesh, &d, &setup, &Limits::default(), Sequencing::AnteriorsFirst).unwrap();
    let p = check(&mesh, &d, &serde_json::to_string(&p).unwrap(), &setup);
    let n = p.stages.len() - 1;
    eprintln!("{n} stages (lower bound {}), {}; ipr {:?}", p.lower_bound_stages, p.sequencing, p.ipr);
    assert!(p.sequencing.contains("to avoid collisions"), "{}", p.sequencing);
    assert!(n <= 2 * p.lower_bound_stages, "{n} stages for a lower bound of {}", p.lower_bound_stages);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

/// The real development arches with their true labels and the automatic target. Measured when written (16
/// arches): stages ≤ 1.25 × the lower bound + 1 on 15, no overlap added beyond 0.05 mm on 13, IPR ≤ the 3 mm
/// arch budget on 14; the rest are arches whose crowding exceeds the budget, and their plans say so.
#[test]
fn real_arches_are_staged_within_limits_and_say_what_they_could_not_resolve() {
    let Some(dir) = common::real_dir() else { return };
    let arches = common::labelled_real_arches(&dir);
    assert!(arches.len() >= 16, "{} arches", arches.len());
    let (mut short, mut clear, mut budget) = (0, 0, 0);
    for (name, mesh, truth) in &arches {
        let frame = cusp::segment::orient(mesh);
        let d = Dentition::from_labels(mesh, &truth.labels, truth.jaw, frame.occlusal);
        let limits = Limits::default();
        let (setup, used) = cusp::staging::auto_setup(mesh, &d, &limits, &Default::default());
        let p = plan(mesh, &d, &setup, &limits).unwrap();
        let p: Plan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        let added = check_plan(mesh, &d, &p, &setup, name, 1e-3);
        let n = p.stages.len() - 1;
        let ipr: f64 = p.ipr.iter().map(|e| e.amount_mm).sum();
        eprintln!(
            "{name}: {n} stages (bound {}), IPR {ipr:.2} mm, added overlap {added:.2} mm, {used:?}",
            p.lower_bound_stages
        );
        // The automatic target moves crowns as a clinician would start: a few millimetres, no rotation.
        for m in &setup.teeth {
            let far = m.translation_mm.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(far <= 6.0 && m.rotation_deg == [0.0; 3], "{name}: tooth {} moves {far:.1} mm", m.fdi);
        }
        // A collision or an IPR overrun is never silent.
        if added > 0.05 + 1e-9 || ipr > limits.ipr_per_arch_mm + 1e-9 {
            assert!(!p.warnings.is_empty(), "{name}: {added:.2} mm overlap, {ipr:.2} mm IPR and no warning");
        }
        short += usize::from(n as f64 <= 1.25 * p.lower_bound_stages as f64 + 1.0);
        clear += usize::from(added <= 0.05 + 1e-9);
        budget += usize::from(ipr <= limits.ipr_per_arch_mm + 1e-9);
    }
    eprintln!("{short} short, {clear} clear, {budget} within the IPR budget of {}", arches.len());
    assert!(short >= 14 && clear >= 10 && budget >= 13, "{short} short, {clear} clear, {budget} within budget");
}

/// The issue's case: two incisors moved 0.6 mm and turned 8° on a real arch need 4 stages, and get 4.
#[test]
fn two_incisors_on_a_real_arch_take_the_lower_bound() {
    let Some(dir) = common::real_dir() else { return };
    let arches = common::labelled_real_arches(&dir);
    let (name, mesh, truth) = arches.iter().find(|a| a.0.ends_with("001_U")).expect("iosseg3d 001_U");
    let frame = cusp::segment::orient(mesh);
    let d = Dentition::from_labels(mesh, &truth.labels, truth.jaw, frame.occlusal);
    let setup = Setup {
        note: String::new(),
        teeth: vec![mv(11, [0.0, 0.6, 0.0], [0.0, 0.0, 8.0]), mv(21, [0.0, 0.6, 0.0], [0.0, 0.0, -8.0])],
    };
    let p = plan(mesh, &d, &setup, &Limits::default()).unwrap();
    let p: Plan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    check_plan(mesh, &d, &p, &setup, name, 1e-3);
    assert_eq!(p.lower_bound_stages, 4);
    assert_eq!(p.stages.len() - 1, 4, "{}", p.sequencing);
}

/// Attachments where the movement calls for one: a premolar turned 20°, an incisor extruded 0.6 mm, a canine
/// torqued 12°; none on a tooth that only tips 3°.
#[test]
fn attachments_follow_the_movements_that_need_them() {
    let (mesh, d) = lower(2);
    let setup = Setup {
        note: String::new(),
        teeth: vec![
            mv(44, [0.0; 3], [0.0, 0.0, 20.0]),
            mv(41, [0.0, 0.0, 0.6], [0.0; 3]),
            mv(33, [0.0; 3], [0.0, 12.0, 0.0]),
            mv(36, [0.0; 3], [3.0, 0.0, 0.0]),
        ],
    };
    let p = plan(&mesh, &d, &setup, &Limits::default()).unwrap();
    let on = |fdi: i32, what: &str| p.attachments.iter().any(|(f, w)| *f == fdi && w.starts_with(what));
    assert!(on(44, "rotation") && on(41, "extrusion") && on(33, "root-movement"), "{:?}", p.attachments);
    assert_eq!(p.attachments.len(), 3, "{:?}", p.attachments);
}
