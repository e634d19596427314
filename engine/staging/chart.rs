//! The movement chart (plotters, SVG): each tooth's cumulative translation and rotation per stage.

use super::Plan;
use plotters::prelude::*;

/// Two stacked line charts as one SVG document: crown translation (mm) and rotation (degrees, the largest of
/// tip, torque and rotation) per stage, one line per tooth.
pub fn movement_chart_svg(plan: &Plan) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).expect("drawing to a string");
        let (top, bottom) = root.split_vertically(280);
        let n = plan.stages.len().saturating_sub(1).max(1);
        let series = |k: usize| -> Vec<(i32, Vec<(usize, f64)>)> {
            plan.frames
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let pts = plan
                        .stages
                        .iter()
                        .map(|s| {
                            let m = &s.teeth[i].cumulative_local;
                            let v = if k == 0 {
                                m.translation_mm.iter().map(|x| x * x).sum::<f64>().sqrt()
                            } else {
                                m.rotation_deg.iter().fold(0.0, |a: f64, x| a.max(x.abs()))
                            };
                            (s.index, v)
                        })
                        .collect();
                    (f.fdi, pts)
                })
                .collect()
        };
        for (area, k, title, unit) in
            [(&top, 0, "Crown translation per stage", "mm"), (&bottom, 1, "Largest rotation per stage", "°")]
        {
            let s = series(k);
            let ymax = s.iter().flat_map(|(_, p)| p.iter().map(|q| q.1)).fold(0.1, f64::max) * 1.1;
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 16))
                .margin(8)
                .x_label_area_size(28)
                .y_label_area_size(44)
                .build_cartesian_2d(0usize..n, 0.0..ymax)
                .expect("chart fits");
            chart
                .configure_mesh()
                .x_desc("stage")
                .y_desc(unit)
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .expect("mesh draws");
            for (i, (fdi, pts)) in s.into_iter().enumerate() {
                if pts.iter().all(|p| p.1 < 1e-9) {
                    continue;
                }
                let colour = Palette99::pick(i).to_rgba();
                chart
                    .draw_series(LineSeries::new(pts, colour.stroke_width(2)))
                    .expect("series draws")
                    .label(fdi.to_string())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(2)));
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK.mix(0.3))
                .draw()
                .expect("legend draws");
        }
        root.present().expect("svg complete");
    }
    svg
}
