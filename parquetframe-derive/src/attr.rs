//! Parses `#[entity(...)]` / `#[record(...)]` attributes into typed values.
//! Every problem is recorded in the [`Ctxt`] and parsing goes on, so one
//! compile reports every mistake.

use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, ExprLit, Lit, LitInt};

use crate::ctxt::Ctxt;

/// A value with the span of the tokens that gave it.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: proc_macro2::Span,
}

/// Which derive is parsing: decides the attribute name and the allowed keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    Entity,
    Record,
}

impl Derive {
    pub fn attr_name(self) -> &'static str {
        match self {
            Derive::Entity => "entity",
            Derive::Record => "record",
        }
    }

    pub fn container_keys(self) -> &'static [&'static str] {
        match self {
            Derive::Entity => &["storage_path", "primary_key", "format", "codec", "name", "namespace"],
            Derive::Record => &["dictionary", "namespace"],
        }
    }
}

pub const FIELD_KEYS: &[&str] = &["rename", "alias", "skip", "default", "precision", "scale"];
pub const VARIANT_KEYS: &[&str] = &["rename"];
pub const RELATION_KEYS: &[&str] = &["inverse", "on_delete", "name"];
/// The keys of a `#[relation(...)]` on the struct (a key over several columns).
pub const STRUCT_RELATION_KEYS: &[&str] = &["columns", "inverse", "on_delete", "name"];

/// Container-level attributes.
#[derive(Default)]
pub struct ContainerAttrs {
    /// The first `#[entity]`/`#[record]` attribute, if any (for spans).
    pub attr: Option<proc_macro2::Span>,
    /// Keys that were written, even with a bad value (no "missing" error for them).
    pub written: Vec<String>,
    /// An attribute was not a list; its error already tells what to write.
    pub malformed: bool,
    pub storage_path: Option<Spanned<String>>,
    /// `primary_key = "id"` (one column) or `primary_key = ["a", "b"]`
    /// (a composite key); the span covers the whole value.
    pub primary_key: Option<Spanned<Vec<Spanned<String>>>>,
    pub format: Option<Spanned<String>>,
    pub codec: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub dictionary: Option<Spanned<()>>,
    pub namespace: Option<Spanned<String>>,
}

/// Field-level attributes.
#[derive(Default)]
pub struct FieldAttrs {
    pub rename: Option<Spanned<String>>,
    /// Former names (Avro field aliases), one per `alias = "..."`.
    pub aliases: Vec<Spanned<String>>,
    pub skip: Option<Spanned<()>>,
    pub default: Option<Spanned<()>>,
    pub precision: Option<Spanned<u8>>,
    pub scale: Option<Spanned<i8>>,
}

/// One `#[relation(Target, inverse = "...", on_delete = "...", name = "...")]`.
pub struct RelationAttr {
    /// The `relation` path of the attribute (for errors about the whole attribute).
    pub span: proc_macro2::Span,
    pub target: Option<syn::Path>,
    pub inverse: Option<Spanned<String>>,
    pub on_delete: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    /// `columns = ["a", "b"]`: the foreign-key columns of a relation on the
    /// struct; the span covers the list.
    pub columns: Option<Spanned<Vec<Spanned<String>>>>,
    /// `columns` was written, even with a bad value (reported already).
    pub columns_written: bool,
}

/// Where a `#[relation]` is written: on a field (the field is the foreign
/// key) or on the struct (a key over the columns it lists).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RelationLevel {
    Field,
    Struct,
}

/// Variant-level attributes (unit enums).
#[derive(Default)]
pub struct VariantAttrs {
    pub rename: Option<Spanned<String>>,
}

/// Records an error for a repeated key and keeps the first value.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<Spanned<T>>, value: Spanned<T>, key: &str) {
    if slot.is_some() {
        cx.error_at(value.span, format!("duplicate `{key}`: remove one of them"));
    } else {
        *slot = Some(value);
    }
}

