//! Q17, small-quantity-order revenue: the correlated average (per part) is
//! a group-by joined back on the part, over the line items of the chosen
//! parts only (the average of a part's quantity needs its lines alone).

use parquetframe::engine::{Joined, Query};
use parquetframe::prelude::*;

use super::Api;
use crate::entities::{LineItem, Part};

pub(super) const API: Api = Api::Mixed("the correlated average is a group-by joined back");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let chosen = || -> Result<Query<Joined<LineItem, Part>>> {
        Ok(store
            .query::<LineItem>()
            .join::<Part>()?
            .filter(Part::P_BRAND.eq("Brand#23"))
            .filter(Part::P_CONTAINER.eq("MED BOX")))
    };
    let small = chosen()?
        .group_by([LineItem::L_PARTKEY])
        .proxy([LineItem::L_QUANTITY.mean().alias("avg_qty")])
        .select([col("l_partkey").alias("avg_partkey"), (lit(0.2) * col("avg_qty")).alias("small_qty")]);
    Ok(chosen()?
        .proxy()
        .join(small, ["l_partkey"], ["avg_partkey"], JoinKind::Inner)
        .filter(col("l_quantity").lt(col("small_qty")))
        .select([(col("l_extendedprice").sum() / lit(7.0)).alias("avg_yearly")]))
}
