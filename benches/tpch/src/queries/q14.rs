//! Q14, promotion effect: a ratio of two sums, one of them over a CASE.

use parquetframe::prelude::*;

use super::{Api, date, disc_price};
use crate::entities::{LineItem, Part};

pub(super) const API: Api = Api::Mixed("CASE is untyped");

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let promo = when(col("p_type").like("PROMO%")).then(disc_price()).otherwise(lit(0.0));
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPDATE.ge(date(1995, 9, 1)))
        .filter(LineItem::L_SHIPDATE.lt(date(1995, 10, 1)))
        .join::<Part>()?
        .proxy()
        .select([(lit(100.0) * promo.sum() / disc_price().sum()).alias("promo_revenue")]))
}