fn string_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> Option<Spanned<String>> {
    let expr = match meta.value().and_then(|v| v.parse::<Expr>()) {
        Ok(e) => e,
        Err(_) => {
            cx.error_spanned_by(&meta.path, format!("`{key}` needs a string value: {key} = \"{example}\""));
            return None;
        }
    };
    match &expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(Spanned { value: s.value(), span: s.span() }),
        other => {
            cx.error_spanned_by(other, format!("`{key}` needs a string literal, e.g. {key} = \"{example}\""));
            None
        }
    }
}

/// The most columns a composite key may have (the tuples `PrimaryKey` is
/// implemented for).
const MAX_KEY_COLUMNS: usize = 4;

/// `primary_key = "id"` or `primary_key = ["a", "b"]` (and a relation's
/// `columns = [...]`): every mistake in the list is reported.
fn key_columns(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> Option<Spanned<Vec<Spanned<String>>>> {
    let Ok(expr) = meta.value().and_then(|v| v.parse::<Expr>()) else {
        cx.error_spanned_by(&meta.path, format!("`{key}` needs a value: {example}"));
        return None;
    };
    let span = expr.span();
    match &expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => {
            Some(Spanned { value: vec![Spanned { value: s.value(), span: s.span() }], span })
        }
        Expr::Array(array) => {
            let mut columns: Vec<Spanned<String>> = Vec::new();
            let mut ok = true;
            for element in &array.elems {
                match element {
                    Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => {
                        if columns.iter().any(|c| c.value == s.value()) {
                            cx.error_spanned_by(
                                s,
                                format!("key column `{}` is listed twice: remove one", s.value()),
                            );
                            ok = false;
                        }
                        columns.push(Spanned { value: s.value(), span: s.span() });
                    }
                    other => {
                        cx.error_spanned_by(other, format!("each key column is a string literal: {example}"));
                        ok = false;
                    }
                }
            }
            if array.elems.is_empty() {
                cx.error_spanned_by(array, format!("name at least one key column: {example}"));
                ok = false;
            } else if array.elems.len() > MAX_KEY_COLUMNS {
                cx.error_spanned_by(
                    array,
                    format!(
                        "a composite key has at most {MAX_KEY_COLUMNS} columns, this one has {}",
                        array.elems.len()
                    ),
                );
                ok = false;
            }
            ok.then_some(Spanned { value: columns, span })
        }
        other => {
            cx.error_spanned_by(other, format!("`{key}` needs a string or a list of strings: {example}"));
            None
        }
    }
}

fn int_value<T: std::str::FromStr>(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    range: &str,
) -> Option<Spanned<T>>
where
    T::Err: std::fmt::Display,
{
    let expr = match meta.value().and_then(|v| v.parse::<Expr>()) {
        Ok(e) => e,
        Err(_) => {
            cx.error_spanned_by(&meta.path, format!("`{key}` needs an integer value in {range}"));
            return None;
        }
    };
    match &expr {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => parse_int(cx, i, key, range),
        other => {
            cx.error_spanned_by(other, format!("`{key}` needs an integer literal in {range}"));
            None
        }
    }
}

fn parse_int<T: std::str::FromStr>(cx: &Ctxt, lit: &LitInt, key: &str, range: &str) -> Option<Spanned<T>>
where
    T::Err: std::fmt::Display,
{
    match lit.base10_parse::<T>() {
        Ok(value) => Some(Spanned { value, span: lit.span() }),
        Err(_) => {
            cx.error_spanned_by(lit, format!("`{key}` must be in {range}"));
            None
        }
    }
}

/// A flag (`skip`) must not have a value.
fn flag(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> Option<Spanned<()>> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(&meta.path, format!("`{key}` takes no value: write `{key}` alone"));
        skip_value(meta);
    }
    Some(Spanned { value: (), span: meta.path.span() })
}

/// Consumes whatever value follows an unknown key, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(syn::Token![=]) {
        let _ = meta.value().and_then(|v| v.parse::<Expr>());
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|inner| {
            skip_value(&inner);
            Ok(())
        });
    }
}

