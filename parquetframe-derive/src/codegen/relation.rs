//! `#[relation]`: the `RELATIONS` constant and foreign-key columns inside
//! `impl Entity`, navigation methods both ways, the compile-time check of the
//! inverse name, the `HoldsKeyTo` marks typed joins check, and the
//! registration of the entity.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;

use crate::check::is_option;
use crate::model::{FieldModel, Model, RelationModel, type_span};

/// A relation with its foreign-key fields: one field (`#[relation]` on it),
/// or several (`#[relation(.., columns = [..])]` on the struct), in
/// `RELATIONS` order.
struct Declared<'m, 'a> {
    parts: Vec<&'m FieldModel<'a>>,
    relation: &'m RelationModel,
    /// What errors about the parts' types point at.
    span: proc_macro2::Span,
}

impl Declared<'_, '_> {
    fn composite(&self) -> bool {
        self.parts.len() > 1
    }

    /// The column, or `(a, b)` for several.
    fn column(&self) -> String {
        match self.parts.as_slice() {
            [one] => one.column.clone(),
            parts => format!("({})", parts.iter().map(|f| f.column.as_str()).collect::<Vec<_>>().join(", ")),
        }
    }
}

fn declared<'m, 'a>(model: &'m Model<'a>, fields: &'m [FieldModel<'a>]) -> Vec<Declared<'m, 'a>> {
    let on_fields = fields.iter().filter_map(|f| {
        f.relation.as_ref().map(|r| Declared { parts: vec![f], relation: r, span: type_span(f.ty) })
    });
    let on_struct = model.composite_relations.iter().map(|c| Declared {
        parts: c.fields.iter().filter_map(|i| fields.get(*i)).collect(),
        relation: &c.relation,
        span: c.columns_span,
    });
    on_fields.chain(on_struct).collect()
}

