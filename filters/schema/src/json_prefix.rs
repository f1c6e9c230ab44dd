//! An incremental JSON syntax checker: fed text piece by piece, it says as soon as the text so
//! far can no longer be the start of one JSON document — so a streamed structured answer that
//! begins "Sure! Here is..." can be stopped at its first byte instead of at its end.
//!
//! It checks syntax only (no values are built), keeps O(depth) state, and gives the same answer
//! however the text is split.

/// Where the checker is inside a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a value (top level, after `:` or after `,` in an array).
    Value,
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// Just after `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    ObjectKey,
    /// After a key: `:`.
    Colon,
    /// After a value inside a container: `,` or the closer.
    AfterValue,
    /// Inside a string; `key` says whether it is an object key.
    Str { key: bool },
    /// After a backslash in a string.
    Escape { key: bool },
    /// Inside `\uXXXX`, `left` hex digits to go.
    Unicode { key: bool, left: u8 },
    /// Inside a number.
    Number(Num),
    /// Inside `true` / `false` / `null`: the literal and how many bytes matched.
    Literal(&'static [u8], u8),
    /// The top-level value is complete: only whitespace may follow.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

impl Num {
    /// True when the number may end here.
    fn complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }
}

/// Why the text cannot be JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixError {
    /// Byte offset (in the whole text fed so far) of the offending byte, or of the end for
    /// [`JsonPrefix::finish`].
    pub offset: usize,
    pub problem: &'static str,
}

/// The checker. Feed it with [`JsonPrefix::push`], end with [`JsonPrefix::finish`].
#[derive(Debug, Clone)]
pub struct JsonPrefix {
    /// `true` = object, `false` = array.
    stack: Vec<bool>,
    state: State,
    offset: usize,
    max_depth: usize,
    error: Option<PrefixError>,
}

impl JsonPrefix {
    /// A checker refusing nesting deeper than `max_depth`.
    pub fn new(max_depth: usize) -> JsonPrefix {
        JsonPrefix {
            stack: Vec::new(),
            state: State::Value,
            offset: 0,
            max_depth,
            error: None,
        }
    }

