//! Every file campaign-load reads from outside is a regular file under a cap: a device, a FIFO,
//! a folder or an oversized file is refused at once, naming the file, before anything is read
//! or sent (`merge /dev/zero` once grew to gigabytes; a FIFO as a scenario waited forever).

use crate::support::{Watched, bin, tmp};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A bound on a hang, never a measurement: each refusal here comes before any read.
const HANG: Duration = Duration::from_secs(60);

/// Runs `command` to its end within [`HANG`]; its exit code and everything it printed.
fn refused(command: &mut Command) -> (Option<i32>, String) {
    let mut child = Watched::spawn(command);
    let status = child.wait_for_exit(HANG);
    (status.code(), child.text())
}

fn merge(dir: &Path, inputs: &[&Path]) -> Command {
    let mut c = bin(dir);
    c.arg("merge")
        .args(inputs)
        .arg("--report-file")
        .arg(dir.join("fleet.md"));
    c
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn merge_of_dev_zero_exits_2_at_once_naming_the_file() {
    // Arrange
    let dir = tmp("dev-zero");

    // Act
    let (code, t) = refused(&mut merge(&dir, &[Path::new("/dev/zero")]));

    // Assert
    assert_eq!(code, Some(2), "{t}");
    assert!(
        t.contains(
            "/dev/zero: a character device, not a regular file (a summary file must be a regular file of at most 256 MiB)"
        ),
        "{t}"
    );
    assert!(!dir.join("fleet.md").exists(), "nothing is written");
}

#[test]
fn a_summary_over_the_cap_a_fifo_and_a_folder_are_refused_by_name() {
    // Arrange: a sparse file one byte over the cap (no disk is used), a FIFO nobody writes to,
    // and a folder.
    let dir = tmp("summary-kinds");
    let big = dir.join("big.summary.json");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(campaign_load::MAX_SUMMARY_BYTES + 1))
        .expect("sparse file");
    let fifo = dir.join("fifo.summary.json");
    mkfifo(&fifo);
    let folder = dir.join("folder.summary.json");
    std::fs::create_dir(&folder).expect("folder");

    // Act
    let of_big = refused(&mut merge(&dir, &[&big]));
    let of_fifo = refused(&mut merge(&dir, &[&fifo]));
    let of_folder = refused(&mut merge(&dir, &[&folder]));

    // Assert
    let over = format!(
        "{}: {} bytes, over the 256 MiB cap for a summary file",
        big.display(),
        campaign_load::MAX_SUMMARY_BYTES + 1
    );
    assert_eq!(of_big.0, Some(2), "{}", of_big.1);
    assert!(of_big.1.contains(&over), "{}", of_big.1);
    assert_eq!(of_fifo.0, Some(2), "{}", of_fifo.1);
    assert!(
        of_fifo.1.contains(&format!(
            "{}: a FIFO (named pipe), not a regular file",
            fifo.display()
        )),
        "{}",
        of_fifo.1
    );
    assert_eq!(of_folder.0, Some(2), "{}", of_folder.1);
    assert!(
        of_folder.1.contains(&format!(
            "{}: a folder, not a regular file",
            folder.display()
        )),
        "{}",
        of_folder.1
    );
}

#[test]
fn a_scenario_over_the_cap_or_a_fifo_is_refused_before_anything_runs() {
    // Arrange: a scenario file one byte over 1 MiB (a comment, so only the size is wrong), and
    // a FIFO given as the scenario.
    let dir = tmp("scenario-kinds");
    let big = dir.join("big.toml");
    let mut text =
        std::fs::read_to_string(crate::support::workspace().join("scenarios/smoke.toml"))
            .expect("smoke scenario");
    text.push('#');
    text.push_str(&"x".repeat(1024 * 1024 + 1 - text.len()));
    std::fs::write(&big, &text).expect("big scenario");
    let fifo = dir.join("fifo.toml");
    mkfifo(&fifo);

    // Act
    let of_big = refused(bin(&dir).arg("--scenario").arg(&big));
    let of_fifo = refused(bin(&dir).arg("--scenario").arg(&fifo));
    let of_cleanup = refused(bin(&dir).arg("cleanup").arg("--scenario").arg(&fifo));

    // Assert
    assert_eq!(of_big.0, Some(2), "{}", of_big.1);
    assert!(
        of_big.1.contains(&format!(
            "{}: 1048577 bytes, over the 1 MiB cap for a scenario file",
            big.display()
        )),
        "{}",
        of_big.1
    );
    for (code, t) in [of_fifo, of_cleanup] {
        assert_eq!(code, Some(2), "{t}");
        assert!(
            t.contains(&format!(
                "{}: a FIFO (named pipe), not a regular file (a scenario file must be a regular file of at most 1 MiB)",
                fifo.display()
            )),
            "{t}"
        );
    }
}

#[test]
fn a_campaigns_list_that_is_a_fifo_is_refused_naming_the_key_and_the_file() {
    // Arrange: a scenario whose `[campaigns] file` is a FIFO.
    let dir = tmp("list-fifo");
    let list = dir.join("ids.txt");
    mkfifo(&list);
    let scenario = dir.join("list.toml");
    std::fs::write(
        &scenario,
        "vendor = \"kore\"\n[[flow]]\nsteps = [\"status-v1\"]\n[campaigns]\nmode = \"list\"\nfile = \"ids.txt\"\n[load]\nrun_time = \"1s\"\n",
    )
    .expect("scenario");

    // Act
    let (code, t) = refused(bin(&dir).arg("--scenario").arg(&scenario));

    // Assert
    assert_eq!(code, Some(2), "{t}");
    assert!(
        t.contains(&format!(
            "[campaigns] file {}: a FIFO (named pipe), not a regular file (a campaigns list must be",
            list.display()
        )),
        "{t}"
    );
}
