//! The leak gate: written artifacts (snapshots, JSON, Markdown and JUnit reports) scanned for
//! credential values, so a secret that slipped past redaction fails the run instead of landing in
//! a CI artifact.
//!
//! A finding names the file, never the value: the error is safe to print in a CI log.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("leaks-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("report.md"), "auth: tok-1234-abcd").unwrap();
//! let secret = secrecy::SecretString::from("tok-1234-abcd");
//! let err = campaign_contract::scan_for_leaks(&[dir.clone()], &[secret]).unwrap_err();
//! assert!(err.to_string().contains("report.md"));
//! assert!(!err.to_string().contains("tok-1234-abcd"));
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use campaign_api::{MIN_SECRET_LEN, Target, Vendor, secret_forms as needles};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Variables that hold credentials, read raw as well: a vendor whose configuration is incomplete
/// (and so yields no target) still has its secrets looked for.
pub(crate) const SECRET_VARS: [&str; 4] = [
    "KORE_JWT",
    "KORE_CLIENT_SECRET",
    "VOICEGENIE_API_KEY",
    "VOICEGENIE_SESSION_TOKEN",
];

/// A path that could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The file or folder.
    pub path: PathBuf,
    /// Why (an I/O error; never the file's content).
    pub reason: String,
}

/// Artifacts that hold a credential, or that could not be scanned. Names files, never secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", lines(.leaked, .unreadable))]
pub struct LeakError {
    /// Files holding a credential value (verbatim or encoded), in scan order.
    pub leaked: Vec<PathBuf>,
    /// Paths that could not be read.
    pub unreadable: Vec<Unreadable>,
}

fn lines(leaked: &[PathBuf], unreadable: &[Unreadable]) -> String {
    let mut out = String::new();
    for p in leaked {
        let _ = writeln!(
            out,
            "a credential value from the environment appears in {}",
            p.display()
        );
    }
    for u in unreadable {
        let _ = writeln!(
            out,
            "cannot scan {} for credentials: {}",
            u.path.display(),
            u.reason
        );
    }
    out.trim_end().to_string()
}

/// Scans every file under `paths` (files, or folders walked recursively, following symlinks
/// once) for any of `secrets` at least [`MIN_SECRET_LEN`] bytes long: verbatim, JSON-escaped,
/// percent-encoded, and (from [`MIN_BASE64_SECRET_LEN`](campaign_api::MIN_BASE64_SECRET_LEN) bytes) base64 or base64url at any
/// alignment. Returns the files scanned; fails naming every file that holds one, and every path
/// that could not be read (a missing path included).
pub fn scan_for_leaks(
    paths: &[PathBuf],
    secrets: &[SecretString],
) -> Result<Vec<PathBuf>, LeakError> {
    let needles = needles(secrets);
    let mut walk = Scan {
        needles: &needles,
        scanned: Vec::new(),
        seen_dirs: HashSet::new(),
        error: LeakError::default(),
    };
    for p in paths {
        walk.visit(p);
    }
    if walk.error.leaked.is_empty() && walk.error.unreadable.is_empty() {
        Ok(walk.scanned)
    } else {
        Err(walk.error)
    }
}

/// The credential values configured in the process environment, for [`scan_for_leaks`].
pub fn env_secret_values() -> Vec<SecretString> {
    secret_values_from(|k| std::env::var(k).ok())
}

/// As [`env_secret_values`], reading variables through `lookup`: each configured vendor
/// target's credential values (a Kore.ai client secret and the JWT signed from it), plus the raw
/// and trimmed values of `KORE_JWT`, `KORE_CLIENT_SECRET`, `VOICEGENIE_API_KEY` and `VOICEGENIE_SESSION_TOKEN`. Sorted, deduplicated, none shorter than
/// [`MIN_SECRET_LEN`].
pub fn secret_values_from(lookup: impl Fn(&str) -> Option<String>) -> Vec<SecretString> {
    let mut out: Vec<SecretString> = Vec::new();
    for vendor in Vendor::ALL {
        if let Ok(Some(target)) = Target::from_lookup(vendor, &lookup) {
            out.extend(target.credential.secret_values());
        }
    }
    for var in SECRET_VARS {
        if let Some(v) = lookup(var) {
            out.push(SecretString::from(v.trim()));
            out.push(SecretString::from(v));
        }
    }
    out.retain(|s| s.expose_secret().len() >= MIN_SECRET_LEN);
    out.sort_by(|a, b| a.expose_secret().cmp(b.expose_secret()));
    out.dedup_by(|a, b| a.expose_secret() == b.expose_secret());
    out
}

struct Scan<'a> {
    needles: &'a [Vec<u8>],
    scanned: Vec<PathBuf>,
    seen_dirs: HashSet<PathBuf>,
    error: LeakError,
}

