//! `treaty log export` and `treaty log verify`: the decision log from the
//! client's side. Every check is `treaty_log`'s; this module fetches,
//! reads files and reports (exit 0 verified, 1 verification failed, 2 bad
//! input or a broker that cannot be asked).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use treaty_log::export::{write_entry, write_trailer};
use treaty_log::note::MAX_NOTE_BYTES;
use treaty_log::tree::RunningRoot;
use treaty_log::{
    Checkpoint, Decision, ExportVerdict, Hash, NoteVerifier, leaf_hash, verify_consistency,
};
use treaty_server::api;

use super::http::{Broker, Failure, Result};
use crate::cli::{BrokerArgs, LogExportFormat};
use crate::exit::{self, Exit};

/// Largest key file read.
const MAX_KEY_FILE: u64 = 4096;
/// Entries asked for per page.
const PAGE: u64 = 1_000;

/// The verifier key given as text, or the file holding it.
fn verifier_from(arg: &str) -> Result<NoteVerifier> {
    if let Ok(v) = NoteVerifier::parse(arg) {
        return Ok(v);
    }
    let path = Path::new(arg);
    if !path.is_file() {
        return Err(Failure(format!(
            "--key `{arg}` is neither a verifier key (`origin+keyid+base64`) nor a file"
        )));
    }
    let text = read_limited(path, MAX_KEY_FILE)?;
    NoteVerifier::parse(&text).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

fn read_limited(path: &Path, limit: u64) -> Result<String> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    if text.len() as u64 > limit {
        return Err(Failure(format!(
            "{}: larger than {limit} bytes",
            path.display()
        )));
    }
    Ok(text)
}

/// The key given, or the broker's (said on stderr: trusting the broker).
fn key_or_brokers(key: Option<&str>, broker: &Broker) -> Result<NoteVerifier> {
    match key {
        Some(k) => verifier_from(k),
        None => {
            let text = broker.get_text("/api/v1/log/key", MAX_KEY_FILE)?;
            let v = NoteVerifier::parse(&text)
                .map_err(|e| Failure(format!("the broker's verifier key: {e}")))?;
            eprintln!(
                "using the broker's own key {} (pass --key to check against one you trust)",
                v.to_text()
            );
            Ok(v)
        }
    }
}

/// A verification that failed: what and where, exit 1.
fn refuted(message: impl std::fmt::Display) -> Exit {
    eprintln!("verification failed: {message}");
    Exit::Findings
}

/// Where exported entries go, one leaf at a time; an empty one ends the
/// export (writes the checkpoint line).
type EntrySink = Box<dyn FnMut(&str) -> Result<()>>;

/// `treaty log export`.
pub fn export(
    format: LogExportFormat,
    output: Option<&Path>,
    key: Option<&str>,
    args: &BrokerArgs,
) -> Exit {
    let broker = Broker::from(args);
    match fetch_and_write(format, output, key, &broker) {
        Ok(Ok(line)) => {
            eprintln!("{line}");
            Exit::Success
        }
        Ok(Err(refusal)) => refuted(refusal),
        Err(Failure(m)) => exit::error(m),
    }
}

