//! Relations between entities: what `#[relation(Target, inverse = "...")]`
//! declares, and the types a foreign-key field may have.

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

/// Marks that `Self` holds a foreign key to `Target`: the derive implements
/// it once per entity a `#[relation]` names, so a typed join along a
/// relation is checked when it compiles (see `engine::Reaches`).
pub trait HoldsKeyTo<Target> {}
