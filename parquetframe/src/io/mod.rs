//! Where files live and how they are reached: file-system helpers whose
//! errors name the path, [`Location`] (a local path or an object in a
//! bucket), the buckets opened, and the runtime async clients run on.

mod buckets;
mod counted;
mod location;
pub(crate) mod runtime;

pub use buckets::Bucket;
pub use counted::Requests;
pub use location::{Location, ObjectLocation, PutNew, is_url};

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, StorageError};

/// An I/O error on `path` while doing `op`.
pub fn io_error<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Storage(StorageError::Io { op, path: path.to_path_buf(), source })
}

/// Creates a directory and its parents.
pub fn create_dir_all(path: &Path) -> Result<(), Error> {
    fs::create_dir_all(path).map_err(io_error("creating directory", path))
}

/// Flushes a directory's entries to disk, so a rename or link in it survives a crash.
pub fn sync_dir(path: &Path) -> Result<(), Error> {
    File::open(path).and_then(|d| d.sync_all()).map_err(io_error("syncing directory", path))
}

/// Writes `bytes` to a new file `tmp` and syncs it.
pub fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file =
        File::options().write(true).create_new(true).open(tmp).map_err(io_error("creating", tmp))?;
    file.write_all(bytes).map_err(io_error("writing", tmp))?;
    file.sync_all().map_err(io_error("syncing", tmp))
}

/// A name no other writer, in this or another process, will pick.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // OS-seeded random bits: the pid and the clock repeat across machines.
    let random = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.finish() as u32
    };
    format!("{}-{:x}-{}-{random:08x}", std::process::id(), nanos, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Lists the file names in `dir` (empty when it does not exist).
pub fn list(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("listing", dir)(e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error("listing", dir))?;
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// Removes a file, ignoring one that is already gone.
pub fn remove_file(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("removing", path)(e)),
    }
}

/// `dir/name`.
pub fn join(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Writes `path` through a temporary file in the same directory (named
/// uniquely, so concurrent writers never share one), then renames it over
/// `path` and syncs the directory: readers see the old file or the new one,
/// never a part, and the rename survives a crash once this returns. `write`
/// must sync what it writes. On error the temporary file is removed and
/// `path` is untouched; write errors name `path`, not the temporary file.
/// Returns what `write` returned.
pub fn write_via_temp<R>(path: &Path, write: impl FnOnce(&Path) -> Result<R, Error>) -> Result<R, Error> {
    via_temp(path, write, |tmp, path| {
        std::fs::rename(tmp, path).map_err(io_error("renaming a temporary file to", path))
    })
}

/// [`write_via_temp`] that never replaces a file: the finished file is
/// linked into place, which fails when `path` exists, even if another
/// process created it meanwhile (an I/O error of kind `AlreadyExists`,
/// naming `path`).
pub fn write_new_via_temp<R>(path: &Path, write: impl FnOnce(&Path) -> Result<R, Error>) -> Result<R, Error> {
    via_temp(path, write, |tmp, path| {
        std::fs::hard_link(tmp, path).map_err(io_error("linking a temporary file to", path))?;
        std::fs::remove_file(tmp).map_err(io_error("removing", tmp))
    })
}

fn via_temp<R>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<R, Error>,
    publish: impl FnOnce(&Path, &Path) -> Result<(), Error>,
) -> Result<R, Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", unique_suffix()));
    let written = write(&tmp)
        .map_err(|e| match e {
            Error::Write { message, .. } => Error::Write { path: path.to_path_buf(), message },
            other => other,
        })
        .and_then(|r| {
            publish(&tmp, path)?;
            sync_dir(dir)?;
            Ok(r)
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `e` with the file it came from, unless it already names one.
pub fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Storage(_) | Error::InFile { .. } | Error::Resolution { .. } => e,
        other => Error::InFile { path: path.to_path_buf(), source: Box::new(other) },
    }
}

/// The path of a file that was not found, if that is what `e` is.
pub fn missing_path(e: &Error) -> Option<PathBuf> {
    match e {
        Error::Storage(StorageError::Io { path, source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Some(path.clone())
        }
        _ => None,
    }
}
