//! Segmentation over every labelled real arch in `../shared/data/real` (or `$CUSP_SHARED/data/real`), scored
//! with the 3DTeethSeg'22 metrics, per scan and per source, with instance counts and the jaw found:
//!
//! ```sh
//! cargo run --release --example segment_eval                 # every arch as stored
//! cargo run --release --example segment_eval -- --augment 3  # also 3 random poses, a mirror, a decimation each
//! cargo run --release --example segment_eval -- --phantoms --augment 1 --loso  # and leave one source out
//! ```
//!
//! Instances are counted against the true teeth: *invented* — a predicted instance most of whose vertices are
//! true gingiva; *merged* — a predicted instance holding at least 30 % of two true teeth; *missed* — a true tooth
//! no predicted instance holds 30 % of. Augmentations: a random rigid pose (any rotation, 0–100 mm shift), the
//! arch mirrored left ↔ right (FDI numbers mirrored in the truth), the surface simplified by edge collapse
//! (meshoptimizer) to 5k and 20k vertices, a crop 9 mm below the crown tips, one side of the arch cut at the
//! midline.
//!
//! Evaluation only: this reads the true labels; the pipeline never does.

use cusp::dentition::Jaw;
use cusp::io::{self, Teeth3dsLabels};
use cusp::mesh::Mesh;
use cusp::phantom::{Phantom, PhantomSpec};
use cusp::segment::SegmentParams;
use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Row {
    source: String,
    scan: String,
    variant: String,
    tsa: f64,
    tla: f64,
    tir: f64,
    jaw_ok: bool,
    /// The jaw score the frame's jaw was called on (upper above `cusp::segment::UPPER_SCORE`) and the true jaw.
    jaw_score: f64,
    upper: bool,
    gt_teeth: usize,
    predicted: usize,
    invented: usize,
    merged: usize,
    missed: usize,
    seconds: f64,
    /// Angles (degrees) between the frame found and the one the true labels give: occlusal, anterior.
    frame_err_deg: (f64, f64),
    /// Fractions of all vertices: true gingiva called tooth, true tooth called gingiva.
    gum_as_tooth: f64,
    tooth_as_gum: f64,
}

/// The arch frame the true labels give (occlusal, anterior), mesh frame: anterior from the molars' centroid to
/// the incisors', right from the left quadrant's teeth to the right's, occlusal from both and the jaw.
fn true_frame(mesh: &Mesh, gt: &Teeth3dsLabels) -> Option<(Vector3<f64>, Vector3<f64>)> {
    let mean = |f: &dyn Fn(i32) -> bool| {
        let v: Vec<Vector3<f64>> =
            mesh.positions().iter().zip(&gt.labels).filter(|(_, l)| f(**l)).map(|(p, _)| p.coords).collect();
        (!v.is_empty()).then(|| v.iter().sum::<Vector3<f64>>() / v.len() as f64)
    };
    let front = mean(&|l| l != 0 && l % 10 <= 2)?;
    let back = mean(&|l| l != 0 && l % 10 >= 5)?;
    let right = mean(&|l| l / 10 == 1 || l / 10 == 4)?;
    let left = mean(&|l| l / 10 == 2 || l / 10 == 3)?;
    let x = (right - left).normalize();
    let y0 = front - back;
    let y = (y0 - x * x.dot(&y0)).normalize();
    let superior = x.cross(&y);
    let occlusal = if gt.jaw == Jaw::Upper { -superior } else { superior };
    Some((occlusal, y))
}

/// The patient's right from the true labels: from the left quadrant's teeth to the right's.
fn right_axis(mesh: &Mesh, gt: &Teeth3dsLabels) -> Vector3<f64> {
    let mean = |q: [i32; 2]| {
        let v: Vec<Vector3<f64>> = mesh
            .positions()
            .iter()
            .zip(&gt.labels)
            .filter(|(_, l)| q.contains(&(**l / 10)))
            .map(|(p, _)| p.coords)
            .collect();
        v.iter().sum::<Vector3<f64>>() / v.len().max(1) as f64
    };
    (mean([1, 4]) - mean([2, 3])).normalize()
}

