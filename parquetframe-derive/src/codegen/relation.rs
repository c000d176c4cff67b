//! `#[relation]`: the `RELATIONS` constant and foreign-key columns inside
//! `impl Entity`, navigation methods both ways, the compile-time check of the
//! inverse name, the `HoldsKeyTo` marks typed joins check, and the
//! registration of the entity.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;

use crate::check::is_option;
use crate::model::{FieldModel, Model, RelationModel, type_span};

/// Items inside `impl Entity for T`.
pub fn entity_items(model: &Model<'_>, fields: &[FieldModel<'_>]) -> TokenStream {
    let names: Vec<String> = fields.iter().map(|f| f.ident.unraw().to_string()).collect();
    let related: Vec<(&FieldModel<'_>, &RelationModel)> =
        fields.iter().filter_map(|f| f.relation.as_ref().map(|r| (f, r))).collect();
    let field_names = quote! { const FIELD_NAMES: &'static [&'static str] = &[#(#names),*]; };
    if related.is_empty() {
        return field_names;
    }
    let ident = model.ident;
    let relations = related.iter().map(|(f, r)| {
        let RelationModel { target, name, inverse, on_delete, .. } = r;
        let column = &f.column;
        let required = !is_option(f.ty);
        let variant = match *on_delete {
            "cascade" => quote! { Cascade },
            "set_null" => quote! { SetNull },
            _ => quote! { Restrict },
        };
        quote! {
            ::parquetframe::Relation {
                name: #name,
                column: #column,
                target: <#target as ::parquetframe::Entity>::ENTITY_NAME,
                target_key: <#target as ::parquetframe::Entity>::PRIMARY_KEY,
                inverse: #inverse,
                required: #required,
                on_delete: ::parquetframe::OnDelete::#variant,
            }
        }
    });
    let arms = related.iter().enumerate().map(|(i, (f, _))| {
        let ty = f.ty;
        let member = f.ident;
        let column = &f.column;
        quote! {
            #i => ::parquetframe::record_batch::value_column::<#ty>(
                <#ident as ::parquetframe::Entity>::ENTITY_NAME,
                #column,
                rows.iter().map(|r| &r.#member),
                rows.len(),
            ),
        }
    });
    quote! {
        #field_names
        const RELATIONS: &'static [::parquetframe::Relation] = &[#(#relations),*];

        fn foreign_key_column(
            relation: usize,
            rows: &[Self],
        ) -> ::parquetframe::Result<::parquetframe::__private::arrow::array::ArrayRef> {
            match relation {
                #(#arms)*
                _ => ::core::result::Result::Err(::parquetframe::RelationError::UnknownRelation {
                    entity: <#ident as ::parquetframe::Entity>::ENTITY_NAME,
                    index: relation,
                }
                .into()),
            }
        }
    }
}

/// Navigation methods, inverse-name checks and the registration.
pub fn items(model: &Model<'_>, fields: &[FieldModel<'_>]) -> TokenStream {
    let ident = model.ident;
    let type_name = ident.unraw().to_string();
    // The description (entity floor) and the store's operations (storage
    // floor) are registered side by side, so neither floor reaches the other;
    // built by one call, so a type error in the entity is reported once.
    let mut out = quote! {
        const _: () = {
            const REGISTRATION: (
                ::parquetframe::__private::EntityInfo,
                ::parquetframe::__private::EntityOps,
            ) = ::parquetframe::__private::registration::<#ident>(
                ::core::concat!(::core::module_path!(), "::", #type_name),
            );
            ::parquetframe::__private::inventory::submit! { REGISTRATION.0 }
            ::parquetframe::__private::inventory::submit! { REGISTRATION.1 }
        };
    };
    // One mark per target entity (two relations to one target share it):
    // typed joins along relations are checked with it when they compile.
    let mut marked: Vec<String> = Vec::new();
    for f in fields {
        let Some(r) = &f.relation else { continue };
        out.extend(forward(ident, f, r));
        out.extend(inverse(ident, f, r));
        let target = &r.target;
        let name = quote!(#target).to_string();
        if !marked.contains(&name) {
            marked.push(name);
            out.extend(quote! { impl ::parquetframe::HoldsKeyTo<#target> for #ident {} });
        }
    }
    out
}

fn forward(ident: &syn::Ident, f: &FieldModel<'_>, r: &RelationModel) -> TokenStream {
    let target = &r.target;
    let member = f.ident;
    let method = format_ident!("{}", r.name, span = r.name_span);
    let method_in = format_ident!("{}_in", r.name, span = r.name_span);
    let target_name = quote!(#target).to_string().replace(' ', "");
    let doc = format!(
        "The `{target_name}` this row references through `{}`, from the default store (`None` when the \
         key is null or names no live row).",
        f.column
    );
    let doc_in = format!("The `{target_name}` this row references through `{}`, from `store`.", f.column);
    let span = type_span(f.ty);
    let referenced = quote_spanned! {span=>
        ::parquetframe::ForeignKey::<<#target as ::parquetframe::Entity>::Key>::referenced(&self.#member)
    };
    // Spanned at the target: "`X` is not an entity" points there.
    let target_span = syn::spanned::Spanned::span(target);
    let methods = method_pair(
        target_span,
        (&method, &method_in),
        quote! { ::core::option::Option<#target> },
        (&doc, &doc_in),
        quote_spanned! {target_span=>
            match #referenced {
                ::core::option::Option::Some(key) => store.find::<#target>(key),
                ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
            }
        },
    );
    quote_spanned! {target_span=>
        impl #ident {
            #methods
        }
    }
}

/// `name()` on the default store and `name_in(&store)` returning `Result<ret>`,
/// spanned at `span` (what errors about the methods point at).
fn method_pair(
    span: proc_macro2::Span,
    (method, method_in): (&syn::Ident, &syn::Ident),
    ret: TokenStream,
    (doc, doc_in): (&str, &str),
    body: TokenStream,
) -> TokenStream {
    quote_spanned! {span=>
        #[doc = #doc]
        #[allow(dead_code)]
        pub fn #method(&self) -> ::parquetframe::Result<#ret> {
            self.#method_in(&::parquetframe::Store::open_default()?)
        }

        #[doc = #doc_in]
        #[allow(dead_code)]
        pub fn #method_in(&self, store: &::parquetframe::Store) -> ::parquetframe::Result<#ret> {
            #body
        }
    }
}

fn inverse(ident: &syn::Ident, f: &FieldModel<'_>, r: &RelationModel) -> TokenStream {
    let target = &r.target;
    let column = &f.column;
    let method = format_ident!("{}", r.inverse, span = r.inverse_span);
    let method_in = format_ident!("{}_in", r.inverse, span = r.inverse_span);
    let doc = format!("The `{ident}` rows whose `{column}` references this row, from the default store.");
    let doc_in = format!(
        "The `{ident}` rows whose `{column}` references this row, from `store`. The first call indexes \
         the column; later calls on the same snapshot read only the rows found."
    );
    let target_name = quote!(#target).to_string().replace(' ', "");
    let message = format!(
        "inverse `{}` of `{ident}.{}` is also a field of `{target_name}`: choose another inverse name",
        r.inverse, f.ident
    );
    let inverse_name = &r.inverse;
    let target_span = syn::spanned::Spanned::span(target);
    let lookup = quote_spanned! {target_span=>
        store.referencing::<#ident, <#target as ::parquetframe::Entity>::Key>(
            #column,
            ::parquetframe::Entity::key(self),
        )
    };
    let check = quote_spanned! {r.inverse_span=>
        const _: () = {
            if ::parquetframe::__private::contains(
                <#target as ::parquetframe::Entity>::FIELD_NAMES,
                #inverse_name,
            ) {
                ::core::panic!(#message);
            }
        };
    };
    // Spanned at the inverse name: a clash with another relation's inverse points there.
    let span = r.inverse_span;
    let ret = quote! { ::std::vec::Vec<#ident> };
    let methods = method_pair(span, (&method, &method_in), ret, (&doc, &doc_in), lookup);
    quote_spanned! {span=>
        #check

        impl #target {
            #methods
        }
    }
}
