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
            DateTime<Utc>, or uuid::Uuid; never Option, floats, lists or maps",
    note = "a #[relation] on a field references a primary key of one column; to reference a composite \
            key (a tuple), write #[relation(Target, columns = [\"a\", \"b\"], inverse = \"...\")] on \
            the struct"
)]
pub trait Key: Column + Clone + Eq + Ord + Hash + Debug {
    /// The key as a 64-bit integer, one-to-one, for integer keys (`None`
    /// otherwise): lets indexes over dense key ranges use arrays instead of hashing.
    fn dense_value(&self) -> Option<i64> {
        None
    }
}

macro_rules! keys {
    ($($t:ty),*) => {$( impl Key for $t {} )*};
}

macro_rules! integer_keys {
    ($($t:ty),*) => {$(
        impl Key for $t {
            #[inline]
            fn dense_value(&self) -> Option<i64> {
                // `as` is one-to-one here: sign-extension, or u64's bits reinterpreted.
                Some(*self as i64)
            }
        }
    )*};
}

integer_keys!(i8, i16, i32, i64, u8, u16, u32, u64);
keys!(String);
keys!(chrono::NaiveDate, chrono::NaiveDateTime, chrono::DateTime<chrono::Utc>);
#[cfg(feature = "uuid")]
keys!(uuid::Uuid);
