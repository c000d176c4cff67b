//! Q5, local supplier volume. Customer and supplier must share the nation:
//! the suppliers of the region's nations are found first, their lines
//! joined to the year's orders, and the customer joined on its key and the
//! supplier's nation at once (untyped joins, in that order).

use parquetframe::prelude::*;

use super::{Api, date, disc_price};
use crate::entities::{Customer, LineItem, Nation, Orders, Region, Supplier};

pub(super) const API: Api =
    Api::Mixed("the customer joined on two columns (its key and the supplier's nation)");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let asia = store
        .query::<Nation>()
        .join::<Region>()?
        .filter(Region::R_NAME.eq("ASIA"))
        .proxy()
        .select([col("n_nationkey"), col("n_name")]);
    // The suppliers of Asian nations first: the lines of the others never
    // meet the orders.
    let suppliers = store
        .query::<Supplier>()
        .proxy()
        .join(asia, ["s_nationkey"], ["n_nationkey"], JoinKind::Inner)
        .select([col("s_suppkey"), col("s_nationkey"), col("n_name")]);
    let orders = store
        .query::<Orders>()
        .filter(Orders::O_ORDERDATE.ge(date(1994, 1, 1)))
        .filter(Orders::O_ORDERDATE.lt(date(1995, 1, 1)))
        .proxy()
        .select([col("o_orderkey"), col("o_custkey")]);
    let customers = store.query::<Customer>().proxy().select([col("c_custkey"), col("c_nationkey")]);
    Ok(store
        .query::<LineItem>()
        .proxy()
        .join(suppliers, ["l_suppkey"], ["s_suppkey"], JoinKind::Inner)
        .join(orders, ["l_orderkey"], ["o_orderkey"], JoinKind::Inner)
        // The customer of the supplier's nation: one join on both columns.
        .join(customers, ["o_custkey", "s_nationkey"], ["c_custkey", "c_nationkey"], JoinKind::Inner)
        .group_by([col("n_name")])
        .agg([disc_price().sum().alias("revenue")])
        .sort([col("revenue").desc()]))
}
