//! Mobilisation as coordinators and members live it: who is invited and why, answers, reminders
//! and alternates on the clock, co-signers, shortfalls and cancellation.

use super::*;
use crate::domain::selection::lines_apart;
use crate::domain::{Answer, MemberInput, Role};
use rrm_contracts::AlertCancelled;
use std::time::Duration;

fn names(invited: &[(Invitation, Member)]) -> Vec<String> {
    invited.iter().map(|(_, m)| m.name.clone()).collect()
}

async fn deactivate(f: &Fixture, email: &str) {
    let member = store::member_by_email(&f.roster.store, email)
        .unwrap()
        .unwrap();
    let input = MemberInput {
        active: Some(false),
        ..MemberInput::default()
    };
    api::members::update(&f.roster, member.member_id, input)
        .await
        .unwrap();
}

fn reminded(f: &Fixture) -> Vec<String> {
    f.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::MemberReminded(r) => Some(r.name),
            _ => None,
        })
        .collect()
}

fn shortfalls(f: &Fixture) -> Vec<String> {
    f.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::PanelShortfall(s) => Some(s.reason),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_first_invitations_are_apart_across_lines_and_say_why() {
    let f = fixture().await;
    // Delivered twice (a redelivery): one panel, one set of invitations and mails.
    let alert = f.raise().await;
    let invited = f.invitations(alert);
    // Amina (12) and David (10) share no line; then the best of the rest: Omar and Yusuf (9).
    assert_eq!(
        names(&invited),
        ["Amina Haddad", "David Levin", "Omar Said", "Yusuf Demir"]
    );
    let lines: Vec<&[String]> = invited.iter().map(|(_, m)| m.lines.as_slice()).collect();
    assert_eq!(lines_apart(lines), 2);
    let (amina, _) = &invited[0];
    assert_eq!(amina.score, 12);
    assert!(
        amina.reasons.contains(&"topic religion +3".to_owned()),
        "{:?}",
        amina.reasons
    );
    assert!(
        amina
            .reasons
            .contains(&"daytime (13:00 in Europe/Paris) +2".to_owned()),
        "{:?}",
        amina.reasons
    );
    let panel = store::panel(&f.roster.store, alert).unwrap().unwrap();
    // The test roster is small: every available member is a candidate.
    assert!(
        panel
            .explanation
            .starts_with("7 available members on the roster considered")
            && panel.explanation.contains("members who share no line"),
        "{}",
        panel.explanation
    );
    // The timeline hears who and why.
    let mobilised: Vec<_> = f
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::PanelMobilized(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(mobilised.len(), 1);
    assert_eq!(mobilised[0].invited.len(), 4);
    assert!(
        mobilised[0]
            .explanation
            .contains("Amina Haddad (muslim, arab-world; 12 = topic religion +3"),
        "{}",
        mobilised[0].explanation
    );
    // One invitation mail each, in their language, with a personal link.
    for (_, m) in &invited {
        let mails = f.mails_to(m.email.as_str());
        assert_eq!(mails.len(), 1, "{}", m.name);
        assert_eq!(mails[0].mail.subject, "Mobilisation: Holy book burned");
        assert!(mails[0].mail.text.contains("/invitations/"));
    }
    // The members' history counts the invitation.
    let history: crate::domain::History = f
        .roster
        .store
        .get(store::HISTORY, amina.member_id.as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(history.invited, 1);
}

#[tokio::test]
async fn members_on_leave_or_inactive_are_not_invited() {
    let f = fixture().await;
    deactivate(&f, "amina@m.test").await;
    let david = store::member_by_email(&f.roster.store, "david@m.test")
        .unwrap()
        .unwrap();
    let leave = MemberInput {
        on_leave_until: Some(Some("2026-11-23".into())),
        ..MemberInput::default()
    };
    api::members::update(&f.roster, david.member_id, leave)
        .await
        .unwrap();
    let alert = f.raise().await;
    let invited = names(&f.invitations(alert));
    assert!(!invited.contains(&"Amina Haddad".to_owned()), "{invited:?}");
    assert!(!invited.contains(&"David Levin".to_owned()), "{invited:?}");
    // Omar (9) first, then the best who shares no line with him: Léa (8).
    assert_eq!(invited[..2], ["Omar Said", "Léa Cohen"]);
}

#[tokio::test]
async fn the_panel_forms_once_enough_authors_apart_accepted_and_later_ones_co_sign() {
    let f = fixture().await;
    let alert = f.raise().await;
    let omar = f.invitation_of(alert, "omar@m.test");
    let yusuf = f.invitation_of(alert, "yusuf@m.test");
    let david = f.invitation_of(alert, "david@m.test");
    let amina = f.invitation_of(alert, "amina@m.test");

    assert_eq!(f.answer(&omar, "accept", "").await.status, 200);
    let page = f.answer(&yusuf, "accept", "I can write by 15:00").await;
    assert!(
        page.text.contains("as soon as the panel is complete"),
        "{}",
        page.text
    );
    let formed = |f: &Fixture| {
        f.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::PanelFormed(p) => Some(p),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(formed(&f).is_empty(), "two Muslims are one line");

    let page = f.answer(&david, "accept", "").await;
    assert!(
        page.text.contains("you are one of the authors"),
        "{}",
        page.text
    );
    let panels = formed(&f);
    assert_eq!(panels.len(), 1);
    let authors: Vec<&str> = panels[0].authors.iter().map(|a| a.name.as_str()).collect();
    // In the order they were invited.
    assert_eq!(authors, ["David Levin", "Omar Said", "Yusuf Demir"]);

    let page = f.answer(&amina, "accept", "").await;
    assert!(page.text.contains("you will co-sign it"), "{}", page.text);
    let joined: Vec<_> = f
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::CosignerJoined(c) => Some(c.member.name),
            _ => None,
        })
        .collect();
    assert_eq!(joined, ["Amina Haddad"]);
    let roles: Vec<Option<Role>> = f.invitations(alert).iter().map(|(i, _)| i.role).collect();
    assert_eq!(
        roles,
        [
            Some(Role::Cosigner),
            Some(Role::Author),
            Some(Role::Author),
            Some(Role::Author)
        ]
    );
    let answers: Vec<Answer> = f.invitations(alert).iter().map(|(i, _)| i.answer).collect();
    assert_eq!(
        answers,
        [Answer::Accepted; 4],
        "every answer recorded, the co-signer's too"
    );
    // Each member's history: answered once; the authors authored once, the co-signer not.
    for (email, authored) in [("omar@m.test", 1), ("david@m.test", 1), ("amina@m.test", 0)] {
        let member = store::member_by_email(&f.roster.store, email)
            .unwrap()
            .unwrap();
        let history: crate::domain::History = f
            .roster
            .store
            .get(store::HISTORY, member.member_id.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(
            (history.answered, history.authored.len()),
            (1, authored),
            "{email}"
        );
    }
    // The answers are on the timeline with the notes.
    let notes: Vec<Option<String>> = f
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::MemberResponded(r) if r.name == "Yusuf Demir" => Some(r.note),
            _ => None,
        })
        .collect();
    assert_eq!(notes, [Some("I can write by 15:00".to_owned())]);
    // Nobody is reminded or replaced once the panel formed.
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(31 * 60)).await;
    f.tick().await;
    assert!(reminded(&f).is_empty());
    assert_eq!(f.invitations(alert).len(), 4);
}

