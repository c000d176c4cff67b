//! Q20, potential part promotion: nested IN subqueries are semi joins, and
//! the correlated sum (per part and supplier) a group-by joined back on
//! both columns.

use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::{LineItem, Nation, Part, PartSupp, Supplier};

pub(super) const API: Api =
    Api::Mixed("IN subqueries are semi joins; the correlated sum joins back on two columns");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let forest =
        store.query::<Part>().filter(Part::P_NAME.like("forest%")).proxy().select([col("p_partkey")]);
    let shipped = store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPDATE.ge(date(1994, 1, 1)))
        .filter(LineItem::L_SHIPDATE.lt(date(1995, 1, 1)))
        .group_by([LineItem::L_PARTKEY, LineItem::L_SUPPKEY])
        .proxy([LineItem::L_QUANTITY.sum().alias("quantity")])
        .select([
            col("l_partkey").alias("shipped_partkey"),
            col("l_suppkey").alias("shipped_suppkey"),
            (lit(0.5) * col("quantity")).alias("half"),
        ]);
    let candidates = store
        .query::<PartSupp>()
        .proxy()
        .join(forest, ["ps_partkey"], ["p_partkey"], JoinKind::Semi)
        .join(shipped, ["ps_partkey", "ps_suppkey"], ["shipped_partkey", "shipped_suppkey"], JoinKind::Inner)
        .filter(col("ps_availqty").cast(ScalarType::Float64).gt(col("half")))
        .select([col("ps_suppkey")]);
    Ok(store
        .query::<Supplier>()
        .join::<Nation>()?
        .filter(Nation::N_NAME.eq("CANADA"))
        .proxy()
        .join(candidates, ["s_suppkey"], ["ps_suppkey"], JoinKind::Semi)
        .select([col("s_name"), col("s_address")])
        .sort([col("s_name")]))
}
