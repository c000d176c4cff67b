//! Parquet data files through arrow-rs: written in row groups, read with
//! projection (key column only where that is all we need) and per row group.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::arrow::{ArrowSchemaConverter, add_encoded_arrow_schema_to_metadata};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use super::blob::Blob;
use super::claims::Deleted;
use super::parquet_guard;
use crate::avro::Codec;
use crate::error::{Error, StorageError};
use crate::io::{Location, io_error};

pub use super::WriteOptions;

fn corrupt(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> Error + '_ {
    move |e| StorageError::Corrupt { path: path.to_path_buf(), message: e.to_string() }.into()
}

/// Reads the footer of `file` (at `path`), the Arrow schema it embeds and,
/// when `indexed`, the page index.
///
/// Every Thrift structure is walked with bounded work first
/// ([`super::parquet_guard`]): the crate's decoder can loop for minutes on
/// a few bytes. arrow-ipc panics on some malformed embedded schemas (an
/// integer of width 7, a missing type table: found by `fuzz/` target
/// `parquet_read`) instead of returning an error; file contents must never
/// panic the program, so such a panic becomes an error naming the file.
fn load_footer(file: &Blob, indexed: bool, path: &Path) -> Result<ArrowReaderMetadata, Error> {
    parquet_guard::check_footer(file, path)?;
    let plain = decode_footer(file, ArrowReaderOptions::new(), path)?;
    if !indexed {
        parquet_guard::check_pages(file, path, plain.metadata())?;
        return Ok(plain);
    }
    parquet_guard::check_page_index(file, path, plain.metadata())?;
    let metadata = decode_footer(
        file,
        ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional),
        path,
    )?;
    parquet_guard::check_pages(file, path, metadata.metadata())?;
    Ok(metadata)
}

fn decode_footer(
    file: &Blob,
    options: ArrowReaderOptions,
    path: &Path,
) -> Result<ArrowReaderMetadata, Error> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ArrowReaderMetadata::load(file, options)))
    {
        Ok(loaded) => loaded.map_err(corrupt(path)),
        Err(panic) => Err(StorageError::Corrupt {
            path: path.to_path_buf(),
            message: format!(
                "its footer or embedded Arrow schema is malformed ({})",
                panic_message(panic.as_ref())
            ),
        }
        .into()),
    }
}

/// The text of a caught panic of the parquet or arrow crates.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("the decoder panicked")
}

/// Rows per data page at most.
pub const DATA_PAGE_ROWS: usize = 8 * 1024;

/// Bytes of a dictionary page at most.
pub const DICTIONARY_PAGE_BYTES: usize = 128 * 1024;