impl Scan<'_> {
    fn unreadable(&mut self, path: &Path, reason: impl ToString) {
        self.error.unreadable.push(Unreadable {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        });
    }

    fn visit(&mut self, path: &Path) {
        // `metadata` follows symlinks; a folder reached twice (a symlink loop) is walked once.
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return self.unreadable(path, e),
        };
        if meta.is_dir() {
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            if self.seen_dirs.insert(canonical) {
                self.visit_dir(path);
            }
        } else if meta.is_file() {
            match std::fs::read(path) {
                Ok(bytes) => {
                    if self.needles.iter().any(|n| contains(&bytes, n)) {
                        self.error.leaked.push(path.to_path_buf());
                    }
                    self.scanned.push(path.to_path_buf());
                }
                Err(e) => self.unreadable(path, e),
            }
        } else {
            // A FIFO or device would block or never end: say so rather than pass it silently.
            self.unreadable(path, "not a regular file or folder");
        }
    }

    fn visit_dir(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => return self.unreadable(dir, e),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) => children.push(e.path()),
                Err(e) => self.unreadable(dir, e),
            }
        }
        children.sort();
        for child in children {
            self.visit(&child);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    /// The standard base64 alphabet, spelled out here so the test does not trust the code it checks.
    const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    use std::collections::HashMap;

    fn standard_base64(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            }
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
        out
    }

    fn found(text: &str, secret: &str) -> bool {
        needles(&[SecretString::from(secret)])
            .iter()
            .any(|n| contains(text.as_bytes(), n))
    }

    #[test]
    fn finds_encoded_forms_at_any_alignment() {
        let secret = "s3cr3t/key+with=symbols\"";
        assert_eq!(standard_base64(b"Man"), "TWFu");
        for prefix in ["", "u", "us", "user:"] {
            let encoded = standard_base64(format!("{prefix}{secret}").as_bytes());
            assert!(
                found(&format!("Authorization: Basic {encoded}"), secret),
                "base64 after {prefix:?}"
            );
            let url = encoded.replace('+', "-").replace('/', "_");
            assert!(found(&url, secret), "base64url after {prefix:?}");
        }
        assert!(found("x=s3cr3t%2Fkey%2Bwith%3Dsymbols%22&y", secret));
        assert!(found("x=s3cr3t%2fkey%2bwith%3dsymbols%22&y", secret));
        assert!(found(r#"{"k":"s3cr3t/key+with=symbols\""}"#, secret));
        assert!(
            !found("s3cr3t/key+with=symbols", secret),
            "a prefix is not a leak"
        );
    }

    #[test]
    fn short_secrets_are_not_looked_for() {
        assert!(needles(&[SecretString::from("abc"), SecretString::from("")]).is_empty());
        assert!(found("xx abcd yy", "abcd"));
    }

    #[test]
    fn the_error_names_files_one_per_line() {
        let e = LeakError {
            leaked: vec!["snapshots/a.snap".into(), "report.json".into()],
            unreadable: vec![Unreadable {
                path: "gone".into(),
                reason: "No such file or directory (os error 2)".into(),
            }],
        };
        assert_eq!(
            e.to_string(),
            "a credential value from the environment appears in snapshots/a.snap\n\
             a credential value from the environment appears in report.json\n\
             cannot scan gone for credentials: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn env_values_include_incomplete_vendors_and_derived_tokens() {
        // Kore: a base URL but no account id (incomplete); its raw secret still counts.
        // VoiceGenie: complete, with padding the target trims.
        let vars = HashMap::from([
            ("KORE_BASE_URL", "https://kore.example"),
            ("KORE_CLIENT_SECRET", "kore-client-secret"),
            ("VOICEGENIE_BASE_URL", "https://vg.example"),
            ("VOICEGENIE_API_KEY", " vg-api-key-123 "),
            ("VOICEGENIE_SESSION_TOKEN", "abc"),
        ]);
        let values: Vec<String> = secret_values_from(|k| vars.get(k).map(|v| v.to_string()))
            .iter()
            .map(|s| s.expose_secret().to_string())
            .collect();
        assert_eq!(
            values,
            vec![
                " vg-api-key-123 ".to_string(),
                "kore-client-secret".into(),
                "vg-api-key-123".into(),
            ]
        );

        // A complete client-credential Kore config adds the JWT signed from the secret.
        let vars = HashMap::from([
            ("KORE_BASE_URL", "https://kore.example"),
            ("KORE_ACCOUNT_ID", "acc"),
            ("KORE_APP_ID", "st-1"),
            ("KORE_CLIENT_ID", "cs-1"),
            ("KORE_CLIENT_SECRET", "kore-client-secret"),
        ]);
        let values: Vec<String> = secret_values_from(|k| vars.get(k).map(|v| v.to_string()))
            .iter()
            .map(|s| s.expose_secret().to_string())
            .collect();
        assert!(values.contains(&"kore-client-secret".to_string()));
        assert!(
            values.iter().any(|v| v.starts_with("eyJ")),
            "the signed JWT is looked for too"
        );
    }
}
