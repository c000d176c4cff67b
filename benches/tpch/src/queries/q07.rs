//! Q7, volume shipping. The nation is joined twice (the supplier's and the
//! customer's): untyped, with each copy's columns renamed. Either nation
//! pair puts both nations among France and Germany, so suppliers and
//! customers are narrowed to those first and joined to the lines from
//! there (untyped joins, in that order).

use parquetframe::prelude::*;

use super::{Api, date, disc_price};
use crate::entities::{Customer, LineItem, Nation, Orders, Supplier};

pub(super) const API: Api = Api::Mixed("the nation table is joined twice, each side narrowed first");

pub(super) fn nations(store: &Store, side: &str) -> DataFrameProxy {
    store.query::<Nation>().proxy().select([
        col("n_nationkey").alias(format!("{side}_nationkey")),
        col("n_name").alias(format!("{side}_nation")),
    ])
}

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let pair = |a: &str, b: &str| col("supp_nation").eq(lit(a)).and(col("cust_nation").eq(lit(b)));
    // Either pair puts both nations among these two: the suppliers and the
    // customers of other nations are dropped before they meet the lines.
    let of_two =
        |side: &str| nations(store, side).filter(col(format!("{side}_nation")).is_in(["FRANCE", "GERMANY"]));
    let suppliers = store
        .query::<Supplier>()
        .proxy()
        .join(of_two("supp"), ["s_nationkey"], ["supp_nationkey"], JoinKind::Inner)
        .select([col("s_suppkey"), col("supp_nation")]);
    let customers = store
        .query::<Customer>()
        .proxy()
        .join(of_two("cust"), ["c_nationkey"], ["cust_nationkey"], JoinKind::Inner)
        .select([col("c_custkey"), col("cust_nation")]);
    let orders = store.query::<Orders>().proxy().select([col("o_orderkey"), col("o_custkey")]);
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPDATE.between(date(1995, 1, 1), date(1996, 12, 31)))
        .proxy()
        .join(suppliers, ["l_suppkey"], ["s_suppkey"], JoinKind::Inner)
        .join(orders, ["l_orderkey"], ["o_orderkey"], JoinKind::Inner)
        .join(customers, ["o_custkey"], ["c_custkey"], JoinKind::Inner)
        .filter(pair("FRANCE", "GERMANY").or(pair("GERMANY", "FRANCE")))
        .select([
            col("supp_nation"),
            col("cust_nation"),
            col("l_shipdate").year().alias("l_year"),
            disc_price().alias("volume"),
        ])
        .group_by([col("supp_nation"), col("cust_nation"), col("l_year")])
        .agg([col("volume").sum().alias("revenue")])
        .sort([col("supp_nation"), col("cust_nation"), col("l_year")]))
}
