//! Q18, large volume customer. The IN (HAVING) subquery already sums each
//! order's quantity, which is the query's `sum(l_quantity)` (one order has
//! one customer, date and price): the large orders are joined to their
//! orders and then to their customers (a few hundred rows each time), and
//! the line items are read once.

use parquetframe::prelude::*;

use super::Api;
use crate::entities::{Customer, LineItem, Orders};

pub(super) const API: Api = Api::Mixed("the IN (HAVING) subquery is the driving group-by, joined untyped");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let large = store
        .query::<LineItem>()
        .group_by([LineItem::L_ORDERKEY])
        .proxy([LineItem::L_QUANTITY.sum().alias("sum(l_quantity)")])
        .filter(col("sum(l_quantity)").gt(lit(300.0)));
    // The few large orders meet the orders first, then their customers: the
    // customers are not joined to every order.
    let orders = store.query::<Orders>().proxy();
    let customers = store.query::<Customer>().proxy().select([col("c_custkey"), col("c_name")]);
    Ok(large
        .join(orders, ["l_orderkey"], ["o_orderkey"], JoinKind::Inner)
        .join(customers, ["o_custkey"], ["c_custkey"], JoinKind::Inner)
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
