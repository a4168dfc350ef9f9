//! A small LSP client over a child process's stdio, for the end-to-end
//! tests and the latency benchmark: framing, requests with ids, waiting
//! for a response or a notification. It panics on a broken server: it is
//! test support, not a product client.
#![expect(clippy::panic, reason = "test support fails by panicking")]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The `file:` URI of a path.
pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A client speaking to one server process.
pub struct Client {
    child: Child,
    /// The server's standard input (tests write raw bytes to it).
    pub stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pub seen: Vec<Value>,
}

impl Client {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `server` and runs `initialize` / `initialized`.
    pub fn start(server: &str) -> Client {
        let mut child = Command::new(server)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start edict-lsp: {e}"));
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length:") {
                        length = n.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if let Ok(v) = serde_json::from_slice(&body)
                    && tx.send(v).is_err()
                {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            incoming: rx,
            next_id: 1,
            seen: Vec::new(),
        };
        let init = c.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "edict-lsp", "{init}");
        c.notify("initialized", json!({}));
        c
    }

    /// Sends one framed message body as it is (valid JSON or not).
    pub fn send_raw(&mut self, body: &str) {
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.stdin
            .write_all(framed.as_bytes())
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| panic!("server stdin closed: {e}"));
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
        self.send_raw(&body);
    }

    /// Sends a request; returns its id.
    pub fn send(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        self.send_raw(&body);
        id
    }

    /// The next message from the server, until `deadline`.
    pub fn next(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(v) => Some(v),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("the server exited"),
        }
    }

    /// Waits for the response to request `id` (a minute at most).
    pub fn response(&mut self, id: i64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Some(v) = self.next(deadline) {
            if v["id"] == id && v.get("method").is_none() {
                return v;
            }
            self.seen.push(v);
        }
        panic!("no response to request {id}");
    }

    /// Sends a request and waits for its response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params);
        self.response(id)
    }

    /// The next `publishDiagnostics` for `uri` satisfying `want`.
    pub fn diagnostics(&mut self, uri: &str, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(|v| {
            v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == uri
                && want(&v["params"])
        }) {
            return self.seen.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Some(v) = self.next(deadline) {
            if v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == uri
                && want(&v["params"])
            {
                return v["params"].clone();
            }
        }
        panic!("no matching diagnostics for {uri}; seen {:#?}", self.seen);
    }

    /// Opens a document (version 1); returns its URI.
    pub fn open(&mut self, path: &Path, text: &str) -> String {
        let u = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "edict", "version": 1, "text": text}}),
        );
        u
    }

    /// A request about a position of a document.
    pub fn at(&mut self, method: &str, u: &str, line: u32, character: u32) -> Value {
        self.request(
            method,
            json!({"textDocument": {"uri": u}, "position": {"line": line, "character": character}}),
        )
    }

    /// Shuts the server down and waits for it to exit.
    pub fn stop(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the server did not exit");
    }
}
