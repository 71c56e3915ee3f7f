//! Panel selection benchmark: how long roster takes to choose the first invitations for an
//! alert, over a generated roster of N members (SPEC: p50 ≤ 50 ms at 100,000 members, cost
//! linear in roster size). Run through `deploy/bench/panel.sh`, which compares sizes; alone:
//!
//!   cargo run --release -p rrm-roster --example panel_selection -- [MEMBERS] [RUNS]
//!
//! MEMBERS defaults to 100000, RUNS to 200. What it does:
//!
//! 1. Opens a fresh store (on disk, in a temporary directory under $TMPDIR) with roster's trees.
//! 2. Generates MEMBERS members from a seed (`PANEL_SEED`, default 1): 1–2 lines from the
//!    configured vocabulary, 1–3 of 25 topics, 1–3 of 12 regions (`global` among them), 1–3
//!    written languages (English for most), 0–2 read ones, one of 20 time zones; ~5 % on leave
//!    over the benchmark's days, ~3 % inactive. Each goes through `member::apply` (the parsing
//!    the API, console and CSV import use) and `store::put_member`, 2,000 per transaction. The
//!    values are reproducible; member ids are time-ordered (v7) as in the service, so they
//!    differ between runs, which only breaks ties between equal names and scores.
//! 3. Runs a few warm-up selections, then RUNS selections of generated alerts (1–3 topics, 1–2
//!    regions, 2–6 target languages, moments spread over a day), each exactly what
//!    `alert.raised` does before it writes anything: `mobilisation::rank_for` (the selection
//!    index, loading, scoring, ranking) then `first_invitations`. Each is timed alone.
//! 4. Checks every result: not empty, and balanced (`Balance::formed` over those invited)
//!    whenever the ranked candidates as a whole could be.
//!
//! Settings are `[roster]` of config/default.toml (invite, authors_needed, min_lines,
//! drafting_language, the vocabulary) and `[storage]` (the store's page cache, `cache_mb`),
//! read as the service reads them: `RRM_CONFIG_DIR` (default: the repository's config/),
//! `RRM_ENV` (default `bench`), `RRM_ROSTER__…` and `RRM_STORAGE__…` variables apply (e.g.
//! `RRM_STORAGE__CACHE_MB=128` to see what a larger page cache changes).
//!
//! It prints a human row and one `bench key=value …` line for scripts. Peak RSS is VmHWM of
//! /proc/self/status: once after the import, then reset (`/proc/self/clear_refs`) so that the
//! second figure is the selections' own peak.
//!
//! `PANEL_PROFILE=1` adds a second pass over the same alerts that times the parts of a selection
//! apart: `store::candidates` (the selection index's scans, its cards decoded), scoring and
//! ranking, `first_invitations`; for comparison, how long loading the found members in full by id
//! takes (`store::members_by_id`) and decoding the candidates' profiles alone; the profiles'
//! mean encoded size; and what scoring and ranking would cost if every candidate's
//! reasons were written (selection writes them only for those it invites).

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use rrm_bus::{Store, TxError};
use rrm_contracts::{AlertRaised, LanguageCode, Severity};
use rrm_platform::config::StorageSettings;
use rrm_roster::domain::member::{self, MemberInput};
use rrm_roster::domain::selection::{
    Ask, Balance, History, Scored, first_invitations, lines_apart, rank, score_with,
};
use rrm_roster::domain::{Member, Profile};
use rrm_roster::mobilisation::rank_for;
use rrm_roster::{RosterSettings, store};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use uuid::Uuid;

const BATCH: usize = 2_000;
const WARM_UP: usize = 5;
const TARGET_P50_MS: f64 = 50.0;

