//! Wavefront OBJ: `v` (with the common `v x y z r g b` colour extension), `vn`, `f` in every index form
//! (`i`, `i/t`, `i//n`, `i/t/n`, negative = relative), polygons triangulated as fans; other statements ignored.

use super::error::{ParseError, Place};
use super::text::{lines, parse_f64, parse_i64, tokens};
use crate::mesh::Mesh;
use nalgebra::{Point3, Vector3};
use nom::bytes::complete::{tag, take_while1};
use nom::combinator::{all_consuming, opt};
use nom::sequence::preceded;
use nom::{IResult, Parser};

const OBJ: &str = "OBJ";

/// One face corner: vertex index, optional texture index, optional normal index (as written, 1-based or negative).
/// Vertex, texture and normal index tokens of one face corner.
type Corner<'a> = (&'a [u8], Option<&'a [u8]>, Option<&'a [u8]>);

fn corner(input: &[u8]) -> IResult<&[u8], Corner<'_>> {
    let num = |i| take_while1(|c: u8| c == b'-' || c == b'+' || c.is_ascii_digit())(i);
    let (rest, v) = num(input)?;
    let (rest, tail) = opt(preceded(tag(&b"/"[..]), (opt(num), opt(preceded(tag(&b"/"[..]), num))))).parse(rest)?;
    let (t, n) = tail.map_or((None, None), |(t, n)| (t, n));
    Ok((rest, (v, t, n)))
}

/// Resolves a 1-based or negative (relative) OBJ index against `len` items defined so far.
fn resolve(tok: &[u8], len: usize, what: &str, line: usize) -> Result<usize, ParseError> {
    let err = |m: String| ParseError::new(OBJ, Place::Line(line), m);
    let i = parse_i64(tok)
        .ok_or_else(|| err(format!("{what} index '{}' is not a number", String::from_utf8_lossy(tok))))?;
    let r = if i > 0 { i - 1 } else { len as i64 + i };
    if i == 0 || r < 0 || r >= len as i64 {
        return Err(err(format!("{what} index {i} is out of range: {len} {what}s are defined before this line")));
    }
    Ok(r as usize)
}

