//! Q9, product type profit measure: partsupp joins lineitem on (part,
//! supplier). A typed hop to partsupp would be ambiguous here (lineitem
//! holds a key to it, and partsupp holds keys to the joined part and
//! supplier), so that join is untyped.

use parquetframe::prelude::*;

use super::{Api, disc_price};
use crate::entities::{LineItem, Nation, Orders, Part, Supplier};

pub(super) const API: Api = Api::Mixed("the hop to partsupp is ambiguous after part and supplier");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let supply = store.query::<crate::entities::PartSupp>().proxy().select([
        col("ps_partkey"),
        col("ps_suppkey"),
        col("ps_supplycost"),
    ]);
    Ok(store
        .query::<LineItem>()
        .join::<Part>()?
        .filter(Part::P_NAME.like("%green%"))
        .join::<Supplier>()?
        .join::<Nation>()?
        .join::<Orders>()?
        .proxy()
        .join(supply, ["l_partkey", "l_suppkey"], ["ps_partkey", "ps_suppkey"], JoinKind::Inner)
        .select([
            col("n_name").alias("nation"),
            col("o_orderdate").year().alias("o_year"),
            (disc_price() - col("ps_supplycost") * col("l_quantity")).alias("amount"),
        ])
        .group_by([col("nation"), col("o_year")])
        .agg([col("amount").sum().alias("sum_profit")])
        .sort([col("nation").asc(), col("o_year").desc()]))
}
