//! Server-rendered pages and e-mail bodies.
//!
//! Two handlebars registries: `html` escapes everything in `{{ }}` (pages and HTML e-mail; never
//! use `{{{ }}}` with user text), `text` does not escape (plain-text e-mail), and its output for
//! subjects goes through [`crate::mail::one_line`]. Every page is sent with headers that keep the
//! token in its URL from leaking (`Referrer-Policy: no-referrer`) and keep scanners and caches
//! from storing it.
//!
//! # Two layouts
//!
//! - [`Pages::page`] / [`Pages::page_in`]: the layout of the pages behind e-mailed links, for
//!   members, translators and editors. No navigation: they act on one thing and leave.
//! - [`Pages::console_page`]: the coordinator console's layout, with navigation to every
//!   service's console (built from each service's configured public URL), the signed-in
//!   coordinator's name and a sign-out button; see [`crate::console`]. A console page that
//!   should keep itself current asks for `<meta http-equiv="refresh">` with
//!   [`crate::console::Frame::refresh`]. Neither layout needs JavaScript.
//!
//! # Right-to-left and people's words
//!
//! The `lang` of a page decides its `dir` ([`dir_for`]: `rtl` for Arabic, Hebrew, Persian, Urdu
//! and the other right-to-left scripts `rrm_contracts::LanguageCode::is_rtl` knows). Inside a
//! page, **every element showing people's own words — titles, names, summaries, op-ed text —
//! carries `dir="auto"`**, so an Arabic title on an English page (or a Latin name on an Arabic
//! one) is laid out in its own direction: `<h1 dir="auto">{{alert.title}}</h1>`. Templates can
//! also ask `dir="{{text_dir piece.language}}"`.
//!
//! # Times
//!
//! Templates never show a raw RFC 3339 string: `{{when alert.deadline}}` renders
//! `Mon 23 Nov, 19:16 UTC — in 6 h` (see [`crate::times`]), in the reader's zone with
//! `zone=member.time_zone`, without the relative part in e-mails (`relative=false`).

use anyhow::Context;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use handlebars::Handlebars;
use serde::Serialize;
use serde_json::json;

