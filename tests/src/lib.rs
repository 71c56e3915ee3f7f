//! The end-to-end harness: starts a real pipeline — the five service binaries, Postfix's
//! `smtp-sink` capturing every e-mail, the pseudo LibreTranslate server — on free loopback ports,
//! in a fresh RabbitMQ virtual host of the local broker, and acts on it as people would: raising
//! alerts through the API and following the links in the captured e-mails (GET the page, POST its
//! form).
//!
//! It fails loudly when RabbitMQ or `smtp-sink` is missing: these tests never skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, Result, bail, ensure};
use rrm_devtools::maildump::{self, CapturedMail};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub mod flow;
pub mod load;
pub mod observer;

pub const SERVICES: [&str; 5] = [
    "intake",
    "roster",
    "drafting",
    "translation",
    "distribution",
];
pub const BOOTSTRAP_TOKEN: &str = "e2e-coordinator-token-0123456789abcdef";
const LINK_SECRET: &str = "e2e-link-secret-0123456789abcdef0123456789";

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One pipeline at a time: the machine has two cores, and the broker-restart test restarts the
/// shared broker.
pub async fn exclusive() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// Builds the binaries once per test process (a no-op when they are up to date).
fn binaries() -> Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let mut cargo = Command::new(env!("CARGO"));
            cargo
                .args(["build", "--quiet", "--bins", "--workspace"])
                .current_dir(workspace());
            // Cargo describes the crate under test to its process (CARGO_PKG_NAME,
            // CARGO_MANIFEST_DIR …). Build scripts watching those (ring's) would see them change
            // and rebuild half the dependency tree here, and again at the next `cargo test`.
            for (key, _) in std::env::vars_os() {
                let key = key.to_string_lossy();
                if ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_BIN_EXE_"]
                    .iter()
                    .any(|p| key.starts_with(p))
                    || [
                        "CARGO_CRATE_NAME",
                        "CARGO_PRIMARY_PACKAGE",
                        "CARGO_TARGET_TMPDIR",
                        "CARGO_RUSTC_CURRENT_DIR",
                    ]
                    .contains(&key.as_ref())
                {
                    cargo.env_remove(key.as_ref());
                }
            }
            let status = cargo.status().map_err(|e| e.to_string())?;
            if !status.success() {
                return Err("cargo build --bins failed".into());
            }
            // tests run from target/<profile>/deps/<test binary>
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            Ok(exe
                .parent()
                .and_then(Path::parent)
                .ok_or("no target dir")?
                .to_path_buf())
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// A loopback port nothing listens on now, and never handed out before by this process: the
/// kernel may give a port just released to the next asker, and two services told the same port
/// would have one of them fail to start.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if given.insert(port) {
            return port;
        }
    }
}

fn find_tool(name: &str) -> Result<PathBuf> {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return Ok(p);
        }
    }
    bail!(
        "{name} is not installed: run ./deploy/test.sh (it installs rabbitmq-server and postfix), or apt-get install it"
    )
}

/// Runs `rabbitmqctl` with `args`.
pub fn rabbitmqctl(args: &[&str]) -> Result<String> {
    let out = Command::new(find_tool("rabbitmqctl")?)
        .args(args)
        .output()
        .context("running rabbitmqctl")?;
    if !out.status.success() {
        bail!(
            "rabbitmqctl {} failed — is RabbitMQ running? (./deploy/test.sh starts it)\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Messages ready in `queue` of `vhost`.
pub fn queue_depth(vhost: &str, queue: &str) -> Result<u64> {
    let out = rabbitmqctl(&[
        "-q",
        "list_queues",
        "-p",
        vhost,
        "name",
        "messages_ready",
        "--no-table-headers",
    ])?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next()? == queue).then(|| parts.next()?.parse().ok())?
        })
        .next()
        .unwrap_or(0))
}

pub struct Stack {
    pub dir: tempfile::TempDir,
    pub vhost: String,
    pub amqp_url: String,
    pub mail_dir: PathBuf,
    pub ports: BTreeMap<&'static str, u16>,
    pub http: reqwest::Client,
    bin: PathBuf,
    services: BTreeMap<&'static str, Child>,
    /// Settings a test put over the harness's own, per service, applied at each (re)start.
    settings: BTreeMap<&'static str, Vec<(String, OsString)>>,
    /// The SMTP server, apart from the other helpers so a test can take it away.
    smtp_sink: Option<Child>,
    helpers: Vec<Child>,
    translate_port: u16,
    smtp_port: u16,
}

