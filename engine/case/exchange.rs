//! Export of a case for a lab (encrypted to its age key, identifying text stripped) and import of one.

use super::{entry_path_ok, io_err, sha256_hex, Case, CaseError, Entry, Manifest, FORMAT};
use crate::io::{self, WriteOptions};
use std::io::Read;
use std::path::Path;

impl Case {
    /// Encrypts the chosen entries (all when `ids` is empty) to an age recipient ("age1…"): a tar archive of
    /// a manifest and the files, recorded in the audit trail. Unless `keep_identifying` is set nothing of the
    /// original's text goes out: meshes are re-encoded by cusp's writer (no header text or comments), labels
    /// JSON carries the case's pseudonymous id as `id_patient`, files are named by entry id, kind and jaw, and a
    /// file cusp cannot re-encode is refused by name.
    pub fn export(
        &mut self,
        ids: &[u32],
        recipient: &str,
        keep_identifying: bool,
        user: &str,
    ) -> Result<Vec<u8>, CaseError> {
        let (encrypted, detail) = self.build_export(ids, recipient, keep_identifying)?;
        self.locked(|c| c.commit(user, "exported", &detail))?;
        Ok(encrypted)
    }

    /// [`Case::export`] written to `out` (atomically); the audit trail records the export only once the file
    /// is written.
    pub fn export_to(
        &mut self,
        out: &Path,
        ids: &[u32],
        recipient: &str,
        keep_identifying: bool,
        user: &str,
    ) -> Result<Vec<u8>, CaseError> {
        let (encrypted, detail) = self.build_export(ids, recipient, keep_identifying)?;
        io::write_atomic(out, &encrypted).map_err(|e| io_err(out, e))?;
        self.locked(|c| c.commit(user, "exported", &format!("{detail} as {}", out.display())))?;
        Ok(encrypted)
    }

    /// The encrypted archive of an export and the audit line's detail for it.
    fn build_export(
        &self,
        ids: &[u32],
        recipient: &str,
        keep_identifying: bool,
    ) -> Result<(Vec<u8>, String), CaseError> {
        let r: age::x25519::Recipient = recipient.trim().parse().map_err(|e| CaseError::Invalid {
            path: "recipient".into(),
            message: format!("'{recipient}' is not an age public key (age1…): {e}"),
        })?;
        let chosen: Vec<&Entry> =
            self.manifest.entries.iter().filter(|e| ids.is_empty() || ids.contains(&e.id)).collect();
        if let Some(missing) = ids.iter().find(|i| !self.manifest.entries.iter().any(|e| e.id == **i)) {
            return Err(CaseError::Invalid {
                path: self.dir.display().to_string(),
                message: format!("no entry {missing}"),
            });
        }
        let mut out_entries = Vec::new();
        let mut tar = tar::Builder::new(Vec::new());
        tar.mode(tar::HeaderMode::Deterministic);
        for e in chosen {
            let p = self.dir.join(&e.file);
            let bytes = std::fs::read(&p).map_err(|x| io_err(&p, x))?;
            if sha256_hex(&bytes) != e.sha256 {
                return Err(CaseError::Invalid {
                    path: p.display().to_string(),
                    message: "changed since it was added: not exported".into(),
                });
            }
            let mut entry = e.clone();
            let bytes = if keep_identifying {
                bytes
            } else {
                let clean = reencode(&e.file, bytes, &self.manifest.case_id).map_err(|why| CaseError::Invalid {
                    path: e.file.clone(),
                    message: format!(
                        "entry {} {why}: not exported (give --keep-identifying if the recipient may see its text)",
                        e.id
                    ),
                })?;
                let name = pseudonymous_name(e);
                entry.file = format!("files/{name}");
                entry.original_name = name;
                clean
            };
            entry.sha256 = sha256_hex(&bytes);
            entry.bytes = bytes.len() as u64;
            append(&mut tar, &entry.file, &bytes)?;
            out_entries.push(entry);
        }
        let manifest = Manifest {
            format: FORMAT.into(),
            case_id: self.manifest.case_id.clone(),
            entries: out_entries,
            audit_length: 0,
            audit_head: String::new(),
        };
        append(&mut tar, "manifest.json", serde_json::to_string_pretty(&manifest).expect("serialises").as_bytes())?;
        let archive = tar.into_inner().map_err(|e| io_err(Path::new("archive"), e))?;
        let encrypted = age::encrypt(&r, &archive).map_err(|e| io_err(Path::new("export"), e))?;
        let ids: Vec<String> = manifest.entries.iter().map(|e| e.id.to_string()).collect();
        let detail = format!(
            "entries [{}] to {} ({}; sha256 {})",
            ids.join(","),
            recipient.trim(),
            if keep_identifying { "with identifying text" } else { "identifying text stripped" },
            sha256_hex(&encrypted)
        );
        Ok((encrypted, detail))
    }

