//! The 8 TPC-H tables as entities, with the spec's column names and their
//! foreign keys as relations.
//!
//! Money and quantities are `f64` (as the polars and DataFusion TPC-H
//! suites store them), dates `NaiveDate` (Arrow Date32), text `String`.
//! `lineitem` and `partsupp` have composite keys. The spec's composite
//! foreign key `lineitem (l_partkey, l_suppkey) -> partsupp` is a relation
//! over both columns, declared on the struct; its single-column halves
//! (`-> part`, `-> supplier`) are relations too.

use chrono::NaiveDate;
use parquetframe::prelude::*;

/// REGION: 5 rows.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "region/", primary_key = "r_regionkey")]
pub struct Region {
    pub r_regionkey: i64,
    pub r_name: String,
    pub r_comment: String,
}

/// NATION: 25 rows.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "nation/", primary_key = "n_nationkey")]
pub struct Nation {
    pub n_nationkey: i64,
    pub n_name: String,
    #[relation(Region, name = "region", inverse = "nations")]
    pub n_regionkey: i64,
    pub n_comment: String,
}

/// PART: 200,000 rows per unit of scale.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "part/", primary_key = "p_partkey")]
pub struct Part {
    pub p_partkey: i64,
    pub p_name: String,
    pub p_mfgr: String,
    pub p_brand: String,
    pub p_type: String,
    pub p_size: i32,
    pub p_container: String,
    pub p_retailprice: f64,
    pub p_comment: String,
}

/// SUPPLIER: 10,000 rows per unit of scale.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "supplier/", primary_key = "s_suppkey")]
pub struct Supplier {
    pub s_suppkey: i64,
    pub s_name: String,
    pub s_address: String,
    #[relation(Nation, name = "nation", inverse = "suppliers")]
    pub s_nationkey: i64,
    pub s_phone: String,
    pub s_acctbal: f64,
    pub s_comment: String,
}

/// PARTSUPP: 800,000 rows per unit of scale; the key is (part, supplier).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "partsupp/", primary_key = ["ps_partkey", "ps_suppkey"])]
pub struct PartSupp {
    #[relation(Part, name = "part", inverse = "partsupps")]
    pub ps_partkey: i64,
    #[relation(Supplier, name = "supplier", inverse = "partsupps")]
    pub ps_suppkey: i64,
    pub ps_availqty: i32,
    pub ps_supplycost: f64,
    pub ps_comment: String,
}

/// CUSTOMER: 150,000 rows per unit of scale.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "customer/", primary_key = "c_custkey")]
pub struct Customer {
    pub c_custkey: i64,
    pub c_name: String,
    pub c_address: String,
    #[relation(Nation, name = "nation", inverse = "customers")]
    pub c_nationkey: i64,
    pub c_phone: String,
    pub c_acctbal: f64,
    pub c_mktsegment: String,
    pub c_comment: String,
}

/// ORDERS: 1,500,000 rows per unit of scale.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "orders/", primary_key = "o_orderkey")]
pub struct Orders {
    pub o_orderkey: i64,
    #[relation(Customer, name = "customer", inverse = "orders")]
    pub o_custkey: i64,
    pub o_orderstatus: String,
    pub o_totalprice: f64,
    pub o_orderdate: NaiveDate,
    pub o_orderpriority: String,
    pub o_clerk: String,
    pub o_shippriority: i32,
    pub o_comment: String,
}

/// LINEITEM: about 6,000,000 rows per unit of scale; the key is (order, line).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(storage_path = "lineitem/", primary_key = ["l_orderkey", "l_linenumber"])]
#[relation(PartSupp, columns = ["l_partkey", "l_suppkey"], name = "partsupp", inverse = "lineitems")]
pub struct LineItem {
    #[relation(Orders, name = "order", inverse = "lineitems")]
    pub l_orderkey: i64,
    #[relation(Part, name = "part", inverse = "lineitems")]
    pub l_partkey: i64,
    #[relation(Supplier, name = "supplier", inverse = "lineitems")]
    pub l_suppkey: i64,
    pub l_linenumber: i32,
    pub l_quantity: f64,
    pub l_extendedprice: f64,
    pub l_discount: f64,
    pub l_tax: f64,
    pub l_returnflag: String,
    pub l_linestatus: String,
    pub l_shipdate: NaiveDate,
    pub l_commitdate: NaiveDate,
    pub l_receiptdate: NaiveDate,
    pub l_shipinstruct: String,
    pub l_shipmode: String,
    pub l_comment: String,
}
