//! C2SP `tlog-checkpoint`: the body a log signs, naming the log (its
//! origin), the tree size and the tree head.
//!
//! ```text
//! treaty.example/decisions
//! 12
//! 3KjsJYkFv1vDc1cYnQAnRA7DbyILf3ArTPm8Sp07clk=
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::hash::Hash;
use crate::note::{NoteError, NoteSigner, NoteVerifier};

/// Most extension lines accepted after the three the format requires.
pub const MAX_EXTENSION_LINES: usize = 16;

/// A tree head as a log states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, unique among logs (e.g. `treaty.example/decisions`).
    pub origin: String,
    /// How many leaves the tree has.
    pub size: u64,
    /// The tree head (RFC 6962 `MTH`).
    pub root: Hash,
}

/// Why a checkpoint is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note around it.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The body.
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
}

impl Checkpoint {
    /// The body: origin, size and base64 root, each on its line.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// The body signed by `signer`, as a note.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, CheckpointError> {
        Ok(signer.sign(&self.body())?)
    }

    /// Parses a body (extension lines allowed and ignored).
    pub fn parse_body(body: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |m: &str| CheckpointError::Malformed(m.to_owned());
        let lines: Vec<&str> = body
            .strip_suffix('\n')
            .ok_or_else(|| bad("the body must end with a newline"))?
            .split('\n')
            .collect();
        if lines.len() < 3 {
            return Err(bad("expected origin, tree size and root hash lines"));
        }
        if lines.len() > 3 + MAX_EXTENSION_LINES {
            return Err(bad("too many extension lines"));
        }
        let origin = lines[0];
        if origin.is_empty() {
            return Err(bad("the origin line is empty"));
        }
        let size_text = lines[1];
        let size: u64 = size_text
            .parse()
            .ok()
            .filter(|_| {
                !size_text.is_empty()
                    && size_text.bytes().all(|b| b.is_ascii_digit())
                    && (size_text == "0" || !size_text.starts_with('0'))
            })
            .ok_or_else(|| bad(&format!("`{size_text}` is not a tree size")))?;
        let root: Hash = B64
            .decode(lines[2])
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad(&format!("`{}` is not a base64 SHA-256 hash", lines[2])))?;
        if lines[3..].iter().any(|l| l.is_empty()) {
            return Err(bad("an extension line is empty"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// Opens a signed checkpoint with `verifier` and parses it.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, CheckpointError> {
        Checkpoint::parse_body(verifier.open(note)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_through_a_note() {
        let signer = NoteSigner::from_seed("log.example", [1; 32]).unwrap();
        let c = Checkpoint {
            origin: "log.example".into(),
            size: 12,
            root: [9; 32],
        };
        let note = c.sign(&signer).unwrap();
        assert_eq!(Checkpoint::open(&note, &signer.verifier()).unwrap(), c);
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for body in [
            "o\n1\n",
            "o\n01\nAAAA\n",
            "o\n-1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
            "\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
            "o\n1\nAAAA\n",
            "o\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=",
        ] {
            assert!(Checkpoint::parse_body(body).is_err(), "{body:?}");
        }
        assert!(
            Checkpoint::parse_body("o\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\next\n")
                .is_ok()
        );
    }
}
