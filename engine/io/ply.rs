//! Stanford PLY: ASCII, binary little- and big-endian; vertex normals, colours, a scalar (`quality`) and an
//! integer label property, polygon faces (triangulated as fans), extra elements and properties skipped.

use super::error::{ParseError, Place};
use super::text::{lines, parse_f64, tokens, Lexer};
use crate::mesh::Mesh;
use nalgebra::{Point3, Vector3};

const PLY: &str = "PLY";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Ascii,
    BinaryLe,
    BinaryBe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    F32,
    F64,
}

impl Scalar {
    fn parse(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"char" | b"int8" => Scalar::I8,
            b"uchar" | b"uint8" => Scalar::U8,
            b"short" | b"int16" => Scalar::I16,
            b"ushort" | b"uint16" => Scalar::U16,
            b"int" | b"int32" => Scalar::I32,
            b"uint" | b"uint32" => Scalar::U32,
            b"float" | b"float32" => Scalar::F32,
            b"double" | b"float64" => Scalar::F64,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Scalar::I8 => "char",
            Scalar::U8 => "uchar",
            Scalar::I16 => "short",
            Scalar::U16 => "ushort",
            Scalar::I32 => "int",
            Scalar::U32 => "uint",
            Scalar::F32 => "float",
            Scalar::F64 => "double",
        }
    }

    fn size(self) -> usize {
        match self {
            Scalar::I8 | Scalar::U8 => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::F64 => 8,
        }
    }

    fn is_integer(self) -> bool {
        !matches!(self, Scalar::F32 | Scalar::F64)
    }

    fn range(self) -> (f64, f64) {
        match self {
            Scalar::I8 => (-128.0, 127.0),
            Scalar::U8 => (0.0, 255.0),
            Scalar::I16 => (-32768.0, 32767.0),
            Scalar::U16 => (0.0, 65535.0),
            Scalar::I32 => (f64::from(i32::MIN), f64::from(i32::MAX)),
            Scalar::U32 => (0.0, f64::from(u32::MAX)),
            Scalar::F32 | Scalar::F64 => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }
}

#[derive(Debug, Clone)]
enum Kind {
    Scalar(Scalar),
    List { count: Scalar, item: Scalar },
}