/// Between the central incisors (true labels).
fn midline_point(mesh: &Mesh, gt: &Teeth3dsLabels) -> Point3<f64> {
    let v: Vec<Vector3<f64>> = mesh
        .positions()
        .iter()
        .zip(&gt.labels)
        .filter(|(_, l)| **l % 10 == 1 && **l != 0)
        .map(|(p, _)| p.coords)
        .collect();
    Point3::from(v.iter().sum::<Vector3<f64>>() / v.len().max(1) as f64)
}

fn mirror_fdi(l: i32) -> i32 {
    if l == 0 {
        return 0;
    }
    let (q, t) = (l / 10, l % 10);
    let q2 = match q {
        1 => 2,
        2 => 1,
        3 => 4,
        4 => 3,
        x => x,
    };
    q2 * 10 + t
}

/// Instance counts of a prediction against the truth.
fn instance_counts(gt: &[i32], pred_inst: &[i32]) -> (usize, usize, usize) {
    let mut overlap: BTreeMap<i32, BTreeMap<i32, usize>> = BTreeMap::new(); // pred → gt → n
    let mut gt_size: BTreeMap<i32, usize> = BTreeMap::new();
    for (g, p) in gt.iter().zip(pred_inst) {
        if *g != 0 {
            *gt_size.entry(*g).or_default() += 1;
        }
        if *p != 0 {
            *overlap.entry(*p).or_default().entry(*g).or_default() += 1;
        }
    }
    let mut invented = 0;
    let mut merged = 0;
    for by_gt in overlap.values() {
        let total: usize = by_gt.values().sum();
        if by_gt.get(&0).copied().unwrap_or(0) * 2 > total {
            invented += 1;
        }
        let big = by_gt.iter().filter(|(g, n)| **g != 0 && **n as f64 >= 0.3 * gt_size[g] as f64).count();
        if big >= 2 {
            merged += 1;
        }
    }
    let missed = gt_size
        .iter()
        .filter(|(g, size)| !overlap.values().any(|m| m.get(g).copied().unwrap_or(0) as f64 >= 0.3 * **size as f64))
        .count();
    (invented, merged, missed)
}

/// One arch to segment and score: where it came from, how it was changed, the surface and its true labels.
struct Case {
    source: String,
    scan: String,
    variant: String,
    mesh: Mesh,
    gt: Teeth3dsLabels,
}

fn case(source: &str, scan: &str, variant: &str, mesh: &Mesh, gt: &Teeth3dsLabels) -> Case {
    Case { source: source.into(), scan: scan.into(), variant: variant.into(), mesh: mesh.clone(), gt: gt.clone() }
}

fn evaluate(c: &Case, params: &SegmentParams) -> Row {
    let (source, scan, variant, mesh, gt) = (c.source.as_str(), c.scan.as_str(), c.variant.as_str(), &c.mesh, &c.gt);
    let t = std::time::Instant::now();
    let seg = cusp::segment::segment_with(mesh, params).expect("a dental arch");
    let seconds = t.elapsed().as_secs_f64();
    let pred = Teeth3dsLabels {
        instances: seg.instances.clone(),
        ..Teeth3dsLabels::new("", seg.frame.jaw, seg.labels.clone())
    };
    let s = cusp::eval::segment::score(mesh.positions(), gt, &pred);
    let (invented, merged, missed) = instance_counts(&gt.labels, &seg.instances);
    if std::env::var_os("SEG_EVAL_INSTANCES").is_some() {
        print_instances(scan, variant, mesh, gt, &seg);
    }
    let nv = gt.labels.len().max(1) as f64;
    let gum_as_tooth = gt.labels.iter().zip(&seg.labels).filter(|(g, p)| **g == 0 && **p != 0).count() as f64 / nv;
    let tooth_as_gum = gt.labels.iter().zip(&seg.labels).filter(|(g, p)| **g != 0 && **p == 0).count() as f64 / nv;
    let frame_err_deg = true_frame(mesh, gt).map_or((f64::NAN, f64::NAN), |(o, a)| {
        (o.angle(&seg.frame.occlusal).to_degrees(), a.angle(&seg.frame.anterior).to_degrees())
    });
    Row {
        source: source.into(),
        scan: scan.into(),
        variant: variant.into(),
        tsa: s.tsa,
        tla: s.tla,
        tir: s.tir,
        jaw_ok: seg.frame.jaw == gt.jaw,
        jaw_score: seg.frame.jaw_margin + cusp::segment::UPPER_SCORE,
        upper: gt.jaw == Jaw::Upper,
        gt_teeth: s.gt_teeth,
        predicted: seg.teeth.len(),
        invented,
        merged,
        missed,
        seconds,
        frame_err_deg,
        gum_as_tooth,
        tooth_as_gum,
    }
}

