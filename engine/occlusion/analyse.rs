//! The one entry point of the occlusion stage, used by the command, the scenario runner and the case report:
//! bring the lower jaw into the upper's frame ([`place_lower`]: as given, from a bite scan, or settled), then
//! check that the jaws are in a bite and measure it ([`analyse`]: occlusal contacts per jaw, proximal
//! contacts per arch, and a preparation's clearance with a verdict per material).

use super::{
    check_bite, contact_map_range, contact_regions, face_each_other, frames_face_each_other, proximal_contacts,
    register_bite, settle, Antagonist, BiteCheck, BiteError, BiteRegistration, Clearance, ContactRegion, JawFit,
    OcclusionError, ProximalContact, SettleError, SettleOptions, Settled, Verdict, CONTACT_THRESHOLD_MM, MATERIALS,
    SURFACE_UNCERTAINTY_MM,
};
use crate::dentition::{jaw_of_fdi, Jaw};
use crate::io::frames::PoseRecord;
use crate::mesh::Mesh;
use nalgebra::Isometry3;
use serde::Serialize;

/// Uncertainty (mm) of a settled bite: settling puts the lower jaw 0.02–0.13 mm RMS from the true bite on the
/// phantoms, so every contact within this of the threshold is uncertain.
pub const SETTLED_UNCERTAINTY_MM: f64 = 0.15;

/// How the lower jaw is brought into the upper jaw's frame.
#[derive(Debug, Clone, Copy)]
pub enum BiteFrom<'a> {
    /// The jaws are already in a bite, in one frame (a scanner's own bite alignment).
    AsGiven,
    /// A buccal bite scan (mm) both jaws are registered onto.
    Scan(&'a Mesh),
    /// No bite record: the lower jaw is settled onto the upper under a closing force, after being turned to
    /// face it when the jaws were exported apart.
    Settle,
}

/// How the lower jaw was placed, and how well.
#[derive(Debug, Clone)]
pub enum Placement {
    /// As given.
    AsGiven,
    /// Registered onto a bite scan.
    Registered(BiteRegistration),
    /// Settled (an estimate).
    Settled(Settled),
}

impl Placement {
    /// The motion taking the lower jaw as given into the upper jaw's frame (mm).
    pub fn upper_from_lower(&self) -> Isometry3<f64> {
        match self {
            Placement::AsGiven => Isometry3::identity(),
            Placement::Registered(r) => r.upper_from_lower,
            Placement::Settled(s) => s.lower_from_start,
        }
    }

    /// The bite's own uncertainty (mm), added to the surface's when contacts are judged.
    pub fn uncertainty_mm(&self) -> f64 {
        match self {
            Placement::Settled(_) => SETTLED_UNCERTAINTY_MM,
            _ => 0.0,
        }
    }

    /// How the lower jaw was placed, in words ("as given", "bite scan", "settled").
    pub fn as_str(&self) -> &'static str {
        match self {
            Placement::AsGiven => "as given",
            Placement::Registered(_) => "bite scan",
            Placement::Settled(_) => "settled",
        }
    }
}

/// Why the lower jaw could not be placed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaceError {
    /// The bite scan did not register.
    #[error("bite registration: {0}")]
    Bite(#[from] BiteError),
    /// Settling found no rest.
    #[error("bite settling: {0}")]
    Settle(#[from] SettleError),
}

/// Brings `lower` into `upper`'s frame as `bite` says; returns the placed lower jaw and how it was placed.
pub fn place_lower(upper: &Mesh, lower: &Mesh, bite: BiteFrom) -> Result<(Mesh, Placement), PlaceError> {
    match bite {
        BiteFrom::AsGiven => Ok((lower.clone(), Placement::AsGiven)),
        BiteFrom::Scan(patch) => {
            let r = register_bite(upper, lower, patch)?;
            Ok((lower.transformed(&r.upper_from_lower), Placement::Registered(r)))
        }
        BiteFrom::Settle => {
            // Jaws exported apart (each in its own frame) are first brought to face each other from their arch
            // frames; jaws given roughly facing are settled from where they are.
            let facing = frames_face_each_other(&crate::segment::orient(upper), &crate::segment::orient(lower));
            let faced = if facing { Isometry3::identity() } else { face_each_other(upper, lower) };
            let start = lower.transformed(&faced);
            let mut s = settle(upper, &start, &SettleOptions::default())?;
            s.lower_from_start *= faced;
            Ok((lower.transformed(&s.lower_from_start), Placement::Settled(s)))
        }
    }
}

/// What the occlusion stage measures, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct OcclusionOptions {
    /// Surfaces closer than this are in contact (mm).
    pub threshold_mm: f64,
    /// Measurement uncertainty of the surfaces (mm): contacts, proximal classes and clearances within this of
    /// their limit are marked uncertain.
    pub uncertainty_mm: f64,
    /// The prepared tooth (FDI) whose occlusal clearance is measured.
    pub prep: Option<i32>,
    /// The planned material (a name in [`MATERIALS`]) whose verdict is singled out.
    pub material: Option<String>,
}

impl Default for OcclusionOptions {
    fn default() -> Self {
        Self { threshold_mm: CONTACT_THRESHOLD_MM, uncertainty_mm: SURFACE_UNCERTAINTY_MM, prep: None, material: None }
    }
}

/// The lower jaw's placement as recorded in `occlusion.json`.
#[derive(Debug, Clone, Serialize)]
pub struct PlacementRecord {
    /// "as given", "bite scan" or "settled".
    pub how: &'static str,
    /// The motion taking the lower jaw as given into the upper's frame (mm, quaternion [w, x, y, z]).
    pub upper_from_lower: PoseRecord,
    /// The bite scan's fit onto each jaw, when registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper_fit: Option<JawFit>,
    /// The lower jaw's fit onto the bite scan, when registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lower_fit: Option<JawFit>,
    /// The settling search, when settled (an estimate: no bite record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled: Option<Settled>,
}