/// Writes a new file at `path` (which must not exist) from `batches`, then syncs
/// it. Returns the rows written and the file size.
///
/// Each batch becomes one row group whose columns are encoded in parallel
/// (arrow-rs's column writers on the rayon pool). The Arrow schema is stored
/// in the file's metadata, as `ArrowWriter` and pyarrow do.
pub fn write(
    path: &Path,
    schema: SchemaRef,
    key_column: Option<&str>,
    options: &WriteOptions,
    batches: impl Iterator<Item = Result<RecordBatch, Error>>,
) -> Result<(u64, u64), Error> {
    let compression = match options.codec {
        Codec::Zstd(level) => Compression::ZSTD(ZstdLevel::try_new(level).map_err(corrupt(path))?),
        Codec::Snappy => Compression::SNAPPY,
        Codec::Null => Compression::UNCOMPRESSED,
        other => {
            return Err(Error::Write {
                path: path.to_path_buf(),
                message: format!(
                    "Parquet files are written with the null, snappy or zstandard codec, not `{}`",
                    other.avro_name()
                ),
            });
        }
    };
    let file = File::options().write(true).create_new(true).open(path).map_err(io_error("creating", path))?;
    let mut builder = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(options.row_group_size.max(1)))
        // Pages of at most 8K rows: a point read (find, relation lookups)
        // decodes one small page per column instead of a whole row group.
        .set_data_page_row_count_limit(DATA_PAGE_ROWS)
        // A dictionary page is read whole by any read of its column chunk:
        // past 128 KiB a column falls back to plain pages (zstd still applies).
        .set_dictionary_page_size_limit(DICTIONARY_PAGE_BYTES);
    if let Some(key) = key_column
        && let Ok(field) = schema.field_with_name(key)
        && field.data_type().is_integer()
    {
        let column = ColumnPath::from(key);
        builder = builder
            .set_column_dictionary_enabled(column.clone(), false)
            .set_column_encoding(column, Encoding::DELTA_BINARY_PACKED);
    }
    let mut props = builder.build();
    add_encoded_arrow_schema_to_metadata(&schema, &mut props);
    let props = Arc::new(props);
    let parquet_schema = ArrowSchemaConverter::new()
        .with_coerce_types(props.coerce_types())
        .convert(&schema)
        .map_err(corrupt(path))?;
    let mut writer =
        SerializedFileWriter::new(file, parquet_schema.root_schema_ptr(), props).map_err(corrupt(path))?;
    let factory = ArrowRowGroupWriterFactory::new(&writer, Arc::clone(&schema));
    let mut rows = 0u64;
    let mut row_group = 0usize;
    // Row groups are encoded two at a time (more column tasks than cores keeps
    // both busy when one column is much heavier than the others), then appended
    // in order.
    let mut pending: Vec<RecordBatch> = Vec::with_capacity(2);
    let mut batches = batches.peekable();
    while let Some(batch) = batches.next() {
        let batch = batch?;
        if batch.num_rows() > 0 {
            rows += batch.num_rows() as u64;
            pending.push(batch);
        }
        if pending.len() < 2 && batches.peek().is_some() {
            continue;
        }
        let mut tasks = Vec::new();
        for (i, batch) in pending.iter().enumerate() {
            let writers = factory.create_column_writers(row_group + i).map_err(corrupt(path))?;
            let mut leaves = Vec::new();
            for (field, array) in schema.fields().iter().zip(batch.columns()) {
                leaves.extend(compute_leaves(field, array).map_err(corrupt(path))?);
            }
            tasks.extend(writers.into_iter().zip(leaves).map(|(w, l)| (i, w, l)));
        }
        let encoded: Vec<(usize, ArrowColumnChunk)> = tasks
            .into_par_iter()
            .map(|(i, mut writer, leaf)| {
                writer.write(&leaf)?;
                writer.close().map(|chunk| (i, chunk))
            })
            .collect::<Result<_, _>>()
            .map_err(corrupt(path))?;
        // `collect` keeps task order: chunks arrive grouped by row group, in column order.
        let mut encoded = encoded.into_iter().peekable();
        for i in 0..pending.len() {
            let mut group = writer.next_row_group().map_err(corrupt(path))?;
            while let Some((_, chunk)) = encoded.next_if(|(g, _)| *g == i) {
                chunk.append_to_row_group(&mut group).map_err(corrupt(path))?;
            }
            group.close().map_err(corrupt(path))?;
        }
        row_group += pending.len();
        pending.clear();
    }
    let file = writer.into_inner().map_err(corrupt(path))?;
    file.sync_all().map_err(io_error("syncing", path))?;
    let bytes = file.metadata().map_err(io_error("reading size of", path))?.len();
    Ok((rows, bytes))
}

/// Parsed footers (and page indexes) of the table files opened last, by path
/// and whether the page index was read: a point lookup opens the same large
/// files again and again. An entry is used only while the file's size and
/// modification time are those it was read at.
#[allow(clippy::type_complexity)]
static FOOTERS: std::sync::LazyLock<
    std::sync::Mutex<
        std::collections::HashMap<
            (std::path::PathBuf, bool),
            ((u64, Option<std::time::SystemTime>), ArrowReaderMetadata),
        >,
    >,
> = std::sync::LazyLock::new(Default::default);

/// A table file in a bucket: where it is, its bytes once fetched whole, and
/// the row groups fetched alone (a footer this process parsed before needs
/// no request; rows are fetched when read).
struct Remote {
    location: Location,
    whole: std::sync::OnceLock<bytes::Bytes>,
    /// By row group and root column (`None`: every column).
    /// Each window with the offset it starts at.
    groups: std::sync::Mutex<std::collections::HashMap<(usize, Option<usize>), Window>>,
}

/// Bytes of a file in a bucket and the offset they start at.
type Window = (u64, bytes::Bytes);

impl Remote {
    fn new(location: Location, whole: std::sync::OnceLock<bytes::Bytes>) -> Self {
        Self { location, whole, groups: Default::default() }
    }
}

/// The bytes of row group `rg`'s column chunks (those of root column
/// `column` only, when given): from the first chunk's first page (its
/// dictionary, if any) to the last chunk's end.
fn row_group_range(
    metadata: &parquet::file::metadata::ParquetMetaData,
    rg: usize,
    column: Option<usize>,
) -> Option<std::ops::Range<u64>> {
    let group = metadata.row_groups().get(rg)?;
    let schema = metadata.file_metadata().schema_descr();
    let mut range: Option<std::ops::Range<u64>> = None;
    for (leaf, chunk) in group.columns().iter().enumerate() {
        if column.is_some_and(|root| schema.get_column_root_idx(leaf) != root) {
            continue;
        }
        let start = chunk.dictionary_page_offset().unwrap_or_else(|| chunk.data_page_offset());
        let start = u64::try_from(start).ok()?;
        let end = start.checked_add(u64::try_from(chunk.compressed_size()).ok()?)?;
        range = Some(match range {
            None => start..end,
            Some(r) => r.start.min(start)..r.end.max(end),
        });
    }
    range.filter(|r| !r.is_empty())
}

