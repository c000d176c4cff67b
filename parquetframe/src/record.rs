//! The `Record` trait: a struct that maps to Arrow columns.

use arrow::array::{ArrayRef, RecordBatch};
use arrow::buffer::NullBuffer;
use arrow::datatypes::SchemaRef;

use crate::error::Result;
use crate::types::struct_column::Columns;
use crate::types::{BindError, Column, ValueError};

/// A struct whose fields are columns: the rows of a [`RecordBatch`], or the
/// value of a Struct column when nested in another record.
///
/// Derive it with `#[derive(Record)]`; every `#[derive(Entity)]` derives it too.
///
/// ```
/// use parquetframe::prelude::*;
///
/// #[derive(Record, Debug, Clone, PartialEq)]
/// struct Address {
///     city: String,
///     zip: Option<String>,
/// }
///
/// let rows = vec![Address { city: "Oslo".into(), zip: None }];
/// let batch = Address::to_record_batch(&rows)?;
/// assert_eq!(Address::from_record_batch(&batch)?, rows);
/// # Ok::<(), parquetframe::Error>(())
/// ```
pub trait Record: Column {
    /// The Rust type's name, used in error messages.
    const RECORD_NAME: &'static str;

    /// The Arrow schema: one field per stored struct field, in struct order.
    /// Built once and cached.
    fn arrow_schema() -> SchemaRef;

    /// The Avro schema: a record named after the type (or `#[entity(name)]`,
    /// within `namespace` if given), derived from the same type traits as the
    /// Arrow schema, with `///` doc comments as `doc`. Built once and cached.
    /// See [`types::avro_schema`](crate::types::avro_schema) for the type mapping.
    ///
    /// # Panics
    ///
    /// Never for types the derive accepts (it checks names at compile time); a
    /// panic here is a parquetframe bug and says so.
    fn avro_schema() -> &'static apache_avro::Schema;

    /// The Avro schema as JSON, as it is stored in the catalog.
    fn avro_schema_json() -> serde_json::Value {
        <Self as Column>::avro_type(
            &crate::FieldOptions::DEFAULT,
            &mut crate::types::avro_schema::AvroNames::default(),
        )
    }

    /// The Avro schema's Parsing Canonical Form, as the Avro specification
    /// defines it (fastavro and Java give the same string).
    fn avro_canonical_form() -> String {
        crate::types::avro_schema::canonical_form(&Self::avro_schema_json())
    }

    /// The Avro schema's 64-bit Rabin fingerprint (CRC-64-AVRO of the
    /// canonical form), as single-object encoding uses it.
    fn avro_fingerprint() -> u64 {
        crate::types::avro_schema::fingerprint(&Self::avro_canonical_form())
    }

    /// Converts rows into one record batch, column by column (columns are built
    /// in parallel for large slices).
    fn to_record_batch(rows: &[Self]) -> Result<RecordBatch> {
        let columns = Self::build_columns(rows)
            .map_err(|(row, e)| crate::record_batch::encode_error(Self::RECORD_NAME, row, e))?;
        crate::record_batch::batch(Self::RECORD_NAME, Self::arrow_schema(), columns, rows.len())
    }

    /// Converts a record batch into rows. Columns are matched by name (order
    /// does not matter, extra columns are ignored) and every Arrow type a real
    /// writer produces for a field's Rust type is accepted.
    fn from_record_batch(batch: &RecordBatch) -> Result<Vec<Self>> {
        let reader = Self::bind_columns(Columns::of_batch(batch), None)
            .map_err(|e| crate::record_batch::bind_error(Self::RECORD_NAME, e))?;
        crate::record_batch::read_rows::<Self, _>(Self::RECORD_NAME, &reader, batch.num_rows())
    }

    /// Loads every row of a Parquet or Avro file written by any tool (the
    /// format is told by the file's first bytes). Parquet columns are matched
    /// by name; Avro files are read with schema resolution against
    /// [`avro_schema`](Self::avro_schema) (field order, added and removed
    /// fields, promotions, unions, aliases). Row groups or block groups are
    /// decoded in parallel. Errors name the file.
    ///
    /// The derive implements it by calling
    /// [`formats::record_files::read`](crate::formats::record_files::read):
    /// files are read on a higher floor of the crate than this trait.
    fn read_file(path: impl AsRef<std::path::Path>) -> Result<Vec<Self>>;

    /// Writes `rows` as one file, replacing `path` atomically: Avro when the
    /// extension is `.avro`, else Parquet; compressed with zstandard (level 1).
    fn write_file(path: impl AsRef<std::path::Path>, rows: &[Self]) -> Result<()> {
        Self::write_file_with(path, rows, crate::avro::Codec::default())
    }

    /// [`write_file`](Self::write_file) with another codec (Parquet takes
    /// null, snappy and zstandard; Avro every [`Codec`](crate::avro::Codec)).
    /// The derive implements it by calling
    /// [`formats::record_files::write`](crate::formats::record_files::write).
    fn write_file_with(
        path: impl AsRef<std::path::Path>,
        rows: &[Self],
        codec: crate::avro::Codec,
    ) -> Result<()>;

    /// Builds one array per stored field. Generated; errors carry the row.
    #[doc(hidden)]
    fn build_columns(rows: &[Self]) -> Result<Vec<ArrayRef>, (usize, ValueError)>;

    /// Binds a reader to named columns. Generated.
    #[doc(hidden)]
    fn bind_columns(columns: Columns<'_>, nulls: Option<NullBuffer>) -> Result<Self::Reader, BindError>;
}
