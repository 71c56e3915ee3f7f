//! Readable times: what a coordinator, a member or an editor sees instead of an RFC 3339 string.
//!
//! `Mon 23 Nov, 19:16 UTC — in 6 h`: the weekday, day, month and time in the reader's IANA time
//! zone with its abbreviation (`Mon 23 Nov, 20:16 CET`), UTC when the zone is unknown, the year
//! only when it is not the current one, and how far it is from now. Templates use the `when`
//! helper, registered in both registries of [`crate::Pages`]:
//!
//! ```handlebars
//! {{when alert.deadline}}                        Mon 23 Nov, 19:16 UTC — in 6 h
//! {{when alert.deadline zone=member.time_zone}}  Mon 23 Nov, 20:16 CET — in 6 h
//! {{when alert.deadline relative=false}}         Mon 23 Nov, 19:16 UTC
//! ```
//!
//! E-mails pass `relative=false`: they are rendered when queued and read hours later, when "in
//! 6 h" would no longer be true. A missing value renders as nothing; a value that is not a time is
//! shown as it is (escaped like any other value).

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use handlebars::{
    Context, Helper, HelperDef, RenderContext, RenderError, ScopedJson, handlebars_helper,
};
use serde_json::Value;

/// `at` for a reader in `zone` (an IANA name such as `Europe/Paris`; UTC when `None` or unknown),
/// with how far it is from `now`.
pub fn readable(at: DateTime<Utc>, now: DateTime<Utc>, zone: Option<&str>) -> String {
    format!("{} — {}", absolute(at, now, zone), relative(at, now))
}

/// `at` for a reader in `zone`, without the distance from now (for what is read later, e-mails).
pub fn absolute(at: DateTime<Utc>, now: DateTime<Utc>, zone: Option<&str>) -> String {
    let zone = zone
        .and_then(|z| z.trim().parse::<Tz>().ok())
        .unwrap_or(Tz::UTC);
    let local = at.with_timezone(&zone);
    let same_year = local.year() == now.with_timezone(&zone).year();
    let pattern = if same_year {
        "%a %-d %b, %H:%M %Z"
    } else {
        "%a %-d %b %Y, %H:%M %Z"
    };
    local.format(pattern).to_string()
}

/// How far `at` is from `now`: `in 25 min`, `6 h ago`, `in 3 days`, `now`.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = at - now;
    let future = delta.num_seconds() >= 0;
    let minutes = delta.num_minutes().unsigned_abs();
    let span = match minutes {
        0 => return "now".into(),
        1..60 => format!("{minutes} min"),
        // Below ten hours the minutes still matter for a deadline: `in 5 h 40 min`.
        60..600 if !minutes.is_multiple_of(60) => {
            format!("{} h {} min", minutes / 60, minutes % 60)
        }
        60..2880 => format!("{} h", minutes / 60),
        _ => format!("{} days", minutes / 1440),
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A time as templates receive it: RFC 3339 (how `DateTime<Utc>` serialises) or seconds since
/// the epoch.
fn parse(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => n.as_i64().and_then(|s| DateTime::from_timestamp(s, 0)),
        _ => None,
    }
}

/// The `when` helper (see the module docs). Its output goes through the registry's escaping.
pub struct When;

impl HelperDef for When {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg handlebars::Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let value = h.param(0).map(|p| p.value()).unwrap_or(&Value::Null);
        let zone = h.hash_get("zone").and_then(|z| z.value().as_str());
        let with_relative = h
            .hash_get("relative")
            .and_then(|r| r.value().as_bool())
            .unwrap_or(true);
        let text = match (value, parse(value)) {
            (_, Some(at)) if with_relative => readable(at, Utc::now(), zone),
            (_, Some(at)) => absolute(at, Utc::now(), zone),
            (Value::Null, None) => String::new(),
            (Value::String(s), None) => s.clone(),
            (other, None) => other.to_string(),
        };
        Ok(ScopedJson::Derived(Value::String(text)))
    }
}

handlebars_helper!(TextDir: |lang: str| crate::pages::dir_for(lang));

