//! Incoming messages are checked before `tower-lsp-server` reads them.
//!
//! Its reader stops for good at the first body that is not JSON, which
//! would leave the editor talking to a server that no longer listens. So
//! stdin goes through [`sanitize`]: each `Content-Length` frame whose body
//! is JSON passes unchanged; any other body is replaced by an
//! `edict/malformed` notification (the server logs it to the client), and
//! bytes that are not a frame are skipped up to the next header.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The method of the notification that stands for a malformed message.
pub const MALFORMED: &str = "edict/malformed";

/// The largest message accepted (larger ones are replaced, unread).
pub const MAX_MESSAGE: usize = 64 << 20;

/// Copies frames from `input` to `output`, replacing malformed ones.
pub async fn sanitize<R, W>(mut input: R, mut output: W)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        while let Some(frame) = next_frame(&mut buf) {
            let body = match frame {
                Frame::Body(body) if serde_json::from_slice::<serde_json::Value>(&body).is_ok() => {
                    body
                }
                Frame::Body(_) => malformed("the message is not JSON"),
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
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
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

/// Takes one whole frame off the front of `buf`, skipping bytes before a
/// header; `None` until a whole frame is there.
fn next_frame(buf: &mut Vec<u8>) -> Option<Frame> {
    const HEADER: &[u8] = b"Content-Length:";
    loop {
        let start = find(buf, HEADER)?;
        buf.drain(..start);
        let end = find(buf, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&buf[..end]).into_owned();
        let length = headers
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length:"))
            .and_then(|n| n.trim().parse::<usize>().ok());
        let Some(length) = length else {
            // A broken header: skip it and look for the next one.
            buf.drain(..HEADER.len());
            continue;
        };
        if length > MAX_MESSAGE {
            buf.drain(..end + 4);
            return Some(Frame::TooLarge(length));
        }
        if buf.len() < end + 4 + length {
            return None;
        }
        let body = buf[end + 4..end + 4 + length].to_vec();
        buf.drain(..end + 4 + length);
        return Some(Frame::Body(body));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_cut_and_garbage_skipped() {
        let mut buf =
            b"junk Content-Length: 2\r\n\r\n{}Content-Length: 5\r\n\r\n{ no Content-Length: 9"
                .to_vec();
        assert!(matches!(next_frame(&mut buf), Some(Frame::Body(b)) if b == b"{}"));
        assert!(matches!(next_frame(&mut buf), Some(Frame::Body(b)) if b == b"{ no "));
        assert!(next_frame(&mut buf).is_none());
        buf.extend_from_slice(b"\r\n\r\n[1, 2, 3]");
        assert!(matches!(next_frame(&mut buf), Some(Frame::Body(b)) if b == b"[1, 2, 3]"));
    }
}
