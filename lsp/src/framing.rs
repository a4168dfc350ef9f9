//! Incoming messages are checked before `tower-lsp-server` reads them.
//!
//! Its reader stops for good at the first body that is not a JSON-RPC
//! message (not JSON, or JSON such as `null`, `42`, `[]`, a batch, an `id`
//! of the wrong type), which would leave the editor talking to a server that
//! no longer listens. So stdin goes through [`sanitize`]: each
//! `Content-Length` frame whose body is a well-formed JSON-RPC 2.0 message
//! passes unchanged; a malformed request whose `id` can still be read
//! becomes an `edict/invalid` request with that id (answered with the
//! JSON-RPC error "invalid request"); any other body becomes an
//! `edict/malformed` notification (logged to the client). Bytes that are not
//! a frame are skipped up to the next header, and the body of a frame too
//! large to take is skipped unread.
//!
//! Framing is linear in the bytes read: junk is dropped as soon as it is
//! known not to start a header, a header must end within
//! [`MAX_HEADER`] bytes, and a search never starts over from the front.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The method of the notification that stands for a malformed message.
pub const MALFORMED: &str = "edict/malformed";

/// The method of the request that stands for a malformed request with an id.
pub const INVALID: &str = "edict/invalid";

/// The largest message accepted (larger ones are replaced, unread).
pub const MAX_MESSAGE: usize = 64 << 20;

/// The longest header section (from `Content-Length:` to the blank line).
pub const MAX_HEADER: usize = 1 << 10;

/// Copies frames from `input` to `output`, replacing malformed ones.
pub async fn sanitize<R, W>(mut input: R, mut output: W)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        while let Some(frame) = framer.next_frame() {
            let body = match frame {
                Frame::Body(body) => checked(body),
                Frame::TooLarge(n) => malformed(&format!("a message of {n} bytes is too large")),
            };
            let header = format!("Content-Length: {}\r\n\r\n", body.len());
            if output.write_all(header.as_bytes()).await.is_err()
                || output.write_all(&body).await.is_err()
            {
                return;
            }
        }
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                let _ = output.shutdown().await;
                return;
            }
            Ok(n) => framer.push(&chunk[..n]),
        }
    }
}

/// What [`sanitize`] passes on for a whole input, fed in chunks of
/// `chunk` bytes: the body of each frame (for tests and fuzzing; every
/// body passed on is a well-formed JSON-RPC message).
pub fn sanitized_bodies(input: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let mut framer = Framer::default();
    let mut out = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        framer.push(piece);
        while let Some(frame) = framer.next_frame() {
            out.push(match frame {
                Frame::Body(body) => checked(body),
                Frame::TooLarge(n) => malformed(&format!("a message of {n} bytes is too large")),
            });
        }
    }
    out
}

/// The body as it is when it is a well-formed JSON-RPC 2.0 message, else
/// its replacement.
fn checked(body: Vec<u8>) -> Vec<u8> {
    let Ok(message) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return malformed("the message is not JSON");
    };
    match problem(&message) {
        None => body,
        Some(why) => match message.get("id").filter(|id| valid_id(id)) {
            Some(id) if message.get("method").is_some_and(|m| m.is_string()) => {
                serde_json::json!({"jsonrpc": "2.0", "id": id, "method": INVALID, "params": {"message": why}})
                    .to_string()
                    .into_bytes()
            }
            _ => malformed(&why),
        },
    }
}

/// What makes a JSON value other than a JSON-RPC 2.0 request, notification
/// or response (as the Language Server Protocol uses them: no batches).
pub fn problem(message: &serde_json::Value) -> Option<String> {
    let Some(object) = message.as_object() else {
        return Some(match message {
            serde_json::Value::Array(_) => {
                "a batch (JSON array) is not a Language Server Protocol message".into()
            }
            other => format!("a message is a JSON object, not `{other}`"),
        });
    };
    if object.get("jsonrpc").and_then(|v| v.as_str()) != Some("2.0") {
        return Some("the message has no `\"jsonrpc\": \"2.0\"`".into());
    }
    let id = object.get("id");
    if id.is_some_and(|id| !valid_id(id) && !id.is_null()) {
        return Some("an `id` is an integer or a string".into());
    }
    match object.get("method") {
        Some(method) if !method.is_string() => Some("a `method` is a string".into()),
        Some(_) if id.is_some_and(|id| id.is_null()) => {
            Some("a request's `id` is an integer or a string".into())
        }
        Some(_) => match object.get("params") {
            // `null` is tolerated: clients send it for `shutdown` and `exit`.
            Some(p) if !(p.is_object() || p.is_array() || p.is_null()) => {
                Some("`params` is an object or an array".into())
            }
            _ => None,
        },
        None if id.is_none() => Some("the message has neither a `method` nor an `id`".into()),
        None if object.contains_key("result") == object.contains_key("error") => {
            Some("a response has exactly one of `result` and `error`".into())
        }
        None => None,
    }
}

fn valid_id(id: &serde_json::Value) -> bool {
    id.is_string() || id.as_i64().is_some()
}

fn malformed(why: &str) -> Vec<u8> {
    serde_json::json!({"jsonrpc": "2.0", "method": MALFORMED, "params": {"message": why}})
        .to_string()
        .into_bytes()
}

