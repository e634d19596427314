//! Case records: one folder per patient case holding scans and results under a manifest with a SHA-256 per
//! file, an append-only audit trail chained by hash, and encrypted export for a lab (the age format).
//!
//! Export for a lab and import from one are in `exchange.rs`.
//!
//! Layout of a case folder:
//! ```text
//! CASE/manifest.json   format, pseudonymous case id, entries (file, kind, jaw, date, device, sha256, bytes),
//!                      and the audit trail's committed length and head hash
//! CASE/audit.log       one JSON object per line: seq, time, user, action, detail, prev, hash
//! CASE/files/NNNN-name one file per entry; never overwritten, never removed
//! ```
//! Every change writes its file first (temporary file, fsync, rename), then appends its audit line, and
//! writes the manifest last: the manifest is the commit. Audit lines beyond the manifest's committed length
//! are what an interrupted operation left; they are reported by `verify` and dropped by the next change.
//!
//! The hash chain makes edits evident to anyone who checks it, not impossible: whoever can rewrite every
//! file can rewrite every hash. Keep a copy of the head hash elsewhere (it is printed by `verify`).

mod exchange;

use crate::io;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The manifest's format tag.
pub const FORMAT: &str = "cusp-case/1";

/// One file of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Entry number (1, 2, …), in order of addition.
    pub id: u32,
    /// "scan" or "result".
    pub kind: String,
    /// Path inside the case folder.
    pub file: String,
    /// Name of the file as added.
    pub original_name: String,
    /// "upper", "lower", "both" or "" when not a jaw scan.
    pub jaw: String,
    /// Date of the scan or result (YYYY-MM-DD), as given.
    pub date: String,
    /// Scanner or program that made it.
    pub device: String,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// The manifest of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format tag.
    pub format: String,
    /// Pseudonymous case id (never a patient's name).
    pub case_id: String,
    /// Entries in order of addition.
    pub entries: Vec<Entry>,
    /// Committed audit lines.
    pub audit_length: u64,
    /// Hash of the last committed audit line.
    pub audit_head: String,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLine {
    /// Line number, from 1.
    pub seq: u64,
    /// When (UTC, RFC 3339).
    pub time: String,
    /// Who (a named user).
    pub user: String,
    /// What: created, added, verified, listed, exported, imported, recovered.
    pub action: String,
    /// Details (entry ids, file hashes, recipient).
    pub detail: String,
    /// Hash of the previous line ("" for the first).
    pub prev: String,
    /// SHA-256 over this line's other fields and `prev`.
    pub hash: String,
}

