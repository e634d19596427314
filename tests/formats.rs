//! Every format: hand-written files in each format's documented layout, and write → read round trips.

use base64::Engine;
use cusp::io::{self, encode_mesh, parse_mesh, Format, WriteOptions};
use cusp::mesh::Mesh;
use nalgebra::{Point3, Vector3};
use std::io::Write;

/// A mesh with every attribute: normals, colours, vertex labels and face labels.
fn rich_mesh() -> Mesh {
    let m = Mesh::icosphere(7.5, 2).transformed(&nalgebra::Isometry3::translation(10.123456789, -3.5, 0.25));
    let n = m.vertex_count();
    let colors = (0..n).map(|i| [(i * 7 % 256) as u8, (i * 13 % 256) as u8, (i * 29 % 256) as u8]).collect();
    let labels = (0..n).map(|i| [0, 11, 12, 21, 46][i % 5]).collect();
    let fl = (0..m.face_count()).map(|f| [0, 31, 48][f % 3]).collect();
    m.with_colors(colors).unwrap().with_labels(labels).unwrap().with_face_labels(fl).unwrap()
}

/// Same triangles at the same places (within `tol` mm), whatever the vertex numbering.
fn assert_same_surface(a: &Mesh, b: &Mesh, tol: f64) {
    assert_eq!(a.face_count(), b.face_count());
    for f in 0..a.face_count() {
        for (p, q) in a.triangle(f).iter().zip(b.triangle(f).iter()) {
            assert!((p - q).norm() <= tol, "face {f}: {p} vs {q}");
        }
    }
}

fn round_trip(format: Format, ascii: bool) -> (Mesh, Mesh) {
    let m = rich_mesh();
    let bytes = encode_mesh(&m, format, WriteOptions { ascii });
    assert_eq!(bytes, encode_mesh(&m, format, WriteOptions { ascii }), "{format:?} encoding is not deterministic");
    let back = parse_mesh(&bytes, format).unwrap_or_else(|e| panic!("{format:?} ascii={ascii}: {e}"));
    (m, back)
}

#[test]
fn ply_round_trip_keeps_every_attribute() {
    for ascii in [false, true] {
        let (m, b) = round_trip(Format::Ply, ascii);
        assert_eq!(b.vertex_count(), m.vertex_count());
        assert_same_surface(&m, &b, 1e-5);
        assert_eq!(b.colors(), m.colors());
        assert_eq!(b.labels(), m.labels());
        assert_eq!(b.face_labels(), m.face_labels());
        for (x, y) in b.normals().unwrap().iter().zip(m.normals().unwrap()) {
            assert!((x - y).norm() < 1e-6);
        }
        assert!(b.values().is_none());
    }
    // A signed distance per vertex (mm) is the vertex property `quality`, as MeshLab writes and reads it.
    let m = rich_mesh();
    let d: Vec<f64> = (0..m.vertex_count()).map(|i| (i as f64 * 0.37).sin() * 0.4 - 0.05).collect();
    let m = m.with_values(d.clone()).unwrap();
    for ascii in [false, true] {
        let bytes = encode_mesh(&m, Format::Ply, WriteOptions { ascii });
        assert!(String::from_utf8_lossy(&bytes[..400]).contains("property float quality"));
        let b = parse_mesh(&bytes, Format::Ply).unwrap();
        for (x, y) in b.values().expect("values read back").iter().zip(&d) {
            assert!((x - y).abs() < 1e-6, "{x} vs {y}");
        }
        assert_eq!(b.labels(), m.labels());
    }
}

#[test]
fn vtk_and_vtp_round_trips_are_exact() {
    for format in [Format::Vtk, Format::Vtp] {
        for ascii in [false, true] {
            let (m, b) = round_trip(format, ascii);
            assert_eq!(b.positions(), m.positions(), "{format:?} ascii={ascii}");
            assert_eq!(b.triangles(), m.triangles());
            assert_eq!(b.colors(), m.colors());
            assert_eq!(b.labels(), m.labels());
            assert_eq!(b.face_labels(), m.face_labels());
            assert_eq!(b.normals(), m.normals());
        }
    }
}

#[test]
fn obj_round_trip_is_exact_for_positions_colours_normals() {
    let (m, b) = round_trip(Format::Obj, true);
    assert_eq!(b.positions(), m.positions());
    assert_eq!(b.triangles(), m.triangles());
    assert_eq!(b.colors(), m.colors());
    for (x, y) in b.normals().unwrap().iter().zip(m.normals().unwrap()) {
        assert!((x - y).norm() < 1e-12);
    }
}