/// Per predicted tooth: its area, its relief (highest point above the mean of its border with the gingiva,
/// along the frame's occlusal axis), and the share of it that is true gingiva.
fn print_instances(scan: &str, variant: &str, mesh: &Mesh, gt: &Teeth3dsLabels, seg: &cusp::segment::Segmentation) {
    let h: Vec<f64> = mesh.positions().iter().map(|p| (p - seg.frame.origin).dot(&seg.frame.occlusal)).collect();
    let mut border = vec![false; h.len()];
    for t in mesh.triangles() {
        for k in 0..3 {
            let (a, b) = (t[k] as usize, t[(k + 1) % 3] as usize);
            if (seg.labels[a] == 0) != (seg.labels[b] == 0) {
                border[a] = true;
                border[b] = true;
            }
        }
    }
    let areas = mesh.vertex_areas();
    for &fdi in &seg.teeth {
        let vs: Vec<usize> = (0..h.len()).filter(|&v| seg.labels[v] == fdi).collect();
        let area: f64 = vs.iter().map(|&v| areas[v]).sum();
        let gum = vs.iter().filter(|&&v| gt.labels[v] == 0).count() as f64 / vs.len().max(1) as f64;
        let top = vs.iter().map(|&v| h[v]).fold(f64::NEG_INFINITY, f64::max);
        let b: Vec<f64> = vs.iter().filter(|&&v| border[v]).map(|&v| h[v]).collect();
        let bmean = b.iter().sum::<f64>() / b.len().max(1) as f64;
        println!(
            "INST {scan} {variant} fdi {fdi} area {area:.1} relief {:.2} gum {gum:.2}{}",
            top - bmean,
            if gum > 0.5 { " INVENTED" } else { "" }
        );
    }
}

fn mirrored(mesh: &Mesh) -> Mesh {
    // Reflect across the plane through the centroid normal to the arch's own right axis: a mirror in any frame.
    let frame = cusp::segment::orient(mesh);
    let c = frame.origin;
    let r = frame.right;
    let pos: Vec<Point3<f64>> = mesh.positions().iter().map(|p| p - 2.0 * (p - c).dot(&r) * r).collect();
    let tris: Vec<[u32; 3]> = mesh.triangles().iter().map(|t| [t[0], t[2], t[1]]).collect();
    Mesh::new(pos, tris).expect("mirrored mesh")
}

/// The mesh simplified by edge collapse (meshoptimizer) to about `vertices` vertices, as a scanner's "reduced"
/// export is, with the index of each kept vertex in `mesh` (its label carries over).
fn decimated(mesh: &Mesh, vertices: usize) -> (Mesh, Vec<u32>) {
    let bytes: Vec<u8> =
        mesh.positions().iter().flat_map(|p| [p.x as f32, p.y as f32, p.z as f32]).flat_map(f32::to_ne_bytes).collect();
    let adapter = meshopt::VertexDataAdapter::new(&bytes, 12, 0).expect("positions as f32 triples");
    let indices: Vec<u32> = mesh.triangles().iter().flatten().copied().collect();
    let kept = meshopt::simplify(&indices, &adapter, vertices * 6, 1.0, meshopt::SimplifyOptions::None, None);
    let tris: Vec<[u32; 3]> = kept.chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect();
    let mut used = vec![false; mesh.vertex_count()];
    tris.iter().flatten().for_each(|&v| used[v as usize] = true);
    Mesh::new(mesh.positions().to_vec(), tris).expect("simplified mesh").submesh_within(&used)
}

