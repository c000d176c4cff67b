//! Q11, important stock identification: HAVING against a scalar subquery.

use parquetframe::prelude::*;

use super::Api;
use crate::entities::{Nation, PartSupp, Supplier};

pub(super) const API: Api = Api::Mixed("the subquery's sum scaled by a constant is untyped");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let german = || -> Result<_> {
        Ok(store
            .query::<PartSupp>()
            .join::<Supplier>()?
            .join::<Nation>()?
            .filter(Nation::N_NAME.eq("GERMANY")))
    };
    let value = || PartSupp::PS_SUPPLYCOST * PartSupp::PS_AVAILQTY.cast::<f64>();
    let total: Expr = value().sum().into();
    let threshold = german()?.proxy().select([(total * lit(0.0001)).alias("threshold")]).scalar();
    Ok(german()?
        .group_by([PartSupp::PS_PARTKEY])
        .proxy([value().sum().alias("value")])
        .filter(col("value").gt(threshold))
        .sort([col("value").desc()]))
}
