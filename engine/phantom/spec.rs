//! What phantom to make: every field has a default, so a spec may set only what it changes.

use super::crown::CrownResolution;
pub use crate::dentition::ToothMove;
use serde::{Deserialize, Serialize};

/// A crown preparation on one tooth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepSpec {
    /// FDI number of the prepared tooth.
    pub fdi: i32,
    /// Occlusal reduction (mm).
    #[serde(default = "default_occlusal")]
    pub occlusal_mm: f64,
    /// Axial reduction (mm).
    #[serde(default = "default_axial")]
    pub axial_mm: f64,
}

fn default_occlusal() -> f64 {
    1.5
}

fn default_axial() -> f64 {
    1.0
}

/// An implant with a scan body at an edentulous site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImplantSpec {
    /// FDI number of the missing tooth whose site receives the implant.
    pub site: i32,
    /// Scan body library entry.
    #[serde(default = "default_scan_body")]
    pub scan_body: String,
    /// Angle of the implant axis from the site's long axis toward buccal (degrees).
    #[serde(default)]
    pub buccal_tilt_deg: f64,
    /// Rotation of the scan body's flat about the implant axis (degrees, 0 = flat facing buccal).
    #[serde(default)]
    pub index_deg: f64,
}

fn default_scan_body() -> String {
    "cusp-sb-a".into()
}

/// One later time point: teeth that moved since the first scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Movements relative to the initial (t0) pose.
    #[serde(default)]
    pub moves: Vec<ToothMove>,
    /// Teeth whose occlusal or incisal surface has worn since t0.
    #[serde(default)]
    pub wear: Vec<WearSpec>,
    /// Teeth whose gingival margin has receded since t0.
    #[serde(default)]
    pub recession: Vec<RecessionSpec>,
}

/// Gingival recession on a tooth: its margin moved apically by `buccal_mm` at mid-buccal and `lingual_mm` at
/// mid-lingual, tapering to nothing toward the contacts; the root it exposes continues the crown's cervical
/// profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecessionSpec {
    /// FDI number of the tooth.
    pub fdi: i32,
    /// Apical shift of the margin at mid-buccal (mm, 0–3).
    pub buccal_mm: f64,
    /// Apical shift of the margin at mid-lingual (mm, 0–3).
    #[serde(default)]
    pub lingual_mm: f64,
}

/// Enamel lost from a tooth's occlusal or incisal surface: the surface lowered along the tooth's occlusal axis
/// by `depth_mm` at its highest point, tapering smoothly to nothing `band_mm` below it (cusps and incisal
/// edges wear, the crown's sides do not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WearSpec {
    /// FDI number of the worn tooth.
    pub fdi: i32,
    /// Depth lost at the crown's highest point (mm, 0.01–1).
    pub depth_mm: f64,
    /// How far below the highest point the wear reaches (mm along the occlusal axis, 0.3–4).
    #[serde(default = "default_wear_band")]
    pub band_mm: f64,
}

fn default_wear_band() -> f64 {
    1.5
}

/// Everything that defines a phantom patient; the same spec and seed give byte-identical output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhantomSpec {
    /// Seed of all random variation (arch size, tooth sizes, natural irregularity).
    pub seed: u64,
    /// Include third molars (18, 28, 38, 48).
    pub third_molars: bool,
    /// Teeth that are absent (the site stays edentulous).
    pub missing: Vec<i32>,
    /// Space (mm) at each anterior contact from canine to canine: positive spacing, negative crowding (overlap).
    pub anterior_spacing_mm: f64,
    /// Natural irregularity: standard deviation of small random rotations per tooth (degrees).
    pub irregularity_deg: f64,
    /// Individual tooth displacements (malocclusion) applied before anything else.
    pub malocclusion: Vec<ToothMove>,
    /// A crown preparation for clearance work.
    pub prep: Option<PrepSpec>,
    /// Implants with scan bodies (each site must be missing).
    pub implants: Vec<ImplantSpec>,
    /// Later time points (t1, t2, …) with known tooth movements.
    pub time_series: Vec<StageSpec>,
    /// Overjet (mm) of the upper incisors in front of the lower.
    pub overjet_mm: f64,
    /// Overbite (mm): vertical overlap of the incisors.
    pub overbite_mm: f64,
    /// Depth of the curve of Spee (mm).
    pub spee_mm: f64,
    /// Distance between the upper second molars' centres (mm).
    pub arch_width_mm: f64,
    /// Crown tessellation (vertices around, side rings, occlusal rings).
    pub crown_around: usize,
    /// Side rings of each crown.
    pub crown_side: usize,
    /// Occlusal rings of each crown.
    pub crown_occlusal: usize,
    /// Spacing of gingiva vertices (mm).
    pub gingiva_spacing_mm: f64,
}