/// Items inside `impl Entity for T`.
pub fn entity_items(model: &Model<'_>, fields: &[FieldModel<'_>]) -> TokenStream {
    let names: Vec<String> = fields.iter().map(|f| f.ident.unraw().to_string()).collect();
    let related = declared(model, fields);
    let field_names = quote! { const FIELD_NAMES: &'static [&'static str] = &[#(#names),*]; };
    if related.is_empty() {
        return field_names;
    }
    let ident = model.ident;
    let relations = related.iter().map(|d| {
        let RelationModel { target, name, inverse, on_delete, .. } = d.relation;
        let column = d.column();
        let columns = d.parts.iter().map(|f| &f.column);
        let required = d.parts.iter().all(|f| !is_option(f.ty));
        let variant = match *on_delete {
            "cascade" => quote! { Cascade },
            "set_null" => quote! { SetNull },
            _ => quote! { Restrict },
        };
        quote! {
            ::parquetframe::Relation {
                name: #name,
                column: #column,
                columns: &[#(#columns),*],
                target: <#target as ::parquetframe::Entity>::ENTITY_NAME,
                target_key: <#target as ::parquetframe::Entity>::PRIMARY_KEY,
                target_columns: <#target as ::parquetframe::Entity>::KEY_COLUMNS,
                inverse: #inverse,
                required: #required,
                on_delete: ::parquetframe::OnDelete::#variant,
            }
        }
    });
    let arms = related.iter().enumerate().map(|(i, d)| {
        let parts = d.parts.iter().map(|f| {
            let ty = f.ty;
            let member = f.ident;
            let column = &f.column;
            quote! {
                ::parquetframe::record_batch::value_column::<#ty>(
                    <#ident as ::parquetframe::Entity>::ENTITY_NAME,
                    #column,
                    rows.iter().map(|r| &r.#member),
                    rows.len(),
                )
            }
        });
        if d.composite() {
            let columns = d.parts.iter().map(|f| &f.column);
            quote! {
                #i => ::parquetframe::__private::foreign_key_parts(
                    &[#(#columns),*],
                    ::std::vec![#(#parts?),*],
                ),
            }
        } else {
            quote! { #i => #(#parts)*, }
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
    for (index, d) in declared(model, fields).iter().enumerate() {
        let r = d.relation;
        out.extend(forward(ident, d));
        out.extend(inverse(ident, d, index));
        let target = &r.target;
        let name = quote!(#target).to_string();
        if !marked.contains(&name) {
            marked.push(name);
            out.extend(quote! { impl ::parquetframe::HoldsKeyTo<#target> for #ident {} });
        }
    }
    out
}

fn forward(ident: &syn::Ident, d: &Declared<'_, '_>) -> TokenStream {
    let r = d.relation;
    let target = &r.target;
    let column = d.column();
    let method = format_ident!("{}", r.name, span = r.name_span);
    let method_in = format_ident!("{}_in", r.name, span = r.name_span);
    let target_name = quote!(#target).to_string().replace(' ', "");
    let doc = format!(
        "The `{target_name}` this row references through `{column}`, from the default store (`None` when \
         the key is null or names no live row)."
    );
    let doc_in = format!("The `{target_name}` this row references through `{column}`, from `store`.");
    let span = d.span;
    let members = d.parts.iter().map(|f| f.ident);
    // The key the row references: one field's value, or the fields' values
    // taken together as the target's composite key (a type mismatch is
    // reported at the field's type, or at `columns = [..]`).
    // Spanned at the target: "`X` is not an entity" points there.
    let target_span = syn::spanned::Spanned::span(target);
    let found = if d.composite() {
        let referenced = quote_spanned! {span=>
            ::parquetframe::__private::composite_key::<<#target as ::parquetframe::Entity>::Key, _>(
                (#(::parquetframe::ForeignKey::referenced(&self.#members),)*)
            )
        };
        quote_spanned! {target_span=>
            match #referenced {
                ::core::option::Option::Some(key) => store.find::<#target>(&key),
                ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
            }
        }
    } else {
        let referenced = quote_spanned! {span=>
            ::parquetframe::ForeignKey::<<#target as ::parquetframe::Entity>::Key>::referenced(&self.#(#members)*)
        };
        quote_spanned! {target_span=>
            match #referenced {
                ::core::option::Option::Some(key) => store.find::<#target>(key),
                ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
            }
        }
    };
    let methods = method_pair(
        target_span,
        (&method, &method_in),
        quote! { ::core::option::Option<#target> },
        (&doc, &doc_in),
        found,
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

fn inverse(ident: &syn::Ident, d: &Declared<'_, '_>, index: usize) -> TokenStream {
    let r = d.relation;
    let target = &r.target;
    let column = d.column();
    let method = format_ident!("{}", r.inverse, span = r.inverse_span);
    let method_in = format_ident!("{}_in", r.inverse, span = r.inverse_span);
    let doc = format!("The `{ident}` rows whose `{column}` references this row, from the default store.");
    let doc_in = if d.composite() {
        format!(
            "The `{ident}` rows whose `{column}` references this row, from `store`. Each call scans the \
             foreign-key columns and reads only the rows found."
        )
    } else {
        format!(
            "The `{ident}` rows whose `{column}` references this row, from `store`. The first call indexes \
             the column; later calls on the same snapshot read only the rows found."
        )
    };
    let target_name = quote!(#target).to_string().replace(' ', "");
    let declared_by = match d.parts.as_slice() {
        [one] => format!("`{ident}.{}`", one.ident),
        _ => format!("`{ident}`'s relation over {column}"),
    };
    let message = format!(
        "inverse `{}` of {declared_by} is also a field of `{target_name}`: choose another inverse name",
        r.inverse
    );
    let inverse_name = &r.inverse;
    let target_span = syn::spanned::Spanned::span(target);
    let lookup = if d.composite() {
        quote_spanned! {target_span=>
            store.referencing_key::<#ident, <#target as ::parquetframe::Entity>::Key>(
                &<#ident as ::parquetframe::Entity>::RELATIONS[#index],
                ::parquetframe::Entity::key(self),
            )
        }
    } else {
        quote_spanned! {target_span=>
            store.referencing::<#ident, <#target as ::parquetframe::Entity>::Key>(
                #column,
                ::parquetframe::Entity::key(self),
            )
        }
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
