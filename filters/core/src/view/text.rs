//! [`Text`]: a decoded JSON string that avoids copying where it can.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use crate::json::Decoded;

/// The decoded text of a JSON string value, read like a `&str`.
///
/// A view holds one per segment (and per tool-call field), so it avoids a copy per
/// text: a literal without escapes is borrowed from the body (`'a`); an escaped one
/// is a slice of the decoded-text buffer the scanner filled while validating the
/// body, shared by every text of the view. Texts built by hand (streams, tests)
/// own a `String`.
///
/// It derefs to `str` and compares with `&str`, `String` and `Cow<str>`;
/// [`Text::into_owned`] detaches it from the body.
///
/// ```
/// use parapet_core::Text;
/// let mut t = Text::from("caf");
/// assert_eq!(t, "caf");
/// t.to_mut().push('é');
/// assert_eq!(t.as_str(), "café");
/// assert!(t.starts_with("ca"));
/// ```
#[derive(Clone)]
pub struct Text<'a>(Repr<'a>);

#[derive(Clone)]
enum Repr<'a> {
    Borrowed(&'a str),
    /// `buf[start..end]`.
    Shared {
        buf: Arc<Decoded>,
        start: u32,
        end: u32,
    },
    Owned(String),
}

impl<'a> Text<'a> {
    /// `buf[start..end]`, which the caller knows to be a `str` slice of `buf` (a
    /// wrong range reads as `""`, never a panic); `None` beyond 4 GiB.
    pub(crate) fn shared(buf: &Arc<Decoded>, start: usize, end: usize) -> Option<Text<'a>> {
        Some(Text(Repr::Shared {
            buf: Arc::clone(buf),
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
        }))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Borrowed(s) => s,
            Repr::Shared { buf, start, end } => buf
                .0
                .get(*start as usize..*end as usize)
                .unwrap_or_default(),
            Repr::Owned(s) => s,
        }
    }

    /// The text as a `String` it can edit (copied on the first call, like
    /// [`Cow::to_mut`]).
    pub fn to_mut(&mut self) -> &mut String {
        if !matches!(self.0, Repr::Owned(_)) {
            self.0 = Repr::Owned(self.as_str().to_string());
        }
        match &mut self.0 {
            Repr::Owned(s) => s,
            // Just made owned above.
            _ => unreachable!(),
        }
    }

    /// The same text, no longer tied to the body (a shared slice stays shared).
    pub fn into_owned(self) -> Text<'static> {
        Text(match self.0 {
            Repr::Borrowed(s) => Repr::Owned(s.to_string()),
            Repr::Shared { buf, start, end } => Repr::Shared { buf, start, end },
            Repr::Owned(s) => Repr::Owned(s),
        })
    }

    /// The text as a `String` (no copy when it already owns one).
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(s) => s,
            _ => self.as_str().to_string(),
        }
    }
}

impl Default for Text<'_> {
    fn default() -> Self {
        Text(Repr::Borrowed(""))
    }
}

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text(Repr::Borrowed(s))
    }
}

impl From<String> for Text<'_> {
    fn from(s: String) -> Self {
        Text(Repr::Owned(s))
    }
}

impl<'a> From<Cow<'a, str>> for Text<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Text(Repr::Borrowed(s)),
            Cow::Owned(s) => Text(Repr::Owned(s)),
        }
    }
}

impl From<Text<'_>> for String {
    fn from(t: Text<'_>) -> Self {
        t.into_string()
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Text<'_>) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text<'_> {}

impl PartialOrd for Text<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for Text<'_> {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<Text<'_>> for $other {
            fn eq(&self, other: &Text<'_>) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}
eq_with!(str, String, Cow<'_, str>);

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Text<'_>> for &str {
    fn eq(&self, other: &Text<'_>) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_representation_reads_and_compares_as_its_str() {
        let buf = Arc::new(Decoded("xx café yy".to_string()));
        let shared = Text::shared(&buf, 3, 8).unwrap();
        let borrowed = Text::from("café");
        let owned = Text::from("café".to_string());
        for t in [&shared, &borrowed, &owned] {
            assert_eq!(t.as_str(), "café");
            assert_eq!(*t, "café");
            assert_eq!(*t, "café".to_string());
            assert_eq!(*t, Cow::Borrowed("café"));
            assert_eq!(t, &shared);
            assert_eq!(format!("{t}|{t:?}"), "café|\"café\"");
        }
        // Not a char boundary / out of range: empty, never a panic.
        assert_eq!(Text::shared(&buf, 3, 7).unwrap(), "");
        assert_eq!(Text::shared(&buf, 3, 99).unwrap(), "");
    }

    #[test]
    fn to_mut_copies_once_and_detaching_keeps_the_text() {
        let body = String::from("tool args");
        let mut t = Text::from(&body[..4]);
        t.to_mut().push_str(" call");
        assert_eq!(t, "tool call");
        assert_eq!(body, "tool args");
        let kept: Text<'static> = Text::from(&body[5..]).into_owned();
        drop(body);
        assert_eq!(kept, "args");
        assert_eq!(kept.into_string(), "args");
    }
}
