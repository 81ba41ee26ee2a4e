//! rasd-fetch: the fetch stage core. A fetch request and the HTTP response
//! it got become a [`RawArticle`]; no I/O here.
//!
//! The HTTP call itself lives in the binary's fetch adapter; this crate
//! decides everything about the request and the response, so it can be
//! tested without a network: which requests are valid, which responses are
//! worth retrying (5xx, 408, 429 are transient; other 4xx and non-HTML
//! bodies are permanent), how the body is decoded (the charset from the
//! `Content-Type` header or the HTML `<meta>`; Arabic sites still serve
//! `windows-1256`), and which fields of the raw article are filled.
//!
//! RSS/Atom feeds (`kind: "feed"`) are a later issue; such requests are
//! rejected with `unsupported_kind` for now.

use rasd_model::{FetchRequest, InputError, RawArticle, SCHEMA_VERSION};

/// How a fetch can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The request or the response can never become an article.
    #[error("{reason}: {message}")]
    Permanent {
        reason: &'static str,
        message: String,
    },
    /// Worth retrying later (server error, rate limit, timeout).
    #[error("transient: {0}")]
    Transient(String),
}

impl From<InputError> for FetchError {
    fn from(e: InputError) -> Self {
        FetchError::Permanent {
            reason: e.reason(),
            message: e.to_string(),
        }
    }
}

/// Parse and validate a fetch request message.
pub fn parse_request(payload: &[u8], max_bytes: usize) -> Result<FetchRequest, FetchError> {
    let req: FetchRequest = rasd_model::article::decode(payload, max_bytes)?;
    let kind = req.kind.as_deref().unwrap_or("article");
    if kind != "article" {
        return Err(FetchError::Permanent {
            reason: "unsupported_kind",
            message: format!("fetch kind `{kind}` is not supported yet (only `article`)"),
        });
    }
    let url = url::Url::parse(req.url.trim()).map_err(|e| FetchError::Permanent {
        reason: "invalid_url",
        message: format!("`{}` is not a valid URL: {e}", req.url),
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(FetchError::Permanent {
            reason: "invalid_url",
            message: format!(
                "only http and https URLs can be fetched, not `{}`",
                url.scheme()
            ),
        });
    }
    Ok(req)
}

/// What the HTTP client got back.
#[derive(Debug, Clone)]
pub struct FetchedResponse<'a> {
    /// URL after redirects.
    pub final_url: &'a str,
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// Classify a status code: `Ok(())` for success, else the error to report.
pub fn check_status(status: u16, url: &str) -> Result<(), FetchError> {
    match status {
        200..=299 => Ok(()),
        408 | 425 | 429 | 500..=599 => {
            Err(FetchError::Transient(format!("HTTP {status} from {url}")))
        }
        _ => Err(FetchError::Permanent {
            reason: "http_status",
            message: format!("HTTP {status} from {url}"),
        }),
    }
}

/// Turn a response into the raw article to publish.
pub fn response_to_raw(
    req: &FetchRequest,
    resp: &FetchedResponse<'_>,
    max_bytes: usize,
) -> Result<RawArticle, FetchError> {
    check_status(resp.status, resp.final_url)?;
    if resp.body.len() > max_bytes {
        return Err(InputError::TooLarge {
            size: resp.body.len(),
            limit: max_bytes,
        }
        .into());
    }
    let mime = resp
        .content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "text/html".into());
    let is_html = mime == "text/html" || mime == "application/xhtml+xml";
    if !is_html && mime != "text/plain" {
        return Err(FetchError::Permanent {
            reason: "unsupported_content_type",
            message: format!("{} is `{mime}`, not HTML or text", resp.final_url),
        });
    }
    let body = decode_body(resp.content_type, resp.body);
    if body.trim().is_empty() {
        return Err(InputError::EmptyText.into());
    }
    let host = url::Url::parse(resp.final_url).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_string())
    });
    // The id stays stable across redirects: the given id, else the
    // requested URL (RawArticle::article_id hashes it).
    let id = req.id.clone().or_else(|| {
        Some(
            RawArticle {
                url: Some(req.url.trim().to_string()),
                ..Default::default()
            }
            .article_id(),
        )
    });
    let mut raw = RawArticle {
        schema_version: Some(SCHEMA_VERSION),
        id,
        url: Some(resp.final_url.to_string()),
        source: req.source.clone().or(host),
        ..Default::default()
    };
    if is_html {
        raw.html = Some(body);
    } else {
        let (title, text) = split_title(&body);
        raw.title = title;
        raw.text = Some(text);
    }
    Ok(raw)
}

