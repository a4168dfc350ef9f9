//! Diagnostics, published in two passes after edits pause.
//!
//! The first pass is the checker's (per-file salsa queries: an edit
//! re-checks what it touched), so a keystroke gets its diagnostics fast;
//! the second compiles the policy for the table-level warnings (`W05xx`),
//! decides the assertions (`E09xx`) and runs the `test` blocks (with a
//! hint on each rule no test reaches), which takes longer on large policies and is
//! cancelled by the next edit. Between the two, the first pass repeats the
//! second's last findings, so they do not flicker. Nothing is published
//! for a document version that a newer edit has replaced.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use edict_compiler::db::{Database, Workspace, check_file};
use edict_compiler::diagnostics::Diagnostic;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::DEBOUNCE_MS;
use crate::convert::{LineIndex, diagnostic};
use crate::lenses::{Snapshot, snapshot};
use crate::state::{Doc, State};

/// The second pass's findings per document URI, repeated by first passes.
pub type Extras = Arc<Mutex<HashMap<String, Vec<lsp::Diagnostic>>>>;

/// What a publishing task needs from the server.
#[derive(Clone)]
pub struct Publisher {
    /// The client to publish to.
    pub client: Client,
    /// The server's state.
    pub state: Arc<Mutex<State>>,
    /// Bumped by every edit.
    pub generation: Arc<AtomicU64>,
    /// The last second-pass findings.
    pub extras: Extras,
}

type Batch = Vec<(Uri, Vec<lsp::Diagnostic>, i32)>;

impl Publisher {
    /// Publishes the diagnostics of every open document of `ws` once edits
    /// pause, unless a newer edit comes meanwhile.
    pub fn schedule(&self, ws: Workspace) {
        let me = self.clone();
        let generation = self.generation.load(Ordering::SeqCst);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(DEBOUNCE_MS)).await;
            if !me.current(generation) {
                return;
            }
            let extras = me.extras.lock().map(|e| e.clone()).unwrap_or_default();
            let fast = me
                .run(ws, move |db, docs| checker_pass(db, ws, docs, &extras))
                .await;
            let Some(fast) = fast else { return };
            if !me.publish(generation, fast).await {
                return;
            }
            // The database is let go of before compiling, so an edit never
            // waits for the table lowering.
            let taken = me
                .run(ws, move |db, docs| (snapshot(db, ws), open_of(db, docs)))
                .await;
            let Some((snap, open)) = taken else { return };
            let full = tokio::task::spawn_blocking(move || full_pass(snap, open)).await;
            let Ok((batch, extras)) = full else { return };
            if me.current(generation) {
                if let Ok(mut e) = me.extras.lock() {
                    e.extend(extras);
                }
                me.publish(generation, batch).await;
            }
        });
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    /// Runs a pass on a clone of the database; `None` when cancelled.
    async fn run<T: Send + 'static>(
        &self,
        ws: Workspace,
        pass: impl FnOnce(&Database, &[Doc]) -> T + Send + 'static,
    ) -> Option<T> {
        let (db, docs) = {
            let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let docs: Vec<Doc> = s.docs().filter(|d| d.ws == ws).cloned().collect();
            (s.db.clone(), docs)
        };
        let job = tokio::task::spawn_blocking(move || {
            salsa::Cancelled::catch(std::panic::AssertUnwindSafe(|| pass(&db, &docs)))
        });
        job.await.ok()?.ok()
    }

    /// Publishes a batch if no edit came since; says whether it did.
    async fn publish(&self, generation: u64, batch: Batch) -> bool {
        if !self.current(generation) {
            return false;
        }
        for (uri, diagnostics, version) in batch {
            self.client
                .publish_diagnostics(uri, diagnostics, Some(version))
                .await;
        }
        true
    }
}

/// Whether a diagnostic comes from the table stage (family `05`) or the
/// assertions decided over the table (family `09`).
fn table_level(d: &Diagnostic) -> bool {
    matches!(d.code.as_str().get(1..3), Some("05" | "09"))
}