const TOPICS: [&str; 25] = [
    "religion",
    "migration",
    "media",
    "education",
    "climate",
    "health",
    "security",
    "terrorism",
    "elections",
    "human-rights",
    "gender",
    "economy",
    "conflict",
    "refugees",
    "antisemitism",
    "islamophobia",
    "racism",
    "free-speech",
    "technology",
    "disinformation",
    "justice",
    "peace-building",
    "interfaith",
    "youth",
    "culture",
];
/// `global` first: alerts name only the others.
const REGIONS: [&str; 12] = [
    "global",
    "europe",
    "middle-east",
    "north-africa",
    "sub-saharan-africa",
    "south-asia",
    "east-asia",
    "southeast-asia",
    "north-america",
    "latin-america",
    "central-asia",
    "oceania",
];
const ZONES: [&str; 20] = [
    "Europe/Paris",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Asia/Beirut",
    "Asia/Jerusalem",
    "Asia/Tehran",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Jakarta",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Africa/Cairo",
    "Africa/Lagos",
    "Africa/Nairobi",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
];
/// Languages alerts ask for: intake's supported languages (config/default.toml).
const ALERT_LANGUAGES: [&str; 14] = [
    "ar", "en", "es", "fr", "ru", "zh", "de", "pt", "hi", "ur", "tr", "id", "fa", "ja",
];
const FIRST: [&str; 16] = [
    "Amina", "David", "Leila", "Samuel", "Priya", "Chen", "Fatima", "Jonas", "Nadia", "Omar",
    "Sofia", "Yusuf", "Rachel", "Kwame", "Ines", "Arjun",
];
const LAST: [&str; 16] = [
    "Haddad", "Cohen", "Mensah", "Novak", "Sharma", "Wang", "Diallo", "Berg", "Rahman", "Silva",
    "Okafor", "Levi", "Tanaka", "Kaya", "Moreau", "Petrov",
];

/// A small seeded generator (SplitMix64): the same seed gives the same roster and alerts on
/// every machine and build.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// In `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// Between `lo` and `hi` different values of `from`.
    fn some_of<T: Clone>(&mut self, from: &[T], lo: usize, hi: usize) -> Vec<T> {
        let k = self.between(lo, hi);
        self.some(from, k)
    }

    /// `k` different values of `from`.
    fn some<T: Clone>(&mut self, from: &[T], k: usize) -> Vec<T> {
        let mut idx: Vec<usize> = Vec::with_capacity(k);
        while idx.len() < k.min(from.len()) {
            let i = self.below(from.len());
            if !idx.contains(&i) {
                idx.push(i);
            }
        }
        idx.into_iter().map(|i| from[i].clone()).collect()
    }
}

fn strings(v: Vec<&str>) -> Vec<String> {
    v.into_iter().map(str::to_owned).collect()
}

/// The day the alerts fall on (members on leave are away over it).
fn day_zero() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn member_input(i: usize, rng: &mut Rng, lines: &[String], languages: &[String]) -> MemberInput {
    let first = FIRST[rng.below(FIRST.len())];
    let last = LAST[rng.below(LAST.len())];
    let two_lines = rng.chance(30);
    let member_lines = rng.some(lines, if two_lines { 2 } else { 1 });
    let topics = rng.some_of(&TOPICS, 1, 3);
    let regions = rng.some_of(&REGIONS, 1, 3);
    let k = rng.between(1, 3);
    let mut written: Vec<String> = Vec::new();
    if rng.chance(65) {
        written.push("en".into());
    }
    for l in rng.some(languages, 3) {
        if written.len() < k && !written.contains(&l) {
            written.push(l);
        }
    }
    let read: Vec<String> = rng
        .some_of(languages, 0, 2)
        .into_iter()
        .filter(|l| !written.contains(l))
        .collect();
    let on_leave = rng.chance(5);
    let inactive = rng.chance(3);
    MemberInput {
        name: Some(format!("{first} {last}")),
        title: Some(format!("Professor of {}", TOPICS[i % TOPICS.len()])),
        affiliation: Some(format!("University no. {}", i % 997)),
        email: Some(format!(
            "{}.{}.{i}@members.example.org",
            first.to_lowercase(),
            last.to_lowercase()
        )),
        lines: Some(member_lines),
        languages_written: Some(written),
        languages_read: Some(read),
        topics: Some(strings(topics)),
        regions: Some(strings(regions)),
        time_zone: Some(ZONES[rng.below(ZONES.len())].to_owned()),
        on_leave_until: on_leave.then(|| Some("2026-12-15".to_owned())),
        active: inactive.then_some(false),
    }
}

