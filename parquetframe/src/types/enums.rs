//! Unit-only enums (`#[derive(Record)]` on an enum): a string column holding
//! the variant name, or with `#[record(dictionary)]` a Dictionary(Int32, Utf8)
//! column whose dictionary lists every variant.

use std::marker::PhantomData;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, DictionaryArray, PrimitiveBuilder, StringArray};
use arrow::buffer::{NullBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Int32Type};

use super::coerce::cast_if_accepted;
use super::string::{StrBuilder, StrReader};
use super::{BindError, ColumnReader, ReadError, ValueError};
use crate::avro::Input;
use crate::avro::binary::put_long;

/// A unit-only enum stored by variant name. Implemented by `#[derive(Record)]`.
pub trait EnumColumn: Sized + Send + Sync + 'static {
    /// Variant names as stored, in declaration order.
    const VARIANTS: &'static [&'static str];
    /// Whether the column is dictionary-encoded.
    const DICTIONARY: bool;
    /// The position of `self` in [`VARIANTS`](Self::VARIANTS).
    fn variant_index(&self) -> usize;
    /// The variant at `index`.
    fn from_variant_index(index: usize) -> Option<Self>;
}

const ACCEPTS: &str = "Utf8, LargeUtf8, Utf8View, Dictionary(_, Utf8 | LargeUtf8 | Utf8View)";

/// The Arrow type of enum `E`.
pub fn data_type<E: EnumColumn>() -> DataType {
    if E::DICTIONARY {
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    } else {
        DataType::Utf8
    }
}

/// Writes `value` as an Avro enum datum: its index among the symbols
/// (the symbols are [`EnumColumn::VARIANTS`], in order).
#[inline]
pub fn avro_encode<E: EnumColumn>(value: &E, out: &mut Vec<u8>) -> Result<(), ValueError> {
    put_long(out, value.variant_index() as i64);
    Ok(())
}

/// Reads an Avro enum datum written with the enum's own symbols.
#[inline]
pub fn avro_decode<E: EnumColumn>(input: &mut Input<'_>) -> Result<E, ReadError> {
    let i = input.long().map_err(ReadError::invalid)?;
    usize::try_from(i).ok().and_then(E::from_variant_index).ok_or_else(|| {
        ReadError::invalid(format!("symbol index {i} is not one of the enum's {} symbols", E::VARIANTS.len()))
    })
}

/// Builder for an enum column.
pub enum EnumBuilder<E: EnumColumn> {
    /// Plain strings.
    Plain(StrBuilder, PhantomData<fn() -> E>),
    /// Dictionary keys; the dictionary is every variant.
    Dictionary(PrimitiveBuilder<Int32Type>),
}

impl<E: EnumColumn> EnumBuilder<E> {
    /// A builder with room for `capacity` values.
    pub fn new(capacity: usize) -> Self {
        if E::DICTIONARY {
            EnumBuilder::Dictionary(PrimitiveBuilder::with_capacity(capacity))
        } else {
            EnumBuilder::Plain(StrBuilder::with_capacity(capacity), PhantomData)
        }
    }

    /// Appends a variant.
    #[inline]
    pub fn append(&mut self, value: &E) -> Result<(), ValueError> {
        let index = value.variant_index();
        let name = E::VARIANTS
            .get(index)
            .ok_or_else(|| ValueError::new(format!("variant index {index} out of range")))?;
        match self {
            EnumBuilder::Plain(b, _) => b.push(name),
            EnumBuilder::Dictionary(b) => {
                b.append_value(i32::try_from(index).map_err(|_| ValueError::new("too many variants"))?)
            }
        }
        Ok(())
    }

    /// Appends a null.
    #[inline]
    pub fn append_null(&mut self) {
        match self {
            EnumBuilder::Plain(b, _) => b.push_null(),
            EnumBuilder::Dictionary(b) => b.append_null(),
        }
    }

    /// Finishes the array.
    pub fn finish(&mut self) -> ArrayRef {
        match self {
            EnumBuilder::Plain(b, _) => super::ColumnBuilder::<String>::finish(b),
            EnumBuilder::Dictionary(b) => {
                let keys = b.finish();
                let values: ArrayRef = Arc::new(StringArray::from_iter_values(E::VARIANTS.iter()));
                // Keys are variant indexes, all below VARIANTS.len(): valid by construction.
                match DictionaryArray::<Int32Type>::try_new(keys, values) {
                    Ok(d) => Arc::new(d),
                    Err(_) => Arc::new(StringArray::from_iter_values(std::iter::empty::<&str>())),
                }
            }
        }
    }
}