#[test]
fn stl_round_trip_restores_shared_vertices() {
    for ascii in [false, true] {
        let (m, b) = round_trip(Format::Stl, ascii);
        assert_eq!(b.vertex_count(), m.vertex_count(), "STL corners must weld back to the shared vertices");
        assert_same_surface(&m, &b, 1e-5);
        assert!(b.colors().is_none() && b.labels().is_none());
    }
}

#[test]
fn files_are_written_atomically_and_identically() {
    let dir = tempfile::tempdir().unwrap();
    let m = rich_mesh();
    for ext in ["stl", "ply", "obj", "vtk", "vtp"] {
        let p = dir.path().join(format!("arch.{ext}"));
        io::write_mesh(&p, &m, WriteOptions::default()).unwrap();
        let first = std::fs::read(&p).unwrap();
        io::write_mesh(&p, &m, WriteOptions::default()).unwrap();
        assert_eq!(first, std::fs::read(&p).unwrap(), "{ext} output changed between runs");
        io::read_mesh(&p).unwrap();
    }
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 5, "temporary files left behind: {names:?}");
    // Writing into a folder that does not exist fails cleanly and names the file.
    let e = io::write_mesh(dir.path().join("missing/arch.ply"), &m, WriteOptions::default()).unwrap_err();
    assert!(e.to_string().contains("missing/arch.ply"), "{e}");
}

fn f32s(vals: &[f32], big: bool) -> Vec<u8> {
    vals.iter().flat_map(|v| if big { v.to_be_bytes() } else { v.to_le_bytes() }).collect()
}

#[test]
fn binary_stl_with_a_header_that_says_solid() {
    // CAD exporters often start the 80-byte header of a binary STL with "solid".
    let mut b = b"solid part exported by a CAD program".to_vec();
    b.resize(80, b' ');
    b.extend_from_slice(&2u32.to_le_bytes());
    for tri in [[0.0f32, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]] {
        b.extend(f32s(&[0.0, 0.0, 1.0], false));
        b.extend(f32s(&tri, false));
        b.extend_from_slice(&[0, 0]);
    }
    let m = parse_mesh(&b, Format::Stl).unwrap();
    assert_eq!((m.vertex_count(), m.face_count()), (4, 2));
    assert!((m.area() - 1.0).abs() < 1e-12);
}

#[test]
fn ascii_stl_with_crlf_exponents_and_two_solids() {
    let s = "solid a\r\n facet normal 0 0 1\r\n  outer loop\r\n   vertex 0 0 0\r\n   vertex 1e0 0 0\r\n   vertex 0 1.0E+00 0\r\n  endloop\r\n endfacet\r\nendsolid a\r\n\
             solid b\n facet normal 0 0 1\n outer loop\n vertex 1 0 0\n vertex 1 1 0\n vertex 0 1 0\n endloop\n endfacet\nendsolid b\n";
    let m = parse_mesh(s.as_bytes(), Format::Stl).unwrap();
    assert_eq!((m.vertex_count(), m.face_count()), (4, 2));
}

#[test]
fn ply_ascii_as_meshlab_writes_it_with_quads_alpha_and_extra_elements() {
    let s = "ply\nformat ascii 1.0\ncomment VCGLIB generated\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\n\
             property uchar red\nproperty uchar green\nproperty uchar blue\nproperty uchar alpha\nproperty int label\n\
             element face 1\nproperty list uchar int vertex_indices\nelement edge 1\nproperty int vertex1\nproperty int vertex2\nend_header\n\
             0 0 0 255 0 0 255 11\n1 0 0 0 255 0 255 11\n1 1 0 0 0 255 255 21\n0 1 0 10 20 30 255 0\n4 0 1 2 3\n0 2\n";
    let m = parse_mesh(s.as_bytes(), Format::Ply).unwrap();
    assert_eq!(m.face_count(), 2);
    assert_eq!(m.triangles(), &[[0, 1, 2], [0, 2, 3]]);
    assert_eq!(m.colors().unwrap()[3], [10, 20, 30]);
    assert_eq!(m.labels().unwrap(), &[11, 11, 21, 0]);
}