fn alert(i: usize, runs: usize, rng: &mut Rng) -> (AlertRaised, DateTime<Utc>) {
    // Spread over a day (and a second one for the warm-up), with a few minutes of jitter.
    let seconds = (i as i64 * 86_400) / runs.max(1) as i64 + rng.below(600) as i64;
    let now = day_zero() + Days::seconds(seconds);
    let languages = rng
        .some_of(&ALERT_LANGUAGES, 2, 6)
        .into_iter()
        .filter_map(|l| LanguageCode::parse(l).ok())
        .collect();
    let alert = AlertRaised {
        alert_id: Uuid::from_u128(u128::from(rng.next()) << 64 | u128::from(rng.next())),
        title: format!("Generated alert {i}"),
        summary: "An event that threatens to polarise societies.".into(),
        regions: strings(rng.some_of(&REGIONS[1..], 1, 2)),
        topics: strings(rng.some_of(&TOPICS, 1, 3)),
        severity: Severity::High,
        languages,
        deadline: now + Days::hours(6),
        raised_by: "panel benchmark".into(),
    };
    (alert, now)
}

#[derive(Deserialize)]
struct Config {
    roster: RosterSettings,
    storage: StorageSettings,
}

fn settings() -> Result<Config> {
    let dir = std::env::var_os("RRM_CONFIG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config"));
    let environment = std::env::var("RRM_ENV").unwrap_or_else(|_| "bench".into());
    let config: Config = rrm_platform::config::load_from(&dir, &environment)
        .with_context(|| format!("loading [roster] from {}", dir.display()))?;
    Ok(config)
}

/// A field of /proc/self/status, in MB.
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn arg(n: usize, default: usize, what: &str) -> Result<usize> {
    match std::env::args().nth(n) {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(x) if x > 0 => Ok(x),
            _ => bail!("{what} must be a positive whole number, not {v:?}"),
        },
    }
}

