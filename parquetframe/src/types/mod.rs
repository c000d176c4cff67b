//! How Rust field types become Arrow columns and back.
//!
//! Every supported field type implements [`Column`]: its Arrow type, a builder
//! that appends values of the type into a preallocated Arrow array, and a reader
//! that takes values out of an array. The derive macros only call these traits,
//! so supporting a new field type is one new impl here, never a macro change, and
//! the compiler monomorphises every column: nothing matches on `DataType` per row.
//! The same traits encode and decode Avro datums directly
//! ([`Column::avro_encode`], [`Column::avro_decode`]) for files whose schema is
//! the type's own.
//!
//! One file per family of types: [`primitive`], [`string`], [`temporal`],
//! [`option`], [`list`], [`map`], [`enums`], [`struct_column`], and behind cargo
//! features `uuid` and `decimal`.

pub mod avro_schema;
/// The older path of [`avro_schema`].
#[doc(hidden)]
pub use avro_schema as avro;
pub mod coerce;
#[cfg(feature = "decimal")]
pub mod decimal;
pub mod enums;
pub mod key;
pub mod list;
pub mod map;
pub mod option;
pub mod primitive;
pub mod string;
pub mod struct_column;
/// The older path of [`struct_column`].
#[doc(hidden)]
pub use struct_column as record;
pub mod temporal;
#[cfg(feature = "uuid")]
pub mod uuid;

use std::collections::HashMap;

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Field};

pub use key::Key;

/// Options a field attribute passes down to its type (and to the types inside
/// it, e.g. the items of a `Vec<Decimal>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldOptions {
    /// Decimal precision and scale, from `#[entity(precision = .., scale = ..)]`.
    pub decimal: Option<(u8, i8)>,
}

impl FieldOptions {
    /// No options: every type uses its default mapping.
    pub const DEFAULT: FieldOptions = FieldOptions { decimal: None };
}

impl Default for FieldOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A Rust type that can be a column (or part of one) in an entity.
///
/// Implemented for the types listed in the crate documentation; derive
/// [`Record`](crate::Record) to make your own struct or unit enum a column type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a parquetframe column",
    label = "unsupported field type",
    note = "supported: bool, i8..i64, u8..u64, f32, f64, String, Vec<u8> (binary), Option<T>, \
            Vec<T>, HashMap<K, V>, BTreeMap<K, V>, chrono NaiveDate / NaiveTime / NaiveDateTime / \
            DateTime<Utc> / Duration, uuid::Uuid (feature `uuid`), rust_decimal::Decimal \
            (feature `decimal`), and types with #[derive(Record)]",
    note = "or mark the field #[entity(skip)] to leave it out of storage"
)]
pub trait Column: Sized + Send + Sync + 'static {
    /// Appends values of this type into an Arrow array.
    type Builder: ColumnBuilder<Self>;
    /// Reads values of this type out of an Arrow array.
    type Reader: ColumnReader<Self>;

    /// Whether the Arrow field is nullable (true only for `Option<T>`).
    const NULLABLE: bool = false;

    /// The Arrow type of the column.
    fn data_type(opts: &FieldOptions) -> DataType;

    /// The Avro type of the column (see [`avro_schema`] for the mapping). Named types
    /// already in `names` are referred to by name.
    fn avro_type(opts: &FieldOptions, names: &mut avro_schema::AvroNames) -> serde_json::Value;

    /// Field metadata, e.g. the `arrow.uuid` extension name.
    fn metadata() -> HashMap<String, String> {
        HashMap::new()
    }

    /// The Arrow field for a column of this type named `name`.
    fn field(name: &str, opts: &FieldOptions) -> Field {
        let field = Field::new(name, Self::data_type(opts), Self::NULLABLE);
        let metadata = Self::metadata();
        if metadata.is_empty() { field } else { field.with_metadata(metadata) }
    }

    /// A builder with room for `capacity` values.
    fn builder(capacity: usize, opts: &FieldOptions) -> Self::Builder;

    /// Appends the Avro binary encoding of `value`, in exactly the type
    /// [`avro_type`](Self::avro_type) describes: the direct path of
    /// [`Record::write_file`](crate::Record::write_file), with no Arrow arrays
    /// in between. Fails like [`ColumnBuilder::append`].
    fn avro_encode(value: &Self, opts: &FieldOptions, out: &mut Vec<u8>) -> Result<(), ValueError>;

    /// Reads one value written in exactly [`avro_type`](Self::avro_type) (the
    /// direct path of [`Record::read_file`](crate::Record::read_file) for files
    /// whose writer schema is the type's own). Malformed data is an error.
    fn avro_decode(input: &mut crate::avro::Input<'_>, opts: &FieldOptions) -> Result<Self, ReadError>;

    /// Binds a reader to `array`, checking its type once.
    ///
    /// Accepts every Arrow type a real writer produces for this Rust type
    /// (see [`coerce`]), and fails with a [`BindError`] naming what was found.
    fn reader(array: &ArrayRef, opts: &FieldOptions) -> Result<Self::Reader, BindError>;
}

