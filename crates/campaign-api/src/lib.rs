//! The request model of campaign-harness: the single source of truth for every vendor
//! campaign operation's path, query, headers, body, credentials and response bodies.
//!
//! The simulator routes on the same [`template::Template`]s the client renders, the contract
//! suite finds schemas through [`operation::Operation::responses`], and load scenarios name
//! operations by [`OperationId::find`]. No other non-test code in the workspace spells a vendor
//! path (tests spell some on purpose, to hold the table to the vendor pages).
//!
//! Anything that may start a campaign puts it under the one [`cleanup::CleanupGuard`] first:
//! the contract suite and the load runner alike stop what they started and confirm it halted by
//! a status read.
//!
//! ```
//! use campaign_api::{Credential, OperationId, Target, Vendor, target::parse_base_url};
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

pub mod campaign_id;
pub mod class;
pub mod cleanup;
pub mod client;
pub mod credential;
pub mod duration;
pub mod host;
pub mod journal;
pub mod jwt;
pub mod lifecycle;
pub mod observed;
pub mod operation;
pub mod request;
pub mod response;
pub mod secret_forms;
pub mod sync;
pub mod target;
pub mod template;
pub mod trust;
pub mod vendor;

pub use campaign_id::{CampaignId, CampaignIdError};
pub use class::{TransportClass, is_unavailable_status};
pub use client::{CallError, Client, ClientConfig, ClientSetupError, Exchange, TransportError};
pub use credential::Credential;
pub use host::{HostKind, VendorTarget};
pub use operation::{Grade, Method, Operation, OperationId, ResponseSpec, Source};
pub use request::{RenderError, RenderedRequest};
pub use target::{Campaigns, ConfigError, Target, TargetProfile};
pub use trust::{Trust, TrustError};
pub use vendor::{Action, Channel, Vendor};
