//! Parquet and Avro files, read and written for a record type or untyped:
//! the store's data files ([`DataFile`], [`write()`]) and standalone files
//! (what [`Record::read_file`] and [`Record::write_file`] run). Each
//! file's format is told by its extension, else by its first bytes, so an
//! entity whose format changed keeps reading its older files.

pub mod avro;
pub(crate) mod blob;
pub mod claims;
pub(crate) mod direct;
pub mod parquet;
pub(crate) mod parquet_guard;
pub mod pruning;
pub mod record_files;
pub mod table_types;
mod thrift_walk;

use std::path::Path;

use crate::io::Location;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;

use crate::avro::Codec;
use crate::config::Format;
use crate::error::Error;
use crate::formats::claims::Deleted;
use crate::record::Record;

/// How data files are written.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Rows per row group (and per conversion chunk, bounding memory).
    pub row_group_size: usize,
    /// Compression. Parquet takes null, snappy and zstandard; Avro all codecs.
    pub codec: Codec,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self { row_group_size: 128 * 1024, codec: Codec::Zstd(1) }
    }
}

/// What a reader wants from a file: the record type's name and schemas.
/// Parquet files are read by column name; Avro files are resolved against
/// the Avro schema.
#[derive(Debug, Clone)]
pub struct Target {
    /// The entity or record name (for errors).
    pub name: &'static str,
    /// Its Arrow schema.
    pub arrow: SchemaRef,
    /// Its Avro schema.
    pub avro: &'static apache_avro::Schema,
}

impl Target {
    /// The target of record type `T`.
    pub fn of<T: Record>() -> Target {
        Target { name: T::RECORD_NAME, arrow: T::arrow_schema(), avro: T::avro_schema() }
    }
}

/// The format of `path`: by extension for store files, else by magic bytes.
pub fn format_of(path: &Path) -> Result<Format, Error> {
    match by_extension(path) {
        Some(format) => Ok(format),
        None => sniff(path),
    }
}

/// The format its extension gives `path` (`.parquet`, `.avro`), if any.
pub fn by_extension(path: &Path) -> Option<Format> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("avro") => Some(Format::Avro),
        Some("parquet") => Some(Format::Parquet),
        _ => None,
    }
}

/// The format whose magic bytes `head` starts with (`PAR1` or `Obj\x01`).
/// The one place that tells Parquet from Avro by content: the store, the
/// standalone readers and `parquetframe::read` all ask it.
pub fn by_magic(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PAR1") {
        Some(Format::Parquet)
    } else if head.starts_with(&crate::avro::container::MAGIC) {
        Some(Format::Avro)
    } else {
        None
    }
}

/// The format of `path` by its first bytes (`PAR1` or `Obj\x01`).
pub fn sniff(path: &Path) -> Result<Format, Error> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(crate::io::io_error("opening", path))?;
    let n = file.read(&mut head).map_err(crate::io::io_error("reading", path))?;
    by_magic(&head[..n]).ok_or_else(|| {
        crate::error::StorageError::Corrupt {
            path: path.to_path_buf(),
            message: format!(
                "neither Parquet nor Avro: starts with {:02x?} (Parquet files start with \"PAR1\", Avro \
                 container files with \"Obj\\x01\")",
                &head[..n]
            ),
        }
        .into()
    })
}

/// An open data file of a store's table, of either format.
pub enum DataFile {
    /// A Parquet file.
    Parquet(parquet::DataFile),
    /// An Avro container file (boxed: its block index makes it the larger variant).
    Avro(Box<avro::DataFile>),
}

impl DataFile {
    /// Opens `path` (format from its extension, else its magic bytes).
    pub fn open(path: &Path, target: &Target) -> Result<Self, Error> {
        Self::open_at(&Location::Local(path.to_path_buf()), target, false)
    }

    /// Opens `path` for point lookups (Parquet: with its page index).
    pub fn open_indexed(path: &Path, target: &Target) -> Result<Self, Error> {
        Self::open_at(&Location::Local(path.to_path_buf()), target, true)
    }