#[test]
fn ply_binary_big_endian_with_doubles_and_ushort_colours() {
    let mut b = b"ply\nformat binary_big_endian 1.0\nelement vertex 3\nproperty double x\nproperty double y\nproperty double z\n\
                  property ushort red\nproperty ushort green\nproperty ushort blue\nelement face 1\nproperty list uchar uint vertex_indices\n\
                  property short label\nend_header\n"
        .to_vec();
    for (p, c) in [([0.5f64, 0.0, 0.0], 65535u16), ([1.5, 0.0, 0.0], 0), ([0.5, 2.0, 0.0], 32896)] {
        for v in p {
            b.extend_from_slice(&v.to_be_bytes());
        }
        for _ in 0..3 {
            b.extend_from_slice(&c.to_be_bytes());
        }
    }
    b.push(3);
    for i in [0u32, 1, 2] {
        b.extend_from_slice(&i.to_be_bytes());
    }
    b.extend_from_slice(&36i16.to_be_bytes());
    let m = parse_mesh(&b, Format::Ply).unwrap();
    assert_eq!(m.positions()[2], Point3::new(0.5, 2.0, 0.0));
    assert_eq!(m.colors().unwrap(), &[[255; 3], [0; 3], [128; 3]]);
    assert_eq!(m.face_labels().unwrap(), &[36]);
}

#[test]
fn obj_with_every_index_form_negative_indices_and_polygons() {
    let s = "# exported\nmtllib a.mtl\no arch\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 1 1\nvn 0 0 1\n\
             g tooth\nusemtl enamel\ns 1\nf 1/1/1 2/2/1 3/3/1\nf -4//-1 -2//-1 -1//-1\nv 0 0 1\nf 1 2 5\nf 2/1 3/2 5/3 4/1\n";
    let m = parse_mesh(s.as_bytes(), Format::Obj).unwrap();
    assert_eq!(m.vertex_count(), 5);
    assert_eq!(m.triangles(), &[[0, 1, 2], [0, 2, 3], [0, 1, 4], [1, 2, 4], [1, 4, 3]]);
    // Vertex 4 never gets a normal, so none are attached rather than inventing some.
    assert!(m.normals().is_none());
    let colored = "v 0 0 0 1 0 0\nv 1 0 0 0 1 0\nv 0 1 0 0 0 0.5\nvn 0 0 2\nf 1//1 2//1 3//1\n";
    let m = parse_mesh(colored.as_bytes(), Format::Obj).unwrap();
    assert_eq!(m.colors().unwrap(), &[[255, 0, 0], [0, 255, 0], [0, 0, 128]]);
    assert_eq!(m.normals().unwrap()[0], Vector3::z());
}

const VTK_CLASSIC: &str = "# vtk DataFile Version 3.0\nlower arch\nASCII\nDATASET POLYDATA\nPOINTS 5 float\n\
0 0 0 1 0 0 1 1 0\n0 1 0 0.5 0.5 1\nVERTICES 1 2\n1 4\nPOLYGONS 2 9\n4 0 1 2 3\n3 0 1 4\n\
POINT_DATA 5\nSCALARS UniversalID int 1\nLOOKUP_TABLE default\n24 24 25 0 19\nNORMALS Normals float\n0 0 1 0 0 1 0 0 1 0 0 1 0 0 1\n\
CELL_DATA 3\nFIELD FieldData 2\nRegionId 1 3 int\n7 8 9\nLabel 1 3 int\n0 31 41\n";

#[test]
fn vtk_legacy_classic_layout_with_universal_ids_and_cell_data() {
    let m = parse_mesh(VTK_CLASSIC.as_bytes(), Format::Vtk).unwrap();
    assert_eq!(m.triangles(), &[[0, 1, 2], [0, 2, 3], [0, 1, 4]]);
    // Universal 24 = FDI 31, 25 = 41, 19 = 36 (as DCBIA's Slicer tools write them).
    assert_eq!(m.labels().unwrap(), &[31, 31, 41, 0, 36]);
    // The cell array covers the VERTICES cell first, so the quad's label is the second value.
    assert_eq!(m.face_labels().unwrap(), &[31, 31, 41]);
    assert_eq!(m.normals().unwrap()[4], Vector3::z());
}