impl From<&Placement> for PlacementRecord {
    fn from(p: &Placement) -> Self {
        let (upper_fit, lower_fit, settled) = match p {
            Placement::AsGiven => (None, None, None),
            Placement::Registered(r) => (Some(r.upper), Some(r.lower), None),
            Placement::Settled(s) => (None, None, Some(*s)),
        };
        Self {
            how: p.as_str(),
            upper_from_lower: PoseRecord::from_isometry(&p.upper_from_lower()),
            upper_fit,
            lower_fit,
            settled,
        }
    }
}

/// The occlusion of two jaws in one frame (the upper's; mm): what `occlusion.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Occlusion {
    /// Unit of every length.
    pub units: &'static str,
    /// Contact threshold (mm).
    pub threshold_mm: f64,
    /// Uncertainty occlusal contacts and the clearance were judged with (mm): the surfaces' and the bite's.
    pub uncertainty_mm: f64,
    /// How the lower jaw was placed.
    pub placement: PlacementRecord,
    /// What the bite check measured.
    pub bite_check: BiteCheck,
    /// Contact regions on the upper jaw.
    pub upper_contacts: Vec<ContactRegion>,
    /// Contact regions on the lower jaw.
    pub lower_contacts: Vec<ContactRegion>,
    /// Contacts between neighbouring upper teeth.
    pub upper_proximal: Vec<ProximalContact>,
    /// Contacts between neighbouring lower teeth.
    pub lower_proximal: Vec<ProximalContact>,
    /// The prepared tooth (FDI), when one was given.
    pub prep: Option<i32>,
    /// Its occlusal clearance.
    pub clearance: Option<Clearance>,
    /// The planned material's verdict.
    pub material: Option<Verdict>,
    /// Signed distance of each upper vertex to the lower jaw (mm, negative inside, clamped to the map's reach).
    #[serde(skip)]
    pub upper_distances: Vec<f64>,
    /// Signed distance of each lower vertex to the upper jaw (mm).
    #[serde(skip)]
    pub lower_distances: Vec<f64>,
}

/// Why occlusion could not be measured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalyseError {
    /// The jaws are not in a bite.
    #[error(transparent)]
    NotInBite(#[from] OcclusionError),
    /// The prepared tooth is not on its jaw.
    #[error("the prepared tooth {0} was not found on its jaw")]
    PrepNotFound(i32),
    /// The material is not in the table.
    #[error("unknown material '{0}'; known: {known}", known = MATERIALS.iter().map(|m| m.name).collect::<Vec<_>>().join(", "))]
    UnknownMaterial(String),
}

/// Measures the occlusion of `upper` and `lower` (one frame, mm; the lower placed by [`place_lower`]) with
/// their tooth labels (FDI per vertex): refuses jaws that are not in a bite, then finds the contacts, the
/// proximal contacts and, for a preparation, its clearance.
pub fn analyse(
    upper: &Mesh,
    lower: &Mesh,
    labels: (&[i32], &[i32]),
    placement: &Placement,
    opts: &OcclusionOptions,
) -> Result<Occlusion, AnalyseError> {
    if let Some(m) = &opts.material {
        if !MATERIALS.iter().any(|x| x.name == m) {
            return Err(AnalyseError::UnknownMaterial(m.clone()));
        }
    }
    let (ul, ll) = labels;
    let threshold = opts.threshold_mm;
    let uncertainty = opts.uncertainty_mm.max(placement.uncertainty_mm());
    let reach = contact_map_range(threshold, uncertainty);
    // Each jaw indexed once (both at the same time): the other's contact map and, for a preparation, its
    // clearance.
    let (upper_index, lower_index) = rayon::join(|| Antagonist::new(upper), || Antagonist::new(lower));
    let du = lower_index.signed_distances(upper, reach);
    let dl = upper_index.signed_distances(lower, reach);
    let bite_check = check_bite(upper, lower, (ul, ll), &du, &dl, reach)?;
    let upper_contacts = contact_regions(upper, lower, &du, threshold, uncertainty, Some((ul, ll)));
    let lower_contacts = contact_regions(lower, upper, &dl, threshold, uncertainty, Some((ll, ul)));
    let clearance = match opts.prep {
        Some(fdi) => {
            let (jaw, jaw_labels, other) =
                if jaw_of_fdi(fdi) == Some(Jaw::Upper) { (upper, ul, &lower_index) } else { (lower, ll, &upper_index) };
            let verts: Vec<u32> =
                jaw_labels.iter().enumerate().filter(|(_, &x)| x == fdi).map(|(i, _)| i as u32).collect();
            let c = other.clearance(jaw, &verts, &MATERIALS, uncertainty);
            Some(c.ok_or(AnalyseError::PrepNotFound(fdi))?)
        }
        None => None,
    };
    let material = opts
        .material
        .as_ref()
        .zip(clearance.as_ref())
        .and_then(|(m, c)| c.verdicts.iter().find(|v| &v.material == m).cloned());
    Ok(Occlusion {
        units: "mm",
        threshold_mm: threshold,
        uncertainty_mm: uncertainty,
        placement: placement.into(),
        bite_check,
        upper_contacts,
        lower_contacts,
        upper_proximal: proximal_contacts(upper, ul, opts.uncertainty_mm),
        lower_proximal: proximal_contacts(lower, ll, opts.uncertainty_mm),
        prep: opts.prep,
        clearance,
        material,
        upper_distances: du,
        lower_distances: dl,
    })
}
