//! The subset of OData `$filter` the emulator understands for users: `eq`, `ne`, `in`,
//! `startswith`, `endswith`, `and`, `or`, `not`, parentheses. `ne`, `endswith` and `not`
//! are "advanced queries" that need `ConsistencyLevel: eventual`.

use crate::user::User;
use crate::user_props::{canonical, property};
use serde_json::Value;

/// Properties a filter may name.
const FILTERABLE: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "accountEnabled",
    "mailNickname",
    "userType",
    "givenName",
    "surname",
];

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Eq(&'static str, Value),
    Ne(&'static str, Value),
    In(&'static str, Vec<Value>),
    StartsWith(&'static str, String),
    EndsWith(&'static str, String),
}

/// Why a filter cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FilterError {
    /// Not valid syntax.
    Syntax(String),
    /// Names a property or construct the emulator (or Graph) does not filter on.
    Unsupported(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(FilterError::Syntax("unterminated string literal".into()))
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(s));
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"(),'".contains(chars[i]) {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, want: Token) -> Result<(), FilterError> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            other => Err(FilterError::Syntax(format!(
                "expected {want:?}, found {other:?}"
            ))),
        }
    }
    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close)?;
                Ok(inner)
            }
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("startswith") || w.eq_ignore_ascii_case("endswith") =>
            {
                self.expect(Token::Open)?;
                let prop = self.property()?;
                self.expect(Token::Comma)?;
                let Some(Token::Str(value)) = self.next() else {
                    return Err(FilterError::Syntax(format!("{w} needs a string literal")));
                };
                self.expect(Token::Close)?;
                Ok(if w.eq_ignore_ascii_case("startswith") {
                    Filter::StartsWith(prop, value)
                } else {
                    Filter::EndsWith(prop, value)
                })
            }
            Some(Token::Word(w)) => {
                let prop = filterable(&w)?;
                match self.next() {
                    Some(Token::Word(op)) if op.eq_ignore_ascii_case("eq") => {
                        Ok(Filter::Eq(prop, self.literal()?))
                    }
                    Some(Token::Word(op)) if op.eq_ignore_ascii_case("ne") => {
                        Ok(Filter::Ne(prop, self.literal()?))
                    }
                    Some(Token::Word(op)) if op.eq_ignore_ascii_case("in") => {
                        self.expect(Token::Open)?;
                        let mut values = vec![self.literal()?];
                        while self.tokens.get(self.pos) == Some(&Token::Comma) {
                            self.pos += 1;
                            values.push(self.literal()?);
                        }
                        self.expect(Token::Close)?;
                        Ok(Filter::In(prop, values))
                    }
                    Some(Token::Word(op)) => {
                        Err(FilterError::Unsupported(prop.to_string()).or_operator(&op))
                    }
                    other => Err(FilterError::Syntax(format!(
                        "expected an operator, found {other:?}"
                    ))),
                }
            }
            other => Err(FilterError::Syntax(format!("unexpected {other:?}"))),
        }
    }
    fn property(&mut self) -> Result<&'static str, FilterError> {
        match self.next() {
            Some(Token::Word(w)) => filterable(&w),
            other => Err(FilterError::Syntax(format!(
                "expected a property, found {other:?}"
            ))),
        }
    }
    fn literal(&mut self) -> Result<Value, FilterError> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Value::String(s)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Value::Null),
            other => Err(FilterError::Syntax(format!(
                "expected a literal, found {other:?}"
            ))),
        }
    }
}

impl FilterError {
    fn or_operator(self, op: &str) -> FilterError {
        match op.to_ascii_lowercase().as_str() {
            "gt" | "ge" | "lt" | "le" => self,
            _ => FilterError::Syntax(format!("unknown operator '{op}'")),
        }
    }
}

fn filterable(name: &str) -> Result<&'static str, FilterError> {
    canonical(name)
        .filter(|p| FILTERABLE.contains(p))
        .ok_or_else(|| FilterError::Unsupported(name.to_string()))
}

/// Parses a `$filter` value.
pub(crate) fn parse(text: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        pos: 0,
    };
    let filter = parser.or()?;
    if parser.pos < parser.tokens.len() {
        return Err(FilterError::Syntax(format!(
            "unexpected {:?}",
            parser.tokens[parser.pos]
        )));
    }
    Ok(filter)
}

impl Filter {
    /// Whether this filter uses an advanced-query construct.
    pub fn is_advanced(&self) -> bool {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.is_advanced() || b.is_advanced(),
            Filter::Not(_) | Filter::Ne(..) | Filter::EndsWith(..) => true,
            Filter::Eq(..) | Filter::In(..) | Filter::StartsWith(..) => false,
        }
    }

    /// Whether `user` matches; string comparisons ignore case as Entra's do.
    pub fn matches(&self, user: &User) -> bool {
        let text = |p: &str| match property(user, p) {
            Value::String(s) => Some(s.to_lowercase()),
            _ => None,
        };
        let equal = |p: &str, v: &Value| match (property(user, p), v) {
            (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => &a == b,
        };
        match self {
            Filter::And(a, b) => a.matches(user) && b.matches(user),
            Filter::Or(a, b) => a.matches(user) || b.matches(user),
            Filter::Not(a) => !a.matches(user),
            Filter::Eq(p, v) => equal(p, v),
            Filter::Ne(p, v) => !equal(p, v),
            Filter::In(p, vs) => vs.iter().any(|v| equal(p, v)),
            Filter::StartsWith(p, s) => text(p).is_some_and(|t| t.starts_with(&s.to_lowercase())),
            Filter::EndsWith(p, s) => text(p).is_some_and(|t| t.ends_with(&s.to_lowercase())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_filters() {
        assert_eq!(
            parse("startswith(userPrincipalName,'al')"),
            Ok(Filter::StartsWith("userPrincipalName", "al".into()))
        );
        assert_eq!(
            parse("userprincipalname eq 'o''neil@x'"),
            Ok(Filter::Eq(
                "userPrincipalName",
                Value::String("o'neil@x".into())
            ))
        );
        assert!(parse("id in ('a', 'b') and accountEnabled eq true").is_ok());
        assert!(parse("not(displayName eq 'x')")
            .expect("parses")
            .is_advanced());
        assert!(parse("endswith(mail,'@x')").expect("parses").is_advanced());
        assert!(matches!(
            parse("jobTitle eq 'x'"),
            Err(FilterError::Unsupported(_))
        ));
        assert!(matches!(
            parse("displayName eq"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse("displayName foo 'x'"),
            Err(FilterError::Syntax(_))
        ));
    }
}
