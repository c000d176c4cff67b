//! The checked model of a derive input: what codegen reads, and nothing else.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, Derive};
use crate::check;
use crate::ctxt::Ctxt;

pub struct Model<'a> {
    pub ident: &'a Ident,
    pub body: Body<'a>,
    /// Relations over several columns (`#[relation(..)]` on the struct).
    pub composite_relations: Vec<CompositeRelationModel>,
    pub entity: Option<EntityModel>,
    pub dictionary: bool,
    /// The Avro name of the record or enum (the entity name for entities).
    pub avro_name: String,
    pub namespace: Option<String>,
    pub doc: String,
}

pub enum Body<'a> {
    Struct(Vec<FieldModel<'a>>),
    Enum(Vec<VariantModel<'a>>),
}

pub struct FieldModel<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// The column name (after `rename`).
    pub column: String,
    /// The span to blame for column-name problems (the rename literal, or the field name).
    pub column_span: Span,
    pub skip: bool,
    pub default: bool,
    pub decimal: Option<(u8, i8)>,
    /// `User::AGE`.
    pub const_name: String,
    pub doc: String,
    /// Avro aliases (former names) of the column.
    pub aliases: Vec<String>,
    /// `#[relation(...)]`: this field is a foreign key.
    pub relation: Option<RelationModel>,
}

/// A checked `#[relation(...)]`.
pub struct RelationModel {
    /// The target entity (`Self` replaced by the struct's name).
    pub target: syn::Path,
    /// Forward navigation method name, and the span to blame for it.
    pub name: String,
    pub name_span: Span,
    /// Inverse navigation method name on the target, and its literal's span.
    pub inverse: String,
    pub inverse_span: Span,
    /// `restrict`, `cascade` or `set_null`.
    pub on_delete: &'static str,
}

/// A checked `#[relation(Target, columns = [..], ..)]` on the struct: a
/// foreign key over several columns.
pub struct CompositeRelationModel {
    pub relation: RelationModel,
    /// The foreign-key fields, in the target's key order (indices into the struct's fields).
    pub fields: Vec<usize>,
    /// The span of the `columns = [..]` list (what type errors point at).
    pub columns_span: Span,
}

pub struct VariantModel<'a> {
    pub ident: &'a Ident,
    pub stored: String,
}

pub struct EntityModel {
    pub name: String,
    pub storage_path: String,
    /// The key fields, in key order (several for a composite key).
    pub primary_key: Vec<usize>,
    pub format: &'static str,
    /// Whether `format = "..."` was written (else the store's `store.format` decides).
    pub format_declared: bool,
    /// `codec = "..."`, normalised (`zstd` → `zstandard`).
    pub codec: Option<&'static str>,
}

/// Builds the model, recording every problem in `cx`. Returns `None` when the
/// input's shape is unusable (codegen is skipped; the errors say why).
pub fn build<'a>(cx: &Ctxt, input: &'a DeriveInput, derive: Derive) -> Option<Model<'a>> {
    let container = attr::container(cx, &input.attrs, derive);
    check::generics(cx, input, derive);
    let body = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(Body::Struct(
                named.named.iter().filter_map(|f| field(cx, f, derive, &input.ident)).collect(),
            )),
            Fields::Unnamed(unnamed) => {
                cx.error_at(
                    unnamed.paren_token.span.join(),
                    format!(
                        "#[derive({})] needs a struct with named fields: columns are named after them; \
                         write `struct {} {{ name: Type, .. }}`",
                        derive_name(derive),
                        input.ident
                    ),
                );
                None
            }
            Fields::Unit => {
                cx.error_spanned_by(
                    &input.ident,
                    format!(
                        "#[derive({})] needs a struct with named fields, and a unit struct has none; add fields",
                        derive_name(derive)
                    ),
                );
                None
            }
        },
        Data::Enum(data) => match derive {
            Derive::Entity => {
                cx.error_at(
                    data.enum_token.span,
                    "#[derive(Entity)] needs a struct with named fields; for a column holding one of \
                     several unit variants, use #[derive(Record)] on the enum and a field of that type",
                );
                None
            }
            Derive::Record => Some(Body::Enum(check::unit_variants(cx, input, data))),
        },
        Data::Union(data) => {
            cx.error_at(
                data.union_token.span,
                format!(
                    "#[derive({})] does not support unions; use a struct with named fields",
                    derive_name(derive)
                ),
            );
            None
        }
    };
    let body = body?;
    let entity = match (derive, &body) {
        (Derive::Entity, Body::Struct(fields)) => check::entity(cx, input, &container, fields),
        _ => None,
    };
    let mut composite_relations = Vec::new();
    if let Body::Struct(fields) = &body {
        check::columns(cx, fields);
        if derive == Derive::Entity {
            let declared = attr::relations(cx, &input.attrs, attr::RelationLevel::Struct);
            composite_relations = check::composite_relations(cx, declared, fields, &input.ident);
        }
        check::relations(cx, fields, &composite_relations);
    }
    if let (Some(d), Body::Struct(_)) = (&container.dictionary, &body) {
        cx.error_at(d.span, "`dictionary` applies to unit enums only; remove it from this struct");
    }
    let avro_name = entity.as_ref().map_or_else(|| input.ident.unraw().to_string(), |e| e.name.clone());
    let namespace = container.namespace.as_ref().map(|n| n.value.clone());
    check::avro_names(cx, input, &body, &avro_name, container.namespace.as_ref());
    Some(Model {
        ident: &input.ident,
        body,
        composite_relations,
        entity,
        dictionary: container.dictionary.is_some(),
        avro_name,
        namespace,
        doc: attr::doc(&input.attrs),
    })
}

fn derive_name(derive: Derive) -> &'static str {
    match derive {
        Derive::Entity => "Entity",
        Derive::Record => "Record",
    }
}

fn field<'a>(cx: &Ctxt, f: &'a syn::Field, derive: Derive, self_ident: &Ident) -> Option<FieldModel<'a>> {
    let attrs = attr::field(cx, &f.attrs, derive);
    let ident = f.ident.as_ref()?;
    let name = ident.unraw().to_string();
    if let (Some(_), Some(default)) = (&attrs.skip, &attrs.default) {
        cx.error_at(default.span, "`skip` already loads `Default::default()`; remove `default`");
    }
    if let (Some(_), Some(rename)) = (&attrs.skip, &attrs.rename) {
        cx.error_at(rename.span, "a skipped field has no column to rename; remove `rename` or `skip`");
    }
    if let Some(rename) = &attrs.rename
        && rename.value.is_empty()
    {
        cx.error_at(rename.span, "a column name cannot be empty");
    }
    let decimal = check::decimal(cx, &attrs);
    check::aliases(cx, &attrs);
    let relation = match derive {
        Derive::Entity => check::relation(
            cx,
            f,
            ident,
            self_ident,
            &attrs,
            attr::relations(cx, &f.attrs, attr::RelationLevel::Field),
        ),
        Derive::Record => None,
    };
    let (column, column_span) = match &attrs.rename {
        Some(r) => (r.value.clone(), r.span),
        None => (name.clone(), ident.span()),
    };
    Some(FieldModel {
        ident,
        ty: &f.ty,
        column,
        column_span,
        skip: attrs.skip.is_some(),
        default: attrs.default.is_some(),
        decimal,
        const_name: name.to_uppercase(),
        doc: attr::doc(&f.attrs),
        aliases: attrs.aliases.iter().map(|a| a.value.clone()).collect(),
        relation,
    })
}

/// The span of a type, for errors about it.
pub fn type_span(ty: &Type) -> Span {
    ty.span()
}
