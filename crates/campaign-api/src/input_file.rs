//! The one reader for files the tools take from outside (scenario, summary, journal, list, host
//! record, profile, simulator config, CA file, rule and schema files): each is a regular file
//! under a cap stated per kind.
//!
//! Reading a path as given is how `campaign-load merge /dev/zero` once grew to gigabytes, and how
//! a FIFO named as a scenario hangs a run before it prints anything. So the path is looked at
//! first (without opening it: opening a FIFO waits for a writer), anything but a regular file is
//! refused, a file over the cap is refused by its size, and the read itself stops one byte past
//! the cap, so a file that grows while it is read is still bounded.
//!
//! ```
//! use campaign_api::{InputProblem, read_capped};
//!
//! let e = read_capped(std::path::Path::new("/dev/zero"), 1024, "summary file").unwrap_err();
//! assert!(matches!(e.problem, InputProblem::NotAFile { .. }));
//! assert_eq!(
//!     e.to_string(),
//!     "/dev/zero: a character device, not a regular file (a summary file must be a regular file of at most 1 KiB)"
//! );
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

/// One mebibyte, the unit most caps are stated in.
pub const MIB: u64 = 1024 * 1024;

/// An input file that was not read: the file, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct InputFileError {
    /// The file, as given.
    pub path: PathBuf,
    /// Why it was not read (without the path, for callers that name the file themselves).
    pub problem: InputProblem,
}

impl InputFileError {
    /// True when there is no such file (some callers take that as "nothing recorded yet").
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.problem,
            InputProblem::Unreadable {
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        )
    }
}

/// Why an input file was not read. Each names the kind of file (`what`) and its cap, so the
/// message says what would have been taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    /// Missing, no permission, or a read error.
    #[error("cannot read: {detail}")]
    Unreadable {
        /// The operating system's kind of error.
        kind: std::io::ErrorKind,
        /// What the operating system said.
        detail: String,
    },
    /// A folder, a device, a FIFO or a socket: reading it would hang, never end, or mean nothing.
    #[error(
        "{found}, not a regular file (a {what} must be a regular file of at most {})",
        size_text(*cap)
    )]
    NotAFile {
        /// What the path names instead (`a character device`).
        found: &'static str,
        /// The kind of file expected (`summary file`).
        what: &'static str,
        /// Its cap in bytes.
        cap: u64,
    },
    /// Over the cap by its size.
    #[error("{bytes} bytes, over the {} cap for a {what}", size_text(*cap))]
    TooLarge {
        /// Its size.
        bytes: u64,
        /// The kind of file.
        what: &'static str,
        /// Its cap in bytes.
        cap: u64,
    },
    /// Under the cap when looked at, past it while being read.
    #[error("grew past the {} cap for a {what} while being read", size_text(*cap))]
    GrewTooLarge {
        /// The kind of file.
        what: &'static str,
        /// Its cap in bytes.
        cap: u64,
    },
    /// Read, but not UTF-8 text.
    #[error("not UTF-8 text (a {what} is text): {detail}")]
    NotText {
        /// The kind of file.
        what: &'static str,
        /// Where the first bad byte is.
        detail: String,
    },
}

/// `1 MiB`, `16 KiB`, `1.5 MiB`, `300 bytes`: a size as a person reads it.
pub fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    if bytes >= MIB {
        if bytes.is_multiple_of(MIB) {
            format!("{} MiB", bytes / MIB)
        } else {
            format!("{:.1} MiB", bytes as f64 / MIB as f64)
        }
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a path names when it is not a regular file.
fn found(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "something else"
    }
}

