//! Markup that is safe by construction. An [`Html`] grows only from markup written in our source
//! (a `&'static str`, checked) and from values, every one of them escaped, so a name, a path or a
//! message from a report can never become an element or an attribute, however it was spelled.
//!
//! [`html!`] is the way in for most of it: `html!("<td class=\"n\">{}</td>", value)` writes the
//! template as it is and each value escaped, or as it is when the value is already [`Html`]. The
//! template is checked when the crate compiles: values go only in text or in quoted attribute
//! values (where escaping is enough), it does not end inside a tag, and there are as many values
//! as holes.

use std::fmt::{self, Write as _};
use std::ops::Deref;

/// Markup known to be safe: built only from checked literal markup and escaped values.
///
/// `Html` is not `Display`, on purpose: every `Display` value given to [`html!`] is text and is
/// escaped, and only an `Html` goes in as markup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Html(String);

impl Html {
    /// Nothing yet.
    pub(crate) fn new() -> Self {
        Html(String::new())
    }

    /// Literal markup from our own source. It is checked as templates are (it must not end inside
    /// a tag), but its braces are plain text, so that a style sheet can be one.
    pub(crate) fn lit(markup: &'static str) -> Self {
        scan(markup, false);
        Html(markup.to_owned())
    }

    /// The template with its holes filled; what [`html!`] expands to.
    pub(crate) fn format(template: Template, values: &[&dyn Piece]) -> Self {
        assert_eq!(
            values.len(),
            template.holes,
            "a template filled with the wrong number of values"
        );
        let mut out = String::with_capacity(template.markup.len() + 8 * values.len());
        let mut values = values.iter();
        let mut rest = template.markup;
        while let Some(i) = rest.find(['{', '}']) {
            out.push_str(&rest[..i]);
            let brace = &rest[i..];
            if brace.starts_with("{{") || brace.starts_with("}}") {
                out.push_str(&brace[..1]);
                rest = &brace[2..];
                continue;
            }
            // `{}` or `{:.N}`, as the template was checked.
            let end = brace.find('}').unwrap_or(brace.len() - 1);
            let precision = brace[1..end]
                .strip_prefix(":.")
                .and_then(|n| n.parse().ok());
            if let Some(value) = values.next() {
                value.put(precision, &mut out);
            }
            rest = &brace[end + 1..];
        }
        out.push_str(rest);
        Html(out)
    }

    /// Appends `other`.
    pub(crate) fn push(&mut self, other: Html) {
        if self.0.is_empty() {
            self.0 = other.0;
        } else {
            self.0.push_str(&other.0);
        }
    }

    /// Appends `other` and a newline, one element a line as the page source reads best.
    pub(crate) fn line(&mut self, other: Html) {
        self.push(other);
        self.0.push('\n');
    }

    /// `items` with `separator` between them.
    pub(crate) fn join(items: impl IntoIterator<Item = Html>, separator: &'static str) -> Self {
        let separator = Html::lit(separator);
        let mut out = Html::new();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(separator.clone());
            }
            out.push(item);
        }
        out
    }

    /// The markup, to keep.
    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// The markup, to write out or to read; reading it as a `str` makes it text again.
impl Deref for Html {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl FromIterator<Html> for Html {
    fn from_iter<I: IntoIterator<Item = Html>>(iter: I) -> Self {
        let mut out = Html::new();
        out.extend(iter);
        out
    }
}

impl Extend<Html> for Html {
    fn extend<I: IntoIterator<Item = Html>>(&mut self, iter: I) {
        for h in iter {
            self.push(h);
        }
    }
}

/// What can fill a template's hole: [`Html`] as it is, and any `Display` value as escaped text.
pub(crate) trait Piece {
    /// Appends itself to `out`, with `precision` (`{:.N}`) when the hole gives one.
    fn put(&self, precision: Option<usize>, out: &mut String);
}

impl<T: fmt::Display + ?Sized> Piece for T {
    fn put(&self, precision: Option<usize>, out: &mut String) {
        let mut escaped = Escaping(out);
        // Writing to a String cannot fail.
        let _ = match precision {
            Some(p) => write!(escaped, "{self:.p$}"),
            None => write!(escaped, "{self}"),
        };
    }
}

impl Piece for Html {
    fn put(&self, _precision: Option<usize>, out: &mut String) {
        out.push_str(&self.0);
    }
}

/// A writer that escapes what it is given, so that a value's own `Display` (with the hole's
/// precision) writes straight into the markup.
struct Escaping<'a>(&'a mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for c in text.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                _ => self.0.push(c),
            }
        }
        Ok(())
    }
}

