//! STL, binary and ASCII. Binary is recognised by its size (84 + 50 × triangles), so a binary file whose
//! header happens to start with "solid" — as many CAD exports do — is still read as binary.

use super::error::{ParseError, Place};
use super::text::Lexer;
use crate::mesh::Mesh;
use nalgebra::Point3;
use rustc_hash::FxHashMap as HashMap;

const BIN: &str = "binary STL";
const ASCII: &str = "ASCII STL";

/// True when the bytes look like an ASCII STL: "solid" first and not a binary file of consistent size.
fn is_ascii(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(bytes.len());
    let looks_ascii = bytes[start..].len() >= 5 && bytes[start..start + 5].eq_ignore_ascii_case(b"solid");
    if bytes.len() >= 84 {
        let n = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as u64;
        if 84 + 50 * n == bytes.len() as u64 {
            return false;
        }
    }
    looks_ascii
}

/// Decodes an STL file; vertices with identical coordinates are merged (STL stores each corner apart).
pub fn parse(bytes: &[u8]) -> Result<Mesh, ParseError> {
    if is_ascii(bytes) {
        parse_ascii(bytes)
    } else {
        parse_binary(bytes)
    }
}

/// Merges corners with bit-identical f32 coordinates while reading; returns the vertex index of a corner.
#[derive(Default)]
struct Welder {
    index: HashMap<[u32; 3], u32>,
    positions: Vec<Point3<f64>>,
}

impl Welder {
    fn with_capacity(n: usize) -> Self {
        Self { index: HashMap::with_capacity_and_hasher(n, Default::default()), positions: Vec::with_capacity(n) }
    }

    fn add(&mut self, p: [f32; 3]) -> u32 {
        let key = p.map(|c| (c + 0.0).to_bits());
        let next = self.positions.len() as u32;
        *self.index.entry(key).or_insert_with(|| {
            self.positions.push(Point3::new(f64::from(p[0]), f64::from(p[1]), f64::from(p[2])));
            next
        })
    }
}

fn parse_binary(bytes: &[u8]) -> Result<Mesh, ParseError> {
    if bytes.len() < 84 {
        return Err(ParseError::new(
            BIN,
            Place::Byte(bytes.len() as u64),
            format!("file is {} bytes, shorter than the 84-byte header and triangle count", bytes.len()),
        ));
    }
    let n = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as u64;
    let need = 84 + 50 * n;
    if (bytes.len() as u64) < need {
        let whole = (bytes.len() as u64 - 84) / 50;
        return Err(ParseError::new(
            BIN,
            Place::Byte(bytes.len() as u64),
            format!(
                "header says {n} triangles ({need} bytes) but the file has {} bytes: it is truncated after \
                 {whole} complete triangles, or the count is wrong",
                bytes.len()
            ),
        ));
    }
    let n = n as usize;
    let mut welder = Welder::with_capacity(n / 2 + 16);
    let mut triangles = Vec::with_capacity(n);
    for f in 0..n {
        let rec = &bytes[84 + 50 * f..84 + 50 * f + 50];
        let mut tri = [0u32; 3];
        for (k, corner) in tri.iter_mut().enumerate() {
            let o = 12 + 12 * k;
            let c = [0, 4, 8].map(|d| f32::from_le_bytes(rec[o + d..o + d + 4].try_into().expect("4 bytes")));
            if !c.iter().all(|v| v.is_finite()) {
                return Err(ParseError::new(
                    BIN,
                    Place::Byte((84 + 50 * f + o) as u64),
                    format!("triangle {f} corner {k} has a non-finite coordinate ({}, {}, {})", c[0], c[1], c[2]),
                ));
            }
            *corner = welder.add(c);
        }
        triangles.push(tri);
    }
    Mesh::new(welder.positions, triangles).map_err(|e| ParseError::from_mesh(BIN, e))
}

fn parse_ascii(bytes: &[u8]) -> Result<Mesh, ParseError> {
    let mut lx = Lexer::new(bytes, ASCII);
    let mut welder = Welder::default();
    let mut triangles = Vec::new();
    lx.expect_word("solid")?;
    lx.rest_of_line();
    loop {
        let Some(tok) = lx.next_token() else {
            return Err(lx.error("file ends without 'endsolid': it is truncated"));
        };
        if tok.eq_ignore_ascii_case(b"endsolid") {
            lx.rest_of_line();
            // Some exporters write several solids one after the other.
            match lx.next_token() {
                None => break,
                Some(t) if t.eq_ignore_ascii_case(b"solid") => {
                    lx.rest_of_line();
                    continue;
                }
                Some(t) => {
                    return Err(lx.error(format!("unexpected '{}' after 'endsolid'", String::from_utf8_lossy(t))))
                }
            }
        }
        if !tok.eq_ignore_ascii_case(b"facet") {
            return Err(lx.error(format!("expected 'facet' or 'endsolid', found '{}'", String::from_utf8_lossy(tok))));
        }
        lx.expect_word("normal")?;
        for _ in 0..3 {
            lx.f64("facet normal component")?;
        }
        lx.expect_word("outer")?;
        lx.expect_word("loop")?;
        let mut tri = [0u32; 3];
        for corner in &mut tri {
            lx.expect_word("vertex")?;
            let line = lx.line();
            let c = [lx.f64("vertex x")?, lx.f64("vertex y")?, lx.f64("vertex z")?];
            if !c.iter().all(|v| v.is_finite()) {
                return Err(ParseError::new(
                    ASCII,
                    Place::Line(line),
                    format!("vertex has a non-finite coordinate ({}, {}, {})", c[0], c[1], c[2]),
                ));
            }
            *corner = welder.add(c.map(|v| v as f32));
        }
        lx.expect_word("endloop")?;
        lx.expect_word("endfacet")?;
        triangles.push(tri);
    }
    Mesh::new(welder.positions, triangles).map_err(|e| ParseError::from_mesh(ASCII, e))
}

/// Encodes a mesh as STL (binary unless `ascii`), with facet normals from the triangles.
pub fn encode(mesh: &Mesh, ascii: bool) -> Vec<u8> {
    let normals = mesh.face_normals();
    let corners = |f: usize| mesh.triangle(f).map(|p| [p.x as f32, p.y as f32, p.z as f32]);
    if ascii {
        use std::fmt::Write;
        let mut s = String::from("solid cusp\n");
        for (f, n) in normals.iter().enumerate() {
            let _ = writeln!(s, "  facet normal {} {} {}\n    outer loop", n.x as f32, n.y as f32, n.z as f32);
            for c in corners(f) {
                let _ = writeln!(s, "      vertex {} {} {}", c[0], c[1], c[2]);
            }
            s.push_str("    endloop\n  endfacet\n");
        }
        s.push_str("endsolid cusp\n");
        return s.into_bytes();
    }
    let mut out = Vec::with_capacity(84 + 50 * mesh.face_count());
    let mut header = [0u8; 80];
    let text = b"binary STL written by cusp (mm)";
    header[..text.len()].copy_from_slice(text);
    out.extend_from_slice(&header);
    out.extend_from_slice(&(mesh.face_count() as u32).to_le_bytes());
    for (f, n) in normals.iter().enumerate() {
        for v in [n.x as f32, n.y as f32, n.z as f32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for c in corners(f) {
            for v in c {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend_from_slice(&[0, 0]);
    }
    out
}