/// What can go wrong with a case.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// File system failure, with the path.
    #[error("{path}: {message}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        message: String,
    },
    /// The case folder is not a valid case.
    #[error("{path}: {message}")]
    Invalid {
        /// Path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An export file is truncated, corrupted or for another key.
    #[error("{path}: {message}")]
    Export {
        /// Path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A simulated failure (tests of crash safety).
    #[error("interrupted after {0}")]
    Interrupted(&'static str),
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> CaseError {
    CaseError::Io { path: path.display().to_string(), message: e.to_string() }
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditLine {
    fn compute_hash(&self) -> String {
        let text = serde_json::json!([self.seq, self.time, self.user, self.action, self.detail, self.prev]).to_string();
        sha256_hex(text.as_bytes())
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Verification {
    /// Changed, missing or edited things: the case is not intact.
    pub problems: Vec<String>,
    /// Leftovers of interrupted operations that are not part of the case (it is still intact).
    pub notes: Vec<String>,
}

impl Verification {
    /// Whether the case is intact.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A step of a change, for simulating a crash between steps in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The file has been written.
    FileWritten,
    /// The audit line has been appended.
    AuditAppended,
}

/// An open case folder.
#[derive(Debug)]
pub struct Case {
    dir: PathBuf,
    /// The committed manifest.
    pub manifest: Manifest,
    /// Committed audit lines.
    pub audit: Vec<AuditLine>,
    /// Audit lines an interrupted operation left beyond the committed ones.
    pub uncommitted: usize,
    /// Stop after this step (tests of crash safety).
    pub fail_after: Option<Step>,
}

/// The lock file in a case folder (advisory: every cusp writer takes it; it holds nothing).
const LOCK_FILE: &str = ".lock";

/// Takes the case folder's lock, waiting while another process (or another [`Case`] of the same folder) holds
/// it; it is let go when the file is dropped.
fn lock_case(dir: &Path) -> Result<std::fs::File, CaseError> {
    let path = dir.join(LOCK_FILE);
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err(&path, e))?;
    f.lock().map_err(|e| io_err(&path, e))?;
    Ok(f)
}

fn now() -> String {
    // UTC from the system clock, RFC 3339 to the second.
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// Whether a case id looks pseudonymous: letters, digits, '-' and '_' only, 4–40 characters.
fn valid_case_id(id: &str) -> bool {
    (4..=40).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Case {
    /// Creates a new, empty case folder (it must not exist yet or be empty).
    pub fn create(dir: &Path, case_id: &str, user: &str) -> Result<Case, CaseError> {
        if !valid_case_id(case_id) {
            return Err(CaseError::Invalid {
                path: dir.display().to_string(),
                message: format!(
                    "case id '{case_id}' must be a pseudonym of 4–40 letters, digits, '-' or '_' (never a patient's name)"
                ),
            });
        }
        if dir.exists() && std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?.next().is_some() {
            return Err(CaseError::Invalid {
                path: dir.display().to_string(),
                message: "exists and is not empty: a case is never created over other files".into(),
            });
        }
        std::fs::create_dir_all(dir.join("files")).map_err(|e| io_err(dir, e))?;
        let mut case = Case {
            dir: dir.to_path_buf(),
            manifest: Manifest {
                format: FORMAT.into(),
                case_id: case_id.into(),
                entries: Vec::new(),
                audit_length: 0,
                audit_head: String::new(),
            },
            audit: Vec::new(),
            uncommitted: 0,
            fail_after: None,
        };
        case.locked(|c| c.commit(user, "created", &format!("case {case_id}")))?;
        Ok(case)
    }

    /// Opens a case folder, checking the manifest's form (not the files: see [`Case::verify`]).
    pub fn open(dir: &Path) -> Result<Case, CaseError> {
        let mpath = dir.join("manifest.json");
        let text = std::fs::read_to_string(&mpath).map_err(|e| io_err(&mpath, e))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| CaseError::Invalid { path: mpath.display().to_string(), message: e.to_string() })?;
        if manifest.format != FORMAT {
            return Err(CaseError::Invalid {
                path: mpath.display().to_string(),
                message: format!("format '{}' is not {FORMAT}", manifest.format),
            });
        }
        let apath = dir.join("audit.log");
        let text = std::fs::read_to_string(&apath).map_err(|e| io_err(&apath, e))?;
        let mut audit = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let a: AuditLine = serde_json::from_str(line).map_err(|e| CaseError::Invalid {
                path: apath.display().to_string(),
                message: format!("line {}: {e}", i + 1),
            })?;
            audit.push(a);
        }
        let committed = manifest.audit_length as usize;
        let uncommitted = audit.len().saturating_sub(committed);
        audit.truncate(committed);
        Ok(Case { dir: dir.to_path_buf(), manifest, audit, uncommitted, fail_after: None })
    }

    /// The case folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn stop(&self, step: Step, what: &'static str) -> Result<(), CaseError> {
        if self.fail_after == Some(step) {
            return Err(CaseError::Interrupted(what));
        }
        Ok(())
    }

    /// Under the case's lock, reads the committed state again (another writer may have committed since this
    /// case was opened) and runs `change` on it: writers take turns from reading the manifest to committing.
    fn locked<T>(&mut self, change: impl FnOnce(&mut Self) -> Result<T, CaseError>) -> Result<T, CaseError> {
        let _lock = lock_case(&self.dir)?;
        if self.dir.join("manifest.json").exists() {
            let now = Case::open(&self.dir)?;
            (self.manifest, self.audit, self.uncommitted) = (now.manifest, now.audit, now.uncommitted);
        }
        change(self)
    }

    /// Appends an audit line and writes the manifest (the commit). The caller holds the lock ([`Case::locked`]).
    fn commit(&mut self, user: &str, action: &str, detail: &str) -> Result<(), CaseError> {
        let prev = self.audit.last().map_or(String::new(), |a| a.hash.clone());
        let mut line = AuditLine {
            seq: self.audit.len() as u64 + 1,
            time: now(),
            user: user.into(),
            action: action.into(),
            detail: detail.into(),
            prev,
            hash: String::new(),
        };
        line.hash = line.compute_hash();
        // Rewrite the log when an interrupted operation left lines behind, else append.
        let apath = self.dir.join("audit.log");
        let mut text = String::new();
        for a in self.audit.iter().chain(std::iter::once(&line)) {
            text.push_str(&serde_json::to_string(a).expect("audit lines serialise"));
            text.push('\n');
        }
        if self.uncommitted > 0 || !apath.exists() {
            io::write_atomic(&apath, text.as_bytes()).map_err(|e| io_err(&apath, e))?;
            self.uncommitted = 0;
        } else {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&apath).map_err(|e| io_err(&apath, e))?;
            let mut one = serde_json::to_string(&line).expect("audit lines serialise");
            one.push('\n');
            f.write_all(one.as_bytes()).map_err(|e| io_err(&apath, e))?;
            f.sync_all().map_err(|e| io_err(&apath, e))?;
        }
        self.audit.push(line);
        self.stop(Step::AuditAppended, "the audit line was appended")?;
        self.manifest.audit_length = self.audit.len() as u64;
        self.manifest.audit_head = self.audit.last().map_or(String::new(), |a| a.hash.clone());
        let mpath = self.dir.join("manifest.json");
        let json = serde_json::to_string_pretty(&self.manifest).expect("manifest serialises");
        io::write_atomic(&mpath, json.as_bytes()).map_err(|e| io_err(&mpath, e))
    }

    /// Adds a file as a new entry (nothing is overwritten; a newer scan is a new entry).
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        bytes: &[u8],
        original_name: &str,
        kind: &str,
        jaw: &str,
        date: &str,
        device: &str,
        user: &str,
    ) -> Result<Entry, CaseError> {
        if kind != "scan" && kind != "result" {
            return Err(CaseError::Invalid {
                path: original_name.into(),
                message: format!("kind '{kind}' must be scan or result"),
            });
        }
        if !["upper", "lower", "both", ""].contains(&jaw) {
            return Err(CaseError::Invalid {
                path: original_name.into(),
                message: format!("jaw '{jaw}' must be upper, lower or both"),
            });
        }
        self.locked(|case| {
            let id = case.manifest.entries.iter().map(|e| e.id).max().unwrap_or(0) + 1;
            let safe: String = Path::new(original_name)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("file")
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' { c } else { '_' })
                .collect();
            let file = format!("files/{id:04}-{safe}");
            let path = case.dir.join(&file);
            if path.exists() {
                return Err(CaseError::Invalid {
                    path: path.display().to_string(),
                    message: "already exists: entries are never overwritten".into(),
                });
            }
            io::write_atomic(&path, bytes).map_err(|e| io_err(&path, e))?;
            case.stop(Step::FileWritten, "the file was written")?;
            let entry = Entry {
                id,
                kind: kind.into(),
                file,
                original_name: safe,
                jaw: jaw.into(),
                date: date.into(),
                device: device.into(),
                sha256: sha256_hex(bytes),
                bytes: bytes.len() as u64,
            };
            let before = case.manifest.entries.len();
            case.manifest.entries.push(entry.clone());
            let detail =
                format!("entry {id} {} sha256 {} manifest-entry {}", entry.file, entry.sha256, entry_hash(&entry));
            if let Err(e) = case.commit(user, "added", &detail) {
                case.manifest.entries.truncate(before);
                return Err(e);
            }
            Ok(entry)
        })
    }

    /// Records an action that changes no file (listed, opened, verified).
    pub fn record(&mut self, user: &str, action: &str, detail: &str) -> Result<(), CaseError> {
        self.locked(|c| c.commit(user, action, detail))
    }

    /// Checks every file against its checksum, every manifest entry against the hash the audit trail
    /// recorded when it was added and every recorded addition against the manifest (an entry removed with its
    /// file is found), the case id against the one the trail was created with, and the audit chain itself.
    /// Only reads: a read-only case can be verified.
    pub fn verify(&self) -> Verification {
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let mut seen_ids = std::collections::BTreeSet::new();
        for e in &self.manifest.entries {
            if !seen_ids.insert(e.id) {
                problems.push(format!("manifest entry {} is listed twice", e.id));
            }
            if !entry_path_ok(&e.file) {
                problems.push(format!("manifest entry {} names '{}', not a file of files/", e.id, e.file));
                continue;
            }
            let p = self.dir.join(&e.file);
            match std::fs::symlink_metadata(&p) {
                Err(_) => problems.push(format!("{}: missing (entry {})", e.file, e.id)),
                Ok(m) if !m.file_type().is_file() => problems
                    .push(format!("{}: not a regular file (a link or folder in its place; entry {})", e.file, e.id)),
                Ok(_) => match std::fs::read(&p) {
                    Err(_) => problems.push(format!("{}: missing (entry {})", e.file, e.id)),
                    Ok(b) if sha256_hex(&b) != e.sha256 => problems
                        .push(format!("{}: changed (SHA-256 differs from the manifest; entry {})", e.file, e.id)),
                    Ok(_) => {}
                },
            }
            let recorded = format!("manifest-entry {}", entry_hash(e));
            let added = self.audit.iter().find(|a| added_entry(a) == Some(Some(e.id)));
            match added {
                None => problems
                    .push(format!("manifest entry {} ({}) has no 'added' line in the audit trail", e.id, e.file)),
                Some(a) if !a.detail.ends_with(&recorded) => {
                    problems.push(format!("manifest entry {} ({}) was edited after it was added", e.id, e.file))
                }
                Some(_) => {}
            }
        }
        // Every addition the trail records is in the manifest: an entry removed together with its file is not
        // an intact case.
        for (a, id) in self.audit.iter().filter_map(|a| added_entry(a).map(|id| (a, id))) {
            match id {
                Some(id) if self.manifest.entries.iter().any(|e| e.id == id) => {}
                Some(id) => problems.push(format!(
                    "audit.log line {}: entry {id} was added, but the manifest no longer lists it (removed)",
                    a.seq
                )),
                None => problems.push(format!("audit.log line {}: an 'added' line that names no entry", a.seq)),
            }
        }
        match self.audit.first() {
            Some(first) if first.action == "created" => {
                if first.detail != format!("case {}", self.manifest.case_id) {
                    problems.push(format!(
                        "the manifest's case id '{}' is not the one the case was created with ({})",
                        self.manifest.case_id, first.detail
                    ));
                }
            }
            _ => problems.push("audit.log does not begin with the case's creation".into()),
        }
        // Files in files/ that no entry names (left by an interrupted add) are harmless but reported.
        if let Ok(rd) = std::fs::read_dir(self.dir.join("files")) {
            let mut extra: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| format!("files/{}", e.file_name().to_string_lossy()))
                .filter(|f| !self.manifest.entries.iter().any(|e| &e.file == f) && !f.contains(".tmp"))
                .collect();
            extra.sort();
            for f in extra {
                notes.push(format!("{f}: not in the manifest (left by an interrupted add; not part of the case)"));
            }
        }
        let mut prev = String::new();
        for (i, a) in self.audit.iter().enumerate() {
            if a.seq != i as u64 + 1 || a.prev != prev || a.compute_hash() != a.hash {
                problems.push(format!("audit.log line {}: edited, removed or out of order (hash chain broken)", i + 1));
                break;
            }
            prev = a.hash.clone();
        }
        if self.audit.len() as u64 != self.manifest.audit_length || prev != self.manifest.audit_head {
            problems.push(format!(
                "audit.log has {} committed lines ending in {}, the manifest records {} ending in {}",
                self.audit.len(),
                short(&prev),
                self.manifest.audit_length,
                short(&self.manifest.audit_head)
            ));
        }
        if self.uncommitted > 0 {
            notes.push(format!(
                "audit.log: {} line(s) after the last commit, left by an interrupted operation (ignored)",
                self.uncommitted
            ));
        }
        Verification { problems, notes }
    }

    /// [`Case::verify`], and also that the audit trail still holds `head`, a head hash `verify` printed
    /// earlier and kept elsewhere: a trail cut back and its manifest edited to match is found this way only.
    pub fn verify_with_head(&self, head: &str) -> Verification {
        let mut v = self.verify();
        let head = head.trim();
        if !self.audit.iter().any(|a| a.hash == head) {
            v.problems.push(format!(
                "the audit trail no longer holds the head {} kept earlier: lines were removed or rewritten",
                short(head)
            ));
        }
        v
    }
}

/// The entry an "added" audit line records (`Some(None)` when it names none; None for other lines). Its
/// detail is written by [`Case::add`]: "entry N files/… sha256 … manifest-entry …".
fn added_entry(a: &AuditLine) -> Option<Option<u32>> {
    (a.action == "added").then(|| a.detail.strip_prefix("entry ")?.split(' ').next()?.parse().ok())
}

/// Whether an entry's path is one plain file name inside files/ (nothing else is ever written by `add`).
fn entry_path_ok(file: &str) -> bool {
    let mut parts = Path::new(file).components();
    matches!(parts.next(), Some(std::path::Component::Normal(f)) if f == "files")
        && matches!(parts.next(), Some(std::path::Component::Normal(_)))
        && parts.next().is_none()
}

fn short(h: &str) -> &str {
    &h[..h.len().min(12)]
}

/// SHA-256 of a manifest entry's canonical JSON.
fn entry_hash(e: &Entry) -> String {
    sha256_hex(serde_json::to_string(e).expect("entries serialise").as_bytes())
}
