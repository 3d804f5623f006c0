//! The conditions on sequence flows: a tiny expression language over a ticket's form values.
//!
//! Parsed when a workflow is published (so a bad condition is refused then, not when a ticket
//! reaches it) and stored as its source text. Grammar:
//!
//! ```text
//! or      := and ('||' and)*
//! and     := not ('&&' not)*
//! not     := '!' not | cmp
//! cmp     := operand (('=='|'!='|'<'|'<='|'>'|'>=') operand)?
//! operand := field.path | number | "string" | 'string' | true | false | null | '(' or ')'
//! ```
//!
//! `${ ... }` around the whole expression (as BPMN tools write it) is stripped. A missing
//! field is `null`. Numbers compare numerically, strings lexicographically; values of
//! different types compare false (except `== null` / `!= null`, which test presence). A bare
//! operand is truthy unless null, false, 0, "" or an empty list.

use std::cmp::Ordering;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::DomainError;

pub const MAX_SOURCE_CHARS: usize = 500;
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub source: String,
    expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Cmp(Op, Box<Expr>, Box<Expr>),
    Field(String),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Number(f64),
    Str(String),
    Op(Op),
    Or,
    And,
    Not,
    Open,
    Close,
}

fn invalid(source: &str, message: impl std::fmt::Display) -> DomainError {
    DomainError::new("ticket_type.invalid_condition", format!("condition {source:?}: {message}"))
}

impl Condition {
    pub fn parse(source: &str) -> Result<Condition, DomainError> {
        if source.chars().count() > MAX_SOURCE_CHARS {
            return Err(invalid(source, format!("longer than {MAX_SOURCE_CHARS} characters")));
        }
        let trimmed = source.trim();
        let body = trimmed.strip_prefix("${").and_then(|rest| rest.strip_suffix('}')).unwrap_or(trimmed);
        let tokens = tokenize(body).map_err(|message| invalid(source, message))?;
        if tokens.is_empty() {
            return Err(invalid(source, "is empty"));
        }
        let mut parser = Parser { tokens: &tokens, position: 0 };
        let expr = parser.or(0).map_err(|message| invalid(source, message))?;
        if parser.position != tokens.len() {
            return Err(invalid(
                source,
                format!("unexpected {} after the expression", describe(&tokens[parser.position])),
            ));
        }
        Ok(Condition { source: source.to_owned(), expr })
    }