fn main() -> Result<()> {
    let members = arg(1, 100_000, "MEMBERS")?;
    let runs = arg(2, 200, "RUNS")?;
    let seed: u64 = match std::env::var("PANEL_SEED") {
        Ok(s) => s.parse().context("PANEL_SEED must be a whole number")?,
        Err(_) => 1,
    };
    let profile = std::env::var("PANEL_PROFILE").is_ok_and(|v| v == "1");
    let Config {
        roster: settings,
        storage,
    } = settings()?;
    let vocabulary = settings.vocabulary();
    let lines: Vec<String> = vocabulary.lines.iter().cloned().collect();
    let languages: Vec<String> = vocabulary.languages.iter().cloned().collect();
    let balance: Balance = settings.balance();

    let dir = tempfile::Builder::new()
        .prefix("rrm-panel-bench-")
        .tempdir()
        .context("creating the store's directory under $TMPDIR")?;
    let store = Store::open(dir.path(), &storage.store_options(), store::TREES)?;

    // Import: parse every member as the API does, then write them with their indexes.
    let mut rng = Rng(seed);
    let created = day_zero() - Days::days(30);
    let (mut parse_time, mut write_time) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    while done < members {
        let n = BATCH.min(members - done);
        let t = Instant::now();
        let batch: Vec<Member> = (done..done + n)
            .map(|i| {
                let input = member_input(i, &mut rng, &lines, &languages);
                member::apply(input, None, &vocabulary, created)
                    .map_err(|e| anyhow!("generated member {i} does not parse: {e:?}"))
            })
            .collect::<Result<_>>()?;
        parse_time += t.elapsed();
        let t = Instant::now();
        store
            .transact_blocking(move |tx| {
                for m in &batch {
                    store::put_member(tx, None, m)?;
                }
                Ok::<(), TxError<std::convert::Infallible>>(())
            })
            .map_err(|e| anyhow!("writing members: {e}"))?;
        write_time += t.elapsed();
        done += n;
    }
    let import_rss = status_mb("VmHWM:");
    eprintln!(
        "imported {members} members in {:.2} s (parsing {:.2} s, writing {:.2} s); peak RSS \
         {import_rss:.1} MB; store page cache {} MiB",
        (parse_time + write_time).as_secs_f64(),
        parse_time.as_secs_f64(),
        write_time.as_secs_f64(),
        storage.cache_mb,
    );
    // From here on, VmHWM is the selections' own peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");

    let mut alert_rng = Rng(seed ^ 0xA1E7);
    let warm: Vec<_> = (0..WARM_UP)
        .map(|i| alert(i, WARM_UP, &mut alert_rng))
        .collect();
    let alerts: Vec<_> = (0..runs).map(|i| alert(i, runs, &mut alert_rng)).collect();
    let none = BTreeSet::new();
    for (a, now) in &warm {
        let (ranked, _) = rank_for(&store, &settings, &lines, a, &none, *now)?;
        black_box(first_invitations(&ranked, settings.invite, balance));
    }

    let mut times = Vec::with_capacity(runs);
    let (mut scored_total, mut empty, mut unbalanced, mut impossible) = (0usize, 0, 0, 0);
    let mut tiers = [0usize; 3]; // topic and region; topic or region; every line
    for (a, now) in &alerts {
        let t = Instant::now();
        let (ranked, how) = rank_for(&store, &settings, &lines, a, &none, *now)?;
        let chosen = first_invitations(&ranked, settings.invite, balance);
        let elapsed = t.elapsed();
        times.push(elapsed);
        scored_total += ranked.len();
        tiers[if how.contains("a topic and a region") {
            0
        } else if how.contains("a topic or a region") {
            1
        } else {
            2
        }] += 1;
        let lines_of: Vec<&[String]> = chosen.iter().map(|c| c.lines.as_slice()).collect();
        if chosen.is_empty() {
            empty += 1;
        }
        if !balance.formed(&lines_of) {
            let all: Vec<&[String]> = ranked.iter().map(|s| s.lines.as_slice()).collect();
            if ranked.len() >= balance.authors_needed
                && lines_apart(all.iter().copied()) >= balance.min_lines
            {
                unbalanced += 1;
            } else {
                impossible += 1;
            }
        }
    }
    let selection_rss = status_mb("VmHWM:");

    let mut sorted = times.clone();
    sorted.sort();
    let p50 = ms(percentile(&sorted, 50.0));
    let p99 = ms(percentile(&sorted, 99.0));
    let max = ms(*sorted.last().unwrap_or(&Duration::ZERO));
    let mean_ms = sorted.iter().map(|d| ms(*d)).sum::<f64>() / runs as f64;
    let mean_scored = scored_total as f64 / runs as f64;
    let met = p50 <= TARGET_P50_MS;

    println!(
        "{:>9} {:>9} {:>9} {:>9} {:>9} {:>15} {:>12} {:>10} {:>8}",
        "members",
        "p50 ms",
        "p99 ms",
        "max ms",
        "mean ms",
        "mean scored",
        "peak RSS MB",
        "unbalanced",
        "target"
    );
    println!(
        "{members:>9} {p50:>9.2} {p99:>9.2} {max:>9.2} {mean_ms:>9.2} {mean_scored:>15.0} {selection_rss:>12.1} {unbalanced:>10} {:>8}",
        if met { "met" } else { "missed" }
    );
    eprintln!(
        "{runs} selections (after {WARM_UP} warm-up); candidates found by topic and region: {}, \
         by topic or region: {}, every line: {}; empty results: {empty}; unbalanced although \
         balance was possible: {unbalanced}; balance impossible: {impossible}",
        tiers[0], tiers[1], tiers[2]
    );
    println!(
        "bench members={members} runs={runs} import_s={:.2} p50_ms={p50:.3} p99_ms={p99:.3} \
         max_ms={max:.3} mean_ms={mean_ms:.3} mean_scored={mean_scored:.0} \
         import_rss_mb={import_rss:.1} peak_rss_mb={selection_rss:.1} empty={empty} \
         unbalanced={unbalanced} impossible={impossible} tier_both={} tier_either={} \
         tier_lines={} met={}",
        (parse_time + write_time).as_secs_f64(),
        tiers[0],
        tiers[1],
        tiers[2],
        if met { "yes" } else { "no" },
    );

    if profile {
        profile_parts(&store, &settings, &lines, &alerts)?;
    }
    drop(store);
    dir.close()?;
    Ok(())
}

