//! `when(..).then(..).otherwise(..)`: SQL's `CASE WHEN`.

use super::expr::{Expr, Node};

/// `CASE WHEN condition THEN value ... ELSE otherwise END`: the value of
/// the first branch whose condition holds (null counts as false).
///
/// ```
/// use parquetframe::engine::{col, lit, when};
///
/// // SQL: CASE WHEN p_type LIKE 'PROMO%' THEN price ELSE 0 END
/// let promo = when(col("p_type").like("PROMO%")).then(col("price")).otherwise(lit(0.0));
/// assert_eq!(promo.to_string(), "CASE WHEN p_type LIKE \"PROMO%\" THEN price ELSE 0 END");
/// ```
pub fn when(condition: impl Into<Expr>) -> When {
    When { branches: Vec::new(), condition: condition.into().0 }
}

/// A condition awaiting its value: [`When::then`].
#[must_use = "a `when` needs `.then(value)`"]
pub struct When {
    branches: Vec<(Node, Node)>,
    condition: Node,
}

/// Branches awaiting another [`Then::when`] or the [`Then::otherwise`] value.
#[must_use = "a `when(..).then(..)` needs `.otherwise(value)`"]
pub struct Then {
    branches: Vec<(Node, Node)>,
}

impl When {
    /// The value where the condition holds.
    pub fn then(mut self, value: impl Into<Expr>) -> Then {
        self.branches.push((self.condition, value.into().0));
        Then { branches: self.branches }
    }
}

impl Then {
    /// Another branch, tried when the ones before do not hold.
    pub fn when(self, condition: impl Into<Expr>) -> When {
        When { branches: self.branches, condition: condition.into().0 }
    }
    /// The value where no condition holds (`lit(None::<i64>)` for null).
    pub fn otherwise(self, value: impl Into<Expr>) -> Expr {
        Expr(Node::Case { branches: self.branches, otherwise: Box::new(value.into().0) })
    }
}
