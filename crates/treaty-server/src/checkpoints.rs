//! The last checkpoint this broker signed, kept for the next answer that
//! needs the same one: every decision written in one group is answered
//! with the group's tree head, so signing it once serves the whole group
//! instead of once per answer. Ed25519 signatures are deterministic, so
//! the note handed out is byte for byte the one a fresh signature gives.

use std::sync::Mutex;

use treaty_log::{Checkpoint, CheckpointError, Hash, NoteSigner};

/// The last (tree size, root) signed and its note.
#[derive(Debug, Default)]
pub struct SignedCheckpoints {
    last: Mutex<Option<(u64, Hash, String)>>,
}

impl SignedCheckpoints {
    /// The checkpoint of the tree of `size` leaves with head `root`, signed
    /// by `signer`: the kept note when it is that tree's, else a new one
    /// (then kept).
    pub fn sign(
        &self,
        signer: &NoteSigner,
        size: u64,
        root: Hash,
    ) -> Result<String, CheckpointError> {
        if let Some((s, r, note)) = self.kept().as_ref()
            && *s == size
            && *r == root
        {
            return Ok(note.clone());
        }
        // Signed outside the lock: two answers of different groups need not
        // wait for each other's signature.
        let note = Checkpoint {
            origin: signer.name().to_owned(),
            size,
            root,
        }
        .sign(signer)?;
        *self.kept() = Some((size, root, note.clone()));
        Ok(note)
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Option<(u64, Hash, String)>> {
        // Nothing panics while the lock is held (a comparison, a clone).
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept note is the one a fresh signature gives; another tree gets
    /// its own.
    #[test]
    fn a_kept_note_is_a_fresh_one() -> Result<(), Box<dyn std::error::Error>> {
        let signer = NoteSigner::from_seed("treaty.test/log", [3u8; 32])?;
        let kept = SignedCheckpoints::default();
        let root = [7u8; 32];
        let first = kept.sign(&signer, 5, root)?;
        let fresh = Checkpoint {
            origin: signer.name().to_owned(),
            size: 5,
            root,
        }
        .sign(&signer)?;
        assert_eq!(first, fresh);
        assert_eq!(kept.sign(&signer, 5, root)?, fresh);
        assert_ne!(kept.sign(&signer, 6, root)?, fresh);
        assert_ne!(kept.sign(&signer, 5, [8u8; 32])?, fresh);
        Ok(())
    }
}
