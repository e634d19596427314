//! A whitespace token reader for the text formats (ASCII STL, PLY, OBJ, VTK) with nom number parsers.

use super::error::{ParseError, Place};
use nom::number::complete::double;

/// Parses a whole token as a floating-point number (nom's `double`), or `None`.
pub(crate) fn parse_f64(tok: &[u8]) -> Option<f64> {
    match double::<&[u8], nom::error::Error<&[u8]>>(tok) {
        Ok((b"", v)) => Some(v),
        _ => None,
    }
}

/// Parses a whole token as a signed integer (nom's `i64`), or `None`.
pub(crate) fn parse_i64(tok: &[u8]) -> Option<i64> {
    let tok = tok.strip_prefix(b"+").unwrap_or(tok);
    match nom::character::complete::i64::<&[u8], nom::error::Error<&[u8]>>(tok) {
        Ok((b"", v)) => Some(v),
        _ => None,
    }
}

/// Reads whitespace-separated tokens and keeps the line number for error messages.
pub(crate) struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    line: usize,
    format: &'static str,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a [u8], format: &'static str) -> Self {
        Self::new_at_line(input, format, 1)
    }

    /// A lexer whose first line is numbered `line` (for a body that follows a header).
    pub(crate) fn new_at_line(input: &'a [u8], format: &'static str, line: usize) -> Self {
        Self { input, pos: 0, line, format }
    }

    /// Current line (from 1).
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// Bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.input[self.pos..]
    }

    /// Byte offset of the read position.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::new(self.format, Place::Line(self.line), message)
    }

    fn skip_ws(&mut self) {
        while let Some(&c) = self.input.get(self.pos) {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' | 0x0c | 0x0b => {}
                _ => break,
            }
            self.pos += 1;
        }
    }

    /// The next token, or `None` at the end of input.
    pub(crate) fn next_token(&mut self) -> Option<&'a [u8]> {
        self.skip_ws();
        let start = self.pos;
        while let Some(&c) = self.input.get(self.pos) {
            if c.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.input[start..self.pos])
    }

    /// The next token, or an error that says what was expected.
    pub(crate) fn expect_token(&mut self, what: &str) -> Result<&'a [u8], ParseError> {
        self.next_token().ok_or_else(|| self.error(format!("file ends where {what} was expected")))
    }

    /// The next token, which must equal `word` (ASCII case-insensitive).
    pub(crate) fn expect_word(&mut self, word: &str) -> Result<(), ParseError> {
        let tok = self.expect_token(&format!("'{word}'"))?;
        if tok.eq_ignore_ascii_case(word.as_bytes()) {
            Ok(())
        } else {
            Err(self.error(format!("expected '{word}', found '{}'", String::from_utf8_lossy(tok))))
        }
    }

    /// The next token as a number.
    pub(crate) fn f64(&mut self, what: &str) -> Result<f64, ParseError> {
        let tok = self.expect_token(what)?;
        parse_f64(tok).ok_or_else(|| self.error(format!("{what}: '{}' is not a number", String::from_utf8_lossy(tok))))
    }

    /// The next token as a signed integer.
    pub(crate) fn i64(&mut self, what: &str) -> Result<i64, ParseError> {
        let tok = self.expect_token(what)?;
        parse_i64(tok)
            .ok_or_else(|| self.error(format!("{what}: '{}' is not a whole number", String::from_utf8_lossy(tok))))
    }

    /// The next token as a count that must be at most `max` (so a lying header cannot ask for a huge allocation).
    pub(crate) fn count(&mut self, what: &str, max: usize) -> Result<usize, ParseError> {
        let v = self.i64(what)?;
        if v < 0 || v as u64 > max as u64 {
            return Err(self.error(format!("{what} is {v}, but the file can hold at most {max}")));
        }
        Ok(v as usize)
    }

    /// The next `n` raw bytes (binary sections of VTK files), or `None` if fewer remain.
    pub(crate) fn take_bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.input.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(b)
    }

    /// The rest of the current line (without the newline), moving to the next line.
    pub(crate) fn rest_of_line(&mut self) -> &'a [u8] {
        let start = self.pos;
        while let Some(&c) = self.input.get(self.pos) {
            self.pos += 1;
            if c == b'\n' {
                self.line += 1;
                return trim_cr(&self.input[start..self.pos - 1]);
            }
        }
        trim_cr(&self.input[start..])
    }
}

fn trim_cr(s: &[u8]) -> &[u8] {
    s.strip_suffix(b"\r").unwrap_or(s)
}

/// Iterates over lines with their numbers (from 1), without line endings.
pub(crate) fn lines(input: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    input.split(|&c| c == b'\n').enumerate().map(|(i, l)| (i + 1, trim_cr(l)))
}

/// Whitespace-separated tokens of one line.
pub(crate) fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|c| c.is_ascii_whitespace()).filter(|t| !t.is_empty())
}
