//! Bad input is a clear error that names the file and the place — never a panic, never a huge allocation.

use cusp::io::{self, encode_mesh, parse_mesh, Format, IoError, WriteOptions};
use cusp::mesh::Mesh;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;

/// Writes `bytes` to a file named `name` in a fresh folder and reads it as a mesh.
fn read_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf, Result<Mesh, IoError>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    let r = io::read_mesh(&p);
    (dir, p, r)
}

/// Reads `bytes` as file `name` and checks that the error message names the file and contains every `parts`.
fn expect_error(name: &str, bytes: &[u8], parts: &[&str]) -> String {
    let (_dir, p, r) = read_file(name, bytes);
    let msg = match r {
        Ok(m) => panic!("{name} was accepted: {} vertices, {} triangles", m.vertex_count(), m.face_count()),
        Err(e) => e.to_string(),
    };
    assert!(msg.contains(&p.display().to_string()), "message does not name the file: {msg}");
    for part in parts {
        assert!(msg.contains(part), "message lacks {part:?}: {msg}");
    }
    // The input is never modified.
    assert_eq!(std::fs::read(&p).unwrap(), bytes);
    msg
}

fn small() -> Mesh {
    Mesh::icosphere(3.0, 1).with_labels(vec![11; 42]).unwrap()
}

#[test]
fn empty_files_in_every_format() {
    for ext in ["stl", "ply", "obj", "vtk", "vtp"] {
        expect_error(&format!("empty.{ext}"), b"", &[]);
    }
    // Valid syntax but nothing in it.
    expect_error("nothing.obj", b"# only a comment\n", &["no triangles"]);
    expect_error("nothing.stl", b"solid x\nendsolid x\n", &["no triangles"]);
}

#[test]
fn truncated_binary_stl_says_how_much_is_there() {
    let b = encode_mesh(&small(), Format::Stl, WriteOptions::default());
    let cut = &b[..b.len() - 70];
    expect_error("cut.stl", cut, &["header says 80 triangles", "truncated after 78 complete triangles", "at byte"]);
    expect_error("tiny.stl", &b[..40], &["shorter than the 84-byte header"]);
}

#[test]
fn binary_stl_claiming_four_billion_triangles_is_refused_without_allocating() {
    let mut b = vec![0u8; 80];
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    b.extend_from_slice(&[0u8; 100]);
    expect_error("huge.stl", &b, &["header says 4294967295 triangles"]);
}

