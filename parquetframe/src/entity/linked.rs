//! Every entity and relation linked into the program, known at run time
//! without registration: `#[derive(Entity)]` submits an [`EntityInfo`] through
//! [`inventory`], and [`entities`] lists them. The descriptions hold no
//! storage operations: the store registers its own
//! ([`storage::erased`](crate::storage::erased)).

use arrow::datatypes::SchemaRef;

use super::Entity;
use super::relation::Relation;
use crate::config::Format;

/// One entity linked into the program: its names, schema and relations.
#[non_exhaustive]
pub struct EntityInfo {
    /// The entity's name.
    pub name: &'static str,
    /// The Rust type (`module::Type`).
    pub rust_type: &'static str,
    /// Where its files live, relative to a store root.
    pub storage_path: &'static str,
    /// The primary key: its column, or `(a, b)` for a composite key.
    pub primary_key: &'static str,
    /// The primary key's columns.
    pub key_columns: &'static [&'static str],
    /// The file format.
    pub format: Format,
    /// The relations it declares (it holds the foreign keys).
    pub relations: &'static [Relation],
    /// Its Arrow schema.
    pub schema: fn() -> SchemaRef,
    /// Its Avro schema as JSON.
    pub avro_schema: fn() -> serde_json::Value,
}

impl EntityInfo {
    /// The description of `T` (`rust_type` names it). Generated code calls this.
    pub const fn of<T: Entity>(rust_type: &'static str) -> Self {
        Self {
            name: T::ENTITY_NAME,
            rust_type,
            storage_path: T::STORAGE_PATH,
            primary_key: T::PRIMARY_KEY,
            key_columns: T::KEY_COLUMNS,
            format: T::FORMAT,
            relations: T::RELATIONS,
            schema: <T as crate::record::Record>::arrow_schema,
            avro_schema: <T as crate::record::Record>::avro_schema_json,
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
            .finish()
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
