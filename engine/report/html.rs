//! The self-contained HTML report: one file that opens offline — summary per user question, tables, plots
//! (plotters SVG, inline) and an interactive 3D view (a small hand-written WebGL viewer, inline).

use super::{Legend, RunOutput, ViewLayer, ViewMesh};
use base64::Engine;
use serde_json::Value;
use std::fmt::Write;

const VIEWER: &str = include_str!("viewer.js");

/// Most triangles of one mesh in the 3D view: a real arch (150k–4M triangles) is simplified to this many.
pub const VIEW_MAX_TRIANGLES: usize = 60_000;

/// Largest surface deviation the view's simplification may introduce (mm; meshoptimizer's estimate).
pub const VIEW_MAX_ERROR_MM: f64 = 0.05;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{background:#1f3b57;color:#fff;padding:18px 32px}header h1{margin:0;font-size:24px}header p{margin:6px 0 0;opacity:.85}
main{padding:12px 32px 40px;max-width:1200px}section{background:#fff;border:1px solid #e3e7ee;border-radius:8px;margin:16px 0;padding:14px 20px}
h2{font-size:18px;margin:4px 0 10px;color:#1f3b57}table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border-bottom:1px solid #e8ebf0;padding:4px 10px;text-align:right}th{background:#f3f5f8}td:first-child,th:first-child{text-align:left}
.pass{color:#16794a;font-weight:600}.fail{color:#b3261e;font-weight:600}.answer{font-size:15px;margin:4px 0 8px}
#view-box{position:relative}#view{width:100%;height:560px;border:1px solid #dde2ea;border-radius:6px;cursor:grab;display:block;touch-action:none}
#view-labels{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none;overflow:hidden}
#view-labels span{position:absolute;transform:translate(-50%,-50%);font:600 11px system-ui,sans-serif;color:#10202f;background:rgba(255,255,255,.75);padding:0 2px;border-radius:3px}
#view-legend{display:flex;align-items:center;gap:8px;font-size:12px;margin:6px 0}#view-legend .bar{display:flex;height:14px;width:320px;border:1px solid #ccd}
#view-legend .bar i{flex:1}#view-controls button{margin:0 6px 6px 0}
#view-controls label{margin-right:14px;font-size:14px}.note{color:#5b6577;font-size:13px}svg{max-width:100%;height:auto}";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn num(v: &Value, digits: usize) -> String {
    v.as_f64().map_or_else(|| "–".to_string(), |x| fixed(x, digits))
}

/// `x` with `digits` decimals, never "-0".
fn fixed(x: f64, digits: usize) -> String {
    let scale = 10f64.powi(digits as i32);
    let r = (x * scale).round() / scale + 0.0;
    format!("{r:.digits$}")
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr>");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            let _ = write!(s, "<td>{c}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    s
}

fn section(title: &str, body: &str) -> String {
    format!("<section><h2>{}</h2>{body}</section>", esc(title))
}

/// The pass/fail table against the phantom's ground truth.
fn checks_section(out: &RunOutput) -> String {
    let passed = out.checks.iter().filter(|c| c.pass).count();
    let rows: Vec<Vec<String>> = out
        .checks
        .iter()
        .map(|c| {
            vec![
                esc(&c.name),
                format!("{:.3}", c.value),
                format!("{:.3}", c.threshold),
                esc(&c.unit),
                if c.pass { "<span class=pass>pass</span>".into() } else { "<span class=fail>FAIL</span>".into() },
            ]
        })
        .collect();
    section(
        "Accuracy against ground truth (phantom)",
        &format!(
            "<p class=answer>{passed} of {} checks pass.</p>{}",
            out.checks.len(),
            table(&["check", "measured", "threshold", "unit", ""], &rows)
        ),
    )
}

/// For a patient's own scans: no ground truth, what was found doubtful, and what could not run and why.
fn own_scans_section(r: &Value) -> String {
    let mut s = String::from(
        "<p class=answer>A patient's own scans: there is no ground truth to check against. Every figure below comes \
         from the scans alone and carries its uncertainty.</p>",
    );
    let warnings: Vec<String> =
        r["warnings"].as_array().into_iter().flatten().filter_map(Value::as_str).map(esc).collect();
    if !warnings.is_empty() {
        let _ = write!(
            s,
            "<p class=fail>Check before relying on the results:</p><ul>{}</ul>",
            warnings.iter().map(|w| format!("<li>{w}</li>")).collect::<String>()
        );
    }
    let skipped: Vec<Vec<String>> = r["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| vec![esc(k["section"].as_str().unwrap_or("")), esc(k["why"].as_str().unwrap_or(""))])
        .collect();
    if !skipped.is_empty() {
        let _ = write!(s, "<p>Not run, and why:</p>{}", table(&["section", "why"], &skipped));
    }
    section("What this report rests on", &s)
}

/// Contacts between the jaws by tooth pair, once: both sides of a contact merged (the closest approach and the
/// larger area), interpenetration beyond the uncertainty flagged.
fn contact_rows(occ: &Value) -> (Vec<Vec<String>>, usize) {
    let uncertainty = occ["uncertainty_mm"].as_f64().unwrap_or(0.05);
    // (upper tooth, lower tooth) → (closest mm, area mm², uncertain)
    let mut pairs: std::collections::BTreeMap<(i64, i64), (f64, f64, bool)> = std::collections::BTreeMap::new();
    for (key, upper_first) in [("upper_contacts", true), ("lower_contacts", false)] {
        for c in occ[key].as_array().into_iter().flatten() {
            let (a, b) = (c["teeth"][0].as_i64().unwrap_or(0), c["teeth"][1].as_i64().unwrap_or(0));
            let pair = if upper_first { (a, b) } else { (b, a) };
            let d = c["min_distance_mm"].as_f64().unwrap_or(f64::NAN);
            let area = c["area_mm2"].as_f64().unwrap_or(0.0);
            let unsure = c["uncertain"].as_bool() == Some(true);
            let e = pairs.entry(pair).or_insert((f64::INFINITY, 0.0, false));
            e.0 = e.0.min(d);
            e.1 = e.1.max(area);
            e.2 |= unsure;
        }
    }
    let mut flagged = 0;
    let rows = pairs
        .into_iter()
        .map(|((a, b), (d, area, unsure))| {
            let name = |t: i64| if t == 0 { "gingiva".to_string() } else { t.to_string() };
            let note = if d < -uncertainty {
                flagged += 1;
                format!(
                    "<span class=fail>interpenetration {:.0} µm: the jaws cannot overlap — check the bite</span>",
                    -d * 1e3
                )
            } else if unsure {
                format!("within ±{uncertainty:.2} mm of the threshold")
            } else {
                String::new()
            };
            vec![format!("{} ↔ {}", name(a), name(b)), fixed(d * 1e3, 0), format!("{area:.2}"), note]
        })
        .collect();
    (rows, flagged)
}

/// One jaw's progress: each tooth's movement, the planned movement and the verdict when a plan was given.
fn progress_table(result: &Value) -> String {
    let judged = result["teeth"].as_array().into_iter().flatten().any(|t| !t["on_track"].is_null());
    let rows: Vec<Vec<String>> = result["teeth"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let tr = &t["translation_mm"];
            let rot = &t["rotation_deg"];
            let mut row = vec![
                t["fdi"].to_string(),
                num(&tr[0], 2),
                num(&tr[1], 2),
                num(&tr[2], 2),
                num(&rot[0], 1),
                num(&rot[1], 1),
                num(&rot[2], 1),
            ];
            if judged {
                let p = &t["planned"];
                row.push(format!("{} / {} / {}", num(&p[0][0], 2), num(&p[0][1], 2), num(&p[0][2], 2)));
                row.push(format!("{} mm, {}°", num(&t["deviation"][0], 2), num(&t["deviation"][1], 1)));
                row.push(match t["on_track"].as_bool() {
                    Some(true) => "<span class=pass>on track</span>".into(),
                    Some(false) => "<span class=fail>off track</span>".into(),
                    None => "–".into(),
                });
            }
            let w = &t["wear"];
            row.push(if w["worn"].as_bool() == Some(true) {
                format!(
                    "<span class=fail>{} µm deep, {} mm², {} mm³</span>",
                    num(&(w["max_depth_mm"].as_f64().map(|x| x * 1e3).into()), 0),
                    num(&w["area_mm2"], 1),
                    num(&w["volume_mm3"], 2)
                )
            } else if w.is_null() {
                "–".into()
            } else {
                format!("none above {} µm", num(&(w["noise_floor_mm"].as_f64().map(|x| x * 1e3).into()), 0))
            });
            let g = &t["recession"];
            let side = |k: &str| if g[k].is_null() { "not seen".to_string() } else { format!("{} mm", num(&g[k], 2)) };
            row.push(if g.is_null() {
                "–".into()
            } else if g["receded"].as_bool() == Some(true) {
                format!("<span class=fail>buccal {}, lingual {}</span>", side("buccal_mm"), side("lingual_mm"))
            } else {
                format!("buccal {}, lingual {}", side("buccal_mm"), side("lingual_mm"))
            });
            row
        })
        .collect();
    let mut head =
        vec!["tooth", "mesial (mm)", "buccal (mm)", "occlusal (mm)", "tip (°)", "torque (°)", "rotation (°)"];
    if judged {
        head.extend(["planned m / b / o (mm)", "off plan by", "verdict"]);
    }
    head.push("wear (occlusal loss)");
    head.push("gum margin moved apically");
    let sup = &result["superimposition"];
    let verdict = if judged {
        let off =
            result["teeth"].as_array().into_iter().flatten().filter(|t| t["on_track"].as_bool() == Some(false)).count();
        if off == 0 {
            format!(" <span class=pass>On track</span> at stage {}.", result["stage"])
        } else {
            format!(" <span class=fail>{off} teeth off track</span> at stage {}.", result["stage"])
        }
    } else {
        " No plan given: movements are shown, not judged.".into()
    };
    format!(
        "<p class=answer>Superimposed on teeth {} ({} µm RMS); each tooth's movement in its own frame.{verdict}</p>{}",
        sup["reference_teeth"],
        num(&(sup["rms_mm"].as_f64().map(|x| x * 1e3).into()), 1),
        table(&head, &rows)
    )
}

/// The colour bar of a view layer, sampled from the very colour functions that painted it: unit, range, colours
/// from low to high, and what the ends mean. Segmentation has none (its colours are the tooth numbers).
fn legend(layer: &str) -> Option<Value> {
    use crate::colormap::diverging_color;
    let l = match layer {
        "contacts" => Legend::sampled(
            "µm",
            -200.0,
            200.0,
            |um| crate::occlusion::band_color(um / 1e3),
            "penetration",
            "open (grey beyond 200 µm)",
        ),
        "implant fit" => Legend::sampled(
            "µm",
            -50.0,
            50.0,
            |um| diverging_color(um / 50.0),
            "scan inside the library body",
            "outside",
        ),
        "progress" => Legend::sampled(
            "mm",
            -0.5,
            0.5,
            |mm| diverging_color(mm / 0.5),
            "the later scan lies inside",
            "the later scan stands out",
        ),
        _ => return None,
    };
    serde_json::to_value(l).ok()
}

/// The whole report of a run, headed by its name and description, as one HTML document.
pub fn render(name: &str, description: &str, out: &RunOutput) -> String {
    let r = &out.report;
    let mut body = String::new();
    if r.get("ground_truth").and_then(Value::as_bool) == Some(false) {
        body += &own_scans_section(r);
    } else {
        body += &checks_section(out);
    }
    if let Some(scan) = r.get("scan").and_then(Value::as_object) {
        let rows: Vec<Vec<String>> = scan
            .iter()
            .map(|(jaw, v)| {
                vec![
                    esc(jaw),
                    num(&v["frames"], 0),
                    num(&v["skipped"], 0),
                    num(&v["triangles"], 0),
                    num(&v["trueness_um"]["rms"], 1),
                    num(&v["trueness_um"]["p95"], 1),
                ]
            })
            .collect();
        body += &section(
            "Is the scan accurate?",
            &format!(
                "<p class=answer>Frames registered and fused into one surface; distance of the fused surface to the true one.</p>{}",
                table(&["jaw", "frames", "skipped", "triangles", "RMS (µm)", "95th pct (µm)"], &rows)
            ),
        );
    }
    if let Some(seg) = r.get("segmentation").and_then(Value::as_object) {
        let scored = seg.values().any(|v| v.get("score").is_some());
        let rows: Vec<Vec<String>> = seg
            .iter()
            .filter(|(k, _)| *k != "labels_used")
            .map(|(jaw, v)| {
                let teeth = v["teeth"]
                    .as_array()
                    .map_or(String::new(), |t| t.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" "));
                let mut row = vec![esc(jaw), esc(v["jaw_found"].as_str().unwrap_or("")), teeth];
                if scored {
                    row.extend([num(&v["score"]["tsa"], 3), num(&v["score"]["tla"], 3), num(&v["score"]["tir"], 3)]);
                } else {
                    row.extend([
                        v["teeth"].as_array().map_or(0, Vec::len).to_string(),
                        esc(v["labels_from"].as_str().unwrap_or("")),
                    ]);
                }
                row
            })
            .collect();
        let s = if scored {
            let used = seg.get("labels_used").and_then(Value::as_str).unwrap_or("predicted");
            format!(
                "<p class=answer>Teeth found and numbered (FDI) from the geometry alone, scored with the 3DTeethSeg'22 metrics.</p>{}<p class=note>Labels used by the analyses below: {}.</p>",
                table(&["jaw", "found as", "teeth", "TSA", "TLA", "TIR"], &rows),
                if used == "corrected" { "corrected (the phantom's labels, standing for a technician-corrected segmentation)" } else { "cusp's own segmentation" }
            )
        } else {
            format!(
                "<p class=answer>Teeth found and numbered (FDI) from the geometry, or read from the label file given. \
                 Check the numbering in the 3D view (segmentation layer) before relying on per-tooth figures.</p>{}",
                table(&["jaw", "found as", "teeth (FDI)", "count", "labels from"], &rows)
            )
        };
        body += &section("Which tooth is which?", &s);
    }
    if let Some(occ) = r.get("occlusion") {
        let (rows, flagged) = contact_rows(occ);
        let placement = match occ["placement"]["how"].as_str() {
            Some("settled") => format!(
                "The lower jaw was settled onto the upper (no bite record): an estimate, ±{} mm.",
                num(&occ["uncertainty_mm"], 2)
            ),
            Some("bite scan") => "The lower jaw was placed by the bite scan.".to_string(),
            _ => "The jaws are measured in the bite they were exported in.".to_string(),
        };
        let mut s = format!(
            "<p class=answer>{} tooth pairs in contact (closer than {} mm); {}</p>{}{}",
            rows.len(),
            num(&occ["threshold_mm"], 2),
            esc(&placement),
            if flagged > 0 {
                format!("<p class=fail>{flagged} pairs overlap beyond the uncertainty.</p>")
            } else {
                String::new()
            },
            table(&["upper ↔ lower", "closest (µm; − overlap)", "area (mm²)", ""], &rows)
        );
        let prox: Vec<Vec<String>> = ["upper_proximal", "lower_proximal"]
            .iter()
            .flat_map(|k| occ[*k].as_array().cloned().unwrap_or_default())
            .map(|c| {
                vec![
                    format!("{} | {}", c["teeth"][0], c["teeth"][1]),
                    num(&(c["distance_mm"].as_f64().map(|x| x * 1e3).into()), 0),
                    esc(c["class"].as_str().unwrap_or("")),
                    if c["uncertain"].as_bool() == Some(true) { "near a class boundary".into() } else { String::new() },
                ]
            })
            .collect();
        if !prox.is_empty() {
            let _ = write!(
                s,
                "<p class=answer>Contacts between neighbours: open above 100 µm, touching 0–100 µm, tight to −50 µm, overlapping beyond; closed where the scan shows the crowns as one surface (no gap seen, its tightness not measurable).</p>{}",
                table(&["contact", "gap (µm; − overlap)", "class", ""], &prox)
            );
        }
        if let Some(c) = occ.get("clearance").filter(|c| !c.is_null()) {
            let verdicts: Vec<Vec<String>> = c["verdicts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| {
                    let verdict = if v["enough_room"].as_bool() == Some(true) {
                        "<span class=pass>enough room</span>"
                    } else {
                        "<span class=fail>reduce more</span>"
                    };
                    let sure = if v["uncertain"].as_bool() == Some(true) { " (within the uncertainty)" } else { "" };
                    vec![
                        esc(v["material"].as_str().unwrap_or("")),
                        num(&v["min_thickness_mm"], 1),
                        format!("{verdict}{sure}"),
                    ]
                })
                .collect();
            let _ = write!(
                s,
                "<p class=answer>Preparation {}: smallest clearance to the opposing jaw {} mm.</p>{}",
                occ["prep"],
                num(&c["min_mm"], 2),
                table(&["material", "needs (mm)", "verdict"], &verdicts)
            );
        }
        body += &section("Where do the teeth touch? Is there room for the crown?", &s);
    }
    if let Some(imp) = r.get("implants").and_then(Value::as_object) {
        let mut rows = Vec::new();
        for (jaw, v) in imp {
            for f in v["implants"].as_array().into_iter().flatten() {
                let p = &f["platform"];
                rows.push(vec![
                    esc(jaw),
                    f["site"].to_string(),
                    esc(f["scan_body"].as_str().unwrap_or("")),
                    format!("{} / {} / {}", num(&p[0], 2), num(&p[1], 2), num(&p[2], 2)),
                    format!("{} / {} / {}", num(&f["axis"][0], 3), num(&f["axis"][1], 3), num(&f["axis"][2], 3)),
                    num(&(f["rms_mm"].as_f64().map(|x| x * 1e3).into()), 1),
                    num(&(f["coverage"].as_f64().map(|x| x * 100.0).into()), 0),
                    if f["fit_ok"].as_bool() == Some(true) {
                        "<span class=pass>good fit</span>".into()
                    } else {
                        "<span class=fail>poor fit</span>".into()
                    },
                ]);
            }
        }
        let pairs: Vec<Vec<String>> = imp
            .iter()
            .flat_map(|(jaw, v)| {
                v["pairs"].as_array().cloned().unwrap_or_default().into_iter().map(move |p| {
                    let site = |x: &Value| if x.is_null() { "?".to_string() } else { x.to_string() };
                    vec![
                        esc(jaw),
                        format!("{} – {}", site(&p["sites"][0]), site(&p["sites"][1])),
                        num(&p["distance_mm"], 2),
                        num(&p["angle_deg"], 1),
                    ]
                })
            })
            .collect();
        body += &section(
            "Where are the implants?",
            &format!(
                "<p class=answer>Each scan body fitted to its library model; the implant platform (mm, scan frame) and axis with the fit's RMS and how much of the body the scan covers.</p>{}{}",
                table(&["jaw", "site", "scan body", "platform x / y / z", "axis x / y / z", "RMS (µm)", "coverage (%)", ""], &rows),
                if pairs.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<p class=answer>Between implants: platform distance and the angle between their axes (a path of insertion for a bridge needs them near parallel).</p>{}",
                        table(&["jaw", "sites", "distance (mm)", "angle (°)"], &pairs)
                    )
                }
            ),
        );
    }
    if let Some(st) = r.get("staging") {
        let ipr: Vec<Vec<String>> = st["ipr"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                vec![format!("{} | {}", e["teeth"][0], e["teeth"][1]), e["stage"].to_string(), num(&e["amount_mm"], 2)]
            })
            .collect();
        let space = &st["space"];
        let s = format!(
            "<p class=answer>{} aligners for the {} jaw (at least {} needed for the largest movement); {} IPR contacts; deepest overlap between neighbours at any stage {} mm.</p>\
             <p class=note>{}. Arch length discrepancy {} mm (negative: crowding); Bolton anterior ratio {} % (norm 77.2 ± 1.65).</p>{}",
            st["stages"],
            esc(st["jaw"].as_str().unwrap_or("")),
            st["lower_bound_stages"],
            ipr.len(),
            num(&st["worst_penetration_mm"], 3),
            esc(st["sequencing"].as_str().unwrap_or("")),
            num(&space["discrepancy_mm"], 1),
            num(&st["bolton"]["anterior"], 1),
            if ipr.is_empty() { String::new() } else { table(&["contact", "before stage", "IPR (mm)"], &ipr) }
        );
        body += &section("How will the aligners move the teeth?", &s);
    }
    if let Some(pr) = r.get("progress") {
        let s = if let Some(result) = pr.get("result") {
            format!("<p class=note>Time point {}.</p>{}", pr["time_point"], progress_table(result))
        } else {
            pr.as_object()
                .into_iter()
                .flatten()
                .map(|(jaw, v)| format!("<h3>{}</h3>{}", esc(jaw), progress_table(&v["result"])))
                .collect()
        };
        body += &section("Is treatment on track?", &s);
    }
    for (title, svg) in &out.plots {
        // Plotters' SVG carries its own XML; inline it as is.
        body += &section(title, svg);
    }
    // The 3D view.
    let mut layers: Vec<String> = Vec::new();
    for v in &out.views {
        for l in &v.layers {
            if !layers.contains(&l.name) {
                layers.push(l.name.clone());
            }
        }
    }
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let meshes: Vec<Value> = out
        .views
        .iter()
        .enumerate()
        .map(|(i, v)| {
            // The view shows a simplified copy (the full meshes are written beside the report).
            let view = crate::mesh::simplify(&v.mesh, VIEW_MAX_TRIANGLES, VIEW_MAX_ERROR_MM);
            let v = &ViewMesh {
                name: v.name.clone(),
                teeth: v.teeth.clone(),
                occlusal: v.occlusal,
                lines: v.lines.clone(),
                layers: v
                    .layers
                    .iter()
                    .map(|l| ViewLayer {
                        name: l.name.clone(),
                        colors: view.source_vertex.iter().map(|&k| l.colors[k as usize]).collect(),
                    })
                    .collect(),
                mesh: view.mesh,
            };
            let pos: Vec<u8> = v
                .mesh
                .positions()
                .iter()
                .flat_map(|p| [p.x as f32, p.y as f32, p.z as f32])
                .flat_map(f32::to_le_bytes)
                .collect();
            let idx: Vec<u8> = v.mesh.triangles().iter().flatten().flat_map(|i| i.to_le_bytes()).collect();
            let layers: serde_json::Map<String, Value> = v
                .layers
                .iter()
                .map(|l| (l.name.clone(), Value::String(b64(&l.colors.iter().flatten().copied().collect::<Vec<u8>>()))))
                .collect();
            // Tooth labels rounded to 0.01 mm: enough to place a number, and small.
            let teeth: Vec<Value> = v
                .teeth
                .iter()
                .map(|(fdi, p, b)| {
                    let r = |x: f64| (x * 100.0).round() / 100.0;
                    serde_json::json!([fdi, r(p[0]), r(p[1]), r(p[2]), r(b[0]), r(b[1]), r(b[2])])
                })
                .collect();
            serde_json::json!({
                "name": v.name, "visible": i < 2, "positions": b64(&pos), "indices": b64(&idx), "layers": layers,
                "teeth": teeth, "occlusal": v.occlusal,
                "lines": v.lines.iter().map(|(a, b)| [a[0], a[1], a[2], b[0], b[1], b[2]]).collect::<Vec<_>>(),
            })
        })
        .collect();
    let legends: serde_json::Map<String, Value> = layers
        .iter()
        .filter_map(|l| {
            let own = out.legends.iter().find(|(n, _)| n == l).and_then(|(_, g)| serde_json::to_value(g).ok());
            own.or_else(|| legend(l)).map(|v| (l.clone(), v))
        })
        .collect();
    let data = serde_json::json!({ "meshes": meshes, "layers": layers, "legends": legends });
    body += &section(
        "3D view",
        "<div id=view-controls></div><div id=view-box><canvas id=view></canvas><div id=view-labels></div></div>\
         <div id=view-legend></div><p class=note>Drag (one finger) to turn, right-drag or shift-drag (two fingers) to \
         pan, scroll (pinch) to zoom; the buttons give the preset views. Meshes in the view are simplified to within \
         0.05 mm; the full meshes are written beside this report.</p>",
    );
    format!(
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>cusp report — {name}</title><style>{STYLE}</style></head><body>\
         <header><h1>cusp report — {name}</h1><p>{desc}</p></header><main>{body}</main>\
         <script>const CUSP_VIEW = {data};</script><script>{VIEWER}</script></body></html>\n",
        name = esc(name),
        desc = esc(description),
    )
}
