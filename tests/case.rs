//! Case records: checksums, the audit trail, encrypted export and import, crash safety.

use cusp::case::{Case, CaseError, Step};
use cusp::io::{self, WriteOptions};
use cusp::mesh::Mesh;

/// A PLY whose header carries a patient's name, as some exporters write.
fn ply_with_name() -> Vec<u8> {
    let m = Mesh::icosphere(5.0, 2);
    let clean = io::encode_mesh(&m, io::Format::Ply, WriteOptions::default());
    let text = String::from_utf8_lossy(&clean[..200]).to_string();
    let at = text.find("format").unwrap();
    let line_end = at + text[at..].find('\n').unwrap() + 1;
    let mut out = clean[..line_end].to_vec();
    out.extend_from_slice(b"comment Patient: Jane Doe, born 1961-04-02\n");
    out.extend_from_slice(&clean[line_end..]);
    out
}

fn stl_with_name() -> Vec<u8> {
    let mut b = io::encode_mesh(&Mesh::icosphere(4.0, 1), io::Format::Stl, WriteOptions::default());
    b[..30].copy_from_slice(b"Jane Doe 1961-04-02 scan upper");
    b
}

fn case_with_two_scans(dir: &std::path::Path) -> Case {
    let mut c = Case::create(dir, "P0042", "dr-a").unwrap();
    c.add(&ply_with_name(), "lower.ply", "scan", "lower", "2026-11-20", "cusp phantom", "dr-a").unwrap();
    c.add(&stl_with_name(), "upper.stl", "scan", "upper", "2026-11-20", "cusp phantom", "dr-a").unwrap();
    c
}

#[test]
fn a_case_round_trips_through_export_and_import_bit_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = case_with_two_scans(&dir.path().join("case"));
    assert!(c.verify().intact(), "{:?}", c.verify());
    let lab = age::x25519::Identity::generate();
    let secret = {
        use age::secrecy::ExposeSecret;
        lab.to_string().expose_secret().to_string()
    };
    let enc = c.export(&[], &lab.to_public().to_string(), true, "dr-a").unwrap();
    let back = Case::import(&enc, std::path::Path::new("x.age"), &secret, &dir.path().join("lab"), "lab-b").unwrap();
    assert!(back.verify().intact());
    assert_eq!(back.manifest.case_id, "P0042");
    for (a, b) in c.manifest.entries.iter().zip(&back.manifest.entries) {
        let fa = std::fs::read(c.dir().join(&a.file)).unwrap();
        let fb = std::fs::read(back.dir().join(&b.file)).unwrap();
        assert!(fa == fb && a.sha256 == b.sha256, "{} differs after the round trip", a.file);
        assert_eq!((&a.kind, &a.jaw, &a.date, &a.device), (&b.kind, &b.jaw, &b.date, &b.device));
    }
    // The export is in the audit trail.
    assert!(c.audit.iter().any(|a| a.action == "exported" && a.user == "dr-a"));
}

#[test]
fn an_export_for_a_lab_carries_no_text_from_the_original_headers() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = case_with_two_scans(&dir.path().join("case"));
    let lab = age::x25519::Identity::generate();
    let enc = c.export(&[1, 2], &lab.to_public().to_string(), false, "dr-a").unwrap();
    let plain = age::decrypt(&lab, &enc).unwrap();
    let text = String::from_utf8_lossy(&plain);
    assert!(!text.contains("Jane") && !text.contains("1961"), "identifying text left in the export");
    // The stripped meshes are still the same geometry.
    let mut ar = tar::Archive::new(&plain[..]);
    let mut meshes = 0;
    for f in ar.entries().unwrap() {
        let mut f = f.unwrap();
        let name = f.path().unwrap().to_string_lossy().to_string();
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut b).unwrap();
        if let Ok(fmt) = io::Format::from_path(std::path::Path::new(&name)) {
            let m = io::parse_mesh(&b, fmt).unwrap();
            assert!(m.vertex_count() > 10);
            meshes += 1;
        }
    }
    assert_eq!(meshes, 2);
}