impl Default for PhantomSpec {
    fn default() -> Self {
        let r = CrownResolution::default();
        Self {
            seed: 1,
            third_molars: false,
            missing: Vec::new(),
            anterior_spacing_mm: 0.0,
            irregularity_deg: 1.5,
            malocclusion: Vec::new(),
            prep: None,
            implants: Vec::new(),
            time_series: Vec::new(),
            overjet_mm: 2.5,
            overbite_mm: 2.0,
            spee_mm: 1.5,
            arch_width_mm: 55.0,
            crown_around: r.around,
            crown_side: r.side,
            crown_occlusal: r.occlusal,
            gingiva_spacing_mm: 0.45,
        }
    }
}

impl PhantomSpec {
    /// A coarse phantom for fast tests: the same anatomy with fewer triangles.
    pub fn coarse(seed: u64) -> Self {
        Self { seed, crown_around: 48, crown_side: 14, crown_occlusal: 9, gingiva_spacing_mm: 0.9, ..Self::default() }
    }

    /// A phantom tessellated as finely as a scanner's full-resolution export (its upper about 2.5 M
    /// triangles; minutes to make): for speed and memory measurements.
    pub fn full_resolution(seed: u64) -> Self {
        Self {
            seed,
            crown_around: 400,
            crown_side: 120,
            crown_occlusal: 70,
            gingiva_spacing_mm: 0.13,
            ..Self::default()
        }
    }

    /// The crown tessellation this spec asks for.
    pub fn crown_resolution(&self) -> CrownResolution {
        CrownResolution { around: self.crown_around, side: self.crown_side, occlusal: self.crown_occlusal }
    }
}

impl PhantomSpec {
    /// Checks every number of the spec lies in its valid range (NaN and infinities lie in none): the arch and
    /// the tessellation are bounded, so a spec cannot ask for gigabytes or a degenerate jaw.
    pub fn check_ranges(&self) -> Result<(), String> {
        let real: [(&str, f64, f64, f64); 7] = [
            ("anterior_spacing_mm", self.anterior_spacing_mm, -1.5, 3.0),
            ("irregularity_deg", self.irregularity_deg, 0.0, 15.0),
            ("overjet_mm", self.overjet_mm, -5.0, 10.0),
            ("overbite_mm", self.overbite_mm, -5.0, 8.0),
            ("spee_mm", self.spee_mm, -2.0, 5.0),
            ("arch_width_mm", self.arch_width_mm, 35.0, 70.0),
            ("gingiva_spacing_mm", self.gingiva_spacing_mm, 0.1, 3.0),
        ];
        for (name, v, lo, hi) in real {
            if !(v >= lo && v <= hi) {
                return Err(format!("{name} = {v} is outside its valid range {lo}–{hi}"));
            }
        }
        let counts: [(&str, usize, usize, usize); 3] = [
            ("crown_around", self.crown_around, 12, 400),
            ("crown_side", self.crown_side, 3, 200),
            ("crown_occlusal", self.crown_occlusal, 2, 200),
        ];
        for (name, v, lo, hi) in counts {
            if !(lo..=hi).contains(&v) {
                return Err(format!("{name} = {v} is outside its valid range {lo}–{hi}"));
            }
        }
        for (t, stage) in self.time_series.iter().enumerate() {
            for w in &stage.wear {
                for (name, v, lo, hi) in [("depth_mm", w.depth_mm, 0.01, 1.0), ("band_mm", w.band_mm, 0.3, 4.0)] {
                    if !(v >= lo && v <= hi) {
                        return Err(format!(
                            "time_series[{t}].wear of {}: {name} = {v} is outside its valid range {lo}–{hi}",
                            w.fdi
                        ));
                    }
                }
            }
            for r in &stage.recession {
                for (name, v) in [("buccal_mm", r.buccal_mm), ("lingual_mm", r.lingual_mm)] {
                    if !(0.0..=3.0).contains(&v) {
                        return Err(format!(
                            "time_series[{t}].recession of {}: {name} = {v} is outside its valid range 0–3",
                            r.fdi
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
