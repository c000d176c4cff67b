//! The README's main example: derive entities, look at their Arrow schema,
//! convert rows to a RecordBatch and back, and see what a bad batch reports.
//!
//! `cargo run --release --example quickstart`

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use chrono::{DateTime, Utc};
use parquetframe::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "users/", primary_key = "user_id")]
pub struct User {
    pub user_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub signup: DateTime<Utc>,
    pub address: Address,
    pub plan: Plan,
    pub tags: Vec<String>,
}

#[derive(Record, Debug, Clone, PartialEq)]
pub struct Address {
    pub city: String,
    pub zip: Option<String>,
}

#[derive(Record, Debug, Clone, Copy, PartialEq)]
pub enum Plan {
    Free,
    Pro,
}

fn main() -> parquetframe::Result<()> {
    let signup = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let users = vec![
        User {
            user_id: 1,
            name: "Ada".into(),
            email: Some("ada@example.org".into()),
            age: 36,
            signup,
            address: Address { city: "London".into(), zip: None },
            plan: Plan::Pro,
            tags: vec!["math".into(), "engines".into()],
        },
        User {
            user_id: 2,
            name: "Grace".into(),
            email: None,
            age: 45,
            signup,
            address: Address { city: "New York".into(), zip: Some("10001".into()) },
            plan: Plan::Free,
            tags: vec![],
        },
    ];

    println!(
        "entity `{}` stored under `{}` as {}, key `{}`",
        <User as Entity>::ENTITY_NAME,
        <User as Entity>::STORAGE_PATH,
        <User as Entity>::FORMAT,
        <User as Entity>::PRIMARY_KEY
    );
    println!("\nArrow schema:");
    for field in User::arrow_schema().fields() {
        println!(
            "  {:<8} {}{}",
            field.name(),
            field.data_type(),
            if field.is_nullable() { " (nullable)" } else { "" }
        );
    }

    let batch = User::to_record_batch(&users)?;
    println!("\nto_record_batch: {} rows x {} columns", batch.num_rows(), batch.num_columns());
    let back = User::from_record_batch(&batch)?;
    assert_eq!(back, users);
    println!("from_record_batch: {} users, equal to the originals", back.len());
    println!("typed column handle: User::AGE -> column `{}`", User::AGE.name());

    // A batch from another writer that does not match the struct: a clear error, no panic.
    let foreign = RecordBatch::try_from_iter([
        ("user_id", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ("name", Arc::new(StringArray::from(vec![Some("x")])) as ArrayRef),
        ("age", Arc::new(StringArray::from(vec!["thirty"])) as ArrayRef),
    ])
    .map_err(|source| parquetframe::Error::Arrow { context: "example batch".into(), source })?;
    match User::from_record_batch(&foreign) {
        Ok(_) => println!("\nunexpected: the foreign batch loaded"),
        Err(e) => println!("\nreading a foreign batch fails clearly:\n  {e}"),
    }
    Ok(())
}