/// Footers kept; past that the cache starts over.
const FOOTERS_KEPT: usize = 256;

/// An open data file: its parsed footer, shared by every row-group read.
pub struct DataFile {
    /// The file's path, or its URL (how errors name it).
    path: std::path::PathBuf,
    /// For a file in a bucket: where it is, and its bytes once fetched
    /// (a footer this process has parsed before needs no request).
    remote: Option<Box<Remote>>,
    metadata: ArrowReaderMetadata,
    /// Columns stored in their table type, read back as the entity's
    /// (see [`DataFile::restoring`]).
    restore: Option<Restore>,
}

/// The entity types of a file's table-typed columns.
struct Restore {
    /// The file's schema with the entity's types.
    schema: SchemaRef,
    /// Per file column: the entity type to cast to, if it is stored as another.
    types: Vec<Option<arrow::datatypes::DataType>>,
}

impl DataFile {
    /// Opens `path` and reads its footer.
    pub fn open(path: &Path) -> Result<Self, Error> {
        Self::open_with(&Location::Local(path.to_path_buf()), false, false)
    }

    /// Opens the file at `location` (a local path or an object in a bucket,
    /// fetched whole) and reads its footer; nothing is cached (the file may
    /// be rewritten by its owner).
    pub fn open_location(location: &Location) -> Result<Self, Error> {
        Self::open_with(location, false, false)
    }

    /// Opens `path` and reads its footer and page index, so that row
    /// selections skip whole pages (point lookups).
    pub fn open_indexed(path: &Path) -> Result<Self, Error> {
        Self::open_with(&Location::Local(path.to_path_buf()), true, false)
    }

    /// Opens a data file of a store's table, whose footer (with its page
    /// index when `indexed`) is parsed once per process: table files are
    /// never rewritten under their name (each is new, with a unique name),
    /// so the cache cannot serve a stale footer. Files outside a table
    /// (which their owner may rewrite in place) use [`open`](Self::open).
    /// `location` is a local path (`&Path`, as before buckets) or a [`Location`].
    pub fn open_table_file(location: impl Into<Location>, indexed: bool) -> Result<Self, Error> {
        Self::open_with(&location.into(), indexed, true)
    }

    /// Parses the footer (plain and with its page index) of a table file
    /// this process just put into a bucket, from the bytes it put, so that
    /// the next lookups in it ask the bucket for nothing until they read rows.
    pub(crate) fn remember_put(location: &Location, bytes: &bytes::Bytes) -> Result<(), Error> {
        let name = location.name();
        let blob = Blob::Bytes(bytes.clone());
        for indexed in [false, true] {
            let metadata = load_footer(&blob, indexed, &name)?;
            if let Ok(mut footers) = FOOTERS.lock() {
                if footers.len() >= FOOTERS_KEPT {
                    footers.clear();
                }
                footers.insert((location.cache_key(), indexed), ((0, None), metadata));
            }
        }
        Ok(())
    }

    fn open_with(location: &Location, indexed: bool, cached: bool) -> Result<Self, Error> {
        let path = location.name();
        let path = path.as_path();
        let key = (location.cache_key(), indexed);
        // A table file in a bucket is never replaced under its name: a
        // footer parsed before stands without asking the bucket (the stamp
        // is only a marker); its bytes are fetched when rows are read.
        let remote_stamp = (0, None);
        if cached
            && location.object().is_some()
            && let Some(metadata) = FOOTERS
                .lock()
                .ok()
                .and_then(|f| f.get(&key).filter(|(s, _)| *s == remote_stamp).map(|(_, m)| m.clone()))
        {
            let remote = Some(Box::new(Remote::new(location.clone(), std::sync::OnceLock::new())));
            return Ok(Self { path: path.to_path_buf(), remote, metadata, restore: None });
        }
        let file = Blob::open(location)?;
        let remote = match &file {
            Blob::Bytes(bytes) => {
                Some(Box::new(Remote::new(location.clone(), std::sync::OnceLock::from(bytes.clone()))))
            }
            Blob::File(_) | Blob::Window { .. } => None,
        };
        if !cached {
            let metadata = load_footer(&file, indexed, path)?;
            return Ok(Self { path: path.to_path_buf(), remote, metadata, restore: None });
        };
        // The size and time still guard against a file replaced by hand.
        let stamp = match &file {
            Blob::File(file) => file.metadata().ok().map(|m| (m.len(), m.modified().ok())),
            Blob::Bytes(_) | Blob::Window { .. } => Some(remote_stamp),
        };
        let cached = FOOTERS
            .lock()
            .ok()
            .and_then(|f| f.get(&key).filter(|(s, _)| Some(s) == stamp.as_ref()).map(|(_, m)| m.clone()));
        let metadata = match cached {
            Some(metadata) => metadata,
            None => {
                let metadata = load_footer(&file, indexed, path)?;
                if let (Some(stamp), Ok(mut footers)) = (stamp, FOOTERS.lock()) {
                    if footers.len() >= FOOTERS_KEPT {
                        footers.clear();
                    }
                    footers.insert(key, (stamp, metadata.clone()));
                }
                metadata
            }
        };
        Ok(Self { path: path.to_path_buf(), remote, metadata, restore: None })
    }

