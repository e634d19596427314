//! Teeth3DS label files: `{"id_patient", "jaw", "labels": [FDI or 0 per vertex], "instances": [...]}`.

use super::error::{IoError, ParseError, Place};
use crate::dentition::{fdi_to_universal, is_fdi, jaw_of_fdi, universal_to_fdi, Jaw};
use serde::{Deserialize, Serialize};
use std::path::Path;

const JSON: &str = "Teeth3DS JSON";

/// Per-vertex tooth labels in the Teeth3DS format (the 3DTeethSeg'22 challenge's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teeth3dsLabels {
    /// Patient or case identifier (pseudonymous).
    #[serde(default)]
    pub id_patient: String,
    /// Which jaw the mesh is.
    pub jaw: Jaw,
    /// FDI number per vertex, 0 for gingiva.
    pub labels: Vec<i32>,
    /// Tooth instance id per vertex, 0 for gingiva.
    #[serde(default)]
    pub instances: Vec<i32>,
}

impl Teeth3dsLabels {
    /// Labels with instances numbered 1, 2, … by ascending FDI number.
    pub fn new(id_patient: impl Into<String>, jaw: Jaw, labels: Vec<i32>) -> Self {
        let mut teeth: Vec<i32> = labels.iter().copied().filter(|&l| l != 0).collect();
        teeth.sort_unstable();
        teeth.dedup();
        let instances = labels.iter().map(|l| teeth.binary_search(l).map_or(0, |i| i as i32 + 1)).collect();
        Self { id_patient: id_patient.into(), jaw, labels, instances }
    }

    /// Decodes and checks label JSON: every label is 0 or an FDI tooth of the stated jaw, instances match in length.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let v: Self =
            serde_json::from_slice(bytes).map_err(|e| ParseError::new(JSON, Place::Line(e.line()), format!("{e}")))?;
        for (i, &l) in v.labels.iter().enumerate() {
            let place = || Place::Element { kind: "label".into(), index: i };
            if l != 0 && !is_fdi(l) {
                return Err(ParseError::new(
                    JSON,
                    place(),
                    format!("{l} is not an FDI tooth number (11–48) or 0 for gingiva"),
                ));
            }
            if l != 0 && jaw_of_fdi(l) != Some(v.jaw) {
                return Err(ParseError::new(
                    JSON,
                    place(),
                    format!("tooth {l} is not in the {} jaw the file names", v.jaw.as_str()),
                ));
            }
        }
        if !v.instances.is_empty() && v.instances.len() != v.labels.len() {
            return Err(ParseError::new(
                JSON,
                Place::File,
                format!(
                    "{} instances for {} labels: there must be one of each per vertex",
                    v.instances.len(),
                    v.labels.len()
                ),
            ));
        }
        Ok(v)
    }

    /// Reads and checks a label file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, IoError> {
        let path = path.as_ref();
        let bytes = super::read_bytes(path)?;
        Self::parse(&bytes).map_err(|source| IoError::Parse { path: path.to_path_buf(), source })
    }

    /// Encodes as compact JSON (fields in the Teeth3DS order), deterministic.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Writes the label file atomically.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), IoError> {
        super::write_atomic(path.as_ref(), &self.to_json())
    }

    /// The teeth present (FDI), ascending.
    pub fn teeth(&self) -> Vec<i32> {
        let mut t: Vec<i32> = self.labels.iter().copied().filter(|&l| l != 0).collect();
        t.sort_unstable();
        t.dedup();
        t
    }

    /// Labels in Universal numbering (1–32, 0 = gingiva).
    pub fn universal(&self) -> Vec<i32> {
        self.labels.iter().map(|&l| fdi_to_universal(l).unwrap_or(0)).collect()
    }

    /// Converts Universal labels (1–32, 0 = gingiva) to FDI; unknown numbers become an error at that vertex.
    pub fn fdi_from_universal(universal: &[i32]) -> Result<Vec<i32>, ParseError> {
        universal
            .iter()
            .enumerate()
            .map(|(i, &u)| match u {
                0 => Ok(0),
                _ => universal_to_fdi(u).ok_or_else(|| {
                    ParseError::new(
                        JSON,
                        Place::Element { kind: "label".into(), index: i },
                        format!("{u} is not a Universal tooth number (1–32)"),
                    )
                }),
            })
            .collect()
    }
}
