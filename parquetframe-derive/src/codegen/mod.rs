//! Emits the trait impls from the checked model. Type knowledge stays in the
//! runtime crate: everything here is a call into `::parquetframe`'s traits.

mod entity;
mod enums;
mod record;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Body, Model};

pub fn expand(model: &Model<'_>) -> TokenStream {
    match &model.body {
        Body::Struct(fields) => {
            let record = record::expand(model, fields);
            let entity = model
                .entity
                .as_ref()
                .map(|e| entity::expand(model, fields, e));
            quote! { #record #entity }
        }
        Body::Enum(variants) => enums::expand(model, variants),
    }
}

/// `FieldOptions` for a field, as a constant expression.
pub fn options(decimal: Option<(u8, i8)>) -> TokenStream {
    match decimal {
        Some((p, s)) => {
            quote! { ::parquetframe::FieldOptions { decimal: ::core::option::Option::Some((#p, #s)) } }
        }
        None => quote! { ::parquetframe::FieldOptions::DEFAULT },
    }
}
