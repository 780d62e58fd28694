//! The DARTS genotype text:
//! `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), reduce=[...], reduce_concat=range(2, 6))`.
//!
//! The reader is a small hand-written recursive-descent parser that reports the line and
//! column of the first problem and what it expected there. It accepts single or double
//! quotes, trailing commas, keyword arguments in any order, an optional `NAME = ` before the
//! call (as in DARTS' `genotypes.py`), and concat lists as `range(a, b)`, `list(range(a, b))`
//! or `[2, 3, 4, 5]`.

use std::fmt;

use super::Genotype;
use crate::space::Op;

/// Where in the text (1-based line and column, 0-based byte offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Byte offset.
    pub offset: usize,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// DARTS genotype text that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("genotype text at {position}: expected {expected}, found {found}")]
pub struct GenotypeParseError {
    /// Where.
    pub position: Position,
    /// What the parser expected.
    pub expected: String,
    /// What it found (quoted text, or `end of text`).
    pub found: String,
}

/// Writes the DARTS text of a genotype.
pub fn write(g: &Genotype) -> String {
    fn pairs(p: &[(Op, usize)]) -> String {
        let items: Vec<String> = p
            .iter()
            .map(|(op, from)| format!("('{}', {from})", op.name()))
            .collect();
        format!("[{}]", items.join(", "))
    }
    fn concat(c: &[usize]) -> String {
        let contiguous = c.windows(2).all(|w| w[1] == w[0] + 1);
        match (c.first(), c.last()) {
            (Some(&a), Some(&b)) if contiguous => format!("range({a}, {})", b + 1),
            _ => format!("{c:?}"),
        }
    }
    format!(
        "Genotype(normal={}, normal_concat={}, reduce={}, reduce_concat={})",
        pairs(&g.normal),
        concat(&g.normal_concat),
        pairs(&g.reduce),
        concat(&g.reduce_concat)
    )
}

/// Parses DARTS text into a genotype (structure only; [`Genotype::validate`] checks nodes).
pub fn parse(text: &str) -> Result<Genotype, GenotypeParseError> {
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    // Optional `NAME =` before the call.
    let save = p.pos;
    let first = p.ident();
    p.skip_ws();
    let call = if first.as_deref() != Some("Genotype") && p.eat('=') {
        p.skip_ws();
        let start = p.pos;
        let name = p.ident();
        (start, name)
    } else {
        (save, first)
    };
    if call.1.as_deref() != Some("Genotype") {
        p.pos = call.0;
        return Err(p.error("`Genotype(`"));
    }
    p.expect('(')?;
    let mut fields: [Option<Field>; 4] = [None, None, None, None];
    loop {
        p.skip_ws();
        if p.eat(')') {
            break;
        }
        let start = p.pos;
        let Some(name) = p.ident() else {
            return Err(
                p.error("a field name (normal, normal_concat, reduce, reduce_concat) or `)`")
            );
        };
        let slot = match name.as_str() {
            "normal" => 0,
            "normal_concat" => 1,
            "reduce" => 2,
            "reduce_concat" => 3,
            _ => {
                p.pos = start;
                return Err(
                    p.error("one of the fields normal, normal_concat, reduce, reduce_concat")
                );
            }
        };
        if fields[slot].is_some() {
            p.pos = start;
            return Err(p.error(&format!("each field once, but `{name}` is given twice")));
        }
        p.expect('=')?;
        fields[slot] = Some(if slot % 2 == 0 {
            Field::Pairs(p.pairs()?)
        } else {
            Field::Concat(p.concat()?)
        });
        p.skip_ws();
        if !p.eat(',') {
            p.expect(')')?;
            break;
        }
    }
    p.skip_ws();
    if p.pos < p.text.len() {
        return Err(p.error("end of text after `)`"));
    }
    let missing = ["normal", "normal_concat", "reduce", "reduce_concat"]
        .iter()
        .zip(&fields)
        .find(|(_, f)| f.is_none())
        .map(|(n, _)| *n);
    if let Some(name) = missing {
        return Err(p.error(&format!("the field `{name}` before the end")));
    }
    let [Some(Field::Pairs(normal)), Some(Field::Concat(normal_concat)), Some(Field::Pairs(reduce)), Some(Field::Concat(reduce_concat))] =
        fields
    else {
        return Err(p.error("the four genotype fields"));
    };
    Ok(Genotype {
        normal,
        normal_concat,
        reduce,
        reduce_concat,
    })
}