/// Decodes an OBJ file.
pub fn parse(bytes: &[u8]) -> Result<Mesh, ParseError> {
    let mut positions = Vec::new();
    let mut colors = Vec::new();
    let mut vn: Vec<Vector3<f64>> = Vec::new();
    let mut triangles = Vec::new();
    let mut vertex_normal_sum: Vec<Option<Vector3<f64>>> = Vec::new();
    let mut all_colored = true;
    for (line_no, line) in lines(bytes) {
        let mut t = tokens(line);
        let Some(key) = t.next() else { continue };
        let num = |tok: Option<&[u8]>, what: &str| -> Result<f64, ParseError> {
            let tok = tok.ok_or_else(|| ParseError::new(OBJ, Place::Line(line_no), format!("missing {what}")))?;
            parse_f64(tok).ok_or_else(|| {
                ParseError::new(
                    OBJ,
                    Place::Line(line_no),
                    format!("{what}: '{}' is not a number", String::from_utf8_lossy(tok)),
                )
            })
        };
        match key {
            b"v" => {
                let vals: Vec<&[u8]> = t.collect();
                let p = Point3::new(
                    num(vals.first().copied(), "x")?,
                    num(vals.get(1).copied(), "y")?,
                    num(vals.get(2).copied(), "z")?,
                );
                if !(p.x.is_finite() && p.y.is_finite() && p.z.is_finite()) {
                    return Err(ParseError::new(
                        OBJ,
                        Place::Line(line_no),
                        format!("vertex has a non-finite coordinate ({}, {}, {})", p.x, p.y, p.z),
                    ));
                }
                positions.push(p);
                vertex_normal_sum.push(None);
                if vals.len() >= 6 {
                    let k = vals.len() - 3;
                    let mut c = [0u8; 3];
                    for (j, ch) in c.iter_mut().enumerate() {
                        let v = num(Some(vals[k + j]), "colour")?;
                        *ch = (v * 255.0).round().clamp(0.0, 255.0) as u8;
                    }
                    colors.push(c);
                } else {
                    all_colored = false;
                    colors.push([0, 0, 0]);
                }
            }
            b"vn" => {
                let v: Vec<&[u8]> = t.collect();
                vn.push(Vector3::new(
                    num(v.first().copied(), "normal x")?,
                    num(v.get(1).copied(), "normal y")?,
                    num(v.get(2).copied(), "normal z")?,
                ));
            }
            b"f" | b"fo" => {
                let mut poly = Vec::new();
                for tok in t {
                    let (_, (v, _t, n)) = all_consuming(corner).parse(tok).map_err(|_| {
                        ParseError::new(
                            OBJ,
                            Place::Line(line_no),
                            format!(
                                "face corner '{}' is not of the form v, v/t, v//n or v/t/n",
                                String::from_utf8_lossy(tok)
                            ),
                        )
                    })?;
                    let vi = resolve(v, positions.len(), "vertex", line_no)?;
                    if let Some(n) = n {
                        let ni = resolve(n, vn.len(), "normal", line_no)?;
                        let s = vertex_normal_sum[vi].get_or_insert_with(Vector3::zeros);
                        *s += vn[ni];
                    }
                    poly.push(vi as u32);
                }
                if poly.len() < 3 {
                    return Err(ParseError::new(
                        OBJ,
                        Place::Line(line_no),
                        format!("face has {} corners; a face needs at least 3", poly.len()),
                    ));
                }
                for j in 1..poly.len() - 1 {
                    triangles.push([poly[0], poly[j], poly[j + 1]]);
                }
            }
            _ => {} // vt, g, o, s, usemtl, mtllib, l, p, comments: nothing a mesh needs
        }
    }
    let fmt_err = |e| ParseError::from_mesh(OBJ, e);
    let normals: Option<Vec<Vector3<f64>>> =
        vertex_normal_sum.iter().map(|n| n.map(|n| n.try_normalize(0.0).unwrap_or_else(Vector3::zeros))).collect();
    let colored = all_colored && !positions.is_empty();
    let mut mesh = Mesh::new(positions, triangles).map_err(fmt_err)?;
    if let Some(n) = normals.filter(|n| !n.is_empty()) {
        mesh = mesh.with_normals(n).map_err(fmt_err)?;
    }
    if colored {
        mesh = mesh.with_colors(colors).map_err(fmt_err)?;
    }
    Ok(mesh)
}

/// Encodes a mesh as OBJ: exact decimal positions, colours as the `v x y z r g b` extension, `vn` when the
/// mesh has normals.
pub fn encode(mesh: &Mesh) -> Vec<u8> {
    use std::fmt::Write;
    let mut s = String::from("# written by cusp; units mm\n");
    for (i, p) in mesh.positions().iter().enumerate() {
        let _ = write!(s, "v {} {} {}", p.x, p.y, p.z);
        if let Some(c) = mesh.colors() {
            let _ = write!(
                s,
                " {} {} {}",
                f64::from(c[i][0]) / 255.0,
                f64::from(c[i][1]) / 255.0,
                f64::from(c[i][2]) / 255.0
            );
        }
        s.push('\n');
    }
    if let Some(n) = mesh.normals() {
        for v in n {
            let _ = writeln!(s, "vn {} {} {}", v.x, v.y, v.z);
        }
    }
    for t in mesh.triangles() {
        let [a, b, c] = t.map(|v| v + 1);
        if mesh.normals().is_some() {
            let _ = writeln!(s, "f {a}//{a} {b}//{b} {c}//{c}");
        } else {
            let _ = writeln!(s, "f {a} {b} {c}");
        }
    }
    s.into_bytes()
}