#[derive(Debug, Clone)]
struct Property {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct Element {
    name: String,
    count: usize,
    props: Vec<Property>,
}

impl Element {
    /// Fewest bytes (binary) or characters (ASCII) one instance can take.
    fn min_size(&self, enc: Encoding) -> usize {
        self.props
            .iter()
            .map(|p| match (&p.kind, enc) {
                (_, Encoding::Ascii) => 2,
                (Kind::Scalar(s), _) => s.size(),
                (Kind::List { count, .. }, _) => count.size(),
            })
            .sum::<usize>()
            .max(1)
    }
}

struct Header {
    encoding: Encoding,
    elements: Vec<Element>,
    body_start: usize,
}

fn parse_header(bytes: &[u8]) -> Result<Header, ParseError> {
    let err = |line: usize, m: String| ParseError::new(PLY, Place::Line(line), m);
    if !bytes.starts_with(b"ply") {
        return Err(ParseError::new(PLY, Place::Byte(0), "file does not start with 'ply'"));
    }
    let mut encoding = None;
    let mut elements: Vec<Element> = Vec::new();
    let mut offset = 0usize;
    for (n, line) in lines(bytes) {
        let line_len = bytes[offset..].iter().position(|&c| c == b'\n').map_or(bytes.len() - offset, |p| p + 1);
        offset += line_len;
        let t: Vec<&[u8]> = tokens(line).collect();
        match t.first().copied() {
            Some(b"ply") if n == 1 => {}
            None | Some(b"comment") | Some(b"obj_info") => {}
            Some(b"format") => {
                encoding = Some(match t.get(1).copied() {
                    Some(b"ascii") => Encoding::Ascii,
                    Some(b"binary_little_endian") => Encoding::BinaryLe,
                    Some(b"binary_big_endian") => Encoding::BinaryBe,
                    other => {
                        return Err(err(
                            n,
                            format!("unknown format '{}'", String::from_utf8_lossy(other.unwrap_or(b""))),
                        ))
                    }
                });
            }
            Some(b"element") => {
                let (Some(name), Some(count)) = (t.get(1), t.get(2)) else {
                    return Err(err(n, "'element' needs a name and a count".into()));
                };
                let count = super::text::parse_i64(count).filter(|&c| c >= 0).ok_or_else(|| {
                    err(n, format!("element count '{}' is not a count", String::from_utf8_lossy(count)))
                })?;
                elements.push(Element {
                    name: String::from_utf8_lossy(name).into_owned(),
                    count: usize::try_from(count).unwrap_or(usize::MAX),
                    props: Vec::new(),
                });
            }
            Some(b"property") => {
                let Some(el) = elements.last_mut() else {
                    return Err(err(n, "'property' before any 'element'".into()));
                };
                let bad_type = |s: &[u8]| err(n, format!("unknown property type '{}'", String::from_utf8_lossy(s)));
                let (kind, name) = if t.get(1).copied() == Some(b"list") {
                    let (Some(c), Some(i), Some(name)) = (t.get(2), t.get(3), t.get(4)) else {
                        return Err(err(n, "'property list' needs a count type, an item type and a name".into()));
                    };
                    let count = Scalar::parse(c).ok_or_else(|| bad_type(c))?;
                    if !count.is_integer() {
                        return Err(err(n, "a list count must be an integer type".into()));
                    }
                    (Kind::List { count, item: Scalar::parse(i).ok_or_else(|| bad_type(i))? }, name)
                } else {
                    let (Some(ty), Some(name)) = (t.get(1), t.get(2)) else {
                        return Err(err(n, "'property' needs a type and a name".into()));
                    };
                    (Kind::Scalar(Scalar::parse(ty).ok_or_else(|| bad_type(ty))?), name)
                };
                el.props.push(Property { name: String::from_utf8_lossy(name).into_owned(), kind });
            }
            Some(b"end_header") => {
                let encoding = encoding.ok_or_else(|| err(n, "header has no 'format' line".into()))?;
                return Ok(Header { encoding, elements, body_start: offset });
            }
            Some(other) => return Err(err(n, format!("unknown header keyword '{}'", String::from_utf8_lossy(other)))),
        }
    }
    Err(ParseError::new(PLY, Place::Byte(bytes.len() as u64), "header has no 'end_header': the file is truncated"))
}

/// Reads values of the body in either encoding.
enum Body<'a> {
    Ascii(Lexer<'a>),
    Binary { data: &'a [u8], pos: usize, big: bool, base: usize },
}

impl Body<'_> {
    fn place(&self) -> Place {
        match self {
            Body::Ascii(lx) => Place::Line(lx.line()),
            Body::Binary { pos, base, .. } => Place::Byte((base + pos) as u64),
        }
    }

    fn read(&mut self, s: Scalar, el: &Element, index: usize, prop: &str) -> Result<f64, ParseError> {
        let v = match self {
            Body::Ascii(lx) => {
                let Some(tok) = lx.next_token() else {
                    return Err(ParseError::new(
                        PLY,
                        Place::Element { kind: el.name.clone(), index },
                        format!(
                            "file ends inside {} {index} of {}: the header count is larger than the data",
                            el.name, el.count
                        ),
                    ));
                };
                parse_f64(tok).ok_or_else(|| {
                    ParseError::new(
                        PLY,
                        Place::Line(lx.line()),
                        format!(
                            "{} {index} property '{prop}': '{}' is not a number",
                            el.name,
                            String::from_utf8_lossy(tok)
                        ),
                    )
                })?
            }
            Body::Binary { data, pos, big, base } => {
                let n = s.size();
                let Some(b) = data.get(*pos..*pos + n) else {
                    return Err(ParseError::new(
                        PLY,
                        Place::Byte((*base + data.len()) as u64),
                        format!(
                            "file ends inside {} {index} of {}: the header count or a property type is wrong, or the \
                             file is truncated",
                            el.name, el.count
                        ),
                    ));
                };
                *pos += n;
                let mut a = [0u8; 8];
                a[..n].copy_from_slice(b);
                if *big {
                    a[..n].reverse();
                }
                match s {
                    Scalar::I8 => f64::from(a[0] as i8),
                    Scalar::U8 => f64::from(a[0]),
                    Scalar::I16 => f64::from(i16::from_le_bytes([a[0], a[1]])),
                    Scalar::U16 => f64::from(u16::from_le_bytes([a[0], a[1]])),
                    Scalar::I32 => f64::from(i32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                    Scalar::U32 => f64::from(u32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                    Scalar::F32 => f64::from(f32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                    Scalar::F64 => f64::from_le_bytes(a),
                }
            }
        };
        if s.is_integer() {
            let (lo, hi) = s.range();
            if v.fract() != 0.0 || v < lo || v > hi {
                return Err(ParseError::new(
                    PLY,
                    self.place(),
                    format!("{} {index} property '{prop}': {v} does not fit its type {}", el.name, s.name()),
                ));
            }
        }
        Ok(v)
    }
}

/// Decodes a PLY file.
pub fn parse(bytes: &[u8]) -> Result<Mesh, ParseError> {
    let header = parse_header(bytes)?;
    let body_bytes = &bytes[header.body_start..];
    let mut body = match header.encoding {
        Encoding::Ascii => Body::Ascii(Lexer::new(body_bytes, PLY)),
        e => Body::Binary { data: body_bytes, pos: 0, big: e == Encoding::BinaryBe, base: header.body_start },
    };
    let header_lines = bytes[..header.body_start].iter().filter(|&&c| c == b'\n').count();
    if let Body::Ascii(lx) = &mut body {
        // Keep line numbers relative to the whole file.
        *lx = Lexer::new_at_line(body_bytes, PLY, header_lines + 1);
    }
    // A header that claims more elements than the bytes could hold is rejected before any allocation.
    let mut budget = body_bytes.len();
    for el in &header.elements {
        let need = el.count.saturating_mul(el.min_size(header.encoding));
        if need > budget + 1 {
            return Err(ParseError::new(
                PLY,
                Place::Element { kind: el.name.clone(), index: 0 },
                format!(
                    "header says {} {} elements (at least {need} bytes) but only {} bytes follow the header: the count \
                     is wrong or the file is truncated",
                    el.count,
                    el.name,
                    body_bytes.len()
                ),
            ));
        }
        budget -= need.min(budget);
    }

    let mut positions = Vec::new();
    let (mut normals, mut colors, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    let (mut has_n, mut has_c, mut has_l) = (false, false, false);
    let mut triangles: Vec<[u32; 3]> = Vec::new();
    let mut face_labels = Vec::new();
    let mut has_fl = false;
    let mut values = Vec::new();
    let mut vertex_count = None;

    for el in &header.elements {
        let idx = |names: &[&str]| el.props.iter().position(|p| names.contains(&p.name.as_str()));
        match el.name.as_str() {
            "vertex" => {
                let (Some(ix), Some(iy), Some(iz)) = (idx(&["x"]), idx(&["y"]), idx(&["z"])) else {
                    return Err(ParseError::new(PLY, Place::File, "element 'vertex' lacks an x, y or z property"));
                };
                let n = [idx(&["nx"]), idx(&["ny"]), idx(&["nz"])];
                let c = [
                    idx(&["red", "diffuse_red", "r"]),
                    idx(&["green", "diffuse_green", "g"]),
                    idx(&["blue", "diffuse_blue", "b"]),
                ];
                let l = idx(&["label", "labels", "fdi"]);
                let q = idx(&["quality", "scalar"]);
                has_n = n.iter().all(Option::is_some);
                has_c = c.iter().all(Option::is_some);
                has_l = l.is_some();
                let color_max: Vec<f64> = c
                    .iter()
                    .map(|i| match i.map(|i| &el.props[i].kind) {
                        Some(Kind::Scalar(Scalar::U16)) => 65535.0,
                        Some(Kind::Scalar(Scalar::F32 | Scalar::F64)) => 1.0,
                        _ => 255.0,
                    })
                    .collect();
                positions.reserve(el.count);
                let mut vals = vec![0.0; el.props.len()];
                for i in 0..el.count {
                    read_element(&mut body, el, i, &mut vals)?;
                    positions.push(Point3::new(vals[ix], vals[iy], vals[iz]));
                    if has_n {
                        normals.push(Vector3::new(vals[n[0].unwrap()], vals[n[1].unwrap()], vals[n[2].unwrap()]));
                    }
                    if has_c {
                        let ch =
                            |k: usize| (vals[c[k].unwrap()] / color_max[k] * 255.0).round().clamp(0.0, 255.0) as u8;
                        colors.push([ch(0), ch(1), ch(2)]);
                    }
                    if let Some(l) = l {
                        labels.push(vals[l] as i32);
                    }
                    if let Some(q) = q {
                        values.push(vals[q]);
                    }
                }
                vertex_count = Some(el.count);
            }
            "face" => {
                let Some(li) = idx(&["vertex_indices", "vertex_index"]) else {
                    return Err(ParseError::new(PLY, Place::File, "element 'face' lacks a 'vertex_indices' list"));
                };
                let fl = idx(&["label", "labels", "fdi"]);
                has_fl = fl.is_some();
                triangles.reserve(el.count);
                let nv = vertex_count.unwrap_or(0) as f64;
                for i in 0..el.count {
                    let mut poly: Vec<u32> = Vec::new();
                    let mut label = 0;
                    for (k, p) in el.props.iter().enumerate() {
                        match &p.kind {
                            Kind::Scalar(s) => {
                                let v = body.read(*s, el, i, &p.name)?;
                                if Some(k) == fl {
                                    label = v as i32;
                                }
                            }
                            Kind::List { count, item } => {
                                let cnt = body.read(*count, el, i, &p.name)?;
                                for _ in 0..cnt as usize {
                                    let v = body.read(*item, el, i, &p.name)?;
                                    if k == li {
                                        if !(v >= 0.0 && v < nv && v.fract() == 0.0) {
                                            return Err(ParseError::new(
                                                PLY,
                                                body.place(),
                                                format!("face {i} refers to vertex {v}, but there are {nv} vertices"),
                                            ));
                                        }
                                        poly.push(v as u32);
                                    }
                                }
                            }
                        }
                    }
                    if poly.len() < 3 {
                        return Err(ParseError::new(
                            PLY,
                            body.place(),
                            format!("face {i} has {} vertices; a face needs at least 3", poly.len()),
                        ));
                    }
                    for j in 1..poly.len() - 1 {
                        triangles.push([poly[0], poly[j], poly[j + 1]]);
                        face_labels.push(label);
                    }
                }
            }
            _ => {
                let mut vals = vec![0.0; el.props.len()];
                for i in 0..el.count {
                    read_element(&mut body, el, i, &mut vals)?;
                }
            }
        }
    }
    let rest = match &body {
        Body::Ascii(lx) => lx.rest(),
        Body::Binary { data, pos, .. } => &data[*pos..],
    };
    if let Some(p) = rest.iter().position(|c| !c.is_ascii_whitespace()) {
        return Err(ParseError::new(
            PLY,
            Place::Byte((header.body_start + body_bytes.len() - rest.len() + p) as u64),
            "data continues after the last element the header declares: a header count is too small",
        ));
    }
    let fmt_err = |e| ParseError::from_mesh(PLY, e);
    let mut mesh = Mesh::new(positions, triangles).map_err(fmt_err)?;
    if has_n {
        mesh = mesh.with_normals(normals).map_err(fmt_err)?;
    }
    if has_c {
        mesh = mesh.with_colors(colors).map_err(fmt_err)?;
    }
    if has_l {
        mesh = mesh.with_labels(labels).map_err(fmt_err)?;
    }
    if has_fl {
        mesh = mesh.with_face_labels(face_labels).map_err(fmt_err)?;
    }
    if !values.is_empty() {
        mesh = mesh.with_values(values).map_err(fmt_err)?;
    }
    Ok(mesh)
}

/// Reads one element's scalar properties into `vals` (lists are read and dropped).
fn read_element(body: &mut Body, el: &Element, i: usize, vals: &mut [f64]) -> Result<(), ParseError> {
    for (k, p) in el.props.iter().enumerate() {
        match &p.kind {
            Kind::Scalar(s) => vals[k] = body.read(*s, el, i, &p.name)?,
            Kind::List { count, item } => {
                let cnt = body.read(*count, el, i, &p.name)?;
                for _ in 0..cnt as usize {
                    body.read(*item, el, i, &p.name)?;
                }
            }
        }
    }
    Ok(())
}

/// Encodes a mesh as PLY (binary little-endian unless `ascii`) with float positions and every attribute it has.
pub fn encode(mesh: &Mesh, ascii: bool) -> Vec<u8> {
    let mut h = String::from("ply\n");
    h.push_str(if ascii { "format ascii 1.0\n" } else { "format binary_little_endian 1.0\n" });
    h.push_str("comment written by cusp; units mm\n");
    h.push_str(&format!(
        "element vertex {}\nproperty float x\nproperty float y\nproperty float z\n",
        mesh.vertex_count()
    ));
    if mesh.normals().is_some() {
        h.push_str("property float nx\nproperty float ny\nproperty float nz\n");
    }
    if mesh.colors().is_some() {
        h.push_str("property uchar red\nproperty uchar green\nproperty uchar blue\n");
    }
    if mesh.labels().is_some() {
        h.push_str("property int label\n");
    }
    if mesh.values().is_some() {
        h.push_str("property float quality\n");
    }
    h.push_str(&format!("element face {}\nproperty list uchar int vertex_indices\n", mesh.face_count()));
    if mesh.face_labels().is_some() {
        h.push_str("property int label\n");
    }
    h.push_str("end_header\n");
    let mut out = h.into_bytes();
    let mut w = Writer { out: &mut out, ascii, first: true };
    for (i, p) in mesh.positions().iter().enumerate() {
        for v in [p.x, p.y, p.z] {
            w.f32(v as f32);
        }
        if let Some(n) = mesh.normals() {
            for v in [n[i].x, n[i].y, n[i].z] {
                w.f32(v as f32);
            }
        }
        if let Some(c) = mesh.colors() {
            for v in c[i] {
                w.u8(v);
            }
        }
        if let Some(l) = mesh.labels() {
            w.i32(l[i]);
        }
        if let Some(x) = mesh.values() {
            w.f32(x[i] as f32);
        }
        w.end();
    }
    for (f, t) in mesh.triangles().iter().enumerate() {
        w.u8(3);
        for &v in t {
            w.i32(v as i32);
        }
        if let Some(l) = mesh.face_labels() {
            w.i32(l[f]);
        }
        w.end();
    }
    out
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    ascii: bool,
    first: bool,
}

impl Writer<'_> {
    fn text(&mut self, s: String) {
        if !self.first {
            self.out.push(b' ');
        }
        self.first = false;
        self.out.extend_from_slice(s.as_bytes());
    }
    fn f32(&mut self, v: f32) {
        if self.ascii {
            self.text(v.to_string());
        } else {
            self.out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn u8(&mut self, v: u8) {
        if self.ascii {
            self.text(v.to_string());
        } else {
            self.out.push(v);
        }
    }
    fn i32(&mut self, v: i32) {
        if self.ascii {
            self.text(v.to_string());
        } else {
            self.out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn end(&mut self) {
        if self.ascii {
            self.out.push(b'\n');
        }
        self.first = true;
    }
}
