//! Serialises writers across threads and processes with an OS file lock.
//! Readers never take it.

use std::fs::File;
use std::path::Path;

use crate::error::Error;
use crate::io::io_error;

/// An exclusive lock, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Blocks until the lock on `path` is ours.
    pub fn acquire(path: &Path) -> Result<Self, Error> {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_error("opening lock file", path))?;
        file.lock().map_err(io_error("locking", path))?;
        Ok(Self { _file: file })
    }
}
