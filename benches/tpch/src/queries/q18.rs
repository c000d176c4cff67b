//! Q18, large volume customer: IN a HAVING subquery is a semi join.

use parquetframe::prelude::*;

use super::Api;
use crate::entities::{Customer, LineItem, Orders};

pub(super) const API: Api = Api::Mixed("IN (subquery) is an untyped semi join");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let large = store
        .query::<LineItem>()
        .group_by([LineItem::L_ORDERKEY])
        .proxy([LineItem::L_QUANTITY.sum().alias("quantity")])
        .filter(col("quantity").gt(lit(300.0)))
        .select([col("l_orderkey").alias("large_orderkey")]);
    Ok(store
        .query::<LineItem>()
        .join::<Orders>()?
        .join::<Customer>()?
        .proxy()
        .join(large, ["l_orderkey"], ["large_orderkey"], JoinKind::Semi)
        .group_by([
            col("c_name"),
            col("o_custkey"),
            col("l_orderkey"),
            col("o_orderdate"),
            col("o_totalprice"),
        ])
        .agg([col("l_quantity").sum().alias("sum(l_quantity)")])
        .sort([col("o_totalprice").desc(), col("o_orderdate").asc()])
        .limit(100)
        .select([
            col("c_name"),
            col("o_custkey").alias("c_custkey"),
            col("l_orderkey").alias("o_orderkey"),
            col("o_orderdate"),
            col("o_totalprice"),
            col("sum(l_quantity)"),
        ]))
}
