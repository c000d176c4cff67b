//! Derive macros of [parquetframe](https://docs.rs/parquetframe):
//! `#[derive(Entity)]` and `#[derive(Record)]`.
//!
//! A pipeline of small steps (after serde_derive): `attr` parses attributes,
//! `check` applies the rules spanning several of them, `model` is the
//! checked result, and `codegen` emits calls into the runtime crate's traits.
//! Every error is collected in a `ctxt::Ctxt` and reported in one compile,
//! each on the span of the token at fault. The macro never panics.

mod attr;
mod check;
mod codegen;
mod ctxt;
mod model;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

use attr::Derive;

/// Derives `parquetframe::Entity` (and `Record`): Arrow schema, columnar
/// conversion, key and typed column constants.
///
/// ```ignore
/// #[derive(Entity)]
/// #[entity(storage_path = "users/", primary_key = "user_id")]
/// struct User { user_id: i64, name: String }
/// ```
#[proc_macro_derive(Entity, attributes(entity, relation))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    expand(parse_macro_input!(input as DeriveInput), Derive::Entity).into()
}

/// Derives `parquetframe::Record` for a struct (an Arrow Struct column when
/// nested), or a string column type for a unit-only enum.
#[proc_macro_derive(Record, attributes(record))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    expand(parse_macro_input!(input as DeriveInput), Derive::Record).into()
}

/// The whole derive as a function of tokens, so tests exercise the same path.
fn expand(input: DeriveInput, derive: Derive) -> proc_macro2::TokenStream {
    let cx = ctxt::Ctxt::default();
    let model = model::build(&cx, &input, derive);
    if cx.has_errors() {
        return cx.into_compile_errors();
    }
    match model {
        Some(model) => codegen::expand(&model),
        None => cx.into_compile_errors(),
    }
}
