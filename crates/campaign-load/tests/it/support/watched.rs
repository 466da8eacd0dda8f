//! A child whose stdout and stderr lines are read on their own threads, so that a test can wait
//! for a line, or for the exit, with a bound; past one it kills the child and fails with what
//! the child printed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a child may take to print its readiness line ([`campaign_load::READY`]): a bound
/// on a hang, never a measurement (it prints it within a second or two).
pub const READY_WITHIN: Duration = Duration::from_secs(60);

/// A spawned `campaign-load`, its output read as it comes.
pub struct Watched {
    pid: u32,
    lines: mpsc::Receiver<String>,
    exit: mpsc::Receiver<std::io::Result<ExitStatus>>,
    exited: bool,
    seen: Vec<String>,
}

impl Watched {
    /// Spawns `command` with its stdout and stderr piped to this watcher.
    pub fn spawn(command: &mut Command) -> Watched {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("campaign-load spawns");
        let (tx, lines) = mpsc::channel();
        let out = child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>);
        let err = child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>);
        for pipe in [out, err].into_iter().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let pid = child.id();
        let (done, exit) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(child.wait());
        });
        Watched {
            pid,
            lines,
            exit,
            exited: false,
            seen: Vec::new(),
        }
    }

    /// Everything read so far, one line each.
    pub fn text(&self) -> String {
        self.seen.join("\n")
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`) to it.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} {}", self.pid);
    }

    /// Waits until a line contains `needle`.
    pub fn wait_for_line(&mut self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no line with {needle:?} within {within:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("output closed before a line with {needle:?}"))
                }
            }
        }
    }

    /// Waits for the exit, then reads the rest of the output.
    pub fn wait_for_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        let status = match self.exit.recv_timeout(within) {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => self.fail(&format!("waiting for the exit failed: {e}")),
            Err(_) => self.fail(&format!("still running {within:?} later")),
        };
        self.exited = true;
        // The pipes close with the process; a grandchild holding them would not stop the test.
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        status
    }

    /// [`Watched::wait_for_line`] off the async runtime's threads.
    pub async fn line(mut self, needle: &'static str, within: Duration) -> Watched {
        blocking(move || {
            self.wait_for_line(needle, within);
            self
        })
        .await
    }

    /// Waits for the readiness line: from then on SIGTERM and Ctrl-C are handled.
    pub async fn ready(self) -> Watched {
        self.line(campaign_load::READY, READY_WITHIN).await
    }

    /// [`Watched::wait_for_exit`] off the async runtime's threads; the status and everything
    /// it printed.
    pub async fn exit(mut self, within: Duration) -> (ExitStatus, String) {
        blocking(move || {
            let status = self.wait_for_exit(within);
            (status, self.text())
        })
        .await
    }

    /// SIGKILL, unless it has exited.
    pub fn kill(&mut self) {
        if !self.exited && self.exit.try_recv().is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &self.pid.to_string()])
                .status();
        }
        self.exited = true;
    }

    /// Kills it and fails the test with `why` and what it printed.
    pub fn fail(&mut self, why: &str) -> ! {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        panic!("campaign-load: {why}; it printed:\n{}", self.text());
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `f` on tokio's blocking threads; a panic in it is the test's own panic.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(t) => t,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a blocking task was cancelled: {e}"),
    }
}
