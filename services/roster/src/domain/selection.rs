//! Panel selection: who is invited for an alert, and why. Deterministic — the same roster, alert
//! and time give the same panel — and explainable: every point of a member's score has a reason
//! that is stored with the invitation and shown to the coordinators.
//!
//! # The score
//!
//! | what                                   | points                  |
//! |----------------------------------------|-------------------------|
//! | each of the alert's topics they cover  | +3                      |
//! | each of the alert's regions they know  | +2 (`global`: +1)       |
//! | writes the drafting language           | +2                      |
//! | reads the alert's target languages     | +1 each, at most +3     |
//! | local hour 08:00–21:59                 | +2; 00:00–05:59: −2     |
//! | answered ≥ 80 % of ≥ 2 invitations     | +2; < 40 %: −2          |
//! | author in the last 7 days              | −2 each, at most −4     |
//!
//! Ties go to the name, then the id.
//!
//! # The balance rule
//!
//! A panel forms when at least `authors_needed` members accepted **and** at least `min_lines`
//! of them share no line with one another ([`lines_apart`]): one member with two lines is one
//! voice, and two members who share a line (two Muslims, whatever their national lines) count
//! once. Invitations first reach members who share no line with those already invited, best
//! first, until `min_lines` are apart; then the best of the rest. An alternate replaces a
//! decline or a silence, and is chosen to restore the balance when the members still in play
//! could no longer form it.

use super::member::{Member, Profile};
use chrono::{DateTime, Duration, Timelike, Utc};
use rrm_contracts::{AlertRaised, LanguageCode};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the roster remembers of a member's past invitations, for the score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub invited: u32,
    pub answered: u32,
    /// When they became an author (the last few).
    pub authored: Vec<DateTime<Utc>>,
}

impl History {
    const KEEP: usize = 8;

    pub fn authored_at(&mut self, at: DateTime<Utc>) {
        self.authored.push(at);
        self.authored.sort();
        let excess = self.authored.len().saturating_sub(Self::KEEP);
        self.authored.drain(..excess);
    }
}

/// What selection asks: the alert's needs and the moment.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    pub topics: &'a [String],
    pub regions: &'a [String],
    /// The languages the op-ed goes out in.
    pub languages: &'a [LanguageCode],
    /// The language the authors write in.
    pub drafting_language: &'a str,
    pub now: DateTime<Utc>,
}

impl<'a> Ask<'a> {
    /// What an alert asks of its panel, at `now`.
    pub fn of(alert: &'a AlertRaised, drafting_language: &'a str, now: DateTime<Utc>) -> Self {
        Self {
            topics: &alert.topics,
            regions: &alert.regions,
            languages: &alert.languages,
            drafting_language,
            now,
        }
    }
}

/// A member's score for an alert, with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Scored {
    pub member_id: Uuid,
    pub name: String,
    pub lines: Vec<String>,
    pub score: i32,
    /// Each part of the score in words, e.g. `topic religion +3`.
    pub reasons: Vec<String>,
}

impl Scored {
    pub fn summary(&self) -> String {
        format!(
            "{} ({}; {} = {})",
            self.name,
            self.lines.join(", "),
            self.score,
            self.reasons.join(", ")
        )
    }
}

/// Scores one member for an ask, with every reason. Members who cannot be invited today are
/// not scored (`None`).
pub fn score(member: &Member, history: &History, ask: &Ask<'_>) -> Option<Scored> {
    score_with(&member.profile(), history, ask, true)
}

