//! Op-ed Markdown as HTML safe to show on pages and to send to editors.
//!
//! Op-eds are written by members, so their Markdown is untrusted. The rules:
//!
//! - CommonMark, plus strikethrough (`~~gone~~`) and tables.
//! - Links keep their address only when it is `http:`, `https:` or `mailto:`; any other scheme
//!   (`javascript:`, `data:`, `vbscript:`…) and relative addresses lose their `href`, since an
//!   op-ed read in a mail client or on another service's page has no base to resolve them
//!   against. Every link gets `rel="noopener noreferrer nofollow"`.
//! - No images: a remote image tells its host who read the op-ed and when, and a `data:` image
//!   can carry anything. A Markdown image becomes its alt text, so the reader still sees what
//!   it showed; a raw HTML `<img>` is dropped.
//! - No scripts, styles, frames, embedded objects, `style` attributes or event handlers
//!   (`onclick`…): `<script>`, `<style>`, `<iframe>`, `<object>`, `<embed>` and `<noscript>` go
//!   with their content.

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;

/// Link schemes an op-ed may use.
const URL_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Tags removed together with everything inside them (on top of ammonia's `script` and `style`).
const REMOVED_WITH_CONTENT: [&str; 4] = ["iframe", "object", "embed", "noscript"];

/// `rel` of every link: no access to the opener, no referrer, no endorsement for search engines.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// Renders op-ed Markdown to HTML and sanitises it by the rules above.
pub fn to_safe_html(markdown: &str) -> String {
    sanitiser().clean(&render(markdown)).to_string()
}

/// Markdown to HTML, with every image replaced by its alt text.
fn render(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let events = Parser::new_ext(markdown, options).filter(|event| !is_image_boundary(event));
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The start or end of an image. Dropping both leaves the events between them (the alt text)
/// as ordinary inline text.
fn is_image_boundary(event: &Event<'_>) -> bool {
    matches!(
        event,
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image)
    )
}

/// ammonia's defaults (no scripts, styles or event handlers), with only safe link schemes, no
/// relative links, no images and no frames or embedded objects.
fn sanitiser() -> Builder<'static> {
    let mut builder = Builder::default();
    builder
        .url_schemes(URL_SCHEMES.into_iter().collect::<HashSet<_>>())
        .url_relative(UrlRelative::Deny)
        .link_rel(Some(LINK_REL))
        .rm_tags(["img"])
        .add_clean_content_tags(REMOVED_WITH_CONTENT);
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_gone_with_their_content() {
        let html = to_safe_html("Hello\n\n<script>alert(1)</script>\n\nbye");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert(1)"), "{html}");
        assert!(html.contains("Hello") && html.contains("bye"), "{html}");
    }

    #[test]
    fn javascript_links_lose_their_address() {
        for markdown in [
            r#"<a href="javascript:alert(1)">x</a>"#,
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        ] {
            let html = to_safe_html(markdown);
            let lower = html.to_lowercase();
            assert!(!lower.contains("javascript"), "{markdown} → {html}");
            assert!(!lower.contains("vbscript"), "{markdown} → {html}");
            assert!(!lower.contains("data:"), "{markdown} → {html}");
            assert!(!lower.contains("href"), "{markdown} → {html}");
            assert!(html.contains('x'), "{markdown} → {html}");
        }
    }

    #[test]
    fn raw_images_and_their_handlers_are_gone() {
        let html = to_safe_html("before <img src=x onerror=alert(1)> after");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("alert(1)"), "{html}");
        assert!(html.contains("before") && html.contains("after"), "{html}");
    }

    #[test]
    fn markdown_images_become_their_alt_text() {
        let html = to_safe_html("See ![a cat](https://evil.example/cat.png) here.");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("evil.example"), "{html}");
        assert!(html.contains("See a cat here."), "{html}");

        let html = to_safe_html("![a dot](data:image/png;base64,iVBORw0KGgo=)");
        assert!(!html.contains("<img") && !html.contains("data:"), "{html}");
        assert!(html.contains("a dot"), "{html}");
    }

    #[test]
    fn frames_and_objects_are_gone() {
        let html = to_safe_html(
            "a\n\n<iframe src=\"https://evil.example/\">inside</iframe>\n\n\
             <object data=\"x.swf\">obj</object><embed src=\"x.swf\">\n\nb",
        );
        for gone in [
            "<iframe",
            "evil.example",
            "inside",
            "<object",
            "x.swf",
            "<embed",
        ] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
    }

    #[test]
    fn handlers_and_styles_are_stripped_but_the_text_stays() {
        let html = to_safe_html(
            "<p onclick=\"alert(1)\" style=\"position:fixed\">Click</p>\n\n<style>p{}</style>",
        );
        assert!(
            !html.contains("onclick") && !html.contains("alert"),
            "{html}"
        );
        assert!(!html.contains("style") && !html.contains("p{}"), "{html}");
        assert!(html.contains("<p>Click</p>"), "{html}");
    }

    #[test]
    fn ordinary_markdown_survives() {
        let html = to_safe_html(
            "# Title\n\nSome *emphasis*, **strong** and ~~gone~~ words.\n\n\
             - one\n- two\n\n1. first\n\n> quoted\n\n[site](https://example.org) \
             [mail](mailto:desk@example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        for kept in [
            "<h1>Title</h1>",
            "<em>emphasis</em>",
            "<strong>strong</strong>",
            "<del>gone</del>",
            "<li>one</li>",
            "<ol>",
            "<blockquote>",
            "<td>1</td>",
            r#"href="https://example.org""#,
            r#"rel="noopener noreferrer nofollow""#,
            r#"href="mailto:desk@example.org""#,
        ] {
            assert!(html.contains(kept), "{kept} missing from {html}");
        }
    }
}
