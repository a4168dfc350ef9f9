//! Loading a project: the files named on the command line, the project
//! modules they import (found under the project root), and the embedded
//! standard library, into one [`Workspace`].
//!
//! All file access goes through [`FileSystem`]: [`RealFs`] for the command
//! line, [`MemoryFs`] for tests (the language server will add an overlay of
//! open buffers).

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::db::{
    Database, LoadProblem, Origin, Settings, SourceFile, Workspace, file_summary, module_name,
};
use crate::stdlib;

/// The file access the compiler needs.
pub trait FileSystem {
    /// Reads a file's bytes.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Whether the path is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Every `.edict` file under a directory, recursively, sorted.
    fn edict_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// The path with links and `..` resolved.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
}

/// The real file system.
pub struct RealFs;

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn edict_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "edict") {
                    out.push(path);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// An in-memory file system for tests: path → bytes.
#[derive(Default)]
pub struct MemoryFs {
    /// The files.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn is_dir(&self, path: &Path) -> bool {
        let p = normalize(path);
        self.files.keys().any(|f| f.starts_with(&p) && *f != p)
    }

    fn edict_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let d = normalize(dir);
        Ok(self
            .files
            .keys()
            .filter(|f| f.starts_with(&d) && f.extension().is_some_and(|e| e == "edict"))
            .cloned()
            .collect())
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let p = normalize(path);
        if self.files.contains_key(&p) || self.is_dir(&p) {
            Ok(p)
        } else {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
    }
}

/// Resolves `.` and `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A loaded project.
pub struct Project {
    /// The database holding every file.
    pub db: Database,
    /// The workspace input.
    pub ws: Workspace,
}

/// Decodes bytes as UTF-8, replacing invalid sequences; returns the offset
/// of the first invalid one.
pub fn decode(bytes: &[u8]) -> (String, Option<u32>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(e.valid_up_to() as u32),
        ),
    }
}

fn default_module(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file).with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join(".")
}

/// Loads the files and folders in `paths` with the modules they import.
/// Fails only when a named path cannot be read.
pub fn load(fs: &dyn FileSystem, paths: &[PathBuf], settings: Settings) -> io::Result<Project> {
    load_into(Database::default(), fs, paths, settings)
}

/// [`load`] into a given database (one that logs its queries, say).
pub fn load_into(
    mut db: Database,
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    settings: Settings,
) -> io::Result<Project> {
    let ws = load_workspace(&mut db, fs, paths, settings)?;
    Ok(Project { db, ws })
}

/// Loads a workspace into a database that holds others already (the
/// language server's, one workspace per project). A failure leaves the
/// database's other workspaces as they were.
pub fn load_workspace(
    db: &mut Database,
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    settings: Settings,
) -> io::Result<Workspace> {
    let mut files: Vec<(SourceFile, PathBuf)> = Vec::new();
    for path in paths {
        if fs.is_dir(path) {
            for file in fs.edict_files(path)? {
                files.push((add_file(db, fs, &file, path)?, path.clone()));
            }
        } else {
            let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
            files.push((add_file(db, fs, path, &root)?, root));
        }
    }
    let mut problems = BTreeMap::new();
    let mut known: BTreeSet<String> = files
        .iter()
        .map(|(f, _)| module_name(&*db, *f).clone())
        .collect();
    let stdlib_names: BTreeSet<&str> = stdlib::MODULES.iter().map(|m| m.name).collect();
    let mut next = 0;
    while next < files.len() {
        let (file, root) = files[next].clone();
        next += 1;
        for import in file_summary(&*db, file).imports.clone() {
            if known.contains(&import)
                || stdlib_names.contains(import.as_str())
                || problems.contains_key(&import)
            {
                continue;
            }
            let candidate = root.join(format!("{}.edict", import.replace('.', "/")));
            let Ok(bytes) = fs.read(&candidate) else {
                continue;
            };
            let inside = match (fs.canonicalize(&candidate), fs.canonicalize(&root)) {
                (Ok(c), Ok(r)) => c.starts_with(&r).then_some(()).ok_or(c),
                (Err(_), _) | (_, Err(_)) => Err(candidate.clone()),
            };
            if let Err(resolved) = inside {
                problems.insert(
                    import.clone(),
                    LoadProblem::OutsideRoot(resolved.display().to_string()),
                );
                continue;
            }
            let (text, bad) = decode(&bytes);
            let module = default_module(&root, &candidate);
            let new = SourceFile::new(
                &*db,
                candidate.display().to_string(),
                relative(&root, &candidate),
                module,
                text,
                Origin::Project,
                bad,
            );
            let declared = module_name(&*db, new).clone();
            if declared != import {
                problems.insert(
                    import.clone(),
                    LoadProblem::HeaderMismatch {
                        file: candidate.display().to_string(),
                        declared,
                    },
                );
                continue;
            }
            known.insert(import);
            files.push((new, root.clone()));
        }
    }
    let mut all: Vec<SourceFile> = files.into_iter().map(|(f, _)| f).collect();
    for m in stdlib::MODULES {
        if !known.contains(m.name) {
            all.push(SourceFile::new(
                &*db,
                m.display_path(),
                m.display_path(),
                m.name.to_string(),
                m.text.to_string(),
                Origin::Stdlib,
                None,
            ));
        }
    }
    Ok(Workspace::new(&*db, all, problems, settings))
}

fn add_file(
    db: &mut Database,
    fs: &dyn FileSystem,
    file: &Path,
    root: &Path,
) -> io::Result<SourceFile> {
    let bytes = fs.read(file)?;
    let (text, bad) = decode(&bytes);
    Ok(SourceFile::new(
        &*db,
        file.display().to_string(),
        relative(root, file),
        default_module(root, file),
        text,
        Origin::Project,
        bad,
    ))
}

/// `file` relative to `root`, with `/` separators.
fn relative(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The display paths and texts of every file, for renderers.
pub fn sources(project: &Project) -> BTreeMap<String, String> {
    project
        .ws
        .files(&project.db)
        .iter()
        .map(|f| (f.path(&project.db).clone(), f.text(&project.db).clone()))
        .collect()
}
