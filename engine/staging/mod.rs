//! Aligner staging: every tooth from its initial to its target pose in stages that respect per-stage limits,
//! checked for collisions between neighbours at every stage, with interproximal reduction (IPR) planned where
//! the target itself overlaps.
//!
//! Movements are rigid, about each tooth's **crown centroid** (scans show crowns, not roots, so the centre of
//! resistance is not observable; the crown centroid is the reproducible choice), and are expressed in the
//! tooth's own frame: translation along its mesial, buccal and occlusal axes (mm), tip, torque and rotation
//! (degrees, see [`crate::dentition::tooth_rotation`]). Each tooth's movement is interpolated linearly in those
//! six numbers, so a stage's movement on every axis is a fixed fraction of the total.

mod chart;
mod collide;
mod sequence;
mod space;
mod target;

pub use chart::movement_chart_svg;
pub use collide::CrownCollider;
pub use sequence::Sequencing;
use sequence::{scaled, Schedule, Sequenced};
pub use space::{bolton, space_analysis, BoltonRatios, SpaceAnalysis};
pub use target::{auto_setup, SetupBudget, SpaceUse};

use crate::dentition::{movement_in_frame, transform_in_frame, Dentition, ToothMove};
use crate::mesh::Mesh;
use nalgebra::{Isometry3, Matrix3, Point3, Vector3};
use serde::{Deserialize, Serialize};

/// Per-stage limits and planning tolerances; defaults follow current aligner planning software.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Mesio-distal translation per stage (mm).
    pub mesiodistal_mm: f64,
    /// Bucco-lingual translation per stage (mm).
    pub buccolingual_mm: f64,
    /// Intrusion / extrusion per stage (mm).
    pub vertical_mm: f64,
    /// Tip per stage (degrees).
    pub tip_deg: f64,
    /// Torque per stage (degrees).
    pub torque_deg: f64,
    /// Rotation about the long axis per stage (degrees).
    pub rotation_deg: f64,
    /// Most enamel removed from one tooth surface by IPR (mm).
    pub ipr_per_surface_mm: f64,
    /// Largest overlap tolerated between neighbouring crowns at any stage, after IPR (mm).
    pub max_penetration_mm: f64,
    /// Most enamel removed by IPR in one arch, all contacts together (mm); clinically about 3 mm is usual.
    pub ipr_per_arch_mm: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            mesiodistal_mm: 0.20,
            buccolingual_mm: 0.20,
            vertical_mm: 0.15,
            tip_deg: 2.0,
            torque_deg: 1.0,
            rotation_deg: 2.0,
            ipr_per_surface_mm: 0.5,
            max_penetration_mm: 0.05,
            ipr_per_arch_mm: 3.0,
        }
    }
}

/// The valid range of each limit: (name in the limits file, unit, least, most). A per-stage movement below its
/// least would plan thousands of aligners; above its most, no aligner delivers it.
pub const LIMIT_RANGES: [(&str, &str, f64, f64); 9] = [
    ("mesiodistal_mm", "mm", 0.01, 1.0),
    ("buccolingual_mm", "mm", 0.01, 1.0),
    ("vertical_mm", "mm", 0.01, 1.0),
    ("tip_deg", "°", 0.1, 10.0),
    ("torque_deg", "°", 0.1, 10.0),
    ("rotation_deg", "°", 0.1, 10.0),
    ("ipr_per_surface_mm", "mm", 0.0, 1.0),
    ("max_penetration_mm", "mm", 0.0, 0.5),
    ("ipr_per_arch_mm", "mm", 0.0, 10.0),
];

/// A setup's movement of one tooth is at most this far (mm) from where it starts: orthodontic movements are a few
/// millimetres; more is a frame or unit error.
pub const SETUP_MAX_TRANSLATION_MM: f64 = 20.0;
/// …and turns it at most this much about any axis (degrees).
pub const SETUP_MAX_ROTATION_DEG: f64 = 90.0;

impl Limits {
    /// Checks every limit lies in its range ([`LIMIT_RANGES`]); NaN and infinities are out of every range.
    pub fn validate(&self) -> Result<(), StagingError> {
        let values = [
            self.mesiodistal_mm,
            self.buccolingual_mm,
            self.vertical_mm,
            self.tip_deg,
            self.torque_deg,
            self.rotation_deg,
            self.ipr_per_surface_mm,
            self.max_penetration_mm,
            self.ipr_per_arch_mm,
        ];
        for ((name, unit, lo, hi), v) in LIMIT_RANGES.iter().zip(values) {
            if !(v >= *lo && v <= *hi) {
                return Err(StagingError::Limit { name, value: v, range: format!("{lo}–{hi} {unit}") });
            }
        }
        Ok(())
    }

