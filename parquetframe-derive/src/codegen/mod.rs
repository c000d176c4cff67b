//! Emits the trait impls from the checked model. Type knowledge stays in the
//! runtime crate: everything here is a call into `::parquetframe`'s traits.

mod entity;
mod enums;
mod record;
mod relation;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Type;

use crate::model::{Body, FieldModel, Model};

pub fn expand(model: &Model<'_>) -> TokenStream {
    match &model.body {
        Body::Struct(fields) => {
            let record = record::expand(model, fields);
            let entity = model.entity.as_ref().map(|e| entity::expand(model, fields, e));
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

/// `Type: Trait` with the trait's tokens spanned at the type's last token, so an
/// unsatisfied bound underlines the whole field type.
pub fn bound(ty: &Type, tr: TokenStream) -> TokenStream {
    let last = ty.to_token_stream().into_iter().last().map_or_else(Span::call_site, |t| t.span());
    let tr: TokenStream = tr
        .into_iter()
        .map(|mut t| {
            t.set_span(last);
            t
        })
        .collect();
    quote_spanned! {last=> #ty: #tr }
}

/// `FieldType: Column` for every stored field.
pub fn column_bounds(fields: &[FieldModel<'_>]) -> Vec<TokenStream> {
    fields.iter().filter(|f| !f.skip).map(|f| bound(f.ty, quote! { ::parquetframe::Column })).collect()
}