#[tokio::test]
async fn a_decline_brings_at_once_the_best_alternate_who_restores_the_balance() {
    let f = fixture_with("invite = 2").await;
    let alert = f.raise().await;
    assert_eq!(
        names(&f.invitations(alert)),
        ["Amina Haddad", "David Levin"]
    );
    let david = f.invitation_of(alert, "david@m.test");
    let page = f.answer(&david, "decline", "Travelling").await;
    assert!(
        page.text.contains("another member will be"),
        "{}",
        page.text
    );

    // Omar and Yusuf score higher but are Muslims, as Amina is: Léa restores the balance.
    let invited = f.invitations(alert);
    assert_eq!(
        names(&invited),
        ["Amina Haddad", "David Levin", "Léa Cohen"]
    );
    let (lea, _) = &invited[2];
    assert_eq!(lea.alternate_for, Some(david.member_id));
    assert!(
        lea.reasons
            .last()
            .unwrap()
            .contains("alternate for David Levin, who declined"),
        "{:?}",
        lea.reasons
    );
    // Léa writes French only: her invitation is in French.
    let mails = f.mails_to("lea@m.test");
    assert_eq!(mails[0].mail.subject, "Mobilisation : Holy book burned");
    assert!(mails[0].mail.text.contains("Répondre ici"));
    // The timeline says who replaces whom.
    assert!(
        f.events()
            .iter()
            .any(|e| matches!(e, Event::PanelMobilized(m)
        if m.explanation.starts_with("alternate for David Levin, who declined: Léa Cohen")))
    );
    assert!(shortfalls(&f).is_empty());
}