/// A template [`html!`] checked when the crate compiled, with the number of values it takes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Template {
    markup: &'static str,
    holes: usize,
}

impl Template {
    /// `markup` if it follows the rules of [`scan`] and has `values` holes; in a `const`
    /// block, as [`html!`] calls it, a template that does not fails the build.
    pub(crate) const fn new(markup: &'static str, values: usize) -> Self {
        let holes = scan(markup, true);
        assert!(
            holes == values,
            "the template has a different number of holes than values"
        );
        Template { markup, holes }
    }
}

/// Where the scan of some markup is.
#[derive(Clone, Copy)]
enum Place {
    Text,
    Tag,
    /// In an attribute value quoted with this byte; `true` when the attribute is a URL, a style
    /// or a script, where an escaped value can still do harm (`javascript:…`).
    Quoted(u8, bool),
}

/// Checks markup written in our source and counts its holes (`{}` and `{:.N}`, when `holes`;
/// else braces are text). A hole may sit in text or in a quoted attribute value, where
/// escaping keeps a value what it is, and nowhere else in a tag (`<a {}>` or `<a href={}>` would
/// let a value add attributes), nor in a URL, a style or an event handler. The markup must not
/// end inside a tag, so that whatever is appended next is text again. (It does not follow
/// elements: that is the renderers' job.)
const fn scan(markup: &str, holes: bool) -> usize {
    let b = markup.as_bytes();
    let mut place = Place::Text;
    // The attribute name being read in a tag, as `b[name..equals]`.
    let (mut name, mut equals) = (0, 0);
    let mut count = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = if i + 1 < b.len() { b[i + 1] } else { 0 };
        if holes && (c == b'{' || c == b'}') {
            if next == c {
                i += 2;
                continue;
            }
            assert!(c == b'{', "a `}}` in a template must be doubled: `}}}}`");
            assert!(
                !matches!(place, Place::Tag),
                "a value in a tag must be in a quoted attribute value"
            );
            assert!(
                !matches!(place, Place::Quoted(_, true)),
                "a value cannot be a URL, a style or an event handler"
            );
            i += 1;
            if i + 1 < b.len() && b[i] == b':' && b[i + 1] == b'.' {
                i += 2;
                let digits = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                assert!(i > digits, "a precision must be digits: `{{:.2}}`");
            }
            assert!(
                i < b.len() && b[i] == b'}',
                "a hole is `{{}}` or `{{:.N}}`; a literal `{{` is `{{{{`"
            );
            count += 1;
            i += 1;
            continue;
        }
        place = match place {
            Place::Text
                if c == b'<' && (next.is_ascii_alphabetic() || next == b'/' || next == b'!') =>
            {
                Place::Tag
            }
            Place::Tag if c == b'>' => Place::Text,
            Place::Tag if c == b'"' || c == b'\'' => Place::Quoted(c, risky(b, name, equals)),
            Place::Tag => {
                if c.is_ascii_whitespace() {
                    name = i + 1;
                } else if c == b'=' {
                    equals = i;
                }
                Place::Tag
            }
            Place::Quoted(q, _) if c == q => Place::Tag,
            p => p,
        };
        i += 1;
    }
    assert!(
        matches!(place, Place::Text),
        "markup must not end inside a tag, before its `>`"
    );
    count
}

/// Whether the attribute `b[start..end]` takes a URL, a style or a script.
const fn risky(b: &[u8], start: usize, end: usize) -> bool {
    const RISKY: [&[u8]; 6] = [
        b"href",
        b"src",
        b"xlink:href",
        b"style",
        b"action",
        b"formaction",
    ];
    if end < start {
        return false;
    }
    if end - start > 2
        && b[start].eq_ignore_ascii_case(&b'o')
        && b[start + 1].eq_ignore_ascii_case(&b'n')
    {
        return true;
    }
    let mut k = 0;
    while k < RISKY.len() {
        let word = RISKY[k];
        if word.len() == end - start {
            let mut j = 0;
            while j < word.len() && b[start + j].eq_ignore_ascii_case(&word[j]) {
                j += 1;
            }
            if j == word.len() {
                return true;
            }
        }
        k += 1;
    }
    false
}