enum Frame {
    Body(Vec<u8>),
    TooLarge(usize),
}

/// Cuts frames out of the bytes read so far.
#[derive(Default)]
struct Framer {
    buf: Vec<u8>,
    /// Where the next search for a header starts (nothing before it can
    /// start one).
    scanned: usize,
    /// Bytes of a too-large body still to drop.
    skip: usize,
}

impl Framer {
    fn push(&mut self, bytes: &[u8]) {
        let dropped = self.skip.min(bytes.len());
        self.skip -= dropped;
        self.buf.extend_from_slice(&bytes[dropped..]);
    }

    /// Takes one whole frame off the front, skipping bytes before a header;
    /// `None` until a whole frame is there.
    fn next_frame(&mut self) -> Option<Frame> {
        const HEADER: &[u8] = b"Content-Length:";
        loop {
            let Some(at) = find(&self.buf[self.scanned..], HEADER) else {
                // Junk: keep only what could be the start of a header.
                let keep = self.buf.len().min(HEADER.len() - 1);
                self.buf.drain(..self.buf.len() - keep);
                self.scanned = 0;
                return None;
            };
            self.buf.drain(..self.scanned + at);
            self.scanned = 0;
            let window = &self.buf[..self.buf.len().min(MAX_HEADER)];
            let Some(end) = find(window, b"\r\n\r\n") else {
                if self.buf.len() >= MAX_HEADER {
                    // No blank line in time: not a header; look further on.
                    self.scanned = 1;
                    continue;
                }
                return None;
            };
            let headers = String::from_utf8_lossy(&self.buf[..end]).into_owned();
            let length = headers
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length:"))
                .and_then(|n| n.trim().parse::<usize>().ok());
            let Some(length) = length else {
                // A broken header: skip it and look for the next one.
                self.scanned = HEADER.len();
                continue;
            };
            if length > MAX_MESSAGE {
                self.buf.drain(..end + 4);
                let here = self.buf.len().min(length);
                self.buf.drain(..here);
                self.skip = length - here;
                return Some(Frame::TooLarge(length));
            }
            if self.buf.len() < end + 4 + length {
                return None;
            }
            let body = self.buf[end + 4..end + 4 + length].to_vec();
            self.buf.drain(..end + 4 + length);
            return Some(Frame::Body(body));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(framer: &mut Framer) -> Vec<String> {
        std::iter::from_fn(|| framer.next_frame())
            .map(|f| match f {
                Frame::Body(b) => String::from_utf8_lossy(&b).into_owned(),
                Frame::TooLarge(n) => format!("<{n}>"),
            })
            .collect()
    }

    #[test]
    fn frames_are_cut_and_garbage_skipped() {
        let mut framer = Framer::default();
        framer.push(
            b"junk Content-Length: 2\r\n\r\n{}Content-Length: 5\r\n\r\n{ no Content-Length: 9",
        );
        assert_eq!(frames(&mut framer), ["{}", "{ no "]);
        framer.push(b"\r\n\r\n[1, 2, 3]");
        assert_eq!(frames(&mut framer), ["[1, 2, 3]"]);
    }

    #[test]
    fn junk_is_not_kept_and_a_large_body_is_skipped_unread() {
        let mut framer = Framer::default();
        for _ in 0..1_000 {
            framer.push(&[b'x'; 4096]);
            assert!(frames(&mut framer).is_empty());
        }
        assert!(
            framer.buf.len() < 64,
            "junk was kept: {} bytes",
            framer.buf.len()
        );
        // A header without its blank line in time is junk too.
        framer.push(b"Content-Length: 2");
        framer.push(&[b' '; 2 * MAX_HEADER]);
        framer.push(b"Content-Length: 2\r\n\r\n{}");
        assert_eq!(frames(&mut framer), ["{}"]);
        // A body over the limit is dropped, even one that looks like frames.
        let n = MAX_MESSAGE + 10;
        framer.push(format!("Content-Length: {n}\r\n\r\n").as_bytes());
        let mut body = b"Content-Length: 2\r\n\r\n{}".repeat(1 << 10);
        body.resize(n, b' ');
        for piece in body.chunks(1 << 16) {
            framer.push(piece);
        }
        framer.push(b"Content-Length: 4\r\n\r\nnull");
        assert_eq!(frames(&mut framer), [format!("<{n}>"), "null".to_string()]);
    }

    #[test]
    fn json_that_is_not_json_rpc_is_replaced() {
        let replaced =
            |text: &str| String::from_utf8_lossy(&checked(text.as_bytes().to_vec())).into_owned();
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        assert_eq!(replaced(ok), ok);
        for bad in [
            "null",
            "42",
            "[]",
            "[{}]",
            r#"{"id":1}"#,
            r#"{"jsonrpc":"2.0","id":true,"method":"x"}"#,
            r#"{"jsonrpc":"2.0","method":5}"#,
            r#"{"jsonrpc":"2.0","method":"x","params":3}"#,
        ] {
            assert!(
                replaced(bad).contains(MALFORMED),
                "{bad}: {}",
                replaced(bad)
            );
        }
        let invalid = replaced(r#"{"jsonrpc":"2.0","id":7,"method":"x","params":3}"#);
        assert!(
            invalid.contains(INVALID) && invalid.contains("\"id\":7"),
            "{invalid}"
        );
    }
}
