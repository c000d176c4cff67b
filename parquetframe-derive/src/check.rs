//! Rules that span several attributes or fields.

use std::collections::HashMap;

use syn::{DataEnum, DeriveInput, Fields, GenericArgument, PathArguments, Type};

use crate::attr::Spanned;
use crate::attr::{ContainerAttrs, Derive, FieldAttrs, RelationAttr, VariantAttrs, closest};
use crate::ctxt::Ctxt;
use crate::model::{Body, CompositeRelationModel, EntityModel, FieldModel, RelationModel, VariantModel};

/// Generic structs are rejected: an entity has one schema and one storage path.
pub fn generics(cx: &Ctxt, input: &DeriveInput, derive: Derive) {
    if !input.generics.params.is_empty() {
        let what = match derive {
            Derive::Entity => {
                "an entity has one Arrow schema and one storage path, so it must be a concrete type"
            }
            Derive::Record => "a record maps to one fixed Arrow struct type, so it must be a concrete type",
        };
        cx.error_spanned_by(
            &input.generics,
            format!("generic types are not supported: {what}; remove the type parameters (write one struct per concrete type)"),
        );
    }
}

/// The checks of `#[entity(...)]`: required keys, storage path, format, primary key.
pub fn entity(
    cx: &Ctxt,
    input: &DeriveInput,
    attrs: &ContainerAttrs,
    fields: &[FieldModel<'_>],
) -> Option<EntityModel> {
    let field_list = fields.iter().map(|f| f.ident.to_string()).collect::<Vec<_>>().join(", ");
    let Some(attr_span) = attrs.attr else {
        cx.error_spanned_by(
            &input.ident,
            format!(
                "missing #[entity(storage_path = \"...\", primary_key = \"...\")] on `{}`: an entity needs a \
                 storage path and a primary key, e.g. #[entity(storage_path = \"{}s/\", primary_key = \"{}\")]",
                input.ident,
                input.ident.to_string().to_lowercase(),
                fields.first().map_or("id".to_owned(), |f| f.ident.to_string())
            ),
        );
        return None;
    };
    if attrs.malformed {
        return None;
    }
    let written = |k: &str| attrs.written.iter().any(|w| w == k);
    if attrs.storage_path.is_none() && !written("storage_path") {
        cx.error_at(attr_span, "missing `storage_path = \"...\"`: the directory of this entity's files, relative to the store root, e.g. storage_path = \"users/\"");
    }
    if attrs.primary_key.is_none() && !written("primary_key") {
        cx.error_at(
            attr_span,
            format!("missing `primary_key = \"...\"`: name the key field, one of: {field_list}"),
        );
    }
    if let Some(path) = &attrs.storage_path {
        storage_path(cx, &path.value, path.span);
    }
    let format = match &attrs.format {
        None => "parquet",
        Some(f) => match f.value.as_str() {
            "parquet" => "parquet",
            "avro" => "avro",
            _ => {
                cx.error_at(f.span, format!("unknown format `{}`: use \"parquet\" or \"avro\"", f.value));
                "parquet"
            }
        },
    };
    let codec = attrs.codec.as_ref().and_then(|c| codec(cx, c, format));
    let keys = attrs.primary_key.as_ref()?;
    // Every key column is checked, so all its mistakes show at once.
    let indexes: Vec<Option<usize>> =
        keys.value.iter().map(|key| key_field(cx, input, fields, &field_list, key)).collect();
    for (i, (index, key)) in indexes.iter().zip(&keys.value).enumerate() {
        if index.is_some() && indexes[..i].contains(index) {
            cx.error_at(
                key.span,
                format!("key column `{}` names a field already in the key: remove it", key.value),
            );
        }
    }
    let name = attrs.name.as_ref().map_or_else(|| input.ident.to_string(), |n| n.value.clone());
    if let Some(n) = &attrs.name
        && n.value.is_empty()
    {
        cx.error_at(n.span, "an entity name cannot be empty");
    }
    Some(EntityModel {
        name,
        storage_path: attrs.storage_path.as_ref()?.value.clone(),
        primary_key: indexes.into_iter().collect::<Option<Vec<_>>>()?,
        format,
        format_declared: attrs.format.is_some(),
        codec,
    })
}

/// The field a primary-key column names, after checking it can be a key.
fn key_field(
    cx: &Ctxt,
    input: &DeriveInput,
    fields: &[FieldModel<'_>],
    field_list: &str,
    key: &crate::attr::Spanned<String>,
) -> Option<usize> {
    let Some(index) = fields
        .iter()
        .position(|f| {
            f.ident == key.value.as_str() || f.ident.to_string().trim_start_matches("r#") == key.value
        })
        .or_else(|| fields.iter().position(|f| !f.skip && f.column == key.value))
    else {
        let names: Vec<String> = fields.iter().map(|f| f.ident.to_string()).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = closest(&key.value, &refs).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
        cx.error_at(
            key.span,
            format!(
                "primary_key `{}` names no field of `{}` (fields: {field_list}){hint}",
                key.value, input.ident
            ),
        );
        return None;
    };
    let field = &fields[index];
    if field.skip {
        cx.error_at(
            key.span,
            format!("primary key `{}` is `#[entity(skip)]`: a key must be stored; remove `skip`", key.value),
        );
    }
    if field.default {
        cx.error_at(
            key.span,
            format!(
                "primary key `{}` is `#[entity(default)]`: a key cannot default; remove `default`",
                key.value
            ),
        );
    }
    if is_option(field.ty) {
        cx.error_spanned_by(
            field.ty,
            format!(
                "primary key `{}` is an Option, but keys are never null; use the inner type",
                field.ident
            ),
        );
    }
    Some(index)
}

/// A storage path must be relative, non-empty and stay inside the store root.
fn storage_path(cx: &Ctxt, path: &str, span: proc_macro2::Span) {
    let windows_drive = path.len() >= 2 && path.as_bytes()[1] == b':';
    if path.trim().is_empty() {
        cx.error_at(span, "storage_path cannot be empty: give a directory such as \"users/\"");
    } else if path.starts_with('/') || path.starts_with('\\') || windows_drive {
        cx.error_at(
            span,
            format!(
                "storage_path `{path}` is absolute: it must be relative to the store root, e.g. \"users/\""
            ),
        );
    } else if path.split(['/', '\\']).any(|c| c == "..") {
        cx.error_at(span, format!("storage_path `{path}` contains `..`: it must stay inside the store root"));
    }
}

/// Column names and column constants must be unique.
pub fn columns(cx: &Ctxt, fields: &[FieldModel<'_>]) {
    let mut seen: HashMap<&str, &FieldModel<'_>> = HashMap::new();
    for f in fields.iter().filter(|f| !f.skip) {
        if let Some(first) = seen.insert(f.column.as_str(), f) {
            cx.error_at(
                f.column_span,
                format!(
                    "column `{}` is used twice (fields `{}` and `{}`); rename one with #[entity(rename = \"...\")]",
                    f.column, first.ident, f.ident
                ),
            );
        }
    }
    let mut consts: HashMap<&str, &FieldModel<'_>> = HashMap::new();
    for f in fields.iter().filter(|f| !f.skip) {
        if let Some(first) = consts.insert(f.const_name.as_str(), f) {
            cx.error_spanned_by(
                f.ident,
                format!(
                    "fields `{}` and `{}` both give the column constant `{}`; rename one of the fields",
                    first.ident, f.ident, f.const_name
                ),
            );
        }
    }
}

/// Precision and scale of a decimal field, checked.
pub fn decimal(cx: &Ctxt, attrs: &FieldAttrs) -> Option<(u8, i8)> {
    if attrs.precision.is_none() && attrs.scale.is_none() {
        return None;
    }
    let precision = attrs.precision.as_ref().map_or(38, |p| p.value);
    let scale = attrs.scale.as_ref().map_or(10.min(precision as i8), |s| s.value);
    if let Some(p) = &attrs.precision
        && !(1..=38).contains(&p.value)
    {
        cx.error_at(p.span, "precision must be in 1..=38 (Decimal128)");
    }
    if let Some(s) = &attrs.scale {
        if !(0..=28).contains(&s.value) {
            cx.error_at(s.span, "scale must be in 0..=28 (rust_decimal's range)");
        } else if i16::from(s.value) > i16::from(precision) {
            cx.error_at(s.span, format!("scale {} is larger than precision {precision}", s.value));
        }
    }
    Some((precision, scale))
}

/// A unit-only enum's variants, with their stored names.
pub fn unit_variants<'a>(cx: &Ctxt, input: &'a DeriveInput, data: &'a DataEnum) -> Vec<VariantModel<'a>> {
    if data.variants.is_empty() {
        cx.error_spanned_by(&input.ident, "an enum column needs at least one variant");
    }
    let mut out = Vec::new();
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for v in &data.variants {
        let attrs: VariantAttrs = crate::attr::variant(cx, &v.attrs);
        if !matches!(v.fields, Fields::Unit) {
            cx.error_spanned_by(
                &v.fields,
                format!(
                    "variant `{}` has fields: #[derive(Record)] on an enum supports unit variants only \
                     (stored as their names); move the data into a struct",
                    v.ident
                ),
            );
        }
        let stored = attrs.rename.as_ref().map_or_else(|| v.ident.to_string(), |r| r.value.clone());
        if let Some(first) = seen.insert(stored.clone(), &v.ident) {
            let span = attrs.rename.as_ref().map_or(v.ident.span(), |r| r.span);
            cx.error_at(span, format!("variants `{first}` and `{}` are both stored as `{stored}`", v.ident));
        }
        out.push(VariantModel { ident: &v.ident, stored });
    }
    out
}

/// Whether a type is written as `Option<..>` (for a better message; the trait
/// bound on keys catches aliases too).
pub fn is_option(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    p.path.segments.last().is_some_and(|s| {
        s.ident == "Option"
            && matches!(&s.arguments, PathArguments::AngleBracketed(a) if matches!(a.args.first(), Some(GenericArgument::Type(_))))
    })
}

fn valid_avro_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

const AVRO_NAME_RULE: &str = "Avro names are [A-Za-z_][A-Za-z0-9_]* (every entity has an Avro schema)";

/// Column names, enum symbols, record names and namespaces must be valid Avro names.
pub fn avro_names(
    cx: &Ctxt,
    input: &DeriveInput,
    body: &Body<'_>,
    name: &str,
    namespace: Option<&Spanned<String>>,
) {
    if !valid_avro_name(name) {
        cx.error_spanned_by(
            &input.ident,
            format!("`{name}` is not a valid Avro record name: {AVRO_NAME_RULE}; set `name = \"...\"`"),
        );
    }
    if let Some(ns) = namespace
        && !ns.value.split('.').all(valid_avro_name)
    {
        cx.error_at(
            ns.span,
            format!("namespace `{}` is not a dotted list of Avro names: {AVRO_NAME_RULE}", ns.value),
        );
    }
    match body {
        Body::Struct(fields) => {
            for f in fields.iter().filter(|f| !f.skip && !f.column.is_empty()) {
                if !valid_avro_name(&f.column) {
                    cx.error_at(
                        f.column_span,
                        format!(
                            "column name `{}` is not a valid Avro name: {AVRO_NAME_RULE}; rename it",
                            f.column
                        ),
                    );
                }
            }
        }
        Body::Enum(variants) => {
            for v in variants {
                if !valid_avro_name(&v.stored) {
                    cx.error_spanned_by(
                        v.ident,
                        format!(
                            "variant name `{}` is not a valid Avro enum symbol: {AVRO_NAME_RULE}",
                            v.stored
                        ),
                    );
                }
            }
        }
    }
}

/// The codec named in `#[entity(codec = "...")]`, checked against the format.
fn codec(cx: &Ctxt, c: &Spanned<String>, format: &str) -> Option<&'static str> {
    const AVRO: &[&str] = &["null", "deflate", "snappy", "zstandard", "bzip2", "xz"];
    const PARQUET: &[&str] = &["null", "snappy", "zstandard"];
    let allowed = if format == "avro" { AVRO } else { PARQUET };
    let name = if c.value == "zstd" { "zstandard" } else { c.value.as_str() };
    if let Some(found) = allowed.iter().find(|a| **a == name) {
        return Some(found);
    }
    let list = allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
    let why = if format != "avro" && AVRO.contains(&name) {
        format!("`{}` is an Avro codec; Parquet entities take {list}", c.value)
    } else {
        format!("unknown codec `{}`: {format} entities take {list}", c.value)
    };
    cx.error_at(c.span, why);
    None
}

/// `#[field(alias = "...")]` must be a valid Avro name.
pub fn aliases(cx: &Ctxt, attrs: &FieldAttrs) {
    for a in &attrs.aliases {
        if !valid_avro_name(&a.value) {
            cx.error_at(a.span, format!("alias `{}` is not a valid Avro name: {AVRO_NAME_RULE}", a.value));
        }
    }
}

/// Methods every entity has, taking `self` (`Entity::key`, `ActiveRecord::save`):
/// a navigation method of that name would shadow them.
const RESERVED_METHODS: &[(&str, &str)] =
    &[("key", "Entity"), ("to_key", "Entity"), ("save", "ActiveRecord")];

/// Whether `name` can be a method name (an identifier, not a keyword).
fn method_name(cx: &Ctxt, name: &str, span: proc_macro2::Span, what: &str) -> bool {
    if syn::parse_str::<syn::Ident>(name).is_err() {
        cx.error_at(
            span,
            format!("{what} `{name}` is not a valid method name; use a Rust identifier such as `orders`"),
        );
        return false;
    }
    if let Some((_, owner)) = RESERVED_METHODS.iter().find(|(method, _)| *method == name) {
        cx.error_at(span, format!("{what} `{name}` would shadow `{owner}::{name}`; choose another name"));
        return false;
    }
    true
}

/// The checks of a field's `#[relation(...)]`.
pub fn relation(
    cx: &Ctxt,
    f: &syn::Field,
    ident: &syn::Ident,
    self_ident: &syn::Ident,
    attrs: &FieldAttrs,
    relations: Vec<RelationAttr>,
) -> Option<RelationModel> {
    let mut relations = relations.into_iter();
    let first = relations.next()?;
    for extra in relations {
        cx.error_at(
            extra.span,
            "a field holds one foreign key: remove this #[relation], or add another field for the second relation",
        );
    }
    let RelationAttr { span, target, inverse, on_delete, name, .. } = first;
    if let Some(skip) = &attrs.skip {
        cx.error_at(
            skip.span,
            "a skipped field is not stored, so it cannot be a foreign key: remove `skip` or the #[relation]",
        );
    }
    let target = match target {
        Some(t) => t,
        None => {
            cx.error_at(span, "missing the target entity: write #[relation(Target, inverse = \"...\")], e.g. #[relation(User, inverse = \"orders\")]");
            return None;
        }
    };
    let target = if target.is_ident("Self") { syn::Path::from(self_ident.clone()) } else { target };
    let not_optional = (!is_option(&f.ty)).then(|| {
        format!(
            "on_delete = \"set_null\" needs an optional relation, but `{ident}` is not an Option: \
             make the field `Option<_>`, or use \"restrict\" or \"cascade\""
        )
    });
    let on_delete = on_delete_policy(cx, on_delete.as_ref(), not_optional);
    let field = ident.to_string();
    let field = field.trim_start_matches("r#");
    let (name, name_span) = match &name {
        Some(n) => (n.value.clone(), n.span),
        None => match field.strip_suffix("_id").filter(|s| !s.is_empty()) {
            Some(stripped) => (stripped.to_owned(), ident.span()),
            None => {
                cx.error_at(
                    span,
                    format!(
                        "cannot name the navigation method: field `{field}` does not end in `_id`; add \
                         name = \"...\", e.g. #[relation(.., name = \"{field}_ref\")]"
                    ),
                );
                return None;
            }
        },
    };
    navigation(cx, span, target, (name, name_span), inverse, on_delete, self_ident)
}

/// The checked model of a relation from its parts: the inverse must be
/// given, and both method names must be usable (every problem reported).
fn navigation(
    cx: &Ctxt,
    span: proc_macro2::Span,
    target: syn::Path,
    (name, name_span): (String, proc_macro2::Span),
    inverse: Option<Spanned<String>>,
    on_delete: &'static str,
    self_ident: &syn::Ident,
) -> Option<RelationModel> {
    let Some(inverse) = inverse else {
        missing_inverse(cx, span, &target, self_ident);
        return None;
    };
    let name_ok = method_name(cx, &name, name_span, "navigation name");
    let inverse_ok = method_name(cx, &inverse.value, inverse.span, "inverse name");
    (name_ok && inverse_ok).then_some(RelationModel {
        target,
        name,
        name_span,
        inverse: inverse.value,
        inverse_span: inverse.span,
        on_delete,
    })
}

/// `on_delete = "..."` (restrict when absent); `not_optional` is the error
/// for `set_null` when the foreign key cannot be null.
fn on_delete_policy(
    cx: &Ctxt,
    on_delete: Option<&Spanned<String>>,
    not_optional: Option<String>,
) -> &'static str {
    let Some(v) = on_delete else { return "restrict" };
    match v.value.as_str() {
        "restrict" => "restrict",
        "cascade" => "cascade",
        "set_null" => {
            if let Some(message) = not_optional {
                cx.error_at(v.span, message);
            }
            "set_null"
        }
        other => {
            let hint = closest(other, &["restrict", "cascade", "set_null"])
                .map(|c| format!("; did you mean \"{c}\"?"))
                .unwrap_or_default();
            cx.error_at(
                v.span,
                format!("unknown on_delete `{other}`: use \"restrict\", \"cascade\" or \"set_null\"{hint}"),
            );
            "restrict"
        }
    }
}

fn missing_inverse(cx: &Ctxt, span: proc_macro2::Span, target: &syn::Path, self_ident: &syn::Ident) {
    cx.error_at(
        span,
        format!(
            "missing `inverse = \"...\"`: the method on the target that lists the rows referencing it, \
             e.g. #[relation({}, inverse = \"{}s\")]",
            quote::quote!(#target).to_string().replace(' ', ""),
            self_ident.to_string().to_lowercase()
        ),
    );
}

/// `PartSupp` → `part_supp`: the default navigation name of a relation on the struct.
fn snake_case(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 4);
    for (i, c) in ident.trim_start_matches("r#").chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The checks of the struct's `#[relation(Target, columns = [..], ..)]`
/// attributes: foreign keys over several columns, each column a stored field.
pub fn composite_relations(
    cx: &Ctxt,
    declared: Vec<RelationAttr>,
    fields: &[FieldModel<'_>],
    self_ident: &syn::Ident,
) -> Vec<CompositeRelationModel> {
    let mut out = Vec::new();
    let mut seen: Vec<Vec<String>> = Vec::new();
    for RelationAttr { span, target, inverse, on_delete, name, columns, columns_written } in declared {
        let Some(target) = target else {
            cx.error_at(
                span,
                "missing the target entity: write #[relation(Target, columns = [\"a\", \"b\"], inverse = \"...\")]",
            );
            continue;
        };
        let target = if target.is_ident("Self") { syn::Path::from(self_ident.clone()) } else { target };
        let Some(columns) = columns else {
            if columns_written {
                continue; // a malformed list, reported where it is
            }
            cx.error_at(
                span,
                "a #[relation] on the struct names its foreign-key columns, in the order of the target's key: \
                 add columns = [\"a\", \"b\"]; for a key of one column, put #[relation] on that field",
            );
            continue;
        };
        if columns.value.len() == 1 {
            cx.error_at(
                columns.span,
                "a foreign key of one column is declared on its field: move this #[relation] onto that field \
                 and drop `columns`",
            );
            continue;
        }
        let listed: Vec<String> = columns.value.iter().map(|c| c.value.clone()).collect();
        if seen.contains(&listed) {
            cx.error_at(
                columns.span,
                format!(
                    "another #[relation] on this struct already spans ({}): a set of columns holds one \
                     foreign key",
                    listed.join(", ")
                ),
            );
            continue;
        }
        seen.push(listed);
        let available = || fields.iter().filter(|f| !f.skip).map(|f| f.column.as_str()).collect::<Vec<_>>();
        let mut indices = Vec::with_capacity(columns.value.len());
        for c in &columns.value {
            match fields.iter().position(|f| f.column == c.value) {
                Some(i) if fields[i].skip => cx.error_at(
                    c.span,
                    format!(
                        "field `{}` is skipped, so it is not stored and cannot be part of a foreign key: \
                         remove `skip` or this column",
                        fields[i].ident
                    ),
                ),
                Some(i) => indices.push(i),
                None => {
                    let names = available();
                    let hint = closest(&c.value, &names)
                        .map(|n| format!("; did you mean `{n}`?"))
                        .unwrap_or_default();
                    cx.error_at(
                        c.span,
                        format!(
                            "no column `{}` in `{self_ident}`: columns are {}{hint}",
                            c.value,
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        let not_optional = indices.iter().map(|i| &fields[*i]).find(|f| !is_option(f.ty)).map(|f| {
            format!(
                "on_delete = \"set_null\" clears every column of the foreign key, but `{}` is not an Option: \
                 make each of its fields `Option<_>`, or use \"restrict\" or \"cascade\"",
                f.ident
            )
        });
        let on_delete = on_delete_policy(cx, on_delete.as_ref(), not_optional);
        let (name, name_span) = match &name {
            Some(n) => (n.value.clone(), n.span),
            None => {
                let last = target.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                (snake_case(&last), span)
            }
        };
        let relation = navigation(cx, span, target, (name, name_span), inverse, on_delete, self_ident);
        if let Some(relation) = relation
            && indices.len() == columns.value.len()
        {
            out.push(CompositeRelationModel { relation, fields: indices, columns_span: columns.span });
        }
    }
    out
}

/// Navigation names must be unique: forward names on this struct, and
/// inverse names per target among this struct's relations (on fields and
/// on the struct).
pub fn relations(cx: &Ctxt, fields: &[FieldModel<'_>], composites: &[CompositeRelationModel]) {
    // (whether a field declares it, how messages name it, the relation)
    let described: Vec<(bool, String, &RelationModel)> = fields
        .iter()
        .filter_map(|f| f.relation.as_ref().map(|r| (true, format!("`{}`", f.ident), r)))
        .chain(composites.iter().map(|c| {
            let columns: Vec<&str> =
                c.fields.iter().filter_map(|i| fields.get(*i)).map(|f| f.column.as_str()).collect();
            (false, format!("the relation over ({})", columns.join(", ")), &c.relation)
        }))
        .collect();
    let both = |a: &(bool, String), b: &(bool, &String)| match (a.0, b.0) {
        (true, true) => format!("fields {} and {}", a.1, b.1),
        (true, false) => format!("field {} and {}", a.1, b.1),
        (false, true) => format!("{} and field {}", a.1, b.1),
        (false, false) => format!("{} and {}", a.1, b.1),
    };
    let mut forward: HashMap<&str, (bool, String)> = HashMap::new();
    let mut inverse: HashMap<(String, &str), (bool, String)> = HashMap::new();
    for (is_field, what, r) in &described {
        if let Some(first) = forward.insert(r.name.as_str(), (*is_field, what.clone())) {
            cx.error_at(
                r.name_span,
                format!(
                    "{} both navigate as `{}()`; set name = \"...\" on one of them",
                    both(&first, &(*is_field, what)),
                    r.name
                ),
            );
        }
        let target = quote::ToTokens::to_token_stream(&r.target).to_string();
        if let Some(first) = inverse.insert((target.clone(), r.inverse.as_str()), (*is_field, what.clone())) {
            cx.error_at(
                r.inverse_span,
                format!(
                    "{} both declare inverse `{}` on `{}`; give each relation its own inverse",
                    both(&first, &(*is_field, what)),
                    r.inverse,
                    target.replace(' ', "")
                ),
            );
        }
    }
}
