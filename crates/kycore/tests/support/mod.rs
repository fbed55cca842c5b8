//! What the binary's tests share: running `kycore` commands and a `kycore serve` process.

#![allow(clippy::unwrap_used, dead_code)] // a failed unwrap is a failed test; not every test file uses every helper

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs `kycore` on `data_dir` with the key from the data directory.
pub fn kycore(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kycore"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("KYCORE_MASTER_KEY")
        .env_remove("KYCORE_PREVIOUS_MASTER_KEY")
        .env_remove("KYCORE_DATABASE_URL")
        .output()
        .unwrap()
}

pub fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(data_dir: &Path) -> (Server, String) {
        Self::start_logging(data_dir, None)
    }

    /// Starts `kycore serve`; with `log`, at `KYCORE_LOG=debug` with everything it prints
    /// (its log on stderr, its start-up lines on stdout) written to that file.
    pub fn start_logging(data_dir: &Path, log: Option<&Path>) -> (Server, String) {
        Self::start_with(data_dir, log, &[])
    }

    /// Like [`Server::start_logging`], with these environment variables set.
    pub fn start_with(
        data_dir: &Path,
        log: Option<&Path>,
        env: &[(&str, &str)],
    ) -> (Server, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kycore"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .env_remove("KYCORE_MASTER_KEY")
            .env_remove("KYCORE_PREVIOUS_MASTER_KEY")
            .env("KYCORE_LOG", if log.is_some() { "debug" } else { "info" })
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(match log {
                Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
                None => Stdio::null(),
            })
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let mut printed = String::new();
        while !printed.contains("kycore listening") {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "kycore did not start: {printed}"
            );
            let mut chunk = [0u8; 256];
            let n = std::io::Read::read(&mut stdout, &mut chunk).unwrap();
            assert!(n > 0, "kycore exited: {printed}");
            printed.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
        if let Some(path) = log {
            // The rest of stdout goes to the log too, so that nothing printed is missed.
            let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
            std::io::Write::write_all(&mut file, printed.as_bytes()).unwrap();
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut file));
        }
        (Server { child, base }, printed)
    }

    /// SIGKILL: no shutdown hook runs, like a power cut for the process.
    pub fn crash(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// The sandbox secret key a first `kycore serve` prints.
pub fn printed_sandbox_key(printed: &str) -> String {
    printed
        .split_whitespace()
        .find(|w| w.starts_with("kc_test_"))
        .unwrap_or_else(|| panic!("no sandbox key printed: {printed}"))
        .to_owned()
}