    /// This file, reading the columns a table stores in another type
    /// ([`super::table_types`]) as their types in `entity`. Columns the
    /// entity lacks or already has in the file's type are read as they are.
    pub fn restoring(mut self, entity: &arrow::datatypes::Schema) -> Self {
        let file = self.metadata.schema();
        let types: Vec<_> = file
            .fields()
            .iter()
            .map(|f| {
                let wanted = entity.field_with_name(f.name()).ok()?;
                super::table_types::is_table_type_of(f.data_type(), wanted.data_type())
                    .then(|| wanted.clone())
            })
            .collect();
        if types.iter().any(Option::is_some) {
            let fields: Vec<_> = file
                .fields()
                .iter()
                .zip(&types)
                .map(|(f, t)| match t {
                    Some(t) => Arc::new(t.clone().with_nullable(f.is_nullable())),
                    None => f.clone(),
                })
                .collect();
            let types = types.into_iter().map(|t| t.map(|f| f.data_type().clone())).collect();
            let schema =
                Arc::new(arrow::datatypes::Schema::new_with_metadata(fields, file.metadata().clone()));
            self.restore = Some(Restore { schema, types });
        }
        self
    }

    /// Columns of `entity` this file holds in the entity's own type where a
    /// table now stores another (a file written before unsigned and time
    /// columns were stored in Delta Lake's types).
    pub fn legacy_columns(&self, entity: &arrow::datatypes::Schema) -> Vec<String> {
        use super::table_types::table_type;
        self.metadata
            .schema()
            .fields()
            .iter()
            .filter(|f| {
                entity.field_with_name(f.name()).is_ok_and(|e| {
                    e.data_type() == f.data_type() && table_type(e.data_type()) != *e.data_type()
                })
            })
            .map(|f| f.name().clone())
            .collect()
    }

    /// Column `index` of the file (`array`) in the entity's type.
    fn restore_column(&self, index: usize, array: ArrayRef) -> Result<ArrayRef, Error> {
        let Some(wanted) = self.restore.as_ref().and_then(|r| r.types.get(index)).and_then(Option::as_ref)
        else {
            return Ok(array);
        };
        super::table_types::restore(&array, wanted).map_err(|e| {
            StorageError::Corrupt {
                path: self.path.clone(),
                message: format!(
                    "column `{}` holds a value that is not a {wanted}: {e}",
                    self.metadata.schema().field(index).name()
                ),
            }
            .into()
        })
    }

    /// A batch of every column, in the entity's types.
    fn restore_batch(&self, batch: RecordBatch) -> Result<RecordBatch, Error> {
        let Some(restore) = &self.restore else {
            return Ok(batch);
        };
        let columns = batch
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| self.restore_column(i, c.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        RecordBatch::try_new(restore.schema.clone(), columns)
            .map_err(|source| Error::Arrow { context: format!("reading `{}`", self.path.display()), source })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's Arrow schema (with the entity's types, see [`Self::restoring`]).
    pub fn schema(&self) -> &SchemaRef {
        self.restore.as_ref().map_or(self.metadata.schema(), |r| &r.schema)
    }

    /// The parsed footer: row groups, column chunks, codecs, statistics.
    pub fn parquet_metadata(&self) -> &parquet::file::metadata::ParquetMetaData {
        self.metadata.metadata()
    }

    /// Rows in each row group.
    pub fn row_group_rows(&self) -> Vec<usize> {
        self.metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|rg| usize::try_from(rg.num_rows()).unwrap_or(0))
            .collect()
    }

