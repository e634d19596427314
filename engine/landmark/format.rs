//! Landmark files: 3DTeethLand JSON (read and write), 3D Slicer markups `.mrk.json` (read and write) and
//! legacy Slicer `.fcsv` (read).
//!
//! Coordinates are written as they are in the mesh's frame (mm). A Slicer markups file states its coordinate
//! system; cusp writes `LPS`, which is how 3D Slicer (4.11 and later) reads STL, PLY and OBJ model files that
//! do not say otherwise, so the points land on the model when both are loaded.

use super::{Landmark, LandmarkClass};
use crate::io::{IoError, ParseError, Place};
use serde_json::{json, Value};
use std::path::Path;

/// The landmarks of one file and the coordinate system it states (`"LPS"`, `"RAS"`; `None` when it states
/// none, as 3DTeethLand JSON does).
#[derive(Debug, Clone, PartialEq)]
pub struct LandmarkFile {
    /// The landmarks, in file order.
    pub landmarks: Vec<Landmark>,
    /// The coordinate system the file states.
    pub coordinate_system: Option<String>,
}

impl LandmarkFile {
    /// The landmarks in LPS: a file in RAS has its x and y negated, any other is taken as it is.
    pub fn to_lps(&self) -> Vec<Landmark> {
        let ras = self.coordinate_system.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("RAS"));
        self.landmarks
            .iter()
            .map(|l| if ras { Landmark { coord: [-l.coord[0], -l.coord[1], l.coord[2]], ..*l } } else { *l })
            .collect()
    }
}

/// The name a landmark is written under: `FDI-Class`, cusps `FDI-Cusp-k` counted from 1 within the tooth.
fn names(landmarks: &[Landmark]) -> Vec<String> {
    let mut cusps: std::collections::BTreeMap<i32, usize> = std::collections::BTreeMap::new();
    landmarks
        .iter()
        .map(|l| {
            let class = l.class.map_or("Point", LandmarkClass::as_str);
            if l.class == Some(LandmarkClass::Cusp) {
                let k = cusps.entry(l.fdi).or_default();
                *k += 1;
                format!("{}-{class}-{k}", l.fdi)
            } else {
                format!("{}-{class}", l.fdi)
            }
        })
        .collect()
}

/// 3DTeethLand JSON of `landmarks` for the mesh file named `key`; each object also carries its tooth's FDI.
pub fn teethland_json(landmarks: &[Landmark], key: &str) -> Value {
    let objects: Vec<Value> = landmarks
        .iter()
        .zip(names(landmarks))
        .map(|(l, name)| {
            json!({
                "key": name,
                "class": l.class.map_or("Point", LandmarkClass::as_str),
                "coord": l.coord,
                "fdi": l.fdi,
            })
        })
        .collect();
    json!({ "version": "1.1", "description": "landmarks", "key": key, "objects": objects })
}

/// 3D Slicer markups (a point list in LPS, mm) of `landmarks`, labelled `FDI-Class[-k]`.
pub fn slicer_markups(landmarks: &[Landmark]) -> Value {
    let points: Vec<Value> = landmarks
        .iter()
        .zip(names(landmarks))
        .enumerate()
        .map(|(i, (l, name))| {
            json!({
                "id": (i + 1).to_string(),
                "label": name,
                "description": l.class.map_or("", LandmarkClass::as_str),
                "position": l.coord,
                "positionStatus": "defined",
            })
        })
        .collect();
    json!({
        "@schema": "https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#",
        "markups": [{
            "type": "Fiducial",
            "coordinateSystem": "LPS",
            "coordinateUnits": "mm",
            "locked": false,
            "labelFormat": "%N-%d",
            "controlPoints": points,
        }],
    })
}

/// Whether `path` names a Slicer markups file (`.mrk.json`).
fn is_markups(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.to_ascii_lowercase().ends_with(".mrk.json"))
}

/// Writes `landmarks` atomically: Slicer markups when `path` ends in `.mrk.json`, else 3DTeethLand JSON for
/// the mesh file named `key`.
pub fn write_landmarks(path: &Path, landmarks: &[Landmark], key: &str) -> Result<(), IoError> {
    let doc = if is_markups(path) { slicer_markups(landmarks) } else { teethland_json(landmarks, key) };
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    crate::io::write_atomic(path, &bytes)
}

/// A label's tooth and class: `36-Cusp-2` → (36, Cusp); `MCP` → (0, Mesial); anything else → (0, none).
fn parse_label(label: &str) -> (i32, Option<LandmarkClass>) {
    let parts: Vec<&str> = label.split(['-', '_', ' ']).filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [fdi, class, ..] if fdi.parse::<i32>().is_ok_and(crate::dentition::is_fdi) => {
            (fdi.parse().unwrap_or(0), LandmarkClass::parse(class))
        }
        _ => (0, LandmarkClass::parse(label)),
    }
}

const FORMAT: &str = "landmarks";

fn coord(v: &Value, place: impl Fn() -> Place) -> Result<[f64; 3], ParseError> {
    let a = v
        .as_array()
        .filter(|a| a.len() == 3)
        .ok_or_else(|| ParseError::new(FORMAT, place(), "a point must be [x, y, z]"))?;
    let mut c = [0.0; 3];
    for (slot, x) in c.iter_mut().zip(a) {
        *slot = x
            .as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| ParseError::new(FORMAT, place(), "a coordinate must be a finite number (mm)"))?;
    }
    Ok(c)
}