    /// The limits as six numbers in the order of a movement: mesial, buccal, occlusal (mm), tip, torque,
    /// rotation (degrees).
    pub fn as_array(&self) -> [f64; 6] {
        [self.mesiodistal_mm, self.buccolingual_mm, self.vertical_mm, self.tip_deg, self.torque_deg, self.rotation_deg]
    }
}

/// Target poses: per tooth, the movement from the initial pose in that tooth's frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// Free text: units and frame, for people reading the file.
    #[serde(default)]
    pub note: String,
    /// Movements; teeth not listed stay where they are.
    pub teeth: Vec<ToothMove>,
}

/// A setup or plan input that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    /// The setup file is not valid JSON for a setup.
    #[error("{path}: {message}")]
    Setup {
        /// File.
        path: String,
        /// What is wrong and where.
        message: String,
    },
    /// The setup moves a tooth the dentition does not have.
    #[error("the setup moves tooth {0}, which is not in the dentition")]
    UnknownTooth(i32),
    /// The dentition has no teeth.
    #[error("the dentition has no teeth to stage")]
    NoTeeth,
    /// A staging limit outside its valid range.
    #[error("limit {name} = {value} is outside its valid range {range}")]
    Limit {
        /// The limit's name in the limits file.
        name: &'static str,
        /// The value given.
        value: f64,
        /// Its range, with the unit.
        range: String,
    },
}

impl Setup {
    /// Parses a setup JSON; `path` names the source in errors.
    pub fn from_json(text: &str, path: &str) -> Result<Self, StagingError> {
        let s: Setup = serde_json::from_str(text)
            .map_err(|e| StagingError::Setup { path: path.into(), message: format!("{e}") })?;
        for m in &s.teeth {
            if !m.translation_mm.iter().chain(&m.rotation_deg).all(|v| v.is_finite()) {
                return Err(StagingError::Setup {
                    path: path.into(),
                    message: format!("tooth {}: movement must be finite", m.fdi),
                });
            }
            check_movement(m, path)?;
            if m.rotation_deg[0].abs() >= 80.0 {
                return Err(StagingError::Setup {
                    path: path.into(),
                    message: format!("tooth {}: tip of {}° is not a tooth movement", m.fdi, m.rotation_deg[0]),
                });
            }
        }
        Ok(s)
    }
}

/// A rigid transform in the jaw's frame: rotation as a unit quaternion [w, x, y, z], translation (mm).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    /// Rotation [w, x, y, z].
    pub rotation_wxyz: [f64; 4],
    /// Translation (mm).
    pub translation: [f64; 3],
}

impl Transform {
    /// From an isometry.
    pub fn from_isometry(t: &Isometry3<f64>) -> Self {
        let q = t.rotation.into_inner();
        Self { rotation_wxyz: crate::registration::wxyz(&q), translation: t.translation.vector.into() }
    }

    /// As an isometry.
    pub fn isometry(&self) -> Isometry3<f64> {
        crate::registration::isometry_wxyz(self.rotation_wxyz, self.translation)
    }
}

/// A movement in a tooth's frame: translation (mesial, buccal, occlusal; mm) and tip, torque, rotation (degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LocalMove {
    /// Translation along mesial, buccal, occlusal (mm).
    pub translation_mm: [f64; 3],
    /// Tip, torque, rotation (degrees).
    pub rotation_deg: [f64; 3],
}

impl LocalMove {
    fn as_array(&self) -> [f64; 6] {
        let [a, b, c] = self.translation_mm;
        let [d, e, f] = self.rotation_deg;
        [a, b, c, d, e, f]
    }
}

/// One tooth at one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTooth {
    /// FDI number.
    pub fdi: i32,
    /// Initial pose → this stage (jaw frame).
    pub cumulative: Transform,
    /// Previous stage → this stage (jaw frame).
    pub incremental: Transform,
    /// The cumulative movement in the tooth's initial frame.
    pub cumulative_local: LocalMove,
}

/// One aligner stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// 0 is the initial arch; the last stage is the target.
    pub index: usize,
    /// Every tooth's pose.
    pub teeth: Vec<StageTooth>,
    /// Deepest overlap between neighbouring crowns at this stage beyond the initial arch's own, after the IPR
    /// done by then (mm; ≤ 0 when apart).
    pub worst_penetration_mm: f64,
}

