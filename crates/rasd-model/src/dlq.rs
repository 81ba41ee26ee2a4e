//! Dead-letter messages: what a stage could not process, and why.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// Published to `<prefix>.dlq.<stage>` for every rejected input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub stage: String,
    /// Machine-readable reason, e.g. `malformed_json`, `invalid_utf8`,
    /// `empty_text`, `too_large`, `unknown_schema_version`,
    /// `max_deliver_exceeded`, `unsupported_language`.
    pub reason: String,
    /// Human-readable explanation.
    pub error: String,
    /// Subject the input arrived on.
    pub subject: String,
    /// RFC 3339 time the stage gave up on the input.
    pub received_at: String,
    /// The input, verbatim when it is UTF-8.
    pub payload: String,
    /// `"utf8"` or `"base64"`.
    pub payload_encoding: String,
}

impl DeadLetter {
    pub fn new(
        stage: &str,
        reason: &str,
        error: impl Into<String>,
        subject: &str,
        received_at: String,
        payload: &[u8],
    ) -> Self {
        let (payload, payload_encoding) = match std::str::from_utf8(payload) {
            Ok(s) => (s.to_string(), "utf8"),
            Err(_) => (
                base64::engine::general_purpose::STANDARD.encode(payload),
                "base64",
            ),
        };
        DeadLetter {
            stage: stage.to_string(),
            reason: reason.to_string(),
            error: error.into(),
            subject: subject.to_string(),
            received_at,
            payload,
            payload_encoding: payload_encoding.to_string(),
        }
    }

    /// The original payload bytes.
    pub fn payload_bytes(&self) -> Vec<u8> {
        if self.payload_encoding == "base64" {
            base64::engine::general_purpose::STANDARD
                .decode(&self.payload)
                .unwrap_or_default()
        } else {
            self.payload.as_bytes().to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_payload_is_base64_and_round_trips() {
        let bytes = [0xff, 0xfe, b'a'];
        let d = DeadLetter::new(
            "clean",
            "invalid_utf8",
            "bad",
            "rasd.articles.raw",
            "t".into(),
            &bytes,
        );
        assert_eq!(d.payload_encoding, "base64");
        assert_eq!(d.payload_bytes(), bytes);
        let d = DeadLetter::new("clean", "empty_text", "e", "s", "t".into(), b"{}");
        assert_eq!(d.payload, "{}");
        assert_eq!(d.payload_bytes(), b"{}");
    }
}
