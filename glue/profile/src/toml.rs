//! A TOML subset: `[section]` headers, `key = value` lines with string, integer or boolean
//! values, and `#` comments. That is all a profile needs; anything else is a parse error
//! with a line number, so a typo never passes unnoticed.

use std::collections::BTreeMap;
use std::fmt;

/// A value on the right of `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `"text"` (the escapes `\"` and `\\` are understood).
    String(String),
    /// A decimal integer, optionally with `_` separators, or `0x` hexadecimal.
    Integer(u64),
    /// `true` or `false`.
    Boolean(bool),
}

impl Value {
    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Boolean(_) => "a boolean",
        }
    }
}

/// A parsed document: full dotted key (`section.key`) to value and the line it was on.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Document {
    /// Keys in sorted order; `section.key` for keys under a `[section]`.
    pub entries: BTreeMap<String, (Value, usize)>,
}

/// Why a document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong on that line.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn is_bare_key(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parses `text`. Duplicate keys, unknown syntax and unterminated strings are errors.
pub fn parse(text: &str) -> Result<Document, ParseError> {
    let mut document = Document::default();
    let mut section = String::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let error = |message: String| ParseError { line, message };
        let content = strip_comment(raw).trim();
        if content.is_empty() {
            continue;
        }
        if let Some(rest) = content.strip_prefix('[') {
            let name = rest.strip_suffix(']').ok_or_else(|| error("a section header must end with `]`".into()))?.trim();
            if !is_bare_key(name) {
                return Err(error(format!("bad section name `{name}`")));
            }
            section = name.to_string();
            continue;
        }
        let (key, value) =
            content.split_once('=').ok_or_else(|| error(format!("expected `key = value`, found `{content}`")))?;
        let key = key.trim();
        if !is_bare_key(key) {
            return Err(error(format!("bad key `{key}`")));
        }
        let value = parse_value(value.trim()).map_err(error)?;
        let full_key = if section.is_empty() { key.to_string() } else { format!("{section}.{key}") };
        if document.entries.contains_key(&full_key) {
            return Err(error(format!("`{full_key}` is set twice")));
        }
        document.entries.insert(full_key, (value, line));
    }
    Ok(document)
}

/// Removes a `#` comment, leaving `#` inside strings alone.
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (position, character) in line.char_indices() {
        match character {
            '\\' if in_string && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_string = !in_string,
            '#' if !in_string => return &line[..position],
            _ => {}
        }
        escaped = false;
    }
    line
}

fn parse_value(text: &str) -> Result<Value, String> {
    if let Some(rest) = text.strip_prefix('"') {
        let mut out = String::new();
        let mut characters = rest.chars();
        while let Some(character) = characters.next() {
            match character {
                '"' => {
                    let trailing: String = characters.collect();
                    if !trailing.trim().is_empty() {
                        return Err(format!("unexpected `{}` after the string", trailing.trim()));
                    }
                    return Ok(Value::String(out));
                }
                '\\' => match characters.next() {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    other => return Err(format!("unsupported escape `\\{}`", other.unwrap_or(' '))),
                },
                _ => out.push(character),
            }
        }
        return Err("unterminated string".into());
    }
    match text {
        "true" => return Ok(Value::Boolean(true)),
        "false" => return Ok(Value::Boolean(false)),
        "" => return Err("missing value after `=`".into()),
        _ => {}
    }
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse::<u64>(),
    };
    parsed
        .map(Value::Integer)
        .map_err(|_| format!("`{text}` is not a string (in double quotes), a non-negative integer or a boolean"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_and_values() {
        let document =
            parse("name = \"minimal\" # trailing\n[kernel]\nstack = 16_384\nhex = 0x10\non = true\n").unwrap();
        assert_eq!(document.entries["name"].0, Value::String("minimal".into()));
        assert_eq!(document.entries["kernel.stack"], (Value::Integer(16384), 3));
        assert_eq!(document.entries["kernel.hex"].0, Value::Integer(16));
        assert_eq!(document.entries["kernel.on"].0, Value::Boolean(true));
    }

    #[test]
    fn hash_inside_a_string_is_not_a_comment() {
        let document = parse("a = \"x # y\" # z").unwrap();
        assert_eq!(document.entries["a"].0, Value::String("x # y".into()));
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("a = 1\nb 2").unwrap_err().line, 2);
        assert_eq!(parse("a = 1\na = 2").unwrap_err().line, 2);
        assert!(parse("a = \"open").unwrap_err().message.contains("unterminated"));
        assert!(parse("a = -1").is_err());
        assert!(parse("[bad").is_err());
        assert!(parse("a = \"x\" y").is_err());
        assert!(parse("a =").is_err());
    }

    #[test]
    fn arbitrary_text_never_panics() {
        let samples = ["[", "]", "=", "\"", "a=\"\\", "a=0x", "[a.b]", "a = \"\\q\"", "\u{0}=1"];
        for sample in samples {
            let _ = parse(sample);
        }
    }
}