/// Writes the export; the inner `Err` is a broker whose entries do not
/// match its own signed checkpoint.
fn fetch_and_write(
    format: LogExportFormat,
    output: Option<&Path>,
    key: Option<&str>,
    broker: &Broker,
) -> Result<std::result::Result<String, String>> {
    let verifier = key_or_brokers(key, broker)?;
    let note = broker.get_text("/api/v1/log/checkpoint", MAX_NOTE_BYTES as u64)?;
    let checkpoint = match Checkpoint::open(&note, &verifier) {
        Ok(c) => c,
        Err(e) => return Ok(Err(format!("the broker's checkpoint: {e}"))),
    };
    let mut sink: EntrySink = match format {
        LogExportFormat::Jsonl => {
            let out: Box<dyn Write> = match output {
                Some(p) => Box::new(
                    std::fs::File::create(p)
                        .map_err(|e| Failure(format!("{}: {e}", p.display())))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut out = BufWriter::new(out);
            let note = note.clone();
            Box::new(move |leaf: &str| {
                if leaf.is_empty() {
                    write_trailer(&mut out, &note)?;
                    out.flush()?;
                } else {
                    write_entry(&mut out, leaf)?;
                }
                Ok(())
            })
        }
        LogExportFormat::Madr => {
            let dir = output.map_or_else(|| PathBuf::from("decisions"), Path::to_path_buf);
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure(format!("{}: {e}", dir.display())))?;
            Box::new(move |leaf: &str| {
                if leaf.is_empty() {
                    return Ok(());
                }
                let d = Decision::from_leaf(leaf.as_bytes())
                    .map_err(|e| Failure(format!("an entry of the broker: {e}")))?;
                let path = dir.join(madr_file_name(&d));
                std::fs::write(&path, madr(&d, leaf))
                    .map_err(|e| Failure(format!("{}: {e}", path.display())))
            })
        }
    };
    let mut tree = RunningRoot::new();
    while tree.size() < checkpoint.size {
        let want = PAGE.min(checkpoint.size - tree.size());
        let page: api::LogEntries = broker.get(&format!(
            "/api/v1/log/entries?start={}&limit={want}",
            tree.size()
        ))?;
        if page.entries.is_empty() {
            return Ok(Err(format!(
                "the broker's checkpoint covers {} entries but it served only {}",
                checkpoint.size,
                tree.size()
            )));
        }
        for leaf in page.entries.iter().take(want as usize) {
            tree.push(leaf_hash(leaf.as_bytes()));
            sink(leaf)?;
        }
    }
    if tree.root() != checkpoint.root {
        return Ok(Err(
            "the broker's entries do not hash to its own signed checkpoint".into(),
        ));
    }
    // Only entries that match the signed checkpoint get it appended.
    sink("")?;
    Ok(Ok(format!(
        "exported {} decisions of log `{}`",
        checkpoint.size, checkpoint.origin
    )))
}

/// `0007-approval-CP-12.md`: sortable, and says what it is.
fn madr_file_name(d: &Decision) -> String {
    let kind = serde_json::to_value(d.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let subject: String = d
        .subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    format!("{:06}-{}-{}.md", d.index, kind.replace('_', "-"), subject)
}

/// One decision as a MADR record, with its leaf for whoever wants to
/// recompute its hash.
fn madr(d: &Decision, leaf: &str) -> String {
    let kind = serde_json::to_value(d.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let date = jiff::Timestamp::from_second(d.at)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| d.at.to_string());
    let by = match &d.actor.token_id {
        Some(t) => format!("{} (token {t})", d.actor.team),
        None => format!("{} (the broker itself)", d.actor.team),
    };
    let details = serde_json::to_string_pretty(&d.details).unwrap_or_default();
    // MADR's status: a team's rejection is recorded as what it is.
    let status = if d.kind == treaty_log::DecisionKind::Rejection {
        "rejected"
    } else {
        "accepted"
    };
    format!(
        "---\nstatus: {status}\ndate: {date}\ndecision-makers: {team}\n---\n\n\
         # {kind}: {subject}\n\n\
         ## Context and Problem Statement\n\n{kind} of `{subject}`, recorded as entry {index} of the decision log.\n\n\
         ## Decision Outcome\n\n{reason}\n\n\
         Decided by {by} at {at} (Unix seconds).\n\n\
         ### Details\n\n```json\n{details}\n```\n\n\
         ## More Information\n\nThe log entry (its SHA-256 leaf hash, RFC 6962, is `{hash}`):\n\n```json\n{leaf}\n```\n",
        team = d.actor.team,
        subject = d.subject,
        index = d.index,
        reason = d.reason,
        at = d.at,
        hash = B64.encode(leaf_hash(leaf.as_bytes())),
    )
}

/// `treaty log verify EXPORT --key KEY` (offline) or `treaty log verify
/// --since CHECKPOINT` (against the broker).
pub fn verify(
    export: Option<&Path>,
    key: Option<&str>,
    since: Option<&Path>,
    args: &BrokerArgs,
) -> Exit {
    match (export, since) {
        (Some(path), _) => {
            let Some(key) = key else {
                return exit::error("verifying an export needs --key (the log's verifier key)");
            };
            verify_file(path, key).unwrap_or_else(|Failure(m)| exit::error(m))
        }
        (None, Some(saved)) => verify_since(saved, key, &Broker::from(args))
            .unwrap_or_else(|Failure(m)| exit::error(m)),
        (None, None) => exit::error("give an export to verify, or --since CHECKPOINT_FILE"),
    }
}

fn verify_file(path: &Path, key: &str) -> Result<Exit> {
    let verifier = verifier_from(key)?;
    let file =
        std::fs::File::open(path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    let verdict =
        treaty_log::verify_export(std::io::BufReader::with_capacity(1 << 20, file), &verifier)
            .map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    Ok(match verdict {
        ExportVerdict::Verified { checkpoint } => {
            crate::commands::say(format_args!(
                "verified: {} decisions of log `{}`, tree head {}",
                checkpoint.size,
                checkpoint.origin,
                B64.encode(checkpoint.root)
            ));
            Exit::Success
        }
        ExportVerdict::Failed {
            line: Some(line),
            reason,
        } => refuted(format!("{}:{line}: {reason}", path.display())),
        ExportVerdict::Failed { line: None, reason } => {
            refuted(format!("{}: {reason}", path.display()))
        }
    })
}

fn decode_hashes(hashes: &[String]) -> Option<Vec<Hash>> {
    hashes
        .iter()
        .map(|h| B64.decode(h).ok().and_then(|b| b.try_into().ok()))
        .collect()
}

fn verify_since(saved: &Path, key: Option<&str>, broker: &Broker) -> Result<Exit> {
    let verifier = key_or_brokers(key, broker)?;
    let old_note = read_limited(saved, MAX_NOTE_BYTES as u64)?;
    let old = match Checkpoint::open(&old_note, &verifier) {
        Ok(c) => c,
        Err(e) => return Ok(refuted(format!("{}: {e}", saved.display()))),
    };
    let new_note = broker.get_text("/api/v1/log/checkpoint", MAX_NOTE_BYTES as u64)?;
    let new = match Checkpoint::open(&new_note, &verifier) {
        Ok(c) => c,
        Err(e) => return Ok(refuted(format!("the broker's current checkpoint: {e}"))),
    };
    if new.origin != old.origin {
        return Ok(refuted(format!(
            "the broker's log is `{}`, the saved checkpoint's `{}`",
            new.origin, old.origin
        )));
    }
    if new.size < old.size {
        return Ok(refuted(format!(
            "the broker's log has {} entries, fewer than the {} of the saved checkpoint: it was rewritten",
            new.size, old.size
        )));
    }
    let proof: api::ConsistencyProof = broker.get(&format!(
        "/api/v1/log/consistency?from={}&to={}",
        old.size, new.size
    ))?;
    let Some(hashes) = decode_hashes(&proof.hashes) else {
        return Ok(refuted(
            "the broker's consistency proof holds a hash that is not one",
        ));
    };
    if proof.from != old.size || proof.to != new.size {
        return Ok(refuted("the broker answered a proof for other sizes"));
    }
    match verify_consistency(old.size, new.size, &hashes, &old.root, &new.root) {
        Ok(()) => {
            crate::commands::say(format_args!(
                "consistent: the log `{}` of {} entries (saved) is a prefix of its {} entries now",
                new.origin, old.size, new.size
            ));
            Ok(Exit::Success)
        }
        Err(e) => Ok(refuted(format!(
            "the broker cannot prove its log of {} entries extends the saved one of {}: {e}; the log was rewritten",
            new.size, old.size
        ))),
    }
}