    /// Decrypts an export with an age identity ("AGE-SECRET-KEY-1…") and creates a new case from it in
    /// `dir`, checking every file against the exported manifest. The case is built in a temporary folder
    /// beside `dir` and renamed into place only when every file has checked: a failed import leaves nothing.
    /// Archives holding links, folders other than `files/`, a name twice or a path leaving the case are refused.
    pub fn import(encrypted: &[u8], source: &Path, identity: &str, dir: &Path, user: &str) -> Result<Case, CaseError> {
        let id: age::x25519::Identity = identity.trim().parse().map_err(|e| CaseError::Invalid {
            path: "identity".into(),
            message: format!("not an age secret key: {e}"),
        })?;
        if dir.exists() && std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?.next().is_some() {
            return Err(CaseError::Invalid {
                path: dir.display().to_string(),
                message: "exists and is not empty: a case is never created over other files".into(),
            });
        }
        let archive = age::decrypt(&id, encrypted).map_err(|e| CaseError::Export {
            path: source.display().to_string(),
            message: match e {
                age::DecryptError::NoMatchingKeys => "not encrypted to this key (wrong key)".to_string(),
                other => format!("cannot be decrypted: truncated or corrupted ({other})"),
            },
        })?;
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut ar = tar::Archive::new(&archive[..]);
        for f in ar.entries().map_err(|e| export_err(source, e))? {
            let mut f = f.map_err(|e| export_err(source, e))?;
            let name = f.path().map_err(|e| export_err(source, e))?.to_string_lossy().to_string();
            if !f.header().entry_type().is_file() {
                return Err(export_err(
                    source,
                    format!("'{name}' in the archive is not a plain file (a link or folder)"),
                ));
            }
            if name != "manifest.json" && !entry_path_ok(&name) {
                return Err(export_err(source, format!("unsafe path '{name}' in the archive")));
            }
            if files.iter().any(|(n, _)| *n == name) {
                return Err(export_err(source, format!("'{name}' is in the archive twice")));
            }
            let mut b = Vec::new();
            f.read_to_end(&mut b).map_err(|e| export_err(source, e))?;
            files.push((name, b));
        }
        let manifest_bytes = files
            .iter()
            .find(|f| f.0 == "manifest.json")
            .ok_or_else(|| export_err(source, "no manifest in the archive"))?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes.1).map_err(|e| export_err(source, e))?;
        // Every listed file is there once and checks before anything is written.
        let mut listed = std::collections::BTreeSet::new();
        for e in &manifest.entries {
            if !listed.insert(e.file.as_str()) {
                return Err(export_err(source, format!("{} is listed twice in the exported manifest", e.file)));
            }
            let (_, bytes) = files
                .iter()
                .find(|f| f.0 == e.file)
                .ok_or_else(|| export_err(source, format!("{} is listed but not in the archive", e.file)))?;
            if sha256_hex(bytes) != e.sha256 {
                return Err(export_err(source, format!("{}: checksum differs from the exported manifest", e.file)));
            }
        }
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
        let stem = dir.file_name().map_or("case".into(), |n| n.to_string_lossy().to_string());
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{stem}.importing-"))
            .tempdir_in(parent)
            .map_err(|e| io_err(parent, e))?;
        let inner = staging.path().join("case");
        let mut case = Case::create(&inner, &manifest.case_id, user)?;
        for e in &manifest.entries {
            let (_, bytes) = files.iter().find(|f| f.0 == e.file).expect("checked above");
            case.add(bytes, &e.original_name, &e.kind, &e.jaw, &e.date, &e.device, user)?;
        }
        case.record(user, "imported", &format!("from {} (sha256 {})", source.display(), sha256_hex(encrypted)))?;
        let v = case.verify();
        if !v.intact() {
            return Err(export_err(source, format!("the imported case does not verify: {}", v.problems.join("; "))));
        }
        if dir.exists() {
            std::fs::remove_dir(dir).map_err(|e| io_err(dir, e))?;
        }
        std::fs::rename(&inner, dir).map_err(|e| io_err(dir, e))?;
        Case::open(dir)
    }
}

fn export_err(source: &Path, e: impl std::fmt::Display) -> CaseError {
    CaseError::Export { path: source.display().to_string(), message: e.to_string() }
}

fn append(tar: &mut tar::Builder<Vec<u8>>, name: &str, bytes: &[u8]) -> Result<(), CaseError> {
    let mut h = tar::Header::new_gnu();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    tar.append_data(&mut h, name, bytes).map_err(|e| io_err(Path::new(name), e))
}

/// A file re-encoded with nothing of its original text: a mesh by cusp's writer, a JSON document with
/// `id_patient` (the Teeth3DS labels' patient field) set to the case id; or why it cannot be.
fn reencode(name: &str, bytes: Vec<u8>, case_id: &str) -> Result<Vec<u8>, String> {
    let ext = Path::new(name).extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if ext == "json" {
        let mut doc: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("is not JSON cusp can re-encode ({e})"))?;
        if let Some(obj) = doc.as_object_mut() {
            if obj.contains_key("id_patient") {
                obj.insert("id_patient".into(), serde_json::Value::String(case_id.into()));
            }
        }
        return Ok(serde_json::to_vec(&doc).expect("a parsed document serialises"));
    }
    let format = io::Format::from_path(Path::new(name)).map_err(|_| format!("({ext}) is no mesh or JSON"))?;
    let mesh = io::parse_mesh(&bytes, format).map_err(|e| format!("cannot be read as a mesh ({e})"))?;
    Ok(io::encode_mesh(&mesh, format, WriteOptions::default()))
}

/// An exported file's name that says only what it is: entry id, kind, jaw and the original's extension
/// (`0003-scan-lower.ply`).
fn pseudonymous_name(e: &Entry) -> String {
    let ext: String = Path::new(&e.file)
        .extension()
        .map(|x| x.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let jaw = if e.jaw.is_empty() { String::new() } else { format!("-{}", e.jaw) };
    let ext = if ext.is_empty() { String::new() } else { format!(".{ext}") };
    format!("{:04}-{}{jaw}{ext}", e.id, e.kind)
}
