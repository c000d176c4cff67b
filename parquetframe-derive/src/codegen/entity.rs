//! `Entity` and the typed column constants.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::model::{EntityModel, FieldModel, Model, type_span};

pub fn expand(model: &Model<'_>, fields: &[FieldModel<'_>], entity: &EntityModel) -> TokenStream {
    let ident = model.ident;
    let EntityModel { name, storage_path, format, codec, format_declared, .. } = entity;
    let keys: Vec<&FieldModel<'_>> = entity.primary_key.iter().filter_map(|i| fields.get(*i)).collect();
    let [first, ..] = keys.as_slice() else {
        return TokenStream::new();
    };
    let key_columns: Vec<&str> = keys.iter().map(|k| k.column.as_str()).collect();
    let (key_type, key_name, key_value) = if let [key] = keys.as_slice() {
        let (ty, member) = (key.ty, key.ident);
        (quote_spanned! {type_span(ty)=> #ty }, key.column.clone(), quote! { &self.#member })
    } else {
        let types = keys.iter().map(|k| k.ty);
        let members = keys.iter().map(|k| k.ident);
        (
            quote_spanned! {type_span(first.ty)=> (#(#types,)*) },
            format!("({})", key_columns.join(", ")),
            quote! { (#(&self.#members,)*) },
        )
    };
    let format = match *format {
        "avro" => quote! { ::parquetframe::Format::Avro },
        _ => quote! { ::parquetframe::Format::Parquet },
    };
    let declared = if *format_declared {
        quote! { const DECLARED_FORMAT: ::core::option::Option<::parquetframe::Format> = ::core::option::Option::Some(#format); }
    } else {
        quote! {}
    };
    let codec = match codec {
        None => quote! {},
        Some(c) => {
            let value = match *c {
                "null" => quote! { Null },
                "deflate" => quote! { Deflate(6) },
                "snappy" => quote! { Snappy },
                "bzip2" => quote! { Bzip2 },
                "xz" => quote! { Xz },
                _ => quote! { Zstd(1) },
            };
            quote! {
                const CODEC: ::core::option::Option<::parquetframe::avro::Codec> =
                    ::core::option::Option::Some(::parquetframe::avro::Codec::#value);
            }
        }
    };
    let key_bounds = keys.iter().map(|k| super::bound(k.ty, quote! { ::parquetframe::Key }));
    let field_bounds = super::column_bounds(fields);
    let relation_items = super::relation::entity_items(model, fields);
    let relation_outside = super::relation::items(model, fields);

    let columns = fields.iter().filter(|f| !f.skip).map(|f| {
        let ty = f.ty;
        let column = &f.column;
        let constant = format_ident!("{}", f.const_name, span = f.ident.span());
        let doc = format!("Column `{column}` of `{ident}`, for typed queries.");
        quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            pub const #constant: ::parquetframe::Col<#ident, #ty> = ::parquetframe::Col::new(#column);
        }
    });

    quote! {
        #[automatically_derived]
        impl ::parquetframe::Entity for #ident where #(#key_bounds,)* #(#field_bounds,)* {
            type Key = #key_type;
            const ENTITY_NAME: &'static str = #name;
            const STORAGE_PATH: &'static str = #storage_path;
            const PRIMARY_KEY: &'static str = #key_name;
            const KEY_COLUMNS: &'static [&'static str] = &[#(#key_columns),*];
            const FORMAT: ::parquetframe::Format = #format;
            #declared
            #codec
            #relation_items

            #[inline]
            fn key(&self) -> ::parquetframe::KeyRef<'_, Self> {
                #key_value
            }
        }

        #[automatically_derived]
        impl #ident {
            #(#columns)*
        }

        #relation_outside
    }
}
