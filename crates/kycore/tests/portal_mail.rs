//! A related person's e-mailed link across a crash of the real `kycore serve`: the request
//! is acknowledged, the SMTP server is not reachable yet, the process is killed with
//! SIGKILL; after a restart (configured through `KYCORE_SMTP_*`) the queued job sends the
//! link. The SMTP server is aiosmtpd's maildir handler (PyPI); without it the test skips,
//! unless `KYCORE_REQUIRE_SMTP=1` (CI).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Server, printed_sandbox_key};

/// aiosmtpd writing every message it accepts into a maildir; killed when dropped.
struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn aiosmtpd_available() -> bool {
    let required = std::env::var("KYCORE_REQUIRE_SMTP").is_ok_and(|v| v == "1");
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found || !required,
        "KYCORE_REQUIRE_SMTP is set but aiosmtpd is missing"
    );
    if !found {
        eprintln!("skipped: aiosmtpd is missing; `pip install aiosmtpd`");
    }
    found
}

fn start_sink(port: u16, maildir: &Path) -> Sink {
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Sink(child)
}

/// The messages delivered to the maildir so far.
fn delivered(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|entries| {
            entries
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// The CSRF token of a portal page's first form.
fn csrf(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_queued_link_email_is_sent_after_the_server_is_killed_and_restarted() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mail_root = tempfile::tempdir().unwrap();
    // A path that does not exist yet: aiosmtpd creates the maildir (`new`, `cur`, `tmp`).
    let maildir = mail_root.path().join("maildir");
    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let env = [
        ("KYCORE_SMTP_HOST", "127.0.0.1"),
        ("KYCORE_SMTP_PORT", smtp_port.as_str()),
        ("KYCORE_SMTP_SECURITY", "none"),
        ("KYCORE_SMTP_FROM", "Verification <verify@kycore.test>"),
    ];
    let (server, printed) = Server::start_with(dir.path(), None, &env);
    let key = printed_sandbox_key(&printed);
    let api = reqwest::Client::new();
    let case: Value = api
        .post(format!("{}/v1/cases", server.base))
        .bearer_auth(&key)
        .json(&json!({"kind": "kyb", "applicant": {"type": "business", "business": {"legal_name": "Nordic Widgets AB"}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // The business lists Lars (with his e-mail) and sends him his own link.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let link = case["verification_url"].as_str().unwrap();
    let consent = browser
        .get(link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let added = browser
        .post(format!("{}/portal/related_persons/add", server.base))
        .form(&[
            ("csrf", csrf(&consent).as_str()),
            ("role", "ubo"),
            ("first_name", "Lars"),
            ("last_name", "Nilsson"),
            ("date_of_birth", "1980-01-01"),
            ("nationality", "SE"),
            ("email", "lars@example.com"),
        ])
        .send()
        .await
        .unwrap();
    let persons = added.text().await.unwrap();
    let start = persons.find("name=\"person_id\" value=\"").expect("Lars") + 24;
    let person_id = &persons[start..start + persons[start..].find('"').unwrap()];
    let sent = browser
        .post(format!("{}/portal/related_persons/verify", server.base))
        .form(&[
            ("csrf", csrf(&persons).as_str()),
            ("person_id", person_id),
            ("mode", "link"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        sent.contains("Being e-mailed to lars@example.com."),
        "{sent}"
    );

    // The SMTP server is not there yet; the process dies before it could send.
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.crash();
    let sink = start_sink(smtp_port.parse().unwrap(), &maildir);
    assert!(delivered(&maildir).is_empty());

    // Restarted, the worker finds the job and sends the link.
    let (server, _) = Server::start_with(dir.path(), None, &env);
    let started = Instant::now();
    let mail = loop {
        if let Some(mail) = delivered(&maildir).pop() {
            break mail;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the queued e-mail was not sent after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(mail.contains("X-RcptTo: lars@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: Verify your identity for Nordic Widgets AB"),
        "{mail}"
    );
    assert_eq!(delivered(&maildir).len(), 1);
    server.crash();
    drop(sink);
}
