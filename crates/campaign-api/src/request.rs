//! Rendering an operation into a concrete HTTP request.

use crate::campaign_id::{CampaignId, CampaignIdError};
use crate::credential::{ACCOUNT_ID, CredentialError, IID};
use crate::operation::{Method, OperationId};
use crate::target::{CallValues, Target};
use crate::vendor::Vendor;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header::CONTENT_TYPE};
use reqwest::Url;

/// The body every Kore.ai campaign call sends.
pub const KORE_BODY: &[u8] = b"{}";

/// A request ready to send. Credential headers are flagged sensitive, so `Debug` hides them.
#[derive(Debug, Clone)]
pub struct RenderedRequest {
    /// Which operation.
    pub operation: OperationId,
    /// HTTP method.
    pub method: http::Method,
    /// Full URL: base plus rendered path and query.
    pub url: Url,
    /// Headers, the credential among them (sensitive).
    pub headers: HeaderMap,
    /// Body, for POSTs.
    pub body: Option<Bytes>,
}

impl RenderedRequest {
    /// The request as a curl command a person can paste: method, URL, every header and the body.
    /// A sensitive header (a credential) shows as `<name>`, never its value, so the line is safe
    /// to print; paste the credential in its place (a simulator without credentials configured
    /// takes any value).
    ///
    /// ```
    /// use campaign_api::{Credential, OperationId, Target, Vendor, parse_base_url};
    /// use secrecy::SecretString;
    ///
    /// let url = parse_base_url("VOICEGENIE_BASE_URL", "http://127.0.0.1:8080").unwrap();
    /// let target = Target::new(Vendor::VoiceGenie, url, Credential::ApiKey(SecretString::from("k-123456")));
    /// let curl = OperationId::VoiceGenieStart.render(&target, "cmp-1").unwrap().curl();
    /// assert_eq!(curl, "curl -s -X GET 'http://127.0.0.1:8080/startCampaign/cmp-1' -H 'x-api-key: <x-api-key>'");
    /// ```
    pub fn curl(&self) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut out = format!("curl -s -X {} {}", self.method, quote(self.url.as_str()));
        for (name, value) in &self.headers {
            let shown = if value.is_sensitive() {
                format!("<{name}>")
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            out.push_str(&format!(" -H {}", quote(&format!("{name}: {shown}"))));
        }
        if let Some(body) = &self.body {
            out.push_str(&format!(" -d {}", quote(&String::from_utf8_lossy(body))));
        }
        out
    }

    /// Path and query, as sent.
    pub fn path_and_query(&self) -> String {
        match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_string(),
        }
    }
}

/// Why an operation could not be rendered. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The campaign id was refused.
    #[error("{operation}: {source}")]
    CampaignId {
        /// Which operation.
        operation: OperationId,
        /// Why.
        source: CampaignIdError,
    },
    /// The operation belongs to another vendor than the target.
    #[error("{operation} cannot be sent to a {target} target")]
    WrongVendor {
        /// Which operation.
        operation: OperationId,
        /// The target's vendor.
        target: Vendor,
    },
    /// The credential could not become a header.
    #[error("{operation}: {source}")]
    Credential {
        /// Which operation.
        operation: OperationId,
        /// Why.
        source: CredentialError,
    },
    /// An id that cannot be sent as a header value.
    #[error("{operation}: the {what} holds characters an HTTP header cannot carry")]
    BadHeaderValue {
        /// Which operation.
        operation: OperationId,
        /// Which value.
        what: &'static str,
    },
    /// The rendered URL did not parse (a bad profile template or base URL).
    #[error("{operation}: rendered URL does not parse: {reason}")]
    Url {
        /// Which operation.
        operation: OperationId,
        /// Why.
        reason: String,
    },
}

impl OperationId {
    /// Renders this operation against `target` for the campaign `campaign`.
    ///
    /// ```
    /// use campaign_api::{Credential, OperationId, Target, Vendor, parse_base_url};
    /// use secrecy::SecretString;
    /// let target = Target::new(
    ///     Vendor::VoiceGenie,
    ///     parse_base_url("VOICEGENIE_BASE_URL", "http://127.0.0.1:8080").unwrap(),
    ///     Credential::ApiKey(SecretString::from("your-api-key-here")),
    /// );
    /// let req = OperationId::VoiceGenieStart.render(&target, "550e8400 x").unwrap();
    /// assert_eq!(req.path_and_query(), "/startCampaign/550e8400%20x");
    /// assert!(!format!("{req:?}").contains("your-api-key-here"));
    /// ```
    pub fn render(self, target: &Target, campaign: &str) -> Result<RenderedRequest, RenderError> {
        let campaign = CampaignId::new(campaign).map_err(|source| RenderError::CampaignId {
            operation: self,
            source,
        })?;
        self.render_id(target, &campaign)
    }

    /// As [`OperationId::render`], for an id already checked.
    pub fn render_id(
        self,
        target: &Target,
        campaign: &CampaignId,
    ) -> Result<RenderedRequest, RenderError> {
        let op = self.spec();
        if op.vendor != target.vendor {
            return Err(RenderError::WrongVendor {
                operation: self,
                target: target.vendor,
            });
        }
        let path = target
            .template(self)
            .render(&CallValues { target, campaign });
        let base = target.base_url.as_str().trim_end_matches('/');
        let url = Url::parse(&format!("{base}{path}")).map_err(|e| RenderError::Url {
            operation: self,
            reason: e.to_string(),
        })?;
        let mut headers = HeaderMap::with_capacity(5);
        let (name, value) =
            target
                .credential
                .header()
                .map_err(|source| RenderError::Credential {
                    operation: self,
                    source,
                })?;
        headers.insert(name, value);
        let header = |what: &'static str, v: &str| {
            HeaderValue::from_str(v).map_err(|_| RenderError::BadHeaderValue {
                operation: self,
                what,
            })
        };
        let body = match op.vendor {
            Vendor::Kore => {
                headers.insert(IID.clone(), header("app id (iid)", &target.app_id)?);
                headers.insert(
                    ACCOUNT_ID.clone(),
                    header("account id", &target.account_id)?,
                );
                if op.method == Method::Post {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    Some(Bytes::from_static(KORE_BODY))
                } else {
                    None
                }
            }
            Vendor::VoiceGenie => None,
        };
        Ok(RenderedRequest {
            operation: self,
            method: op.method.as_http(),
            url,
            headers,
            body,
        })
    }
}