/// Every triangle cut in four at its edges' midpoints (a denser export of the same surface), with the labels:
/// a midpoint takes its edge's label when both ends agree, else the lower end's.
fn subdivided(mesh: &Mesh, labels: &[i32]) -> (Mesh, Vec<i32>) {
    let mut pos = mesh.positions().to_vec();
    let mut lab = labels.to_vec();
    let mut mid: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    let mut at = |a: u32, b: u32, pos: &mut Vec<Point3<f64>>, lab: &mut Vec<i32>| {
        *mid.entry((a.min(b), a.max(b))).or_insert_with(|| {
            pos.push(nalgebra::center(&pos[a as usize], &pos[b as usize]));
            lab.push(if lab[a as usize] == lab[b as usize] { lab[a as usize] } else { lab[a.min(b) as usize] });
            (pos.len() - 1) as u32
        })
    };
    let mut tris = Vec::with_capacity(mesh.face_count() * 4);
    for &[a, b, c] in mesh.triangles() {
        let (ab, bc, ca) = (at(a, b, &mut pos, &mut lab), at(b, c, &mut pos, &mut lab), at(c, a, &mut pos, &mut lab));
        tris.extend([[a, ab, ca], [ab, b, bc], [ca, bc, c], [ab, bc, ca]]);
    }
    (Mesh::new(pos, tris).expect("subdivided mesh"), lab)
}

/// Leave one source out for the jaw threshold: for each source, the cut on the jaw score that separates the
/// other sources' rows best (most right, then the widest margin), and how it does on the held-out source.
fn leave_one_source_out(rows: &[Row]) {
    let sources: std::collections::BTreeSet<&str> =
        rows.iter().filter(|r| r.source != "phantom").map(|r| r.source.as_str()).collect();
    let best_cut = |train: &[&Row]| -> f64 {
        let mut scores: Vec<f64> = train.iter().map(|r| r.jaw_score).collect();
        scores.sort_by(f64::total_cmp);
        let mut best = (0usize, f64::NEG_INFINITY, 0.0);
        for w in scores.windows(2) {
            let cut = 0.5 * (w[0] + w[1]);
            let right = train.iter().filter(|r| (r.jaw_score > cut) == r.upper).count();
            let margin = 0.5 * (w[1] - w[0]);
            if right > best.0 || (right == best.0 && margin > best.1) {
                best = (right, margin, cut);
            }
        }
        best.2
    };
    println!("\nleave one source out, jaw threshold (deployed {:.3}):", cusp::segment::UPPER_SCORE);
    // Half arches are left out: the jaw call is not made for them yet (see the half-arch rows).
    let whole = |r: &&Row| !r.variant.contains("half");
    for s in &sources {
        let train: Vec<&Row> = rows.iter().filter(whole).filter(|r| r.source != *s).collect();
        let test: Vec<&Row> = rows.iter().filter(whole).filter(|r| r.source == *s).collect();
        let cut = best_cut(&train);
        let right = test.iter().filter(|r| (r.jaw_score > cut) == r.upper).count();
        let closest = test.iter().map(|r| (r.jaw_score - cut).abs()).fold(f64::INFINITY, f64::min);
        println!(
            "  held out {s:<12} cut {cut:.3} chosen on {} rows: {right}/{} right on {s}, nearest {closest:.3} from the cut",
            train.len(),
            test.len()
        );
    }
}

