//! Q5, local supplier volume. Customer and supplier must share the nation:
//! a comparison of two entities' columns, and the nation joined on it.

use parquetframe::prelude::*;

use super::{Api, date, disc_price};
use crate::entities::{Customer, LineItem, Nation, Orders, Region, Supplier};

pub(super) const API: Api =
    Api::Mixed("customer and supplier nations compared, then the nation joined on both");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let asia = store
        .query::<Nation>()
        .join::<Region>()?
        .filter(Region::R_NAME.eq("ASIA"))
        .proxy()
        .select([col("n_nationkey"), col("n_name")]);
    Ok(store
        .query::<LineItem>()
        .join::<Supplier>()?
        .join::<Orders>()?
        .filter(Orders::O_ORDERDATE.ge(date(1994, 1, 1)))
        .filter(Orders::O_ORDERDATE.lt(date(1995, 1, 1)))
        .join::<Customer>()?
        .proxy()
        .filter(col("c_nationkey").eq(col("s_nationkey")))
        .join(asia, ["s_nationkey"], ["n_nationkey"], JoinKind::Inner)
        .group_by([col("n_name")])
        .agg([disc_price().sum().alias("revenue")])
        .sort([col("revenue").desc()]))
}