impl Stack {
    /// A fresh vhost, mail sink, translation server and the five services, all ready.
    pub async fn start() -> Result<Self> {
        Self::start_only(&SERVICES).await
    }

    /// Like [`Stack::start`], with only `services` started (the others on their ports later,
    /// with [`Stack::start_service`]).
    pub async fn start_only(services: &[&'static str]) -> Result<Self> {
        let bin = binaries()?;
        let dir = tempfile::Builder::new().prefix("rrm-e2e-").tempdir()?;
        let vhost = format!("rrm-e2e-{}", uuid::Uuid::now_v7().simple());
        rabbitmqctl(&["add_vhost", &vhost])?;
        rabbitmqctl(&["set_permissions", "-p", &vhost, "guest", ".*", ".*", ".*"])?;
        let amqp_url = format!("amqp://guest:guest@127.0.0.1:5672/{vhost}");

        let mail_dir = dir.path().join("mail");
        std::fs::create_dir_all(&mail_dir)?;
        std::fs::create_dir_all(dir.path().join("logs"))?;
        let smtp_port = free_port();
        let translate_port = free_port();
        let mut stack = Self {
            vhost,
            amqp_url,
            mail_dir,
            ports: SERVICES.iter().map(|s| (*s, free_port())).collect(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()?,
            bin,
            services: BTreeMap::new(),
            settings: BTreeMap::new(),
            smtp_sink: None,
            helpers: Vec::new(),
            translate_port,
            smtp_port,
            dir,
        };
        stack.start_smtp_sink()?;
        stack.start_translator()?;
        // The demo network, imported before roster ever starts (whether it starts now or later).
        stack.import_members(&workspace().join("config/demo/members.csv"))?;
        for service in services {
            stack.start_service(service)?;
        }
        for service in services {
            stack.wait_ready(service).await?;
        }
        Ok(stack)
    }

    /// Starts (or restarts) the SMTP server on the stack's SMTP port.
    pub fn start_smtp_sink(&mut self) -> Result<()> {
        let sink = find_tool("smtp-sink")?;
        let mut cmd = Command::new(sink);
        // smtp-sink drops privileges when run as root; the dump directory must then be writable.
        if is_root() {
            set_mode(&self.mail_dir, 0o777)?;
            cmd.args(["-u", "nobody"]);
        }
        let template = format!("{}/%Y%m%d%H%M%S.", self.mail_dir.display());
        cmd.args([
            "-d",
            &template,
            &format!("127.0.0.1:{}", self.smtp_port),
            "256",
        ]);
        let child = cmd
            .stdout(Stdio::null())
            .stderr(self.log("smtp-sink")?)
            .spawn()
            .context("starting smtp-sink")?;
        if let Some(mut old) = self.smtp_sink.replace(child) {
            let _ = old.kill();
            let _ = old.wait();
        }
        wait_port(self.smtp_port, Duration::from_secs(10)).context("smtp-sink did not start")
    }

    /// Takes the SMTP server away, as an outage of the relay would: connections are refused.
    pub fn stop_smtp_sink(&mut self) {
        if let Some(mut child) = self.smtp_sink.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    fn start_translator(&mut self) -> Result<()> {
        let child = Command::new(self.bin.join("rrm-pseudo-translate"))
            .args(["--bind", &format!("127.0.0.1:{}", self.translate_port)])
            .stdout(Stdio::null())
            .stderr(self.log("pseudo-translate")?)
            .spawn()
            .context("starting rrm-pseudo-translate")?;
        self.helpers.push(child);
        wait_port(self.translate_port, Duration::from_secs(10))
            .context("rrm-pseudo-translate did not start")
    }

    fn log(&self, name: &str) -> Result<Stdio> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("logs").join(format!("{name}.log")))?;
        Ok(Stdio::from(file))
    }

    /// The service's log so far (JSON lines).
    pub fn log_of(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("logs").join(format!("{name}.log")))
            .unwrap_or_default()
    }

    /// Runs the coordinators' command line `rrm` with `args` against this stack's services, with
    /// the bootstrap token; its output.
    pub fn rrm(&self, args: &[&str]) -> Result<std::process::Output> {
        Command::new(self.bin.join("rrm"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RRM_URL", self.url("intake"))
            .env("RRM_ROSTER_URL", self.url("roster"))
            .env("RRM_TRANSLATION_URL", self.url("translation"))
            .env("RRM_TOKEN", BOOTSTRAP_TOKEN)
            .output()
            .context("running rrm")
    }

    /// The harness's pseudo translation server (LibreTranslate's protocol).
    pub fn translate_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.translate_port)
    }

