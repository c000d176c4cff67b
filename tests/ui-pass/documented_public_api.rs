//! Generated items pass `deny(missing_docs)` and the common lints.
#![deny(missing_docs, unreachable_pub, unused_qualifications)]

use parquetframe::prelude::*;

/// A user.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    /// Key.
    pub user_id: i64,
    /// Address.
    pub address: Address,
    /// Plan.
    pub plan: Plan,
}

/// An address.
#[derive(Record, Debug, Clone, PartialEq)]
pub struct Address {
    /// City.
    pub city: String,
}

/// A plan.
#[derive(Record, Debug, Clone, Copy, PartialEq)]
#[record(dictionary)]
pub enum Plan {
    /// Free.
    Free,
    /// Paid.
    Paid,
}

fn main() {}
