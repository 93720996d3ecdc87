//! C2SP `signed-note` with Ed25519: a text signed by one or more keys,
//! each signature line naming its key (`— name base64(key id || sig)`).
//! Key texts are the ones Go's `golang.org/x/mod/sumdb/note` reads:
//! `name+hex(key id)+base64(0x01 || public key)` for verifiers and
//! `PRIVATE+KEY+name+hex(key id)+base64(0x01 || seed)` for signers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Longest note accepted, in bytes.
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// Most signature lines accepted on one note.
pub const MAX_SIGNATURES: usize = 100;
/// Longest key name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 256;

/// The algorithm byte of Ed25519 in key texts and key ids.
const ALG_ED25519: u8 = 0x01;
/// What starts every signature line: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// What is wrong with a note or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key text that is not one.
    #[error("malformed key: {0}")]
    BadKey(String),
    /// A note that is not one.
    #[error("malformed note: {0}")]
    Malformed(String),
    /// A signature by the verifier's key (name and id match) that does not
    /// verify: the text was changed or the signature forged.
    #[error("the signature by `{0}` does not verify")]
    BadSignature(String),
    /// No signature by the verifier's key.
    #[error("the note carries no signature by `{0}`")]
    Unsigned(String),
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && !name.contains('+')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The 4-byte key id: SHA-256(name || 0x0A || 0x01 || public key)[..4].
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn hex8(id: [u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// A key that signs notes, with its name.
#[derive(Debug, Clone)]
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl NoteSigner {
    /// A signer from a name and a 32-byte Ed25519 seed (random bytes the
    /// caller got from the system: this crate reads no randomness).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<NoteSigner, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadKey(format!(
                "`{name}` is not a key name: non-empty, no spaces and no `+`"
            )));
        }
        Ok(NoteSigner {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A signer from its key text (`PRIVATE+KEY+name+id+base64`).
    pub fn parse(text: &str) -> Result<NoteSigner, NoteError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| NoteError::BadKey("a signer key starts with `PRIVATE+KEY+`".into()))?;
        let (name, id, bytes) = split_key(rest)?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| {
            NoteError::BadKey("an Ed25519 signer key holds 32 bytes after the algorithm".into())
        })?;
        let signer = NoteSigner::from_seed(name, seed)?;
        if signer.key_id() != id {
            return Err(NoteError::BadKey(
                "the key id does not match the name and key".into(),
            ));
        }
        Ok(signer)
    }

    /// The key text to store (secret!).
    pub fn to_text(&self) -> String {
        let mut bytes = vec![ALG_ED25519];
        bytes.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex8(self.key_id()),
            B64.encode(bytes)
        )
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, &self.key.verifying_key().to_bytes())
    }

    /// The public half, for verifiers.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.key_id(),
            key: self.key.verifying_key(),
        }
    }

    /// `body` (which must end with a newline) as a signed note.
    pub fn sign(&self, body: &str) -> Result<String, NoteError> {
        check_body(body)?;
        let sig = self.key.sign(body.as_bytes());
        let mut bytes = self.key_id().to_vec();
        bytes.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{body}\n{SIG_PREFIX}{} {}\n",
            self.name,
            B64.encode(bytes)
        ))
    }
}

/// A public key that checks notes, with its name and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

/// `name+id+base64` split, the id checked for form.
fn split_key(text: &str) -> Result<(&str, [u8; 4], Vec<u8>), NoteError> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::BadKey("expected `name+keyid+base64key`".into()));
    };
    if !valid_name(name) {
        return Err(NoteError::BadKey(format!("`{name}` is not a key name")));
    }
    let id = u32::from_str_radix(id, 16)
        .ok()
        .filter(|_| id.len() == 8)
        .ok_or_else(|| NoteError::BadKey(format!("`{id}` is not 8 hex digits")))?
        .to_be_bytes();
    let bytes = B64
        .decode(b64)
        .map_err(|e| NoteError::BadKey(format!("the key is not base64: {e}")))?;
    match bytes.split_first() {
        Some((&ALG_ED25519, rest)) => Ok((name, id, rest.to_vec())),
        Some((alg, _)) => Err(NoteError::BadKey(format!(
            "algorithm {alg:#04x} is not Ed25519 (0x01)"
        ))),
        None => Err(NoteError::BadKey("the key is empty".into())),
    }
}

