//! The small expression language of screening rules: numbers, signals, `channel == "qr"`, arithmetic,
//! comparisons, `and`/`or`/`not` (or `&&`, `||`, `!`), `min`/`max`/`abs`, parentheses.
//!
//! Expressions are compiled once, when a rules file is loaded: every name resolved to a signal's position,
//! every type checked (a rule's condition must be true or false), constants folded. Evaluation then reads an
//! array of numbers and allocates nothing; it runs for every rule of every transfer, the replay's hot path,
//! which is why this is a few hundred lines here rather than a general-purpose interpreter crate that looks
//! names up in a map on every evaluation.

use crate::signals::{Signal, SignalType, Signals};
use crate::transfer::TransferChannel;

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    root: Node,
    /// The same condition as a list of comparisons that must all hold, when it is one (most rules are:
    /// `payee_days_since_flagged >= 0 and payee_days_since_flagged < 7 and payee_verdict < 2`); `holds` then
    /// walks a short array instead of the tree.
    terms: Option<Box<[Term]>>,
    /// The signals it reads, in first-use order (the "inputs" a fired rule reports).
    inputs: Vec<Signal>,
    source: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Constant(f64),
    Signal(usize),
    Not(Box<Node>),
    Negate(Box<Node>),
    Binary(BinaryOperator, Box<Node>, Box<Node>),
    /// A signal compared with a constant (`payee_verdict >= 4`), made by [`fold`] from a `Binary` whose sides
    /// are a signal and a constant: most conditions are a few of these, and one node instead of three saves
    /// two recursive calls per comparison for every rule of every transfer.
    Compare(BinaryOperator, usize, f64),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryOperator {
    Add,
    Subtract,
    Multiply,
    Divide,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Min,
    Max,
    Abs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Number,
    Bool,
    Channel,
    /// A string literal: only compared with `channel`.
    Text,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Number => "a number",
            Type::Bool => "true or false",
            Type::Channel => "a channel",
            Type::Text => "a text",
        }
    }
}

/// Why an expression does not compile: a message and the character position it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpressionError {
    pub message: String,
    pub position: usize,
}

impl std::fmt::Display for ExpressionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

/// The longest expression accepted, and the deepest nesting: a rules file is admin input, but a reload must
/// never overflow the stack.
const MAX_SOURCE_CHARS: usize = 2_000;
const MAX_DEPTH: usize = 64;

impl Expression {
    /// Compiles a condition: an expression that is true or false.
    pub fn condition(source: &str) -> Result<Expression, ExpressionError> {
        if source.chars().count() > MAX_SOURCE_CHARS {
            return Err(ExpressionError {
                message: format!("an expression has at most {MAX_SOURCE_CHARS} characters"),
                position: 0,
            });
        }
        let tokens = tokenize(source)?;
        let mut parser = Parser { tokens, next: 0, inputs: Vec::new(), depth: 0, end: source.chars().count() };
        let (root, kind) = parser.expression(0)?;
        if let Some(token) = parser.tokens.get(parser.next) {
            return Err(ExpressionError {
                message: format!("unexpected {}", token.kind.describe()),
                position: token.at,
            });
        }
        if kind != Type::Bool {
            return Err(ExpressionError {
                message: format!("a rule's condition must be true or false, but this is {}", kind.name()),
                position: 0,
            });
        }
        let root = fold(root);
        let terms = conjunction(&root).map(Vec::into_boxed_slice);
        Ok(Expression { root, terms, inputs: parser.inputs, source: source.to_string() })
    }

    /// Whether the condition holds for these signals.
    #[inline]
    pub fn holds(&self, signals: &Signals) -> bool {
        match &self.terms {
            Some(terms) => terms.iter().all(|term| term.holds(&signals.0)),
            None => holds(&self.root, &signals.0),
        }
    }

    /// The signals it reads.
    pub fn inputs(&self) -> &[Signal] {
        &self.inputs
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

fn truth(value: bool) -> f64 {
    if value { 1.0 } else { 0.0 }
}

/// One comparison of a signal with a constant, as the outcomes it accepts: less, equal, greater, and
/// unordered (either side NaN). Every comparison operator is a set of these, exactly as IEEE 754 compares
/// (`!=` accepts unordered, the others do not), so a term answers without a branch on its operator.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Term {
    index: usize,
    constant: f64,
    less: bool,
    equal: bool,
    greater: bool,
    unordered: bool,
}

impl Term {
    fn new(operator: BinaryOperator, index: usize, constant: f64) -> Option<Term> {
        let (less, equal, greater, unordered) = match operator {
            BinaryOperator::Less => (true, false, false, false),
            BinaryOperator::LessOrEqual => (true, true, false, false),
            BinaryOperator::Greater => (false, false, true, false),
            BinaryOperator::GreaterOrEqual => (false, true, true, false),
            BinaryOperator::Equal => (false, true, false, false),
            BinaryOperator::NotEqual => (true, false, true, true),
            _ => return None,
        };
        Some(Term { index, constant, less, equal, greater, unordered })
    }

