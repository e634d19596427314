//! VTK XML PolyData `.vtp`: ascii, inline base64 binary and appended (raw or base64) data arrays,
//! uncompressed or zlib-compressed, UInt32 or UInt64 headers, several pieces; point and cell data arrays.

use super::error::{ParseError, Place};
use super::text::{parse_f64, tokens};
use crate::dentition::universal_to_fdi;
use crate::mesh::Mesh;
use base64::Engine;
use nalgebra::{Point3, Vector3};
use std::io::Read;

const VTP: &str = "VTP";

/// A named array of point or cell data, all values as f64.
#[derive(Debug, Clone, PartialEq)]
pub struct DataArray {
    /// Array name as in the file (normals and colours of legacy files are named "normals" / "colors").
    pub name: String,
    /// Components per tuple.
    pub components: usize,
    /// Values, tuple after tuple.
    pub values: Vec<f64>,
    /// Whether the stored type is an integer type.
    pub integer: bool,
}

fn err(place: Place, m: impl Into<String>) -> ParseError {
    ParseError::new(VTP, place, m)
}

/// Picks the label array among data arrays: `label(s)`/`fdi` first, then any name with "label", then Universal IDs.
/// Returns the array and whether its values are Universal numbers.
fn find_label_array(arrays: &[DataArray]) -> Option<(&DataArray, bool)> {
    let single = |a: &&DataArray| a.components == 1;
    let lower = |a: &DataArray| a.name.to_ascii_lowercase();
    arrays
        .iter()
        .filter(single)
        .find(|a| matches!(lower(a).as_str(), "label" | "labels" | "fdi"))
        .or_else(|| arrays.iter().filter(single).find(|a| lower(a).contains("label")))
        .map(|a| (a, false))
        .or_else(|| arrays.iter().filter(single).find(|a| lower(a).contains("universal")).map(|a| (a, true)))
}

fn to_labels(a: &DataArray, universal: bool) -> Vec<i32> {
    a.values
        .iter()
        .map(|&v| {
            let v = v.round() as i32;
            if universal {
                universal_to_fdi(v).unwrap_or(0)
            } else {
                v
            }
        })
        .collect()
}

/// Attaches labels, normals and colours found among point/cell data arrays (shared by the VTK readers).
///
/// `source_cell[t]` is the index of the file cell that triangle `t` came from.
pub(crate) fn apply_arrays(
    mut mesh: Mesh,
    point: &[DataArray],
    cell: &[DataArray],
    source_cell: &[usize],
    format: &'static str,
) -> Result<Mesh, ParseError> {
    let n = mesh.vertex_count();
    let check = |a: &DataArray, tuples: usize, what: &str| -> Result<(), ParseError> {
        if a.values.len() == a.components * tuples {
            Ok(())
        } else {
            Err(ParseError::new(
                format,
                Place::File,
                format!(
                    "{what} array '{}' has {} values, but {} {what} tuples of {} need {}",
                    a.name,
                    a.values.len(),
                    tuples,
                    a.components,
                    a.components * tuples
                ),
            ))
        }
    };
    let me = |e| ParseError::from_mesh(format, e);
    if let Some((a, universal)) = find_label_array(point) {
        check(a, n, "point")?;
        mesh = mesh.with_labels(to_labels(a, universal)).map_err(me)?;
    }
    if let Some((a, universal)) = find_label_array(cell) {
        let cells = source_cell.iter().max().map_or(0, |m| m + 1);
        if a.values.len() < cells {
            return Err(ParseError::new(
                format,
                Place::File,
                format!(
                    "cell array '{}' has {} values, but the file has at least {cells} cells",
                    a.name,
                    a.values.len()
                ),
            ));
        }
        let l = to_labels(a, universal);
        mesh = mesh.with_face_labels(source_cell.iter().map(|&c| l[c]).collect()).map_err(me)?;
    }
    let named = |names: &[&str], comps: &[usize]| {
        point.iter().find(|a| names.contains(&a.name.to_ascii_lowercase().as_str()) && comps.contains(&a.components))
    };
    if let Some(a) = named(&["normals", "normal"], &[3]) {
        check(a, n, "point")?;
        let v = a.values.chunks_exact(3).map(|c| Vector3::new(c[0], c[1], c[2])).collect();
        mesh = mesh.with_normals(v).map_err(me)?;
    }
    if let Some(a) = named(&["colors", "colours", "rgb", "rgba", "color", "colour"], &[3, 4]) {
        check(a, n, "point")?;
        let scale = if a.integer { 1.0 } else { 255.0 };
        let c = a
            .values
            .chunks_exact(a.components)
            .map(|c| [c[0], c[1], c[2]].map(|v| (v * scale).round().clamp(0.0, 255.0) as u8))
            .collect();
        mesh = mesh.with_colors(c).map_err(me)?;
    }
    Ok(mesh)
}