/// Appends Rust values into an Arrow array.
pub trait ColumnBuilder<T>: Send {
    /// Appends one value; fails only when the value cannot be represented in
    /// the column's Arrow type (a decimal beyond its precision, say).
    fn append(&mut self, value: &T) -> Result<(), ValueError>;
    /// Appends a null slot: used when the enclosing struct or option is null.
    fn append_null(&mut self);
    /// Finishes the array, leaving the builder empty.
    fn finish(&mut self) -> ArrayRef;
}

/// Reads Rust values out of an Arrow array whose type was checked at bind time.
pub trait ColumnReader<T>: Send + Sync {
    /// Whether slot `index` is null.
    fn is_null(&self, index: usize) -> bool;
    /// Reads slot `index`; a null is an error unless `T` is an `Option`.
    fn read(&self, index: usize) -> Result<T, ReadError>;
}

/// A value that cannot be written in its column's Arrow type.
///
/// Boxed so that the `Result<(), ValueError>` of every append stays one word.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueError(Box<ValueErrorRepr>);

#[derive(Debug, Clone, PartialEq)]
struct ValueErrorRepr {
    path: String,
    message: String,
}

impl ValueError {
    /// A new error at the column itself.
    #[cold]
    pub fn new(message: impl Into<String>) -> Self {
        Self(Box::new(ValueErrorRepr { path: String::new(), message: message.into() }))
    }

    /// Prefixes a path segment (used by nested types as the error travels up).
    #[cold]
    pub fn within(mut self, segment: &str) -> Self {
        self.0.path.insert_str(0, segment);
        self
    }

    /// Path below the top-level column (`.city`, `[]`), innermost last.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// What went wrong reading one slot.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadErrorKind {
    /// A null in a non-`Option` field.
    Null,
    /// A value the Rust type cannot hold.
    Invalid(String),
}

/// An error reading one slot, with the path below the top-level column.
///
/// Boxed so that the `Result<T, ReadError>` of every value read stays small.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError(Box<ReadErrorRepr>);

#[derive(Debug, Clone, PartialEq)]
struct ReadErrorRepr {
    path: String,
    kind: ReadErrorKind,
}

impl ReadError {
    #[cold]
    fn with_kind(kind: ReadErrorKind) -> Self {
        Self(Box::new(ReadErrorRepr { path: String::new(), kind }))
    }

    /// A null where none is allowed.
    #[cold]
    pub fn null() -> Self {
        Self::with_kind(ReadErrorKind::Null)
    }

    /// A value the Rust type cannot hold.
    #[cold]
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::with_kind(ReadErrorKind::Invalid(message.into()))
    }

    /// An index beyond the array: only reachable with an array that breaks
    /// Arrow's own invariants, reported rather than panicking.
    #[cold]
    pub fn out_of_bounds(index: usize) -> Self {
        Self::invalid(format!("index {index} is outside the array (corrupt array)"))
    }

    /// Prefixes a path segment.
    #[cold]
    pub fn within(mut self, segment: &str) -> Self {
        self.0.path.insert_str(0, segment);
        self
    }

    /// Path below the top-level column (`.city`, `[]`), innermost last.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// What went wrong.
    pub fn kind(&self) -> &ReadErrorKind {
        &self.0.kind
    }

    /// The path and the kind.
    pub fn into_parts(self) -> (String, ReadErrorKind) {
        let repr = *self.0;
        (repr.path, repr.kind)
    }
}

/// The array given to [`Column::reader`] cannot be read as the Rust type.
#[derive(Debug, Clone, PartialEq)]
pub enum BindError {
    /// The Arrow type is not one this Rust type reads.
    Type {
        /// Path below the top-level column.
        path: String,
        /// The type we write for this Rust type.
        expected: DataType,
        /// The type found.
        found: DataType,
        /// Other Arrow types accepted (for the message).
        accepts: &'static str,
    },
    /// A struct child that the record needs is missing.
    Missing {
        /// Path below the top-level column, ending with the missing field.
        path: String,
        /// Children that were present.
        found: String,
    },
}

impl BindError {
    /// A type mismatch at the column itself.
    pub fn mismatch(expected: DataType, found: &DataType, accepts: &'static str) -> Self {
        BindError::Type { path: String::new(), expected, found: found.clone(), accepts }
    }

    /// Prefixes a path segment.
    pub fn within(mut self, segment: &str) -> Self {
        match &mut self {
            BindError::Type { path, .. } | BindError::Missing { path, .. } => path.insert_str(0, segment),
        }
        self
    }
}

/// Marks types that can be the items of a `Vec<T>` list column.
///
/// Every [`Column`] type is a list item except `u8`: `Vec<u8>` is a Binary
/// column, not a list of bytes.
#[diagnostic::on_unimplemented(
    message = "`Vec<{Self}>` is not a supported column type",
    note = "`Vec<u8>` is stored as Binary; other Vec<T> need T to be a column type"
)]
pub trait ListItem: Column {}
