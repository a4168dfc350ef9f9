//! The server's state: one compiler database holding every project the
//! open documents belong to, and the open documents.
//!
//! A document's project is the folder it is in (every `.edict` file under
//! it, with the modules they import), loaded from disk when its first
//! document opens; open buffers then replace the files' text. Only the
//! request loop's writer touches this state, under one lock, before any
//! await, so edits apply in the order they arrive.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use edict_compiler::db::{Database, Origin, Settings, SourceFile, Workspace};
use edict_compiler::project::{RealFs, load_workspace};
use salsa::Setter;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::convert::LineIndex;

/// An open document.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Its URI.
    pub uri: Uri,
    /// The client's version of it.
    pub version: i32,
    /// The file in the database.
    pub file: SourceFile,
    /// Its project.
    pub ws: Workspace,
}

/// Every project and open document.
#[derive(Default)]
pub struct State {
    /// The database (clone it for readers; never hold a clone while
    /// waiting for the state's lock).
    pub db: Database,
    projects: BTreeMap<PathBuf, Workspace>,
    docs: BTreeMap<String, Doc>,
}

/// The path of a `file:` URI, or a made-up one for other schemes.
pub fn path_of(uri: &Uri) -> PathBuf {
    uri.to_file_path()
        .map(|p| p.into_owned())
        .unwrap_or_else(|| PathBuf::from(format!("/untitled/{}", uri.as_str().replace('/', "_"))))
}

impl State {
    /// The open document at `uri`.
    pub fn doc(&self, uri: &Uri) -> Option<&Doc> {
        self.docs.get(uri.as_str())
    }

    /// Every open document.
    pub fn docs(&self) -> impl Iterator<Item = &Doc> {
        self.docs.values()
    }

    /// Every loaded project.
    pub fn projects(&self) -> Vec<Workspace> {
        self.projects.values().copied().collect()
    }

    /// The project of a folder, loaded from disk the first time.
    fn project(&mut self, folder: &Path) -> Workspace {
        if let Some(ws) = self.projects.get(folder) {
            return *ws;
        }
        // A folder that cannot be read (an untitled buffer's) is a project
        // of the buffer alone.
        let paths = if folder.is_dir() {
            vec![folder.to_path_buf()]
        } else {
            Vec::new()
        };
        let ws = load_workspace(&mut self.db, &RealFs, &paths, Settings::default())
            .or_else(|_| load_workspace(&mut self.db, &RealFs, &[], Settings::default()))
            .unwrap_or_else(|_| {
                Workspace::new(&self.db, Vec::new(), BTreeMap::new(), Settings::default())
            });
        self.projects.insert(folder.to_path_buf(), ws);
        ws
    }

    /// Opens (or reopens) a document with its text.
    pub fn open(&mut self, uri: Uri, text: String, version: i32) -> Doc {
        let path = path_of(&uri);
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let ws = self.project(&folder);
        let shown = path.display().to_string();
        let existing = ws
            .files(&self.db)
            .iter()
            .copied()
            .find(|f| f.origin(&self.db) == Origin::Project && *f.path(&self.db) == shown);
        let file = match existing {
            Some(f) => {
                f.set_text(&mut self.db).to(text);
                f
            }
            None => {
                let rel = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let module = rel.trim_end_matches(".edict").to_string();
                let f = SourceFile::new(&self.db, shown, rel, module, text, Origin::Project, None);
                let mut files = ws.files(&self.db).clone();
                files.insert(0, f);
                ws.set_files(&mut self.db).to(files);
                f
            }
        };
        let doc = Doc {
            uri: uri.clone(),
            version,
            file,
            ws,
        };
        self.docs.insert(uri.as_str().to_string(), doc.clone());
        doc
    }

    /// Applies edits; refuses an edit older than the document, or to a
    /// document that is not open.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Result<Doc, String> {
        let Some(doc) = self.docs.get_mut(uri.as_str()) else {
            return Err(format!("{} is not open", uri.as_str()));
        };
        if version <= doc.version {
            return Err(format!(
                "edit of version {version} after version {} of {}: ignored",
                doc.version,
                uri.as_str()
            ));
        }
        let mut text = doc.file.text(&self.db).clone();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let index = LineIndex::new(&text);
                    let a = index.offset(&text, range.start);
                    let b = index.offset(&text, range.end);
                    let (a, b) = (a.min(b), a.max(b));
                    text.replace_range(a..b, &change.text);
                }
            }
        }
        doc.version = version;
        let doc = doc.clone();
        doc.file.set_text(&mut self.db).to(text);
        Ok(doc)
    }

    /// Closes a document (its project keeps the last text).
    pub fn close(&mut self, uri: &Uri) -> Option<Doc> {
        self.docs.remove(uri.as_str())
    }
}
