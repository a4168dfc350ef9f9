//! Reading a JSON Lines stream of transactions, one line at a time.
//!
//! Stage: the evaluator's input edge, shared by every command that reads
//! transaction streams. Lines end at `\n` only (a lone `\r` is inside a
//! line; a `\r` before the `\n` is JSON white space). A line of JSON white
//! space alone is skipped; every other line — whatever its bytes: invalid
//! UTF-8, NUL, too long, no final newline — is handed out exactly once,
//! numbered, so the caller writes exactly one output line for it. A line
//! longer than [`MAX_LINE`] is consumed without being held in memory.

use std::io::{self, BufRead};

/// The longest line read as a transaction (1 MiB).
pub const MAX_LINE: usize = 1 << 20;

/// One non-blank line of the stream.
#[derive(Debug, PartialEq)]
pub enum Line<'a> {
    /// Its bytes (without the `\n`).
    Bytes(&'a [u8]),
    /// A line of this many bytes, longer than [`MAX_LINE`].
    TooLong(u64),
}

/// A JSON Lines reader.
pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    number: usize,
    max: usize,
}

impl<R: BufRead> Lines<R> {
    /// Reads `reader`, with lines of at most [`MAX_LINE`] bytes.
    pub fn new(reader: R) -> Self {
        Self::with_limit(reader, MAX_LINE)
    }

    /// Reads `reader`, with lines of at most `max` bytes.
    pub fn with_limit(reader: R, max: usize) -> Self {
        Lines {
            reader,
            buf: Vec::new(),
            number: 0,
            max,
        }
    }

    /// The next non-blank line and its 1-based number, or `None` at the end.
    /// An I/O error (not a bad line) ends the stream.
    pub fn next_line(&mut self) -> io::Result<Option<(usize, Line<'_>)>> {
        loop {
            self.buf.clear();
            let mut len: u64 = 0;
            let mut ended = false;
            loop {
                let chunk = match self.reader.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if chunk.is_empty() {
                    break;
                }
                let (take, newline) = match chunk.iter().position(|&b| b == b'\n') {
                    Some(i) => (i, true),
                    None => (chunk.len(), false),
                };
                len += take as u64;
                if len <= self.max as u64 {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
                self.reader.consume(take + usize::from(newline));
                ended = true;
                if newline {
                    break;
                }
            }
            if !ended {
                return Ok(None);
            }
            self.number += 1;
            if len > self.max as u64 {
                return Ok(Some((self.number, Line::TooLong(len))));
            }
            if self.buf.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                continue;
            }
            return Ok(Some((self.number, Line::Bytes(&self.buf))));
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;

    fn all(bytes: &[u8], max: usize) -> Vec<(usize, String)> {
        let mut lines = Lines::with_limit(bytes, max);
        let mut out = Vec::new();
        while let Some((n, line)) = lines.next_line().unwrap() {
            out.push((
                n,
                match line {
                    Line::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                    Line::TooLong(len) => format!("<{len} bytes>"),
                },
            ));
        }
        out
    }

    #[test]
    fn every_non_blank_line_once_whatever_its_bytes() {
        let input = b"a\n\xff\xfe\nb\r\n \t\r\n\nc\rd\n\0\nlast";
        let got = all(input, 100);
        let want = [
            (1, "a"),
            (2, "\u{fffd}\u{fffd}"),
            (3, "b\r"),
            (6, "c\rd"),
            (7, "\0"),
            (8, "last"),
        ];
        assert_eq!(
            got,
            want.map(|(n, s)| (n, s.to_string())).to_vec(),
            "{input:?}"
        );
    }

    #[test]
    fn a_long_line_is_counted_not_kept() {
        let mut input = vec![b'x'; 10_000];
        input.extend_from_slice(b"\nok\n");
        // A reader with a small buffer, so the long line spans many reads.
        let reader = io::BufReader::with_capacity(64, &input[..]);
        let mut lines = Lines::with_limit(reader, 100);
        assert_eq!(lines.next_line().unwrap(), Some((1, Line::TooLong(10_000))));
        assert!(lines.buf.capacity() < 1_000);
        assert_eq!(lines.next_line().unwrap(), Some((2, Line::Bytes(b"ok"))));
        assert_eq!(lines.next_line().unwrap(), None);
    }
}
