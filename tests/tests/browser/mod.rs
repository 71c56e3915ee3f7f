//! A real browser for the console's tests: Debian's headless Chromium driven through
//! `chromedriver` (WebDriver) with fantoccini. It fails loudly when either is missing — install
//! them with `apt-get install chromium chromium-driver` (`deploy/test.sh` does) — never skips.

use anyhow::{Context, Result, bail, ensure};
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session, its chromedriver and its throwaway profile; dropping it ends
/// both processes.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Result<Self> {
        for (binary, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            ensure!(
                Path::new(binary).exists(),
                "{binary} is missing: install it with `apt-get install {package}` (deploy/lib.sh's ensure_packages does)"
            );
        }
        let port = rrm_e2e::free_port();
        let profile = tempfile::tempdir()?;
        let log = std::fs::File::create(profile.path().join("chromedriver.log"))?;
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            // Its own process group, with the Chromium it starts: `drop` ends them all at once,
            // even when a test fails half-way.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting chromedriver")?;
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = driver.try_wait()? {
                bail!("chromedriver exited at start: {status}");
            }
            ensure!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on port {port} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=1280,1024".to_owned(),
            format!(
                "--user-data-dir={}",
                profile.path().join("profile").display()
            ),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                let log = std::fs::read_to_string(profile.path().join("chromedriver.log"))
                    .unwrap_or_default();
                bail!("chromium did not start through chromedriver: {e}\n{log}");
            }
        };
        // Finding an element waits up to 5 s for it: a page after a click may still be loading.
        client
            .update_timeouts(TimeoutConfiguration::new(
                None,
                Some(Duration::from_secs(30)),
                Some(Duration::from_secs(5)),
            ))
            .await?;
        Ok(Self {
            client,
            driver,
            _profile: profile,
        })
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        Ok(self.client.goto(url).await?)
    }

    pub async fn url(&self) -> Result<String> {
        Ok(self.client.current_url().await?.to_string())
    }

    /// Waits (up to 20 s) for the browser to be on a page whose URL `wanted` accepts: a click
    /// returns before the page it leads to has loaded.
    pub async fn wait_for_url(&self, wanted: impl Fn(&str) -> bool) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let url = self.url().await?;
            if wanted(&url) {
                return Ok(url);
            }
            ensure!(Instant::now() < deadline, "still on {url} after 20 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element `css` selects. An element that went stale between being
    /// found and read (the page was being replaced by the one a click leads to) is found again.
    pub async fn text(&self, css: &str) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let element = self
                .client
                .find(Locator::Css(css))
                .await
                .with_context(|| format!("no {css} on the page"))?;
            match element.text().await {
                Ok(text) => return Ok(text),
                Err(e) if e.to_string().contains("stale element") && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// An attribute of the first element `css` selects.
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no {css} on the page"))?;
        Ok(element.attr(name).await?)
    }

    /// Replaces the value of the field named `name` by typing `value`.
    pub async fn fill(&self, name: &str, value: &str) -> Result<()> {
        let field = self
            .client
            .find(Locator::Css(&format!("[name=\"{name}\"]")))
            .await
            .with_context(|| format!("no field {name}"))?;
        field.clear().await?;
        field.send_keys(value).await?;
        Ok(())
    }

    /// Clicks the first element `css` selects, and waits for the page it leads to.
    pub async fn click(&self, css: &str) -> Result<()> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no {css} on the page"))?;
        element.click().await?;
        Ok(())
    }

    /// The computed value of CSS `property` of the first element `css` selects.
    pub async fn computed(&self, css: &str, property: &str) -> Result<String> {
        let value = self
            .client
            .execute(
                "const el = document.querySelector(arguments[0]); return el ? getComputedStyle(el).getPropertyValue(arguments[1]) : null;",
                vec![json!(css), json!(property)],
            )
            .await?;
        value
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no {css} on the page"))
    }

    /// Ends the browser session (then Chromium), before chromedriver goes with `drop`.
    pub async fn close(self) -> Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }

    /// The page's source, for failure messages.
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver and the Chromium it started, as one process group (see `start`).
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
