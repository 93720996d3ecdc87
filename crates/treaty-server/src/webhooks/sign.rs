//! Standard Webhooks signatures: `v1,` and the base64 HMAC-SHA256, keyed
//! with the secret's bytes, of `{webhook-id}.{webhook-timestamp}.{body}`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A signing secret that is not `whsec_` and base64.
#[derive(Debug, thiserror::Error)]
#[error("the team's signing secret is not `whsec_` and base64")]
pub struct BadSecret;

/// The `webhook-signature` header's value for one attempt.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, BadSecret> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|k| !k.is_empty())
        .ok_or(BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference
    /// libraries (their test suites sign this message with this secret).
    #[test]
    fn the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let got = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(
            got.ok().as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    /// The example of docs/notifications.md, whose signature was made with
    /// the Python reference library: the page shows what Treaty sends.
    #[test]
    fn the_documented_example() {
        let body = r#"{"type":"ping","timestamp":"2026-11-27T23:45:13.412Z","text":"Treaty: a test notification for team `payments`; its webhook works.","data":{"team":"payments"}}"#;
        let got = signature(
            "whsec_YW4gZXhhbXBsZSBzZWNyZXQgb2YgMzIgYnl0ZXMhISE=",
            "msg_018c2b3e4f5a1f3e5d9c0b7a6e2d4c11",
            1764287113,
            body,
        );
        assert_eq!(
            got.ok().as_deref(),
            Some("v1,LJSgcL3/zX4R42lHAFHMaWB8s8jljbOsO/DCp11q0Uo=")
        );
    }

    #[test]
    fn a_secret_not_in_the_form_is_refused() {
        assert!(signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}").is_err());
        assert!(signature("whsec_", "m", 1, "{}").is_err());
        assert!(signature("whsec_!!!", "m", 1, "{}").is_err());
    }
}