fn unknown(cx: &Ctxt, meta: &ParseNestedMeta<'_>, what: &str, attr: &str, known: &[&str]) {
    let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_else(|| "?".into());
    let hint = match closest(&key, known) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    };
    cx.error_spanned_by(
        &meta.path,
        format!(
            "unknown {what} attribute `{key}` in #[{attr}(...)]: expected one of {}{hint}",
            known.join(", ")
        ),
    );
    skip_value(meta);
}

/// The known name closest to `input`, if it is close enough to be a typo.
pub fn closest<'a>(input: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (levenshtein(input, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let best = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(best);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The attributes named `name` among `attrs`, each parsed as a list.
fn each_list(cx: &Ctxt, attrs: &[Attribute], name: &str, mut f: impl FnMut(&Attribute, ParseNestedMeta<'_>)) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        if !matches!(attr.meta, syn::Meta::List(_)) {
            cx.error_spanned_by(attr, format!("write `#[{name}(key = value, ...)]`"));
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            f(attr, meta);
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
}

/// Parses the container attribute of `derive`.
pub fn container(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    let name = derive.attr_name();
    if let Some(attr) = attrs.iter().find(|a| a.path().is_ident(name)) {
        out.attr = Some(attr.path().span());
        out.malformed =
            attrs.iter().any(|a| a.path().is_ident(name) && !matches!(a.meta, syn::Meta::List(_)));
    }
    each_list(cx, attrs, name, |_, meta| {
        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        out.written.push(key.clone());
        match (derive, key.as_str()) {
            (Derive::Entity, "storage_path") => {
                if let Some(v) = string_value(cx, &meta, "storage_path", "users/") {
                    set_once(cx, &mut out.storage_path, v, "storage_path");
                }
            }
            (Derive::Entity, "primary_key") => {
                let example =
                    "primary_key = \"id\", or primary_key = [\"order_id\", \"line\"] for a composite key";
                if let Some(v) = key_columns(cx, &meta, "primary_key", example) {
                    set_once(cx, &mut out.primary_key, v, "primary_key");
                }
            }
            (Derive::Entity, "format") => {
                if let Some(v) = string_value(cx, &meta, "format", "parquet") {
                    set_once(cx, &mut out.format, v, "format");
                }
            }
            (Derive::Entity, "codec") => {
                if let Some(v) = string_value(cx, &meta, "codec", "zstandard") {
                    set_once(cx, &mut out.codec, v, "codec");
                }
            }
            (Derive::Entity, "name") => {
                if let Some(v) = string_value(cx, &meta, "name", "User") {
                    set_once(cx, &mut out.name, v, "name");
                }
            }
            (_, "namespace") => {
                if let Some(v) = string_value(cx, &meta, "namespace", "com.example") {
                    set_once(cx, &mut out.namespace, v, "namespace");
                }
            }
            (Derive::Record, "dictionary") => {
                if let Some(v) = flag(cx, &meta, "dictionary") {
                    set_once(cx, &mut out.dictionary, v, "dictionary");
                }
            }
            _ => unknown(cx, &meta, "container", name, derive.container_keys()),
        }
    });
    out
}

/// Parses a field's attributes.
pub fn field(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    let name = derive.attr_name();
    each_list(cx, attrs, name, |_, meta| {
        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        match key.as_str() {
            "rename" => {
                if let Some(v) = string_value(cx, &meta, "rename", "column_name") {
                    set_once(cx, &mut out.rename, v, "rename");
                }
            }
            "alias" => {
                if let Some(v) = string_value(cx, &meta, "alias", "old_name") {
                    out.aliases.push(v);
                }
            }
            "skip" => {
                if let Some(v) = flag(cx, &meta, "skip") {
                    set_once(cx, &mut out.skip, v, "skip");
                }
            }
            "default" => {
                if let Some(v) = flag(cx, &meta, "default") {
                    set_once(cx, &mut out.default, v, "default");
                }
            }
            "precision" => {
                if let Some(v) = int_value::<u8>(cx, &meta, "precision", "1..=38") {
                    set_once(cx, &mut out.precision, v, "precision");
                }
            }
            "scale" => {
                if let Some(v) = int_value::<i8>(cx, &meta, "scale", "0..=28") {
                    set_once(cx, &mut out.scale, v, "scale");
                }
            }
            _ => unknown(cx, &meta, "field", name, FIELD_KEYS),
        }
    });
    out
}

/// Parses the `#[relation(...)]` attributes of a field, or of the struct.
pub fn relations(cx: &Ctxt, attrs: &[Attribute], level: RelationLevel) -> Vec<RelationAttr> {
    let mut out = Vec::new();
    let known = match level {
        RelationLevel::Field => RELATION_KEYS,
        RelationLevel::Struct => STRUCT_RELATION_KEYS,
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("relation")) {
        let mut rel = RelationAttr {
            span: attr.path().span(),
            target: None,
            inverse: None,
            on_delete: None,
            name: None,
            columns: None,
            columns_written: false,
        };
        if !matches!(attr.meta, syn::Meta::List(_)) {
            cx.error_spanned_by(
                attr,
                "write `#[relation(Target, inverse = \"name\")]`: the target entity, then the name of the \
                 navigation method on the target",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let has_value = meta.input.peek(syn::Token![=]);
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match (key.as_str(), has_value) {
                ("inverse", true) => {
                    if let Some(v) = string_value(cx, &meta, "inverse", "orders") {
                        set_once(cx, &mut rel.inverse, v, "inverse");
                    }
                }
                ("on_delete", true) => {
                    if let Some(v) = string_value(cx, &meta, "on_delete", "cascade") {
                        set_once(cx, &mut rel.on_delete, v, "on_delete");
                    }
                }
                ("name", true) => {
                    if let Some(v) = string_value(cx, &meta, "name", "user") {
                        set_once(cx, &mut rel.name, v, "name");
                    }
                }
                ("columns", true) if level == RelationLevel::Field => {
                    cx.error_spanned_by(
                        &meta.path,
                        "`columns` belongs on a #[relation] written on the struct, for a key over several \
                         columns; on a field, the field itself is the foreign key: remove `columns`",
                    );
                    skip_value(&meta);
                }
                ("columns", true) => {
                    rel.columns_written = true;
                    let example = "columns = [\"l_partkey\", \"l_suppkey\"]";
                    if let Some(v) = key_columns(cx, &meta, "columns", example) {
                        set_once(cx, &mut rel.columns, v, "columns");
                    }
                }
                (_, true) => unknown(cx, &meta, "relation", "relation", known),
                ("inverse" | "on_delete" | "name" | "columns", false) => {
                    cx.error_spanned_by(&meta.path, format!("`{key}` needs a value: {key} = \"...\""));
                    skip_value(&meta);
                }
                (_, false) if meta.input.peek(syn::token::Paren) => {
                    cx.error_spanned_by(
                        &meta.path,
                        "the target is a type path, e.g. #[relation(User, inverse = \"orders\")]",
                    );
                    skip_value(&meta);
                }
                (_, false) => {
                    if rel.target.is_some() {
                        cx.error_spanned_by(
                            &meta.path,
                            "a relation has one target entity; remove this one, or add a second field with \
                             its own #[relation]",
                        );
                    } else {
                        rel.target = Some(meta.path.clone());
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
        out.push(rel);
    }
    out
}

/// Parses a unit variant's attributes.
pub fn variant(cx: &Ctxt, attrs: &[Attribute]) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    each_list(cx, attrs, "record", |_, meta| {
        if meta.path.is_ident("rename") {
            if let Some(v) = string_value(cx, &meta, "rename", "VariantName") {
                set_once(cx, &mut out.rename, v, "rename");
            }
        } else {
            unknown(cx, &meta, "variant", "record", VARIANT_KEYS);
        }
    });
    out
}

/// The `///` doc comment of an item, one line per `#[doc]` attribute.
pub fn doc(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) = &nv.value
        {
            let line = s.value();
            lines.push(line.strip_prefix(' ').unwrap_or(&line).to_owned());
        }
    }
    lines.join("\n").trim().to_owned()
}