    /// Opens the file at `location` (a local path or an object in a bucket);
    /// `indexed` for point lookups (Parquet: with its page index).
    pub fn open_at(location: &Location, target: &Target, indexed: bool) -> Result<Self, Error> {
        let format = match location {
            Location::Local(path) => format_of(path)?,
            Location::Object(_) => by_extension(&location.name()).unwrap_or(Format::Parquet),
        };
        Ok(match (format, location) {
            (Format::Parquet, _) => DataFile::Parquet(
                parquet::DataFile::open_table_file(location, indexed)?.restoring(&target.arrow),
            ),
            (Format::Avro, _) => DataFile::Avro(Box::new(avro::DataFile::open_at(location, target)?)),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        match self {
            DataFile::Parquet(f) => f.path(),
            DataFile::Avro(f) => f.path(),
        }
    }

    /// Columns this file holds in the entity's types where tables now store
    /// Delta types (Parquet files written before that; Avro: none).
    pub fn legacy_columns(&self, entity: &arrow::datatypes::Schema) -> Vec<String> {
        match self {
            DataFile::Parquet(f) => f.legacy_columns(entity),
            DataFile::Avro(_) => Vec::new(),
        }
    }

    /// Rows in each row group (Avro: each group of blocks).
    pub fn row_group_rows(&self) -> Vec<usize> {
        match self {
            DataFile::Parquet(f) => f.row_group_rows(),
            DataFile::Avro(f) => f.row_group_rows(),
        }
    }

    /// For each row group, whether its statistics allow rows meeting
    /// `pruning` (Avro files keep none: every group is allowed).
    pub fn row_groups_allowed(&self, pruning: &pruning::Pruning) -> Vec<bool> {
        match self {
            DataFile::Parquet(f) if !pruning.is_empty() => f.row_groups_allowed(pruning),
            _ => vec![true; self.row_group_rows().len()],
        }
    }

    /// For a Parquet file in a bucket, fetches the chunks of `columns` in
    /// `row_group` with one request (see [`parquet::DataFile::prefetch`]).
    pub fn prefetch(&self, row_group: usize, columns: &[&str]) -> Result<(), Error> {
        match self {
            DataFile::Parquet(f) => f.prefetch(row_group, columns),
            DataFile::Avro(_) => Ok(()),
        }
    }

    /// Column `name`, of every row group or of `row_group` only.
    pub fn read_column(&self, name: &str, row_group: Option<usize>) -> Result<Vec<ArrayRef>, Error> {
        match self {
            DataFile::Parquet(f) => f.read_column(name, row_group),
            DataFile::Avro(f) => f.read_column(name, row_group),
        }
    }

    /// Estimated bytes of the decoded (Arrow) data of `columns` (all when
    /// `None`), from the file's metadata: Parquet's uncompressed column chunk
    /// sizes; for Avro, which records no such size, the block sizes times a
    /// typical compression ratio, shared among the fields.
    pub fn decoded_bytes(&self, columns: Option<&[&str]>) -> u64 {
        match self {
            DataFile::Parquet(f) => f.decoded_bytes(columns),
            DataFile::Avro(f) => {
                let fields = match f.file().schema() {
                    apache_avro::Schema::Record(r) => r.fields.len().max(1) as u64,
                    _ => 1,
                };
                let share = columns.map_or(fields, |c| (c.len() as u64).min(fields));
                f.file().decoded_bytes_estimate().saturating_mul(share) / fields
            }
        }
    }

    /// For each row group, whether it may hold `key` in column `column`
    /// (Parquet: by statistics; Avro files have none, so every group may).
    pub fn row_groups_may_contain<K: crate::types::Key>(&self, column: &str, key: &K) -> Vec<bool> {
        match self {
            DataFile::Parquet(f) => f.row_groups_may_contain(column, key),
            DataFile::Avro(f) => vec![true; f.row_group_rows().len()],
        }
    }

    /// For each row group, whether it may hold a value of column `column` in
    /// `low..=high` (Parquet: by statistics; Avro files have none, so every group may).
    pub fn row_groups_may_overlap<K: crate::types::Key>(&self, column: &str, low: &K, high: &K) -> Vec<bool> {
        match self {
            DataFile::Parquet(f) => f.row_groups_may_overlap(column, low, high),
            DataFile::Avro(f) => vec![true; f.row_group_rows().len()],
        }
    }

    /// Column `column` of `row_group` where its values may equal `key`: the
    /// row ranges read (within the row group) and their values. Parquet reads
    /// only the pages its page index allows; Avro the whole group.
    pub fn read_key_pages<K: crate::types::Key>(
        &self,
        column: &str,
        row_group: usize,
        key: &K,
    ) -> Result<(Vec<std::ops::Range<usize>>, Vec<ArrayRef>), Error> {
        match self {
            DataFile::Parquet(f) => f.read_key_pages(column, row_group, key),
            DataFile::Avro(f) => {
                let rows = f.row_group_rows().get(row_group).copied().unwrap_or(0);
                Ok((std::iter::once(0..rows).collect(), f.read_column(column, Some(row_group))?))
            }
        }
    }

    /// The names of the file's columns (Avro: its writer schema's fields).
    pub fn column_names(&self) -> Vec<String> {
        match self {
            DataFile::Parquet(f) => f.schema().fields().iter().map(|c| c.name().clone()).collect(),
            DataFile::Avro(f) => match f.file().schema() {
                apache_avro::Schema::Record(r) => r.fields.iter().map(|c| c.name.clone()).collect(),
                _ => Vec::new(),
            },
        }
    }

    /// The single row `offset` of row group `row_group`.
    pub fn read_row(&self, row_group: usize, offset: usize) -> Result<Vec<RecordBatch>, Error> {
        match self {
            DataFile::Parquet(f) => f.read_row(row_group, offset),
            DataFile::Avro(f) => f.read_row(row_group, offset),
        }
    }

    /// The rows at `offsets` (ascending, within the row group) of `row_group`.
    pub fn read_rows(&self, row_group: usize, offsets: &[usize]) -> Result<Vec<RecordBatch>, Error> {
        match self {
            DataFile::Parquet(f) => f.read_rows(row_group, offsets),
            DataFile::Avro(f) => f.read_rows(row_group, offsets),
        }
    }

    /// The rows of row group `row_group` that `deleted` does not mark (all when `None`).
    pub fn read_row_group(
        &self,
        row_group: usize,
        deleted: Option<Deleted<'_>>,
    ) -> Result<Vec<RecordBatch>, Error> {
        match self {
            DataFile::Parquet(f) => f.read_row_group(row_group, deleted),
            DataFile::Avro(f) => f.read_row_group(row_group, deleted),
        }
    }
}

/// Writes a new data file at `path` in `format`: rows of `arrow` (Parquet) or
/// `avro` (Avro; its JSON is `avro_json`). Returns rows and bytes written.
pub fn write(
    format: Format,
    path: &Path,
    schema: &Schemas<'_>,
    options: &WriteOptions,
    batches: impl Iterator<Item = Result<RecordBatch, Error>>,
) -> Result<(u64, u64), Error> {
    match format {
        Format::Parquet => parquet::write(path, schema.arrow.clone(), schema.key_column, options, batches),
        Format::Avro => {
            crate::avro::container::write(path, schema.avro, &schema.avro_json, options.codec, &[], batches)
        }
    }
}

/// Writes a new data file of a store's table at `path`: as [`write()`], with
/// Parquet columns in the types every Delta Lake reader reads
/// ([`table_types`]); [`DataFile`] reads them back as the entity's types.
pub fn write_table_file(
    format: Format,
    path: &Path,
    schema: &Schemas<'_>,
    options: &WriteOptions,
    batches: impl Iterator<Item = Result<RecordBatch, Error>>,
) -> Result<(u64, u64), Error> {
    if format != Format::Parquet || !table_types::differs(&schema.arrow) {
        return write(format, path, schema, options, batches);
    }
    let stored = table_types::table_schema(&schema.arrow);
    let converted = batches.map(|batch| {
        table_types::batch_to_table(&batch?, &stored).map_err(|source| Error::Arrow {
            context: format!("converting rows for `{}` to the table's column types", path.display()),
            source,
        })
    });
    parquet::write(path, stored.clone(), schema.key_column, options, converted)
}

/// Writes a new data file of a store's table at `location`, as
/// [`write_table_file`]; in a bucket, the file is written to a local
/// temporary file first, then put (put-if-absent: the name is new).
/// Returns rows and bytes written.
pub fn write_table_file_at(
    format: Format,
    location: &Location,
    schema: &Schemas<'_>,
    options: &WriteOptions,
    batches: impl Iterator<Item = Result<RecordBatch, Error>>,
) -> Result<(u64, u64), Error> {
    let object = match location {
        Location::Local(path) => return write_table_file(format, path, schema, options, batches),
        Location::Object(object) => object,
    };
    let name = object.key().rsplit('/').next().unwrap_or("part");
    let tmp = std::env::temp_dir().join(format!("parquetframe-upload-{}-{name}", crate::io::unique_suffix()));
    let written = write_table_file(format, &tmp, schema, options, batches)
        .map_err(|e| retarget(e, &tmp, &location.name()))
        .and_then(|(rows, bytes)| {
            let contents = std::fs::read(&tmp).map_err(crate::io::io_error("reading", &tmp))?;
            Ok((rows, bytes, contents))
        });
    let _ = std::fs::remove_file(&tmp);
    let (rows, bytes, contents) = written?;
    let contents = bytes::Bytes::from(contents);
    // A put retried after its first attempt landed finds its own object.
    let created = match location.put_new(contents.clone())? {
        crate::io::PutNew::Created => true,
        crate::io::PutNew::Exists => location.holds(&contents)?,
    };
    match created {
        true => {
            if format == Format::Parquet {
                parquet::DataFile::remember_put(location, &contents)?;
            }
            Ok((rows, bytes))
        }
        false => Err(Error::Write {
            path: location.name(),
            message: "an object of this new file's name already exists; nothing was replaced".into(),
        }),
    }
}

/// `e` naming `to` where it named the temporary file `from`.
fn retarget(e: Error, from: &Path, to: &Path) -> Error {
    match e {
        Error::Write { path, message } if path == from => Error::Write { path: to.to_path_buf(), message },
        other => other,
    }
}

/// The schemas a file is written with.
#[derive(Debug, Clone)]
pub struct Schemas<'a> {
    /// The Arrow schema (Parquet).
    pub arrow: SchemaRef,
    /// The Avro schema (Avro).
    pub avro: &'a apache_avro::Schema,
    /// The Avro schema's JSON, written into the file's header.
    pub avro_json: String,
    /// The primary-key column, if the rows have one: Parquet stores an
    /// integer key with delta encoding instead of a dictionary (keys are
    /// unique, so a dictionary only costs space and decoding time).
    pub key_column: Option<&'static str>,
}

impl Schemas<'static> {
    /// The schemas of record type `T`.
    pub fn of<T: Record>() -> Self {
        Schemas {
            arrow: T::arrow_schema(),
            avro: T::avro_schema(),
            avro_json: T::avro_schema_json().to_string(),
            key_column: None,
        }
    }
}
