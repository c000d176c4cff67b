//! The one error type of the library.

use arrow::datatypes::DataType;
use arrow::error::ArrowError;

mod graph_problem;
pub use graph_problem::GraphProblem;

/// Result with [`enum@Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure a user or a file can cause.
///
/// Each variant carries what failed and where: the entity, the column (a dotted
/// path for nested fields, `tags[]` for list items), the row, the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A column the entity needs is not in the batch or file.
    #[error(
        "entity `{entity}`: column `{column}` is missing (found columns: {found}); \
         add it to the data, or mark the field `#[entity(default)]` to load older data"
    )]
    MissingColumn {
        /// The entity or record type.
        entity: &'static str,
        /// The column path.
        column: String,
        /// The columns that were present, comma separated.
        found: String,
    },

    /// A column exists but its Arrow type cannot be read into the field's Rust type.
    #[error(
        "entity `{entity}`: column `{column}` has type {found}, expected {expected}{}",
        accepts_note(accepts)
    )]
    ColumnType {
        /// The entity or record type.
        entity: &'static str,
        /// The column path.
        column: String,
        /// The Arrow type the field's Rust type maps to.
        expected: DataType,
        /// The Arrow type found in the data.
        found: DataType,
        /// What other types are accepted for this field, if any.
        accepts: &'static str,
    },

    /// A null where the field is not an `Option`.
    #[error(
        "entity `{entity}`: column `{column}` is null at row {row}, but the field is not an \
         Option; make the field `Option<_>` or fix the data"
    )]
    NullValue {
        /// The entity or record type.
        entity: &'static str,
        /// The column path.
        column: String,
        /// The row in the batch (0-based).
        row: usize,
    },

    /// A value present in the data that the Rust type cannot represent.
    #[error("entity `{entity}`: column `{column}`, row {row}: {message}")]
    InvalidValue {
        /// The entity or record type.
        entity: &'static str,
        /// The column path.
        column: String,
        /// The row in the batch (0-based).
        row: usize,
        /// What is wrong with the value.
        message: String,
    },

    /// A Rust value that cannot be written in the column's Arrow type.
    #[error("entity `{entity}`: cannot write column `{column}` of row {row}: {message}")]
    Encode {
        /// The entity or record type.
        entity: &'static str,
        /// The column path.
        column: String,
        /// The index of the value in the slice being written.
        row: usize,
        /// What is wrong with the value.
        message: String,
    },

    /// A storage failure: I/O, a corrupt file, a missing data file.
    #[error(transparent)]
    Storage(#[from] StorageError),

    /// A data error found while reading one file: the file and the error.
    #[error("`{path}`: {source}")]
    InFile {
        /// The file.
        path: std::path::PathBuf,
        /// What was wrong in it.
        #[source]
        source: Box<Error>,
    },

    /// Rows could not be written in a file's format (e.g. a value the Avro
    /// schema cannot hold); nothing was committed.
    #[error("writing `{path}`: {message}")]
    Write {
        /// The file being written.
        path: std::path::PathBuf,
        /// What could not be written.
        message: String,
    },

    /// A file's schema cannot be read as the entity's (Avro schema resolution).
    #[error("`{path}`: its schema cannot be read as entity `{entity}`: {message}")]
    Resolution {
        /// The file.
        path: std::path::PathBuf,
        /// The entity or record type.
        entity: &'static str,
        /// Which field and why.
        message: String,
    },

    /// A relation or foreign-key rule was broken, or the entity graph is invalid.
    #[error(transparent)]
    Relation(#[from] RelationError),

    /// A query, a read of untyped data, or a materialisation failed.
    #[error(transparent)]
    Query(#[from] QueryError),

    /// The configuration has an unknown key or a bad value.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// An error from arrow-rs, with what we were doing when it happened.
    #[error("{context}: {source}")]
    Arrow {
        /// What parquetframe was doing.
        context: String,
        /// The arrow-rs error.
        #[source]
        source: ArrowError,
    },
}

fn accepts_note(accepts: &str) -> String {
    if accepts.is_empty() { String::new() } else { format!(" (also accepted: {accepts})") }
}

/// Storage errors: every one names the path it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// An I/O operation failed.
    #[error("{op} `{path}`: {source}")]
    Io {
        /// What was being done (e.g. "creating directory").
        op: &'static str,
        /// The path.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file's contents are not what the store wrote (truncated, corrupt, foreign).
    #[error("`{path}` is unreadable: {message}")]
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file the commit point lists is gone.
    #[error(
        "entity `{entity}`: data file `{path}` is listed by the current commit (table version \
         {version}) but missing; the store was modified outside parquetframe"
    )]
    MissingDataFile {
        /// The entity.
        entity: &'static str,
        /// The missing file.
        path: std::path::PathBuf,
        /// The table version that lists it.
        version: u64,
    },
    /// A compaction through a struct that lacks columns its files hold
    /// (written by a program whose struct has them): refused, not dropped.
    #[error(
        "entity `{entity}`: compacting would drop column(s) {columns} that `{path}` holds (written by a \
         program whose `{entity}` has them); compact with that program. Nothing was changed"
    )]
    WouldDropColumns {
        /// The entity.
        entity: &'static str,
        /// A data file holding the columns.
        path: std::path::PathBuf,
        /// The columns, quoted and comma-separated.
        columns: String,
    },
    /// A request to an object store (S3, GCS, Azure, memory) failed.
    #[error("{op} `{url}`: {message}")]
    Object {
        /// What was being done (e.g. "reading").
        op: &'static str,
        /// The object or prefix, as a URL.
        url: String,
        /// What the object store answered.
        message: String,
    },
    /// The store root exists but is not a directory.
    #[error("store root `{0}` exists and is not a directory")]
    RootNotADirectory(std::path::PathBuf),
    /// Another entity already uses this storage path, or the catalog disagrees with the type.
    #[error("{0}")]
    Catalog(String),
    /// Configuration could not be read.
    #[error("configuration: {0}")]
    Config(String),
}

