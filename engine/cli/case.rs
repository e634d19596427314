//! `cusp case …`: case records — scans and results with checksums, an audit trail and encrypted export.

use super::*;

#[derive(Subcommand)]
pub enum CaseCommand {
    /// Creates an empty case folder with a pseudonymous id. Example: cusp case new case-0042 --id P0042
    New {
        /// Case folder to create.
        dir: PathBuf,
        /// Pseudonymous case id (letters, digits, '-', '_'; never a patient's name).
        #[arg(long)]
        id: String,
        /// Who does it (recorded in the audit trail).
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Adds a scan or result as a new entry (nothing is ever overwritten).
    /// Example: cusp case add case-0042 lower.ply --kind scan --jaw lower --date 2026-11-20 --device "Scanner X"
    Add {
        /// Case folder.
        dir: PathBuf,
        /// File to add.
        file: PathBuf,
        /// scan or result.
        #[arg(long, default_value = "scan")]
        kind: String,
        /// upper, lower or both (empty for results that are not jaw scans).
        #[arg(long, default_value = "")]
        jaw: String,
        /// Date of the scan or result (YYYY-MM-DD).
        #[arg(long, default_value = "")]
        date: String,
        /// Scanner or program that made it.
        #[arg(long, default_value = "")]
        device: String,
        /// Who does it.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Lists the entries (only reads: works on a read-only case, writes nothing).
    List {
        /// Case folder.
        dir: PathBuf,
    },
    /// Checks every file against its checksum, the manifest against the audit trail both ways and the trail's
    /// hash chain; exit status 1 if anything is wrong, naming each changed, missing or removed entry. Prints
    /// the trail's head hash: keep it elsewhere and pass it as --head next time, which also catches a trail
    /// cut back with its manifest edited to match. Only reads.
    Verify {
        /// Case folder.
        dir: PathBuf,
        /// A head hash printed by an earlier verify: the trail must still hold it.
        #[arg(long)]
        head: Option<String>,
    },
    /// Writes chosen entries encrypted to a recipient's age public key; mesh header text is stripped.
    /// Example: cusp case export case-0042 --to age1… --entries 1,2 --out for-lab.age
    Export {
        /// Case folder.
        dir: PathBuf,
        /// Recipient's age public key (age1…).
        #[arg(long)]
        to: String,
        /// Entry ids to include (default: all).
        #[arg(long, value_delimiter = ',')]
        entries: Vec<u32>,
        /// Keep header text and comments of the meshes (stripped by default).
        #[arg(long)]
        keep_identifying: bool,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// Who sends it.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Decrypts an export with an age identity file and creates a new case from it, verified.
    Import {
        /// The exported file.
        file: PathBuf,
        /// File holding the age secret key (AGE-SECRET-KEY-1…).
        #[arg(long)]
        identity: PathBuf,
        /// New case folder.
        #[arg(long)]
        into: PathBuf,
        /// Who receives it.
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
    /// Makes an age key pair for receiving exports: writes the secret key to FILE (mode 0600) and prints
    /// the public key to give to senders.
    Keygen {
        /// Where to write the secret key.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(c: CaseCommand) -> Result<()> {
    use cusp::case::Case;
    match c {
        CaseCommand::New { dir, id, user } => {
            Case::create(&dir, &id, &user)?;
            eprintln!("created case {id} in {}", dir.display());
        }
        CaseCommand::Add { dir, file, kind, jaw, date, device, user } => {
            let mut case = Case::open(&dir)?;
            let bytes = io::read_bytes(&file)?;
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file");
            let e = case.add(&bytes, name, &kind, &jaw, &date, &device, &user)?;
            eprintln!("added entry {} ({}, sha256 {})", e.id, e.file, e.sha256);
        }
        CaseCommand::List { dir } => {
            let case = Case::open(&dir)?;
            println!("case {} — {} entries", case.manifest.case_id, case.manifest.entries.len());
            for e in &case.manifest.entries {
                // Fields come from whoever added the entry: no terminal control characters reach the screen.
                let clean = |s: &str| s.chars().map(|c| if c.is_control() { '?' } else { c }).collect::<String>();
                println!(
                    "{:>4}  {:<6} {:<5} {:<10} {:<22} {:>10} B  {}",
                    e.id,
                    clean(&e.kind),
                    clean(&e.jaw),
                    clean(&e.date),
                    clean(&e.device),
                    e.bytes,
                    clean(&e.file)
                );
            }
        }
        CaseCommand::Verify { dir, head } => {
            let case = Case::open(&dir)?;
            let v = match &head {
                Some(h) => case.verify_with_head(h),
                None => case.verify(),
            };
            for p in &v.problems {
                eprintln!("problem: {p}");
            }
            for n in &v.notes {
                eprintln!("note: {n}");
            }
            anyhow::ensure!(v.intact(), "{}: {} problem(s) found", dir.display(), v.problems.len());
            eprintln!(
                "{}: {} entries intact; audit trail of {} lines, head {}",
                dir.display(),
                case.manifest.entries.len(),
                case.manifest.audit_length,
                case.manifest.audit_head
            );
        }
        CaseCommand::Export { dir, to, entries, keep_identifying, out, user } => {
            let mut case = Case::open(&dir)?;
            let v = case.verify();
            anyhow::ensure!(
                v.intact(),
                "{}: not exported, the case has problems: {}",
                dir.display(),
                v.problems.join("; ")
            );
            let bytes = case.export_to(&out, &entries, &to, keep_identifying, &user)?;
            eprintln!("wrote {} ({} bytes, encrypted to {})", out.display(), bytes.len(), to.trim());
        }
        CaseCommand::Import { file, identity, into, user } => {
            let key =
                std::fs::read_to_string(&identity).with_context(|| format!("cannot read {}", identity.display()))?;
            let key = key.lines().find(|l| l.starts_with("AGE-SECRET-KEY-")).unwrap_or("").to_string();
            let bytes = io::read_bytes(&file)?;
            let case = Case::import(&bytes, &file, &key, &into, &user)?;
            eprintln!(
                "imported case {} ({} entries) into {}",
                case.manifest.case_id,
                case.manifest.entries.len(),
                into.display()
            );
        }
        CaseCommand::Keygen { out } => {
            use age::secrecy::ExposeSecret;
            let key = age::x25519::Identity::generate();
            let text = format!("# public key: {}\n{}\n", key.to_public(), key.to_string().expose_secret());
            // Created new (never over an existing key) and readable by its owner only from the first byte.
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&out).with_context(|| {
                format!("cannot create {} (a key is never overwritten: choose another path)", out.display())
            })?;
            use std::io::Write;
            f.write_all(text.as_bytes())
                .and_then(|_| f.sync_all())
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{}", key.to_public());
        }
    }
    Ok(())
}
