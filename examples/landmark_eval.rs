//! Landmark errors per class: on phantoms against their true landmarks (segmented by cusp, and with the true
//! labels to separate the landmark method from segmentation), and on the real arches that come with
//! landmarks (DCBIA P12, Mesh_Labeler Example_01; true labels), reported as measured.
//!
//! `cargo run --release --example landmark_eval [-- --seeds N]`

use cusp::dentition::Dentition;
use cusp::eval::landmarks::{landmark_errors, LandmarkErrors, DEFAULT_REACH_MM};
use cusp::landmark::{find_landmarks, read_landmarks, Landmark};
use cusp::mesh::{Mesh, SurfaceIndex};
use cusp::phantom::{Phantom, PhantomSpec};
use std::path::PathBuf;

fn print(name: &str, e: &LandmarkErrors) {
    println!("{name}\n{e}");
}

/// Median distance of the points to the mesh surface (mm): near 0 when both are in one frame.
fn on_surface(mesh: &Mesh, points: &[Landmark]) -> f64 {
    let index = SurfaceIndex::new(mesh).expect("a mesh with triangles");
    let mut d: Vec<f64> =
        points.iter().map(|l| index.closest_within(&l.coord.into(), 50.0).map_or(50.0, |(_, d, _)| d)).collect();
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seeds: u64 = args
        .iter()
        .position(|a| a == "--seeds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let (mut truth, mut segmented, mut labelled) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 1..=seeds {
        let spec =
            if seed % 2 == 0 { PhantomSpec::coarse(seed) } else { PhantomSpec { seed, ..PhantomSpec::default() } };
        let p = Phantom::generate(&spec)?;
        for (model, jt) in [&p.upper, &p.lower].into_iter().zip(&p.truth.jaws) {
            let mesh = model.mesh.clone().without_labels();
            let t0 = std::time::Instant::now();
            let seg = cusp::segment::segment(&mesh)?;
            let found = find_landmarks(&mesh, &seg.dentition);
            let secs = t0.elapsed().as_secs_f64();
            let labels = model.mesh.labels().unwrap_or_default();
            let gt = Dentition::from_labels(&mesh, labels, model.jaw, seg.frame.occlusal);
            let e = landmark_errors(&jt.landmarks, &found, DEFAULT_REACH_MM);
            if std::env::var_os("LANDMARK_EVAL_VERBOSE").is_some() {
                // Each true landmark's error with the true labels, in its tooth's true frame (mesial, buccal,
                // occlusal; mm).
                let ours = find_landmarks(&mesh, &gt);
                for t in &jt.landmarks {
                    let tooth = jt.teeth.iter().find(|x| x.fdi == t.fdi).expect("a true tooth");
                    let near = ours
                        .iter()
                        .filter(|o| o.fdi == t.fdi && o.class == t.class)
                        .map(|o| nalgebra::Vector3::from(o.coord) - nalgebra::Vector3::from(t.coord))
                        .min_by(|a, b| a.norm().total_cmp(&b.norm()));
                    if let Some(d) = near {
                        let [m, b, o] =
                            [tooth.mesial, tooth.buccal, tooth.occlusal].map(|a| nalgebra::Vector3::from(a).dot(&d));
                        println!("    {} {:?}: m {m:+.2} b {b:+.2} o {o:+.2}", t.fdi, t.class.unwrap());
                    }
                }
            }
            print(
                &format!(
                    "phantom seed {seed} {} ({} vertices, segment + landmarks {secs:.2} s)",
                    jt.jaw,
                    mesh.vertex_count()
                ),
                &e,
            );
            // Pooled over jaws with each jaw moved 1 m apart, so that no pair crosses jaws.
            let apart = |ls: &[Landmark]| -> Vec<Landmark> {
                let dx = 1000.0 * (truth.len() as f64 + 1.0);
                ls.iter().map(|l| Landmark { coord: [l.coord[0] + dx, l.coord[1], l.coord[2]], ..*l }).collect()
            };
            let (t, s, l) = (apart(&jt.landmarks), apart(&found), apart(&find_landmarks(&mesh, &gt)));
            truth.push(t);
            segmented.push(s);
            labelled.push(l);
        }
    }
    let (truth, segmented, labelled) = (truth.concat(), segmented.concat(), labelled.concat());
    print("all phantoms, segmented by cusp", &landmark_errors(&truth, &segmented, DEFAULT_REACH_MM));
    print("all phantoms, true labels", &landmark_errors(&truth, &labelled, DEFAULT_REACH_MM));

    let real = std::env::var_os("CUSP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared"))
        .join("data/real");
    for (dir, stem, marks) in
        [("dcbia", "P12_teeth_uid", "P12_O.mrk.json"), ("meshlabeler", "Example_01", "Example_01_UR1.fcsv")]
    {
        let d = real.join(dir);
        let Ok(mesh) = cusp::io::read_mesh(d.join(format!("{stem}.ply"))) else {
            println!("{dir}: not found under {}", real.display());
            continue;
        };
        let labels = cusp::io::read_labels_for(d.join(format!("{stem}.labels.json")), &mesh)?;
        let file = read_landmarks(&d.join(marks))?;
        let frame = cusp::segment::orient(&mesh);
        let dentition = Dentition::from_labels(&mesh, &labels.labels, labels.jaw, frame.occlusal);
        let found = find_landmarks(&mesh, &dentition);
        let as_stated = file.landmarks.clone();
        let lps = file.to_lps();
        println!(
            "{dir} {stem}: {} reference points ({:?}); median distance to the surface as written {:.2} mm, in LPS {:.2} mm",
            as_stated.len(),
            file.coordinate_system,
            on_surface(&mesh, &as_stated),
            on_surface(&mesh, &lps)
        );
        let on = if on_surface(&mesh, &as_stated) <= on_surface(&mesh, &lps) { as_stated } else { lps };
        print(&format!("{dir} {stem}, true labels"), &landmark_errors(&on, &found, DEFAULT_REACH_MM));
    }
    // Every labelled real arch with its true labels: which landmarks each tooth got, and how far a tooth's
    // mesial contact lies from its mesial neighbour's distal one (the same contact seen from both sides).
    println!("real arches, true labels: teeth, teeth with all five single landmarks, cusps, contact pairs, |mesial - neighbour's distal| median / largest (mm)");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&real)
        .map(|r| r.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    sources.sort();
    for dir in sources {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            let Some(stem) = name.strip_suffix(".labels.json") else { continue };
            let Ok(mesh) = cusp::io::read_mesh(dir.join(format!("{stem}.ply"))) else { continue };
            let gt = cusp::io::read_labels_for(&f, &mesh)?;
            let frame = cusp::segment::orient(&mesh);
            let dentition = Dentition::from_labels(&mesh, &gt.labels, gt.jaw, frame.occlusal);
            let found = find_landmarks(&mesh, &dentition);
            let of = |fdi: i32, class: cusp::landmark::LandmarkClass| {
                found.iter().find(|l| l.fdi == fdi && l.class == Some(class))
            };
            use cusp::landmark::LandmarkClass as C;
            let complete = dentition
                .teeth
                .iter()
                .filter(|t| {
                    [C::Mesial, C::Distal, C::FacialPoint, C::OuterPoint, C::InnerPoint]
                        .iter()
                        .all(|&c| of(t.fdi, c).is_some())
                })
                .count();
            let cusps = found.iter().filter(|l| l.class == Some(C::Cusp)).count();
            let present = |x: i32| dentition.tooth(x).is_some();
            let mut d: Vec<f64> = dentition
                .teeth
                .iter()
                .filter_map(|t| {
                    let n = cusp::dentition::mesial_neighbour(t.fdi, present)?;
                    if t.fdi % 10 == 1 {
                        return None; // the central incisors' contact is mesial on both
                    }
                    let (a, b) = (of(t.fdi, C::Mesial)?, of(n, C::Distal)?);
                    Some((nalgebra::Vector3::from(a.coord) - nalgebra::Vector3::from(b.coord)).norm())
                })
                .collect();
            d.sort_by(f64::total_cmp);
            let med = d.get(d.len() / 2).copied().unwrap_or(f64::NAN);
            let max = d.last().copied().unwrap_or(f64::NAN);
            println!(
                "  {:<14} {:<40} teeth {:2}  complete {:2}  cusps {:3}  pairs {:2}  {:.2} / {:.2}",
                dir.file_name().and_then(|n| n.to_str()).unwrap_or(""),
                stem,
                dentition.teeth.len(),
                complete,
                cusps,
                d.len(),
                med,
                max
            );
        }
    }
    Ok(())
}