#[tokio::test(start_paused = true)]
async fn silence_gets_one_reminder_at_half_the_budget_then_an_alternate_at_the_budget() {
    let f = fixture_with("invite = 2").await;
    let alert = f.raise().await;

    tokio::time::advance(Duration::from_secs(14 * 60)).await;
    f.tick().await;
    assert!(reminded(&f).is_empty(), "not before half the budget");

    tokio::time::advance(Duration::from_secs(60)).await;
    f.tick().await;
    assert_eq!(reminded(&f), ["Amina Haddad", "David Levin"]);
    let reminder = f.mails_to("amina@m.test").pop().unwrap();
    assert!(
        reminder.mail.subject.starts_with("Reminder: Mobilisation:"),
        "{}",
        reminder.mail.subject
    );
    assert!(
        reminder
            .mail
            .text
            .contains("We have not had your answer yet")
    );
    f.tick().await;
    tokio::time::advance(Duration::from_secs(60)).await;
    f.tick().await;
    assert_eq!(reminded(&f).len(), 2, "one reminder each, never two");

    // At the budget both are replaced, each by the best who keeps the panel possible.
    tokio::time::advance(Duration::from_secs(14 * 60)).await;
    f.tick().await;
    let invited = f.invitations(alert);
    assert_eq!(
        names(&invited),
        ["Amina Haddad", "David Levin", "Omar Said", "Léa Cohen"]
    );
    let view = crate::api::panels::view(
        &f.roster,
        &store::panel(&f.roster.store, alert).unwrap().unwrap(),
    )
    .unwrap();
    let states: Vec<_> = view.invitations.iter().map(|i| i.state).collect();
    use crate::api::panels::InvitationState::{Expired, Pending};
    assert_eq!(states, [Expired, Expired, Pending, Pending]);

    // A late answer still counts: Amina and Léa make the panel.
    let amina = f.invitation_of(alert, "amina@m.test");
    f.answer(&amina, "accept", "").await;
    let lea = f.invitation_of(alert, "lea@m.test");
    f.answer(&lea, "accept", "").await;
    assert!(
        f.events()
            .iter()
            .any(|e| matches!(e, Event::PanelFormed(_)))
    );
}

#[tokio::test(start_paused = true)]
async fn timers_are_in_the_store_and_survive_a_restart() {
    let f = fixture_with("invite = 2").await;
    let alert = f.raise().await;
    let Fixture { dir, roster } = f;
    drop(roster);
    // Roster comes back (its clock starts again at noon) and finds its timers.
    let f = Fixture {
        roster: open(dir.path()),
        dir,
    };
    tokio::time::advance(Duration::from_secs(31 * 60)).await;
    f.tick().await;
    f.tick().await;
    assert_eq!(
        f.invitations(alert).len(),
        4,
        "both silent members replaced"
    );
}

#[tokio::test(start_paused = true)]
async fn the_clock_worker_fires_on_its_own() {
    let f = fixture_with("invite = 2").await;
    let alert = f.raise().await;
    let stop = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(rrm_platform::clock::run(f.roster.clone(), stop.clone()));
    // Let the worker sleep towards its next timer, then move time past it.
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    stop.cancel();
    worker.await.unwrap();
    assert_eq!(reminded(&f).len(), 2);
    assert_eq!(f.invitations(alert).len(), 4);
}

#[tokio::test]
async fn a_pool_run_dry_tells_the_coordinators_once() {
    let f = fixture_with("invite = 2").await;
    for email in ["lea@m.test", "grace@m.test", "ravi@m.test"] {
        deactivate(&f, email).await;
    }
    let alert = f.raise().await;
    assert!(
        shortfalls(&f).is_empty(),
        "Amina and David can still make the panel"
    );
    let david = f.invitation_of(alert, "david@m.test");
    f.answer(&david, "decline", "").await;
    // Only Muslims are left, and Amina is one: nobody can restore the balance.
    let reasons = shortfalls(&f);
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].contains("no alternate is left"),
        "{}",
        reasons[0]
    );
    assert_eq!(
        f.invitations(alert).len(),
        2,
        "nobody invited who could not help"
    );
    let desk = f.mails_to("desk@rrm.test");
    assert_eq!(desk.len(), 1);
    assert_eq!(
        desk[0].mail.subject,
        "The panel cannot form: Holy book burned"
    );
    assert!(desk[0].mail.text.contains("/console/panels/"));
    // Said once per panel.
    let amina = f.invitation_of(alert, "amina@m.test");
    f.answer(&amina, "decline", "").await;
    assert_eq!(shortfalls(&f).len(), 1);
    assert_eq!(f.mails_to("desk@rrm.test").len(), 1);
    let panel = store::panel(&f.roster.store, alert).unwrap().unwrap();
    assert!(panel.shortfall.is_some());
}

