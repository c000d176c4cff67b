//! `Column` for a unit-only enum, stored by variant name.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Model, VariantModel};

pub fn expand(model: &Model<'_>, variants: &[VariantModel<'_>]) -> TokenStream {
    let ident = model.ident;
    let dictionary = model.dictionary;
    let avro_name = match &model.namespace {
        Some(ns) => format!("{ns}.{}", model.avro_name),
        None => model.avro_name.clone(),
    };
    let doc = &model.doc;
    let names = variants.iter().map(|v| &v.stored);
    let to_index = variants.iter().enumerate().map(|(i, v)| {
        let var = v.ident;
        quote! { #ident::#var => #i }
    });
    let from_index = variants.iter().enumerate().map(|(i, v)| {
        let var = v.ident;
        quote! { #i => ::core::option::Option::Some(#ident::#var) }
    });
    quote! {
        #[automatically_derived]
        impl ::parquetframe::types::enums::EnumColumn for #ident {
            const VARIANTS: &'static [&'static str] = &[#(#names),*];
            const DICTIONARY: bool = #dictionary;

            #[inline]
            fn variant_index(&self) -> usize {
                match self { #(#to_index,)* }
            }

            #[inline]
            fn from_variant_index(index: usize) -> ::core::option::Option<Self> {
                match index { #(#from_index,)* _ => ::core::option::Option::None }
            }
        }

        #[automatically_derived]
        impl ::parquetframe::Column for #ident {
            type Builder = ::parquetframe::types::enums::EnumBuilder<#ident>;
            type Reader = ::parquetframe::types::enums::EnumReader<#ident>;

            fn data_type(_: &::parquetframe::FieldOptions) -> ::parquetframe::__private::arrow::datatypes::DataType {
                ::parquetframe::types::enums::data_type::<#ident>()
            }

            fn avro_type(
                _: &::parquetframe::FieldOptions,
                names: &mut ::parquetframe::types::avro_schema::AvroNames,
            ) -> ::parquetframe::__private::serde_json::Value {
                ::parquetframe::types::avro_schema::enumeration(
                    names,
                    #avro_name,
                    #doc,
                    <Self as ::parquetframe::types::enums::EnumColumn>::VARIANTS,
                )
            }

            fn builder(capacity: usize, _: &::parquetframe::FieldOptions) -> Self::Builder {
                ::parquetframe::types::enums::EnumBuilder::new(capacity)
            }

            #[inline]
            fn avro_encode(
                value: &Self,
                _: &::parquetframe::FieldOptions,
                out: &mut ::std::vec::Vec<u8>,
            ) -> ::core::result::Result<(), ::parquetframe::types::ValueError> {
                ::parquetframe::types::enums::avro_encode(value, out)
            }

            #[inline]
            fn avro_decode(
                input: &mut ::parquetframe::avro::Input<'_>,
                _: &::parquetframe::FieldOptions,
            ) -> ::core::result::Result<Self, ::parquetframe::types::ReadError> {
                ::parquetframe::types::enums::avro_decode(input)
            }

            fn reader(
                array: &::parquetframe::__private::arrow::array::ArrayRef,
                _: &::parquetframe::FieldOptions,
            ) -> ::core::result::Result<Self::Reader, ::parquetframe::types::BindError> {
                ::parquetframe::types::enums::EnumReader::bind(array)
            }
        }

        #[automatically_derived]
        impl ::parquetframe::ListItem for #ident {}
    }
}