/// An open document as a pass sees it.
struct Open {
    uri: Uri,
    version: i32,
    shown: String,
}

/// Converts the diagnostics of each open document; `texts` has the text
/// of every file a diagnostic may point into, by shown path.
fn convert(
    open: &[Open],
    texts: &BTreeMap<String, String>,
    all: &[Diagnostic],
) -> Vec<Vec<lsp::Diagnostic>> {
    let locate = |shown: &str| -> Option<(Uri, String)> {
        let text = texts.get(shown)?.clone();
        let uri = open
            .iter()
            .find(|d| d.shown == shown)
            .map(|d| d.uri.clone())
            .or_else(|| Uri::from_file_path(shown))?;
        Some((uri, text))
    };
    open.iter()
        .map(|d| {
            let text = texts.get(&d.shown).map_or("", String::as_str);
            let index = LineIndex::new(text);
            all.iter()
                .filter(|x| x.primary.file == d.shown)
                .map(|x| diagnostic(x, text, &index, &locate))
                .collect()
        })
        .collect()
}

fn open_of(db: &Database, docs: &[Doc]) -> Vec<Open> {
    docs.iter()
        .map(|d| Open {
            uri: d.uri.clone(),
            version: d.version,
            shown: d.file.path(db).clone(),
        })
        .collect()
}

/// The checker's diagnostics of each open document (per-file queries),
/// with the last second-pass findings.
fn checker_pass(
    db: &Database,
    ws: Workspace,
    docs: &[Doc],
    extras: &HashMap<String, Vec<lsp::Diagnostic>>,
) -> Batch {
    let open = open_of(db, docs);
    let mut all = Vec::new();
    let mut texts = BTreeMap::new();
    for d in docs {
        let found = check_file(db, ws, d.file);
        for x in found.iter() {
            for label in std::iter::once(&x.primary).chain(&x.secondary) {
                if !texts.contains_key(&label.file)
                    && let Some(f) = ws.files(db).iter().find(|f| *f.path(db) == label.file)
                {
                    texts.insert(label.file.clone(), f.text(db).clone());
                }
            }
        }
        texts.insert(d.file.path(db).clone(), d.file.text(db).clone());
        all.extend(found.iter().cloned());
    }
    convert(&open, &texts, &all)
        .into_iter()
        .zip(open)
        .map(|(mut list, d)| {
            list.extend(extras.get(d.uri.as_str()).cloned().unwrap_or_default());
            (d.uri, list, d.version)
        })
        .collect()
}

/// Everything `edict check` reports, and failing tests, computed without
/// the database; with the table-level part per document for later first
/// passes.
fn full_pass(
    snapshot: Snapshot,
    open: Vec<Open>,
) -> (Batch, HashMap<String, Vec<lsp::Diagnostic>>) {
    let crate::lenses::Checked {
        diagnostics: all,
        compiled,
        texts,
        ..
    } = crate::lenses::check(snapshot);
    let results = compiled
        .as_ref()
        .and_then(|c| edict_compiler::testing::run(c).ok())
        .unwrap_or_default();
    let table: Vec<Diagnostic> = all.iter().filter(|d| table_level(d)).cloned().collect();
    let table = convert(&open, &texts, &table);
    let lists = convert(&open, &texts, &all);
    let mut batch = Vec::new();
    let mut extras = HashMap::new();
    for ((mut list, mut extra), d) in lists.into_iter().zip(table).zip(open) {
        let text = texts.get(&d.shown).map_or("", String::as_str);
        let mut failures = crate::lenses::test_failures(&d.shown, text, &results);
        if let Some(c) = &compiled {
            failures.extend(crate::lenses::coverage_hints(&d.shown, text, c, &results));
        }
        list.extend(failures.iter().cloned());
        extra.extend(failures);
        extras.insert(d.uri.as_str().to_string(), extra);
        batch.push((d.uri, list, d.version));
    }
    (batch, extras)
}
