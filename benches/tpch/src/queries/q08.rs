//! Q8, national market share: the nation twice again, and a CASE in a sum.

use parquetframe::prelude::*;

use super::{Api, date, disc_price};
use crate::entities::{Customer, LineItem, Nation, Orders, Part, Region, Supplier};

pub(super) const API: Api = Api::Mixed("the nation table is joined twice; CASE is untyped");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let america = store
        .query::<Nation>()
        .join::<Region>()?
        .filter(Region::R_NAME.eq("AMERICA"))
        .proxy()
        .select([col("n_nationkey").alias("cust_nationkey")]);
    let brazil = when(col("nation").eq(lit("BRAZIL"))).then(col("volume")).otherwise(lit(0.0));
    Ok(store
        .query::<LineItem>()
        .join::<Part>()?
        .filter(Part::P_TYPE.eq("ECONOMY ANODIZED STEEL"))
        .join::<Supplier>()?
        .join::<Orders>()?
        .filter(Orders::O_ORDERDATE.between(date(1995, 1, 1), date(1996, 12, 31)))
        .join::<Customer>()?
        .proxy()
        .join(america, ["c_nationkey"], ["cust_nationkey"], JoinKind::Inner)
        .join(super::q07::nations(store, "supp"), ["s_nationkey"], ["supp_nationkey"], JoinKind::Inner)
        .select([
            col("o_orderdate").year().alias("o_year"),
            disc_price().alias("volume"),
            col("supp_nation").alias("nation"),
        ])
        .group_by([col("o_year")])
        .agg([(brazil.sum() / col("volume").sum()).alias("mkt_share")])
        .sort([col("o_year")]))
}
