//! Readable output: times as people say them, aligned tables, and text from the server cleaned
//! of control characters (an answer must not be able to drive the terminal).

use chrono::{DateTime, Datelike, Utc};

/// `s` on one line: every control character (newlines included) becomes a space.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `s` with its line breaks kept and every other control character replaced.
pub fn text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// `Mon 23 Nov, 19:16 UTC (in 6 h)`; the year appears when it is not the current one.
pub fn moment(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let day = if at.year() == now.year() {
        at.format("%a %-d %b, %H:%M UTC")
    } else {
        at.format("%a %-d %b %Y, %H:%M UTC")
    };
    format!("{day} ({})", relative(at, now))
}

/// A timeline entry's time: to the second, without the relative part.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.format("%a %-d %b %H:%M:%S UTC").to_string()
}

/// `in 6 h`, `25 min ago`, `now`: rounded to the unit a person would use at that distance.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let distance = seconds.unsigned_abs();
    let amount = if distance < 60 {
        return "now".into();
    } else if distance < 90 * 60 {
        format!("{} min", (distance + 30) / 60)
    } else if distance < 48 * 3600 {
        format!("{} h", (distance + 1800) / 3600)
    } else {
        format!("{} d", (distance + 43_200) / 86_400)
    };
    if seconds > 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// `s` cut to `max` characters, with an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Columns padded to their widest cell, two spaces apart; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.into_iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 13, 16, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn a_deadline_reads_as_day_time_and_distance() {
        let at = now() + Duration::hours(6) - Duration::seconds(2);
        assert_eq!(moment(at, now()), "Mon 23 Nov, 19:15 UTC (in 6 h)");
    }

    #[test]
    fn distances_use_the_unit_a_person_would() {
        assert_eq!(relative(now() + Duration::seconds(20), now()), "now");
        assert_eq!(relative(now() + Duration::minutes(25), now()), "in 25 min");
        assert_eq!(relative(now() - Duration::minutes(80), now()), "80 min ago");
        assert_eq!(relative(now() - Duration::hours(3), now()), "3 h ago");
        assert_eq!(relative(now() + Duration::days(3), now()), "in 3 d");
    }

    #[test]
    fn another_year_is_named() {
        let at = Utc
            .with_ymd_and_hms(2027, 1, 4, 9, 5, 0)
            .single()
            .unwrap_or_default();
        assert!(moment(at, now()).starts_with("Mon 4 Jan 2027, 09:05 UTC"));
    }

    #[test]
    fn tables_align_on_the_widest_cell() {
        let out = table(
            &["ID", "TITLE"],
            &[vec!["1".into(), "a".into()], vec!["123".into(), "b".into()]],
        );
        assert_eq!(out, "ID   TITLE\n1    a\n123  b\n");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