#[test]
fn vtk_5_offsets_layout_with_metadata_and_binary_big_endian() {
    let s = "# vtk DataFile Version 5.1\nvtk output\nASCII\nDATASET POLYDATA\nPOINTS 4 double\n0 0 0 1 0 0 1 1 0 0 1 0\n\
             METADATA\nINFORMATION 0\n\nPOLYGONS 3 6\nOFFSETS vtktypeint64\n0 3 6\nCONNECTIVITY vtktypeint64\n0 1 2 0 2 3\n";
    let m = parse_mesh(s.as_bytes(), Format::Vtk).unwrap();
    assert_eq!(m.triangles(), &[[0, 1, 2], [0, 2, 3]]);

    let mut b = b"# vtk DataFile Version 3.0\nbinary\nBINARY\nDATASET POLYDATA\nPOINTS 3 float\n".to_vec();
    b.extend(f32s(&[0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0, 0.0], true));
    b.extend_from_slice(b"\nPOLYGONS 1 4\n");
    for i in [3i32, 0, 1, 2] {
        b.extend_from_slice(&i.to_be_bytes());
    }
    b.extend_from_slice(b"\nPOINT_DATA 3\nSCALARS label int\nLOOKUP_TABLE default\n");
    for i in [11i32, 12, 0] {
        b.extend_from_slice(&i.to_be_bytes());
    }
    b.push(b'\n');
    let m = parse_mesh(&b, Format::Vtk).unwrap();
    assert!((m.area() - 2.0).abs() < 1e-12);
    assert_eq!(m.labels().unwrap(), &[11, 12, 0]);
}

fn zlib(raw: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(raw).unwrap();
    e.finish().unwrap()
}

fn le_f32(v: &[f32]) -> Vec<u8> {
    f32s(v, false)
}

fn le_i64(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

const PTS: [f32; 9] = [0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 4.0, 0.0];

fn vtp(header: &str, arrays: [String; 4], tail: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"0.1\" byte_order=\"LittleEndian\" {header}>\n<PolyData>\n\
         <Piece NumberOfPoints=\"3\" NumberOfVerts=\"0\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"1\">\n\
         <CellData Scalars=\"Label\">{}</CellData>\n<Points>{}</Points>\n<Polys>{}{}</Polys>\n</Piece>\n</PolyData>\n{tail}</VTKFile>\n",
        arrays[0], arrays[1], arrays[2], arrays[3]
    )
    .into_bytes()
}

fn check_vtp(b: &[u8]) {
    let m = parse_mesh(b, Format::Vtp).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(b)));
    assert!((m.area() - 6.0).abs() < 1e-12);
    assert_eq!(m.face_labels().unwrap(), &[46]);
}

#[test]
fn vtp_ascii_inline_binary_and_compressed() {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let da = |ty: &str, name: &str, c: usize, fmt: &str, body: String| {
        format!(
            "<DataArray type=\"{ty}\" Name=\"{name}\" NumberOfComponents=\"{c}\" format=\"{fmt}\">{body}</DataArray>"
        )
    };
    check_vtp(&vtp(
        "",
        [
            da("Float32", "Label", 1, "ascii", "46".into()),
            da("Float32", "Points", 3, "ascii", "0 0 0 3 0 0\n 0 4 0".into()),
            da("Int64", "connectivity", 1, "ascii", "0 1 2".into()),
            da("Int64", "offsets", 1, "ascii", "3".into()),
        ],
        "",
    ));
    // Inline binary, uncompressed: UInt32 byte count then data, as one base64 stream.
    let joint = |raw: Vec<u8>| {
        let mut v = (raw.len() as u32).to_le_bytes().to_vec();
        v.extend(raw);
        b64(&v)
    };
    check_vtp(&vtp(
        "header_type=\"UInt32\"",
        [
            da("Int32", "Label", 1, "binary", joint(46i32.to_le_bytes().to_vec())),
            da("Float32", "Points", 3, "binary", joint(le_f32(&PTS))),
            da("Int64", "connectivity", 1, "binary", joint(le_i64(&[0, 1, 2]))),
            da("Int64", "offsets", 1, "binary", joint(le_i64(&[3]))),
        ],
        "",
    ));
    // Inline binary, zlib: UInt64 header [blocks, block size, last size, compressed sizes], encoded apart from data.
    let packed = |raw: Vec<u8>| {
        let z = zlib(&raw);
        let head: Vec<u8> =
            [1u64, raw.len() as u64, raw.len() as u64, z.len() as u64].iter().flat_map(|v| v.to_le_bytes()).collect();
        format!("\n  {}{}\n", b64(&head), b64(&z))
    };
    check_vtp(&vtp(
        "header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\"",
        [
            da("Float64", "Label", 1, "binary", packed(46f64.to_le_bytes().to_vec())),
            da("Float32", "Points", 3, "binary", packed(le_f32(&PTS))),
            da("Int64", "connectivity", 1, "binary", packed(le_i64(&[0, 1, 2]))),
            da("Int64", "offsets", 1, "binary", packed(le_i64(&[3]))),
        ],
        "",
    ));
}