/// Reader for an enum column.
pub enum EnumReader<E> {
    /// Plain strings, matched to variant names per row.
    Plain(StrReader, PhantomData<fn() -> E>),
    /// Dictionary: each dictionary entry is matched once.
    Dictionary {
        /// Dictionary keys (cast to Int32).
        keys: ScalarBuffer<i32>,
        /// Validity of the keys.
        nulls: Option<NullBuffer>,
        /// The variant for each dictionary entry, or the unknown name.
        entries: Vec<Result<usize, String>>,
    },
}

fn variant_of<E: EnumColumn>(name: &str) -> Result<usize, String> {
    E::VARIANTS.iter().position(|v| *v == name).ok_or_else(|| name.to_owned())
}

fn unknown<E: EnumColumn>(name: &str) -> ReadError {
    ReadError::invalid(format!("`{name}` is not a variant (expected one of: {})", E::VARIANTS.join(", ")))
}

impl<E: EnumColumn> EnumReader<E> {
    /// Binds to a string or dictionary column.
    pub fn bind(array: &ArrayRef) -> Result<Self, BindError> {
        if let DataType::Dictionary(_, _) = array.data_type() {
            let target = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
            let dict = cast_if_accepted(array, &target, |_| true, ACCEPTS)?;
            let dict = dict
                .as_dictionary_opt::<Int32Type>()
                .ok_or_else(|| BindError::mismatch(data_type::<E>(), array.data_type(), ACCEPTS))?;
            let values = StrReader::bind(dict.values())?;
            let entries = (0..dict.values().len())
                .map(|i| match values.str_at(i) {
                    Ok(name) => variant_of::<E>(name),
                    Err(_) => Err(String::from("null")),
                })
                .collect();
            return Ok(EnumReader::Dictionary {
                keys: dict.keys().values().clone(),
                nulls: dict.keys().nulls().cloned(),
                entries,
            });
        }
        let strings = StrReader::bind(array)
            .map_err(|_| BindError::mismatch(data_type::<E>(), array.data_type(), ACCEPTS))?;
        Ok(EnumReader::Plain(strings, PhantomData))
    }
}

impl<E: EnumColumn> ColumnReader<E> for EnumReader<E> {
    #[inline]
    fn is_null(&self, index: usize) -> bool {
        match self {
            EnumReader::Plain(s, _) => s.is_null(index),
            EnumReader::Dictionary { nulls, .. } => {
                nulls.as_ref().is_some_and(|n| index < n.len() && n.is_null(index))
            }
        }
    }

    #[inline]
    fn read(&self, index: usize) -> Result<E, ReadError> {
        let variant = match self {
            EnumReader::Plain(s, _) => {
                let name = s.str_at(index)?;
                variant_of::<E>(name).map_err(|n| unknown::<E>(&n))?
            }
            EnumReader::Dictionary { keys, entries, .. } => {
                if ColumnReader::<E>::is_null(self, index) {
                    return Err(ReadError::null());
                }
                let key = keys.get(index).copied().ok_or_else(|| ReadError::out_of_bounds(index))?;
                let entry = usize::try_from(key).ok().and_then(|k| entries.get(k));
                match entry {
                    Some(Ok(v)) => *v,
                    Some(Err(name)) => return Err(unknown::<E>(name)),
                    None => {
                        return Err(ReadError::invalid(format!("dictionary key {key} is out of range")));
                    }
                }
            }
        };
        E::from_variant_index(variant).ok_or_else(|| ReadError::out_of_bounds(variant))
    }
}

impl<E: EnumColumn> super::ColumnBuilder<E> for EnumBuilder<E> {
    #[inline]
    fn append(&mut self, value: &E) -> Result<(), ValueError> {
        EnumBuilder::append(self, value)
    }

    #[inline]
    fn append_null(&mut self) {
        EnumBuilder::append_null(self);
    }

    fn finish(&mut self) -> ArrayRef {
        EnumBuilder::finish(self)
    }
}
