//! The closing words of each `campaign-contract` command's `--help`: two examples and what its
//! exit codes mean, so a user never has to read the source for an outcome.

pub(crate) const MAIN: &str = "\
Examples:
  campaign-contract check --markdown report.md      against the embedded simulator
  KORE_BASE_URL=https://sandbox.example KORE_JWT=… KORE_VOICE_CAMPAIGN_ID=cmp-1 \\
    campaign-contract check --json report.json      against a Kore.ai sandbox

Exit codes:
  0    no breaking drift (check), nothing found (scan-secrets, diff-schemas), written
  1    breaking drift, or a credential in a file written or scanned, or a breaking schema change
  2    proves nothing: bad configuration, schemas or rules that do not load, an unreadable
       path, a sandbox still unavailable after retries";
pub(crate) const CHECK: &str = "\
Examples:
  campaign-contract check --markdown report.md
  KORE_BASE_URL=https://sandbox.example KORE_JWT=… KORE_VOICE_CAMPAIGN_ID=cmp-1 \\
    campaign-contract check --record --json report.json

Exit codes:
  0    no breaking drift
  1    breaking drift (with --strict also additive drift and assumption findings), or a
       credential found in a file the run wrote (the file is removed)
  2    the run proves nothing: bad configuration, schemas or rules that do not load, or a
       sandbox still unavailable (5xx, 429, timeouts, resets) after retries";
pub(crate) const SCAN_SECRETS: &str = "\
Examples:
  campaign-contract scan-secrets snapshots/ target/nextest/ci/junit.xml
  KORE_JWT=… campaign-contract scan-secrets report.json

Exit codes:
  0    no credential value from env in any file
  1    a file holds one (the files are named, never the values)
  2    a path could not be read";
pub(crate) const DIFF_SCHEMAS: &str = "\
Examples:
  campaign-contract diff-schemas --base origin/main
  campaign-contract diff-schemas --base origin/main --format github   annotations in a PR

Exit codes:
  0    no change would break a client reading responses
  1    a change would
  2    the comparison could not be made (no git, an unknown revision, no schemas folder)";
pub(crate) const OPENAPI: &str = "\
Examples:
  campaign-contract openapi                       regenerate schemas/openapi/ in place
  campaign-contract openapi --out /tmp/openapi    write them elsewhere

Exit codes:
  0    written
  2    they could not be (schemas or rules that do not load, a folder that cannot be written)";
pub(crate) const DOCS: &str = "\
Examples:
  campaign-contract completions bash > ~/.local/share/bash-completion/completions/campaign-contract
  campaign-contract man | man -l -

Exit codes:
  0    written
  2    it could not be written (a closed pipe, a folder that cannot be made)";