/// [`score`], the reasons written only when `explain`: ranking thousands of candidates needs
/// the points; only those invited need the words (the same points, scored again).
pub fn score_with(
    member: &Profile,
    history: &History,
    ask: &Ask<'_>,
    explain: bool,
) -> Option<Scored> {
    if !member.available_on(ask.now.date_naive()) {
        return None;
    }
    let mut points = 0;
    let mut reasons = Vec::new();
    let mut add = |p: i32, why: &dyn Fn() -> String| {
        points += p;
        if explain {
            reasons.push(format!("{} {p:+}", why()));
        }
    };
    for topic in member.topics.iter().filter(|t| ask.topics.contains(t)) {
        add(3, &|| format!("topic {topic}"));
    }
    for region in &member.regions {
        if ask.regions.contains(region) {
            add(2, &|| format!("region {region}"));
        } else if region == "global" {
            add(1, &|| "works globally".into());
        }
    }
    if member.writes(ask.drafting_language) {
        add(2, &|| format!("writes {}", ask.drafting_language));
    }
    let reads: Vec<&str> = ask
        .languages
        .iter()
        .filter(|l| l.primary() != ask.drafting_language && member.reads(l))
        .map(LanguageCode::as_str)
        .collect();
    if !reads.is_empty() {
        add(reads.len().min(3) as i32, &|| {
            format!("reads {}", reads.join(" "))
        });
    }
    let local = ask.now.with_timezone(&member.time_zone);
    let clock = || format!("{} in {}", local.format("%H:%M"), member.time_zone);
    match local.hour() {
        8..=21 => add(2, &|| format!("daytime ({})", clock())),
        0..=5 => add(-2, &|| format!("night ({})", clock())),
        _ => {}
    }
    if history.invited >= 2 {
        let rate = f64::from(history.answered) / f64::from(history.invited);
        let said = || {
            format!(
                "answered {} of {} invitations",
                history.answered, history.invited
            )
        };
        if rate >= 0.8 {
            add(2, &said);
        } else if rate < 0.4 {
            add(-2, &said);
        }
    }
    let week = ask.now - Duration::days(7);
    let recent = history.authored.iter().filter(|t| **t > week).count();
    if recent > 0 {
        add(-(2 * recent.min(2) as i32), &|| {
            format!("author {recent}× in the last 7 days")
        });
    }
    Some(Scored {
        member_id: member.member_id,
        name: member.name.clone(),
        lines: member.lines.clone(),
        score: points,
        reasons,
    })
}

/// Best first: score, then name, then id.
pub fn rank(scored: &mut [Scored]) {
    scored.sort_by(|a, b| {
        (Reverse(a.score), &a.name, a.member_id).cmp(&(Reverse(b.score), &b.name, b.member_id))
    });
}

/// The most members among `members` of whom no two share a line: how many different lines
/// the group speaks from, counting each member once and never two who share a line (so one
/// member with two lines is one voice, and two Muslims — whatever else their lines — are one
/// line, not two). An exhaustive search: panels and the members in play are a handful.
pub fn lines_apart<'a>(members: impl IntoIterator<Item = &'a [String]>) -> usize {
    let members: Vec<&[String]> = members.into_iter().collect();
    fn best<'a>(rest: &[&'a [String]], taken: &mut Vec<&'a str>) -> usize {
        let Some((first, rest)) = rest.split_first() else {
            return 0;
        };
        // Without the first member…
        let without = best(rest, taken);
        // …or with them, if they share no line with those taken.
        if first.iter().any(|l| taken.contains(&l.as_str())) {
            return without;
        }
        let before = taken.len();
        taken.extend(first.iter().map(String::as_str));
        let with = 1 + best(rest, taken);
        taken.truncate(before);
        with.max(without)
    }
    best(&members, &mut Vec::new())
}

/// The panel's requirement.
#[derive(Debug, Clone, Copy)]
pub struct Balance {
    pub authors_needed: usize,
    pub min_lines: usize,
}

impl Balance {
    /// Whether the accepted members (their lines) make a panel.
    pub fn formed(&self, accepted: &[&[String]]) -> bool {
        accepted.len() >= self.authors_needed
            && lines_apart(accepted.iter().copied()) >= self.min_lines
    }
}

/// The first invitations: best first, a member who shares no line with those invited so far,
/// until `min_lines` of them are apart; then the best of the rest, `invite` in all. `ranked` is
/// best first.
pub fn first_invitations(ranked: &[Scored], invite: usize, balance: Balance) -> Vec<&Scored> {
    let mut chosen: Vec<&Scored> = Vec::new();
    let covered = |chosen: &[&Scored]| lines_apart(chosen.iter().map(|s| s.lines.as_slice()));
    for candidate in ranked {
        if chosen.len() >= invite || covered(&chosen) >= balance.min_lines {
            break;
        }
        let before = covered(&chosen);
        chosen.push(candidate);
        if covered(&chosen) == before {
            chosen.pop();
        }
    }
    for candidate in ranked {
        if chosen.len() >= invite {
            break;
        }
        if !chosen.iter().any(|c| c.member_id == candidate.member_id) {
            chosen.push(candidate);
        }
    }
    chosen
}