enum Field {
    Pairs(Vec<(Op, usize)>),
    Concat(Vec<usize>),
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn position(&self) -> Position {
        let before = &self.text[..self.pos];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Position {
            offset: self.pos,
            line,
            column,
        }
    }

    fn error(&self, expected: &str) -> GenotypeParseError {
        let found = match self.peek() {
            None => "end of text".to_string(),
            Some(_) => {
                let snippet: String = self.rest().chars().take(12).collect();
                format!("`{snippet}`")
            }
        };
        GenotypeParseError {
            position: self.position(),
            expected: expected.to_string(),
            found,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == '\\' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), GenotypeParseError> {
        self.skip_ws();
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("`{c}`")))
        }
    }

    fn ident(&mut self) -> Option<String> {
        let len: usize = self
            .rest()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .map(char::len_utf8)
            .sum();
        if len == 0 || self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        let s = self.rest()[..len].to_string();
        self.pos += len;
        // `genotypes.Genotype` names the same namedtuple.
        Some(s.rsplit('.').next().unwrap_or_default().to_string())
    }

    fn int(&mut self) -> Result<usize, GenotypeParseError> {
        self.skip_ws();
        let len: usize = self.rest().chars().take_while(char::is_ascii_digit).count();
        if len == 0 {
            return Err(self.error("a non-negative integer"));
        }
        let digits = &self.rest()[..len];
        let value = digits.parse::<usize>().ok().filter(|v| *v < 1 << 20);
        match value {
            Some(v) => {
                self.pos += len;
                Ok(v)
            }
            None => Err(self.error("an integer below 1048576")),
        }
    }

    fn op(&mut self) -> Result<Op, GenotypeParseError> {
        self.skip_ws();
        let start = self.pos;
        let Some(quote) = self.peek().filter(|c| *c == '\'' || *c == '"') else {
            return Err(self.error("a quoted op name"));
        };
        self.pos += 1;
        // Op names are identifiers: a quote left open is reported where the name ends.
        let len: usize = self
            .rest()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        let name = self.rest()[..len].to_string();
        self.pos += len;
        if !self.eat(quote) {
            return Err(self.error(&format!("a closing quote {quote} after the op name")));
        }
        match name.parse::<Op>() {
            Ok(op) => Ok(op),
            Err(e) => {
                self.pos = start;
                Err(self.error(&format!("a known op name ({e})")))
            }
        }
    }

    fn pairs(&mut self) -> Result<Vec<(Op, usize)>, GenotypeParseError> {
        self.expect('[')?;
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(']') {
                return Ok(out);
            }
            self.expect('(')?;
            let op = self.op()?;
            self.expect(',')?;
            let from = self.int()?;
            self.skip_ws();
            self.eat(',');
            self.expect(')')?;
            out.push((op, from));
            self.skip_ws();
            if !self.eat(',') {
                self.expect(']')?;
                return Ok(out);
            }
        }
    }

    fn concat(&mut self) -> Result<Vec<usize>, GenotypeParseError> {
        self.skip_ws();
        if self.peek() == Some('[') {
            self.pos += 1;
            let mut out = Vec::new();
            loop {
                self.skip_ws();
                if self.eat(']') {
                    return Ok(out);
                }
                out.push(self.int()?);
                self.skip_ws();
                if !self.eat(',') {
                    self.expect(']')?;
                    return Ok(out);
                }
            }
        }
        let start = self.pos;
        let wrapped = match self.ident().as_deref() {
            Some("list") => true,
            Some("range") => false,
            _ => {
                self.pos = start;
                return Err(self.error("`range(a, b)` or a list of node numbers"));
            }
        };
        if wrapped {
            self.expect('(')?;
            self.skip_ws();
            let inner = self.pos;
            if self.ident().as_deref() != Some("range") {
                self.pos = inner;
                return Err(self.error("`range(` inside `list(`"));
            }
        }
        self.expect('(')?;
        let a = self.int()?;
        self.expect(',')?;
        let b_at = self.pos;
        let b = self.int()?;
        if b < a {
            self.pos = b_at;
            self.skip_ws();
            return Err(self.error(&format!("a range end of at least {a}")));
        }
        self.expect(')')?;
        if wrapped {
            self.expect(')')?;
        }
        Ok((a..b).collect())
    }
}