    #[inline]
    fn holds(&self, values: &[f64]) -> bool {
        let (a, b) = (values[self.index], self.constant);
        (self.less & (a < b))
            | (self.equal & (a == b))
            | (self.greater & (a > b))
            | (self.unordered & (a.is_nan() | b.is_nan()))
    }
}

/// The condition as comparisons that must all hold (`and` of comparisons of a signal with a constant, of
/// signals read as true or false, of `not` signal), in the order `and` evaluates them; `None` for any other.
fn conjunction(node: &Node) -> Option<Vec<Term>> {
    let mut terms = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node {
            Node::And(left, right) => {
                stack.push(right);
                stack.push(left);
            }
            Node::Compare(operator, index, constant) => terms.push(Term::new(*operator, *index, *constant)?),
            // A signal holds when it is not 0 (NaN included); `not` a signal when it is 0.
            Node::Signal(index) => terms.push(Term::new(BinaryOperator::NotEqual, *index, 0.0)?),
            Node::Not(inner) => match **inner {
                Node::Signal(index) => terms.push(Term::new(BinaryOperator::Equal, index, 0.0)?),
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(terms)
}

/// `evaluate(node, values) != 0.0`, with the conditions' own nodes answered as booleans directly.
fn holds(node: &Node, values: &[f64]) -> bool {
    match node {
        Node::And(left, right) => holds(left, values) && holds(right, values),
        Node::Or(left, right) => holds(left, values) || holds(right, values),
        Node::Not(inner) => !holds(inner, values),
        Node::Compare(operator, index, constant) => compare(*operator, values[*index], *constant),
        other => evaluate(other, values) != 0.0,
    }
}

fn evaluate(node: &Node, values: &[f64]) -> f64 {
    match node {
        Node::Constant(value) => *value,
        Node::Signal(index) => values[*index],
        Node::Not(inner) => truth(evaluate(inner, values) == 0.0),
        Node::Negate(inner) => -evaluate(inner, values),
        Node::And(left, right) => truth(evaluate(left, values) != 0.0 && evaluate(right, values) != 0.0),
        Node::Or(left, right) => truth(evaluate(left, values) != 0.0 || evaluate(right, values) != 0.0),
        Node::Compare(operator, index, constant) => apply(*operator, values[*index], *constant),
        Node::Binary(operator, left, right) => apply(*operator, evaluate(left, values), evaluate(right, values)),
        Node::Call(function, arguments) => {
            let mut values_of = arguments.iter().map(|argument| evaluate(argument, values));
            match function {
                Function::Min => values_of.fold(f64::INFINITY, f64::min),
                Function::Max => values_of.fold(f64::NEG_INFINITY, f64::max),
                Function::Abs => values_of.next().unwrap_or_default().abs(),
            }
        }
    }
}

#[inline]
fn apply(operator: BinaryOperator, a: f64, b: f64) -> f64 {
    match operator {
        BinaryOperator::Add => a + b,
        BinaryOperator::Subtract => a - b,
        BinaryOperator::Multiply => a * b,
        // Division by zero gives 0: a rule over an empty window must not fire on infinity.
        BinaryOperator::Divide => {
            if b == 0.0 {
                0.0
            } else {
                a / b
            }
        }
        comparison => truth(compare(comparison, a, b)),
    }
}

#[inline]
fn compare(operator: BinaryOperator, a: f64, b: f64) -> bool {
    match operator {
        BinaryOperator::Equal => a == b,
        BinaryOperator::NotEqual => a != b,
        BinaryOperator::Less => a < b,
        BinaryOperator::LessOrEqual => a <= b,
        BinaryOperator::Greater => a > b,
        BinaryOperator::GreaterOrEqual => a >= b,
        // Not comparisons (`Compare` nodes are only made of comparisons).
        BinaryOperator::Add | BinaryOperator::Subtract | BinaryOperator::Multiply | BinaryOperator::Divide => {
            apply(operator, a, b) != 0.0
        }
    }
}

/// Folds constant sub-expressions (`10 * 1000000` becomes one number).
fn fold(node: Node) -> Node {
    let folded = match node {
        Node::Not(inner) => Node::Not(Box::new(fold(*inner))),
        Node::Negate(inner) => Node::Negate(Box::new(fold(*inner))),
        Node::Binary(operator, left, right) => Node::Binary(operator, Box::new(fold(*left)), Box::new(fold(*right))),
        Node::And(left, right) => Node::And(Box::new(fold(*left)), Box::new(fold(*right))),
        Node::Or(left, right) => Node::Or(Box::new(fold(*left)), Box::new(fold(*right))),
        Node::Call(function, arguments) => Node::Call(function, arguments.into_iter().map(fold).collect()),
        other => other,
    };
    if is_constant(&folded) {
        return Node::Constant(evaluate(&folded, &[]));
    }
    // A comparison of a signal with a constant, either way round (`4 <= x` is `x >= 4`: the same result for
    // every value, NaN included).
    match folded {
        Node::Binary(operator, left, right) if operator.compares() => match (*left, *right) {
            (Node::Signal(index), Node::Constant(constant)) => Node::Compare(operator, index, constant),
            (Node::Constant(constant), Node::Signal(index)) => Node::Compare(operator.mirrored(), index, constant),
            (left, right) => Node::Binary(operator, Box::new(left), Box::new(right)),
        },
        other => other,
    }
}

impl BinaryOperator {
    fn compares(self) -> bool {
        !matches!(
            self,
            BinaryOperator::Add | BinaryOperator::Subtract | BinaryOperator::Multiply | BinaryOperator::Divide
        )
    }

    /// The operator with its sides swapped: `a < b` is `b > a`.
    fn mirrored(self) -> BinaryOperator {
        match self {
            BinaryOperator::Less => BinaryOperator::Greater,
            BinaryOperator::LessOrEqual => BinaryOperator::GreaterOrEqual,
            BinaryOperator::Greater => BinaryOperator::Less,
            BinaryOperator::GreaterOrEqual => BinaryOperator::LessOrEqual,
            other => other,
        }
    }
}

fn is_constant(node: &Node) -> bool {
    match node {
        Node::Constant(_) => true,
        Node::Signal(_) | Node::Compare(..) => false,
        Node::Not(inner) | Node::Negate(inner) => matches!(**inner, Node::Constant(_)),
        Node::Binary(_, left, right) | Node::And(left, right) | Node::Or(left, right) => {
            matches!(**left, Node::Constant(_)) && matches!(**right, Node::Constant(_))
        }
        Node::Call(_, arguments) => arguments.iter().all(|a| matches!(a, Node::Constant(_))),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Number(f64),
    Name(String),
    Text(String),
    Operator(&'static str),
    Open,
    Close,
    Comma,
}

impl TokenKind {
    fn describe(&self) -> String {
        match self {
            TokenKind::Number(n) => format!("number {n}"),
            TokenKind::Name(name) => format!("'{name}'"),
            TokenKind::Text(text) => format!("text \"{text}\""),
            TokenKind::Operator(op) => format!("'{op}'"),
            TokenKind::Open => "'('".into(),
            TokenKind::Close => "')'".into(),
            TokenKind::Comma => "','".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    at: usize,
}

const OPERATORS: &[&str] = &["&&", "||", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "!"];

fn tokenize(source: &str) -> Result<Vec<Token>, ExpressionError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let at = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let mut text = String::new();
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_') {
                if chars[i] != '_' {
                    text.push(chars[i]);
                }
                i += 1;
            }
            let value: f64 = text
                .parse()
                .map_err(|_| ExpressionError { message: format!("'{text}' is not a number"), position: at })?;
            tokens.push(Token { kind: TokenKind::Number(value), at });
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut name = String::new();
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                name.push(chars[i]);
                i += 1;
            }
            let kind = match name.as_str() {
                "and" => TokenKind::Operator("&&"),
                "or" => TokenKind::Operator("||"),
                "not" => TokenKind::Operator("!"),
                _ => TokenKind::Name(name),
            };
            tokens.push(Token { kind, at });
        } else if c == '"' || c == '\'' {
            let quote = c;
            i += 1;
            let mut text = String::new();
            while i < chars.len() && chars[i] != quote {
                text.push(chars[i]);
                i += 1;
            }
            if i == chars.len() {
                return Err(ExpressionError { message: "a text is not closed".into(), position: at });
            }
            i += 1;
            tokens.push(Token { kind: TokenKind::Text(text), at });
        } else if c == '(' {
            tokens.push(Token { kind: TokenKind::Open, at });
            i += 1;
        } else if c == ')' {
            tokens.push(Token { kind: TokenKind::Close, at });
            i += 1;
        } else if c == ',' {
            tokens.push(Token { kind: TokenKind::Comma, at });
            i += 1;
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let Some(operator) = OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
                return Err(ExpressionError { message: format!("unexpected character '{c}'"), position: at });
            };
            tokens.push(Token { kind: TokenKind::Operator(operator), at });
            i += operator.len();
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    inputs: Vec<Signal>,
    depth: usize,
    end: usize,
}

/// Binding power of infix operators: `or` < `and` < comparisons < `+ -` < `* /`.
fn binding_power(operator: &str) -> Option<u8> {
    Some(match operator {
        "||" => 1,
        "&&" => 2,
        "==" | "!=" | "<" | "<=" | ">" | ">=" => 3,
        "+" | "-" => 4,
        "*" | "/" => 5,
        _ => return None,
    })
}

impl Parser {
    fn error<T>(&self, message: impl Into<String>, position: usize) -> Result<T, ExpressionError> {
        Err(ExpressionError { message: message.into(), position })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn expression(&mut self, minimum_power: u8) -> Result<(Node, Type), ExpressionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(format!("an expression nests at most {MAX_DEPTH} deep"), self.end);
        }
        let (mut left, mut left_type) = self.operand()?;
        while let Some(Token { kind: TokenKind::Operator(operator), at }) = self.peek().cloned() {
            let Some(power) = binding_power(operator) else { break };
            if power <= minimum_power {
                break;
            }
            self.next += 1;
            let (right, right_type) = self.expression(power)?;
            (left, left_type) = combine(operator, at, (left, left_type), (right, right_type))?;
        }
        self.depth -= 1;
        Ok((left, left_type))
    }

    fn operand(&mut self) -> Result<(Node, Type), ExpressionError> {
        let Some(token) = self.peek().cloned() else {
            return self.error("the expression ends too early", self.end);
        };
        self.next += 1;
        match token.kind {
            TokenKind::Number(value) => Ok((Node::Constant(value), Type::Number)),
            // Texts only name channels; resolved here so that a typo is caught when the file is loaded.
            TokenKind::Text(text) => match TransferChannel::parse(&text) {
                Ok(channel) => Ok((Node::Constant(channel.position() as f64), Type::Text)),
                Err(_) => self.error(
                    format!(
                        "\"{text}\" is not a channel: expected one of {}",
                        TransferChannel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    token.at,
                ),
            },
            TokenKind::Operator("!") => {
                let (inner, kind) = self.expression(5)?;
                if kind != Type::Bool {
                    return self.error(format!("'not' needs true or false, not {}", kind.name()), token.at);
                }
                Ok((Node::Not(Box::new(inner)), Type::Bool))
            }
            TokenKind::Operator("-") => {
                let (inner, kind) = self.expression(5)?;
                if kind != Type::Number {
                    return self.error(format!("'-' needs a number, not {}", kind.name()), token.at);
                }
                Ok((Node::Negate(Box::new(inner)), Type::Number))
            }
            TokenKind::Open => {
                let inner = self.expression(0)?;
                match self.peek() {
                    Some(Token { kind: TokenKind::Close, .. }) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    _ => self.error("a '(' is not closed", token.at),
                }
            }
            TokenKind::Name(name) => match name.as_str() {
                "true" => Ok((Node::Constant(1.0), Type::Bool)),
                "false" => Ok((Node::Constant(0.0), Type::Bool)),
                "min" | "max" | "abs" => self.call(&name, token.at),
                _ => {
                    let Some(signal) = Signal::by_name(&name) else {
                        return self.error(format!("unknown signal '{name}'"), token.at);
                    };
                    if !self.inputs.contains(&signal) {
                        self.inputs.push(signal);
                    }
                    let kind = match signal.signal_type() {
                        SignalType::Number => Type::Number,
                        SignalType::Bool => Type::Bool,
                        SignalType::Channel => Type::Channel,
                    };
                    Ok((Node::Signal(signal as usize), kind))
                }
            },
            other => self.error(format!("unexpected {}", other.describe()), token.at),
        }
    }

    fn call(&mut self, name: &str, at: usize) -> Result<(Node, Type), ExpressionError> {
        if !matches!(self.peek(), Some(Token { kind: TokenKind::Open, .. })) {
            return self.error(format!("'{name}' is a function: write {name}(...)"), at);
        }
        self.next += 1;
        let mut arguments = Vec::new();
        loop {
            let (argument, kind) = self.expression(0)?;
            if kind != Type::Number {
                return self.error(format!("'{name}' takes numbers, not {}", kind.name()), at);
            }
            arguments.push(argument);
            match self.peek().map(|t| &t.kind) {
                Some(TokenKind::Comma) => self.next += 1,
                Some(TokenKind::Close) => {
                    self.next += 1;
                    break;
                }
                _ => return self.error(format!("'{name}(' is not closed"), at),
            }
        }
        let function = match name {
            "min" => Function::Min,
            "max" => Function::Max,
            _ => Function::Abs,
        };
        if function == Function::Abs && arguments.len() != 1 {
            return self.error("abs takes one number", at);
        }
        Ok((Node::Call(function, arguments), Type::Number))
    }
}

fn combine(
    operator: &str,
    at: usize,
    left: (Node, Type),
    right: (Node, Type),
) -> Result<(Node, Type), ExpressionError> {
    let error = |message: String| Err(ExpressionError { message, position: at });
    let ((left, left_type), (right, right_type)) = (left, right);
    let boxed = |node: Node| Box::new(node);
    match operator {
        "&&" | "||" => {
            if left_type != Type::Bool || right_type != Type::Bool {
                return error(format!(
                    "'{operator}' joins conditions (true or false), not {} and {}",
                    left_type.name(),
                    right_type.name()
                ));
            }
            let node = if operator == "&&" {
                Node::And(boxed(left), boxed(right))
            } else {
                Node::Or(boxed(left), boxed(right))
            };
            Ok((node, Type::Bool))
        }
        "==" | "!=" => {
            let comparable = left_type == right_type
                || matches!((left_type, right_type), (Type::Channel, Type::Text) | (Type::Text, Type::Channel));
            if !comparable || (left_type == Type::Text && right_type == Type::Text) {
                return error(format!("cannot compare {} with {}", left_type.name(), right_type.name()));
            }
            let operator = if operator == "==" { BinaryOperator::Equal } else { BinaryOperator::NotEqual };
            Ok((Node::Binary(operator, boxed(left), boxed(right)), Type::Bool))
        }
        "<" | "<=" | ">" | ">=" => {
            if left_type != Type::Number || right_type != Type::Number {
                return error(format!(
                    "'{operator}' compares numbers, not {} and {}",
                    left_type.name(),
                    right_type.name()
                ));
            }
            let operator = match operator {
                "<" => BinaryOperator::Less,
                "<=" => BinaryOperator::LessOrEqual,
                ">" => BinaryOperator::Greater,
                _ => BinaryOperator::GreaterOrEqual,
            };
            Ok((Node::Binary(operator, boxed(left), boxed(right)), Type::Bool))
        }
        _ => {
            if left_type != Type::Number || right_type != Type::Number {
                return error(format!(
                    "'{operator}' works on numbers, not {} and {}",
                    left_type.name(),
                    right_type.name()
                ));
            }
            let operator = match operator {
                "+" => BinaryOperator::Add,
                "-" => BinaryOperator::Subtract,
                "*" => BinaryOperator::Multiply,
                _ => BinaryOperator::Divide,
            };
            Ok((Node::Binary(operator, boxed(left), boxed(right)), Type::Number))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(values: &[(Signal, f64)]) -> Signals {
        let mut signals = Signals::default();
        for (signal, value) in values {
            signals.set(*signal, *value);
        }
        signals
    }

    #[test]
    fn conditions_evaluate_with_precedence_and_short_circuit() {
        let rule =
            Expression::condition("payee_distinct_payers_24h >= 5 and amount < 10 * 1_000_000 or night").unwrap();
        assert!(rule.holds(&signals(&[(Signal::PayeeDistinctPayers24h, 6.0), (Signal::Amount, 9_500_000.0)])));
        assert!(!rule.holds(&signals(&[(Signal::PayeeDistinctPayers24h, 6.0), (Signal::Amount, 10_000_000.0)])));
        assert!(rule.holds(&signals(&[(Signal::Night, 1.0)])));
        assert_eq!(rule.inputs(), &[Signal::PayeeDistinctPayers24h, Signal::Amount, Signal::Night]);
        let ratio = Expression::condition("payee_outbound_24h / payee_inbound_24h > 0.5").unwrap();
        assert!(!ratio.holds(&Signals::default()), "division by zero is 0, not infinity");
        let channel = Expression::condition("channel == \"qr\" && !(payer_biometric_passed)").unwrap();
        let qr = TransferChannel::Qr.position() as f64;
        assert!(channel.holds(&signals(&[(Signal::Channel, qr)])));
        assert!(!channel.holds(&signals(&[(Signal::Channel, qr), (Signal::PayerBiometricPassed, 1.0)])));
        let functions = Expression::condition("max(payee_inbound_24h, 2) - min(1, 3) >= abs(-1)").unwrap();
        assert!(functions.holds(&Signals::default()));
    }

    #[test]
    fn mistakes_are_refused_with_a_position() {
        for (source, message, position) in [
            ("payee_score >", "ends too early", 13),
            ("payee_scroe > 3", "unknown signal 'payee_scroe'", 0),
            ("amount", "must be true or false", 0),
            ("amount and night", "joins conditions", 7),
            ("channel == \"fax\"", "\"fax\" is not a channel", 11),
            ("channel > 2", "compares numbers", 8),
            ("(night", "is not closed", 0),
            ("night $ night", "unexpected character '$'", 6),
            ("night night", "unexpected 'night'", 6),
            ("max(night)", "takes numbers", 0),
            ("\"qr\" == \"qr\"", "cannot compare", 5),
        ] {
            let error = Expression::condition(source).unwrap_err();
            assert!(error.message.contains(message), "{source}: {error}");
            assert_eq!(error.position, position, "{source}: {error}");
        }
        let deep = format!("{}night{}", "(".repeat(200), ")".repeat(200));
        assert!(Expression::condition(&deep).unwrap_err().message.contains("nests at most"));
    }

    #[test]
    fn conjunctions_answer_as_the_tree_does() {
        let sources = [
            "payee_days_since_flagged >= 0 and payee_days_since_flagged < 7 and payee_verdict < 2",
            "just_under_biometric and pair_first",
            "not night and 3 <= payee_score and amount != 5",
            "payee_score == 2 and payee_score <= 2 and payee_score > 1",
            "payee_sent_to_flagged >= 2 and (payee_days_since_warned < 0 or payee_days_since_warned > 30)",
            "amount / payee_score > 2",
        ];
        let samples = [0.0, -0.0, 1.0, 2.0, -1.0, 3.0, 5.0, 6.5, 7.0, 100.0, f64::NAN, f64::INFINITY];
        for source in sources {
            let rule = Expression::condition(source).unwrap();
            let flat = source.contains(" or ") || source.contains('/');
            assert_eq!(rule.terms.is_none(), flat, "{source}");
            for (k, &a) in samples.iter().enumerate() {
                for &b in &samples[k % 3..] {
                    let mut signals = Signals::default();
                    for (n, signal) in rule.inputs().iter().enumerate() {
                        signals.set(*signal, if n % 2 == 0 { a } else { b });
                    }
                    assert_eq!(rule.holds(&signals), evaluate(&rule.root, &signals.0) != 0.0, "{source} {a} {b}");
                }
            }
        }
    }

    #[test]
    fn constants_are_folded() {
        let rule = Expression::condition("amount >= 10 * 1000 * 1000").unwrap();
        assert_eq!(rule.root, Node::Compare(BinaryOperator::GreaterOrEqual, Signal::Amount as usize, 10_000_000.0));
        // Either way round.
        let rule = Expression::condition("5 < payee_score and payee_score + 1 > 2").unwrap();
        let Node::And(left, right) = &rule.root else { panic!("{:?}", rule.root) };
        assert_eq!(**left, Node::Compare(BinaryOperator::Greater, Signal::PayeeScore as usize, 5.0));
        assert!(matches!(**right, Node::Binary(BinaryOperator::Greater, _, _)));
        for (source, value, holds) in [("3 <= payee_score", 3.0, true), ("3 > payee_score", 3.0, false)] {
            let mut signals = Signals::default();
            signals.set(Signal::PayeeScore, value);
            assert_eq!(Expression::condition(source).unwrap().holds(&signals), holds, "{source}");
        }
    }
}