/// Markup from a template checked at compile time and values: each value is escaped, unless it
/// is [`Html`] already. `html!("<td title=\"{}\">{:.1}</td>", name, seconds)`.
macro_rules! html {
    ($template:literal $(, $value:expr)* $(,)?) => {
        {
            // An item, not an inline `const` block, so that `cargo check` evaluates it too.
            const TEMPLATE: $crate::report::html::Template = $crate::report::html::Template::new(
                $template,
                <[&str]>::len(&[$(stringify!($value)),*]),
            );
            $crate::report::html::Html::format(
                TEMPLATE,
                &[$(&$value as &dyn $crate::report::html::Piece),*],
            )
        }
    };
}
pub(crate) use html;

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<img src=x onerror=alert(1)>\"'&</td><script>x</script>";
    const ESCAPED: &str = "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;";

    #[test]
    fn text_is_escaped() {
        assert_eq!(&*html!("{}", HOSTILE), ESCAPED);
        let h = html!("<p>{}</p>", HOSTILE.to_owned());
        assert_eq!(&*h, format!("<p>{ESCAPED}</p>"));
    }

    #[test]
    fn attribute_values_are_escaped() {
        for (h, open) in [
            (html!("<a title=\"{}\">x</a>", HOSTILE), "<a title=\""),
            (html!("<a title='{}'>x</a>", HOSTILE), "<a title='"),
            (html!("<a class=\"k {} k\">x</a>", HOSTILE), "<a class=\"k "),
        ] {
            let value = &h[open.len()..h.len() - "\">x</a>".len()];
            assert!(!value.contains(['"', '\'', '<', '>']), "{h:?}");
            assert_eq!(h.matches('<').count(), 2);
        }
    }

    #[test]
    fn html_goes_in_as_markup_and_everything_else_as_text() {
        let inner = html!("<b>{}</b>", "<i>");
        let outer = html!("<p>{} {} {}</p>", inner, "<b>", html!("{}", "<u>"));
        assert_eq!(&*outer, "<p><b>&lt;i&gt;</b> &lt;b&gt; &lt;u&gt;</p>");
        // The markup of an `Html` read as a `str` is text again.
        assert_eq!(
            &*html!("{}", &*inner),
            "&lt;b&gt;&amp;lt;i&amp;gt;&lt;/b&gt;"
        );
    }

    #[test]
    fn holes_take_a_precision_and_braces_double() {
        let h = html!("<p d=\"M{:.1},{:.2}\">{{{}}}</p>", 1.26f64, 2.0f64, 7);
        assert_eq!(&*h, "<p d=\"M1.3,2.00\">{7}</p>");
        // A precision cuts text as `format!` does, after which the rest is escaped.
        assert_eq!(&*html!("{:.2}", "<<<"), "&lt;&lt;");
    }

    #[test]
    fn joins_and_collects() {
        let rows: Html = ["a", "<"].iter().map(|t| html!("<td>{}</td>", t)).collect();
        assert_eq!(&*rows, "<td>a</td><td>&lt;</td>");
        let lines = Html::join([html!("{}", "a&"), html!("b")], "<br>");
        assert_eq!(&*lines, "a&amp;<br>b");
        let mut h = Html::new();
        h.push(Html::lit("<style>a>b{color:red}</style>"));
        assert_eq!(&*h, "<style>a>b{color:red}</style>");
    }

    #[test]
    fn templates_count_their_holes() {
        assert_eq!(scan("<p title=\"{}\">{:.3} {{}} '{}'</p>", true), 3);
        assert_eq!(scan("a < b, c > d, {x}", false), 0);
        assert_eq!(scan("<meta content=\"a 'b' > c\"><!DOCTYPE html>", true), 0);
        // Only attributes that hold a URL, a style or a script are closed to values.
        assert_eq!(
            scan("<a href=\"#x\" data-href=\"{}\" title=\"{}\">", true),
            2
        );
    }

    #[test]
    #[should_panic(expected = "in a quoted attribute value")]
    fn a_value_cannot_add_attributes() {
        scan("<a {}>", true);
    }

    #[test]
    #[should_panic(expected = "in a quoted attribute value")]
    fn a_value_cannot_be_an_unquoted_attribute() {
        scan("<a href={}>", true);
    }

    #[test]
    #[should_panic(expected = "a URL, a style or an event handler")]
    fn a_value_cannot_be_a_url() {
        scan("<a class=\"x\" href=\"{}\">", true);
    }

    #[test]
    #[should_panic(expected = "a URL, a style or an event handler")]
    fn a_value_cannot_be_an_event_handler() {
        scan("<rect\nonclick='{}'/>", true);
    }

    #[test]
    #[should_panic(expected = "end inside a tag")]
    fn markup_cannot_end_in_a_tag() {
        Html::lit("<a href=\"x\"");
    }

    #[test]
    #[should_panic(expected = "a hole is")]
    fn named_holes_are_refused() {
        scan("<p>{name}</p>", true);
    }

    #[test]
    #[should_panic(expected = "number of holes")]
    fn values_match_holes() {
        Template::new("<p>{}</p>", 2);
    }
}