const LAYOUT: &str = r#"<!doctype html>
<html lang="{{lang}}" dir="{{dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{title}} · rrm</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
header{border-bottom:1px solid #ddd;margin-bottom:1.5rem;color:#555;font-size:.9rem}
h1{font-size:1.5rem}
pre,textarea{white-space:pre-wrap;font:15px/1.5 ui-monospace,monospace}
textarea{width:100%;min-height:20rem}
.hash{font-family:ui-monospace,monospace;word-break:break-all;background:#f4f4f4;padding:.2rem .4rem}
ins{background:#e3f3e3;text-decoration:none}del{background:#f8e1e1}
.diff{white-space:pre-wrap;border:1px solid #ddd;padding:.75rem}
.text{border:1px solid #ddd;padding:1rem;background:#fafafa}
button{font-size:1rem;padding:.5rem 1.2rem;margin-top:1rem}
.notice{background:#eef6ee;border:1px solid #9c9;padding:.75rem}
.error{background:#fbeeee;border:1px solid #c99;padding:.75rem}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:start}
</style>
</head>
<body>
<header>rrm · rapid-response media mechanism · {{service}}</header>
<main>
{{{body}}}
</main>
</body>
</html>
"#;

/// The coordinator console's layout: navigation across the five services, who is signed in, a
/// sign-out form (a POST with the session's CSRF value), and an optional self-refresh.
const CONSOLE_LAYOUT: &str = r#"<!doctype html>
<html lang="{{lang}}" dir="{{dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
{{#if refresh}}<meta http-equiv="refresh" content="{{refresh}}">
{{/if}}<title>{{title}} · rrm console</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:0 1rem 2rem;color:#1b1b1b}
.bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;border-bottom:1px solid #ddd;margin-bottom:1.5rem;padding:.6rem 0}
.bar ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
.bar a{color:#1b1b1b}.bar a[aria-current]{font-weight:600;text-decoration:none}
.bar form{margin:0;color:#555}.bar button{margin:0 0 0 .5rem;padding:.2rem .7rem;font-size:.9rem}
.brand{font-weight:600;margin-inline-end:1rem}
h1{font-size:1.5rem}
pre,textarea{white-space:pre-wrap;font:14px/1.5 ui-monospace,monospace}
.hash{font-family:ui-monospace,monospace;word-break:break-all;background:#f4f4f4;padding:.2rem .4rem}
ins{background:#e3f3e3;text-decoration:none}del{background:#f8e1e1}
.diff{white-space:pre-wrap;border:1px solid #ddd;padding:.75rem}
button{font-size:1rem;padding:.5rem 1.2rem;margin-top:1rem}
.notice{background:#eef6ee;border:1px solid #9c9;padding:.75rem}
.error{background:#fbeeee;border:1px solid #c99;padding:.75rem}
.overdue{color:#a00;font-weight:600}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:start}
</style>
</head>
<body>
<header class="bar">
<nav aria-label="Services"><ul><li class="brand">rrm console</li>
{{#each nav}}<li><a href="{{this.href}}"{{#if this.current}} aria-current="page"{{/if}}>{{this.label}}</a></li>
{{/each}}</ul></nav>
{{#if coordinator}}<form method="post" action="{{sign_out}}">Signed in as <strong dir="auto">{{coordinator}}</strong>
<input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/if}}
</header>
<main>
{{{body}}}
</main>
</body>
</html>
"#;

const ERROR: &str = r#"<h1>{{title}}</h1>
<p class="error">{{message}}</p>
<p>Nothing was changed. If you think this is wrong, reply to the e-mail that brought you here.</p>
"#;

const CONSOLE_ERROR: &str = r#"<h1>{{title}}</h1>
<p class="error">{{message}}</p>
<p>Nothing was changed.</p>
"#;

/// A service's templates.
pub struct Pages {
    service: String,
    html: Handlebars<'static>,
    text: Handlebars<'static>,
}

impl Pages {
    pub fn new(service: &str) -> anyhow::Result<Self> {
        let mut html = Handlebars::new();
        html.register_template_string("_layout", LAYOUT)?;
        html.register_template_string("_console_layout", CONSOLE_LAYOUT)?;
        html.register_template_string("_error", ERROR)?;
        html.register_template_string("_console_error", CONSOLE_ERROR)?;
        crate::times::register(&mut html);
        let mut text = Handlebars::new();
        text.register_escape_fn(handlebars::no_escape);
        crate::times::register(&mut text);
        Ok(Self {
            service: service.to_owned(),
            html,
            text,
        })
    }

    /// Registers an HTML template (escaped).
    pub fn html(mut self, name: &str, source: &str) -> anyhow::Result<Self> {
        self.html
            .register_template_string(name, source)
            .with_context(|| format!("template {name}"))?;
        Ok(self)
    }

    /// Registers a plain-text template (not escaped: e-mail text parts and subjects).
    pub fn text(mut self, name: &str, source: &str) -> anyhow::Result<Self> {
        self.text
            .register_template_string(name, source)
            .with_context(|| format!("template {name}"))?;
        Ok(self)
    }

    pub fn render_html(&self, name: &str, data: &impl Serialize) -> anyhow::Result<String> {
        self.html
            .render(name, data)
            .with_context(|| format!("rendering {name}"))
    }

    pub fn render_text(&self, name: &str, data: &impl Serialize) -> anyhow::Result<String> {
        self.text
            .render(name, data)
            .with_context(|| format!("rendering {name}"))
    }

    /// A full page: `name` rendered inside the layout.
    pub fn page(
        &self,
        status: StatusCode,
        title: &str,
        name: &str,
        data: &impl Serialize,
    ) -> Response {
        self.page_in(status, title, name, data, "en")
    }

    /// A full page in `lang` (sets `dir=rtl` for right-to-left languages).
    pub fn page_in(
        &self,
        status: StatusCode,
        title: &str,
        name: &str,
        data: &impl Serialize,
        lang: &str,
    ) -> Response {
        self.framed(status, "_layout", name, data, |body| {
            json!({
                "title": title,
                "service": self.service,
                "lang": lang,
                "dir": dir_for(lang),
                "body": body,
            })
        })
    }

    /// A coordinator console page: `name` rendered inside the console layout, with the
    /// navigation, coordinator and sign-out form `frame` carries.
    pub fn console_page(
        &self,
        status: StatusCode,
        title: &str,
        name: &str,
        data: &impl Serialize,
        frame: &crate::console::Frame,
    ) -> Response {
        self.framed(status, "_console_layout", name, data, |body| {
            let mut layout = serde_json::to_value(frame).unwrap_or_else(|_| json!({}));
            if let Some(fields) = layout.as_object_mut() {
                fields.insert("title".into(), title.into());
                fields.insert("lang".into(), "en".into());
                fields.insert("dir".into(), dir_for("en").into());
                fields.insert("body".into(), body.into());
            }
            layout
        })
    }

    /// A readable error page inside the console layout.
    pub fn console_error(
        &self,
        status: StatusCode,
        title: &str,
        message: &str,
        frame: &crate::console::Frame,
    ) -> Response {
        self.console_page(
            status,
            title,
            "_console_error",
            &json!({ "title": title, "message": message }),
            frame,
        )
    }

    fn framed(
        &self,
        status: StatusCode,
        layout: &str,
        name: &str,
        data: &impl Serialize,
        around: impl FnOnce(String) -> serde_json::Value,
    ) -> Response {
        let rendered = self
            .render_html(name, data)
            .and_then(|body| self.render_html(layout, &around(body)));
        match rendered {
            Ok(html) => page_response(status, html),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "page failed to render");
                page_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "<h1>Something went wrong</h1><p>Nothing was changed.</p>".into(),
                )
            }
        }
    }

    /// The page for a refused link, in words the person who clicked it understands. The refusal
    /// is logged; the token is not.
    pub fn link_error(&self, e: crate::links::LinkError) -> Response {
        use crate::links::LinkError;
        tracing::warn!(reason = %e, "refused a link");
        match e {
            LinkError::Expired => self.error(
                StatusCode::GONE,
                "This link has expired",
                "Links in our e-mails are valid for a limited time. Ask the coordinators for a new one.",
            ),
            LinkError::WrongPurpose => self.error(StatusCode::BAD_REQUEST, "Wrong link", "This link is for a different action."),
            LinkError::Tampered => self.error(
                StatusCode::BAD_REQUEST,
                "This link is not valid",
                "The link is damaged or was not issued by us. Use the link exactly as it appears in the e-mail.",
            ),
        }
    }

    /// The page when the service could not read or record something: nothing changed, try again.
    pub fn unavailable(&self, e: impl std::fmt::Display) -> Response {
        tracing::error!(error = %e, "request failed");
        self.error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Please try again",
            "This could not be done just now; nothing was changed.",
        )
    }

    /// A readable error page for people following links.
    pub fn error(&self, status: StatusCode, title: &str, message: &str) -> Response {
        self.page(
            status,
            title,
            "_error",
            &json!({ "title": title, "message": message }),
        )
    }
}

/// The writing direction of `lang` (a BCP 47 code): `rtl` for Arabic, Hebrew, Persian, Urdu and
/// the other right-to-left languages, `ltr` for every other and for codes that do not parse.
pub fn dir_for(lang: &str) -> &'static str {
    match rrm_contracts::LanguageCode::parse(lang) {
        Ok(code) if code.is_rtl() => "rtl",
        _ => "ltr",
    }
}

fn page_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        html,
    )
        .into_response()
}

/// `url` if it is an absolute http(s) URL, fit for an `href`.
pub fn safe_url(url: &str) -> Option<&str> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        .then_some(url)
        .filter(|u| {
            !u.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_user_text_and_text_does_not() {
        let pages = Pages::new("test")
            .unwrap()
            .html("t", "<p>{{name}}</p>")
            .unwrap()
            .text("t", "Dear {{name}}")
            .unwrap();
        let data = json!({ "name": "<script>alert(1)</script> & Co" });
        assert_eq!(
            pages.render_html("t", &data).unwrap(),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</p>"
        );
        assert_eq!(
            pages.render_text("t", &data).unwrap(),
            "Dear <script>alert(1)</script> & Co"
        );
    }

    #[test]
    fn pages_are_right_to_left_for_arabic() {
        let pages = Pages::new("test")
            .unwrap()
            .html("t", "<p>{{x}}</p>")
            .unwrap();
        let html = |lang: &str| {
            let response = pages.page_in(StatusCode::OK, "T", "t", &json!({"x": "مرحبا"}), lang);
            assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
            let body = futures_util::FutureExt::now_or_never(axum::body::to_bytes(
                response.into_body(),
                1 << 20,
            ))
            .unwrap()
            .unwrap();
            String::from_utf8(body.to_vec()).unwrap()
        };
        let arabic = html("ar");
        assert!(arabic.contains(r#"<html lang="ar" dir="rtl">"#), "{arabic}");
        assert!(arabic.contains("<p>مرحبا</p>"));
        assert!(html("fr").contains(r#"<html lang="fr" dir="ltr">"#));
    }

    #[test]
    fn right_to_left_languages_are_known_by_their_code() {
        for rtl in ["ar", "he", "fa", "ur", "ar-EG", "AR"] {
            assert_eq!(dir_for(rtl), "rtl", "{rtl}");
        }
        for ltr in ["en", "fr", "zh", "ru", "es", "tr", "", "not a code"] {
            assert_eq!(dir_for(ltr), "ltr", "{ltr}");
        }
    }

    #[test]
    fn only_web_urls_are_safe_in_href() {
        assert_eq!(
            safe_url("https://example.org/a?b=c"),
            Some("https://example.org/a?b=c")
        );
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("https://x.org/\" onclick=\"x"), None);
    }
}
