//! Relations between entities: what `#[relation(Target, inverse = "...")]`
//! declares, and the types a foreign-key field may have (or, for a relation
//! over several columns, the fields together).

use super::PrimaryKey;
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

/// A foreign key declared with `#[relation(Target, inverse = "...")]` on a
/// field, or with `#[relation(Target, columns = ["a", "b"], ...)]` on the
/// struct for a key over several columns (a reference to a composite key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    /// The forward navigation method (`order.user()`): the field name without
    /// `_id`, or `name = "..."`.
    pub name: &'static str,
    /// The foreign-key column of the referencing entity; for a key over
    /// several columns, their names as `(a, b)` (what reports and the graph
    /// show; the columns themselves are [`columns`](Self::columns)).
    pub column: &'static str,
    /// The foreign-key columns, in the order of the target's key columns:
    /// one, or several for a reference to a composite key.
    pub columns: &'static [&'static str],
    /// The referenced entity's name.
    pub target: &'static str,
    /// The referenced entity's primary key: its column, or `(a, b)`.
    pub target_key: &'static str,
    /// The referenced entity's key columns, matching [`columns`](Self::columns) one to one.
    pub target_columns: &'static [&'static str],
    /// The inverse navigation method on the target (`user.orders()`).
    pub inverse: &'static str,
    /// Whether every row must reference a parent (the field is not an `Option`).
    pub required: bool,
    /// What deleting a parent does to referencing rows.
    pub on_delete: OnDelete,
}

impl Relation {
    /// Whether the foreign key spans several columns.
    pub const fn is_composite(&self) -> bool {
        self.columns.len() > 1
    }
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

/// The fields of a foreign key over several columns, taken together: a tuple
/// of what [`ForeignKey::referenced`] gives for each field, which yields the
/// target's composite key when no part is null. Implemented for tuples of two
/// to four parts; generated code uses it, and a mismatch of the fields'
/// types against the target's key is reported through it when it compiles.
#[diagnostic::on_unimplemented(
    message = "the foreign-key columns do not match the primary key `{K}` of the relation's target",
    label = "these fields, taken in order, must have the target's key types",
    note = "`columns = [...]` lists one field per column of the target's primary key, in key order; each \
            field has that column's type, or an `Option` of it"
)]
pub trait ForeignKeyParts<K: PrimaryKey> {
    /// The referenced key, `None` when any part is null.
    fn key(self) -> Option<K>;
}

macro_rules! foreign_key_parts {
    ($($t:ident $i:tt),+) => {
        impl<'a, $($t: Key),+> ForeignKeyParts<($($t,)+)> for ($(Option<&'a $t>,)+) {
            #[inline]
            fn key(self) -> Option<($($t,)+)> {
                Some(($(self.$i?.clone(),)+))
            }
        }
    };
}

foreign_key_parts!(A 0, B 1);
foreign_key_parts!(A 0, B 1, C 2);
foreign_key_parts!(A 0, B 1, C 2, D 3);