#[test]
fn tampering_with_a_scan_the_manifest_or_the_audit_trail_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("case");
    let c = case_with_two_scans(&root);
    let reopen = || Case::open(&root).unwrap().verify();
    // One byte of a scan.
    let f = root.join(&c.manifest.entries[0].file);
    let orig = std::fs::read(&f).unwrap();
    let mut b = orig.clone();
    let k = b.len() - 5;
    b[k] ^= 1;
    std::fs::write(&f, &b).unwrap();
    let v = reopen();
    assert!(v.problems.iter().any(|p| p.contains(&c.manifest.entries[0].file) && p.contains("changed")), "{v:?}");
    std::fs::write(&f, &orig).unwrap();
    assert!(reopen().intact());
    // A missing file is named.
    std::fs::rename(&f, root.join("moved")).unwrap();
    assert!(reopen().problems.iter().any(|p| p.contains("missing")));
    std::fs::rename(root.join("moved"), &f).unwrap();
    // A manifest field.
    let m = root.join("manifest.json");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replacen("\"jaw\": \"upper\"", "\"jaw\": \"lower\"", 1)).unwrap();
    assert!(reopen().problems.iter().any(|p| p.contains("edited after it was added")), "{:?}", reopen());
    std::fs::write(&m, &text).unwrap();
    // An audit line edited, or removed.
    let a = root.join("audit.log");
    let log = std::fs::read_to_string(&a).unwrap();
    std::fs::write(&a, log.replacen("dr-a", "dr-x", 1)).unwrap();
    assert!(reopen().problems.iter().any(|p| p.contains("hash chain")));
    let lines: Vec<&str> = log.lines().collect();
    let without_second: String =
        lines.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(&a, without_second).unwrap();
    assert!(!reopen().intact());
    std::fs::write(&a, &log).unwrap();
    assert!(reopen().intact());
}

#[test]
fn a_truncated_export_or_a_wrong_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = case_with_two_scans(&dir.path().join("case"));
    let lab = age::x25519::Identity::generate();
    let secret = {
        use age::secrecy::ExposeSecret;
        lab.to_string().expose_secret().to_string()
    };
    let enc = c.export(&[], &lab.to_public().to_string(), false, "dr-a").unwrap();
    let e =
        Case::import(&enc[..enc.len() - 100], std::path::Path::new("cut.age"), &secret, &dir.path().join("a"), "lab")
            .unwrap_err();
    assert!(
        matches!(e, CaseError::Export { .. })
            && e.to_string().contains("cut.age")
            && e.to_string().contains("truncated"),
        "{e}"
    );
    assert!(!dir.path().join("a").exists());
    let other = age::x25519::Identity::generate();
    let other_secret = {
        use age::secrecy::ExposeSecret;
        other.to_string().expose_secret().to_string()
    };
    let e = Case::import(&enc, std::path::Path::new("x.age"), &other_secret, &dir.path().join("b"), "lab").unwrap_err();
    assert!(e.to_string().contains("wrong key"), "{e}");
    assert!(c.export(&[], "age1notakey", false, "dr-a").is_err());
}

#[test]
fn a_killed_add_leaves_a_valid_case() {
    for step in [Step::FileWritten, Step::AuditAppended] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("case");
        let mut c = case_with_two_scans(&root);
        let before = c.manifest.clone();
        c.fail_after = Some(step);
        let e = c.add(b"solid x\nendsolid x\n", "third.stl", "scan", "lower", "2026-12-01", "x", "dr-a").unwrap_err();
        assert!(matches!(e, CaseError::Interrupted(_)));
        // Opened again, as after a power cut: the case is what it was, intact, with the leftover noted.
        let mut again = Case::open(&root).unwrap();
        assert_eq!(again.manifest, before, "{step:?}: the manifest changed");
        let v = again.verify();
        assert!(v.intact(), "{step:?}: {v:?}");
        assert!(!v.notes.is_empty(), "{step:?}: the leftover is not reported");
        // The next change goes on from the committed state.
        again.add(b"solid y\nendsolid y\n", "fourth.stl", "scan", "lower", "2026-12-02", "x", "dr-a").unwrap();
        let v = Case::open(&root).unwrap().verify();
        assert!(v.problems.is_empty(), "{step:?}: {v:?}");
    }
}

#[test]
fn a_case_is_never_created_over_files_and_ids_are_pseudonyms() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), b"x").unwrap();
    assert!(Case::create(dir.path(), "P0001", "a").is_err());
    assert!(Case::create(&dir.path().join("c"), "Jane Doe", "a").unwrap_err().to_string().contains("pseudonym"));
}

#[test]
fn writers_at_once_take_turns_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let case_dir = dir.path().join("case");
    Case::create(&case_dir, "CASE-0042", "dr-a").unwrap();
    // Four writers, each with the case opened before any of the others committed (as four `cusp case add`
    // started at once would have it), adding five scans each.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let d = case_dir.clone();
            let mut case = Case::open(&d).unwrap();
            std::thread::spawn(move || {
                for k in 0..5 {
                    let bytes = format!("scan {w}.{k}").into_bytes();
                    case.add(&bytes, &format!("w{w}-{k}.stl"), "scan", "upper", "2026-12-07", "", "dr-a").unwrap();
                }
            })
        })
        .collect();
    writers.into_iter().for_each(|t| t.join().unwrap());
    let case = Case::open(&case_dir).unwrap();
    assert_eq!(case.manifest.entries.len(), 20, "every entry kept");
    let mut ids: Vec<_> = case.manifest.entries.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20, "ids unique");
    let v = case.verify();
    assert!(v.intact(), "{v:?}");
}
