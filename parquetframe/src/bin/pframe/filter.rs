//! `--filter`: a small predicate language parsed into parquetframe
//! expressions, so that filters run on the chosen engine with pushdown.
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := operand (op operand | "in" "(" literal, .. ")" | "is" ["not"] "null")?
//! operand := column | literal | "(" expr ")"
//! ```

use parquetframe::engine::Literal;
use parquetframe::{Expr, col, lit};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Number(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

fn tokens(text: &str) -> Result<Vec<(usize, Token)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((start, Token::Open));
                i += 1;
            }
            ')' => {
                out.push((start, Token::Close));
                i += 1;
            }
            ',' => {
                out.push((start, Token::Comma));
                i += 1;
            }
            '\'' | '"' => {
                let quote = c;
                i += 1;
                let mut value = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(format!("unclosed quote at {start}")),
                        Some(&q) if q == quote && chars.get(i + 1) == Some(&quote) => {
                            value.push(quote);
                            i += 2;
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            value.push(other);
                            i += 1;
                        }
                    }
                }
                out.push((start, Token::Quoted(value)));
            }
            '=' | '!' | '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('=', Some('=')) => ("==", 2),
                    ('=', _) => ("==", 1),
                    ('!', Some('=')) => ("!=", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('<', Some('>')) => ("!=", 2),
                    ('<', _) => ("<", 1),
                    ('>', Some('=')) => (">=", 2),
                    ('>', _) => (">", 1),
                    _ => {
                        return Err(format!(
                            "unexpected `{c}` at {start}; comparisons are ==, !=, <, <=, >, >="
                        ));
                    }
                };
                out.push((start, Token::Op(op)));
                i += len;
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '.') && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let mut value = String::new();
                while let Some(&d) = chars.get(i) {
                    if d.is_ascii_alphanumeric()
                        || d == '.'
                        || ((d == '-' || d == '+') && (value.is_empty() || value.ends_with(['e', 'E'])))
                    {
                        value.push(d);
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push((start, Token::Number(value)));
            }
            c if c.is_alphanumeric() || c == '_' || c == '`' => {
                let mut value = String::new();
                if c == '`' {
                    i += 1;
                    while let Some(&d) = chars.get(i) {
                        i += 1;
                        if d == '`' {
                            break;
                        }
                        value.push(d);
                    }
                    out.push((start, Token::Quoted(format!("\u{0}{value}"))));
                    continue;
                }
                while let Some(&d) = chars.get(i) {
                    if d.is_alphanumeric() || d == '_' || d == '.' {
                        value.push(d);
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push((start, Token::Word(value)));
            }
            other => return Err(format!("unexpected `{other}` at {start}")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    len: usize,
}

/// A literal or a column.
enum Operand {
    Column(String),
    Value(Literal),
    Expr(Expr),
}

impl Operand {
    fn expr(self) -> Expr {
        match self {
            Operand::Column(name) => col(name),
            Operand::Value(v) => lit(v),
            Operand::Expr(e) => e,
        }
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.len, |(p, _)| *p)
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &Token, what: &str) -> Result<(), String> {
        if self.peek() == Some(token) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected {what} at {}", self.position()))
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = left.or(self.and()?);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.not()?;
        while self.keyword("and") {
            left = left.and(self.not()?);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            return Ok(self.not()?.not());
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, String> {
        let left = self.operand()?;
        if self.keyword("is") {
            let negated = self.keyword("not");
            if !self.keyword("null") {
                return Err(format!("expected `null` after `is` at {}", self.position()));
            }
            let e = left.expr();
            return Ok(if negated { e.is_not_null() } else { e.is_null() });
        }
        if self.keyword("in") {
            self.expect(&Token::Open, "`(` after `in`")?;
            let mut values = Vec::new();
            loop {
                match self.operand()? {
                    Operand::Value(v) => values.push(v),
                    _ => return Err(format!("`in (..)` takes literals, at {}", self.position())),
                }
                if self.peek() == Some(&Token::Comma) {
                    self.at += 1;
                } else {
                    break;
                }
            }
            self.expect(&Token::Close, "`)` closing `in (..)`")?;
            return Ok(left.expr().is_in(values));
        }
        let Some(Token::Op(op)) = self.peek().cloned() else {
            return match left {
                Operand::Column(name) => Ok(col(name)),
                Operand::Expr(e) => Ok(e),
                Operand::Value(_) => Err(format!("a literal alone is not a filter, at {}", self.position())),
            };
        };
        self.at += 1;
        let (l, r) = (left.expr(), self.operand()?.expr());
        Ok(match op {
            "==" => l.eq(r),
            "!=" => l.ne(r),
            "<" => l.lt(r),
            "<=" => l.le(r),
            ">" => l.gt(r),
            _ => l.ge(r),
        })
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let position = self.position();
        let Some(token) = self.peek().cloned() else {
            return Err(format!("the filter ends early, at {position}"));
        };
        self.at += 1;
        Ok(match token {
            Token::Open => {
                let e = self.or()?;
                self.expect(&Token::Close, "`)`")?;
                Operand::Expr(e)
            }
            Token::Quoted(s) => match s.strip_prefix('\u{0}') {
                Some(column) => Operand::Column(column.to_owned()),
                None => Operand::Value(Literal::Str(s)),
            },
            Token::Number(n) => {
                Operand::Value(number(&n).ok_or_else(|| format!("`{n}` is not a number, at {position}"))?)
            }
            Token::Word(w) if w.eq_ignore_ascii_case("true") => Operand::Value(Literal::Bool(true)),
            Token::Word(w) if w.eq_ignore_ascii_case("false") => Operand::Value(Literal::Bool(false)),
            Token::Word(w) if w.eq_ignore_ascii_case("null") => Operand::Value(Literal::Null),
            Token::Word(w) => Operand::Column(w),
            other => return Err(format!("unexpected {other:?} at {position}")),
        })
    }
}

fn number(text: &str) -> Option<Literal> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Literal::Int(i));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(Literal::UInt(u));
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite()).map(Literal::Float)
}

/// Parses a `--filter` predicate.
pub fn parse(text: &str) -> Result<Expr, String> {
    let tokens = tokens(text).map_err(|e| format!("--filter: {e}"))?;
    let mut parser = Parser { tokens, at: 0, len: text.len() };
    let expr = parser.or().map_err(|e| format!("--filter: {e}"))?;
    if parser.at < parser.tokens.len() {
        return Err(format!("--filter: unexpected text at {}", parser.position()));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_like_the_builder() {
        let parsed =
            parse("age >= 18 and (name = 'O''Brien' or name in ('a', \"b\")) and email is not null").unwrap();
        let built = col("age")
            .ge(18i64)
            .and(col("name").eq("O'Brien").or(col("name").is_in(["a", "b"])))
            .and(col("email").is_not_null());
        assert_eq!(format!("{parsed}"), format!("{built}"));
        assert_eq!(
            format!("{}", parse("not x < -1.5e3").unwrap()),
            format!("{}", col("x").lt(-1500.0).not())
        );
        assert_eq!(format!("{}", parse("`odd name` != 3").unwrap()), format!("{}", col("odd name").ne(3i64)));
        for bad in ["age >", "age >= 18 and", "(a = 1", "a = 'x", "a in (b)", "5", "a ~ 1", "a is nul"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
