//! Q7, volume shipping. The nation is joined twice (the supplier's and the
//! customer's): untyped, with each copy's columns renamed.

use parquetframe::prelude::*;

use super::{Api, date, disc_price};
use crate::entities::{Customer, LineItem, Nation, Orders, Supplier};

pub(super) const API: Api = Api::Mixed("the nation table is joined twice");

pub(super) fn nations(store: &Store, side: &str) -> DataFrameProxy {
    store.query::<Nation>().proxy().select([
        col("n_nationkey").alias(format!("{side}_nationkey")),
        col("n_name").alias(format!("{side}_nation")),
    ])
}

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let pair = |a: &str, b: &str| col("supp_nation").eq(lit(a)).and(col("cust_nation").eq(lit(b)));
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPDATE.between(date(1995, 1, 1), date(1996, 12, 31)))
        .join::<Supplier>()?
        .join::<Orders>()?
        .join::<Customer>()?
        .proxy()
        .join(nations(store, "supp"), ["s_nationkey"], ["supp_nationkey"], JoinKind::Inner)
        .join(nations(store, "cust"), ["c_nationkey"], ["cust_nationkey"], JoinKind::Inner)
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
