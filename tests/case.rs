//! Case records: checksums, the audit trail, encrypted export and import, crash safety.

mod common;

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

/// An age key pair: (public, secret).
fn lab_key() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let lab = age::x25519::Identity::generate();
    (lab.to_public().to_string(), lab.to_string().expose_secret().to_string())
}

/// Every file under `dir` with its bytes, sorted: a snapshot to compare.
fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    common::files_in(dir).into_iter().map(|f| (f.display().to_string(), std::fs::read(dir.join(&f)).unwrap())).collect()
}

#[test]
fn an_entry_removed_with_its_file_a_changed_case_id_or_a_link_in_place_is_not_intact() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("case");
    let c = case_with_two_scans(&root);
    let reopen = || Case::open(&root).unwrap().verify();
    let m = root.join("manifest.json");
    let text = std::fs::read_to_string(&m).unwrap();
    // The second entry gone from the manifest, and its file deleted: the trail still records its addition.
    let mut edited = c.manifest.clone();
    let gone = edited.entries.pop().unwrap();
    std::fs::write(&m, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let f = root.join(&gone.file);
    let bytes = std::fs::read(&f).unwrap();
    std::fs::remove_file(&f).unwrap();
    let v = reopen();
    assert!(v.problems.iter().any(|p| p.contains("entry 2 was added") && p.contains("removed")), "{v:?}");
    std::fs::write(&f, &bytes).unwrap();
    std::fs::write(&m, &text).unwrap();
    assert!(reopen().intact());
    // The case id changed in the manifest.
    std::fs::write(&m, text.replace("\"P0042\"", "\"P0043\"")).unwrap();
    let v = reopen();
    assert!(v.problems.iter().any(|p| p.contains("case id 'P0043'")), "{v:?}");
    std::fs::write(&m, &text).unwrap();
    // A file replaced by a link to a copy with the same bytes.
    #[cfg(unix)]
    {
        let copy = dir.path().join("elsewhere.ply");
        std::fs::write(&copy, &bytes).unwrap();
        std::fs::remove_file(&f).unwrap();
        std::os::unix::fs::symlink(&copy, &f).unwrap();
        let v = reopen();
        assert!(v.problems.iter().any(|p| p.contains("not a regular file")), "{v:?}");
        std::fs::remove_file(&f).unwrap();
        std::fs::write(&f, &bytes).unwrap();
        assert!(reopen().intact());
    }
}

#[test]
fn a_trail_cut_back_with_its_manifest_edited_to_match_is_caught_by_the_kept_head() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("case");
    let mut c = case_with_two_scans(&root);
    c.record("dr-a", "note", "checked the bite").unwrap();
    let kept = c.manifest.audit_head.clone();
    assert!(c.verify_with_head(&kept).intact());
    // The last line cut away, and the manifest's length and head edited to match the shorter trail.
    let a = root.join("audit.log");
    let log = std::fs::read_to_string(&a).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    std::fs::write(&a, lines[..lines.len() - 1].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let prev: cusp::case::AuditLine = serde_json::from_str(lines[lines.len() - 2]).unwrap();
    let mut m = c.manifest.clone();
    m.audit_length -= 1;
    m.audit_head = prev.hash.clone();
    std::fs::write(root.join("manifest.json"), serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let again = Case::open(&root).unwrap();
    assert!(again.verify().intact(), "without the kept head the cut cannot be seen: {:?}", again.verify());
    let v = again.verify_with_head(&kept);
    assert!(v.problems.iter().any(|p| p.contains("no longer holds the head")), "{v:?}");
}

#[test]
fn verify_and_list_only_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("case");
    case_with_two_scans(&root);
    let before = snapshot(&root);
    for args in [vec!["case", "verify"], vec!["case", "list"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cusp")).args(&args).arg(&root).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(snapshot(&root), before, "{args:?} wrote into the case");
    }
    // And on a case nobody may write to (not enforced for root, which the snapshot above covers).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro =
            |p: &std::path::Path, mode| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        ro(&root.join("files"), 0o555);
        ro(&root, 0o555);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cusp")).args(["case", "verify"]).arg(&root).output();
        ro(&root, 0o755);
        ro(&root.join("files"), 0o755);
        let out = out.unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// An age-encrypted tar of `(name, bytes, kind)`: a hand-made export, for archives cusp itself never writes.
fn forged_export(public: &str, files: &[(&str, &[u8], tar::EntryType)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes, kind) in files {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_size(if *kind == tar::EntryType::Regular { bytes.len() as u64 } else { 0 });
        h.set_mode(0o644);
        if *kind != tar::EntryType::Regular {
            h.set_link_name("/etc/passwd").unwrap();
        }
        // Written raw: the tar crate itself refuses to build a path with "..", as an attacker's tool would not.
        let raw = &mut h.as_old_mut().name;
        raw.fill(0);
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        let data: &[u8] = if *kind == tar::EntryType::Regular { bytes } else { &[] };
        tar.append(&h, data).unwrap();
    }
    age::encrypt(&public.parse::<age::x25519::Recipient>().unwrap(), &tar.into_inner().unwrap()).unwrap()
}

#[test]
fn a_failed_import_leaves_nothing_and_links_or_duplicates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (public, secret) = lab_key();
    let scan = io::encode_mesh(&Mesh::icosphere(5.0, 2), io::Format::Ply, WriteOptions::default());
    let entry = |id: u32, file: &str, kind: &str| cusp::case::Entry {
        id,
        kind: kind.into(),
        file: file.into(),
        original_name: file.trim_start_matches("files/").into(),
        jaw: "lower".into(),
        date: "2026-12-01".into(),
        device: String::new(),
        sha256: cusp::case::sha256_hex(&scan),
        bytes: scan.len() as u64,
    };
    let manifest = |entries: Vec<cusp::case::Entry>| {
        serde_json::to_vec(&cusp::case::Manifest {
            format: cusp::case::FORMAT.into(),
            case_id: "P0042".into(),
            entries,
            audit_length: 0,
            audit_head: String::new(),
        })
        .unwrap()
    };
    let reg = tar::EntryType::Regular;
    // The second entry's kind is refused by `add` after the first was added: nothing may be left behind.
    let bad_kind = manifest(vec![entry(1, "files/0001-a.ply", "scan"), entry(2, "files/0002-b.ply", "bogus")]);
    let enc = forged_export(
        &public,
        &[("files/0001-a.ply", &scan, reg), ("files/0002-b.ply", &scan, reg), ("manifest.json", &bad_kind, reg)],
    );
    let into = dir.path().join("lab").join("case");
    assert!(Case::import(&enc, std::path::Path::new("x.age"), &secret, &into, "lab").is_err());
    assert!(!into.exists(), "a failed import left a case behind");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("lab")).unwrap().collect();
    assert!(left.is_empty(), "a failed import left {} files behind", left.len());
    // A link, a name twice: refused, by name.
    let good = manifest(vec![entry(1, "files/0001-a.ply", "scan")]);
    for (files, why) in [
        (
            vec![("files/0001-a.ply", &scan[..], tar::EntryType::Symlink), ("manifest.json", &good[..], reg)],
            "not a plain file",
        ),
        (
            vec![("files/0001-a.ply", &scan[..], tar::EntryType::Link), ("manifest.json", &good[..], reg)],
            "not a plain file",
        ),
        (
            vec![
                ("files/0001-a.ply", &scan[..], reg),
                ("files/0001-a.ply", &scan[..], reg),
                ("manifest.json", &good[..], reg),
            ],
            "twice",
        ),
        (vec![("files/../../x.ply", &scan[..], reg), ("manifest.json", &good[..], reg)], "unsafe path"),
    ] {
        let enc = forged_export(&public, &files);
        let e = Case::import(&enc, std::path::Path::new("x.age"), &secret, &into, "lab").unwrap_err();
        assert!(e.to_string().contains(why), "{why}: {e}");
        assert!(!into.exists());
    }
    // A name with two dots in it is no path out of the case: it imports.
    let dots = manifest(vec![entry(1, "files/0001-lower..ply", "scan")]);
    let enc = forged_export(&public, &[("files/0001-lower..ply", &scan, reg), ("manifest.json", &dots, reg)]);
    let case = Case::import(&enc, std::path::Path::new("x.age"), &secret, &into, "lab").unwrap();
    assert!(case.verify().intact());
}