/// Configuration errors: each names the key and where it was set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key (in a file or the builder) or a `PARQUETFRAME_*` variable that means nothing.
    #[error(
        "unknown configuration key `{key}` in {origin}{}; every key is listed in docs/configuration.md",
        suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    UnknownKey {
        /// The key or variable as written.
        key: String,
        /// Where: the file, or "the environment".
        origin: String,
        /// The closest known key or variable.
        suggestion: Option<String>,
    },
    /// A value of the wrong type or out of range.
    #[error("bad value for `{key}` from {origin}: {message}")]
    BadValue {
        /// The key.
        key: String,
        /// Where it was set: `file [section] key`, `VARIABLE=value`, or an argument.
        origin: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// The configuration file cannot be read or is not TOML.
    #[error("configuration file `{path}`: {message}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        message: String,
    },
}

/// Query errors: each names the file, column or engine at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query engine (polars) refused or failed the query.
    #[error("{context}: {message}")]
    Engine {
        /// What was being done, e.g. "running the query on the lazy engine".
        context: String,
        /// polars' message (it names the column or operation).
        message: String,
    },
    /// Materialising would need more memory than the configured hard limit.
    #[error(
        "{what}: needs about {} MiB, above the memory limit of {} MiB (engine.memory_limit_mb); \
         query with the streaming engine (`.engine(Engine::Streaming)` or PARQUETFRAME_ENGINE=streaming), \
         project fewer columns, or raise the limit",
        estimated / (1024 * 1024),
        limit / (1024 * 1024)
    )]
    MemoryLimit {
        /// What was to be materialised (e.g. "load_all of `User`").
        what: String,
        /// Estimated bytes.
        estimated: u64,
        /// The configured limit in bytes.
        limit: u64,
    },
    /// A path whose format is not recognised, or files of mixed formats.
    #[error("`{path}`: {message}")]
    Format {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What was found and what is supported.
        message: String,
    },
    /// An engine cannot run here or cannot run this query.
    #[error("engine `{engine}` {message}")]
    Unavailable {
        /// The engine's name.
        engine: &'static str,
        /// Why not.
        message: String,
    },
    /// A join asked for a relation that is not declared, or more than one fits.
    #[error("{0}")]
    Relation(String),
}

/// Relation and foreign-key errors: each names the entities, the column and
/// sample keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelationError {
    /// A save (with `fk_check = "on_save"`) has rows whose foreign key names no
    /// live parent; nothing was written.
    #[error(
        "entity `{entity}`: {missing} row(s) reference `{target}` keys that do not exist in column \
         `{column}` (keys: {}); nothing was saved. Save the `{target}` rows first, or set \
         fk_check = \"deferred\" and run store.validate() later",
        sample.join(", ")
    )]
    MissingParents {
        /// The entity being saved.
        entity: &'static str,
        /// Its foreign-key column.
        column: &'static str,
        /// The referenced entity.
        target: &'static str,
        /// Rows with a missing parent.
        missing: usize,
        /// Some of the missing keys.
        sample: Vec<String>,
    },
    /// A delete was refused: rows reference the keys and the relation is
    /// `on_delete = "restrict"`; nothing was deleted.
    #[error(
        "cannot delete `{entity}` key(s) {}: {rows} `{child}` row(s) reference them through column \
         `{column}` (e.g. `{child}` keys {}) and the relation is on_delete = \"restrict\"; nothing was \
         deleted. Delete or re-point those rows first, or declare on_delete = \"cascade\" or \"set_null\"",
        keys.join(", "),
        sample.join(", ")
    )]
    Restricted {
        /// The entity whose rows were to be deleted.
        entity: &'static str,
        /// Some of the keys being deleted.
        keys: Vec<String>,
        /// The referencing entity.
        child: &'static str,
        /// Its foreign-key column.
        column: &'static str,
        /// Referencing rows.
        rows: usize,
        /// Some of their primary keys.
        sample: Vec<String>,
    },
    /// An entity that a relation or the catalog names is not linked into this program.
    #[error("entity `{entity}` is not linked into this program ({context}); add its type to the build")]
    NotLinked {
        /// The entity name.
        entity: String,
        /// Who refers to it.
        context: String,
    },
    /// A key column whose Arrow type cannot be compared as a key.
    #[error("entity `{entity}`: column `{column}` has type {data_type}, which cannot be compared as a key")]
    KeyType {
        /// The entity.
        entity: String,
        /// The column.
        column: String,
        /// Its Arrow type.
        data_type: DataType,
    },
    /// `Entity::foreign_key_column` was asked for a relation the entity does not declare.
    #[error("entity `{entity}` declares no relation number {index}")]
    UnknownRelation {
        /// The entity.
        entity: &'static str,
        /// The relation index asked for.
        index: usize,
    },
    /// The entity graph has problems (see [`SchemaGraph::check`](crate::graph::SchemaGraph::check)).
    #[error("the entity graph is invalid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Graph {
        /// Every problem found.
        problems: Vec<GraphProblem>,
    },
}
