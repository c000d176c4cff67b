//! Files read without a Rust type: `parquetframe::read(path)`. The format
//! comes from the extension, else from the first bytes; a directory holds
//! files of one format (hidden files and `_`-prefixed names are skipped).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::{
    IntoLazy, LazyCsvReader, LazyFileListReader, LazyFrame, LazyJsonLineReader, PlRefPath, ScanArgsParquet,
    ScanSources, UnionArgs, concat,
};

use super::{bridge, polars_error};
use crate::error::{Error, QueryError};
use crate::io::io_error;

/// A format `parquetframe::read` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileFormat {
    /// Apache Parquet (`.parquet`, `.pq`; magic `PAR1`).
    Parquet,
    /// Avro object container files (`.avro`; magic `Obj\x01`).
    Avro,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Newline-delimited JSON (`.ndjson`, `.jsonl`).
    Ndjson,
    /// Arrow IPC files (`.arrow`, `.ipc`, `.feather`; magic `ARROW1`).
    Ipc,
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileFormat::Parquet => "parquet",
            FileFormat::Avro => "avro",
            FileFormat::Csv => "csv",
            FileFormat::Ndjson => "ndjson",
            FileFormat::Ipc => "arrow ipc",
        })
    }
}

impl FileFormat {
    /// Whether the engines decode files of this format whole (no polars scan).
    pub(crate) fn reads_whole(self) -> bool {
        self == FileFormat::Avro
    }

    fn from_extension(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "parquet" | "pq" => Some(FileFormat::Parquet),
            "avro" => Some(FileFormat::Avro),
            "csv" => Some(FileFormat::Csv),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            "arrow" | "ipc" | "feather" => Some(FileFormat::Ipc),
            _ => None,
        }
    }

    /// The format of `path` by extension, else by its first bytes.
    pub fn detect(path: &Path) -> Result<Self, Error> {
        if let Some(format) = Self::from_extension(path) {
            return Ok(format);
        }
        let mut head = [0u8; 512];
        let mut file = std::fs::File::open(path).map_err(io_error("opening", path))?;
        let n = file.read(&mut head).map_err(io_error("reading", path))?;
        let head = &head[..n];
        match crate::formats::by_magic(head) {
            Some(crate::config::Format::Parquet) => return Ok(FileFormat::Parquet),
            Some(crate::config::Format::Avro) => return Ok(FileFormat::Avro),
            None => {}
        }
        if head.starts_with(b"ARROW1") {
            return Ok(FileFormat::Ipc);
        }
        let text = std::str::from_utf8(head).map(str::trim_start);
        match text {
            Ok(t) if t.starts_with('{') => Ok(FileFormat::Ndjson),
            Ok(t) if t.lines().next().is_some_and(|l| l.contains(',')) => Ok(FileFormat::Csv),
            _ => Err(QueryError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "unknown format (starts with {:02x?}); supported: Parquet, Avro, CSV, NDJSON, Arrow IPC, \
                     by extension (.parquet, .avro, .csv, .ndjson/.jsonl, .arrow/.ipc/.feather) or content",
                    &head[..head.len().min(8)]
                ),
            }
            .into()),
        }
    }
}

/// The files behind one `read(path)`.
pub(crate) struct FileSet {
    /// What the user gave.
    pub path: PathBuf,
    pub format: FileFormat,
    pub files: Vec<PathBuf>,
    /// Rows, when the metadata says (Parquet, Avro).
    pub rows: Option<u64>,
    /// Decoded bytes per column (text formats: the file size spread evenly).
    pub column_bytes: Vec<(String, u64)>,
    /// Sizes and modification times: the cache key changes when a file does.
    stamps: Vec<(u64, Option<std::time::SystemTime>)>,
}

