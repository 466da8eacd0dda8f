//! The request model of campaign-harness: the single source of truth for every vendor
//! campaign operation's path, query, headers, body, credentials and response bodies.
//!
//! The simulator routes on the same [`template::Template`]s the client renders, the contract
//! suite finds schemas through [`Operation::responses`], and load scenarios name operations by
//! [`OperationId::find`]. No other non-test code in the workspace spells a vendor path (tests
//! spell some on purpose, to hold the table to the vendor pages).
//!
//! Where a tool sends is decided once, here: [`HostChoice`] (the configured host, else the
//! embedded simulator, aimed at with [`Target::for_simulator`]). Anything that may start a
//! campaign puts it under the one [`CleanupGuard`] first: the contract suite and the load runner
//! alike stop what they started, confirm it halted by a status read, and stop an earlier run's
//! leftovers with [`CleanupGuard::stop_leftovers`].
//!
//! ```
//! use campaign_api::{Credential, OperationId, Target, Vendor, parse_base_url};
//! use secrecy::SecretString;
//!
//! let target = Target::new(
//!     Vendor::Kore,
//!     parse_base_url("KORE_BASE_URL", "http://127.0.0.1:8080").unwrap(),
//!     Credential::KoreJwt(SecretString::from("eyJhbGciOi.jwt.sig")),
//! )
//! .with_kore_ids("67777ce93e25326494e9xxxx", "st-0603182c-7ffb-53c3-b307-47ca14b9xxxx", None);
//! let req = OperationId::KoreVoiceStartV1.render(&target, "cmp-1").unwrap();
//! assert_eq!(
//!     req.path_and_query(),
//!     "/campaign/api/v1/public/st-0603182c-7ffb-53c3-b307-47ca14b9xxxx/campaign/cmp-1?campaignType=voice&trigger=play"
//! );
//! assert_eq!(req.headers["accountid"], "67777ce93e25326494e9xxxx");
//! ```

mod campaign_id;
mod class;
mod cleanup;
mod client;
mod credential;
mod duration;
mod host;
mod input_file;
mod journal;
mod jwt;
mod lifecycle_rules;
mod observed;
mod operation;
mod path_template;
mod request;
mod schema_source;
mod secret_forms;
mod sync;
mod target;
mod trust;
mod vendor;
mod vendor_bodies;

/// The vendors' header names, as the client sends them (lower case; header names are
/// case-insensitive).
pub mod headers {
    pub use crate::credential::{ACCOUNT_ID, AUTH, IID, X_API_KEY};
}

/// The lifecycle rules' vocabulary, as rule files, reports and walks spell it
/// (`lifecycle::action_name(Action::Start)` is `"start"`). The models themselves are at the
/// root: [`Lifecycle`] (checked) and [`RawLifecycle`] (the file as written).
pub mod lifecycle {
    pub use crate::lifecycle_rules::{action_name, rule_label, vendor_actions};
}

/// Request templates: a documented path and query as data, rendered by the client and matched
/// by the simulator (see [`Template`](template::Template)).
pub mod template {
    pub use crate::path_template::{
        Captures, Match, Param, ParamSource, Query, Template, TemplateError,
    };
}

/// Typed bodies of every documented vendor response, success and error, with the vendors'
/// error codes (`body::kore_codes::NOT_FOUND`).
pub mod body {
    pub use crate::vendor_bodies::{
        KoreCampaignStatus, KoreError, KoreSmsStarted, KoreSmsStopped, KoreStatusData,
        KoreStatusRead, KoreVoiceStarted, KoreVoiceStopped, VgCampaign, VgCampaignData, VgError,
        VgErrorDetails, VgPaused, VgPausedData, VgStarted, VgStartedData, kore_codes, vg_codes,
    };
}

pub use campaign_id::{CampaignId, CampaignIdError};
pub use class::{TransportClass, is_tls, is_unavailable_status};
pub use cleanup::{
    CLEANUP_BOUND, CLEANUP_BOUND_PER, CONCURRENT_STOPS, CleanupGuard, CleanupProgress, GuardError,
    Recovered, Stopped, cleanup_bound, listed, read_state,
};
pub use client::{
    CallError, Client, ClientConfig, ClientSetupError, DEFAULT_MAX_BODY, Exchange, TransportError,
};
pub use credential::{Credential, CredentialError};
pub use duration::{DurationError, parse_duration};
pub use host::{
    HostChoice, HostKind, SIM_KORE_ACCOUNT_ID, SIM_KORE_APP_ID, SIM_KORE_CLIENT_ID,
    SIM_KORE_CLIENT_SECRET, SIM_VOICEGENIE_KEY, SimCredentials, VendorTarget,
};
pub use input_file::{
    InputFileError, InputProblem, MIB, read_capped, read_capped_bytes, size_text,
};
pub use journal::{DIR_VAR as JOURNAL_DIR_VAR, Journal, JournalError, default_dir as journal_dir};
pub use jwt::{Claims as JwtClaims, JwtError, JwtOptions, JwtSigner, verify as verify_jwt};
pub use lifecycle_rules::{
    Lifecycle, LifecycleError, LifecycleRule, RawLifecycle, RawOutcome, RawRule, RawState,
    RuleOutcome, StateDef, StateId, StateRead,
};
pub use observed::{HostRecord, MAX_HOST_RECORD_BYTES, ObservedAnswer, ObservedError};
pub use operation::{Grade, Method, Operation, OperationId, ResponseSpec, Source};
pub use request::{KORE_BODY, RenderError, RenderedRequest};
/// The URL type of [`Target::base_url`].
pub use reqwest::Url;
pub use schema_source::{
    MAX_SCHEMA_FILE_BYTES, Origin, SCHEMAS_DIR_VAR, SchemaSource, SchemaSourceError, SourceProblem,
};
pub use secret_forms::{MIN_BASE64_SECRET_LEN, MIN_SECRET_LEN, forms as secret_forms};
pub use sync::{lock as lock_unpoisoned, read as read_unpoisoned, write as write_unpoisoned};
pub use target::{
    Campaigns, ConfigError, ProfileError, ProfileProblem, Target, TargetProfile, is_loopback,
    parse_base_url,
};
pub use trust::{CaFileProblem, MAX_PEM_BYTES, PemError, Trust, TrustError, read_pem_file};
pub use vendor::{Action, Channel, Vendor};
