//! Q13, customer distribution: a left join counted twice over.

use parquetframe::engine::len;
use parquetframe::prelude::*;

use super::Api;
use crate::entities::{Customer, Orders};

pub(super) const API: Api = Api::Mixed("the left join carries a filter of the right side only");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let orders = store
        .query::<Orders>()
        .filter(Orders::O_COMMENT.not_like("%special%requests%"))
        .proxy()
        .select([col("o_custkey"), col("o_orderkey")]);
    Ok(store
        .query::<Customer>()
        .proxy()
        .select([col("c_custkey")])
        .join(orders, ["c_custkey"], ["o_custkey"], JoinKind::Left)
        .group_by([col("c_custkey")])
        .agg([col("o_orderkey").count().alias("c_count")])
        .group_by([col("c_count")])
        .agg([len().alias("custdist")])
        .sort([col("custdist").desc(), col("c_count").desc()]))
}
