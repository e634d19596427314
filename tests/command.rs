//! The `cusp` command as a user runs it: convert keeps what the target can hold; errors exit non-zero and say why.

use cusp::io::{self, WriteOptions};
use cusp::mesh::Mesh;
use std::process::Command;

fn cusp(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cusp")).args(args).output().unwrap()
}

#[test]
fn convert_between_formats_keeps_labels_and_colours() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mesh::icosphere(4.0, 2);
    let n = m.vertex_count();
    let m = m.with_colors(vec![[200, 180, 160]; n]).unwrap();
    let src = dir.path().join("arch.obj");
    io::write_mesh(&src, &m, WriteOptions::default()).unwrap();
    let labels = dir.path().join("arch.json");
    io::Teeth3dsLabels::new(
        "p",
        cusp::dentition::Jaw::Upper,
        (0..n).map(|i| if i % 2 == 0 { 11 } else { 0 }).collect(),
    )
    .write(&labels)
    .unwrap();
    let out_ply = dir.path().join("arch.ply");
    let o = cusp(&["convert".as_ref(), src.as_os_str(), out_ply.as_os_str(), "--labels".as_ref(), labels.as_os_str()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let back = io::read_mesh(&out_ply).unwrap();
    assert_eq!(back.colors().unwrap()[0], [200, 180, 160]);
    assert_eq!(back.labels().unwrap()[0..2], [11, 0]);
    // To STL: what STL cannot hold is named.
    let out_stl = dir.path().join("arch.stl");
    let o = cusp(&["convert".as_ref(), out_ply.as_os_str(), out_stl.as_os_str()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("STL cannot hold colours, normals, labels"));
    assert_eq!(io::read_mesh(&out_stl).unwrap().vertex_count(), n);
}

#[test]
fn errors_exit_non_zero_with_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.stl");
    let mut b = vec![0u8; 80];
    b.extend_from_slice(&5u32.to_le_bytes());
    b.extend_from_slice(&[0u8; 10]);
    std::fs::write(&bad, b).unwrap();
    let o = cusp(&["info".as_ref(), bad.as_os_str()]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.starts_with("error: binary STL") && e.contains("broken.stl"), "{e}");
    let o = cusp(&["info".as_ref(), "--bogus".as_ref()]);
    assert!(!o.status.success());
    let o = cusp(&["--help".as_ref()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("convert"));
}
