//! Every entity and relation linked into the program, known at run time
//! without registration: `#[derive(Entity)]` submits an [`EntityInfo`] through
//! [`inventory`], and [`entities`] lists them.

use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;

use crate::entity::{Entity, Format};
use crate::error::Result;
use crate::storage::Store;
use crate::types::Key;

/// What happens to referencing rows when a referenced (parent) row is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    /// The delete fails while rows reference the parent (the default).
    #[default]
    Restrict,
    /// Referencing rows are deleted too (and, in turn, the rows referencing them).
    Cascade,
    /// The foreign key of referencing rows is set to null (an `Option` field).
    SetNull,
}

impl OnDelete {
    /// The name used in `#[relation(on_delete = "...")]`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OnDelete::Restrict => "restrict",
            OnDelete::Cascade => "cascade",
            OnDelete::SetNull => "set_null",
        }
    }
}

/// A foreign key declared with `#[relation(Target, inverse = "...")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    /// The forward navigation method (`order.user()`): the field name without
    /// `_id`, or `name = "..."`.
    pub name: &'static str,
    /// The foreign-key column of the referencing entity.
    pub column: &'static str,
    /// The referenced entity's name.
    pub target: &'static str,
    /// The referenced entity's primary-key column.
    pub target_key: &'static str,
    /// The inverse navigation method on the target (`user.orders()`).
    pub inverse: &'static str,
    /// Whether every row must reference a parent (the field is not an `Option`).
    pub required: bool,
    /// What deleting a parent does to referencing rows.
    pub on_delete: OnDelete,
}

/// The type of a foreign-key field: the target's key type `K`, or `Option<K>`
/// for an optional relation.
#[diagnostic::on_unimplemented(
    message = "a foreign key of type `{Self}` cannot reference a primary key of type `{K}`",
    label = "this field's type must be `{K}` or `Option<{K}>`",
    note = "a #[relation] field holds the target entity's primary key: change the field type to the \
            target's key type `{K}`, or `Option<{K}>` for an optional relation"
)]
pub trait ForeignKey<K: Key> {
    /// Whether the relation is required (the field is not an `Option`).
    const REQUIRED: bool;
    /// The referenced key, `None` for a null optional key.
    fn referenced(&self) -> Option<&K>;
}

impl<K: Key> ForeignKey<K> for K {
    const REQUIRED: bool = true;
    fn referenced(&self) -> Option<&K> {
        Some(self)
    }
}

impl<K: Key> ForeignKey<K> for Option<K> {
    const REQUIRED: bool = false;
    fn referenced(&self) -> Option<&K> {
        self.as_ref()
    }
}

/// Live rows of an entity, projected onto some columns: per column, the
/// chunks (aligned across columns).
pub type Columns = Vec<Vec<ArrayRef>>;

/// One entity linked into the program: its names, schema and relations, and
/// the storage operations that validation and `on_delete` run on it without
/// knowing its Rust type.
pub struct EntityInfo {
    /// The entity's name.
    pub name: &'static str,
    /// The Rust type (`module::Type`).
    pub rust_type: &'static str,
    /// Where its files live, relative to a store root.
    pub storage_path: &'static str,
    /// The primary-key column.
    pub primary_key: &'static str,
    /// The file format.
    pub format: Format,
    /// The relations it declares (it holds the foreign keys).
    pub relations: &'static [Relation],
    /// Its Arrow schema.
    pub schema: fn() -> SchemaRef,
    /// Its Avro schema as JSON.
    pub avro_schema: fn() -> serde_json::Value,
    pub(crate) scan: fn(&Store, &[&str]) -> Result<Columns>,
    pub(crate) delete_keys: fn(&Store, &[ArrayRef]) -> Result<usize>,
    pub(crate) set_null: fn(&Store, &str, &[ArrayRef]) -> Result<usize>,
}

impl EntityInfo {
    /// The description of `T` (`rust_type` names it). Generated code calls this.
    pub const fn of<T: Entity>(rust_type: &'static str) -> Self {
        Self {
            name: T::ENTITY_NAME,
            rust_type,
            storage_path: T::STORAGE_PATH,
            primary_key: T::PRIMARY_KEY,
            format: T::FORMAT,
            relations: T::RELATIONS,
            schema: <T as crate::Record>::arrow_schema,
            avro_schema: <T as crate::Record>::avro_schema_json,
            scan: crate::storage::scan::scan::<T>,
            delete_keys: crate::storage::cascade::delete_key_arrays::<T>,
            set_null: crate::storage::cascade::set_null::<T>,
        }
    }

    /// The relation declared on column `column`, if any.
    pub fn relation(&self, column: &str) -> Option<&'static Relation> {
        self.relations.iter().find(|r| r.column == column)
    }
}

impl std::fmt::Debug for EntityInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityInfo")
            .field("name", &self.name)
            .field("rust_type", &self.rust_type)
            .field("storage_path", &self.storage_path)
            .field("primary_key", &self.primary_key)
            .field("format", &self.format)
            .field("relations", &self.relations)
            .finish_non_exhaustive()
    }
}

inventory::collect!(EntityInfo);

/// Every entity linked into the program, sorted by name.
pub fn entities() -> Vec<&'static EntityInfo> {
    let mut all: Vec<&'static EntityInfo> = inventory::iter::<EntityInfo>.into_iter().collect();
    all.sort_by(|a, b| a.name.cmp(b.name).then(a.rust_type.cmp(b.rust_type)));
    all
}

/// The linked entity named `name` (the first by Rust type when two share it).
pub fn entity(name: &str) -> Option<&'static EntityInfo> {
    entities().into_iter().find(|e| e.name == name)
}

/// The relations of linked entities that reference entity `target`, with the
/// entity declaring each.
pub fn referencing(target: &str) -> Vec<(&'static EntityInfo, &'static Relation)> {
    entities()
        .into_iter()
        .flat_map(|e| e.relations.iter().map(move |r| (e, r)))
        .filter(|(_, r)| r.target == target)
        .collect()
}
