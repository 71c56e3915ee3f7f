//! Load as many independent people and tools make it, and what a load test asserts on: every
//! request answered (a request unanswered within its timeout counts as a failure, never as
//! slowness), with the status expected, and the service's health probe answering promptly all
//! along.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A client of its own, as each coordinator's script or browser is: its own connection (not
/// shared with other clients) and `timeout` for each whole request, body included.
pub fn own_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .timeout(timeout)
        .build()
        .unwrap()
}

/// One request of a run and what became of it.
#[derive(Debug, Clone)]
pub struct Call {
    /// Method and route, e.g. `POST /api/v1/alerts`.
    pub what: String,
    /// When it was sent, since the run began.
    pub sent_at: Duration,
    pub outcome: Result<Answer, String>,
}

/// An answer: its status, how long it took (to the end of the body), and the body (`Null` when
/// it is not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub latency: Duration,
    pub body: serde_json::Value,
}

impl Call {
    /// Sends `request` and reads the whole answer; no answer within the client's timeout, or a
    /// broken connection, is an `Err` with the reason.
    pub async fn send(run: Instant, what: &str, request: reqwest::RequestBuilder) -> Self {
        let sent_at = run.elapsed();
        let started = Instant::now();
        let outcome = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let text = response.text().await?;
            Ok::<_, reqwest::Error>(Answer {
                status,
                latency: started.elapsed(),
                body: serde_json::from_str(&text).unwrap_or_default(),
            })
        }
        .await
        .map_err(|e| describe(&e, started.elapsed()));
        Self {
            what: what.to_owned(),
            sent_at,
            outcome,
        }
    }

    pub fn status(&self) -> Option<u16> {
        self.outcome.as_ref().ok().map(|a| a.status)
    }

    pub fn answered(&self) -> bool {
        self.outcome.is_ok()
    }
}

fn describe(e: &reqwest::Error, after: Duration) -> String {
    let kind = if e.is_timeout() {
        "no answer within the timeout"
    } else if e.is_connect() {
        "connection refused"
    } else {
        "connection broken"
    };
    // The source chain says which (reset by peer, incomplete message …).
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = format!("{reason}: {s}");
        source = s.source();
    }
    format!("{kind} after {:.1} s ({reason})", after.as_secs_f64())
}

/// What a list of calls amounts to, for a failure message: totals, the first failures, the
/// latencies of the answered ones.
pub fn summary(calls: &[Call]) -> String {
    let mut latencies: Vec<Duration> = calls
        .iter()
        .filter_map(|c| c.outcome.as_ref().ok().map(|a| a.latency))
        .collect();
    latencies.sort();
    let unanswered: Vec<&Call> = calls.iter().filter(|c| !c.answered()).collect();
    let mut text = format!(
        "{} requests: {} answered, {} unanswered",
        calls.len(),
        latencies.len(),
        unanswered.len()
    );
    if !latencies.is_empty() {
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        text += &format!(
            "; latency p50 {} ms, p99 {} ms, max {} ms",
            at(0.5).as_millis(),
            at(0.99).as_millis(),
            at(1.0).as_millis()
        );
    }
    let mut first: Vec<&&Call> = unanswered.iter().collect();
    first.sort_by_key(|c| c.sent_at);
    for call in first.iter().take(5) {
        text += &format!(
            "\n  {} sent at +{:.1} s: {}",
            call.what,
            call.sent_at.as_secs_f64(),
            call.outcome.as_ref().err().cloned().unwrap_or_default()
        );
    }
    if let Some(last_answer) = calls
        .iter()
        .filter_map(|c| Some(c.sent_at + c.outcome.as_ref().ok()?.latency))
        .max()
    {
        text += &format!(
            "\n  last answer received at +{:.1} s",
            last_answer.as_secs_f64()
        );
    }
    text
}

/// Polls one URL at a steady pace from a thread and runtime of its own, so that the load on the
/// test's own runtime cannot delay the probe: what it measures is the service.
pub struct Probe {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<ProbeReport>,
}

/// Everything a probe saw.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    pub url: String,
    pub polls: usize,
    /// Every poll answered 200: when it was sent (since the probe started), and how long the
    /// answer took.
    pub latencies: Vec<(Duration, Duration)>,
    /// Polls that got no answer or not a 200: when, and why.
    pub failures: Vec<(Duration, String)>,
}

impl Probe {
    /// Starts polling `url` every `every` (back to back when zero), each poll given `timeout`.
    pub fn start(url: String, every: Duration, timeout: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let client = own_client(timeout);
                let run = Instant::now();
                let mut report = ProbeReport {
                    url: url.clone(),
                    polls: 0,
                    latencies: Vec::new(),
                    failures: Vec::new(),
                };
                while !stopped.load(Ordering::Relaxed) {
                    let next = Instant::now() + every;
                    let call = Call::send(run, "GET", client.get(&url)).await;
                    report.polls += 1;
                    match call.outcome {
                        Ok(answer) if answer.status == 200 => {
                            report.latencies.push((call.sent_at, answer.latency));
                        }
                        Ok(answer) => report
                            .failures
                            .push((call.sent_at, format!("answered {}", answer.status))),
                        Err(reason) => report.failures.push((call.sent_at, reason)),
                    }
                    tokio::time::sleep_until(next.into()).await;
                }
                report
            })
        });
        Self { stop, thread }
    }

    /// Stops polling (after the poll in flight) and reports.
    pub async fn stop(self) -> ProbeReport {
        Self::stop_all(vec![self]).await.remove(0)
    }

    /// Stops every probe at once, so that their polls in flight end together rather than one
    /// after the other; reports in the same order.
    pub async fn stop_all(probes: Vec<Probe>) -> Vec<ProbeReport> {
        for probe in &probes {
            probe.stop.store(true, Ordering::Relaxed);
        }
        tokio::task::spawn_blocking(move || {
            probes
                .into_iter()
                .map(|p| p.thread.join().unwrap())
                .collect()
        })
        .await
        .unwrap()
    }
}

impl ProbeReport {
    /// The slowest answer and when its poll was sent.
    pub fn worst(&self) -> Option<(Duration, Duration)> {
        self.latencies.iter().copied().max_by_key(|(_, l)| *l)
    }

    /// The answers slower than `limit`: when each poll was sent, and how long it took.
    pub fn slower_than(&self, limit: Duration) -> Vec<(Duration, Duration)> {
        self.latencies
            .iter()
            .copied()
            .filter(|(_, l)| *l > limit)
            .collect()
    }

    /// What went wrong against `limit`, one line each (none when the probe always got a 200
    /// within it).
    pub fn problems(&self, limit: Duration) -> Vec<String> {
        let mut problems = Vec::new();
        let slow = self.slower_than(limit);
        if !slow.is_empty() {
            problems.push(format!(
                "{}: {} of {} polls answered slower than {} ms, the worst in {} ms",
                self.url,
                slow.len(),
                self.polls,
                limit.as_millis(),
                self.worst().map(|(_, l)| l.as_millis()).unwrap_or_default()
            ));
        }
        if !self.failures.is_empty() {
            let (at, why) = &self.failures[0];
            problems.push(format!(
                "{}: {} of {} polls failed, the first sent at +{:.1} s: {why}",
                self.url,
                self.failures.len(),
                self.polls,
                at.as_secs_f64()
            ));
        }
        problems
    }

    /// One line for the test's output.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} polls, worst {} ms, {} failed",
            self.url,
            self.polls,
            self.worst().map(|(_, l)| l.as_millis()).unwrap_or_default(),
            self.failures.len()
        )
    }
}
