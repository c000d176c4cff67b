//! Parquet data files through arrow-rs: written in row groups, read with
//! projection (key column only where that is all we need) and per row group.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::{Error, StorageError};
use crate::storage::io::io_error;

/// How data files are written.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Rows per row group (and per conversion chunk, bounding memory).
    pub row_group_size: usize,
    /// zstd level, or `None` for uncompressed.
    pub zstd_level: Option<i32>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self { row_group_size: 128 * 1024, zstd_level: Some(1) }
    }
}

fn corrupt(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> Error + '_ {
    move |e| StorageError::Corrupt { path: path.to_path_buf(), message: e.to_string() }.into()
}

/// Writes a new file at `path` (which must not exist) from `batches`, then syncs
/// it. Returns the rows written and the file size.
pub fn write(
    path: &Path,
    schema: SchemaRef,
    options: &WriteOptions,
    batches: impl Iterator<Item = Result<RecordBatch, Error>>,
) -> Result<(u64, u64), Error> {
    let file = File::options().write(true).create_new(true).open(path).map_err(io_error("creating", path))?;
    let compression = match options.zstd_level {
        Some(level) => Compression::ZSTD(ZstdLevel::try_new(level).map_err(corrupt(path))?),
        None => Compression::UNCOMPRESSED,
    };
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(options.row_group_size.max(1)))
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(corrupt(path))?;
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(corrupt(path))?;
    }
    let file = writer.into_inner().map_err(corrupt(path))?;
    file.sync_all().map_err(io_error("syncing", path))?;
    let bytes = file.metadata().map_err(io_error("reading size of", path))?.len();
    Ok((rows, bytes))
}

/// An open data file: its parsed footer, shared by every row-group read.
pub struct DataFile {
    path: std::path::PathBuf,
    metadata: ArrowReaderMetadata,
}

impl DataFile {
    /// Opens `path` and reads its footer.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let file = File::open(path).map_err(io_error("opening", path))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(corrupt(path))?;
        Ok(Self { path: path.to_path_buf(), metadata })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's Arrow schema.
    pub fn schema(&self) -> &SchemaRef {
        self.metadata.schema()
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

    fn builder(&self) -> Result<ParquetRecordBatchReaderBuilder<File>, Error> {
        let file = File::open(&self.path).map_err(io_error("opening", &self.path))?;
        Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone()))
    }

    /// The column `name` of every row, concatenated (one projection read).
    pub fn read_column(&self, name: &str) -> Result<Vec<ArrayRef>, Error> {
        let index = self.schema().index_of(name).map_err(|_| StorageError::Corrupt {
            path: self.path.clone(),
            message: format!("has no column `{name}` (columns: {})", column_names(self.schema())),
        })?;
        let mask = ProjectionMask::roots(self.metadata.metadata().file_metadata().schema_descr(), [index]);
        let reader = self
            .builder()?
            .with_projection(mask)
            .with_batch_size(64 * 1024)
            .build()
            .map_err(corrupt(&self.path))?;
        let mut out = Vec::new();
        for batch in reader {
            let batch = batch
                .map_err(|e| StorageError::Corrupt { path: self.path.clone(), message: e.to_string() })?;
            out.push(batch.column(0).clone());
        }
        Ok(out)
    }

    /// The batches of row group `row_group`, keeping only rows whose `live`
    /// flag is set (`live` covers just this row group; `None` keeps all).
    pub fn read_row_group(&self, row_group: usize, live: Option<&[bool]>) -> Result<Vec<RecordBatch>, Error> {
        let reader = self
            .builder()?
            .with_row_groups(vec![row_group])
            .with_batch_size(64 * 1024)
            .build()
            .map_err(corrupt(&self.path))?;
        let mut out = Vec::new();
        let mut offset = 0usize;
        for batch in reader {
            let batch = batch
                .map_err(|e| StorageError::Corrupt { path: self.path.clone(), message: e.to_string() })?;
            let n = batch.num_rows();
            let batch = match live {
                None => batch,
                Some(flags) => {
                    let slice = flags.get(offset..offset + n).ok_or_else(|| StorageError::Corrupt {
                        path: self.path.clone(),
                        message: "row group holds more rows than its footer says".into(),
                    })?;
                    if slice.iter().all(|&l| l) {
                        batch
                    } else {
                        let mask = BooleanArray::from(slice.to_vec());
                        filter_record_batch(&batch, &mask).map_err(|source| Error::Arrow {
                            context: format!("filtering `{}`", self.path.display()),
                            source,
                        })?
                    }
                }
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
