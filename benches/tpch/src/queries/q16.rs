//! Q16, parts/supplier relationship: NOT IN is an anti join.

use parquetframe::prelude::*;

use super::Api;
use crate::entities::{Part, PartSupp, Supplier};

pub(super) const API: Api = Api::Mixed("NOT IN is an untyped anti join");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let complaints = store
        .query::<Supplier>()
        .filter(Supplier::S_COMMENT.like("%Customer%Complaints%"))
        .proxy()
        .select([col("s_suppkey")]);
    Ok(store
        .query::<PartSupp>()
        .join::<Part>()?
        .filter(Part::P_BRAND.ne("Brand#45"))
        .filter(Part::P_TYPE.not_like("MEDIUM POLISHED%"))
        .filter(Part::P_SIZE.is_in([49, 14, 23, 45, 19, 3, 36, 9]))
        .proxy()
        .join(complaints, ["ps_suppkey"], ["s_suppkey"], JoinKind::Anti)
        .group_by([col("p_brand"), col("p_type"), col("p_size")])
        .agg([col("ps_suppkey").count_distinct().alias("supplier_cnt")])
        .sort([col("supplier_cnt").desc(), col("p_brand").asc(), col("p_type").asc(), col("p_size").asc()]))
}
