//! Atomic file writes: a temporary file in the target folder, flushed to disk, then renamed over the target.

use super::IoError;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so that readers see either the old file or the whole new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let err = |source| IoError::Write { path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(err)?;
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Prefix of every temporary name cusp writes beside its outputs, followed by the writer's process id.
const TEMP_PREFIX: &str = ".cusp-";

/// A command's output files written as one set: each is prepared in a temporary folder inside `out`, and
/// only when all are complete are they renamed into place in one quick pass — a command killed while it
/// works leaves the previous outputs as they were, never new ones beside old. Folders the command owns
/// entirely (a staging run's `stages/`) are replaced whole, so no stale file of an earlier run stays in them.
/// Temporary files and folders a killed cusp left in `out` are removed when the next one begins there.
#[derive(Debug)]
pub struct OutputSet {
    out: std::path::PathBuf,
    staging: tempfile::TempDir,
    whole: Vec<String>,
}

impl OutputSet {
    /// Starts a set of outputs in the folder `out` (created when missing).
    pub fn begin(out: &Path) -> Result<OutputSet, IoError> {
        let err = |source| IoError::Write { path: out.to_path_buf(), source };
        std::fs::create_dir_all(out).map_err(err)?;
        remove_stale_temporaries(out);
        let staging = tempfile::Builder::new()
            .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
            .tempdir_in(out)
            .map_err(err)?;
        Ok(OutputSet { out: out.to_path_buf(), staging, whole: Vec::new() })
    }

    /// Where to write the output `rel` (a path relative to `out`) now; its folder exists.
    pub fn file(&self, rel: &str) -> Result<std::path::PathBuf, IoError> {
        let p = self.staging.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|source| IoError::Write { path: parent.to_path_buf(), source })?;
        }
        Ok(p)
    }

    /// Marks the sub-folder `rel` of `out` as the command's own: on commit it is replaced whole.
    pub fn own_folder(&mut self, rel: &str) -> Result<std::path::PathBuf, IoError> {
        self.whole.push(rel.to_string());
        let p = self.staging.path().join(rel);
        std::fs::create_dir_all(&p).map_err(|source| IoError::Write { path: p.clone(), source })?;
        Ok(p)
    }

    /// Renames every prepared output into place.
    pub fn commit(self) -> Result<(), IoError> {
        let stage = self.staging.path();
        let err = |p: &Path| {
            let p = p.to_path_buf();
            move |source| IoError::Write { path: p, source }
        };
        for rel in &self.whole {
            let target = self.out.join(rel);
            if target.exists() {
                let old = stage.join(format!("{TEMP_PREFIX}old-{}", rel.replace('/', "_")));
                std::fs::rename(&target, &old).map_err(err(&target))?;
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(err(parent))?;
            }
            std::fs::rename(stage.join(rel), &target).map_err(err(&target))?;
        }
        let mut files = Vec::new();
        collect_files(stage, stage, &mut files);
        for rel in files {
            if rel.starts_with(TEMP_PREFIX) || self.whole.iter().any(|w| rel.starts_with(&format!("{w}/"))) {
                continue;
            }
            let target = self.out.join(&rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(err(parent))?;
            }
            std::fs::rename(stage.join(&rel), &target).map_err(err(&target))?;
        }
        Ok(())
    }
}

/// Every file under `dir` as a path relative to `root` with '/' separators.
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_files(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Removes the temporary files and folders (`.cusp-<pid>-…`) in `dir` whose writing process is gone.
/// Only where the system lists its processes under /proc; elsewhere nothing is removed.
fn remove_stale_temporaries(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) =
            name.strip_prefix(TEMP_PREFIX).and_then(|r| r.split('-').next()).and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let p = e.path();
        let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v = Vec::new();
        collect_files(dir, dir, &mut v);
        v
    }

    /// Outputs land together; an owned folder loses the stale files of an earlier run; other files stay.
    #[test]
    fn a_set_lands_whole_and_replaces_its_own_folder() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        std::fs::create_dir_all(out.join("stages")).unwrap();
        std::fs::write(out.join("stages/stage_09.stl"), b"old").unwrap();
        std::fs::write(out.join("plan.json"), b"old plan").unwrap();
        std::fs::write(out.join("notes.txt"), b"the user's").unwrap();
        let mut set = OutputSet::begin(&out).unwrap();
        let stages = set.own_folder("stages").unwrap();
        write_atomic(&stages.join("stage_01.stl"), b"new").unwrap();
        write_atomic(&set.file("plan.json").unwrap(), b"new plan").unwrap();
        // Nothing is visible before the commit.
        assert_eq!(std::fs::read(out.join("plan.json")).unwrap(), b"old plan");
        set.commit().unwrap();
        assert_eq!(names(&out), ["notes.txt", "plan.json", "stages/stage_01.stl"]);
        assert_eq!(std::fs::read(out.join("plan.json")).unwrap(), b"new plan");
    }

    /// A set given up before its commit (an error, or the process killed) changes nothing; what a dead
    /// process left is removed by the next set.
    #[test]
    fn an_unfinished_set_changes_nothing_and_its_leftovers_go() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("a.json"), b"old").unwrap();
        {
            let set = OutputSet::begin(&out).unwrap();
            write_atomic(&set.file("a.json").unwrap(), b"half").unwrap();
        }
        assert_eq!(names(&out), ["a.json"]);
        assert_eq!(std::fs::read(out.join("a.json")).unwrap(), b"old");
        // Leftovers of a process that no longer runs (no pid is this large), and of a live one (ours).
        std::fs::create_dir_all(out.join(".cusp-999999999-abc")).unwrap();
        std::fs::write(out.join(".cusp-999999999-abc/x.ply"), b"x").unwrap();
        std::fs::write(out.join(".cusp-999999999-def.part"), b"x").unwrap();
        let mine = format!(".cusp-{}-keep.part", std::process::id());
        std::fs::write(out.join(&mine), b"x").unwrap();
        let set = OutputSet::begin(&out).unwrap();
        set.commit().unwrap();
        let mut left: Vec<String> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
        left.sort();
        if Path::new("/proc/self").exists() {
            assert_eq!(left, [mine.as_str(), "a.json"]);
        }
    }
}