/// Decodes a landmark file's bytes; `markups` for Slicer `.mrk.json`, `fcsv` for legacy Slicer CSV, else
/// 3DTeethLand JSON.
fn parse(bytes: &[u8], markups: bool, fcsv: bool) -> Result<LandmarkFile, ParseError> {
    if fcsv {
        return parse_fcsv(bytes);
    }
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| ParseError::new(FORMAT, Place::Line(e.line()), format!("{e}")))?;
    let element = |kind: &'static str, index: usize| move || Place::Element { kind: kind.into(), index };
    if markups {
        let mut landmarks = Vec::new();
        let mut system = None;
        let lists = doc["markups"]
            .as_array()
            .ok_or_else(|| ParseError::new(FORMAT, Place::File, "a Slicer markups file needs a \"markups\" list"))?;
        for list in lists {
            system = system.or_else(|| list["coordinateSystem"].as_str().map(str::to_string));
            for (i, p) in list["controlPoints"].as_array().into_iter().flatten().enumerate() {
                let (fdi, mut class) = parse_label(p["label"].as_str().unwrap_or(""));
                class = class.or_else(|| p["description"].as_str().and_then(LandmarkClass::parse));
                landmarks.push(Landmark { fdi, class, coord: coord(&p["position"], element("control point", i))? });
            }
        }
        return Ok(LandmarkFile { landmarks, coordinate_system: system });
    }
    let objects = doc["objects"]
        .as_array()
        .ok_or_else(|| ParseError::new(FORMAT, Place::File, "a 3DTeethLand landmark file needs an \"objects\" list"))?;
    let mut landmarks = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let class = o["class"].as_str().and_then(LandmarkClass::parse);
        let fdi = o["fdi"].as_i64().and_then(|f| i32::try_from(f).ok()).filter(|&f| crate::dentition::is_fdi(f));
        landmarks.push(Landmark { fdi: fdi.unwrap_or(0), class, coord: coord(&o["coord"], element("object", i))? });
    }
    Ok(LandmarkFile { landmarks, coordinate_system: None })
}

/// Legacy Slicer fiducials: `# CoordinateSystem = RAS` (or `= 0`), then `id,x,y,z,…,label,…` rows.
fn parse_fcsv(bytes: &[u8]) -> Result<LandmarkFile, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::new("fcsv", Place::File, "not UTF-8 text"))?;
    let mut system = None;
    let mut landmarks = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix('#') {
            if let Some((key, value)) = rest.split_once('=') {
                if key.trim().eq_ignore_ascii_case("CoordinateSystem") {
                    system = Some(match value.trim() {
                        "0" => "RAS".to_string(),
                        "1" => "LPS".to_string(),
                        s => s.to_string(),
                    });
                }
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| {
            f.get(i)
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|x| x.is_finite())
                .ok_or_else(|| ParseError::new("fcsv", Place::Line(k + 1), "x, y and z must be finite numbers (mm)"))
        };
        let (fdi, class) = parse_label(f.get(11).copied().unwrap_or(""));
        landmarks.push(Landmark { fdi, class, coord: [num(1)?, num(2)?, num(3)?] });
    }
    Ok(LandmarkFile { landmarks, coordinate_system: system })
}

/// Reads a landmark file: `.mrk.json` (3D Slicer markups), `.fcsv` (legacy Slicer) or 3DTeethLand JSON.
pub fn read_landmarks(path: &Path) -> Result<LandmarkFile, IoError> {
    let bytes = crate::io::read_bytes(path)?;
    let fcsv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("fcsv"));
    parse(&bytes, is_markups(path), fcsv).map_err(|source| IoError::Parse { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Landmark> {
        vec![
            Landmark { fdi: 36, class: Some(LandmarkClass::Mesial), coord: [1.0, 2.0, 3.0] },
            Landmark { fdi: 36, class: Some(LandmarkClass::Cusp), coord: [1.5, 2.5, 3.5] },
            Landmark { fdi: 36, class: Some(LandmarkClass::Cusp), coord: [-1.5, 2.25, 3.125] },
        ]
    }

    #[test]
    fn both_json_forms_read_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.json", "a.mrk.json"] {
            let path = dir.path().join(name);
            write_landmarks(&path, &sample(), "lower.ply").unwrap();
            let back = read_landmarks(&path).unwrap();
            assert_eq!(back.landmarks, sample(), "{name}");
        }
        let text = std::fs::read_to_string(dir.path().join("a.mrk.json")).unwrap();
        assert!(text.contains("\"36-Cusp-2\"") && text.contains("\"LPS\""), "{text}");
    }

    #[test]
    fn fcsv_rows_keep_their_system_and_known_names() {
        let text = "# Markups fiducial file version = 4.10\n# CoordinateSystem = RAS\n\
            # columns = id,x,y,z,ow,ox,oy,oz,vis,sel,lock,label,desc,associatedNodeID\n\
            n0,1,2,3,0,0,0,1,1,1,1,MCP,,m\nn1,4,5,6,0,0,0,1,1,1,1,XYZ,,m\n";
        let f = parse(text.as_bytes(), false, true).unwrap();
        assert_eq!(f.coordinate_system.as_deref(), Some("RAS"));
        assert_eq!(f.landmarks[0].class, Some(LandmarkClass::Mesial));
        assert_eq!(f.landmarks[1].class, None);
        assert_eq!(f.to_lps()[1].coord, [-4.0, -5.0, 6.0]);
        assert!(parse(b"n0,1,x,3\n", false, true).is_err());
        assert!(parse(br#"{"objects":[{"class":"Cusp","coord":[1,2]}]}"#, false, false).is_err());
    }
}