/// Enamel to remove between two neighbours, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IprEvent {
    /// Performed before this stage's aligner is worn.
    pub stage: usize,
    /// The two teeth (FDI), in arch order.
    pub teeth: [i32; 2],
    /// Total enamel removed at the contact (mm), split evenly between both surfaces.
    pub amount_mm: f64,
    /// Per surface (mm).
    pub per_surface_mm: f64,
}

/// The staged plan: what `cusp stage` writes as plan.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Units of the numbers.
    pub units: String,
    /// Which jaw.
    pub jaw: String,
    /// What each movement turns about.
    pub centre_of_rotation: String,
    /// The limits planned to.
    pub limits: Limits,
    /// Teeth in arch order with their initial frames (centroid; mesial, buccal, occlusal axes).
    pub frames: Vec<PlanFrame>,
    /// The target movement per tooth (tooth frame).
    pub targets: Vec<ToothMove>,
    /// Stages 0 … N.
    pub stages: Vec<Stage>,
    /// Planned IPR.
    pub ipr: Vec<IprEvent>,
    /// Fewest stages any plan needs: the largest movement ÷ its per-stage limit.
    pub lower_bound_stages: usize,
    /// The sequencing used, in words.
    pub sequencing: String,
    /// What the plan could not do within the limits, in words (empty when everything held).
    pub warnings: Vec<String>,
    /// Attachments per tooth (FDI and what it is for), by the rules of [`attachments_for`].
    pub attachments: Vec<(i32, String)>,
    /// Overcorrection per tooth (extra movement in the tooth frame at the last stage); none by default.
    pub overcorrection: Vec<ToothMove>,
}

/// A tooth's initial frame as stored in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFrame {
    /// FDI number.
    pub fdi: i32,
    /// Crown centroid (mm).
    pub centroid: [f64; 3],
    /// Unit mesial, buccal, occlusal axes.
    pub axes: [[f64; 3]; 3],
}

impl PlanFrame {
    /// Columns mesial, buccal, occlusal.
    pub fn matrix(&self) -> Matrix3<f64> {
        Matrix3::from_columns(&self.axes.map(Vector3::from))
    }

    /// A jaw-frame transform's movement in this tooth's initial frame.
    pub fn local_move(&self, t: &Isometry3<f64>) -> LocalMove {
        let (translation_mm, rotation_deg) = movement_in_frame(&Point3::from(self.centroid), &self.matrix(), t);
        LocalMove { translation_mm, rotation_deg }
    }

    /// The jaw-frame transform of a movement in this tooth's frame (about the centroid).
    pub fn transform(&self, m: &LocalMove) -> Isometry3<f64> {
        transform_in_frame(&Point3::from(self.centroid), &self.matrix(), m.translation_mm, m.rotation_deg)
    }
}

pub use crate::dentition::arch_order;

/// Number of stages a movement needs on its own: the largest |movement| ÷ limit over the six axes.
pub fn stages_needed(m: &LocalMove, limits: &Limits) -> usize {
    m.as_array()
        .iter()
        .zip(limits.as_array())
        .map(|(v, l)| (v.abs() / l - 1e-9).ceil().max(0.0) as usize)
        .max()
        .unwrap_or(0)
}

/// A setup's movement of one tooth within [`SETUP_MAX_TRANSLATION_MM`] and [`SETUP_MAX_ROTATION_DEG`] (NaN is
/// within neither); `path` names the setup in the error.
fn check_movement(m: &ToothMove, path: &str) -> Result<(), StagingError> {
    let far = m.translation_mm.iter().map(|v| v * v).sum::<f64>().sqrt();
    if far <= SETUP_MAX_TRANSLATION_MM && m.rotation_deg.iter().all(|r| r.abs() <= SETUP_MAX_ROTATION_DEG) {
        return Ok(());
    }
    Err(StagingError::Setup {
        path: path.into(),
        message: format!(
            "tooth {}: a movement of {far:.1} mm and {:?}° is no tooth movement (at most {SETUP_MAX_TRANSLATION_MM} mm \
             and {SETUP_MAX_ROTATION_DEG}° per axis) — a frame or unit error?",
            m.fdi, m.rotation_deg
        ),
    })
}

