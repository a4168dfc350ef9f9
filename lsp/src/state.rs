//! The server's state: one compiler database holding every project the
//! open documents belong to, and the open documents.
//!
//! A document's project is the folder it is in (every `.edict` file under
//! it, with the modules they import), read from disk when its first
//! document opens — by [`preload`], before the lock is taken, and within
//! bounds ([`MAX_PROJECT_ENTRIES`], [`MAX_PROJECT_BYTES`]): a document at
//! the file-system root, outside any file, or in a folder too large to
//! walk is a project of its own buffer. Open buffers then replace the
//! files' text. Only the request loop's writer touches this state, under
//! one lock, before any await, so edits apply in the order they arrive.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use edict_compiler::db::{Database, Origin, Settings, SourceFile, Workspace};
use edict_compiler::project::{MemoryFs, load_workspace, snapshot};
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

/// The most files and folders walked to find a document's project.
pub const MAX_PROJECT_ENTRIES: usize = 20_000;

/// The most bytes of `.edict` files read for one project.
pub const MAX_PROJECT_BYTES: u64 = 256 << 20;

/// A project read from disk before the lock is taken: its folder and files,
/// or why the document is checked alone.
pub struct Preload {
    folder: PathBuf,
    files: Result<MemoryFs, String>,
}

impl Preload {
    /// Why the project could not be read, if it could not.
    pub fn problem(&self) -> Option<&str> {
        self.files.as_ref().err().map(String::as_str)
    }
}

/// The folder whose `.edict` files form a document's project: the one it
/// is in, unless that is the file-system root or the URI names no file.
pub fn project_folder(uri: &Uri) -> Option<PathBuf> {
    let path = uri.to_file_path()?.into_owned();
    let folder = path.parent()?;
    folder.parent()?;
    Some(folder.to_path_buf())
}

/// Reads the project of a document at `uri` (without the lock).
pub fn preload(uri: &Uri) -> Option<Preload> {
    let folder = project_folder(uri)?;
    let files = if folder.is_dir() {
        snapshot(&folder, MAX_PROJECT_ENTRIES, MAX_PROJECT_BYTES).map_err(|e| {
            format!(
                "{e}; only the open documents of `{}` are checked",
                folder.display()
            )
        })
    } else {
        Ok(MemoryFs::default())
    };
    Some(Preload { folder, files })
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

    /// Whether the project of a folder is loaded.
    pub fn has_project(&self, folder: &Path) -> bool {
        self.projects.contains_key(folder)
    }

    /// The project of a folder: loaded already, or from `preload`, or
    /// (without one) a project of the buffer alone.
    fn project(&mut self, folder: &Path, preload: Option<Preload>) -> Workspace {
        if let Some(ws) = self.projects.get(folder) {
            return *ws;
        }
        let files = preload
            .filter(|p| p.folder == folder)
            .and_then(|p| p.files.ok())
            .unwrap_or_default();
        let paths = if files.files.is_empty() {
            Vec::new()
        } else {
            vec![folder.to_path_buf()]
        };
        let ws = load_workspace(&mut self.db, &files, &paths, Settings::default())
            .or_else(|_| load_workspace(&mut self.db, &files, &[], Settings::default()))
            .unwrap_or_else(|_| {
                Workspace::new(&self.db, Vec::new(), BTreeMap::new(), Settings::default())
            });
        self.projects.insert(folder.to_path_buf(), ws);
        ws
    }

    /// Opens (or reopens) a document with its text; `preload` is its
    /// project as read from disk when not loaded yet ([`preload`]).
    pub fn open(&mut self, uri: Uri, text: String, version: i32, preload: Option<Preload>) -> Doc {
        let path = path_of(&uri);
        // A document outside any folder of its own has a project of one.
        let folder = project_folder(&uri).unwrap_or_else(|| path.clone());
        let ws = self.project(&folder, preload);
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
