//! What the test modules share: the binary as a user runs it ([`bin`], [`shipped`]), a folder of
//! each test's own ([`tmp`]), a child watched with bounds ([`Watched`]), plain-socket hosts
//! ([`host`], and misbehaving ones: [`hostile`]), and one in-process run at a time ([`in_process`]).

pub mod host;
pub mod hostile;
pub mod in_process;
mod watched;

pub use watched::{Watched, blocking};

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The workspace root: the binary runs from here, as a user runs it (`scenarios/…`).
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/campaign-load lies two folders down")
}

/// `campaign-load`, run from the workspace root, its journal in `dir`, with no vendor variable
/// of the developer's environment (`KORE_*`, `VOICEGENIE_*`): a test sets what it means.
pub fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_campaign-load"));
    c.current_dir(workspace());
    c.env("CAMPAIGN_HARNESS_JOURNAL_DIR", dir.join("journal"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("KORE_") || name.starts_with("VOICEGENIE_") {
            c.env_remove(name.as_ref());
        }
    }
    c
}

/// A run of the shipped scenario `scenarios/{name}.toml`, its reports in `dir`: the scenario's
/// own (`target/load/…`) are replaced by `dir/{name}.md` (a `--report-file` replaces them all;
/// a test's own `--report-file`, `--summary` or `--junit` given after this one wins).
pub fn shipped(dir: &Path, name: &str) -> Command {
    let mut c = bin(dir);
    c.arg("--scenario")
        .arg(format!("scenarios/{name}.toml"))
        .arg("--report-file")
        .arg(dir.join(format!("{name}.md")));
    c
}

/// A child's stdout then stderr, as one text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A folder of one test's own under the system's temp dir (never under `target/` or the
/// repository), empty when made, removed when dropped unless the test failed (then kept, and its
/// path printed, to look at).
pub struct Tmp {
    path: PathBuf,
}

/// A new [`Tmp`], named `name` for whoever reads the temp dir.
pub fn tmp(name: &str) -> Tmp {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "campaign-load-it-{}-{n}-{name}",
        std::process::id()
    ));
    assert!(
        !path.starts_with(workspace()),
        "the temp dir {} lies in the repository",
        path.display()
    );
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("temp dir");
    Tmp { path }
}

impl Deref for Tmp {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept for a look: {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Waits until `ready` says yes, asking again every 20 ms, for at most `within`; false if it
/// never did.
pub async fn until<F, Fut>(within: Duration, mut ready: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    tokio::time::timeout(within, async {
        while !ready().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .is_ok()
}