/// The next alternate, when a member in play declined or stayed silent. `in_play` are the lines
/// of the members who accepted or may still answer; `ranked` the candidates not yet invited,
/// best first. When those in play could no longer form the panel, the best candidate who brings
/// it closer (a line it lacks) comes first; otherwise simply the best. `None`: nobody left who
/// would help.
pub fn next_alternate<'a>(
    ranked: &'a [Scored],
    in_play: &[&[String]],
    balance: Balance,
) -> Option<&'a Scored> {
    let now = lines_apart(in_play.iter().copied());
    if now < balance.min_lines {
        // Adding members never frees a line: if no single candidate adds one, none ever will
        // (a candidate who shares no line with a largest group apart would add one).
        return ranked.iter().find(|c| {
            let mut with: Vec<&[String]> = in_play.to_vec();
            with.push(&c.lines);
            lines_apart(with) > now
        });
    }
    ranked.first()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::member::{MemberInput, apply, tests::vocabulary};

    fn member(name: &str, lines: &[&str], topics: &[&str]) -> Member {
        let input = MemberInput {
            name: Some(name.into()),
            email: Some(format!("{}@x.org", name.to_lowercase().replace(' ', "."))),
            lines: Some(lines.iter().map(|l| l.to_string()).collect()),
            topics: Some(topics.iter().map(|t| t.to_string()).collect()),
            regions: Some(vec!["europe".into()]),
            languages_written: Some(vec!["en".into()]),
            time_zone: Some("Europe/Paris".into()),
            ..MemberInput::default()
        };
        apply(input, None, &vocabulary(), Utc::now()).unwrap()
    }

    fn at(hour: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-11-23T{hour:02}:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn ask(now: DateTime<Utc>) -> (Vec<String>, Vec<String>, Vec<LanguageCode>, DateTime<Utc>) {
        (
            vec!["religion".into(), "media".into()],
            vec!["europe".into()],
            vec![
                LanguageCode::parse("en").unwrap(),
                LanguageCode::parse("fr").unwrap(),
            ],
            now,
        )
    }

    fn ranked(members: &[Member], now: DateTime<Utc>) -> Vec<Scored> {
        let (topics, regions, languages, now) = ask(now);
        let ask = Ask {
            topics: &topics,
            regions: &regions,
            languages: &languages,
            drafting_language: "en",
            now,
        };
        let mut scored: Vec<Scored> = members
            .iter()
            .filter_map(|m| score(m, &History::default(), &ask))
            .collect();
        rank(&mut scored);
        scored
    }

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    const TWO_OF_TWO: Balance = Balance {
        authors_needed: 2,
        min_lines: 2,
    };

    #[test]
    fn every_point_has_its_reason() {
        let amina = member("Amina", &["muslim"], &["religion", "media"]);
        let scored = ranked(&[amina], at(13));
        assert_eq!(scored[0].score, 3 + 3 + 2 + 2 + 2);
        assert_eq!(
            scored[0].reasons,
            [
                "topic religion +3",
                "topic media +3",
                "region europe +2",
                "writes en +2",
                "daytime (14:00 in Europe/Paris) +2"
            ]
        );
    }

    #[test]
    fn night_history_and_load_lower_the_score() {
        let m = member("Night", &["muslim"], &[]);
        let (topics, regions, languages, now) = ask(at(2));
        let ask = Ask {
            topics: &topics,
            regions: &regions,
            languages: &languages,
            drafting_language: "en",
            now,
        };
        let history = History {
            invited: 5,
            answered: 1,
            authored: vec![
                now - Duration::days(1),
                now - Duration::days(2),
                now - Duration::days(3),
            ],
        };
        let scored = score(&m, &history, &ask).unwrap();
        assert_eq!(scored.score, 2 + 2 - 2 - 2 - 4, "{:?}", scored.reasons);
        assert!(
            scored
                .reasons
                .contains(&"answered 1 of 5 invitations -2".to_string())
        );
        assert!(
            scored
                .reasons
                .contains(&"author 3× in the last 7 days -4".to_string())
        );
    }

    #[test]
    fn selection_is_deterministic_and_spans_lines_before_filling_by_score() {
        let members = vec![
            member("A", &["muslim"], &["religion", "media"]),
            member("B", &["muslim"], &["religion", "media"]),
            member("C", &["muslim"], &["religion"]),
            member("D", &["jewish"], &[]),
        ];
        let ranked = ranked(&members, at(12));
        let names = |v: Vec<&Scored>| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(first_invitations(&ranked, 3, TWO_OF_TWO)),
            ["A", "D", "B"]
        );
        let again = self::ranked(&members, at(12));
        assert_eq!(ranked, again);
    }

    #[test]
    fn members_on_leave_or_inactive_are_not_scored() {
        let mut away = member("Away", &["muslim"], &["religion"]);
        away.on_leave_until = Some(at(12).date_naive());
        let mut gone = member("Gone", &["jewish"], &["religion"]);
        gone.active = false;
        assert!(ranked(&[away, gone], at(12)).is_empty());
    }

    #[test]
    fn the_balance_rule_counts_members_who_share_no_line() {
        let muslim_arab = lines(&["muslim", "arab-world"]);
        let muslim_turkey = lines(&["muslim", "turkey"]);
        let muslim = lines(&["muslim"]);
        let jewish = lines(&["jewish"]);
        let jewish_europe = lines(&["jewish", "europe"]);
        // One member with two lines is one voice.
        assert!(!TWO_OF_TWO.formed(&[&muslim_arab]));
        // Two members who share a line are not balanced, whatever else their lines.
        assert!(!TWO_OF_TWO.formed(&[&muslim, &muslim]));
        assert!(!TWO_OF_TWO.formed(&[&muslim_arab, &muslim]));
        assert!(!TWO_OF_TWO.formed(&[&muslim_arab, &muslim_turkey]));
        // Two who share none are.
        assert!(TWO_OF_TWO.formed(&[&muslim, &jewish]));
        assert!(TWO_OF_TWO.formed(&[&muslim_arab, &jewish_europe]));
        // Three lines needed: the largest group apart is found whatever the order.
        let three = Balance {
            authors_needed: 3,
            min_lines: 3,
        };
        let a = lines(&["muslim", "jewish"]);
        let b = lines(&["muslim"]);
        let c = lines(&["jewish"]);
        let d = lines(&["christian", "africa"]);
        assert_eq!(lines_apart([a.as_slice(), &b, &c, &d]), 3, "b, c and d");
        assert!(three.formed(&[&a, &b, &c, &d]));
        assert!(
            !three.formed(&[&a, &b, &c]),
            "a shares a line with b and with c"
        );
        // More authors than lines needed: enough people, enough apart.
        let four_of_two = Balance {
            authors_needed: 4,
            min_lines: 2,
        };
        assert!(!four_of_two.formed(&[&muslim, &jewish, &muslim]));
        assert!(four_of_two.formed(&[&muslim, &jewish, &muslim, &muslim]));
        // No lines asked: any authors do.
        let none = Balance {
            authors_needed: 1,
            min_lines: 0,
        };
        assert!(none.formed(&[&muslim]));
        assert!(!none.formed(&[]));
    }

    #[test]
    fn an_alternate_restores_the_balance_before_anything_else() {
        let members = vec![
            member("A", &["muslim"], &["religion", "media"]),
            member("B", &["muslim"], &["religion"]),
            member("C", &["christian"], &[]),
        ];
        let ranked = ranked(&members, at(12));
        let muslim = lines(&["muslim"]);
        // The Jewish member declined: a Muslim is in play; the Christian comes before the
        // better-scored Muslim.
        let alternate = next_alternate(&ranked, &[&muslim], TWO_OF_TWO).unwrap();
        assert_eq!(alternate.name, "C");
        // Balance possible already: simply the best.
        let jewish = lines(&["jewish"]);
        assert_eq!(
            next_alternate(&ranked, &[&muslim, &jewish], TWO_OF_TWO)
                .unwrap()
                .name,
            "A"
        );
        // Nobody left who could restore it: the pool is dry, however many Muslims are left.
        let only_muslims = &ranked[..2];
        assert!(next_alternate(only_muslims, &[&muslim], TWO_OF_TWO).is_none());
        // Nobody in play: the best restores a line.
        assert_eq!(
            next_alternate(only_muslims, &[], TWO_OF_TWO).unwrap().name,
            "A"
        );
        assert!(next_alternate(&[], &[], TWO_OF_TWO).is_none());
    }
}