/// Every case segmented with each value of the parameter `name`: the mean challenge score ((TSA + TLA + TIR)
/// / 3) per source and value, then leave one
/// source out — for each real source the value the other sources (and the phantoms) score best is chosen, and
/// the held-out source is scored with it. Half arches are left out (not handled yet, see their rows).
fn sweep(cases: &[Case], name: &str, values: &[f64]) {
    let shipped = *SegmentParams::default()
        .scalars_mut()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no scalar parameter {name}"))
        .1;
    let runs: Vec<Vec<Row>> = values
        .iter()
        .map(|&v| {
            let mut params = SegmentParams::default();
            params.set(name, v);
            cases.iter().map(|c| evaluate(c, &params)).collect()
        })
        .collect();
    let used = |r: &&Row| !r.variant.contains("half");
    let mean = |rows: &[Row], pick: &dyn Fn(&Row) -> bool| {
        // The 3DTeethSeg'22 challenge's score: a numbering shifted by one costs TIR, which TSA barely sees.
        let sel: Vec<f64> =
            rows.iter().filter(used).filter(|r| pick(r)).map(|r| (r.tsa + r.tla + r.tir) / 3.0).collect();
        (sel.iter().sum::<f64>() / sel.len().max(1) as f64, sel.len())
    };
    let sources: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.source.as_str()).collect();
    println!("mean score (TSA + TLA + TIR) / 3 per source (all variants but half arches), {name} (shipped {shipped}):");
    print!("{:<12}", "source");
    for v in values {
        print!(" {v:>7}");
    }
    println!();
    for s in &sources {
        print!("{s:<12}");
        for rows in &runs {
            print!(" {:>7.4}", mean(rows, &|r| r.source == *s).0);
        }
        println!();
    }
    for (i, r) in runs[0].iter().enumerate().filter(|(_, r)| r.variant == "as stored" || r.source == "phantom") {
        print!("  {:<34}", format!("{} {}", &r.scan[..r.scan.len().min(24)], r.variant));
        for rows in &runs {
            print!(" {:>7.4}", (rows[i].tsa + rows[i].tla + rows[i].tir) / 3.0);
        }
        println!();
    }
    print!("{:<12}", "as stored");
    for rows in &runs {
        print!(" {:>7.4}", mean(rows, &|r| r.source != "phantom" && r.variant == "as stored").0);
    }
    let shipped_run = values.iter().position(|v| *v == shipped);
    println!("\nleave one source out (training: every other source and the phantoms):");
    for s in sources.iter().filter(|s| **s != "phantom") {
        let train = |r: &Row| r.source != *s;
        let best = (0..values.len())
            .max_by(|&a, &b| mean(&runs[a], &train).0.total_cmp(&mean(&runs[b], &train).0))
            .expect("at least one value");
        let (held, n) = mean(&runs[best], &|r| r.source == *s);
        let stored = mean(&runs[best], &|r| r.source == *s && r.variant == "as stored").0;
        println!(
            "  held out {s:<12} chosen {:>6} (training score {:.4}): held-out score {held:.4} over {n} rows, as stored {stored:.4}{}",
            values[best],
            mean(&runs[best], &train).0,
            shipped_run.map_or(String::new(), |i| format!("; shipped value there {:.4}", mean(&runs[i], &|r| r.source == *s).0))
        );
    }
}

