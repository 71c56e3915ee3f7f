//! Runs the two binaries as processes: start-up line, a few requests, and a
//! clean exit on SIGTERM.

// Test helpers outside #[test] functions may panic too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `bin` and reads the `<name>: http://ADDR/` line it prints.
fn spawn(bin: &str, args: &[&str], name: &str) -> Server {
    let mut child = Command::new(bin)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let prefix = format!("{name}: http://");
    let addr = line
        .trim()
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected start-up line {line:?}"))
        .to_string();
    Server { child, addr }
}

/// A minimal HTTP/1.1 exchange; returns (status, body).
fn http(addr: &str, method: &str, path: &str, content_type: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[cfg(unix)]
fn terminate_and_wait(server: &mut Server) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pseudo_translate_binary() {
    let mut server = spawn(
        env!("CARGO_BIN_EXE_rrm-pseudo-translate"),
        &["--bind", "127.0.0.1:0", "--fail-first", "1", "--api-key=k"],
        "pseudo-translate",
    );
    let body = r#"{"q":["Hello","World"],"source":"en","target":"ur","api_key":"k"}"#;
    let (status, text) = http(&server.addr, "POST", "/translate", "application/json", body);
    assert_eq!(status, 503, "{text}");
    let (status, text) = http(&server.addr, "POST", "/translate", "application/json", body);
    assert_eq!(status, 200, "{text}");
    assert_eq!(text, r#"{"translatedText":["⟦ur⟧ Hello","⟦ur⟧ World"]}"#);
    let (status, text) = http(
        &server.addr,
        "POST",
        "/translate",
        "application/x-www-form-urlencoded",
        "q=x&source=en&target=fr",
    );
    assert_eq!(
        (status, text.as_str()),
        (403, r#"{"error":"Invalid API key"}"#)
    );
    let (status, text) = http(&server.addr, "GET", "/stats", "text/plain", "");
    assert_eq!(
        (status, text.as_str()),
        (200, r#"{"translate_requests":3}"#)
    );
    #[cfg(unix)]
    assert!(terminate_and_wait(&mut server).success());
}

#[test]
fn mailbox_binary() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let dir_arg = dir.path().to_str().unwrap();
    let mut server = spawn(
        env!("CARGO_BIN_EXE_rrm-mailbox"),
        &[
            "--dir",
            dir_arg,
            "--bind",
            "127.0.0.1:0",
            "--min-age-ms",
            "0",
        ],
        "mailbox",
    );
    let (status, body) = http(&server.addr, "GET", "/", "text/plain", "");
    assert_eq!(status, 200);
    assert!(body.contains("4 message(s)"), "{body}");
    let (status, body) = http(&server.addr, "GET", "/api/messages", "text/plain", "");
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 4);
    let (status, _) = http(
        &server.addr,
        "GET",
        "/messages/20261122220312.4763e920",
        "text/plain",
        "",
    );
    assert_eq!(status, 200);
    let (status, _) = http(&server.addr, "GET", "/healthz", "text/plain", "");
    assert_eq!(status, 200);
    #[cfg(unix)]
    assert!(terminate_and_wait(&mut server).success());
}

#[test]
fn bad_flags_exit_2() {
    for bin in [
        env!("CARGO_BIN_EXE_rrm-mailbox"),
        env!("CARGO_BIN_EXE_rrm-pseudo-translate"),
    ] {
        let out = Command::new(bin)
            .arg("--bogus")
            .env_remove("RRM_MAILBOX_DIR")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bin}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("Usage:"));
        let out = Command::new(bin).arg("--help").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{bin}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_rrm-mailbox"))
        .env_remove("RRM_MAILBOX_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_rrm-pseudo-translate"))
        .args(["--fail-first", "-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
