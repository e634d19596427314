//! VTK legacy `.vtk` POLYDATA (ASCII or big-endian BINARY; the classic cell layout and the 5.x
//! OFFSETS/CONNECTIVITY layout), with point and cell data arrays (SCALARS, NORMALS, COLOR_SCALARS, FIELD).

use super::error::{ParseError, Place};
use super::text::Lexer;
use super::vtp::{apply_arrays, DataArray};
use crate::mesh::Mesh;
use nalgebra::Point3;

const VTK: &str = "VTK";

/// Value type names of the legacy format.
fn value_size(ty: &[u8]) -> Option<usize> {
    Some(match ty.to_ascii_lowercase().as_slice() {
        b"bit" | b"char" | b"unsigned_char" | b"vtktypeint8" | b"vtktypeuint8" => 1,
        b"short" | b"unsigned_short" | b"vtktypeint16" | b"vtktypeuint16" => 2,
        b"int" | b"unsigned_int" | b"float" | b"vtktypeint32" | b"vtktypeuint32" => 4,
        b"long" | b"unsigned_long" | b"double" | b"vtktypeint64" | b"vtktypeuint64" | b"vtkidtype" => 8,
        _ => return None,
    })
}

struct Reader<'a> {
    lx: Lexer<'a>,
    binary: bool,
}

