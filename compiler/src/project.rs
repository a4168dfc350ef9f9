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
    /// Reads a source file's bytes.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Reads a compiled table's bytes (tables may be larger than sources).
    fn read_table(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read(path)
    }
    /// Whether the path is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Every `.edict` file under a directory, recursively, sorted.
    fn edict_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// The path with links and `..` resolved.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
}

/// The largest source file read (64 MiB); past it, `E0115`.
pub const MAX_SOURCE: u64 = 64 << 20;

/// The largest compiled table read (512 MiB); past it, `E0115`.
pub const MAX_TABLE: u64 = 512 << 20;

/// The real file system.
///
/// It reads regular files only (never a FIFO, a device or a socket, which
/// could block or never end), of at most [`MAX_SOURCE`] bytes. A folder walk
/// follows a symbolic link only to a place inside the folder walked; a link
/// that leads out of it is refused (the whole load fails, naming the link),
/// and a folder reached twice (a link loop) is walked once.
pub struct RealFs;

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        read_regular(path, MAX_SOURCE)
    }

    fn read_table(&self, path: &Path) -> io::Result<Vec<u8>> {
        read_regular(path, MAX_TABLE)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn edict_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        edict_files_within(dir, usize::MAX)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// Every `.edict` file under `dir`, sorted, by [`RealFs`]'s rules for links;
/// fails once more than `max_entries` folder entries have been looked at
/// (the language server bounds the folder it walks for a document).
pub fn edict_files_within(dir: &Path, max_entries: usize) -> io::Result<Vec<PathBuf>> {
    let root = std::fs::canonicalize(dir)?;
    let mut seen = BTreeSet::from([root.clone()]);
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut entries = 0usize;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            entries += 1;
            if entries > max_entries {
                return Err(io::Error::other(format!(
                    "`{}` holds more than {max_entries} files and folders",
                    dir.display()
                )));
            }
            let path = entry.path();
            let is_edict = path.extension().is_some_and(|e| e == "edict");
            let kind = entry.file_type()?;
            let is_dir = if kind.is_symlink() {
                match std::fs::canonicalize(&path) {
                    // A dangling link: read (and reported) if it names a source.
                    Err(_) => false,
                    Ok(target) => {
                        let target_is_dir = target.is_dir();
                        if !target.starts_with(&root) && (target_is_dir || is_edict) {
                            return Err(refused(format!(
                                "`{}` is a symbolic link to `{}`, outside `{}`; \
                                 links in a policy folder must stay inside it",
                                path.display(),
                                target.display(),
                                dir.display()
                            )));
                        }
                        target_is_dir
                    }
                }
            } else {
                kind.is_dir()
            };
            if is_dir {
                if seen.insert(std::fs::canonicalize(&path)?) {
                    stack.push(path);
                }
            } else if is_edict {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// An I/O error carrying the `E0115` refusal.
fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("[E0115] {message}"))
}

/// Reads a regular file of at most `max` bytes: a FIFO, a device, a socket
/// or a folder is refused before it is opened, and the size is checked
/// again while reading (the file may grow).
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let kind = |meta: &std::fs::Metadata| {
        let t = meta.file_type();
        if t.is_file() {
            None
        } else if t.is_dir() {
            Some("a folder")
        } else {
            Some(special_kind(&t))
        }
    };
    let meta = std::fs::metadata(path)?;
    if let Some(what) = kind(&meta) {
        return Err(refused(format!(
            "`{}` is {what}, not a regular file",
            path.display()
        )));
    }
    let too_large = |len: u64| {
        refused(format!(
            "`{}` has {len} bytes; at most {} MiB are read",
            path.display(),
            max >> 20
        ))
    };
    if meta.len() > max {
        return Err(too_large(meta.len()));
    }
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if let Some(what) = kind(&meta) {
        return Err(refused(format!(
            "`{}` is {what}, not a regular file",
            path.display()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Opens for reading without blocking on a FIFO swapped in after the check.
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
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

/// The real file system with some files' texts replaced (`edict fmt`
/// compiles a policy as it would be after formatting, before writing).
pub struct Overlay {
    /// Replaced texts, by canonical path.
    pub texts: BTreeMap<PathBuf, String>,
}

impl FileSystem for Overlay {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match std::fs::canonicalize(path)
            .ok()
            .and_then(|p| self.texts.get(&p))
        {
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => RealFs.read(path),
        }
    }

    fn is_dir(&self, path: &Path) -> bool {
        RealFs.is_dir(path)
    }

    fn edict_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        RealFs.edict_files(dir)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        RealFs.canonicalize(path)
    }
}

/// The `.edict` files of a folder read into memory, within bounds: at most
/// `max_entries` folder entries walked and `max_bytes` read in all (each
/// file by [`RealFs`]'s rules). The language server loads a document's
/// project this way before it takes its lock.
pub fn snapshot(dir: &Path, max_entries: usize, max_bytes: u64) -> io::Result<MemoryFs> {
    let mut fs = MemoryFs::default();
    let mut total = 0u64;
    for file in edict_files_within(dir, max_entries)? {
        let bytes = RealFs.read(&file)?;
        total += bytes.len() as u64;
        if total > max_bytes {
            return Err(io::Error::other(format!(
                "the `.edict` files under `{}` hold more than {} MiB",
                dir.display(),
                max_bytes >> 20
            )));
        }
        fs.files.insert(normalize(&file), bytes);
    }
    Ok(fs)
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

/// A project of one policy file given as text (with the standard library),
/// as `/policy.edict` in memory: for tests and fuzzing.
pub fn load_text(text: &str, settings: Settings) -> io::Result<Project> {
    let mut fs = MemoryFs::default();
    let path = PathBuf::from("/policy.edict");
    fs.files.insert(path.clone(), text.as_bytes().to_vec());
    load(&fs, &[path], settings)
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
            // A bare file name's folder is the current one.
            let root = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
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
            // Containment is checked on the resolved path before any read.
            let Ok(resolved) = fs.canonicalize(&candidate) else {
                continue;
            };
            let inside = fs
                .canonicalize(&root)
                .is_ok_and(|r| resolved.starts_with(r));
            if !inside {
                problems.insert(
                    import.clone(),
                    LoadProblem::OutsideRoot(resolved.display().to_string()),
                );
                continue;
            }
            let bytes = match fs.read(&candidate) {
                Ok(b) => b,
                Err(e) => {
                    problems.insert(
                        import.clone(),
                        LoadProblem::Unreadable {
                            file: candidate.display().to_string(),
                            reason: e.to_string(),
                        },
                    );
                    continue;
                }
            };
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
            // The standard library never changes while the database lives:
            // high durability lets salsa skip re-validating what depends
            // only on it after each edit of a project file.
            all.push(
                SourceFile::builder(
                    m.display_path(),
                    m.display_path(),
                    m.name.to_string(),
                    m.text.to_string(),
                    Origin::Stdlib,
                    None,
                )
                .durability(salsa::Durability::HIGH)
                .new(&*db),
            );
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
