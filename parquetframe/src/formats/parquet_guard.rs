//! The Thrift structures of a Parquet file (footer, page headers, page
//! index) walked with bounded work before the parquet crate decodes them:
//! see [`super::thrift_walk`] for why. A file that fails a walk is an
//! error naming it and the structure; a valid file always passes.

use std::collections::HashSet;
use std::path::Path;

use parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};
use parquet::file::reader::ChunkReader;

use super::thrift_walk::{Fault, Top, walk_struct};
use crate::error::{Error, StorageError};

/// The first read of a page header; longer ones are read again whole.
const HEADER_GUESS: u64 = 256;

fn refused(path: &Path, what: &str, fault: &Fault) -> Error {
    StorageError::Corrupt { path: path.to_path_buf(), message: format!("its {what} is malformed: {fault}") }
        .into()
}

fn read_range(file: &impl ChunkReader, path: &Path, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
    // Bounded by the file's real size, whatever `len` claims.
    let size = file.len();
    let len = len.min(size.saturating_sub(offset));
    let wanted = usize::try_from(len).unwrap_or(usize::MAX);
    file.get_bytes(offset, wanted).map(|b| b.to_vec()).map_err(|e| {
        StorageError::Corrupt {
            path: path.to_path_buf(),
            message: format!("reading {len} bytes at {offset} (named by its footer): {e}"),
        }
        .into()
    })
}

/// Walks the footer (the file metadata) at the end of `file`. Files too
/// short or without the magic are left to the crate, which refuses them
/// without decoding anything.
pub(crate) fn check_footer(file: &impl ChunkReader, path: &Path) -> Result<(), Error> {
    let size = file.len();
    if size < 12 {
        return Ok(());
    }
    let tail = read_range(file, path, size - 8, 8)?;
    if tail.len() != 8 || &tail[4..] != b"PAR1" {
        return Ok(());
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if len + 8 > size {
        return Ok(());
    }
    let footer = read_range(file, path, size - 8 - len, len)?;
    walk_struct(&footer, Top::default()).map(|_| ()).map_err(|f| refused(path, "footer", &f))
}

/// The byte range a column chunk's footer entry gives it, if it is one.
fn chunk_range(column: &ColumnChunkMetaData, size: u64) -> Option<(u64, u64)> {
    let start = column.dictionary_page_offset().unwrap_or_else(|| column.data_page_offset());
    let start = u64::try_from(start).ok()?;
    let len = u64::try_from(column.compressed_size()).ok()?;
    let end = start.checked_add(len)?.min(size);
    (start < end).then_some((start, end))
}

/// Walks the page header at `offset` of a chunk ending at `end`; returns
/// its length and the page's compressed size.
fn page_header(
    file: &impl ChunkReader,
    path: &Path,
    offset: u64,
    end: u64,
    what: &str,
) -> Result<(u64, i64), Error> {
    let mut guess = HEADER_GUESS.min(end - offset);
    loop {
        let bytes = read_range(file, path, offset, guess)?;
        match walk_struct(&bytes, Top { want: Some(3), bool_list: None }) {
            Ok(walked) => return Ok((walked.len as u64, walked.field.unwrap_or(-1))),
            Err(Fault::Truncated) if guess < end - offset && bytes.len() as u64 == guess => {
                guess = guess.saturating_mul(16).min(end - offset);
            }
            Err(fault) => return Err(refused(path, what, &fault)),
        }
    }
}

/// Walks the header of every page of every column chunk, following the
/// chunks as the crate reads them (header, then the page's bytes), and the
/// pages the offset index names, when it is loaded.
pub(crate) fn check_pages(
    file: &impl ChunkReader,
    path: &Path,
    metadata: &ParquetMetaData,
) -> Result<(), Error> {
    let size = file.len();
    let offsets = metadata.offset_index();
    for (rg, group) in metadata.row_groups().iter().enumerate() {
        for (c, column) in group.columns().iter().enumerate() {
            let Some((start, end)) = chunk_range(column, size) else { continue };
            let what = format!("page header (row group {rg}, column {c})");
            let mut walked = HashSet::new();
            let mut at = start;
            while at < end {
                let (len, page) = page_header(file, path, at, end, &what)?;
                walked.insert(at);
                // A negative or overlong page size ends the walk: the crate
                // refuses the page when it reads it.
                let Ok(page) = u64::try_from(page) else { break };
                at = at.saturating_add(len).saturating_add(page);
            }
            let located = offsets.and_then(|o| o.get(rg)).and_then(|g| g.get(c));
            for location in located.map(|l| l.page_locations().as_slice()).unwrap_or_default() {
                let Ok(offset) = u64::try_from(location.offset) else { continue };
                if offset < size && walked.insert(offset) {
                    page_header(file, path, offset, size, &what)?;
                }
            }
        }
    }
    Ok(())
}

/// Walks the page index (column and offset indexes) the footer points at,
/// before the crate loads it.
pub(crate) fn check_page_index(
    file: &impl ChunkReader,
    path: &Path,
    metadata: &ParquetMetaData,
) -> Result<(), Error> {
    let size = file.len();
    for group in metadata.row_groups() {
        for column in group.columns() {
            let ranges = [
                (column.column_index_offset(), column.column_index_length(), Some(1), "column index"),
                (column.offset_index_offset(), column.offset_index_length(), None, "offset index"),
            ];
            for (offset, len, bool_list, what) in ranges {
                let (Some(offset), Some(len)) = (offset, len) else { continue };
                let (Ok(offset), Ok(len)) = (u64::try_from(offset), u64::try_from(len)) else { continue };
                if offset.saturating_add(len) > size {
                    continue; // the crate refuses a range beyond the file
                }
                let bytes = read_range(file, path, offset, len)?;
                walk_struct(&bytes, Top { want: None, bool_list }).map_err(|f| refused(path, what, &f))?;
            }
        }
    }
    Ok(())
}