impl NoteVerifier {
    /// A verifier from its text (`name+id+base64(0x01 || key)`).
    pub fn parse(text: &str) -> Result<NoteVerifier, NoteError> {
        let text = text.trim();
        if text.len() > 4 * MAX_NAME_BYTES {
            return Err(NoteError::BadKey("the key text is too long".into()));
        }
        let (name, id, bytes) = split_key(text)?;
        let public: [u8; 32] = bytes.try_into().map_err(|_| {
            NoteError::BadKey("an Ed25519 public key holds 32 bytes after the algorithm".into())
        })?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|e| NoteError::BadKey(format!("not an Ed25519 public key: {e}")))?;
        if key_id(name, &public) != id {
            return Err(NoteError::BadKey(
                "the key id does not match the name and key".into(),
            ));
        }
        Ok(NoteVerifier {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The key text to publish.
    pub fn to_text(&self) -> String {
        let mut bytes = vec![ALG_ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex8(self.id), B64.encode(bytes))
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks `note` and returns its body (the signed text). Signatures by
    /// other keys are skipped, as the format says; one by this key (same
    /// name and id) must be there and must verify.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let (body, signatures) = split_note(note)?;
        let mut found = false;
        for (name, id, sig) in signatures {
            if name != self.name || id != self.id {
                continue;
            }
            let sig = Signature::from_bytes(&sig);
            self.key
                .verify_strict(body.as_bytes(), &sig)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            found = true;
        }
        if found {
            Ok(body)
        } else {
            Err(NoteError::Unsigned(self.name.clone()))
        }
    }
}

fn check_body(body: &str) -> Result<(), NoteError> {
    if body.is_empty() || !body.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the text must be non-empty and end with a newline".into(),
        ));
    }
    if body.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::Malformed(
            "the text holds a control character".into(),
        ));
    }
    Ok(())
}

type SignatureLine<'a> = (&'a str, [u8; 4], [u8; 64]);

/// The body and the parsed signature lines of a note.
fn split_note(note: &str) -> Result<(&str, Vec<SignatureLine<'_>>), NoteError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::Malformed(format!(
            "longer than {MAX_NOTE_BYTES} bytes"
        )));
    }
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
    let body = &note[..split + 1];
    check_body(body)?;
    let sigs = &note[split + 2..];
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the signature lines must end with a newline".into(),
        ));
    }
    let mut out = Vec::new();
    for line in sigs[..sigs.len() - 1].split('\n') {
        if out.len() == MAX_SIGNATURES {
            return Err(NoteError::Malformed(format!(
                "more than {MAX_SIGNATURES} signatures"
            )));
        }
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| {
            NoteError::Malformed(format!("`{line}` is not a signature line (`— name sig`)"))
        })?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| NoteError::Malformed(format!("`{line}` has no signature")))?;
        if !valid_name(name) {
            return Err(NoteError::Malformed(format!("`{name}` is not a key name")));
        }
        let bytes = B64
            .decode(b64)
            .map_err(|e| NoteError::Malformed(format!("signature of `{name}`: {e}")))?;
        // Signatures of other algorithms may be longer; only Ed25519's
        // 4 + 64 bytes can be by a key of ours.
        if bytes.len() < 5 {
            return Err(NoteError::Malformed(format!(
                "signature of `{name}` is too short"
            )));
        }
        let id = [bytes[0], bytes[1], bytes[2], bytes[3]];
        if let Ok(sig) = <[u8; 64]>::try_from(&bytes[4..]) {
            out.push((name, id, sig));
        }
    }
    Ok((body, out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn signer() -> NoteSigner {
        NoteSigner::from_seed("treaty.example/log", [7u8; 32]).unwrap()
    }

    #[test]
    fn a_signed_note_opens_with_its_key_and_key_texts_round_trip() {
        let s = signer();
        let note = s.sign("hello\n").unwrap();
        assert!(note.starts_with("hello\n\n\u{2014} treaty.example/log "));
        let v = NoteVerifier::parse(&s.verifier().to_text()).unwrap();
        assert_eq!(v.open(&note).unwrap(), "hello\n");
        let again = NoteSigner::parse(&s.to_text()).unwrap();
        assert_eq!(again.verifier(), s.verifier());
    }

    #[test]
    fn a_changed_text_or_other_key_is_refused() {
        let s = signer();
        let note = s.sign("hello\n").unwrap();
        let v = s.verifier();
        assert!(matches!(
            v.open(&note.replacen("hello", "hellO", 1)),
            Err(NoteError::BadSignature(_))
        ));
        let other = NoteSigner::from_seed("treaty.example/log", [8u8; 32]).unwrap();
        assert!(matches!(
            other.verifier().open(&note),
            Err(NoteError::Unsigned(_))
        ));
        assert!(v.open("no signatures\n").is_err());
        assert!(NoteVerifier::parse("a+00000000+AQ==").is_err());
        assert!(NoteVerifier::parse("bad name+00000000+AQ==").is_err());
    }

    /// The example key of C2SP signed-note / Go's `note` package, with the
    /// key id it documents: the key id derivation matches theirs.
    #[test]
    fn the_go_example_verifier_key_parses() {
        let text = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let v = NoteVerifier::parse(text).unwrap();
        assert_eq!(v.to_text(), text);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod go_example {
    use super::*;

    /// The signed example from the documentation of Go's
    /// `golang.org/x/mod/sumdb/note`: a note signed by another
    /// implementation opens here.
    #[test]
    fn the_go_documentation_note_verifies() {
        let v = NoteVerifier::parse(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        )
        .unwrap();
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        assert!(v.open(note).is_ok(), "{:?}", v.open(note));
    }
}