#[test]
fn an_export_without_identifying_text_renames_files_rewrites_patient_ids_and_refuses_what_it_cannot_reencode() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("case");
    let mut c = Case::create(&root, "P0042", "dr-a").unwrap();
    c.add(&ply_with_name(), "JohnDoe_lower.ply", "scan", "lower", "2026-11-20", "", "dr-a").unwrap();
    let labels = br#"{"id_patient": "John Doe 1961-04-02", "jaw": "lower", "labels": [0, 0, 0]}"#;
    c.add(labels, "JohnDoe_lower.json", "result", "lower", "2026-11-20", "", "dr-a").unwrap();
    let (public, _) = lab_key();
    let lab = age::x25519::Identity::generate();
    let enc = c.export(&[], &lab.to_public().to_string(), false, "dr-a").unwrap();
    let plain = age::decrypt(&lab, &enc).unwrap();
    let text = String::from_utf8_lossy(&plain);
    for leak in ["John", "Doe", "1961", "Jane"] {
        assert!(!text.contains(leak), "'{leak}' left in the export");
    }
    assert!(text.contains("files/0001-scan-lower.ply") && text.contains("files/0002-result-lower.json"), "names");
    assert!(text.contains("\"id_patient\":\"P0042\""), "the labels carry the case id");
    // A PLY cusp cannot parse, with a name in its header, is refused by entry, not sent as it is.
    let mut broken = b"ply\nformat ascii 1.0\ncomment Patient: John Doe MRN 123\nelement vertex 3\n".to_vec();
    broken.extend_from_slice(b"end_header\n1 2\n");
    c.add(&broken, "other.ply", "scan", "upper", "2026-11-21", "", "dr-a").unwrap();
    let e = c.export(&[], &public, false, "dr-a").unwrap_err();
    assert!(e.to_string().contains("entry 3") && e.to_string().contains("keep-identifying"), "{e}");
    // An export to a path that cannot be written records nothing.
    let lines = Case::open(&root).unwrap().audit.len();
    assert!(c.export_to(dir.path(), &[1, 2], &public, false, "dr-a").is_err());
    assert_eq!(Case::open(&root).unwrap().audit.len(), lines, "a failed export is in the audit trail");
    c.export_to(&dir.path().join("out.age"), &[1, 2], &public, false, "dr-a").unwrap();
    assert_eq!(Case::open(&root).unwrap().audit.len(), lines + 1);
}