/// Decode a body by the charset in `Content-Type`, else a `<meta charset>`
/// in the first bytes, else UTF-8 (invalid sequences replaced).
pub fn decode_body(content_type: Option<&str>, body: &[u8]) -> String {
    let label = content_type
        .and_then(charset_param)
        .or_else(|| sniff_meta_charset(body));
    let encoding = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = encoding.decode(body);
    text.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset")).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn sniff_meta_charset(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let rest = head[at..].trim_start_matches(['"', '\'']);
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))?;
    (end > 0).then(|| rest[..end].to_string())
}

fn split_title(body: &str) -> (Option<String>, String) {
    let body = body.trim_start();
    match body.split_once('\n') {
        Some((first, rest)) if !rest.trim().is_empty() => {
            (Some(first.trim().to_string()), rest.trim().to_string())
        }
        _ => (None, body.trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &str) -> FetchRequest {
        FetchRequest {
            schema_version: None,
            id: None,
            url: url.into(),
            kind: None,
            source: None,
        }
    }

    fn resp<'a>(status: u16, ct: Option<&'a str>, body: &'a [u8]) -> FetchedResponse<'a> {
        FetchedResponse {
            final_url: "https://www.example.org/news/1",
            status,
            content_type: ct,
            body,
        }
    }

    #[test]
    fn html_response_becomes_a_raw_article_with_host_source() {
        let r = req("https://example.org/n?id=1");
        let raw = response_to_raw(
            &r,
            &resp(
                200,
                Some("text/html; charset=utf-8"),
                "<p>خبر</p>".as_bytes(),
            ),
            1000,
        )
        .unwrap();
        assert_eq!(raw.html.as_deref(), Some("<p>خبر</p>"));
        assert_eq!(raw.source.as_deref(), Some("example.org"));
        assert_eq!(raw.url.as_deref(), Some("https://www.example.org/news/1"));
        let expected_id = RawArticle {
            url: Some(r.url.clone()),
            ..Default::default()
        }
        .article_id();
        assert_eq!(raw.id.as_deref(), Some(expected_id.as_str()));
    }

    #[test]
    fn status_codes_split_into_transient_and_permanent() {
        let r = req("https://example.org/");
        for s in [500, 502, 503, 429, 408] {
            assert!(
                matches!(
                    response_to_raw(&r, &resp(s, None, b"x"), 10),
                    Err(FetchError::Transient(_))
                ),
                "{s}"
            );
        }
        for s in [404, 403, 410] {
            assert!(matches!(
                response_to_raw(&r, &resp(s, None, b"x"), 10),
                Err(FetchError::Permanent {
                    reason: "http_status",
                    ..
                })
            ));
        }
    }

    #[test]
    fn windows_1256_is_decoded() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode("مقتل");
        assert_eq!(
            decode_body(Some("text/html; charset=windows-1256"), &bytes),
            "مقتل"
        );
        let mut page = b"<meta charset=\"windows-1256\"><p>".to_vec();
        page.extend_from_slice(&bytes);
        assert!(decode_body(Some("text/html"), &page).ends_with("مقتل"));
    }

    #[test]
    fn bad_requests_and_bodies_are_permanent() {
        assert!(matches!(
            parse_request(b"{", 100),
            Err(FetchError::Permanent {
                reason: "malformed_json",
                ..
            })
        ));
        assert!(matches!(
            parse_request(br#"{"url":"ftp://x/y"}"#, 100),
            Err(FetchError::Permanent {
                reason: "invalid_url",
                ..
            })
        ));
        assert!(matches!(
            parse_request(br#"{"url":"https://x/feed","kind":"feed"}"#, 100),
            Err(FetchError::Permanent {
                reason: "unsupported_kind",
                ..
            })
        ));
        assert!(parse_request(br#"{"url":"https://x/a","id":"a1"}"#, 100).is_ok());
        let r = req("https://example.org/");
        assert!(matches!(
            response_to_raw(&r, &resp(200, Some("image/png"), b"x"), 10),
            Err(FetchError::Permanent {
                reason: "unsupported_content_type",
                ..
            })
        ));
        assert!(matches!(
            response_to_raw(&r, &resp(200, None, b"   "), 10),
            Err(FetchError::Permanent {
                reason: "empty_text",
                ..
            })
        ));
        assert!(matches!(
            response_to_raw(&r, &resp(200, None, &[b'a'; 11]), 10),
            Err(FetchError::Permanent {
                reason: "too_large",
                ..
            })
        ));
    }

    #[test]
    fn plain_text_splits_title() {
        let raw = response_to_raw(
            &req("https://e.org/a"),
            &resp(200, Some("text/plain"), "عنوان\nنص الخبر".as_bytes()),
            100,
        )
        .unwrap();
        assert_eq!(raw.title.as_deref(), Some("عنوان"));
        assert_eq!(raw.text.as_deref(), Some("نص الخبر"));
    }
}
