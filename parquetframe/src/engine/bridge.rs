//! arrow-rs ↔ polars through the Arrow C data interface: buffers are shared,
//! not copied (polars-arrow and arrow-rs both implement the interface, and
//! their `#[repr(C)]` structs have the layout the specification fixes).

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, make_array};
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use polars::prelude::{CompatLevel, DataFrame, IntoColumn, PlSmallStr, Series};
use polars_arrow::ffi as pffi;

use crate::error::{Error, QueryError};

fn engine_error(context: &str, message: impl std::fmt::Display) -> Error {
    QueryError::Engine { context: context.to_owned(), message: message.to_string() }.into()
}

// The C data interface structs of both crates: same fields, same order, `#[repr(C)]`.
const _: () = assert!(std::mem::size_of::<FFI_ArrowArray>() == std::mem::size_of::<pffi::ArrowArray>());
const _: () = assert!(std::mem::size_of::<FFI_ArrowSchema>() == std::mem::size_of::<pffi::ArrowSchema>());

/// One arrow-rs array as a polars-arrow array, sharing its buffers.
fn to_polars_array(array: &ArrayRef) -> Result<Box<dyn polars_arrow::array::Array>, Error> {
    let (c_array, c_schema) = to_ffi(&array.to_data()).map_err(|e| engine_error("exporting a column", e))?;
    // SAFETY: both types are the C data interface's ArrowArray / ArrowSchema
    // (`#[repr(C)]`, sizes asserted above); ownership (the release callback)
    // moves with the value.
    let (c_array, c_schema) = unsafe {
        (
            std::mem::transmute::<FFI_ArrowArray, pffi::ArrowArray>(c_array),
            std::mem::transmute::<FFI_ArrowSchema, pffi::ArrowSchema>(c_schema),
        )
    };
    // SAFETY: the structs were just exported by arrow-rs and are valid.
    let field = unsafe { pffi::import_field_from_c(&c_schema) }
        .map_err(|e| engine_error("importing a column type into polars", e))?;
    unsafe { pffi::import_array_from_c(c_array, field.dtype().clone()) }
        .map_err(|e| engine_error("importing a column into polars", e))
}

/// A polars-arrow array and its field as an arrow-rs array, sharing buffers.
fn to_arrow_array(
    array: Box<dyn polars_arrow::array::Array>,
    field: &polars_arrow::datatypes::Field,
) -> Result<ArrayRef, Error> {
    let c_array = pffi::export_array_to_c(array);
    let c_schema = pffi::export_field_to_c(field);
    // SAFETY: as in `to_polars_array`, in the other direction.
    let (c_array, c_schema) = unsafe {
        (
            std::mem::transmute::<pffi::ArrowArray, FFI_ArrowArray>(c_array),
            std::mem::transmute::<pffi::ArrowSchema, FFI_ArrowSchema>(c_schema),
        )
    };
    // SAFETY: exported by polars-arrow just above.
    let data = unsafe { from_ffi(c_array, &c_schema) }
        .map_err(|e| engine_error(&format!("exporting column `{}` from polars", field.name), e))?;
    Ok(make_array(data))
}

/// The polars type a column of arrow-rs type `data_type` becomes.
pub fn polars_type(data_type: &arrow::datatypes::DataType) -> Result<polars::prelude::DataType, Error> {
    let empty = to_polars_array(&arrow::array::new_empty_array(data_type))?;
    Ok(polars::prelude::DataType::from_arrow_dtype(empty.dtype()))
}

/// Record batches (one schema) as a polars `DataFrame`, column by column.
pub fn to_frame(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<DataFrame, Error> {
    let height = batches.iter().map(RecordBatch::num_rows).sum();
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate() {
        let chunks =
            batches.iter().map(|b| to_polars_array(b.column(i))).collect::<Result<Vec<_>, Error>>()?;
        let name = PlSmallStr::from(field.name().as_str());
        let series = if chunks.is_empty() {
            let empty = arrow::array::new_empty_array(field.data_type());
            Series::try_from((name, to_polars_array(&empty)?))
        } else {
            Series::try_from((name, chunks))
        }
        .map_err(|e| engine_error(&format!("column `{}` into polars", field.name()), e))?;
        columns.push(series.into_column());
    }
    DataFrame::new(height, columns).map_err(|e| engine_error("building a polars DataFrame", e))
}

/// Columns given as chunks (one list per schema field) as a `DataFrame`.
pub fn columns_to_frame(schema: &SchemaRef, columns: Vec<Vec<ArrayRef>>) -> Result<DataFrame, Error> {
    let mut out = Vec::with_capacity(columns.len());
    let mut height = None;
    for (field, chunks) in schema.fields().iter().zip(columns) {
        let arrays = if chunks.is_empty() {
            vec![to_polars_array(&arrow::array::new_empty_array(field.data_type()))?]
        } else {
            chunks.iter().map(to_polars_array).collect::<Result<Vec<_>, Error>>()?
        };
        let name = PlSmallStr::from(field.name().as_str());
        let series = Series::try_from((name, arrays))
            .map_err(|e| engine_error(&format!("column `{}` into polars", field.name()), e))?;
        height.get_or_insert(series.len());
        out.push(series.into_column());
    }
    DataFrame::new(height.unwrap_or(0), out).map_err(|e| engine_error("building a polars DataFrame", e))
}

/// A polars `DataFrame` as arrow-rs record batches (one per chunk).
pub fn to_batches(frame: &DataFrame) -> Result<(SchemaRef, Vec<RecordBatch>), Error> {
    let mut frame = frame.clone();
    frame.align_chunks_par();
    let mut schema: Option<SchemaRef> = None;
    let mut out = Vec::new();
    for chunk in frame.iter_chunks(CompatLevel::newest(), true) {
        let fields: Vec<&polars_arrow::datatypes::Field> = chunk.schema().iter_values().collect();
        let mut arrays = Vec::with_capacity(fields.len());
        for (array, field) in chunk.columns().iter().zip(&fields) {
            arrays.push(to_arrow_array(array.clone(), field)?);
        }
        let schema = schema
            .get_or_insert_with(|| {
                Arc::new(Schema::new(
                    fields
                        .iter()
                        .zip(&arrays)
                        .map(|(f, a)| Field::new(f.name.as_str(), a.data_type().clone(), f.is_nullable))
                        .collect::<Vec<_>>(),
                ))
            })
            .clone();
        out.push(
            RecordBatch::try_new(schema, arrays)
                .map_err(|source| Error::Arrow { context: "converting a polars result".into(), source })?,
        );
    }
    let schema = match schema {
        Some(s) => s,
        None => {
            let empty = frame.clear();
            let fields: Vec<Field> = empty
                .columns()
                .iter()
                .map(|c| {
                    let pfield = c.field().to_arrow(CompatLevel::newest());
                    let array = to_arrow_array(
                        polars_arrow::array::new_empty_array(pfield.dtype().clone()),
                        &pfield,
                    )?;
                    Ok(Field::new(pfield.name.as_str(), array.data_type().clone(), true))
                })
                .collect::<Result<_, Error>>()?;
            Arc::new(Schema::new(fields))
        }
    };
    Ok((schema, out))
}

/// A `DataFrame` as one record batch (chunks concatenated).
pub fn to_batch(frame: &DataFrame) -> Result<RecordBatch, Error> {
    let (schema, batches) = to_batches(frame)?;
    arrow::compute::concat_batches(&schema, &batches)
        .map_err(|source| Error::Arrow { context: "joining polars result chunks".into(), source })
}