impl Reader<'_> {
    /// Reads `n` values of type `ty` (ASCII tokens or big-endian binary) as f64.
    fn values(&mut self, n: usize, ty: &[u8], what: &str) -> Result<Vec<f64>, ParseError> {
        let tyl = ty.to_ascii_lowercase();
        let size = value_size(&tyl)
            .ok_or_else(|| self.lx.error(format!("unknown value type '{}'", String::from_utf8_lossy(ty))))?;
        let min_bytes = if self.binary { size } else { 2 };
        if n.saturating_mul(min_bytes) > self.lx.rest().len() + 1 {
            return Err(self.lx.error(format!(
                "{what}: the file declares {n} values but only {} bytes remain: the count is wrong or the file is truncated",
                self.lx.rest().len()
            )));
        }
        let mut out = Vec::with_capacity(n);
        if self.binary {
            self.lx.rest_of_line();
            let start = self.lx.pos();
            let data = self.lx.take_bytes(n * size).ok_or_else(|| {
                ParseError::new(VTK, Place::Byte(start as u64), format!("{what}: file ends inside the binary data"))
            })?;
            for c in data.chunks_exact(size) {
                let mut a = [0u8; 8];
                a[..size].copy_from_slice(c);
                a[..size].reverse(); // legacy binary VTK is big-endian
                let signed = !tyl.starts_with(b"unsigned") && !tyl.starts_with(b"vtktypeuint");
                out.push(match (size, tyl.as_slice()) {
                    (4, b"float") => f64::from(f32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                    (8, b"double") => f64::from_le_bytes(a),
                    (1, _) if signed && tyl != b"bit" => f64::from(a[0] as i8),
                    (1, _) => f64::from(a[0]),
                    (2, _) if signed => f64::from(i16::from_le_bytes([a[0], a[1]])),
                    (2, _) => f64::from(u16::from_le_bytes([a[0], a[1]])),
                    (4, _) if signed => f64::from(i32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                    (4, _) => f64::from(u32::from_le_bytes([a[0], a[1], a[2], a[3]])),
                    (_, _) if signed => i64::from_le_bytes(a) as f64,
                    _ => u64::from_le_bytes(a) as f64,
                });
            }
        } else {
            for _ in 0..n {
                out.push(self.lx.f64(what)?);
            }
        }
        Ok(out)
    }

    fn word(&mut self, what: &str) -> Result<Vec<u8>, ParseError> {
        Ok(self.lx.expect_token(what)?.to_ascii_uppercase())
    }
}

/// Converts a legacy cell array (`n i0 i1 … ` per cell) into polygons.
fn legacy_cells(vals: &[f64], cells: usize, line: usize) -> Result<Vec<Vec<u32>>, ParseError> {
    let mut out = Vec::with_capacity(cells);
    let mut i = 0;
    for c in 0..cells {
        let n = *vals
            .get(i)
            .ok_or_else(|| ParseError::new(VTK, Place::Line(line), format!("cell {c}: the cell list ends early")))?
            as usize;
        let ids = vals
            .get(i + 1..i + 1 + n)
            .ok_or_else(|| ParseError::new(VTK, Place::Line(line), format!("cell {c}: the cell list ends early")))?;
        out.push(ids.iter().map(|&v| if v >= 0.0 && v <= f64::from(u32::MAX) { v as u32 } else { u32::MAX }).collect());
        i += 1 + n;
    }
    Ok(out)
}

/// Decodes a legacy VTK POLYDATA file.
pub fn parse(bytes: &[u8]) -> Result<Mesh, ParseError> {
    let mut lx = Lexer::new(bytes, VTK);
    let first = lx.rest_of_line();
    if !first.starts_with(b"# vtk DataFile") {
        return Err(ParseError::new(VTK, Place::Line(1), "first line is not '# vtk DataFile Version …'"));
    }
    lx.rest_of_line(); // title
    let mut r = Reader { lx, binary: false };
    match r.word("ASCII or BINARY")?.as_slice() {
        b"ASCII" => {}
        b"BINARY" => r.binary = true,
        other => {
            return Err(r.lx.error(format!("expected ASCII or BINARY, found '{}'", String::from_utf8_lossy(other))))
        }
    }
    r.lx.expect_word("DATASET")?;
    let ds = r.word("dataset type")?;
    if ds != b"POLYDATA" {
        return Err(r
            .lx
            .error(format!("dataset is {}; cusp reads POLYDATA (surface meshes)", String::from_utf8_lossy(&ds))));
    }
    let mut positions: Vec<Point3<f64>> = Vec::new();
    // Cells in VTK order: verts, lines, polys, strips (cell data follows this order).
    let mut cell_counts = [0usize; 4];
    let mut polys: Vec<Vec<u32>> = Vec::new();
    let mut strips: Vec<Vec<u32>> = Vec::new();
    let mut point_arrays: Vec<DataArray> = Vec::new();
    let mut cell_arrays: Vec<DataArray> = Vec::new();
    let mut section: Option<(bool, usize)> = None; // (is_point_data, count)
    while let Some(tok) = r.lx.next_token() {
        let key = tok.to_ascii_uppercase();
        let line = r.lx.line();
        match key.as_slice() {
            b"POINTS" => {
                let n = r.lx.count("POINTS count", bytes.len() / 2)?;
                let ty = r.lx.expect_token("POINTS type")?.to_vec();
                let v = r.values(n * 3, &ty, "POINTS")?;
                positions = v.chunks_exact(3).map(|c| Point3::new(c[0], c[1], c[2])).collect();
            }
            b"VERTICES" | b"LINES" | b"POLYGONS" | b"TRIANGLE_STRIPS" => {
                let kind = ["VERTICES", "LINES", "POLYGONS", "TRIANGLE_STRIPS"]
                    .iter()
                    .position(|k| k.as_bytes() == key)
                    .unwrap_or(0);
                let a = r.lx.count("cell count", bytes.len())?;
                let b = r.lx.count("cell list size", bytes.len())?;
                let next = r.lx.rest().iter().position(|c| !c.is_ascii_whitespace()).map(|p| &r.lx.rest()[p..]);
                let cells = if next.is_some_and(|n| n.len() >= 7 && n[..7].eq_ignore_ascii_case(b"OFFSETS")) {
                    // VTK 5.x: `POLYGONS n_offsets n_connectivity`, then OFFSETS and CONNECTIVITY arrays.
                    r.lx.expect_word("OFFSETS")?;
                    let ty = r.lx.expect_token("OFFSETS type")?.to_vec();
                    let off = r.values(a, &ty, "OFFSETS")?;
                    r.lx.expect_word("CONNECTIVITY")?;
                    let ty = r.lx.expect_token("CONNECTIVITY type")?.to_vec();
                    let conn = r.values(b, &ty, "CONNECTIVITY")?;
                    let mut cells = Vec::with_capacity(a.saturating_sub(1));
                    for w in off.windows(2) {
                        let (s, e) = (w[0] as usize, w[1] as usize);
                        let ids = conn.get(s..e).filter(|_| s <= e).ok_or_else(|| {
                            ParseError::new(VTK, Place::Line(line), "OFFSETS point outside CONNECTIVITY")
                        })?;
                        cells.push(
                            ids.iter()
                                .map(|&v| if v >= 0.0 && v <= f64::from(u32::MAX) { v as u32 } else { u32::MAX })
                                .collect(),
                        );
                    }
                    cells
                } else {
                    let vals = r.values(b, b"int", "cell list")?;
                    legacy_cells(&vals, a, line)?
                };
                cell_counts[kind] = cells.len();
                match kind {
                    2 => polys = cells,
                    3 => strips = cells,
                    _ => {}
                }
            }
            b"POINT_DATA" | b"CELL_DATA" => {
                let n = r.lx.count("data count", bytes.len())?;
                section = Some((key == b"POINT_DATA", n));
            }
            b"SCALARS" | b"NORMALS" | b"COLOR_SCALARS" | b"VECTORS" => {
                let Some((is_point, n)) = section else {
                    return Err(r
                        .lx
                        .error(format!("{} outside POINT_DATA or CELL_DATA", String::from_utf8_lossy(&key))));
                };
                let name = String::from_utf8_lossy(r.lx.expect_token("array name")?).into_owned();
                let (ty, comps) = match key.as_slice() {
                    b"COLOR_SCALARS" => {
                        let c = r.lx.count("colour components", 4)?;
                        (if r.binary { b"unsigned_char".to_vec() } else { b"float".to_vec() }, c)
                    }
                    b"SCALARS" => {
                        let ty = r.lx.expect_token("SCALARS type")?.to_vec();
                        // Optional component count, then LOOKUP_TABLE on the next line.
                        let mut comps = 1;
                        let rest_line = r.lx.rest().split(|&c| c == b'\n').next().unwrap_or(b"");
                        if let Some(t) = super::text::tokens(rest_line).next() {
                            comps = super::text::parse_i64(t).filter(|c| (1..=4).contains(c)).unwrap_or(1) as usize;
                            r.lx.next_token();
                        }
                        r.lx.expect_word("LOOKUP_TABLE")?;
                        r.lx.expect_token("lookup table name")?;
                        (ty, comps)
                    }
                    _ => (r.lx.expect_token("array type")?.to_vec(), 3),
                };
                let values = r.values(n * comps, &ty, &name)?;
                let kind = if key == b"NORMALS" {
                    "normals".to_string()
                } else if key == b"COLOR_SCALARS" {
                    "colors".to_string()
                } else {
                    name
                };
                let arr = DataArray {
                    name: kind,
                    components: comps,
                    values,
                    integer: !ty.eq_ignore_ascii_case(b"float") && !ty.eq_ignore_ascii_case(b"double"),
                };
                if is_point {
                    point_arrays.push(arr)
                } else {
                    cell_arrays.push(arr)
                }
            }
            b"FIELD" => {
                let Some((is_point, _)) = section else {
                    return Err(r.lx.error("FIELD outside POINT_DATA or CELL_DATA"));
                };
                r.lx.expect_token("field name")?;
                let k = r.lx.count("field array count", 1 << 16)?;
                for _ in 0..k {
                    let name = String::from_utf8_lossy(r.lx.expect_token("array name")?).into_owned();
                    let comps = r.lx.count("components", 1 << 16)?;
                    let tuples = r.lx.count("tuples", bytes.len())?;
                    let ty = r.lx.expect_token("array type")?.to_vec();
                    let values = r.values(comps.saturating_mul(tuples), &ty, &name)?;
                    let integer = !matches!(ty.to_ascii_lowercase().as_slice(), b"float" | b"double");
                    let arr = DataArray { name, components: comps, values, integer };
                    if is_point {
                        point_arrays.push(arr)
                    } else {
                        cell_arrays.push(arr)
                    }
                }
            }
            b"METADATA" => {
                // VTK 5.x writes a METADATA block that ends at the next blank line.
                r.lx.rest_of_line();
                while !r.lx.rest().is_empty() && !r.lx.rest_of_line().iter().all(u8::is_ascii_whitespace) {}
            }
            b"LOOKUP_TABLE" => {
                r.lx.expect_token("lookup table name")?;
                let n = r.lx.count("lookup table size", bytes.len())?;
                r.values(n * 4, if r.binary { b"unsigned_char" } else { b"float" }, "lookup table")?;
            }
            other => return Err(r.lx.error(format!("unknown keyword '{}'", String::from_utf8_lossy(other)))),
        }
    }
    // Polygons (fans) and strips to triangles, with each triangle's source cell index for cell data.
    let mut triangles = Vec::new();
    let mut source_cell = Vec::new();
    let poly_base = cell_counts[0] + cell_counts[1];
    for (c, p) in polys.iter().enumerate() {
        for j in 1..p.len().saturating_sub(1) {
            triangles.push([p[0], p[j], p[j + 1]]);
            source_cell.push(poly_base + c);
        }
    }
    for (c, s) in strips.iter().enumerate() {
        for j in 0..s.len().saturating_sub(2) {
            triangles.push(if j % 2 == 0 { [s[j], s[j + 1], s[j + 2]] } else { [s[j + 1], s[j], s[j + 2]] });
            source_cell.push(poly_base + cell_counts[2] + c);
        }
    }
    let mesh = Mesh::new(positions, triangles).map_err(|e| ParseError::from_mesh(VTK, e))?;
    apply_arrays(mesh, &point_arrays, &cell_arrays, &source_cell, VTK)
}

/// Encodes a mesh as legacy VTK POLYDATA (big-endian binary unless `ascii`), with normals, colours and labels.
pub fn encode(mesh: &Mesh, ascii: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let put = |s: &str, out: &mut Vec<u8>| out.extend_from_slice(s.as_bytes());
    put("# vtk DataFile Version 4.2\nwritten by cusp; units mm\n", &mut out);
    put(if ascii { "ASCII\n" } else { "BINARY\n" }, &mut out);
    put("DATASET POLYDATA\n", &mut out);
    let f64s = |vals: &mut dyn Iterator<Item = f64>, out: &mut Vec<u8>| {
        if ascii {
            let s: Vec<String> = vals.map(|v| v.to_string()).collect();
            out.extend_from_slice(s.join(" ").as_bytes());
        } else {
            vals.for_each(|v| out.extend_from_slice(&v.to_be_bytes()));
        }
        out.push(b'\n');
    };
    let i32s = |vals: &mut dyn Iterator<Item = i32>, out: &mut Vec<u8>| {
        if ascii {
            let s: Vec<String> = vals.map(|v| v.to_string()).collect();
            out.extend_from_slice(s.join(" ").as_bytes());
        } else {
            vals.for_each(|v| out.extend_from_slice(&v.to_be_bytes()));
        }
        out.push(b'\n');
    };
    put(&format!("POINTS {} double\n", mesh.vertex_count()), &mut out);
    f64s(&mut mesh.positions().iter().flat_map(|p| [p.x, p.y, p.z]), &mut out);
    put(&format!("POLYGONS {} {}\n", mesh.face_count(), mesh.face_count() * 4), &mut out);
    i32s(&mut mesh.triangles().iter().flat_map(|t| [3, t[0] as i32, t[1] as i32, t[2] as i32]), &mut out);
    if mesh.normals().is_some() || mesh.colors().is_some() || mesh.labels().is_some() {
        put(&format!("POINT_DATA {}\n", mesh.vertex_count()), &mut out);
        if let Some(l) = mesh.labels() {
            put("SCALARS Label int 1\nLOOKUP_TABLE default\n", &mut out);
            i32s(&mut l.iter().copied(), &mut out);
        }
        if let Some(n) = mesh.normals() {
            put("NORMALS Normals double\n", &mut out);
            f64s(&mut n.iter().flat_map(|v| [v.x, v.y, v.z]), &mut out);
        }
        if let Some(c) = mesh.colors() {
            put("COLOR_SCALARS RGB 3\n", &mut out);
            if ascii {
                f64s(&mut c.iter().flat_map(|c| c.map(|v| f64::from(v) / 255.0)), &mut out);
            } else {
                c.iter().for_each(|c| out.extend_from_slice(c));
                out.push(b'\n');
            }
        }
    }
    if let Some(l) = mesh.face_labels() {
        put(&format!("CELL_DATA {}\nSCALARS Label int 1\nLOOKUP_TABLE default\n", mesh.face_count()), &mut out);
        i32s(&mut l.iter().copied(), &mut out);
    }
    out
}
