//! The real `jiayuan` binary on a fresh SQLite database, for attacks whose harm is the server
//! process's memory.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::logs::jiayuan_binary;

pub struct RealServer {
    child: Child,
    pub base: String,
    pub port: u16,
    dir: std::path::PathBuf,
}

impl RealServer {
    /// Starts `jiayuan serve` with `args` and waits until `/readyz` answers.
    pub async fn start(args: &[&str]) -> RealServer {
        let dir =
            std::env::temp_dir().join(format!("jiayuan-sec-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let db = format!("sqlite://{}/j.db?mode=rwc", dir.display());
        let child = Command::new(jiayuan_binary())
            .arg("serve")
            .args(args)
            .env("DATABASE_URL", &db)
            .env("JIAYUAN_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run jiayuan: {e}"));
        let server = RealServer {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
            dir,
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{}/readyz", server.base)).send().await {
                if r.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("jiayuan did not become ready");
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {field} for the server process"))
    }

    /// The process's peak resident memory so far, in MiB.
    pub fn peak_rss_mib(&self) -> u64 {
        self.status_kib("VmHWM:") / 1024
    }

    /// Whether the process still runs (an attack must not kill it).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
