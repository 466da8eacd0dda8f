//! Target profiles: a host whose paths differ from the vendor docs gets its templates from a
//! TOML file instead of a code change, and a mistake in that file is reported with its line and
//! key, since the person fixing it has the file open, not the code.

use crate::operation::OperationId;
use crate::path_template::{Template, TemplateError};
use crate::vendor::Vendor;
use std::path::{Path, PathBuf};

/// Template overrides read from a TOML file:
///
/// ```toml
/// [templates]
/// "kore voice-start-v1" = "/campaign/api/v1/public/{streamId}/campaign/{campaignId}?accountId={accountId}&campaignType=voice&trigger=play"
/// ```
#[derive(Debug, Clone, Default)]
pub struct TargetProfile {
    path: PathBuf,
    templates: Vec<(OperationId, Template)>,
}

/// A target profile that cannot be used: the file, and what in it to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target profile {}: {problem}", path.display())]
pub struct ProfileError {
    /// The profile file.
    pub path: PathBuf,
    /// What is wrong, with line and key where known.
    pub problem: ProfileProblem,
}

/// What is wrong in a target profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileProblem {
    /// The file cannot be read.
    #[error("{detail}")]
    Unreadable {
        /// What the operating system said.
        detail: String,
    },
    /// Not TOML, or a key other than `[templates]` (the TOML reader's message has the line).
    #[error("{detail}")]
    NotToml {
        /// What the TOML reader said.
        detail: String,
    },
    /// A `[templates]` key that names no operation.
    #[error(
        "line {line}: [templates] \"{key}\" is not an operation (e.g. \"kore voice-start-v1\")"
    )]
    NotAnOperation {
        /// The line, from 1.
        line: usize,
        /// The key as written.
        key: String,
    },
    /// A `[templates]` value that is not a string.
    #[error("line {line}: [templates] \"{key}\" must be a string")]
    NotAString {
        /// The line, from 1.
        line: usize,
        /// The key.
        key: String,
    },
    /// A template the template grammar refuses.
    #[error("line {line}: [templates] \"{key}\" is refused: {source}")]
    BadTemplate {
        /// The line, from 1.
        line: usize,
        /// The key.
        key: String,
        /// Why the template is refused.
        source: TemplateError,
    },
    /// An operation of another vendor than the target's.
    #[error("[templates] \"{operation}\" is not a {vendor} operation")]
    OtherVendor {
        /// The operation named.
        operation: String,
        /// The target's vendor.
        vendor: Vendor,
    },
}

/// The largest target profile read: a few dozen templates fit in a few KiB; more is a wrong path.
pub(crate) const MAX_PROFILE_BYTES: u64 = crate::input_file::MIB;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    /// Spanned, so a bad key or template is reported with its line.
    #[serde(default)]
    templates: std::collections::BTreeMap<String, toml::Spanned<toml::Value>>,
}

impl TargetProfile {
    /// Reads a profile file (a regular file of at most 1 MiB).
    pub fn load(path: &Path) -> Result<TargetProfile, ProfileError> {
        let text = crate::input_file::read_capped(path, MAX_PROFILE_BYTES, "target profile")
            .map_err(|e| ProfileError {
                path: path.into(),
                problem: ProfileProblem::Unreadable {
                    detail: e.problem.to_string(),
                },
            })?;
        TargetProfile::parse(path, &text)
    }

    /// Parses profile text; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<TargetProfile, ProfileError> {
        let err = |problem: ProfileProblem| ProfileError {
            path: path.into(),
            problem,
        };
        let file: ProfileFile = toml::from_str(text).map_err(|e| {
            err(ProfileProblem::NotToml {
                detail: e.to_string(),
            })
        })?;
        let mut templates = Vec::new();
        for (key, value) in file.templates {
            // The value's line: its key sits on the same line in any profile a person writes.
            let line = text
                .get(..value.span().start)
                .map_or(0, |before| before.matches('\n').count())
                + 1;
            let op = OperationId::find(&key).ok_or_else(|| {
                err(ProfileProblem::NotAnOperation {
                    line,
                    key: key.clone(),
                })
            })?;
            let raw = value.get_ref().as_str().ok_or_else(|| {
                err(ProfileProblem::NotAString {
                    line,
                    key: key.clone(),
                })
            })?;
            let template = Template::parse(raw).map_err(|source| {
                err(ProfileProblem::BadTemplate {
                    line,
                    key: key.clone(),
                    source,
                })
            })?;
            templates.push((op, template));
        }
        Ok(TargetProfile {
            path: path.into(),
            templates,
        })
    }

    /// The overrides, in key order.
    pub(super) fn templates(&self) -> &[(OperationId, Template)] {
        &self.templates
    }

    /// `problem`, blamed on this profile's file.
    pub(super) fn error(&self, problem: ProfileProblem) -> ProfileError {
        ProfileError {
            path: self.path.clone(),
            problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Credential;
    use crate::target::{Target, parse_base_url};
    use secrecy::SecretString;

    #[test]
    fn profile_overrides_a_template_and_names_bad_keys() {
        let p = TargetProfile::parse(
            Path::new("p.toml"),
            "[templates]\n\"kore voice-start-v1\" = \"/old/{streamId}/campaign/{campaignId}?accountId={accountId}&campaignType=voice&trigger=play\"\n",
        )
        .unwrap();
        let mut t = Target::new(
            Vendor::Kore,
            parse_base_url("X", "http://127.0.0.1:1").unwrap(),
            Credential::ApiKey(SecretString::from("k")),
        );
        t.apply_profile(&p).unwrap();
        assert!(
            t.template(OperationId::KoreVoiceStartV1)
                .as_str()
                .starts_with("/old/")
        );
        assert!(
            t.template(OperationId::KoreVoiceStopV1)
                .as_str()
                .starts_with("/campaign/api/v1")
        );

        let e = TargetProfile::parse(
            Path::new("p.toml"),
            "[templates]\n\"kore nope\" = \"/x/{campaignId}\"\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("p.toml")
                && e.to_string().contains("kore nope")
                && e.to_string().contains("line 2"),
            "{e}"
        );
        let e = TargetProfile::parse(
            Path::new("p.toml"),
            "[templates]\n\"kore status-v1\" = \"/x/{camp}\"\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("kore status-v1") && e.to_string().contains("line 2"),
            "{e}"
        );
        let e = TargetProfile::parse(Path::new("p.toml"), "templates = 3\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
