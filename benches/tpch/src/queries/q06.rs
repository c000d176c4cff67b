//! Q6, forecasting revenue change: filters and one sum.

use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::LineItem;

pub(super) const API: Api = Api::Typed;

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    Ok(store
        .query::<LineItem>()
        .filter(LineItem::L_SHIPDATE.ge(date(1994, 1, 1)))
        .filter(LineItem::L_SHIPDATE.lt(date(1995, 1, 1)))
        .filter(LineItem::L_DISCOUNT.between(0.05, 0.07))
        .filter(LineItem::L_QUANTITY.lt(24.0))
        .proxy()
        .select([(LineItem::L_EXTENDEDPRICE * LineItem::L_DISCOUNT).sum().alias("revenue")]))
}