/// Rotation of a rounded crown (canine, premolar) beyond which an aligner needs an attachment to grip it (°).
pub const ATTACHMENT_ROTATION_DEG: f64 = 15.0;
/// Extrusion beyond which a tooth needs an attachment (mm): an aligner pushes, it cannot pull.
pub const ATTACHMENT_EXTRUSION_MM: f64 = 0.5;
/// Tip or torque (root movement) beyond which a tooth needs an attachment for the couple (°).
pub const ATTACHMENT_ROOT_DEG: f64 = 10.0;

/// The attachments a tooth's movement calls for, by the rules clear-aligner protocols state (Weir, "Clear
/// aligners in orthodontic treatment", Aust Dent J 2017;62 Suppl 1:58–62: attachments for rotating rounded
/// teeth, for extrusion and for root movement): a canine or premolar rotated more than
/// [`ATTACHMENT_ROTATION_DEG`], any tooth extruded more than [`ATTACHMENT_EXTRUSION_MM`], tipped or torqued
/// more than [`ATTACHMENT_ROOT_DEG`].
pub fn attachments_for(fdi: i32, m: &LocalMove) -> Vec<(i32, String)> {
    let mut out = Vec::new();
    let [tip, torque, rotation] = m.rotation_deg;
    if (3..=5).contains(&(fdi % 10)) && rotation.abs() > ATTACHMENT_ROTATION_DEG {
        out.push((fdi, format!("rotation attachment ({rotation:+.0}° about the long axis)")));
    }
    if m.translation_mm[2] > ATTACHMENT_EXTRUSION_MM {
        out.push((fdi, format!("extrusion attachment ({:+.2} mm)", m.translation_mm[2])));
    }
    if tip.abs() > ATTACHMENT_ROOT_DEG || torque.abs() > ATTACHMENT_ROOT_DEG {
        out.push((fdi, format!("root-movement attachment (tip {tip:+.0}°, torque {torque:+.0}°)")));
    }
    out
}

/// Most enamel IPR may take from one surface of tooth `fdi` (mm): the limit, halved on molars (their contact
/// areas are broad and the stripping reaches less of the enamel safely).
fn surface_ipr_cap(fdi: i32, limits: &Limits) -> f64 {
    if fdi % 10 >= 6 {
        limits.ipr_per_surface_mm / 2.0
    } else {
        limits.ipr_per_surface_mm
    }
}

/// Stages a dentition to its setup with every tooth moving together ([`Sequencing::Together`]). `mesh` is
/// the jaw the dentition indexes.
pub fn plan(mesh: &Mesh, dentition: &Dentition, setup: &Setup, limits: &Limits) -> Result<Plan, StagingError> {
    plan_sequenced(mesh, dentition, setup, limits, Sequencing::Together)
}