#[tokio::test]
async fn a_roster_that_cannot_balance_a_panel_says_so_at_once() {
    let f = fixture().await;
    for email in ["david@m.test", "lea@m.test", "grace@m.test", "ravi@m.test"] {
        deactivate(&f, email).await;
    }
    let alert = f.raise().await;
    assert_eq!(
        f.invitations(alert).len(),
        3,
        "the three Muslims are still asked"
    );
    let reasons = shortfalls(&f);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("cannot make 2 authors"),
        "{}",
        reasons[0]
    );
    assert_eq!(f.mails_to("desk@rrm.test").len(), 1);
}

#[tokio::test]
async fn a_cancelled_alert_withdraws_invitations_and_stands_down_who_accepted() {
    let f = fixture().await;
    let alert = f.raise().await;
    let omar = f.invitation_of(alert, "omar@m.test");
    f.answer(&omar, "accept", "").await;
    f.deliver(Event::AlertCancelled(AlertCancelled {
        alert_id: alert,
        reason: "raised by mistake".into(),
    }))
    .await;
    let answers: Vec<Answer> = f.invitations(alert).iter().map(|(i, _)| i.answer).collect();
    assert_eq!(
        answers,
        [
            Answer::Withdrawn,
            Answer::Withdrawn,
            Answer::Accepted,
            Answer::Withdrawn
        ]
    );
    // Omar is stood down, once; the others' links say the invitation was withdrawn.
    let mails = f.mails_to("omar@m.test");
    assert_eq!(mails.len(), 2);
    assert_eq!(
        mails[1].mail.subject,
        "Stand down: the op-ed on Holy book burned is cancelled"
    );
    let david = f.invitation_of(alert, "david@m.test");
    let page = f
        .request(Request::get(f.link(&david)).body(Body::empty()).unwrap())
        .await;
    assert!(
        page.text.contains("This invitation was withdrawn"),
        "{}",
        page.text
    );
    let answered = f.answer(&david, "accept", "").await;
    assert_eq!(answered.status, 410);
    assert_eq!(
        f.invitation_of(alert, "david@m.test").answer,
        Answer::Withdrawn,
        "nothing recorded"
    );
    // Nobody is reminded or replaced afterwards, and nobody can be invited by hand.
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(31 * 60)).await;
    f.tick().await;
    assert!(reminded(&f).is_empty());
    let grace = store::member_by_email(&f.roster.store, "grace@m.test")
        .unwrap()
        .unwrap();
    let refused = api::panels::invite(&f.roster, alert, grace.member_id, "desk").await;
    assert_eq!(refused.unwrap_err().status, 409);
}

#[tokio::test]
async fn an_alert_cancelled_before_roster_saw_it_raised_mobilises_nobody() {
    let f = fixture().await;
    let alert_id = Uuid::now_v7();
    f.deliver(Event::AlertCancelled(AlertCancelled {
        alert_id,
        reason: "duplicate".into(),
    }))
    .await;
    let alert = AlertRaised {
        alert_id,
        title: "Holy book burned".into(),
        summary: "Protests spread.".into(),
        regions: vec!["europe".into()],
        topics: vec!["religion".into()],
        severity: Severity::High,
        languages: vec![LanguageCode::parse("en").unwrap()],
        deadline: base_time() + chrono::Duration::hours(6),
        raised_by: "desk".into(),
    };
    f.deliver(Event::AlertRaised(alert)).await;
    assert!(store::panel(&f.roster.store, alert_id).unwrap().is_none());
    assert!(f.mails().is_empty());
}

#[tokio::test]
async fn a_coordinator_invites_a_named_member_by_hand() {
    let f = fixture().await;
    let alert = f.raise().await;
    let grace = store::member_by_email(&f.roster.store, "grace@m.test")
        .unwrap()
        .unwrap();
    let invitation = api::panels::invite(&f.roster, alert, grace.member_id, "Night desk")
        .await
        .unwrap();
    assert_eq!(invitation.invited_by.as_deref(), Some("Night desk"));
    assert!(
        invitation
            .reasons
            .last()
            .unwrap()
            .contains("invited by hand by Night desk")
    );
    assert_eq!(f.mails_to("grace@m.test").len(), 1);
    // Once.
    let again = api::panels::invite(&f.roster, alert, grace.member_id, "Night desk").await;
    assert_eq!(again.unwrap_err().status, 409);
    assert_eq!(f.mails_to("grace@m.test").len(), 1);
}