#[derive(Clone, Copy)]
struct Settings {
    big_endian: bool,
    header_u64: bool,
    zlib: bool,
}

fn type_size(ty: &str) -> Option<(usize, bool)> {
    Some(match ty {
        "Int8" | "UInt8" => (1, true),
        "Int16" | "UInt16" => (2, true),
        "Int32" | "UInt32" => (4, true),
        "Int64" | "UInt64" => (8, true),
        "Float32" => (4, false),
        "Float64" => (8, false),
        _ => return None,
    })
}

fn decode_values(bytes: &[u8], ty: &str, big: bool) -> Vec<f64> {
    let (size, _) = type_size(ty).unwrap_or((1, true));
    bytes
        .chunks_exact(size)
        .map(|c| {
            let mut a = [0u8; 8];
            a[..size].copy_from_slice(c);
            if big {
                a[..size].reverse();
            }
            match ty {
                "Int8" => f64::from(a[0] as i8),
                "UInt8" => f64::from(a[0]),
                "Int16" => f64::from(i16::from_le_bytes([a[0], a[1]])),
                "UInt16" => f64::from(u16::from_le_bytes([a[0], a[1]])),
                "Int32" => f64::from(i32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                "UInt32" => f64::from(u32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                "Int64" => i64::from_le_bytes(a) as f64,
                "UInt64" => u64::from_le_bytes(a) as f64,
                "Float32" => f64::from(f32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                _ => f64::from_le_bytes(a),
            }
        })
        .collect()
}

fn read_uint(b: &[u8], s: Settings) -> u64 {
    let n = if s.header_u64 { 8 } else { 4 };
    let mut a = [0u8; 8];
    a[..n].copy_from_slice(&b[..n]);
    if s.big_endian {
        a[..n].reverse();
    }
    u64::from_le_bytes(a)
}

fn b64(text: &[u8], place: &Place) -> Result<Vec<u8>, ParseError> {
    let clean: Vec<u8> = text.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&clean)
        .map_err(|e| err(place.clone(), format!("base64 data is corrupt: {e}")))
}

/// Number of base64 characters that encode `n` bytes.
fn b64_chars(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Decodes a header + data block that is already raw bytes; returns the data bytes and the bytes consumed.
fn raw_block(b: &[u8], s: Settings, place: &Place, max_out: usize) -> Result<Vec<u8>, ParseError> {
    let h = if s.header_u64 { 8 } else { 4 };
    let short = || err(place.clone(), "binary data ends inside its header or blocks: the file is truncated");
    if b.len() < h {
        return Err(short());
    }
    if !s.zlib {
        let len = read_uint(b, s) as usize;
        return b.get(h..h.saturating_add(len)).map(<[u8]>::to_vec).ok_or_else(short);
    }
    let nblocks = read_uint(b, s) as usize;
    let head_len = nblocks.checked_add(3).and_then(|k| k.checked_mul(h)).ok_or_else(short)?;
    let head = b.get(..head_len).ok_or_else(short)?;
    let block_size = read_uint(&head[h..], s) as usize;
    if nblocks.saturating_mul(block_size) > max_out.saturating_mul(8).max(1 << 20) {
        return Err(err(
            place.clone(),
            format!("compressed header claims {nblocks} blocks of {block_size} bytes, more than the array can hold"),
        ));
    }
    let mut out = Vec::with_capacity(nblocks * block_size);
    let mut pos = head_len;
    for k in 0..nblocks {
        let clen = read_uint(&head[(3 + k) * h..], s) as usize;
        let chunk = b.get(pos..pos.saturating_add(clen)).ok_or_else(short)?;
        pos += clen;
        let mut dec = flate2::read::ZlibDecoder::new(chunk).take(block_size as u64 + 1);
        dec.read_to_end(&mut out).map_err(|e| err(place.clone(), format!("zlib block {k} is corrupt: {e}")))?;
    }
    Ok(out)
}

/// Decodes base64 text of a header + data block (VTK encodes header and data either apart or as one stream).
/// The text may continue past the block (appended data): only the characters the header accounts for are read.
fn b64_block(text: &[u8], s: Settings, place: &Place, max_out: usize) -> Result<Vec<u8>, ParseError> {
    let text: Vec<u8> = text.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    let h = if s.header_u64 { 8 } else { 4 };
    let short = || err(place.clone(), "base64 data is too short for its header");
    let first = b64(text.get(..b64_chars(h)).ok_or_else(short)?, place)?;
    let head_bytes = if s.zlib { read_uint(&first, s).saturating_add(3).saturating_mul(h as u64) as usize } else { h };
    let head_chars = b64_chars(head_bytes);
    let head_text = text.get(..head_chars).ok_or_else(short)?;
    let head = b64(head_text, place)?;
    if head.len() < head_bytes {
        return Err(short());
    }
    let data_len = if s.zlib {
        (0..read_uint(&head, s) as usize)
            .map(|k| read_uint(&head[(3 + k) * h..], s) as usize)
            .fold(0usize, usize::saturating_add)
    } else {
        read_uint(&head, s) as usize
    };
    let data_short =
        || err(place.clone(), "base64 data ends before the length its header gives: the file is truncated");
    let raw = if head_text.ends_with(b"=") {
        // Header and data were encoded apart.
        let mut raw = head[..head_bytes].to_vec();
        let end = head_chars.checked_add(b64_chars(data_len)).ok_or_else(data_short)?;
        raw.extend(b64(text.get(head_chars..end).ok_or_else(data_short)?, place)?);
        raw
    } else {
        let end = b64_chars(head_bytes.saturating_add(data_len));
        b64(text.get(..end).ok_or_else(data_short)?, place)?
    };
    raw_block(&raw, s, place, max_out)
}

/// Decodes one `<DataArray>` to f64 values.
fn read_array(
    node: roxmltree::Node,
    s: Settings,
    appended: Option<(&[u8], bool)>,
    expect: usize,
) -> Result<DataArray, ParseError> {
    let name = node.attribute("Name").unwrap_or("").to_string();
    let line = node.document().text_pos_at(node.range().start).row as usize;
    let place = Place::Named { what: format!("DataArray '{name}'"), line };
    let ty = node.attribute("type").unwrap_or("Float32");
    let (size, integer) = type_size(ty).ok_or_else(|| err(place.clone(), format!("unknown DataArray type '{ty}'")))?;
    let components = node.attribute("NumberOfComponents").and_then(|c| c.parse().ok()).unwrap_or(1usize).max(1);
    let format = node.attribute("format").unwrap_or("ascii");
    let max_bytes = expect.saturating_mul(components).saturating_mul(size);
    let values =
        match format {
            "ascii" => {
                let text = node.text().unwrap_or("");
                let mut v = Vec::new();
                for t in tokens(text.as_bytes()) {
                    v.push(parse_f64(t).ok_or_else(|| {
                        err(place.clone(), format!("'{}' is not a number", String::from_utf8_lossy(t)))
                    })?);
                }
                v
            }
            "binary" => {
                decode_values(&b64_block(node.text().unwrap_or("").as_bytes(), s, &place, max_bytes)?, ty, s.big_endian)
            }
            "appended" => {
                let (data, raw) = appended
                    .ok_or_else(|| err(place.clone(), "array is 'appended' but the file has no AppendedData"))?;
                let off: usize = node
                    .attribute("offset")
                    .and_then(|o| o.trim().parse().ok())
                    .ok_or_else(|| err(place.clone(), "appended array has no valid offset"))?;
                let tail = data
                    .get(off..)
                    .ok_or_else(|| err(place.clone(), format!("offset {off} is past the end of the appended data")))?;
                let bytes =
                    if raw { raw_block(tail, s, &place, max_bytes)? } else { b64_block(tail, s, &place, max_bytes)? };
                decode_values(&bytes, ty, s.big_endian)
            }
            other => return Err(err(place, format!("unknown DataArray format '{other}'"))),
        };
    Ok(DataArray { name, components, values, integer })
}

/// Decodes a VTK XML PolyData file.
pub fn parse(bytes: &[u8]) -> Result<Mesh, ParseError> {
    // Raw appended data is binary: cut it off before the XML parser sees it.
    let (xml_bytes, appended): (Vec<u8>, Option<(&[u8], bool)>) = match find(bytes, b"<AppendedData") {
        Some(start) => {
            let tag_end = start
                + bytes[start..]
                    .iter()
                    .position(|&c| c == b'>')
                    .ok_or_else(|| err(Place::Byte(start as u64), "unterminated <AppendedData> tag"))?;
            let tag = String::from_utf8_lossy(&bytes[start..tag_end]).to_string();
            let raw = !tag.contains("base64");
            let underscore = tag_end
                + bytes[tag_end..]
                    .iter()
                    .position(|&c| c == b'_')
                    .ok_or_else(|| err(Place::Byte(tag_end as u64), "AppendedData lacks its '_' marker"))?;
            let mut xml = bytes[..=tag_end].to_vec();
            xml.extend_from_slice(b"</AppendedData></VTKFile>");
            (xml, Some((&bytes[underscore + 1..], raw)))
        }
        None => (bytes.to_vec(), None),
    };
    let text = std::str::from_utf8(&xml_bytes)
        .map_err(|e| err(Place::Byte(e.valid_up_to() as u64), "XML part of the file is not valid UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        let p = e.pos();
        err(Place::Line(p.row as usize), format!("not well-formed XML: {e}"))
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "VTKFile" || root.attribute("type") != Some("PolyData") {
        return Err(err(Place::Line(1), "not a VTKFile of type PolyData"));
    }
    let compressor = root.attribute("compressor").unwrap_or("");
    if !compressor.is_empty() && compressor != "vtkZLibDataCompressor" {
        return Err(err(
            Place::Line(1),
            format!("compressor '{compressor}' is not supported; re-save with zlib or no compression"),
        ));
    }
    let s = Settings {
        big_endian: root.attribute("byte_order") == Some("BigEndian"),
        header_u64: root.attribute("header_type") == Some("UInt64"),
        zlib: !compressor.is_empty(),
    };
    let mut positions = Vec::new();
    let mut triangles = Vec::new();
    let mut source_cell = Vec::new();
    let (mut point_arrays, mut cell_arrays): (Vec<DataArray>, Vec<DataArray>) = (Vec::new(), Vec::new());
    let mut cell_base = 0usize;
    let pieces = root.descendants().filter(|n| n.has_tag_name("Piece"));
    for piece in pieces {
        let attr = |k: &str| piece.attribute(k).and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0);
        let (np, nv, nl, npoly, ns) = (
            attr("NumberOfPoints"),
            attr("NumberOfVerts"),
            attr("NumberOfLines"),
            attr("NumberOfPolys"),
            attr("NumberOfStrips"),
        );
        if np.saturating_mul(3) > bytes.len() || npoly > bytes.len() || ns > bytes.len() {
            return Err(err(
                Place::Line(doc.text_pos_at(piece.range().start).row as usize),
                "Piece declares more points or cells than the file can hold",
            ));
        }
        let base = positions.len() as u32;
        let child = |name: &str| piece.children().find(|n| n.has_tag_name(name));
        let pts =
            child("Points").and_then(|p| p.children().find(|n| n.has_tag_name("DataArray"))).ok_or_else(|| {
                err(Place::Line(doc.text_pos_at(piece.range().start).row as usize), "Piece has no Points")
            })?;
        let pa = read_array(pts, s, appended, np)?;
        if pa.components != 3 || pa.values.len() != np * 3 {
            return Err(err(
                Place::Element { kind: "Points".into(), index: 0 },
                format!(
                    "Points has {} values in tuples of {}, expected {} points × 3",
                    pa.values.len(),
                    pa.components,
                    np
                ),
            ));
        }
        positions.extend(pa.values.chunks_exact(3).map(|c| Point3::new(c[0], c[1], c[2])));
        let cells = |name: &str, count: usize| -> Result<Vec<Vec<u32>>, ParseError> {
            let Some(sec) = child(name) else { return Ok(Vec::new()) };
            let arr = |n: &str| sec.children().find(|c| c.has_tag_name("DataArray") && c.attribute("Name") == Some(n));
            let (Some(conn), Some(offs)) = (arr("connectivity"), arr("offsets")) else {
                return Ok(Vec::new());
            };
            let offs = read_array(offs, s, appended, count)?.values;
            let conn = read_array(conn, s, appended, count * 3)?.values;
            let mut out = Vec::with_capacity(offs.len());
            let mut start = 0usize;
            for (c, &o) in offs.iter().enumerate() {
                let end = o as usize;
                let ids = conn.get(start..end).filter(|_| start <= end).ok_or_else(|| {
                    err(
                        Place::Element { kind: format!("{name} cell"), index: c },
                        "offsets do not fit the connectivity array",
                    )
                })?;
                out.push(
                    ids.iter()
                        .map(|&v| {
                            if v >= 0.0 && v <= f64::from(u32::MAX) {
                                base.saturating_add(v as u32)
                            } else {
                                u32::MAX
                            }
                        })
                        .collect(),
                );
                start = end;
            }
            Ok(out)
        };
        let polys = cells("Polys", npoly)?;
        let strips = cells("Strips", ns)?;
        let poly_base = cell_base + nv + nl;
        for (c, p) in polys.iter().enumerate() {
            for j in 1..p.len().saturating_sub(1) {
                triangles.push([p[0], p[j], p[j + 1]]);
                source_cell.push(poly_base + c);
            }
        }
        for (c, st) in strips.iter().enumerate() {
            for j in 0..st.len().saturating_sub(2) {
                triangles.push(if j % 2 == 0 { [st[j], st[j + 1], st[j + 2]] } else { [st[j + 1], st[j], st[j + 2]] });
                source_cell.push(poly_base + polys.len() + c);
            }
        }
        let ncells = nv + nl + npoly + ns;
        let merge =
            |sec: Option<roxmltree::Node>, into: &mut Vec<DataArray>, expect: usize| -> Result<(), ParseError> {
                for a in sec.into_iter().flat_map(|n| n.children()).filter(|n| n.has_tag_name("DataArray")) {
                    let arr = read_array(a, s, appended, expect)?;
                    match into.iter_mut().find(|x| x.name == arr.name && x.components == arr.components) {
                        Some(x) => x.values.extend(arr.values),
                        None => into.push(arr),
                    }
                }
                Ok(())
            };
        merge(child("PointData"), &mut point_arrays, np)?;
        merge(child("CellData"), &mut cell_arrays, ncells)?;
        cell_base += ncells;
    }
    let mesh = Mesh::new(positions, triangles).map_err(|e| ParseError::from_mesh(VTP, e))?;
    apply_arrays(mesh, &point_arrays, &cell_arrays, &source_cell, VTP)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Encodes a mesh as VTK XML PolyData: ascii, or inline base64 with zlib compression (UInt32 headers).
pub fn encode(mesh: &Mesh, ascii: bool) -> Vec<u8> {
    use std::fmt::Write;
    let mut s = String::from("<?xml version=\"1.0\"?>\n");
    let compressor = if ascii { "" } else { " compressor=\"vtkZLibDataCompressor\"" };
    let _ = writeln!(
        s,
        "<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt32\"{compressor}>"
    );
    let _ = writeln!(
        s,
        "  <PolyData>\n    <Piece NumberOfPoints=\"{}\" NumberOfPolys=\"{}\">",
        mesh.vertex_count(),
        mesh.face_count()
    );
    let array = |s: &mut String, ty: &str, name: &str, comps: usize, f: Vec<f64>, i: Vec<i64>| {
        let format = if ascii { "ascii" } else { "binary" };
        let _ = write!(
            s,
            "        <DataArray type=\"{ty}\" Name=\"{name}\" NumberOfComponents=\"{comps}\" format=\"{format}\">"
        );
        if ascii {
            let words: Vec<String> = if ty.starts_with("Float") {
                f.iter().map(|v| v.to_string()).collect()
            } else {
                i.iter().map(|v| v.to_string()).collect()
            };
            s.push_str(&words.join(" "));
        } else {
            let mut raw = Vec::new();
            match ty {
                "Float64" => f.iter().for_each(|v| raw.extend_from_slice(&v.to_le_bytes())),
                "Int64" => i.iter().for_each(|v| raw.extend_from_slice(&v.to_le_bytes())),
                "Int32" => i.iter().for_each(|v| raw.extend_from_slice(&(*v as i32).to_le_bytes())),
                _ => i.iter().for_each(|v| raw.push(*v as u8)),
            }
            s.push_str(&zlib_b64(&raw));
        }
        s.push_str("</DataArray>\n");
    };
    let has_point_data = mesh.labels().is_some() || mesh.normals().is_some() || mesh.colors().is_some();
    if has_point_data {
        s.push_str("      <PointData>\n");
        if let Some(l) = mesh.labels() {
            array(&mut s, "Int32", "Label", 1, vec![], l.iter().map(|&v| i64::from(v)).collect());
        }
        if let Some(n) = mesh.normals() {
            array(&mut s, "Float64", "Normals", 3, n.iter().flat_map(|v| [v.x, v.y, v.z]).collect(), vec![]);
        }
        if let Some(c) = mesh.colors() {
            array(&mut s, "UInt8", "Colors", 3, vec![], c.iter().flat_map(|c| c.map(i64::from)).collect());
        }
        s.push_str("      </PointData>\n");
    }
    if let Some(l) = mesh.face_labels() {
        s.push_str("      <CellData>\n");
        array(&mut s, "Int32", "Label", 1, vec![], l.iter().map(|&v| i64::from(v)).collect());
        s.push_str("      </CellData>\n");
    }
    s.push_str("      <Points>\n");
    array(&mut s, "Float64", "Points", 3, mesh.positions().iter().flat_map(|p| [p.x, p.y, p.z]).collect(), vec![]);
    s.push_str("      </Points>\n      <Polys>\n");
    array(&mut s, "Int64", "connectivity", 1, vec![], mesh.triangles().iter().flat_map(|t| t.map(i64::from)).collect());
    array(&mut s, "Int64", "offsets", 1, vec![], (1..=mesh.face_count() as i64).map(|k| 3 * k).collect());
    s.push_str("      </Polys>\n    </Piece>\n  </PolyData>\n</VTKFile>\n");
    s.into_bytes()
}

/// One zlib block per 32 KiB, VTK's compressed header (UInt32), header and data base64-encoded apart.
fn zlib_b64(raw: &[u8]) -> String {
    use std::io::Write;
    const BLOCK: usize = 1 << 15;
    let blocks: Vec<Vec<u8>> = raw
        .chunks(BLOCK)
        .map(|c| {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
            let _ = e.write_all(c);
            e.finish().unwrap_or_default()
        })
        .collect();
    let last = if raw.is_empty() { 0 } else { raw.len() - (blocks.len() - 1) * BLOCK };
    let mut head: Vec<u32> = vec![blocks.len() as u32, BLOCK as u32, last as u32];
    head.extend(blocks.iter().map(|b| b.len() as u32));
    let head_bytes: Vec<u8> = head.iter().flat_map(|v| v.to_le_bytes()).collect();
    let engine = base64::engine::general_purpose::STANDARD;
    let mut out = engine.encode(head_bytes);
    out.push_str(&engine.encode(blocks.concat()));
    out
}
