//! Which column types can be a primary key.

use std::fmt::Debug;
use std::hash::Hash;

use super::Column;

/// A type that can be an entity's primary key (or a map key): never null,
/// with a total order and a hash.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a primary key",
    label = "this type cannot be a key",
    note = "keys are integers (i8..i64, u8..u64), String, chrono NaiveDate / NaiveDateTime / \
            DateTime<Utc>, or uuid::Uuid; never Option, floats, lists or maps"
)]
pub trait Key: Column + Clone + Eq + Ord + Hash + Debug {}

macro_rules! keys {
    ($($t:ty),*) => {$( impl Key for $t {} )*};
}

keys!(i8, i16, i32, i64, u8, u16, u32, u64, String);
keys!(chrono::NaiveDate, chrono::NaiveDateTime, chrono::DateTime<chrono::Utc>);
#[cfg(feature = "uuid")]
keys!(uuid::Uuid);