    /// Feeds more text. Returns the first error (also on every later call).
    pub fn push(&mut self, text: &str) -> Result<(), PrefixError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        for &b in text.as_bytes() {
            if let Err(problem) = self.byte(b) {
                let e = PrefixError {
                    offset: self.offset,
                    problem,
                };
                self.error = Some(e.clone());
                return Err(e);
            }
            self.offset += 1;
        }
        Ok(())
    }

    /// True once a complete top-level value has been seen.
    pub fn is_complete(&self) -> bool {
        self.error.is_none()
            && (self.state == State::Done
                || (self.stack.is_empty()
                    && matches!(self.state, State::Number(n) if n.complete())))
    }

    /// Ends the text: errors when it stopped mid-value.
    pub fn finish(&self) -> Result<(), PrefixError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.is_complete() {
            Ok(())
        } else {
            Err(PrefixError {
                offset: self.offset,
                problem: if self.offset == 0 {
                    "empty output"
                } else {
                    "output ends before the JSON value is complete"
                },
            })
        }
    }

    fn value_done(&mut self) {
        self.state = if self.stack.is_empty() {
            State::Done
        } else {
            State::AfterValue
        };
    }

    fn open(&mut self, object: bool) -> Result<(), &'static str> {
        if self.stack.len() >= self.max_depth {
            return Err("JSON nested too deeply");
        }
        self.stack.push(object);
        self.state = if object {
            State::ObjectFirst
        } else {
            State::ArrayFirst
        };
        Ok(())
    }

    fn close(&mut self, object: bool) -> Result<(), &'static str> {
        match self.stack.pop() {
            Some(top) if top == object => {
                self.value_done();
                Ok(())
            }
            _ => Err("mismatched bracket"),
        }
    }

    fn start_value(&mut self, b: u8) -> Result<(), &'static str> {
        match b {
            b'{' => self.open(true),
            b'[' => self.open(false),
            b'"' => {
                self.state = State::Str { key: false };
                Ok(())
            }
            b'-' => {
                self.state = State::Number(Num::Minus);
                Ok(())
            }
            b'0' => {
                self.state = State::Number(Num::Zero);
                Ok(())
            }
            b'1'..=b'9' => {
                self.state = State::Number(Num::Int);
                Ok(())
            }
            b't' => {
                self.state = State::Literal(b"true", 1);
                Ok(())
            }
            b'f' => {
                self.state = State::Literal(b"false", 1);
                Ok(())
            }
            b'n' => {
                self.state = State::Literal(b"null", 1);
                Ok(())
            }
            _ => Err("expected a JSON value"),
        }
    }

    fn byte(&mut self, b: u8) -> Result<(), &'static str> {
        let ws = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        match self.state {
            State::Value => {
                if ws {
                    Ok(())
                } else {
                    self.start_value(b)
                }
            }
            State::ArrayFirst => match b {
                _ if ws => Ok(()),
                b']' => self.close(false),
                _ => self.start_value(b),
            },
            State::ObjectFirst | State::ObjectKey => match b {
                _ if ws => Ok(()),
                b'}' if self.state == State::ObjectFirst => self.close(true),
                b'"' => {
                    self.state = State::Str { key: true };
                    Ok(())
                }
                _ => Err("expected an object key"),
            },
            State::Colon => match b {
                _ if ws => Ok(()),
                b':' => {
                    self.state = State::Value;
                    Ok(())
                }
                _ => Err("expected ':'"),
            },
            State::AfterValue => match b {
                _ if ws => Ok(()),
                b',' => {
                    self.state = if self.stack.last() == Some(&true) {
                        State::ObjectKey
                    } else {
                        State::Value
                    };
                    Ok(())
                }
                b']' => self.close(false),
                b'}' => self.close(true),
                _ => Err("expected ',' or a closing bracket"),
            },
            State::Str { key } => {
                match b {
                    b'"' => {
                        if key {
                            self.state = State::Colon;
                        } else {
                            self.value_done();
                        }
                    }
                    b'\\' => self.state = State::Escape { key },
                    0x00..=0x1f => return Err("control character in a string"),
                    _ => {}
                }
                Ok(())
            }
            State::Escape { key } => match b {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                    self.state = State::Str { key };
                    Ok(())
                }
                b'u' => {
                    self.state = State::Unicode { key, left: 4 };
                    Ok(())
                }
                _ => Err("invalid escape"),
            },
            State::Unicode { key, left } => {
                if !b.is_ascii_hexdigit() {
                    return Err("invalid \\u escape");
                }
                self.state = if left == 1 {
                    State::Str { key }
                } else {
                    State::Unicode {
                        key,
                        left: left - 1,
                    }
                };
                Ok(())
            }
            State::Literal(word, matched) => {
                if word.get(matched as usize) == Some(&b) {
                    if matched as usize + 1 == word.len() {
                        self.value_done();
                    } else {
                        self.state = State::Literal(word, matched + 1);
                    }
                    Ok(())
                } else {
                    Err("invalid literal")
                }
            }
            State::Number(n) => {
                let next = match (n, b) {
                    (Num::Minus, b'0') => Some(Num::Zero),
                    (Num::Minus, b'1'..=b'9') => Some(Num::Int),
                    (Num::Int, b'0'..=b'9') => Some(Num::Int),
                    (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                    (Num::Dot | Num::Frac, b'0'..=b'9') => Some(Num::Frac),
                    (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                    (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
                    (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Some(Num::ExpDigits),
                    _ => None,
                };
                match next {
                    Some(n) => {
                        self.state = State::Number(n);
                        Ok(())
                    }
                    None if n.complete() => {
                        // The number ended; this byte belongs to what follows it.
                        self.value_done();
                        self.byte(b)
                    }
                    None => Err("invalid number"),
                }
            }
            State::Done => {
                if ws {
                    Ok(())
                } else {
                    Err("text after the end of the JSON value")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), PrefixError> {
        let mut p = JsonPrefix::new(64);
        p.push(text)?;
        p.finish()
    }

    #[test]
    fn agrees_with_serde_on_samples() {
        let samples = [
            r#"{"a":[1,2.5e-3,-0,true,false,null,"x\"\u00e9"]}"#,
            r#"  [ ]  "#,
            "12",
            "-",
            "01",
            "1.",
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"[1 2]"#,
            r#"{"a":1}}"#,
            r#"{"a":1] "#,
            "tru",
            "nulll",
            r#""\x""#,
            "\"a\nb\"",
            "",
            "Sure! {\"a\":1}",
            r#"{"k":"v"} trailing"#,
            "[1e+]",
            "[1E5]",
            r#"{"\ud83d\ude00":1}"#,
        ];
        for s in samples {
            let ours = check(s).is_ok();
            let serde = serde_json::from_str::<serde_json::Value>(s).is_ok();
            assert_eq!(ours, serde, "disagree on {s:?}");
        }
    }

    #[test]
    fn fails_at_first_impossible_byte() {
        let mut p = JsonPrefix::new(64);
        let e = p.push("Sure, here").unwrap_err();
        assert_eq!(e.offset, 0);
        let mut p = JsonPrefix::new(64);
        assert!(p.push("{\"a\": 1").is_ok());
        assert!(!p.is_complete());
        assert_eq!(p.push(" x").unwrap_err().offset, 8);
    }

    #[test]
    fn same_result_for_every_split() {
        let texts = [
            r#"{"a":[1,-2.5e3,"x\u0041y"],"b":null}"#,
            r#"{"a":tru}"#,
            "[10 ]x",
        ];
        for text in texts {
            let whole = check(text);
            for cut in 0..=text.len() {
                if !text.is_char_boundary(cut) {
                    continue;
                }
                let mut p = JsonPrefix::new(64);
                let r = p
                    .push(&text[..cut])
                    .and_then(|_| p.push(&text[cut..]))
                    .and_then(|_| p.finish());
                assert_eq!(r, whole, "split at {cut} of {text:?}");
            }
        }
    }

    #[test]
    fn depth_is_bounded() {
        let mut p = JsonPrefix::new(3);
        assert!(p.push("[[[").is_ok());
        assert!(p.push("[").is_err());
    }
}