fn real_dir() -> PathBuf {
    std::env::var_os("CUSP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("data/real")
}

fn labelled_scans(dir: &Path) -> Vec<(String, String, PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut sources: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    sources.sort();
    for s in sources.into_iter().filter(|p| p.is_dir()) {
        let mut files: Vec<_> = std::fs::read_dir(&s).into_iter().flatten().flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            if let Some(stem) = name.strip_suffix(".labels.json") {
                let ply = s.join(format!("{stem}.ply"));
                if ply.exists() {
                    let src = s.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
                    out.push((src, stem.to_string(), ply, f.clone()));
                }
            }
        }
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let augment: usize = args
        .iter()
        .position(|a| a == "--augment")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let only: Option<&String> = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1));
    let mut cases = Vec::new();
    if args.iter().any(|a| a == "--phantoms") {
        // Phantoms: coarse seeds 1–4, and teeth missing with their neighbours tipped into the gaps (full resolution).
        let mut specs: Vec<(u64, Vec<i32>, bool, bool)> = (1..=4).map(|s| (s, vec![], false, true)).collect();
        specs.extend([
            (7, vec![25, 35], true, false),
            (8, vec![12, 14, 46], false, false),
            (5, vec![15, 24, 36, 45], false, false),
            (8, vec![12, 14, 46], false, true),
            (7, vec![25, 35], true, true),
        ]);
        for (seed, missing, third_molars, coarse) in specs {
            let base = if coarse { PhantomSpec::coarse(seed) } else { PhantomSpec { seed, ..PhantomSpec::default() } };
            let spec = PhantomSpec { missing: missing.clone(), third_molars, ..base };
            let p = Phantom::generate(&spec)?;
            for jaw in [&p.upper, &p.lower] {
                let instances = jaw.instances.iter().map(|&i| if i >= 100 { 0 } else { i }).collect();
                let gt = Teeth3dsLabels {
                    id_patient: String::new(),
                    jaw: jaw.jaw,
                    labels: jaw.mesh.labels().unwrap_or_default().to_vec(),
                    instances,
                };
                let name = format!(
                    "seed {seed}{} missing {missing:?}{}",
                    if coarse { " coarse" } else { "" },
                    if third_molars { " +8s" } else { "" }
                );
                cases.push(case("phantom", &name, jaw.jaw.as_str(), &jaw.mesh.clone().without_labels(), &gt));
            }
        }
    }
    let dir = real_dir();
    let real = !args.iter().any(|a| a == "--no-real");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for (source, scan, ply, labels) in labelled_scans(&dir) {
        if !real || only.is_some_and(|o| !scan.contains(o.as_str())) {
            continue;
        }
        let mesh = io::read_mesh(&ply)?.without_labels();
        let gt = io::read_labels_for(&labels, &mesh)?;
        cases.push(case(&source, &scan, "as stored", &mesh, &gt));
        for k in 0..augment {
            let axis =
                Vector3::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0f64));
            let angle = rng.random_range(0.0..std::f64::consts::PI);
            let shift = Vector3::new(
                rng.random_range(-100.0..100.0),
                rng.random_range(-100.0..100.0),
                rng.random_range(-100.0..100.0),
            );
            let iso = Isometry3::from_parts(
                Translation3::from(shift),
                UnitQuaternion::from_scaled_axis(axis.normalize() * angle),
            );
            cases.push(case(&source, &scan, &format!("pose {k}"), &mesh.transformed(&iso), &gt));
        }
        if augment > 0 {
            let m = mirrored(&mesh);
            let gl = Teeth3dsLabels::new("", gt.jaw, gt.labels.iter().map(|&l| mirror_fdi(l)).collect());
            cases.push(case(&source, &scan, "mirror", &m, &gl));
            if mesh.vertex_count() < 20_000 {
                let (m, l) = subdivided(&mesh, &gt.labels);
                cases.push(case(&source, &scan, "subdiv x4", &m, &Teeth3dsLabels::new("", gt.jaw, l)));
            }
            for target in [5_000, 20_000] {
                if mesh.vertex_count() > target * 3 / 2 {
                    let (m, old) = decimated(&mesh, target);
                    let gl = Teeth3dsLabels::new("", gt.jaw, old.iter().map(|&v| gt.labels[v as usize]).collect());
                    cases.push(case(&source, &scan, &format!("decim {}k", target / 1000), &m, &gl));
                }
            }
            // A shallow scan: cut 9 mm below the crown tips (the true occlusal direction), labels kept per vertex.
            if let Some((occlusal, _)) = true_frame(&mesh, &gt) {
                let mut hs: Vec<f64> = mesh.positions().iter().map(|p| p.coords.dot(&occlusal)).collect();
                hs.sort_by(f64::total_cmp);
                let top = hs[hs.len() * 98 / 100];
                let keep: Vec<bool> = mesh.positions().iter().map(|p| p.coords.dot(&occlusal) > top - 9.0).collect();
                let (cut, old) = mesh.submesh_within(&keep);
                let gl = Teeth3dsLabels::new("", gt.jaw, old.iter().map(|&v| gt.labels[v as usize]).collect());
                cases.push(case(&source, &scan, "trim 9mm", &cut, &gl));
                // One side of the arch, cut through the true midline (a partial-arch scan).
                let right = right_axis(&mesh, &gt);
                let mid = midline_point(&mesh, &gt);
                for (name, sign) in [("right half", 1.0), ("left half", -1.0)] {
                    let keep: Vec<bool> = mesh.positions().iter().map(|p| sign * (p - mid).dot(&right) > 0.0).collect();
                    let (cut, old) = mesh.submesh_within(&keep);
                    let gl = Teeth3dsLabels::new("", gt.jaw, old.iter().map(|&v| gt.labels[v as usize]).collect());
                    cases.push(case(&source, &scan, name, &cut, &gl));
                }
            }
            // A tooth extracted: the first premolar of the right side (or the left's) cut out, leaving a hole.
            let q = if gt.jaw == Jaw::Upper { [14, 24] } else { [44, 34] };
            let gone = q.into_iter().find(|t| gt.labels.contains(t));
            if let Some(t) = gone {
                let keep: Vec<bool> = gt.labels.iter().map(|&l| l != t).collect();
                let (cut, old) = mesh.submesh_within(&keep);
                let gl = Teeth3dsLabels::new("", gt.jaw, old.iter().map(|&v| gt.labels[v as usize]).collect());
                cases.push(case(&source, &scan, &format!("no {t}"), &cut, &gl));
            }
        }
    }
    if let Some(spec) = args.iter().position(|a| a == "--sweep").and_then(|i| args.get(i + 1)) {
        let (name, values) = spec.split_once('=').expect("--sweep NAME=v1,v2,…");
        let values: Vec<f64> = values.split(',').map(|v| v.parse().expect("--sweep takes numbers")).collect();
        sweep(&cases, name, &values);
        return Ok(());
    }
    let rows: Vec<Row> = cases.iter().map(|c| evaluate(c, &SegmentParams::default())).collect();
    println!(
        "{:<12} {:<40} {:<11} {:>6} {:>6} {:>6} {:>4} {:>3}/{:<3} {:>3} {:>3} {:>3} {:>5} {:>5} {:>5}",
        "source", "scan", "variant", "TSA", "TLA", "TIR", "jaw", "gt", "pr", "inv", "mrg", "mis", "s", "occ°", "ant°"
    );
    for r in &rows {
        println!(
            "{:<12} {:<40} {:<11} {:>6.3} {:>6.3} {:>6.3} {:>4} {:>3}/{:<3} {:>3} {:>3} {:>3} {:>5.2} {:>5.0} {:>5.0} {:>5.3} {:>5.3}",
            r.source,
            &r.scan[..r.scan.len().min(40)],
            r.variant,
            r.tsa,
            r.tla,
            r.tir,
            if r.jaw_ok { "ok" } else { "WRONG" },
            r.gt_teeth,
            r.predicted,
            r.invented,
            r.merged,
            r.missed,
            r.seconds,
            r.frame_err_deg.0,
            r.frame_err_deg.1,
            r.gum_as_tooth,
            r.tooth_as_gum
        );
    }
    if args.iter().any(|a| a == "--loso") {
        leave_one_source_out(&rows);
    }
    let summarise = |label: &str, rs: &[&Row]| {
        let n = rs.len().max(1) as f64;
        let mean = |f: &dyn Fn(&Row) -> f64| rs.iter().map(|r| f(r)).sum::<f64>() / n;
        let worst = rs.iter().map(|r| r.tsa).fold(1.0, f64::min);
        println!(
            "{label:<24} n={:<3} TSA {:.3} (worst {:.3}) TLA {:.3} TIR {:.3} jaw wrong {} invented {} merged {} missed {}",
            rs.len(),
            mean(&|r| r.tsa),
            worst,
            mean(&|r| r.tla),
            mean(&|r| r.tir),
            rs.iter().filter(|r| !r.jaw_ok).count(),
            rs.iter().map(|r| r.invented).sum::<usize>(),
            rs.iter().map(|r| r.merged).sum::<usize>(),
            rs.iter().map(|r| r.missed).sum::<usize>(),
        );
    };
    println!();
    let mut variants: Vec<&str> = rows.iter().map(|r| r.variant.as_str()).collect();
    variants.dedup();
    let mut vs: Vec<&str> = Vec::new();
    for v in variants {
        let key = if v.starts_with("pose") {
            "pose"
        } else if v == "upper" || v == "lower" {
            "phantom"
        } else {
            v
        };
        if !vs.contains(&key) {
            vs.push(key);
        }
    }
    for v in &vs {
        let sel: Vec<&Row> = rows
            .iter()
            .filter(|r| {
                if *v == "phantom" {
                    r.source == "phantom"
                } else {
                    r.source != "phantom" && r.variant.starts_with(v)
                }
            })
            .collect();
        let mut sources: Vec<&str> = sel.iter().map(|r| r.source.as_str()).collect();
        sources.sort();
        sources.dedup();
        for s in sources {
            let ss: Vec<&Row> = sel.iter().copied().filter(|r| r.source == s).collect();
            summarise(&format!("{v} / {s}"), &ss);
        }
        summarise(&format!("{v} / all"), &sel);
    }
    Ok(())
}
