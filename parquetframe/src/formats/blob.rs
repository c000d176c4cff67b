//! The bytes of a Parquet file being read: an open local file, the whole
//! object fetched from a bucket (one GET; the footer, page index and pages
//! are then read from memory), or one window of it (a row group's column
//! chunks, one ranged GET; a read outside it asks the bucket again).

use std::fs::File;
use std::io::Read;

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};

use crate::error::Error;
use crate::io::{Location, io_error};

/// A local file or an object's bytes.
pub(crate) enum Blob {
    /// A local file.
    File(File),
    /// An object read whole.
    Bytes(Bytes),
    /// The bytes from `start` of an object; others are fetched when asked for.
    Window {
        /// Where `bytes` start in the object.
        start: u64,
        /// The window.
        bytes: Bytes,
        /// The object, for reads outside the window.
        location: Location,
    },
}

impl Blob {
    /// Opens `location`: a local file is opened, an object is fetched.
    pub(crate) fn open(location: &Location) -> Result<Blob, Error> {
        match location {
            Location::Local(path) => File::open(path).map(Blob::File).map_err(io_error("opening", path)),
            Location::Object(_) => location.read().map(Blob::Bytes),
        }
    }
}

/// A reader of a [`Blob`] from an offset.
pub(crate) enum BlobRead {
    /// Of a local file.
    File(std::io::BufReader<File>),
    /// Of an object's bytes.
    Bytes(bytes::buf::Reader<Bytes>),
}

impl Read for BlobRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            BlobRead::File(r) => r.read(buf),
            BlobRead::Bytes(r) => r.read(buf),
        }
    }
}

impl Length for Blob {
    fn len(&self) -> u64 {
        match self {
            Blob::File(f) => Length::len(f),
            Blob::Bytes(b) => Length::len(b),
            Blob::Window { start, bytes, .. } => start + bytes.len() as u64,
        }
    }
}

impl ChunkReader for Blob {
    type T = BlobRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<BlobRead> {
        Ok(match self {
            Blob::File(f) => BlobRead::File(f.get_read(start)?),
            Blob::Bytes(b) => BlobRead::Bytes(b.get_read(start)?),
            Blob::Window { start: from, bytes, .. } => {
                let at = start.checked_sub(*from).ok_or_else(|| outside(start, *from))?;
                BlobRead::Bytes(bytes.get_read(at)?)
            }
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self {
            Blob::File(f) => f.get_bytes(start, length),
            Blob::Bytes(b) => b.get_bytes(start, length),
            Blob::Window { start: from, bytes, location } => {
                let end = start.saturating_add(length as u64);
                if start >= *from && end <= from + bytes.len() as u64 {
                    return bytes.get_bytes(start - from, length);
                }
                location
                    .read_range(start..end)
                    .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))
            }
        }
    }
}

fn outside(start: u64, window: u64) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::General(format!("offset {start} is before the window read at {window}"))
}
