//! Values from outside, parsed once at the edge: a value of these types is valid by construction.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{0:?} is not a language code (expected e.g. \"en\", \"zh\", \"pt-BR\")")]
    Language(String),
    #[error("{0:?} is not a valid e-mail address")]
    Email(String),
}

/// A BCP 47 language tag of the simple kind rrm uses: a 2–3 letter primary language, optionally
/// followed by subtags (`pt-BR`, `zh-Hant`). The primary language is kept lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = "zh-Hant")
)]
#[serde(transparent)]
pub struct LanguageCode(String);

impl LanguageCode {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let raw = raw.trim();
        let mut parts = raw.split('-');
        let primary = parts.next().unwrap_or_default();
        let primary_ok =
            (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
        let rest_ok = parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !primary_ok || !rest_ok {
            return Err(ValueError::Language(raw.to_owned()));
        }
        let mut code = primary.to_ascii_lowercase();
        if let Some((_, rest)) = raw.split_once('-') {
            code.push('-');
            code.push_str(rest);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag (`zh` for `zh-Hant`).
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// Whether text in this language is written right to left.
    pub fn is_rtl(&self) -> bool {
        matches!(
            self.primary(),
            "ar" | "he" | "fa" | "ur" | "ps" | "dv" | "yi" | "ku" | "sd" | "ug"
        )
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LanguageCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// An e-mail address checked for the shape SMTP and headers need: one `@`, a non-empty local part
/// and a dotted domain, no whitespace or control characters (so it can never inject a header).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let raw = raw.trim();
        let bad = || ValueError::Email(raw.to_owned());
        if raw.len() > 254
            || raw
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c))
        {
            return Err(bad());
        }
        let (local, domain) = raw.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.contains('@') || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_six_un_languages_parse() {
        for code in ["ar", "en", "es", "fr", "ru", "zh"] {
            assert_eq!(LanguageCode::parse(code).unwrap().as_str(), code);
        }
        assert_eq!(LanguageCode::parse("PT-BR").unwrap().as_str(), "pt-BR");
        assert!(LanguageCode::parse("ar").unwrap().is_rtl());
        assert!(!LanguageCode::parse("en").unwrap().is_rtl());
    }

    #[test]
    fn nonsense_is_not_a_language() {
        for bad in ["", "e", "english", "e1", "en-", "en_US", "en-toolongsubtag"] {
            assert!(LanguageCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn addresses_that_could_inject_headers_are_refused() {
        for bad in [
            "a@b.org\r\nBcc: x@y.org",
            "a b@c.org",
            "noat.org",
            "@b.org",
            "a@",
            "a@nodot",
            "a@b..org",
            "<a@b.org>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            EmailAddress::parse(" Editor@Paper.EXAMPLE ")
                .unwrap()
                .as_str(),
            "Editor@paper.example"
        );
    }

    proptest! {
        /// An address with a line break inside it is refused (a header could be injected
        /// through it); without one, the same address is accepted. Around it, line breaks are
        /// trimmed like any whitespace.
        #[test]
        fn an_address_with_a_line_break_is_refused(
            local in "[a-z][a-z.]{0,9}",
            domain in "[a-z]{1,10}\\.[a-z]{2,4}",
            line_break in prop::sample::select(vec!["", "\r", "\n", "\r\n", "\u{2028}", "\u{85}"]),
            at in 0usize..4,
        ) {
            let s = match at {
                0 => format!("{local}{line_break}@{domain}"),
                1 => format!("{local}@{line_break}{domain}"),
                2 => format!("x{line_break}{local}@{domain}"),
                _ => format!("{local}@{}{line_break}{}", &domain[..1], &domain[1..]),
            };
            let parsed = EmailAddress::parse(&s);
            if line_break.is_empty() {
                prop_assert!(parsed.is_ok(), "{s:?} refused");
            } else {
                prop_assert!(parsed.is_err(), "{s:?} accepted");
            }
        }

        #[test]
        fn a_parsed_address_never_contains_line_breaks(s in "[a-z@.\r\n\t \u{2028}]{0,30}") {
            if let Ok(addr) = EmailAddress::parse(&s) {
                prop_assert!(!addr.as_str().contains('\n') && !addr.as_str().contains('\r'));
            }
        }

        #[test]
        fn a_parsed_language_reparses_to_itself(s in "[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,2}") {
            let code = LanguageCode::parse(&s).unwrap();
            prop_assert_eq!(LanguageCode::parse(code.as_str()).unwrap(), code);
        }
    }
}