#[test]
fn vtp_appended_raw_compressed() {
    // AppendedData encoding="raw": binary bytes after '_', each array at its offset, UInt32 headers.
    let mut blob = Vec::new();
    let mut offsets = Vec::new();
    for raw in [46u8.to_le_bytes().to_vec(), le_f32(&PTS), le_i64(&[0, 1, 2]), le_i64(&[3])] {
        offsets.push(blob.len());
        let z = zlib(&raw);
        for v in [1u32, raw.len() as u32, raw.len() as u32, z.len() as u32] {
            blob.extend_from_slice(&v.to_le_bytes());
        }
        blob.extend(z);
    }
    let da = |ty: &str, name: &str, c: usize, off: usize| {
        format!("<DataArray type=\"{ty}\" Name=\"{name}\" NumberOfComponents=\"{c}\" format=\"appended\" offset=\"{off}\"/>")
    };
    let mut b = vtp(
        "header_type=\"UInt32\" compressor=\"vtkZLibDataCompressor\"",
        [
            da("UInt8", "Label", 1, offsets[0]),
            da("Float32", "Points", 3, offsets[1]),
            da("Int64", "connectivity", 1, offsets[2]),
            da("Int64", "offsets", 1, offsets[3]),
        ],
        "<AppendedData encoding=\"raw\">\n   _",
    );
    let tail = b"</VTKFile>\n";
    b.truncate(b.len() - tail.len());
    b.extend(blob);
    b.extend_from_slice(b"\n</AppendedData>\n</VTKFile>\n");
    check_vtp(&b);
}

#[test]
fn teeth3ds_labels_round_trip_and_universal_numbering() {
    let l = cusp::io::Teeth3dsLabels::new("case-7", cusp::dentition::Jaw::Lower, vec![0, 31, 31, 46, 0, 48]);
    assert_eq!(l.instances, vec![0, 1, 1, 2, 0, 3]);
    let json = l.to_json();
    assert!(String::from_utf8_lossy(&json)
        .starts_with("{\"id_patient\":\"case-7\",\"jaw\":\"lower\",\"labels\":[0,31,31,46,0,48]"));
    assert_eq!(cusp::io::Teeth3dsLabels::parse(&json).unwrap(), l);
    assert_eq!(l.universal(), vec![0, 24, 24, 30, 0, 32]);
    assert_eq!(cusp::io::Teeth3dsLabels::fdi_from_universal(&l.universal()).unwrap(), l.labels);
    // Instances are optional in files that carry only labels.
    let bare = br#"{"jaw":"upper","labels":[0,11,21]}"#;
    assert_eq!(cusp::io::Teeth3dsLabels::parse(bare).unwrap().teeth(), vec![11, 21]);
}

/// Property: for random meshes (random size, coordinates across magnitudes, attributes present or not),
/// write → read gives the same mesh in every format, within the format's precision.
#[test]
fn random_meshes_round_trip_in_every_format() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(77);
    for case in 0..40 {
        let nv = rng.random_range(3..300);
        let scale = [1e-3, 1.0, 50.0, 1e4][case % 4];
        let p: Vec<Point3<f64>> = (0..nv)
            .map(|_| {
                Point3::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
                    * scale
            })
            .collect();
        let nf = rng.random_range(1..400);
        let t: Vec<[u32; 3]> = (0..nf)
            .map(|_| {
                let a = rng.random_range(0..nv as u32);
                let b = (a + rng.random_range(1..nv as u32)) % nv as u32;
                let mut c = rng.random_range(0..nv as u32);
                while c == a || c == b {
                    c = rng.random_range(0..nv as u32);
                }
                [a, b, c]
            })
            .collect();
        let mut m = Mesh::new(p, t).unwrap();
        if rng.random_bool(0.5) {
            m = m.with_labels((0..nv).map(|_| rng.random_range(-5..50)).collect()).unwrap();
        }
        if rng.random_bool(0.5) {
            m = m.with_colors((0..nv).map(|_| [rng.random(), rng.random(), rng.random()]).collect()).unwrap();
        }
        for format in [Format::Ply, Format::Obj, Format::Vtk, Format::Vtp, Format::Stl] {
            for ascii in [false, true] {
                let back = parse_mesh(&encode_mesh(&m, format, WriteOptions { ascii }), format)
                    .unwrap_or_else(|e| panic!("case {case} {format:?}: {e}"));
                let tol = if matches!(format, Format::Ply | Format::Stl) { 1e-6 * scale } else { 0.0 };
                assert_same_surface(&m, &back, tol);
                let (c, _, l) = format.keeps();
                if c {
                    assert_eq!(back.colors(), m.colors(), "case {case} {format:?}");
                }
                if l && format != Format::Obj {
                    assert_eq!(back.labels(), m.labels(), "case {case} {format:?}");
                }
            }
        }
    }
}