/// Stages a dentition to its setup from a sequencing pattern; collisions on the way are sequenced around.
pub fn plan_sequenced(
    mesh: &Mesh,
    dentition: &Dentition,
    setup: &Setup,
    limits: &Limits,
    pattern: Sequencing,
) -> Result<Plan, StagingError> {
    limits.validate()?;
    if dentition.teeth.is_empty() {
        return Err(StagingError::NoTeeth);
    }
    for m in &setup.teeth {
        check_movement(m, "the setup")?;
        if dentition.tooth(m.fdi).is_none() {
            return Err(StagingError::UnknownTooth(m.fdi));
        }
    }
    let order = arch_order(&dentition.teeth.iter().map(|t| t.fdi).collect::<Vec<_>>());
    let frames: Vec<PlanFrame> = order
        .iter()
        .map(|&f| {
            let fr = dentition.tooth(f).expect("in order").frame;
            PlanFrame {
                fdi: f,
                centroid: fr.centroid.coords.into(),
                axes: [fr.mesial.into(), fr.buccal.into(), fr.occlusal.into()],
            }
        })
        .collect();
    let targets: Vec<LocalMove> = order
        .iter()
        .map(|f| {
            setup.teeth.iter().find(|m| m.fdi == *f).map_or(
                LocalMove { translation_mm: [0.0; 3], rotation_deg: [0.0; 3] },
                |m| LocalMove { translation_mm: m.translation_mm, rotation_deg: m.rotation_deg },
            )
        })
        .collect();
    let collider =
        CrownCollider::new(mesh, &order.iter().map(|f| dentition.tooth(*f).expect("in order")).collect::<Vec<_>>());
    let need: Vec<usize> = targets.iter().map(|m| stages_needed(m, limits)).collect();
    let lower_bound = need.iter().copied().max().unwrap_or(0);
    let ipr_cap = order.windows(2).map(|w| surface_ipr_cap(w[0], limits) + surface_ipr_cap(w[1], limits)).collect();
    let schedule = Schedule { frames: &frames, targets: &targets, collider: &collider, limits, ipr_cap };
    let Sequenced { slots, pens, ipr, delays, slowed, mut warnings } = schedule.run(&order, &need, pattern);
    let n = pens.len() - 1;
    let stages: Vec<Stage> = (0..=n)
        .map(|k| {
            let teeth = (0..frames.len())
                .map(|i| {
                    let cur = schedule.pose(&slots, i, k);
                    let prev = if k == 0 { Isometry3::identity() } else { schedule.pose(&slots, i, k - 1) };
                    StageTooth {
                        fdi: order[i],
                        cumulative: Transform::from_isometry(&cur),
                        incremental: Transform::from_isometry(&(cur * prev.inverse())),
                        cumulative_local: scaled(&targets[i], slots[i].fraction(k)),
                    }
                })
                .collect();
            let worst = (0..frames.len().saturating_sub(1))
                .map(|p| Schedule::excess(&pens, &ipr, k, p))
                .fold(f64::MIN, f64::max);
            Stage { index: k, teeth, worst_penetration_mm: if worst == f64::MIN { 0.0 } else { worst } }
        })
        .collect();
    let ipr_events: Vec<IprEvent> = ipr
        .iter()
        .enumerate()
        .filter_map(|(p, e)| {
            e.map(|(stage, amount)| IprEvent {
                stage,
                teeth: [order[p], order[p + 1]],
                amount_mm: amount,
                per_surface_mm: amount / 2.0,
            })
        })
        .collect();
    let ipr_total: f64 = ipr_events.iter().map(|e| e.amount_mm).sum();
    if ipr_total > limits.ipr_per_arch_mm + 1e-9 {
        warnings.push(format!(
            "the plan needs {ipr_total:.2} mm of IPR, more than the arch's budget of {:.2} mm",
            limits.ipr_per_arch_mm
        ));
    }
    let describe = |list: &[(usize, usize)], what: &str| {
        list.iter().map(|(i, k)| format!("{} {what} {k}", order[*i])).collect::<Vec<_>>().join(", ")
    };
    let mut sequencing = match pattern {
        Sequencing::Together => format!("all moving teeth start at stage 1 and arrive at stage {n}"),
        Sequencing::PosteriorsFirst => "premolars and molars first, then canines and incisors".to_string(),
        Sequencing::AnteriorsFirst => "canines and incisors first, then premolars and molars".to_string(),
    };
    if delays.is_empty() && slowed.is_empty() {
        sequencing.push_str(" (no collisions on the way)");
    } else {
        sequencing.push_str(&format!("; to avoid collisions on the way: {}", describe(&delays, "starts after stage")));
        if !slowed.is_empty() {
            sequencing.push_str(&format!(
                "{}{}",
                if delays.is_empty() { "" } else { "; " },
                describe(&slowed, "takes")
            ));
            sequencing.push_str(" stages");
        }
    }
    Ok(Plan {
        units: "mm, degrees".into(),
        jaw: dentition.jaw.as_str().into(),
        centre_of_rotation: "crown centroid".into(),
        limits: *limits,
        frames,
        targets: order
            .iter()
            .zip(&targets)
            .map(|(f, m)| ToothMove { fdi: *f, translation_mm: m.translation_mm, rotation_deg: m.rotation_deg })
            .collect(),
        stages,
        ipr: ipr_events,
        lower_bound_stages: lower_bound,
        sequencing,
        warnings,
        attachments: order.iter().zip(&targets).flat_map(|(f, m)| attachments_for(*f, m)).collect(),
        overcorrection: Vec::new(),
    })
}

/// The jaw mesh at one stage: each tooth's vertices moved by its cumulative transform (gingiva unchanged).
pub fn stage_mesh(mesh: &Mesh, dentition: &Dentition, stage: &Stage) -> Mesh {
    let mut p = mesh.positions().to_vec();
    for st in &stage.teeth {
        if let Some(t) = dentition.tooth(st.fdi) {
            let iso = st.cumulative.isometry();
            for &v in &t.vertices {
                p[v as usize] = iso * mesh.positions()[v as usize];
            }
        }
    }
    Mesh::new(p, mesh.triangles().to_vec()).expect("same topology")
}