    pub fn url(&self, service: &str) -> String {
        format!("http://127.0.0.1:{}", self.ports[service])
    }

    /// Sets the environment variable `key` (`RRM_<SECTION>__<KEY>`) of `service` to `value`
    /// from its next (re)start on, over the harness's own settings: a bigger editor list, say.
    pub fn set_env(&mut self, service: &'static str, key: &str, value: impl AsRef<OsStr>) {
        self.settings
            .entry(service)
            .or_default()
            .push((key.to_owned(), value.as_ref().to_owned()));
    }

    /// A service binary's command with the test's settings.
    fn command(&self, name: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(format!("rrm-{name}")));
        cmd.current_dir(workspace())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RRM_CONFIG_DIR", workspace().join("config"))
            .env("RRM_ENV", "test")
            .env("RRM_LOG__FORMAT", "json")
            .env("RRM_LOG__LEVEL", "info")
            .env("RRM_LINKS__SECRET", LINK_SECRET)
            .env("RRM_AMQP__URL", &self.amqp_url)
            .env("RRM_AMQP__MAX_BACKOFF_MS", "1000")
            .env("RRM_STORAGE__DATA_DIR", self.dir.path().join("data"))
            .env("RRM_SMTP__PORT", self.smtp_port.to_string())
            .env("RRM_INTAKE__BOOTSTRAP_TOKEN", BOOTSTRAP_TOKEN)
            .env(
                "RRM_DISTRIBUTION__EDITORS_CSV",
                workspace().join("config/demo/editors.csv"),
            )
            // Indexed variables replace the configured provider list as a whole.
            .env("RRM_TRANSLATION__PROVIDERS__0__KIND", "libretranslate")
            .env(
                "RRM_TRANSLATION__PROVIDERS__0__URL",
                format!("http://127.0.0.1:{}", self.translate_port),
            );
        for s in SERVICES {
            let upper = s.to_uppercase();
            cmd.env(
                format!("RRM_SERVICES__{upper}__BIND"),
                format!("127.0.0.1:{}", self.ports[s]),
            );
            cmd.env(format!("RRM_SERVICES__{upper}__PUBLIC_URL"), self.url(s));
        }
        if let Some(settings) = self.settings.get(name) {
            for (key, value) in settings {
                cmd.env(key, value);
            }
        }
        cmd
    }

    /// Imports a members CSV into the (stopped) roster's store, as an operator does before the
    /// first start: `rrm-roster import-members`.
    pub fn import_members(&self, csv: &Path) -> Result<()> {
        let out = self
            .command("roster")
            .arg("import-members")
            .arg(csv)
            .output()
            .context("running rrm-roster import-members")?;
        anyhow::ensure!(
            out.status.success(),
            "rrm-roster import-members {} failed: {}{}",
            csv.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// Starts (or restarts) one service binary with the test's settings.
    pub fn start_service(&mut self, name: &'static str) -> Result<()> {
        let mut cmd = self.command(name);
        let child = cmd
            .stdout(self.log(name)?)
            .stderr(self.log(name)?)
            .spawn()
            .with_context(|| format!("starting rrm-{name}"))?;
        if let Some(mut old) = self.services.insert(name, child) {
            let _ = old.kill();
            let _ = old.wait();
        }
        Ok(())
    }

    /// SIGKILL: no shutdown, no flush — what a crash or an OOM kill does.
    pub fn kill_service(&mut self, name: &str) {
        if let Some(mut child) = self.services.remove(name) {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// SIGTERM, as systemd or Kubernetes stop a service; returns whether it exited cleanly
    /// (in-flight work finished, store flushed) within `grace`.
    pub fn terminate_service(&mut self, name: &str, grace: Duration) -> Result<bool> {
        let Some(mut child) = self.services.remove(name) else {
            bail!("{name} is not running")
        };
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        ensure!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status.success());
            }
            if Instant::now() > deadline {
                child.kill().ok();
                child.wait().ok();
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `/readyz` answers 200 (store open, broker connected).
    pub async fn wait_ready(&self, name: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self
                .http
                .get(format!("{}/readyz", self.url(name)))
                .send()
                .await
                && r.status() == 200
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{name} not ready after 60 s; its log:\n{}",
                    tail(&self.log_of(name), 40)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn readyz(&self, name: &str) -> u16 {
        match self
            .http
            .get(format!("{}/readyz", self.url(name)))
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// The value of an unlabelled metric on the service's `/metrics` (0 when not yet exported).
    pub async fn metric(&self, service: &str, name: &str) -> Result<f64> {
        let text = self
            .http
            .get(format!("{}/metrics", self.url(service)))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .next()
            .unwrap_or(0.0))
    }

    /// Waits until the service's metric `name` satisfies `done`; fails with the service's log.
    pub async fn wait_metric(
        &self,
        service: &str,
        name: &str,
        what: &str,
        done: impl Fn(f64) -> bool,
    ) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(self.metric(service, name).await?) {
            if Instant::now() > deadline {
                bail!(
                    "{what}: {service}'s {name} never got there; its log:\n{}",
                    tail(&self.log_of(service), 20)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Raises an alert as the bootstrap coordinator.
    pub async fn raise_alert(&self, body: serde_json::Value) -> Result<serde_json::Value> {
        let r = self
            .http
            .post(format!("{}/api/v1/alerts", self.url("intake")))
            .bearer_auth(BOOTSTRAP_TOKEN)
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let json: serde_json::Value = r.json().await?;
        if !status.is_success() {
            bail!("raising the alert failed: {status} {json}");
        }
        Ok(json)
    }

    pub async fn alert(&self, id: &str) -> Result<serde_json::Value> {
        Ok(self
            .http
            .get(format!("{}/api/v1/alerts/{id}", self.url("intake")))
            .bearer_auth(BOOTSTRAP_TOKEN)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Every complete e-mail captured so far, oldest first.
    pub fn mails(&self) -> Vec<CapturedMail> {
        maildump::read_all(&self.mail_dir, Duration::from_millis(200)).unwrap_or_default()
    }

    /// Waits until `done` holds for the captured e-mails; fails with the service logs otherwise.
    pub async fn wait_mails(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[CapturedMail]) -> bool,
    ) -> Result<Vec<CapturedMail>> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.mails();
            if done(&mails) {
                return Ok(mails);
            }
            if Instant::now() > deadline {
                let subjects: Vec<String> = mails
                    .iter()
                    .map(|m| format!("{:?} → {:?}", m.subject, m.envelope_to))
                    .collect();
                bail!(
                    "timed out waiting for {what}; {} mails captured:\n{}\n{}",
                    mails.len(),
                    subjects.join("\n"),
                    self.diagnostics()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Recent log lines of every service, for failure messages.
    pub fn diagnostics(&self) -> String {
        SERVICES
            .iter()
            .map(|s| format!("--- {s} ---\n{}", tail(&self.log_of(s), 15)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Follows an e-mailed link as a person: GET the page, then submit its form with `button`
    /// (the `value` of the submit button to press; `None` for the only one) and `fields` typed in.
    pub async fn follow(
        &self,
        link: &str,
        button: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Result<Page> {
        let page = self.get_page(link).await?;
        if page.status != 200 {
            bail!("GET {link} answered {}: {}", page.status, page.text());
        }
        page.submit(&self.http, link, button, fields).await
    }

    pub async fn get_page(&self, link: &str) -> Result<Page> {
        let r = self.http.get(link).send().await?;
        Ok(Page {
            status: r.status().as_u16(),
            html: r.text().await?,
        })
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for (_, mut c) in std::mem::take(&mut self.services) {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.stop_smtp_sink();
        for mut c in self.helpers.drain(..) {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = rabbitmqctl(&["delete_vhost", &self.vhost]);
        if std::env::var_os("RRM_E2E_KEEP").is_some() {
            let kept = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap()).keep();
            eprintln!("kept the test's data and logs in {}", kept.display());
        }
    }
}

/// A fetched HTML page.
pub struct Page {
    pub status: u16,
    pub html: String,
}

impl Page {
    /// The page's visible text (roughly), for assertions.
    pub fn text(&self) -> String {
        let doc = scraper::Html::parse_document(&self.html);
        let main = scraper::Selector::parse("main").unwrap();
        doc.select(&main)
            .next()
            .map(|m| m.text().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Submits the page's form as a browser would (hidden inputs, prefilled inputs and
    /// textareas, the pressed button), to the form's action or the page's own URL.
    pub async fn submit(
        &self,
        http: &reqwest::Client,
        url: &str,
        button: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Result<Page> {
        self.submit_chosen(http, url, None, button, fields).await
    }

    /// Submits the page's form that holds the submit button `button` — named by its `value`,
    /// or by its label when it has none — pressing that button: the second form of a page,
    /// say, or one of a console page's several forms.
    pub async fn submit_form(
        &self,
        http: &reqwest::Client,
        url: &str,
        button: &str,
        fields: &[(&str, &str)],
    ) -> Result<Page> {
        self.submit_chosen(http, url, Some(button), Some(button), fields)
            .await
    }

    /// Submits the first POST form, or the first holding the button `holding` (by value or
    /// label), pressing `button` (the first when `None`).
    async fn submit_chosen(
        &self,
        http: &reqwest::Client,
        url: &str,
        holding: Option<&str>,
        button: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Result<Page> {
        let buttons = scraper::Selector::parse("button[type=submit]").unwrap();
        let names = |b: &scraper::ElementRef<'_>, v: &str| {
            b.attr("value") == Some(v)
                || (b.attr("value").is_none() && b.text().collect::<String>().trim() == v)
        };
        let form_data = {
            let doc = scraper::Html::parse_document(&self.html);
            let form_sel = scraper::Selector::parse("form[method=post]").unwrap();
            let mut forms = doc.select(&form_sel);
            let form = match holding {
                None => forms.next(),
                Some(v) => forms.find(|f| f.select(&buttons).any(|b| names(&b, v))),
            };
            let Some(form) = form else {
                bail!(
                    "the page has no form to submit{}: {}",
                    holding
                        .map(|v| format!(" with a button {v:?}"))
                        .unwrap_or_default(),
                    self.text()
                );
            };
            let mut data: Vec<(String, String)> = Vec::new();
            let inputs = scraper::Selector::parse("input, textarea").unwrap();
            for input in form.select(&inputs) {
                let Some(name) = input.attr("name") else {
                    continue;
                };
                let value = if input.value().name() == "textarea" {
                    input.text().collect::<String>()
                } else {
                    input.attr("value").unwrap_or_default().to_owned()
                };
                data.push((name.to_owned(), value));
            }
            // A select sends its selected option, or its first.
            let selects = scraper::Selector::parse("select").unwrap();
            let options = scraper::Selector::parse("option").unwrap();
            for select in form.select(&selects) {
                let Some(name) = select.attr("name") else {
                    continue;
                };
                let all: Vec<_> = select.select(&options).collect();
                let chosen = all
                    .iter()
                    .find(|o| o.attr("selected").is_some())
                    .or(all.first());
                if let Some(option) = chosen {
                    let value = option
                        .attr("value")
                        .map(str::to_owned)
                        .unwrap_or_else(|| option.text().collect());
                    data.push((name.to_owned(), value));
                }
            }
            for (name, value) in fields {
                match data.iter_mut().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = (*value).to_owned(),
                    None => bail!("the form has no field {name:?}"),
                }
            }
            let candidates: Vec<_> = form.select(&buttons).collect();
            let pressed = match button {
                Some(v) => candidates.iter().find(|b| names(b, v)),
                None => candidates.first(),
            };
            let Some(pressed) = pressed else {
                bail!("the form has no button {button:?}");
            };
            if let (Some(n), Some(v)) = (pressed.attr("name"), pressed.attr("value")) {
                data.push((n.to_owned(), v.to_owned()));
            }
            let target = form
                .attr("action")
                .map(str::to_owned)
                .unwrap_or_else(|| url.to_owned());
            (target, data)
        };
        let (target, data) = form_data;
        let r = http.post(target).form(&data).send().await?;
        Ok(Page {
            status: r.status().as_u16(),
            html: r.text().await?,
        })
    }
}

/// The first link in `mail` that starts with `prefix`.
pub fn link(mail: &CapturedMail, prefix: &str) -> Result<String> {
    mail.links
        .iter()
        .find(|l| l.starts_with(prefix))
        .cloned()
        .with_context(|| format!("no link to {prefix} in {:?}", mail.subject))
}

pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn wait_port(port: u16, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listens on port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

/// The SHA-256 a signing request names (`SHA-256 of the text: …`): the version out for
/// signature, as drafting computed it.
pub fn signed_hash(mail: &CapturedMail) -> Result<String> {
    let text = mail.text.clone().unwrap_or_default();
    text.split("SHA-256 of the text: ")
        .nth(1)
        .and_then(|rest| rest.get(..64))
        .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_owned)
        .with_context(|| format!("no SHA-256 in {:?}", mail.subject))
}