    /// Bytes the chunks of `columns` (all when `None`) take once decoded into
    /// Arrow arrays, over every row group; nested columns count all their
    /// leaves. The page sizes alone understate dictionary- and
    /// delta-encoded chunks (a five-value string column is a few bytes per
    /// row on disk and a 16-byte view per row in memory), so each chunk
    /// counts at least its values times the decoded width.
    pub fn decoded_bytes(&self, columns: Option<&[&str]>) -> u64 {
        let meta = self.metadata.metadata();
        let mut total = 0u64;
        for rg in meta.row_groups() {
            for chunk in rg.columns() {
                let path = chunk.column_path();
                let top = path.parts().first().map(String::as_str).unwrap_or("");
                if columns.is_none_or(|c| c.contains(&top)) {
                    total = total.saturating_add(chunk_decoded_bytes(chunk));
                }
            }
        }
        total
    }

    fn builder(&self) -> Result<ParquetRecordBatchReaderBuilder<Blob>, Error> {
        let file = match &self.remote {
            Some(remote) => {
                let bytes = match remote.whole.get() {
                    Some(bytes) => bytes.clone(),
                    None => {
                        let fetched = remote.location.read()?;
                        remote.whole.get_or_init(|| fetched).clone()
                    }
                };
                Blob::Bytes(bytes)
            }
            None => Blob::File(File::open(&self.path).map_err(io_error("opening", &self.path))?),
        };
        Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone()))
    }

    /// [`builder`](Self::builder) for reads within row group `row_group`:
    /// for a file in a bucket whose bytes were not fetched, only that row
    /// group's column chunks are (one ranged GET, kept for the next read of
    /// the group): a lookup moves one row group, not the file.
    fn builder_in(&self, row_group: usize) -> Result<ParquetRecordBatchReaderBuilder<Blob>, Error> {
        self.builder_window(row_group, None)
    }

    /// [`builder_in`](Self::builder_in) for a read of the root column
    /// `column` alone: only its column chunk is fetched, unless the whole
    /// row group already was.
    fn builder_window(
        &self,
        row_group: usize,
        column: Option<usize>,
    ) -> Result<ParquetRecordBatchReaderBuilder<Blob>, Error> {
        let Some(remote) = self.remote.as_ref().filter(|r| r.whole.get().is_none()) else {
            return self.builder();
        };
        let metadata = self.metadata.metadata();
        let Some(range) = row_group_range(metadata, row_group, column) else {
            return self.builder();
        };
        let cached = remote
            .groups
            .lock()
            .ok()
            .and_then(|g| g.get(&(row_group, None)).or_else(|| g.get(&(row_group, column))).cloned());
        let (start, bytes) = match cached {
            Some(window) => window,
            None => {
                let bytes = remote.location.read_range(range.clone())?;
                if let Ok(mut groups) = remote.groups.lock() {
                    groups.insert((row_group, column), (range.start, bytes.clone()));
                }
                (range.start, bytes)
            }
        };
        let window = Blob::Window { start, bytes, location: remote.location.clone() };
        Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(window, self.metadata.clone()))
    }

    /// For a file in a bucket: fetches the column chunks of `columns` in row
    /// group `row_group` with one ranged GET (from the first to the last),
    /// so that reading them one by one asks the bucket nothing more.
    pub fn prefetch(&self, row_group: usize, columns: &[&str]) -> Result<(), Error> {
        let Some(remote) = self.remote.as_ref().filter(|r| r.whole.get().is_none()) else { return Ok(()) };
        let metadata = self.metadata.metadata();
        let mut roots = Vec::with_capacity(columns.len());
        let mut span: Option<std::ops::Range<u64>> = None;
        for name in columns {
            let (index, _) = self.projection(name)?;
            let Some(range) = row_group_range(metadata, row_group, Some(index)) else { return Ok(()) };
            span = Some(match span {
                None => range,
                Some(s) => s.start.min(range.start)..s.end.max(range.end),
            });
            roots.push(index);
        }
        let Some(span) = span.filter(|_| roots.len() > 1) else { return Ok(()) };
        let known = remote.groups.lock().is_ok_and(|g| {
            g.contains_key(&(row_group, None)) || roots.iter().all(|r| g.contains_key(&(row_group, Some(*r))))
        });
        if known {
            return Ok(());
        }
        let bytes = remote.location.read_range(span.clone())?;
        if let Ok(mut groups) = remote.groups.lock() {
            for root in roots {
                groups.insert((row_group, Some(root)), (span.start, bytes.clone()));
            }
        }
        Ok(())
    }

    /// The position of column `name` and the projection reading only it; an
    /// error naming the file and its columns when it has none.
    fn projection(&self, name: &str) -> Result<(usize, ProjectionMask), Error> {
        let index = self.schema().index_of(name).map_err(|_| StorageError::Corrupt {
            path: self.path.clone(),
            message: format!("has no column `{name}` (columns: {})", column_names(self.schema())),
        })?;
        Ok((index, ProjectionMask::roots(self.metadata.metadata().file_metadata().schema_descr(), [index])))
    }

    /// Column `name` (one projection read): of every row group, or of
    /// `row_group` only.
    pub fn read_column(&self, name: &str, row_group: Option<usize>) -> Result<Vec<ArrayRef>, Error> {
        let (index, mask) = self.projection(name)?;
        let mut builder = match row_group {
            Some(rg) => self.builder_window(rg, Some(index))?,
            None => self.builder()?,
        }
        .with_projection(mask)
        .with_batch_size(64 * 1024);
        if let Some(rg) = row_group {
            builder = builder.with_row_groups(vec![rg]);
        }
        let batches = self.collect_raw(builder)?;
        batches.iter().map(|b| self.restore_column(index, b.column(0).clone())).collect()
    }

    /// Builds the reader; its batches come with errors that name the file,
    /// as the file stores them.
    fn raw_batches(
        &self,
        builder: ParquetRecordBatchReaderBuilder<Blob>,
    ) -> Result<impl Iterator<Item = Result<RecordBatch, Error>> + '_, Error> {
        let mut reader = Some(builder.build().map_err(corrupt(&self.path))?);
        // The parquet crate panics on some malformed pages (an encoding
        // without its decoder: found by `fuzz/` target `parquet_read`);
        // such a panic is an error naming the file, and the reader stops.
        Ok(std::iter::from_fn(move || {
            let next = reader.as_mut()?;
            let message = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| next.next())) {
                Ok(batch) => match batch? {
                    Ok(batch) => return Some(Ok(batch)),
                    Err(e) => e.to_string(),
                },
                Err(panic) => {
                    reader = None;
                    format!("a malformed page ({})", panic_message(panic.as_ref()))
                }
            };
            Some(Err(StorageError::Corrupt { path: self.path.clone(), message }.into()))
        }))
    }

    /// Batches of every column, in the entity's types.
    fn batches(
        &self,
        builder: ParquetRecordBatchReaderBuilder<Blob>,
    ) -> Result<impl Iterator<Item = Result<RecordBatch, Error>> + '_, Error> {
        Ok(self.raw_batches(builder)?.map(|b| b.and_then(|b| self.restore_batch(b))))
    }

    fn collect_raw(&self, builder: ParquetRecordBatchReaderBuilder<Blob>) -> Result<Vec<RecordBatch>, Error> {
        self.raw_batches(builder)?.collect()
    }

    fn collect(&self, builder: ParquetRecordBatchReaderBuilder<Blob>) -> Result<Vec<RecordBatch>, Error> {
        self.batches(builder)?.collect()
    }

    /// For each row group, whether its statistics allow a row meeting every
    /// condition of `pruning` (see [`super::pruning`]); a condition on a
    /// column without usable statistics allows every row group.
    pub fn row_groups_allowed(&self, pruning: &super::pruning::Pruning) -> Vec<bool> {
        let mut out = vec![true; self.metadata.metadata().num_row_groups()];
        for condition in &pruning.conditions {
            let column = condition.column();
            let Some(index) = self.metadata.schema().index_of(column).ok() else { continue };
            let Some((mins, maxes)) = self.row_group_statistics(column) else { continue };
            let (Ok(mins), Ok(maxes)) = (self.restore_column(index, mins), self.restore_column(index, maxes))
            else {
                continue;
            };
            if let Some(allowed) = super::pruning::allowed(condition, &mins, &maxes) {
                for (o, a) in out.iter_mut().zip(allowed) {
                    *o &= a;
                }
            }
        }
        out
    }

    /// The min and max statistics of column `column` in each row group, as
    /// the file stores them (`None`: the column has none the crate reads).
    fn row_group_statistics(&self, column: &str) -> Option<(ArrayRef, ArrayRef)> {
        let meta = self.metadata.metadata();
        let converter =
            StatisticsConverter::try_new(column, self.metadata.schema(), meta.file_metadata().schema_descr())
                .ok()?;
        let groups = meta.row_groups();
        Some((converter.row_group_mins(groups).ok()?, converter.row_group_maxes(groups).ok()?))
    }

    /// For each row group, whether its min/max statistics of column `column`
    /// allow a value equal to `key`. Missing or unreadable statistics allow it.
    pub fn row_groups_may_contain<K: crate::types::Key>(&self, column: &str, key: &K) -> Vec<bool> {
        self.row_groups_may_overlap(column, key, key)
    }

    /// For each row group, whether its min/max statistics of column `column`
    /// allow a value in `low..=high`. Missing or unreadable statistics allow it.
    pub fn row_groups_may_overlap<K: crate::types::Key>(&self, column: &str, low: &K, high: &K) -> Vec<bool> {
        let all = vec![true; self.metadata.metadata().num_row_groups()];
        let Some((mins, maxes)) = self.row_group_statistics(column) else { return all };
        self.may_overlap(column, mins, maxes, (low, high)).unwrap_or(all)
    }

    /// For each min/max pair (statistics of `column`, as the file stores
    /// them), whether it allows a value in `low..=high`; a missing bound
    /// allows it. `None` when the statistics cannot be read as `K`.
    fn may_overlap<K: crate::types::Key>(
        &self,
        column: &str,
        mins: ArrayRef,
        maxes: ArrayRef,
        (low, high): (&K, &K),
    ) -> Option<Vec<bool>> {
        use crate::types::{ColumnReader, FieldOptions};
        let index = self.metadata.schema().index_of(column).ok()?;
        let (mins, maxes) = (self.restore_column(index, mins).ok()?, self.restore_column(index, maxes).ok()?);
        let lo = K::reader(&mins, &FieldOptions::DEFAULT).ok()?;
        let hi = K::reader(&maxes, &FieldOptions::DEFAULT).ok()?;
        Some(
            (0..mins.len())
                .map(|i| {
                    let below = !lo.is_null(i) && lo.read(i).is_ok_and(|min| high < &min);
                    let above = !hi.is_null(i) && hi.read(i).is_ok_and(|max| low > &max);
                    !(below || above)
                })
                .collect(),
        )
    }

    /// Column `column` of row group `row_group`, read only in the pages whose
    /// statistics (the page index, when the file was opened with it) allow
    /// `key`; returns the row ranges (within the row group) read and the
    /// values of those rows, in order. Without a page index: the whole row group.
    pub fn read_key_pages<K: crate::types::Key>(
        &self,
        column: &str,
        row_group: usize,
        key: &K,
    ) -> Result<(Vec<std::ops::Range<usize>>, Vec<ArrayRef>), Error> {
        use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
        let rows = self.row_group_rows().get(row_group).copied().unwrap_or(0);
        let Some(pages) = self.pages_may_contain(column, row_group, key) else {
            return Ok((std::iter::once(0..rows).collect(), self.read_column(column, Some(row_group))?));
        };
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        let mut selectors = Vec::with_capacity(pages.len());
        let mut start = 0usize;
        for (len, keep) in pages {
            if keep {
                match ranges.last_mut() {
                    Some(last) if last.end == start => last.end = start + len,
                    _ => ranges.push(start..start + len),
                }
                selectors.push(RowSelector::select(len));
            } else {
                selectors.push(RowSelector::skip(len));
            }
            start += len;
        }
        if ranges.is_empty() {
            return Ok((ranges, Vec::new()));
        }
        let (index, mask) = self.projection(column)?;
        // The whole row group: a lookup reads the row next, from the same bytes.
        let builder = self
            .builder_in(row_group)?
            .with_projection(mask)
            .with_row_groups(vec![row_group])
            .with_row_selection(RowSelection::from(selectors))
            .with_batch_size(DATA_PAGE_ROWS);
        let batches = self.collect_raw(builder)?;
        let arrays = batches
            .iter()
            .map(|b| self.restore_column(index, b.column(0).clone()))
            .collect::<Result<_, _>>()?;
        Ok((ranges, arrays))
    }

    /// Per data page of `column` in `row_group`: its rows and whether its
    /// min/max allow `key`. `None` without a usable page index.
    fn pages_may_contain<K: crate::types::Key>(
        &self,
        column: &str,
        row_group: usize,
        key: &K,
    ) -> Option<Vec<(usize, bool)>> {
        let meta = self.metadata.metadata();
        let (column_index, offset_index) = (meta.column_index()?, meta.offset_index()?);
        let converter =
            StatisticsConverter::try_new(column, self.metadata.schema(), meta.file_metadata().schema_descr())
                .ok()?;
        let groups = [row_group];
        let mins = converter.data_page_mins(column_index, offset_index, &groups).ok()?;
        let maxes = converter.data_page_maxes(column_index, offset_index, &groups).ok()?;
        let counts = converter.data_page_row_counts(offset_index, meta.row_groups(), &groups).ok()??;
        let total: u64 = counts.values().iter().sum();
        if counts.len() != mins.len() || total != self.row_group_rows().get(row_group).copied()? as u64 {
            return None;
        }
        let allowed = self.may_overlap(column, mins, maxes, (key, key))?;
        Some(counts.values().iter().map(|&n| usize::try_from(n).unwrap_or(0)).zip(allowed).collect())
    }

    /// The single row `offset` of row group `row_group`: the decoder skips the
    /// other rows instead of materialising them.
    pub fn read_row(&self, row_group: usize, offset: usize) -> Result<Vec<RecordBatch>, Error> {
        use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
        let selection = RowSelection::from(vec![RowSelector::skip(offset), RowSelector::select(1)]);
        self.collect(
            self.builder_in(row_group)?.with_row_groups(vec![row_group]).with_row_selection(selection),
        )
    }

    /// The rows at `offsets` (ascending) of row group `row_group`: the decoder
    /// skips the others (whole pages when the file was opened with its index).
    pub fn read_rows(&self, row_group: usize, offsets: &[usize]) -> Result<Vec<RecordBatch>, Error> {
        use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
        let mut selectors = Vec::with_capacity(offsets.len() * 2);
        let mut next = 0usize;
        for &offset in offsets {
            if offset < next {
                continue; // a repeated offset
            }
            if offset > next {
                selectors.push(RowSelector::skip(offset - next));
            }
            selectors.push(RowSelector::select(1));
            next = offset + 1;
        }
        let selection = RowSelection::from(selectors);
        self.collect(
            self.builder_in(row_group)?.with_row_groups(vec![row_group]).with_row_selection(selection),
        )
    }

    /// The batches of row group `row_group`, keeping only rows whose `live`
    /// flag is set (`live` covers just this row group; `None` keeps all).
    /// Deleted rows are applied batch by batch, to the rows decoded.
    pub fn read_row_group(
        &self,
        row_group: usize,
        deleted: Option<Deleted<'_>>,
    ) -> Result<Vec<RecordBatch>, Error> {
        let batches = self.batches(
            self.builder_in(row_group)?.with_row_groups(vec![row_group]).with_batch_size(64 * 1024),
        )?;
        let mut out = Vec::new();
        let mut offset = 0usize;
        for batch in batches {
            let batch = batch?;
            let n = batch.num_rows();
            let batch = match deleted.and_then(|d| d.flags(offset, n)) {
                None => batch,
                Some(mask) => filter_record_batch(&batch, &mask).map_err(|source| Error::Arrow {
                    context: format!("filtering `{}`", self.path.display()),
                    source,
                })?,
            };
            offset += n;
            if batch.num_rows() > 0 {
                out.push(batch);
            }
        }
        Ok(out)
    }
}