/// Registers `when` and `text_dir` (`dir="{{text_dir piece.language}}"`) in `registry`.
pub(crate) fn register(registry: &mut handlebars::Handlebars<'static>) {
    registry.register_helper("when", Box::new(When));
    registry.register_helper("text_dir", Box::new(TextDir));
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn a_deadline_hours_away_reads_in_utc_with_its_distance() {
        let now = utc(2026, 11, 23, 13, 16);
        assert_eq!(
            readable(utc(2026, 11, 23, 19, 16), now, None),
            "Mon 23 Nov, 19:16 UTC — in 6 h"
        );
        assert_eq!(
            readable(utc(2026, 11, 23, 18, 56), now, None),
            "Mon 23 Nov, 18:56 UTC — in 5 h 40 min"
        );
        assert_eq!(
            readable(utc(2026, 11, 24, 13, 16), now, None),
            "Tue 24 Nov, 13:16 UTC — in 24 h"
        );
    }

    #[test]
    fn past_times_read_as_ago() {
        let now = utc(2026, 11, 23, 19, 41);
        assert_eq!(
            readable(utc(2026, 11, 23, 19, 16), now, None),
            "Mon 23 Nov, 19:16 UTC — 25 min ago"
        );
        assert_eq!(relative(utc(2026, 11, 20, 19, 41), now), "3 days ago");
        assert_eq!(relative(utc(2026, 11, 23, 7, 41), now), "12 h ago");
    }

    #[test]
    fn minutes_and_days_and_now() {
        let now = utc(2026, 11, 23, 12, 0);
        assert_eq!(relative(now, now), "now");
        assert_eq!(relative(now + chrono::Duration::seconds(59), now), "now");
        assert_eq!(relative(utc(2026, 11, 23, 12, 25), now), "in 25 min");
        assert_eq!(relative(utc(2026, 11, 26, 12, 0), now), "in 3 days");
    }

    #[test]
    fn a_known_zone_shows_local_time_and_its_abbreviation() {
        let now = utc(2026, 11, 23, 13, 16);
        assert_eq!(
            readable(utc(2026, 11, 23, 19, 16), now, Some("Europe/Paris")),
            "Mon 23 Nov, 20:16 CET — in 6 h"
        );
        assert_eq!(
            absolute(utc(2026, 11, 23, 19, 16), now, Some("Not/AZone")),
            "Mon 23 Nov, 19:16 UTC"
        );
    }

    #[test]
    fn a_zone_across_a_daylight_saving_change_keeps_the_right_offset() {
        // Europe/Paris leaves summer time at 01:00 UTC on Sunday 25 October 2026.
        let now = utc(2026, 10, 24, 12, 0);
        let zone = Some("Europe/Paris");
        assert_eq!(
            readable(utc(2026, 10, 25, 0, 30), now, zone),
            "Sun 25 Oct, 02:30 CEST — in 12 h"
        );
        assert_eq!(
            readable(utc(2026, 10, 25, 1, 30), now, zone),
            "Sun 25 Oct, 02:30 CET — in 13 h"
        );
    }

    #[test]
    fn another_year_is_named() {
        let now = utc(2026, 12, 31, 20, 0);
        assert_eq!(
            absolute(utc(2027, 1, 1, 9, 0), now, None),
            "Fri 1 Jan 2027, 09:00 UTC"
        );
    }

    #[test]
    fn the_helper_renders_times_in_both_registries() {
        let pages = crate::Pages::new("test")
            .unwrap()
            .html(
                "t",
                r#"<p>{{when at relative=false zone=tz}}</p><p>{{when missing}}</p><p>{{when junk}}</p>"#,
            )
            .unwrap()
            .text("t", "{{when at zone=tz}}")
            .unwrap();
        let at = Utc::now() + chrono::Duration::minutes(6 * 60 + 1);
        let data = serde_json::json!({ "at": at, "tz": "Asia/Tokyo", "junk": "<soon>" });
        let html = pages.render_html("t", &data).unwrap();
        let expected = absolute(at, Utc::now(), Some("Asia/Tokyo"));
        assert_eq!(html, format!("<p>{expected}</p><p></p><p>&lt;soon&gt;</p>"));
        let text = pages.render_text("t", &data).unwrap();
        assert!(text.starts_with(&expected), "{text}");
        assert!(text.ends_with("— in 6 h"), "{text}");
    }
}