impl FileSet {
    /// Lists and inspects the files at `path`.
    pub fn open(path: &Path) -> Result<Self, Error> {
        if let Some(url) = path.to_str().filter(|p| crate::io::is_url(p)) {
            return Self::open_in_bucket(path, url);
        }
        let files = data_files(path)?;
        let Some(first) = files.first() else {
            return Err(QueryError::Format {
                path: path.to_path_buf(),
                message: "the directory holds no data files".into(),
            }
            .into());
        };
        let format = FileFormat::detect(first)?;
        for file in &files[1..] {
            let other = FileFormat::detect(file)?;
            if other != format {
                return Err(QueryError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "mixes formats: `{}` is {format}, `{}` is {other}; read them separately",
                        first.display(),
                        file.display()
                    ),
                }
                .into());
            }
        }
        let mut stamps = Vec::with_capacity(files.len());
        for file in &files {
            let m = std::fs::metadata(file).map_err(io_error("reading", file))?;
            stamps.push((m.len(), m.modified().ok()));
        }
        let mut set =
            FileSet { path: path.to_path_buf(), format, files, rows: None, column_bytes: Vec::new(), stamps };
        set.measure()?;
        Ok(set)
    }

    /// The Parquet files at `url`: the object itself, or every file under
    /// the prefix (hidden `.` and `_` entries skipped, a Delta table refused).
    fn open_in_bucket(path: &Path, url: &str) -> Result<Self, Error> {
        let location = bucket_location(url)?;
        let listed = location.list_all()?;
        let hidden = |part: &str| part.starts_with('.') || part.starts_with('_');
        if listed.iter().any(|(relative, _, _)| relative.starts_with(crate::storage::table::LOG_DIR)) {
            return Err(crate::error::StorageError::Catalog(format!(
                "`{url}` is a Delta Lake table: its data files also hold replaced and deleted rows. Read an \
                 entity through its store (`Store::open` of the store's URL, `pframe head {url}`), or the \
                 table with a Delta reader"
            ))
            .into());
        }
        let mut found: Vec<(PathBuf, u64, Option<i64>)> = listed
            .into_iter()
            .filter(|(relative, _, _)| !relative.split('/').any(hidden))
            .map(|(relative, size, modified)| (location.join(&relative).name(), size, modified))
            .collect();
        if found.is_empty() {
            // Not a prefix of anything: the object itself, if it is one.
            let size = location.size()?;
            found.push((location.name(), size, None));
        }
        found.sort();
        for (file, _, _) in &found {
            let format = FileFormat::from_extension(file).unwrap_or(FileFormat::Parquet);
            if format != FileFormat::Parquet {
                return Err(QueryError::Format {
                    path: file.clone(),
                    message: format!("is {format}; files in a bucket are read as Parquet only (so far)"),
                }
                .into());
            }
        }
        let stamps = found
            .iter()
            .map(|(_, size, modified)| {
                let at = modified.and_then(|ms| {
                    std::time::UNIX_EPOCH
                        .checked_add(std::time::Duration::from_millis(u64::try_from(ms).ok()?))
                });
                (*size, at)
            })
            .collect();
        let files = found.into_iter().map(|(file, _, _)| file).collect();
        let mut set = FileSet {
            path: path.to_path_buf(),
            format: FileFormat::Parquet,
            files,
            rows: None,
            column_bytes: Vec::new(),
            stamps,
        };
        set.measure()?;
        Ok(set)
    }

    /// Whether the files are in a bucket.
    pub(crate) fn in_bucket(&self) -> bool {
        self.path.to_str().is_some_and(crate::io::is_url)
    }

    /// Rows and per-column bytes from the files' metadata.
    fn measure(&mut self) -> Result<(), Error> {
        match self.format {
            FileFormat::Parquet => {
                let mut rows = 0u64;
                let mut bytes: Vec<(String, u64)> = Vec::new();
                for file in &self.files {
                    let data = match file.to_str().filter(|f| crate::io::is_url(f)) {
                        Some(url) => {
                            crate::formats::parquet::DataFile::open_location(&bucket_location(url)?)?
                        }
                        None => crate::formats::parquet::DataFile::open(file)?,
                    };
                    rows += data.row_group_rows().iter().map(|r| *r as u64).sum::<u64>();
                    for f in data.schema().fields() {
                        let b = data.decoded_bytes(Some(&[f.name().as_str()]));
                        match bytes.iter_mut().find(|(n, _)| n == f.name()) {
                            Some((_, total)) => *total += b,
                            None => bytes.push((f.name().clone(), b)),
                        }
                    }
                }
                self.rows = Some(rows);
                self.column_bytes = bytes;
            }
            FileFormat::Avro => {
                let mut rows = 0u64;
                let mut stored = 0u64;
                let mut names = Vec::new();
                for file in &self.files {
                    let avro = crate::avro::AvroFile::open(file)?;
                    rows += avro.rows() as u64;
                    stored += avro.decoded_bytes_estimate();
                    if names.is_empty() {
                        let schema = crate::avro::arrow::arrow_schema(avro.schema())
                            .map_err(|message| QueryError::Format { path: file.clone(), message })?;
                        names = schema.fields().iter().map(|f| f.name().clone()).collect();
                    }
                }
                self.rows = Some(rows);
                self.column_bytes = spread(&names, stored);
            }
            FileFormat::Csv | FileFormat::Ndjson | FileFormat::Ipc => {
                let total: u64 = self.stamps.iter().map(|(len, _)| *len).sum();
                let schema = self.scan(None)?.collect_schema().map_err(|e| {
                    polars_error(&format!("reading the schema of `{}`", self.path.display()), e)
                })?;
                let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
                self.column_bytes = spread(&names, total);
            }
        }
        Ok(())
    }

    /// The memory engine's cache key: paths, sizes and modification times.
    pub fn cache_key(&self) -> String {
        let mut key = format!("files\0{}", self.format);
        for (file, (len, modified)) in self.files.iter().zip(&self.stamps) {
            key.push_str(&format!("\0{}\0{len}\0{modified:?}", file.display()));
        }
        key
    }

    /// A polars scan of the files; Avro files are decoded (projected onto
    /// `columns`) and handed over without copies.
    pub fn scan(&self, columns: Option<&[String]>) -> Result<LazyFrame, Error> {
        let context = || format!("scanning `{}`", self.path.display());
        if self.in_bucket() {
            // polars' cloud reader does not share this process's buckets
            // (memory://, their clients and options): the store's reader
            // decodes the projected columns of each file, fetched whole.
            let mut parts = Vec::with_capacity(self.files.len());
            for file in &self.files {
                let url = file.to_string_lossy();
                let data = crate::formats::parquet::DataFile::open_location(&bucket_location(&url)?)?;
                let schema = data.schema().clone();
                let keep: Vec<usize> = (0..schema.fields().len())
                    .filter(|&i| columns.is_none_or(|c| c.iter().any(|n| n == schema.field(i).name())))
                    .collect();
                let projected = Arc::new(
                    schema.project(&keep).map_err(|e| Error::Arrow { context: context(), source: e })?,
                );
                let data = projected
                    .fields()
                    .iter()
                    .map(|f| data.read_column(f.name(), None))
                    .collect::<Result<Vec<_>, Error>>()?;
                parts.push(bridge::columns_to_frame(&projected, data)?.lazy());
            }
            if parts.len() == 1 {
                return parts.pop().ok_or_else(|| polars_error(&context(), "no files"));
            }
            return concat(parts, UnionArgs { rechunk: false, ..UnionArgs::default() })
                .map_err(|e| polars_error(&context(), e));
        }
        let paths = || {
            polars_buffer::Buffer::from_iter(
                self.files.iter().map(|p| PlRefPath::new(p.to_string_lossy().as_ref())),
            )
        };
        let lf = match self.format {
            FileFormat::Parquet => LazyFrame::scan_parquet_files(paths(), ScanArgsParquet::default()),
            FileFormat::Csv => LazyCsvReader::new_paths(paths()).with_has_header(true).finish(),
            FileFormat::Ndjson => LazyJsonLineReader::new_paths(paths()).finish(),
            FileFormat::Ipc => LazyFrame::scan_ipc_sources(
                ScanSources::Paths(paths()),
                Default::default(),
                Default::default(),
            ),
            FileFormat::Avro => {
                let mut parts = Vec::with_capacity(self.files.len());
                for file in &self.files {
                    let (schema, batches) = crate::avro::arrow::read_file(file, columns)?;
                    parts.push(bridge::to_frame(&schema, &batches)?.lazy());
                }
                if parts.len() == 1 {
                    return parts.pop().ok_or_else(|| polars_error(&context(), "no files"));
                }
                concat(parts, UnionArgs { rechunk: false, ..UnionArgs::default() })
            }
        };
        lf.map_err(|e| polars_error(&context(), e))
    }
}

