//! A real SMTP server for the tests to send to: aiosmtpd (PyPI), started here on a loopback
//! port, writing each message it accepts — envelope and decoded text body — as one JSON line.
//! Without aiosmtpd the tests that need it say so and skip, unless `KYCORE_REQUIRE_SMTP=1`
//! (CI) makes that a failure.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kycore_services::mail::{SmtpSecurity, SmtpSettings};
use serde_json::Value;

/// Accepts every message and appends it to the file named by the second argument.
const SINK: &str = r#"
import email, json, sys
from email import policy
from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), sys.argv[2]

class Sink:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "to": message["to"], "subject": message["subject"], "body": body}
        with open(out, "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

/// A running sink, stopped when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    out: tempfile::NamedTempFile,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port, for a sink started later.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The settings that send to a sink on `port` (plain SMTP: it is on loopback).
pub fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(port),
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "Verification <verify@kycore.test>".into(),
    }
}

/// Whether aiosmtpd can be imported; `false` means skip, unless CI requires it.
pub fn available() -> bool {
    let required = std::env::var("KYCORE_REQUIRE_SMTP").is_ok_and(|v| v == "1");
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found || !required,
        "KYCORE_REQUIRE_SMTP is set but aiosmtpd is missing: pip install aiosmtpd"
    );
    if !found {
        eprintln!("skipped: aiosmtpd is missing; `pip install aiosmtpd`");
    }
    found
}

impl SmtpSink {
    /// Starts a sink on `port`; call [`available`] first.
    pub fn start(port: u16) -> SmtpSink {
        let out = tempfile::NamedTempFile::new().unwrap();
        let mut child = Command::new("python3")
            .args(["-c", SINK, &port.to_string()])
            .arg(out.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP sink did not start");
        SmtpSink { child, port, out }
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(self.out.path())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Waits (briefly) until `count` messages have arrived, and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count || started.elapsed() > Duration::from_secs(10) {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The hosted link in a message's body.
pub fn link_in(message: &Value) -> String {
    let body = message["body"].as_str().unwrap();
    body.lines()
        .map(str::trim)
        .find(|line| line.contains("/verify/"))
        .unwrap_or_else(|| panic!("no link in {body}"))
        .to_owned()
}