fn column_names(schema: &SchemaRef) -> String {
    schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
}

/// A schema holding only `field`, for delete files.
pub fn key_schema(field: arrow::datatypes::Field) -> SchemaRef {
    Arc::new(arrow::datatypes::Schema::new(vec![field]))
}

/// The decoded size of one column chunk (see [`DataFile::decoded_bytes`]).
fn chunk_decoded_bytes(chunk: &parquet::file::metadata::ColumnChunkMetaData) -> u64 {
    use parquet::basic::Type;
    let pages = u64::try_from(chunk.uncompressed_size()).unwrap_or(0);
    let values = u64::try_from(chunk.num_values()).unwrap_or(0);
    let width = match chunk.column_type() {
        Type::BOOLEAN => 1,
        Type::INT32 | Type::FLOAT => 4,
        Type::INT64 | Type::DOUBLE => 8,
        Type::INT96 => 12,
        Type::FIXED_LEN_BYTE_ARRAY => u64::try_from(chunk.column_descr().type_length()).unwrap_or(16),
        // A view or an offset per value, and the payload, which a
        // dictionary page holds once but the decoded array per row.
        Type::BYTE_ARRAY => return values.saturating_mul(16).saturating_add(pages),
    };
    pages.max(values.saturating_mul(width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int64Array};
    use arrow::datatypes::{DataType, Field, Int64Type, Schema};

    #[test]
    fn key_lookups_read_only_the_pages_whose_statistics_allow_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.parquet");
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from_iter_values(0..20_000))])
                .unwrap();
        write(&path, schema, Some("id"), &WriteOptions::default(), std::iter::once(Ok(batch))).unwrap();
        let file = DataFile::open_indexed(&path).unwrap();
        assert_eq!(file.row_group_rows(), vec![20_000]);
        let (ranges, arrays) = file.read_key_pages("id", 0, &8192i64).unwrap();
        assert_eq!(ranges, vec![DATA_PAGE_ROWS..2 * DATA_PAGE_ROWS]);
        let read: usize = arrays.iter().map(|a| a.len()).sum();
        assert_eq!((read, arrays[0].as_primitive::<Int64Type>().value(0)), (DATA_PAGE_ROWS, 8192));
        let (ranges, _) = file.read_key_pages("id", 0, &-1i64).unwrap();
        assert!(ranges.is_empty());
        // Without the page index: the whole row group.
        let plain = DataFile::open(&path).unwrap();
        assert_eq!(plain.read_key_pages("id", 0, &8192i64).unwrap().0, vec![0..20_000]);
    }
}