fn spread(names: &[String], total: u64) -> Vec<(String, u64)> {
    let each = total / (names.len().max(1) as u64);
    names.iter().map(|n| (n.clone(), each)).collect()
}

/// The data files `path` names: itself, or for a directory every file below
/// it (hidden `.` and `_` entries skipped: logs, locks, temporary files),
/// sorted. A Delta table's directory is refused: its files also hold rows
/// that later versions replaced or deleted.
pub fn data_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let meta = std::fs::metadata(path).map_err(io_error("reading", path))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    if path.join(crate::storage::table::LOG_DIR).is_dir() {
        return Err(crate::error::StorageError::Catalog(format!(
            "`{}` is a Delta Lake table: its data files also hold replaced and deleted rows. Read an \
             entity through its store (`store.load_all`, `StoredEntity`, `pframe inspect/head` of the \
             entity directory), or the table with a Delta reader",
            path.display()
        ))
        .into());
    }
    let mut files = Vec::new();
    list(path, &mut files)?;
    files.sort();
    Ok(files)
}

fn list(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir).map_err(io_error("listing", dir))? {
        let entry = entry.map_err(io_error("listing", dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(io_error("reading", &path))?;
        if kind.is_dir() {
            list(&path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// The location of `url` with the configured object-storage options.
fn bucket_location(url: &str) -> Result<crate::io::Location, Error> {
    let options = crate::config::load()?.store.object_options();
    crate::io::Location::parse(url, &options)
}

/// Shared by [`read`](crate::read) callers.
pub(crate) fn open(path: &Path) -> Result<Arc<FileSet>, Error> {
    FileSet::open(path).map(Arc::new)
}
