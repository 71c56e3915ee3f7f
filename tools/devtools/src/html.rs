//! A tiny, forgiving HTML tokenizer: just enough to find `href`s in mail and to
//! prefix text nodes in the pseudo translator. It never rewrites markup: every
//! token is a slice of the input, so concatenating the tokens gives the input back.

/// One piece of an HTML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// Character data between tags (entities left as they are).
    Text(&'a str),
    /// A start or end tag, verbatim.
    Tag(Tag<'a>),
    /// Comments, doctypes, processing instructions, the contents of `<script>`
    /// and `<style>`, and an unterminated tag at the end of the input.
    Other(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag<'a> {
    /// The tag exactly as written, from `<` to `>` inclusive.
    pub raw: &'a str,
    /// Lower-cased element name.
    pub name: String,
    pub closing: bool,
    pub self_closing: bool,
}

impl Tag<'_> {
    /// Attributes in order, names lower-cased, values entity-decoded.
    pub fn attributes(&self) -> Vec<(String, String)> {
        parse_attributes(self.raw)
    }

    pub fn attribute(&self, name: &str) -> Option<String> {
        self.attributes()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    pub fn is_void(&self) -> bool {
        matches!(
            self.name.as_str(),
            "area"
                | "base"
                | "br"
                | "col"
                | "embed"
                | "hr"
                | "img"
                | "input"
                | "link"
                | "meta"
                | "param"
                | "source"
                | "track"
                | "wbr"
        )
    }
}

/// Splits `input` into tokens. Concatenating the slices of the result yields `input`.
pub(crate) fn tokenize(input: &str) -> Vec<Token<'_>> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut i = 0;

    fn flush<'a>(tokens: &mut Vec<Token<'a>>, input: &'a str, from: usize, to: usize) {
        if from < to {
            tokens.push(Token::Text(&input[from..to]));
        }
    }

    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied();
        if input[i..].starts_with("<!--") {
            let end = input[i + 4..]
                .find("-->")
                .map_or(input.len(), |p| i + 4 + p + 3);
            flush(&mut tokens, input, text_start, i);
            tokens.push(Token::Other(&input[i..end]));
            i = end;
            text_start = i;
            continue;
        }
        if matches!(next, Some(b'!') | Some(b'?')) {
            let end = input[i..].find('>').map_or(input.len(), |p| i + p + 1);
            flush(&mut tokens, input, text_start, i);
            tokens.push(Token::Other(&input[i..end]));
            i = end;
            text_start = i;
            continue;
        }
        let closing = next == Some(b'/');
        let name_start = if closing { i + 2 } else { i + 1 };
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            // A lone `<` in text, e.g. "a < b".
            i += 1;
            continue;
        }
        flush(&mut tokens, input, text_start, i);
        let Some(end) = tag_end(bytes, name_start) else {
            // Unterminated tag: keep the rest verbatim.
            tokens.push(Token::Other(&input[i..]));
            return tokens;
        };
        let raw = &input[i..end];
        let name_len = bytes[name_start..end]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_'))
            .count();
        let name = input[name_start..name_start + name_len].to_ascii_lowercase();
        let self_closing = raw.ends_with("/>");
        let raw_text = !closing && matches!(name.as_str(), "script" | "style");
        tokens.push(Token::Tag(Tag {
            raw,
            name: name.clone(),
            closing,
            self_closing,
        }));
        i = end;
        text_start = i;
        if raw_text && !self_closing {
            // Raw text element: everything up to the matching end tag is opaque.
            let needle = format!("</{name}");
            let content_end = input[i..]
                .to_ascii_lowercase()
                .find(&needle)
                .map_or(input.len(), |p| i + p);
            if content_end > i {
                tokens.push(Token::Other(&input[i..content_end]));
            }
            i = content_end;
            text_start = i;
        }
    }
    flush(&mut tokens, input, text_start, bytes.len());
    tokens
}

/// Index just past the `>` that closes the tag whose name starts at `from`,
/// honouring quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    let mut after_eq = false;
    for (offset, &b) in bytes[from..].iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'>' => return Some(from + offset + 1),
                b'=' => after_eq = true,
                b'"' | b'\'' if after_eq => {
                    quote = Some(b);
                    after_eq = false;
                }
                b if b.is_ascii_whitespace() => {}
                _ => after_eq = false,
            },
        }
    }
    None
}

fn parse_attributes(raw: &str) -> Vec<(String, String)> {
    let inner = raw
        .strip_prefix('<')
        .unwrap_or(raw)
        .trim_start_matches('/')
        .trim_end_matches('>');
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    // Skip the element name.
    while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '/' {
        i += 1;
    }
    let mut out = Vec::new();
    loop {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' && chars[i] != '/' {
            i += 1;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        let mut value = String::new();
        if j < chars.len() && chars[j] == '=' {
            j += 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if j < chars.len() && (chars[j] == '"' || chars[j] == '\'') {
                let q = chars[j];
                j += 1;
                let vstart = j;
                while j < chars.len() && chars[j] != q {
                    j += 1;
                }
                value = chars[vstart..j].iter().collect();
                j = (j + 1).min(chars.len());
            } else {
                let vstart = j;
                while j < chars.len() && !chars[j].is_whitespace() {
                    j += 1;
                }
                value = chars[vstart..j].iter().collect();
            }
            i = j;
        }
        if name.is_empty() {
            // Stray character such as a lone '='; skip it.
            i = i.max(start + 1);
            continue;
        }
        out.push((name, decode_entities(&value)));
    }
    out
}

/// Decodes the character references that matter in attribute values and text.
/// Unknown references are kept as written.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let decoded = rest.find(';').filter(|&end| end <= 12).and_then(|end| {
            let entity = &rest[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let num = entity.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse::<u32>().ok()?,
                    };
                    char::from_u32(code)
                }
            };
            ch.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &str) -> String {
        tokenize(s)
            .iter()
            .map(|t| match t {
                Token::Text(x) | Token::Other(x) => *x,
                Token::Tag(tag) => tag.raw,
            })
            .collect()
    }

    #[test]
    fn tokens_concatenate_to_the_input() {
        for s in [
            "",
            "plain",
            "<p>a < b &amp; c</p>",
            "<!doctype html><html><!-- c --><body><p title=\"a>b\">x</p></body></html>",
            "<script>if (a<b) {}</script><style>p>a{}</style>tail",
            "<a href='x'>unterminated <b",
            "<br/>text<img src=x alt=\"<\">",
        ] {
            assert_eq!(roundtrip(s), s);
        }
    }

    #[test]
    fn tags_and_attributes() {
        let tokens = tokenize(r#"<A HREF="https://x.example/?a=1&amp;b=2" class=big>go</A>"#);
        let Token::Tag(tag) = &tokens[0] else {
            panic!("expected a tag, got {tokens:?}");
        };
        assert_eq!(tag.name, "a");
        assert_eq!(
            tag.attribute("href").as_deref(),
            Some("https://x.example/?a=1&b=2")
        );
        assert_eq!(tag.attribute("class").as_deref(), Some("big"));
        assert_eq!(tokens[1], Token::Text("go"));
        let Token::Tag(end) = &tokens[2] else {
            panic!("expected a tag");
        };
        assert!(end.closing);
    }

    #[test]
    fn quoted_gt_does_not_end_the_tag() {
        let tokens = tokenize(r#"<p title="1 > 0">x</p>"#);
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[1], Token::Text("x"));
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a&amp;b&#38;c&#x26;d&lt;&unknown;&"),
            "a&b&c&d<&unknown;&"
        );
    }
}
