//! Q1, pricing summary report: one scan of lineitem, eight aggregates.

use parquetframe::engine::len;
use parquetframe::prelude::*;

use super::{Api, date};
use crate::entities::LineItem;

pub(super) const API: Api = Api::Typed;

pub(super) fn query(store: &Store) -> Result<DataFrameProxy> {
    let disc_price = LineItem::L_EXTENDEDPRICE * (1.0 - LineItem::L_DISCOUNT);
    let charge = LineItem::L_EXTENDEDPRICE * (1.0 - LineItem::L_DISCOUNT) * (1.0 + LineItem::L_TAX);
    Ok(store
        .query::<LineItem>()
        // DATE '1998-12-01' - INTERVAL '90' DAY
        .filter(LineItem::L_SHIPDATE.le(date(1998, 9, 2)))
        .group_by([LineItem::L_RETURNFLAG, LineItem::L_LINESTATUS])
        .proxy([
            LineItem::L_QUANTITY.sum().alias("sum_qty").into(),
            LineItem::L_EXTENDEDPRICE.sum().alias("sum_base_price").into(),
            disc_price.sum().alias("sum_disc_price").into(),
            charge.sum().alias("sum_charge").into(),
            LineItem::L_QUANTITY.mean().alias("avg_qty").into(),
            LineItem::L_EXTENDEDPRICE.mean().alias("avg_price").into(),
            LineItem::L_DISCOUNT.mean().alias("avg_disc").into(),
            len().alias("count_order"),
        ] as [Expr; 8])
        .sort([col("l_returnflag"), col("l_linestatus")]))
}