/// The parts of a selection timed apart, over the same alerts (`PANEL_PROFILE=1`).
fn profile_parts(
    store: &Store,
    settings: &RosterSettings,
    lines: &[String],
    alerts: &[(AlertRaised, DateTime<Utc>)],
) -> Result<()> {
    let (mut find, mut scoring, mut choose, mut decode, mut load, mut points) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut found_total, mut member_bytes) = (0usize, 0usize);
    for (alert, now) in alerts {
        let ask = Ask::of(alert, &settings.drafting_language, *now);
        // As rank_for does, part by part.
        let t = Instant::now();
        let (found, _) =
            store::candidates(store, &ask, lines, settings.invite * 3, settings.min_lines)?;
        find.push(t.elapsed());
        found_total += found.len();
        let t = Instant::now();
        let mut scored: Vec<Scored> = found
            .iter()
            .filter_map(|(m, h)| score_with(m, h, &ask, false))
            .collect();
        rank(&mut scored);
        scoring.push(t.elapsed());
        let t = Instant::now();
        black_box(first_invitations(
            &scored,
            settings.invite,
            settings.balance(),
        ));
        choose.push(t.elapsed());
        // For comparison: loading the same members in full by id, from one snapshot.
        let t = Instant::now();
        black_box(store::members_by_id(
            store,
            found.iter().map(|(m, _)| m.member_id),
        )?);
        load.push(t.elapsed());
        // Decoding alone: the candidates' profiles and histories, encoded and decoded again.
        let bytes: Vec<(Vec<u8>, Vec<u8>)> = found
            .iter()
            .map(|(m, h)| Ok((serde_json::to_vec(m)?, serde_json::to_vec(h)?)))
            .collect::<Result<_, serde_json::Error>>()?;
        let t = Instant::now();
        for (m, h) in &bytes {
            black_box(serde_json::from_slice::<Profile>(m)?);
            black_box(serde_json::from_slice::<History>(h)?);
        }
        decode.push(t.elapsed());
        member_bytes += bytes.iter().map(|(m, _)| m.len()).sum::<usize>();
        // Scoring with every reason's words, as only the invited are: what ranking would cost
        // if every candidate's reasons were written.
        let t = Instant::now();
        let mut explained: Vec<Scored> = found
            .iter()
            .filter_map(|(m, h)| score_with(m, h, &ask, true))
            .collect();
        rank(&mut explained);
        black_box(explained);
        points.push(t.elapsed());
    }
    let p50 = |v: &mut Vec<Duration>| {
        v.sort();
        ms(percentile(v, 50.0))
    };
    let n = alerts.len().max(1) as f64;
    println!(
        "profile candidates_p50_ms={:.3} full_members_by_id_p50_ms={:.3} \
         profile_decoding_p50_ms={:.3} scoring_ranking_p50_ms={:.3} \
         first_invitations_p50_ms={:.4} explained_ranking_p50_ms={:.3} mean_loaded={:.0} \
         mean_profile_json_bytes={:.0}",
        p50(&mut find),
        p50(&mut load),
        p50(&mut decode),
        p50(&mut scoring),
        p50(&mut choose),
        p50(&mut points),
        found_total as f64 / n,
        member_bytes as f64 / found_total.max(1) as f64,
    );
    Ok(())
}