/// The bytes of the regular file at `path`, at most `max_bytes` of them; `what` (`scenario
/// file`) names its kind in the error. See the module's doc for what is refused and why.
pub fn read_capped_bytes(
    path: &Path,
    max_bytes: u64,
    what: &'static str,
) -> Result<Vec<u8>, InputFileError> {
    let fail = |problem: InputProblem| InputFileError {
        path: path.to_path_buf(),
        problem,
    };
    let unreadable = |e: std::io::Error| {
        fail(InputProblem::Unreadable {
            kind: e.kind(),
            detail: e.to_string(),
        })
    };
    let check = |meta: &std::fs::Metadata| {
        if !meta.is_file() {
            return Err(fail(InputProblem::NotAFile {
                found: found(meta.file_type()),
                what,
                cap: max_bytes,
            }));
        }
        if meta.len() > max_bytes {
            return Err(fail(InputProblem::TooLarge {
                bytes: meta.len(),
                what,
                cap: max_bytes,
            }));
        }
        Ok(())
    };
    // Looked at before it is opened: opening a FIFO blocks until someone writes to it.
    check(&std::fs::metadata(path).map_err(unreadable)?)?;
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // And the file opened, looked at again: the path may have been swapped in between.
    check(&file.metadata().map_err(unreadable)?)?;
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max_bytes {
        return Err(fail(InputProblem::GrewTooLarge {
            what,
            cap: max_bytes,
        }));
    }
    Ok(bytes)
}

/// The text of the regular file at `path`, at most `max_bytes` of UTF-8; `what` (`scenario
/// file`) names its kind in the error. See the module's doc for what is refused and why.
pub fn read_capped(
    path: &Path,
    max_bytes: u64,
    what: &'static str,
) -> Result<String, InputFileError> {
    let bytes = read_capped_bytes(path, max_bytes, what)?;
    String::from_utf8(bytes).map_err(|e| InputFileError {
        path: path.to_path_buf(),
        problem: InputProblem::NotText {
            what,
            detail: e.utf8_error().to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("input-file-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_file_under_the_cap_is_read_and_one_over_it_is_refused_by_its_size() {
        // Arrange
        let d = dir("sizes");
        let ok = d.join("ok.toml");
        let big = d.join("big.toml");
        std::fs::write(&ok, "a = 1\n").unwrap();
        std::fs::write(&big, vec![b'a'; 2049]).unwrap();

        // Act
        let text = read_capped(&ok, 2048, "scenario file");
        let e = read_capped(&big, 2048, "scenario file").unwrap_err();

        // Assert
        assert_eq!(text.unwrap(), "a = 1\n");
        assert_eq!(
            e.problem.to_string(),
            "2049 bytes, over the 2 KiB cap for a scenario file"
        );
        assert!(e.to_string().starts_with(&big.display().to_string()), "{e}");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_folder_a_fifo_and_a_device_are_refused_without_being_opened() {
        // Arrange: a FIFO nobody writes to (opening it to read would wait forever).
        let d = dir("kinds");
        let fifo = d.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());

        // Act
        let of_dir = read_capped(&d, MIB, "summary file").unwrap_err();
        let of_fifo = read_capped(&fifo, MIB, "summary file").unwrap_err();
        let of_zero = read_capped(Path::new("/dev/zero"), MIB, "summary file").unwrap_err();

        // Assert
        assert!(
            of_dir.problem.to_string().starts_with("a folder, not"),
            "{of_dir}"
        );
        assert!(
            of_fifo.problem.to_string().starts_with("a FIFO"),
            "{of_fifo}"
        );
        assert!(
            of_zero
                .to_string()
                .contains("a character device, not a regular file (a summary file must be a regular file of at most 1 MiB)"),
            "{of_zero}"
        );
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_missing_file_says_so_and_binary_is_not_text() {
        let d = dir("missing");
        let e = read_capped(&d.join("nope"), MIB, "host record").unwrap_err();
        assert!(e.is_not_found(), "{e}");
        std::fs::write(d.join("bin"), [0xff, 0xfe]).unwrap();
        let e = read_capped(&d.join("bin"), MIB, "host record").unwrap_err();
        assert!(e.problem.to_string().starts_with("not UTF-8 text"), "{e}");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn sizes_read_as_a_person_writes_them() {
        assert_eq!(size_text(256 * MIB), "256 MiB");
        assert_eq!(size_text(MIB + MIB / 2), "1.5 MiB");
        assert_eq!(size_text(16 * 1024), "16 KiB");
        assert_eq!(size_text(300), "300 bytes");
    }
}