    pub fn evaluate(&self, values: &Map<String, Value>) -> bool {
        truthy(&eval(&self.expr, values))
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        Condition::parse(&source).map_err(|error| serde::de::Error::custom(error.message))
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Ident(name) => format!("name {name:?}"),
        Token::Number(number) => format!("number {number}"),
        Token::Str(text) => format!("string {text:?}"),
        Token::Op(op) => format!("operator {op:?}"),
        Token::Or => "'||'".into(),
        Token::And => "'&&'".into(),
        Token::Not => "'!'".into(),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let two = |token: Token, tokens: &mut Vec<Token>| {
            tokens.push(token);
            2
        };
        i += match (c, next) {
            (c, _) if c.is_whitespace() => 1,
            ('|', Some('|')) => two(Token::Or, &mut tokens),
            ('&', Some('&')) => two(Token::And, &mut tokens),
            ('=', Some('=')) => two(Token::Op(Op::Eq), &mut tokens),
            ('!', Some('=')) => two(Token::Op(Op::Ne), &mut tokens),
            ('<', Some('=')) => two(Token::Op(Op::Le), &mut tokens),
            ('>', Some('=')) => two(Token::Op(Op::Ge), &mut tokens),
            ('<', _) | ('>', _) | ('!', _) | ('(', _) | (')', _) => {
                tokens.push(match c {
                    '<' => Token::Op(Op::Lt),
                    '>' => Token::Op(Op::Gt),
                    '!' => Token::Not,
                    '(' => Token::Open,
                    _ => Token::Close,
                });
                1
            }
            ('"', _) | ('\'', _) => {
                let mut text = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => return Err("a string is not closed".into()),
                        Some('\\') if j + 1 < chars.len() => {
                            text.push(chars[j + 1]);
                            j += 2;
                        }
                        Some(&quote) if quote == c => break,
                        Some(&other) => {
                            text.push(other);
                            j += 1;
                        }
                    }
                }
                tokens.push(Token::Str(text));
                j + 1 - i
            }
            (c, next) if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let literal: String = chars[i..j].iter().collect();
                let number = literal.parse::<f64>().map_err(|_| format!("{literal:?} is not a number"))?;
                tokens.push(Token::Number(number));
                j - i
            }
            (c, _) if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_' || chars[j] == '.') {
                    j += 1;
                }
                tokens.push(Token::Ident(chars[i..j].iter().collect()));
                j - i
            }
            (c, _) => return Err(format!("unexpected character {c:?}")),
        };
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: &'a [Token],
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn enter(depth: usize) -> Result<usize, String> {
        if depth >= MAX_DEPTH { Err(format!("nests deeper than {MAX_DEPTH} levels")) } else { Ok(depth + 1) }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, String> {
        let mut items = vec![self.and(depth)?];
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            items.push(self.and(depth)?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, String> {
        let mut items = vec![self.not(depth)?];
        while self.peek() == Some(&Token::And) {
            self.position += 1;
            items.push(self.not(depth)?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::And(items) })
    }

    fn not(&mut self, depth: usize) -> Result<Expr, String> {
        if self.peek() == Some(&Token::Not) {
            self.position += 1;
            return Ok(Expr::Not(Box::new(self.not(Self::enter(depth)?)?)));
        }
        self.cmp(depth)
    }

    fn cmp(&mut self, depth: usize) -> Result<Expr, String> {
        let left = self.operand(depth)?;
        if let Some(&Token::Op(op)) = self.peek() {
            self.position += 1;
            let right = self.operand(depth)?;
            return Ok(Expr::Cmp(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn operand(&mut self, depth: usize) -> Result<Expr, String> {
        let token = self.peek().cloned().ok_or("ends where a value was expected")?;
        self.position += 1;
        Ok(match token {
            Token::Ident(name) => match name.as_str() {
                "true" => Expr::Literal(Value::Bool(true)),
                "false" => Expr::Literal(Value::Bool(false)),
                "null" => Expr::Literal(Value::Null),
                _ => Expr::Field(name),
            },
            Token::Number(number) => {
                Expr::Literal(serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number))
            }
            Token::Str(text) => Expr::Literal(Value::String(text)),
            Token::Open => {
                let inner = self.or(Self::enter(depth)?)?;
                if self.peek() != Some(&Token::Close) {
                    return Err("a '(' is not closed".into());
                }
                self.position += 1;
                inner
            }
            other => return Err(format!("unexpected {} where a value was expected", describe(&other))),
        })
    }
}

/// A field's value: the whole path as a key first (keys may contain dots), else walked
/// through nested objects.
fn lookup(values: &Map<String, Value>, path: &str) -> Value {
    if let Some(value) = values.get(path) {
        return value.clone();
    }
    let mut parts = path.split('.');
    let mut current = parts.next().and_then(|first| values.get(first));
    for part in parts {
        current = current.and_then(|value| value.get(part));
    }
    current.cloned().unwrap_or(Value::Null)
}

fn eval(expr: &Expr, values: &Map<String, Value>) -> Value {
    match expr {
        Expr::Or(items) => Value::Bool(items.iter().any(|item| truthy(&eval(item, values)))),
        Expr::And(items) => Value::Bool(items.iter().all(|item| truthy(&eval(item, values)))),
        Expr::Not(inner) => Value::Bool(!truthy(&eval(inner, values))),
        Expr::Cmp(op, left, right) => Value::Bool(compare(*op, &eval(left, values), &eval(right, values))),
        Expr::Field(path) => lookup(values, path),
        Expr::Literal(value) => value.clone(),
    }
}

fn compare(op: Op, left: &Value, right: &Value) -> bool {
    // `x == null` / `x != null` test presence, whatever x's type.
    if left.is_null() || right.is_null() {
        let equal = left.is_null() && right.is_null();
        return match op {
            Op::Eq => equal,
            Op::Ne => !equal,
            _ => false,
        };
    }
    let ordering = match (left, right) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        },
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) if matches!(op, Op::Eq | Op::Ne) => Some(a.cmp(b)),
        (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_)) if matches!(op, Op::Eq | Op::Ne) => {
            Some(if left == right { Ordering::Equal } else { Ordering::Less })
        }
        _ => None,
    };
    let Some(ordering) = ordering else { return false };
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(_) => true,
    }
}
