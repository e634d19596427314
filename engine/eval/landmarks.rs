//! Landmark errors against reference landmarks, per class: each true landmark is paired with at most one
//! predicted landmark of its class (of its tooth, when both files name teeth), nearest pairs first, within a
//! reach; the distances of the pairs give the median and 90th percentile per class, the rest count as
//! missed (true, unpaired) or extra (predicted, unpaired).

use crate::landmark::{Landmark, LandmarkClass};
use nalgebra::Point3;
use serde::Serialize;

/// How far a predicted landmark may be from a true one to be paired with it (mm) when not told otherwise.
pub const DEFAULT_REACH_MM: f64 = 5.0;

/// The errors of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassErrors {
    /// The class ("Mesial", …; "unlabelled" for true points whose file gave no class, paired with a
    /// predicted landmark of any class).
    pub class: String,
    /// True landmarks of the class.
    pub truth: usize,
    /// Pairs made.
    pub paired: usize,
    /// True landmarks left unpaired.
    pub missed: usize,
    /// Predicted landmarks of the class left unpaired.
    pub extra: usize,
    /// Median distance of the pairs (mm); `None` without pairs.
    pub median_mm: Option<f64>,
    /// 90th percentile of the pair distances (mm).
    pub p90_mm: Option<f64>,
    /// Largest pair distance (mm).
    pub max_mm: Option<f64>,
}

/// Landmark errors per class, in [`LandmarkClass::ALL`] order (classes without true points left out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LandmarkErrors {
    /// The reach used (mm).
    pub reach_mm: f64,
    /// Per class.
    pub classes: Vec<ClassErrors>,
}

impl LandmarkErrors {
    /// The errors of one class.
    pub fn class(&self, class: LandmarkClass) -> Option<&ClassErrors> {
        self.classes.iter().find(|c| c.class == class.as_str())
    }
}

impl std::fmt::Display for LandmarkErrors {
    /// One line per class: counts, then median, 90th percentile and largest distance (mm).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mm = |x: Option<f64>| x.map_or("     -".to_string(), |x| format!("{x:6.3}"));
        writeln!(f, "class          true  paired  missed  extra  median mm  p90 mm  max mm")?;
        for c in &self.classes {
            writeln!(
                f,
                "{:<12} {:6} {:7} {:7} {:6}     {}  {}  {}",
                c.class,
                c.truth,
                c.paired,
                c.missed,
                c.extra,
                mm(c.median_mm),
                mm(c.p90_mm),
                mm(c.max_mm)
            )?;
        }
        Ok(())
    }
}

/// Value at quantile `q` (0–1, nearest rank) of sorted `v`.
fn quantile(v: &[f64], q: f64) -> Option<f64> {
    (!v.is_empty()).then(|| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)])
}

/// Pairs the true and predicted points given by index, nearest first, each at most once and within `reach`;
/// the distances of the pairs.
fn pair(truth: &[&Landmark], predicted: &[&Landmark], by_tooth: bool, reach: f64) -> (Vec<f64>, usize) {
    let p = |l: &Landmark| Point3::from(l.coord);
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        for (j, q) in predicted.iter().enumerate() {
            let d = (p(t) - p(q)).norm();
            if d <= reach && (!by_tooth || t.fdi == q.fdi) {
                candidates.push((d, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut used_t, mut used_p) = (vec![false; truth.len()], vec![false; predicted.len()]);
    let mut distances = Vec::new();
    for (d, i, j) in candidates {
        if !used_t[i] && !used_p[j] {
            used_t[i] = true;
            used_p[j] = true;
            distances.push(d);
        }
    }
    let extra = used_p.iter().filter(|u| !**u).count();
    (distances, extra)
}

fn summary(class: String, truth: usize, mut distances: Vec<f64>, extra: usize) -> ClassErrors {
    distances.sort_by(f64::total_cmp);
    ClassErrors {
        class,
        truth,
        paired: distances.len(),
        missed: truth - distances.len(),
        extra,
        median_mm: quantile(&distances, 0.5),
        p90_mm: quantile(&distances, 0.9),
        max_mm: distances.last().copied(),
    }
}

/// Errors of `predicted` against `truth`, pairing within `reach_mm`. Landmarks are paired within their tooth
/// when every true and predicted landmark names one, else within their class across the jaw.
pub fn landmark_errors(truth: &[Landmark], predicted: &[Landmark], reach_mm: f64) -> LandmarkErrors {
    let by_tooth = truth.iter().chain(predicted).all(|l| l.fdi != 0);
    let mut classes = Vec::new();
    for class in LandmarkClass::ALL {
        let t: Vec<&Landmark> = truth.iter().filter(|l| l.class == Some(class)).collect();
        if t.is_empty() {
            continue;
        }
        let p: Vec<&Landmark> = predicted.iter().filter(|l| l.class == Some(class)).collect();
        let (d, extra) = pair(&t, &p, by_tooth, reach_mm);
        classes.push(summary(class.as_str().to_string(), t.len(), d, extra));
    }
    let unlabelled: Vec<&Landmark> = truth.iter().filter(|l| l.class.is_none()).collect();
    if !unlabelled.is_empty() {
        let p: Vec<&Landmark> = predicted.iter().collect();
        let (d, extra) = pair(&unlabelled, &p, false, reach_mm);
        classes.push(summary("unlabelled".to_string(), unlabelled.len(), d, extra));
    }
    LandmarkErrors { reach_mm, classes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lm(fdi: i32, class: LandmarkClass, x: f64) -> Landmark {
        Landmark { fdi, class: Some(class), coord: [x, 0.0, 0.0] }
    }

    #[test]
    fn pairs_nearest_first_within_the_tooth_and_reach() {
        let truth =
            [lm(11, LandmarkClass::Cusp, 0.0), lm(11, LandmarkClass::Cusp, 3.0), lm(12, LandmarkClass::Mesial, 10.0)];
        let pred =
            [lm(11, LandmarkClass::Cusp, 2.9), lm(11, LandmarkClass::Cusp, 0.5), lm(12, LandmarkClass::Mesial, 30.0)];
        let e = landmark_errors(&truth, &pred, 5.0);
        let cusp = e.class(LandmarkClass::Cusp).unwrap();
        assert_eq!((cusp.paired, cusp.missed, cusp.extra), (2, 0, 0));
        assert!((cusp.max_mm.unwrap() - 0.5).abs() < 1e-12);
        let mesial = e.class(LandmarkClass::Mesial).unwrap();
        assert_eq!((mesial.paired, mesial.missed, mesial.extra), (0, 1, 1));
        assert!(mesial.median_mm.is_none());
    }
}
