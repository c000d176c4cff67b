//! `Column` and `Record` for a struct: a builder and a reader struct holding one
//! builder/reader per stored field.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::{column_bounds, options};
use crate::model::{FieldModel, Model, type_span};

pub fn expand(model: &Model<'_>, fields: &[FieldModel<'_>]) -> TokenStream {
    let ident = model.ident;
    let name = ident.to_string();
    let avro_name = match &model.namespace {
        Some(ns) => format!("{ns}.{}", model.avro_name),
        None => model.avro_name.clone(),
    };
    let doc = &model.doc;
    let stored: Vec<&FieldModel<'_>> = fields.iter().filter(|f| !f.skip).collect();

    let slot = |i: usize| format_ident!("__f{}", i);
    let opt = |i: usize| format_ident!("__OPTS_{}", i);

    let mut opt_consts = Vec::new();
    let mut builder_fields = Vec::new();
    let mut reader_fields = Vec::new();
    let mut schema_fields = Vec::new();
    let mut new_builders = Vec::new();
    let mut appends = Vec::new();
    let mut append_nulls = Vec::new();
    let mut finishes = Vec::new();
    let mut binds = Vec::new();
    let bounds = column_bounds(fields);
    let mut avro_fields = Vec::new();
    let mut avro_encodes = Vec::new();

    for (i, f) in stored.iter().enumerate() {
        let ty = f.ty;
        let span = type_span(ty);
        let slot = slot(i);
        let opt = opt(i);
        let column = &f.column;
        let segment = format!(".{column}");
        let member = f.ident;
        let opts = options(f.decimal);
        opt_consts.push(quote! { const #opt: ::parquetframe::FieldOptions = #opts; });
        builder_fields.push(quote_spanned! {span=> #slot: <#ty as ::parquetframe::Column>::Builder });
        if f.default {
            reader_fields.push(quote_spanned! {span=> #slot: ::core::option::Option<<#ty as ::parquetframe::Column>::Reader> });
        } else {
            reader_fields.push(quote_spanned! {span=> #slot: <#ty as ::parquetframe::Column>::Reader });
        }
        let field_doc = &f.doc;
        let aliases = &f.aliases;
        avro_fields.push(quote_spanned! {span=>
            ::parquetframe::types::avro_schema::with_aliases(
                ::parquetframe::types::avro_schema::field(#column, <#ty as ::parquetframe::Column>::avro_type(&#opt, names), #field_doc),
                &[#(#aliases),*],
            )
        });
        schema_fields.push(quote_spanned! {span=> <#ty as ::parquetframe::Column>::field(#column, &#opt) });
        avro_encodes.push(quote_spanned! {span=>
            <#ty as ::parquetframe::Column>::avro_encode(&value.#member, &#opt, out).map_err(|e| e.within(#segment))?;
        });
        new_builders
            .push(quote_spanned! {span=> #slot: <#ty as ::parquetframe::Column>::builder(capacity, &#opt) });
        appends.push(quote_spanned! {span=>
            ::parquetframe::types::ColumnBuilder::<#ty>::append(&mut self.#slot, &value.#member)
                .map_err(|e| e.within(#segment))?;
        });
        append_nulls.push(quote_spanned! {span=> ::parquetframe::types::ColumnBuilder::<#ty>::append_null(&mut self.#slot); });
        finishes.push(
            quote_spanned! {span=> ::parquetframe::types::ColumnBuilder::<#ty>::finish(&mut self.#slot) },
        );
        binds.push(if f.default {
            quote_spanned! {span=>
                #slot: match columns.get(#column) {
                    ::core::option::Option::Some(a) => ::core::option::Option::Some(
                        <#ty as ::parquetframe::Column>::reader(a, &#opt).map_err(|e| e.within(#segment))?,
                    ),
                    ::core::option::Option::None => ::core::option::Option::None,
                }
            }
        } else {
            quote_spanned! {span=>
                #slot: match columns.get(#column) {
                    ::core::option::Option::Some(a) => <#ty as ::parquetframe::Column>::reader(a, &#opt).map_err(|e| e.within(#segment))?,
                    ::core::option::Option::None => return ::core::result::Result::Err(columns.missing(#column)),
                }
            }
        });
    }

    // Every field, in declaration order, for the two struct literals: one read
    // from Arrow readers, one from Avro datums (which hold the stored fields in
    // declaration order, as the literal reads them).
    let mut inits = Vec::with_capacity(fields.len());
    let mut avro_inits = Vec::with_capacity(fields.len());
    let mut stored_index = 0usize;
    for f in fields {
        let member = f.ident;
        let ty = f.ty;
        let span = type_span(ty);
        if f.skip {
            let default = quote_spanned! {span=> #member: <#ty as ::core::default::Default>::default() };
            inits.push(default.clone());
            avro_inits.push(default);
            continue;
        }
        let slot = slot(stored_index);
        let opt = opt(stored_index);
        let segment = format!(".{}", f.column);
        stored_index += 1;
        inits.push(if f.default {
            quote_spanned! {span=>
                #member: match &self.#slot {
                    ::core::option::Option::Some(r) => ::parquetframe::types::ColumnReader::<#ty>::read(r, index).map_err(|e| e.within(#segment))?,
                    ::core::option::Option::None => <#ty as ::core::default::Default>::default(),
                }
            }
        } else {
            quote_spanned! {span=>
                #member: ::parquetframe::types::ColumnReader::<#ty>::read(&self.#slot, index).map_err(|e| e.within(#segment))?
            }
        });
        avro_inits.push(quote_spanned! {span=>
            #member: <#ty as ::parquetframe::Column>::avro_decode(input, &#opt).map_err(|e| e.within(#segment))?
        });
    }

    quote! {
        const _: () = {
            #(#opt_consts)*

            #[doc(hidden)]
            pub struct __Builder where #(#bounds,)* {
                #(#builder_fields,)*
                __nulls: ::parquetframe::__private::arrow::array::NullBufferBuilder,
                __len: usize,
            }

            #[doc(hidden)]
            pub struct __Reader where #(#bounds,)* {
                #(#reader_fields,)*
                __nulls: ::core::option::Option<::parquetframe::__private::arrow::buffer::NullBuffer>,
            }

            #[automatically_derived]
            impl ::parquetframe::Column for #ident where #(#bounds,)* {
                type Builder = __Builder;
                type Reader = __Reader;

                fn data_type(_: &::parquetframe::FieldOptions) -> ::parquetframe::__private::arrow::datatypes::DataType {
                    ::parquetframe::__private::arrow::datatypes::DataType::Struct(
                        <Self as ::parquetframe::Record>::arrow_schema().fields().clone(),
                    )
                }

                fn avro_type(
                    _: &::parquetframe::FieldOptions,
                    names: &mut ::parquetframe::types::avro_schema::AvroNames,
                ) -> ::parquetframe::__private::serde_json::Value {
                    ::parquetframe::types::avro_schema::record(names, #avro_name, #doc, |names| ::std::vec![#(#avro_fields),*])
                }

                fn builder(capacity: usize, _: &::parquetframe::FieldOptions) -> __Builder {
                    __Builder {
                        #(#new_builders,)*
                        __nulls: ::parquetframe::__private::arrow::array::NullBufferBuilder::new(capacity),
                        __len: 0,
                    }
                }

                #[inline]
                fn avro_encode(
                    value: &Self,
                    _: &::parquetframe::FieldOptions,
                    out: &mut ::std::vec::Vec<u8>,
                ) -> ::core::result::Result<(), ::parquetframe::types::ValueError> {
                    #(#avro_encodes)*
                    ::core::result::Result::Ok(())
                }

                #[inline]
                fn avro_decode(
                    input: &mut ::parquetframe::avro::Input<'_>,
                    _: &::parquetframe::FieldOptions,
                ) -> ::core::result::Result<Self, ::parquetframe::types::ReadError> {
                    ::core::result::Result::Ok(#ident { #(#avro_inits,)* })
                }

                fn reader(
                    array: &::parquetframe::__private::arrow::array::ArrayRef,
                    opts: &::parquetframe::FieldOptions,
                ) -> ::core::result::Result<__Reader, ::parquetframe::types::BindError> {
                    let array = ::parquetframe::types::struct_column::struct_array(array, &<Self as ::parquetframe::Column>::data_type(opts))?;
                    let nulls = ::parquetframe::__private::arrow::array::Array::nulls(&array).cloned();
                    <Self as ::parquetframe::Record>::bind_columns(::parquetframe::types::struct_column::Columns::of_struct(&array), nulls)
                }
            }

            #[automatically_derived]
            impl ::parquetframe::ListItem for #ident where #(#bounds,)* {}

            impl __Builder where #(#bounds,)* {
                /// Every stored field's array, in schema order.
                fn finish_columns(&mut self) -> ::std::vec::Vec<::parquetframe::__private::arrow::array::ArrayRef> {
                    ::std::vec![#(#finishes),*]
                }
            }

            #[automatically_derived]
            impl ::parquetframe::types::ColumnBuilder<#ident> for __Builder where #(#bounds,)* {
                fn append(&mut self, value: &#ident) -> ::core::result::Result<(), ::parquetframe::types::ValueError> {
                    #(#appends)*
                    self.__nulls.append_non_null();
                    self.__len += 1;
                    ::core::result::Result::Ok(())
                }

                fn append_null(&mut self) {
                    #(#append_nulls)*
                    self.__nulls.append_null();
                    self.__len += 1;
                }

                fn finish(&mut self) -> ::parquetframe::__private::arrow::array::ArrayRef {
                    let arrays = self.finish_columns();
                    let len = ::core::mem::take(&mut self.__len);
                    ::parquetframe::types::struct_column::finish_struct(
                        <#ident as ::parquetframe::Record>::arrow_schema().fields(),
                        arrays,
                        self.__nulls.finish(),
                        len,
                    )
                }
            }

            #[automatically_derived]
            impl ::parquetframe::types::ColumnReader<#ident> for __Reader where #(#bounds,)* {
                #[inline]
                fn is_null(&self, index: usize) -> bool {
                    ::parquetframe::types::struct_column::is_null(&self.__nulls, index)
                }

                #[inline]
                fn read(&self, index: usize) -> ::core::result::Result<#ident, ::parquetframe::types::ReadError> {
                    if ::parquetframe::types::struct_column::is_null(&self.__nulls, index) {
                        return ::core::result::Result::Err(::parquetframe::types::ReadError::null());
                    }
                    ::core::result::Result::Ok(#ident { #(#inits,)* })
                }
            }

            #[automatically_derived]
            impl ::parquetframe::Record for #ident where #(#bounds,)* {
                const RECORD_NAME: &'static str = #name;

                fn arrow_schema() -> ::parquetframe::__private::arrow::datatypes::SchemaRef {
                    static SCHEMA: ::std::sync::OnceLock<::parquetframe::__private::arrow::datatypes::SchemaRef> =
                        ::std::sync::OnceLock::new();
                    SCHEMA
                        .get_or_init(|| {
                            ::std::sync::Arc::new(::parquetframe::__private::arrow::datatypes::Schema::new(
                                ::std::vec![#(#schema_fields),*],
                            ))
                        })
                        .clone()
                }

                fn avro_schema() -> &'static ::parquetframe::__private::apache_avro::Schema {
                    static SCHEMA: ::std::sync::OnceLock<::parquetframe::__private::apache_avro::Schema> =
                        ::std::sync::OnceLock::new();
                    SCHEMA.get_or_init(|| ::parquetframe::types::avro_schema::parse_generated(<Self as ::parquetframe::Record>::RECORD_NAME, &<Self as ::parquetframe::Record>::avro_schema_json()))
                }

                // Files are read and written on a higher floor of the runtime
                // crate than the trait; the generated impl connects the two.
                fn read_file(
                    path: impl ::core::convert::AsRef<::std::path::Path>,
                ) -> ::parquetframe::Result<::std::vec::Vec<Self>> {
                    ::parquetframe::formats::record_files::read::<Self>(path.as_ref())
                }

                fn write_file_with(
                    path: impl ::core::convert::AsRef<::std::path::Path>,
                    rows: &[Self],
                    codec: ::parquetframe::avro::Codec,
                ) -> ::parquetframe::Result<()> {
                    ::parquetframe::formats::record_files::write::<Self>(path.as_ref(), rows, codec)
                }

                fn build_columns(
                    rows: &[Self],
                ) -> ::core::result::Result<
                    ::std::vec::Vec<::parquetframe::__private::arrow::array::ArrayRef>,
                    (usize, ::parquetframe::types::ValueError),
                > {
                    // One row-major pass appending to every column's preallocated builder:
                    // reads each row once (measured faster than a pass per column, and
                    // than spreading columns over threads; see docs/benchmarks.md).
                    let mut builder = <Self as ::parquetframe::Column>::builder(rows.len(), &::parquetframe::FieldOptions::DEFAULT);
                    for (i, row) in rows.iter().enumerate() {
                        ::parquetframe::types::ColumnBuilder::<Self>::append(&mut builder, row).map_err(|e| (i, e))?;
                    }
                    ::core::result::Result::Ok(builder.finish_columns())
                }

                fn bind_columns(
                    columns: ::parquetframe::types::struct_column::Columns<'_>,
                    nulls: ::core::option::Option<::parquetframe::__private::arrow::buffer::NullBuffer>,
                ) -> ::core::result::Result<__Reader, ::parquetframe::types::BindError> {
                    ::core::result::Result::Ok(__Reader {
                        #(#binds,)*
                        __nulls: nulls,
                    })
                }
            }
        };
    }
}