#[test]
fn non_finite_coordinates_are_refused_with_their_place() {
    let mut b = encode_mesh(&small(), Format::Stl, WriteOptions::default());
    let off = 84 + 50 * 5 + 12 + 4; // triangle 5, corner 0, y
    b[off..off + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    expect_error("nan.stl", &b, &["triangle 5 corner 0", "non-finite", &format!("at byte {}", off - 4)]);
    expect_error("nan.obj", b"v 0 0 0\nv 1 0 0\nv 0 inf 0\nf 1 2 3\n", &["non-finite", "at line 3"]);
    let ply = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\n\
               property list uchar int vertex_indices\nend_header\n0 0 0\n1 nan 0\n0 1 0\n3 0 1 2\n";
    expect_error("nan.ply", ply.as_bytes(), &["vertex 1", "non-finite"]);
    expect_error("nan.stl", b"solid a\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex NaN 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid\n", &["at line 5"]);
}

#[test]
fn ply_header_that_lies_about_counts() {
    let good = encode_mesh(&small(), Format::Ply, WriteOptions::default());
    let text = String::from_utf8_lossy(&good[..200]).to_string();
    assert!(text.contains("element vertex 42\n"));
    // More vertices than the data holds, by a little and by a lot.
    let more = replace_bytes(&good, b"element vertex 42\n", b"element vertex 43\n");
    expect_error("more.ply", &more, &["PLY"]);
    let huge = replace_bytes(&good, b"element vertex 42\n", b"element vertex 4000000000\n");
    expect_error("huge.ply", &huge, &["header says 4000000000 vertex elements", "only"]);
    // Fewer faces than the data holds: data continues after the last element.
    let fewer = replace_bytes(&good, b"element face 80\n", b"element face 79\n");
    expect_error("fewer.ply", &fewer, &["data continues after the last element"]);
    let ascii = encode_mesh(&small(), Format::Ply, WriteOptions { ascii: true });
    let fewer = replace_bytes(&ascii, b"element vertex 42\n", b"element vertex 41\n");
    expect_error("fewer_ascii.ply", &fewer, &["PLY", "at line"]);
}

#[test]
fn ply_header_that_lies_about_types() {
    // Colours declared uchar but written as floats.
    let s = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\n\
             element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0 0.5\n1 0 0 1\n0 1 0 1\n3 0 1 2\n";
    expect_error("type.ply", s.as_bytes(), &["'red'", "0.5 does not fit its type uchar", "at line 11"]);
    // Binary file whose vertex properties are declared double but written float: runs out of bytes.
    let good = encode_mesh(&small(), Format::Ply, WriteOptions::default());
    let lie = replace_bytes(&good, b"property float x\n", b"property double x\n");
    expect_error("type.ply", &lie, &["PLY"]);
    expect_error(
        "kw.ply",
        b"ply\nformat ascii 1.0\nelement vertex 1\nproperty quaternion q\nend_header\n",
        &["unknown property type 'quaternion'", "at line 4"],
    );
    expect_error("nohdr.ply", b"ply\nformat ascii 1.0\nelement vertex 1\n", &["no 'end_header'"]);
}

#[test]
fn face_index_out_of_range_in_every_format() {
    expect_error("idx.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n", &["vertex index 4 is out of range", "at line 4"]);
    expect_error("zero.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", &["vertex index 0"]);
    let ply = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\n\
               property list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n";
    expect_error("idx.ply", ply.as_bytes(), &["face 0 refers to vertex 7"]);
    let vtk = "# vtk DataFile Version 3.0\nx\nASCII\nDATASET POLYDATA\nPOINTS 3 float\n0 0 0 1 0 0 0 1 0\nPOLYGONS 1 4\n3 0 1 9\n";
    expect_error("idx.vtk", vtk.as_bytes(), &["face 0", "vertex 9"]);
    let vtp = "<VTKFile type=\"PolyData\"><PolyData><Piece NumberOfPoints=\"3\" NumberOfPolys=\"1\"><Points>\
               <DataArray type=\"Float32\" NumberOfComponents=\"3\" format=\"ascii\">0 0 0 1 0 0 0 1 0</DataArray></Points><Polys>\
               <DataArray type=\"Int32\" Name=\"connectivity\" format=\"ascii\">0 1 5</DataArray>\
               <DataArray type=\"Int32\" Name=\"offsets\" format=\"ascii\">3</DataArray></Polys></Piece></PolyData></VTKFile>";
    expect_error("idx.vtp", vtp.as_bytes(), &["vertex 5"]);
}

#[test]
fn non_utf8_and_garbage_text() {
    expect_error("bin.obj", b"v 0 0 0\nv 1 \xff\xfe 0\nv 0 1 0\nf 1 2 3\n", &["at line 2", "not a number"]);
    expect_error("bin.vtp", b"<VTKFile type=\"PolyData\">\xff\xfe</VTKFile>", &["not valid UTF-8"]);
    expect_error(
        "bad.vtk",
        b"# vtk DataFile Version 3.0\nx\nASCII\nDATASET STRUCTURED_POINTS\n",
        &["cusp reads POLYDATA"],
    );
    expect_error("bad.vtp", b"<VTKFile type=\"PolyData\"><PolyData>", &["not well-formed XML"]);
    expect_error("notply.ply", b"PK\x03\x04 zip file", &["does not start with 'ply'"]);
}

#[test]
fn unknown_extension_and_missing_file() {
    let (_d, p, r) = read_file("scan.dcm", b"whatever");
    let e = r.unwrap_err().to_string();
    assert!(e.contains("unknown mesh format \"dcm\"") && e.contains(&p.display().to_string()), "{e}");
    let e = io::read_mesh("/nonexistent/arch.stl").unwrap_err().to_string();
    assert!(e.contains("cannot read") && e.contains("/nonexistent/arch.stl"), "{e}");
}

#[test]
fn label_file_that_does_not_fit_its_mesh() {
    let dir = tempfile::tempdir().unwrap();
    let m = small();
    let wrong_len = dir.path().join("short.json");
    std::fs::write(&wrong_len, br#"{"id_patient":"x","jaw":"upper","labels":[0,11,21],"instances":[0,1,2]}"#).unwrap();
    let e = io::read_labels_for(&wrong_len, &m).unwrap_err().to_string();
    assert!(e.contains("3 labels but the mesh has 42 vertices") && e.contains("short.json"), "{e}");
    let cases: [(&str, &[u8], &str); 4] = [
        ("jaw.json", br#"{"jaw":"upper","labels":[0,36]}"#, "tooth 36 is not in the upper jaw"),
        ("fdi.json", br#"{"jaw":"upper","labels":[0,19]}"#, "19 is not an FDI tooth number"),
        ("syntax.json", b"{\"jaw\":\"upper\",\n\"labels\":[0,1", "at line 2"),
        ("inst.json", br#"{"jaw":"lower","labels":[0,31],"instances":[0]}"#, "1 instances for 2 labels"),
    ];
    for (name, bytes, part) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = io::read_labels_for(&p, &m).unwrap_err().to_string();
        assert!(e.contains(part) && e.contains(name), "{name}: {e}");
    }
}

fn replace_bytes(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let i = hay.windows(from.len()).position(|w| w == from).expect("pattern present");
    [&hay[..i], to, &hay[i + from.len()..]].concat()
}

/// Mutated and truncated valid files must give an error or a valid mesh, never a panic (a cheap in-CI fuzz).
#[test]
fn mutated_files_never_panic() {
    let m = small().with_face_labels(vec![31; 80]).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    for format in [Format::Stl, Format::Ply, Format::Obj, Format::Vtk, Format::Vtp] {
        for ascii in [false, true] {
            let good = encode_mesh(&m, format, WriteOptions { ascii });
            for _ in 0..400 {
                let mut b = good.clone();
                match rng.random_range(0..4) {
                    0 => b.truncate(rng.random_range(0..b.len())),
                    1 => {
                        for _ in 0..rng.random_range(1..8) {
                            let i = rng.random_range(0..b.len());
                            b[i] = rng.random();
                        }
                    }
                    2 => {
                        let i = rng.random_range(0..b.len());
                        let digit = b"0123456789-.e9"[rng.random_range(0..14)];
                        b.insert(i, digit);
                    }
                    _ => {
                        let i = rng.random_range(0..b.len());
                        let j = (i + rng.random_range(1..64)).min(b.len());
                        b.drain(i..j);
                    }
                }
                if let Ok(mesh) = parse_mesh(&b, format) {
                    // Whatever was accepted is a valid mesh.
                    assert!(mesh.positions().iter().all(|p| p.coords.iter().all(|c| c.is_finite())));
                }
            }
        }
    }
}

#[test]
fn landmark_files_that_are_not_landmarks_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 7] = [
        ("empty.json", b"", "landmarks"),
        ("list.json", br#"{"version":"1.1"}"#, "objects"),
        ("short.json", br#"{"objects":[{"class":"Cusp","coord":[1,2]}]}"#, "[x, y, z]"),
        ("text.json", br#"{"objects":[{"class":"Cusp","coord":[1,"a",3]}]}"#, "finite"),
        ("nomarkups.mrk.json", br#"{"@schema":"x"}"#, "markups"),
        ("bad.fcsv", b"# CoordinateSystem = RAS\nn0,1,2,nan,0,0,0,1,1,1,1,MCP,,m\n", "finite"),
        ("binary.fcsv", b"\xff\xfe\x00", "UTF-8"),
    ];
    for (name, bytes, part) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let msg = cusp::landmark::read_landmarks(&p).expect_err(name).to_string();
        assert!(msg.contains(&p.display().to_string()) && msg.contains(part), "{name}: {msg}");
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "{name} was modified");
    }
}
