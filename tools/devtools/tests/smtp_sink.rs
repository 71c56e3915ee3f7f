//! End-to-end: lettre → a real Postfix `smtp-sink` → `maildump`.
//! Fails loudly when smtp-sink is not installed (./deploy/test.sh installs postfix for it).

// Test helpers outside #[test] functions may panic too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Message, SmtpTransport, Transport};
use rrm_devtools::maildump;

fn find_smtp_sink() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|d| d.join("smtp-sink"))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

struct Sink {
    child: Child,
    port: u16,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sink(bin: &Path, dir: &Path) -> Sink {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(bin);
    if is_root() {
        // smtp-sink refuses to run as root without dropping privileges, and
        // then writes as that user.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        cmd.args(["-u", "nobody"]);
    }
    let template = format!("{}/%Y%m%d%H%M%S.", dir.display());
    let child = cmd
        .args(["-d", &template, &format!("127.0.0.1:{port}"), "100"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let sink = Sink { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "smtp-sink did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    sink
}

#[derive(Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.into()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

fn mailbox(s: &str) -> Mailbox {
    s.parse().unwrap()
}

/// Speaks SMTP by hand so the test controls when the transaction ends.
struct RawSmtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RawSmtp {
    fn connect(port: u16) -> RawSmtp {
        let writer = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut smtp = RawSmtp {
            reader: BufReader::new(writer.try_clone().unwrap()),
            writer,
        };
        smtp.reply("220");
        smtp
    }
    fn reply(&mut self, code: &str) {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(line.starts_with(code), "expected {code}, got {line:?}");
            if line.as_bytes().get(3) != Some(&b'-') {
                return;
            }
        }
    }
    fn cmd(&mut self, cmd: &str, code: &str) {
        self.writer
            .write_all(format!("{cmd}\r\n").as_bytes())
            .unwrap();
        self.reply(code);
    }
    fn send(&mut self, data: &str) {
        self.writer.write_all(data.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

#[test]
fn lettre_through_smtp_sink() {
    let Some(bin) = find_smtp_sink() else {
        panic!(
            "smtp-sink is not installed: run ./deploy/test.sh, which installs postfix (it never skips)"
        );
    };
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("mail");
    std::fs::create_dir(&dir).unwrap();
    let sink = start_sink(&bin, &dir);
    let transport = SmtpTransport::builder_dangerous("127.0.0.1")
        .port(sink.port)
        .build();

    let html = "<html dir=\"rtl\" lang=\"ar\"><body><p>مقال رأي جديد</p>\
                <p><a href=\"https://rrm.example/e/read/1?lang=ar&amp;t=x\">اقرأ</a></p></body></html>";
    let text = "مقال رأي جديد.\nاقرأ: https://rrm.example/e/read/1?lang=ar&t=x\n\
                .a line starting with a dot\n";
    let arabic = Message::builder()
        .from(mailbox("مكتب RRM <desk@rrm.example>"))
        .to(mailbox("محرر <editor1@ahram.example>"))
        .to(mailbox("editor2@ahram.example"))
        .subject("مقال رأي: المناخ — « test »")
        .message_id(Some("<ar-1@rrm.example>".into()))
        .header(ContentLanguage("ar".into()))
        .multipart(MultiPart::alternative_plain_html(
            text.to_string(),
            html.to_string(),
        ))
        .unwrap();
    transport.send(&arabic).unwrap();

    let plain = Message::builder()
        .from(mailbox("desk@rrm.example"))
        .to(mailbox("prof@uni.example"))
        .subject("Reminder")
        .body("Accept: https://rrm.example/i/accept/abc.\n".to_string())
        .unwrap();
    transport.send(&plain).unwrap();

    let mails = maildump::wait_for(&dir, Duration::from_secs(10), |m| m.len() == 2).unwrap();
    let ar = mails
        .iter()
        .find(|m| m.message_id.as_deref() == Some("ar-1@rrm.example"))
        .unwrap();
    assert_eq!(ar.envelope_from, "desk@rrm.example");
    assert_eq!(
        ar.envelope_to,
        ["editor1@ahram.example", "editor2@ahram.example"]
    );
    assert_eq!(ar.subject, "مقال رأي: المناخ — « test »");
    assert_eq!(ar.from, "مكتب RRM <desk@rrm.example>");
    assert_eq!(
        ar.to,
        ["محرر <editor1@ahram.example>", "editor2@ahram.example"]
    );
    assert_eq!(ar.content_language.as_deref(), Some("ar"));
    assert!(ar.date.is_some());
    assert_eq!(ar.text.as_deref(), Some(text), "dot-unstuffed and decoded");
    assert_eq!(ar.html.as_deref().unwrap().trim_end(), html);
    assert_eq!(ar.links, ["https://rrm.example/e/read/1?lang=ar&t=x"]);

    let reminder = mails.iter().find(|m| m.subject == "Reminder").unwrap();
    assert_eq!(reminder.links, ["https://rrm.example/i/accept/abc"]);
    assert!(reminder.html.is_none());

    // A transaction in progress is never returned, however old its file is.
    let mut smtp = RawSmtp::connect(sink.port);
    smtp.cmd("EHLO test.example", "250");
    smtp.cmd("MAIL FROM:<slow@rrm.example>", "250");
    smtp.cmd("RCPT TO:<late@paper.example>", "250");
    smtp.cmd("DATA", "354");
    smtp.send("Subject: slow\r\nFrom: slow@rrm.example\r\n\r\n");
    smtp.send(&format!("{}\r\n", "x".repeat(70)).repeat(200));
    std::thread::sleep(Duration::from_millis(400));
    let now = maildump::read_all(&dir, Duration::ZERO).unwrap();
    assert_eq!(now.len(), 2, "unfinished transaction must be skipped");
    smtp.send("end\r\n.\r\n");
    smtp.reply("250");
    smtp.cmd("QUIT", "221");
    let mails = maildump::wait_for(&dir, Duration::from_secs(10), |m| m.len() == 3).unwrap();
    let slow = mails.iter().find(|m| m.subject == "slow").unwrap();
    assert_eq!(slow.envelope_to, ["late@paper.example"]);
    assert!(slow.text.as_deref().unwrap().ends_with("end\n"));
    // Chronological order: the slow one finished last.
    assert_eq!(mails[2].subject, "slow");
}
