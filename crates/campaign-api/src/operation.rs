//! What an operation is: every vendor endpoint the harness knows, by name ([`OperationId`]),
//! with its method, template, and the responses it may give and where each is documented.
//!
//! The table itself (the rows transcribed from the vendor pages) lives in `table`, apart from
//! the types, so a change to what a vendor documents is a change to data only. It is the single
//! source of truth: the client renders requests from it, the simulator routes on it, the
//! contract suite looks up schemas through it and the load scenarios name its entries.
//! Templates there are the documented defaults; a target profile may override them.

mod table;

use crate::path_template::Template;
use crate::vendor::{Action, Channel, Vendor};
use std::fmt;
use table::{ROWS, operations};

/// HTTP method of an operation (the vendors use only these two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`, no body.
    Get,
    /// `POST` with the JSON body `{}`.
    Post,
}

impl Method {
    /// The `http` crate's method.
    pub fn as_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
        }
    }
}

/// Where the vendor documents an operation or a response, cited as a person cites
/// documentation: whose documentation, the page's title and, where it has one we know, its
/// public address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A page of the vendor's documentation.
    Page {
        /// Whose documentation (`Kore.ai docs`, `VoiceGenie (Oriserve) API docs`).
        docs: &'static str,
        /// The page's title.
        title: &'static str,
        /// The page's public address; `None` when we know of none.
        address: Option<&'static str>,
    },
    /// A vendor-authored draft that names no page (VoiceGenie's pause, get and 401).
    Draft {
        /// Whose drafts (`VoiceGenie (Oriserve) API drafts`).
        docs: &'static str,
        /// What in them documents it.
        topic: &'static str,
    },
    /// Nothing documents it: our assumption, written beside the schema it shapes.
    Assumption,
}

impl Source {
    /// True when a vendor page or draft states it.
    pub fn is_documented(self) -> bool {
        self.grade() == Grade::Documented
    }

    /// The grade of what it cites: [`Grade::Documented`] for a vendor page or draft,
    /// [`Grade::Assumed`] for our assumption. The one place a citation becomes a grade.
    pub fn grade(self) -> Grade {
        match self {
            Source::Page { .. } | Source::Draft { .. } => Grade::Documented,
            Source::Assumption => Grade::Assumed,
        }
    }
}

/// How sure we are of an expectation: who says the host must do this. The one vocabulary the
/// operation table ([`Source::grade`]), the lifecycle rules and every finding and report use.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// A vendor page says so (a finding's `source` cites it): a departure is drift.
    #[default]
    Documented,
    /// Our guess where the docs are silent (marked `"x-grade": "assumed"` in a schema, `source =
    /// "assumption"` in a lifecycle rule, or [`Source::Assumption`] in the operation table): a
    /// departure is reported, and fails only when strict.
    Assumed,
    /// What this host answered before, recorded by `campaign-contract check --record` under
    /// `schemas/hosts/` and reviewed: a departure is drift for that host.
    Observed,
}

impl Grade {
    /// The word reports show.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Documented => "documented",
            Grade::Assumed => "assumed",
            Grade::Observed => "observed",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Page {
                docs,
                title,
                address: Some(address),
            } => write!(f, "{docs}, \"{title}\", {address}"),
            Source::Page {
                docs,
                title,
                address: None,
            } => write!(f, "{docs}, \"{title}\" (no public address known)"),
            Source::Draft { docs, topic } => write!(f, "{docs}: {topic} (no public address known)"),
            Source::Assumption => f.write_str("our assumption (undocumented by the vendor)"),
        }
    }
}

/// A response status an operation can answer with, and the schema its body must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseSpec {
    /// HTTP status.
    pub status: u16,
    /// Schema file, relative to `schemas/`.
    pub schema: &'static str,
    /// Where this status and body are documented.
    pub source: Source,
}

/// Every operation, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationId {
    /// Kore.ai start voice campaign, v1 (page 000).
    KoreVoiceStartV1,
    /// Kore.ai stop voice campaign, v1 (page 003).
    KoreVoiceStopV1,
    /// Kore.ai start SMS campaign, v1 (page 002).
    KoreSmsStartV1,
    /// Kore.ai stop SMS campaign, v1 (beyond the copies).
    KoreSmsStopV1,
    /// Kore.ai start SMS campaign, v2 (page 001).
    KoreSmsStartV2,
    /// Kore.ai stop SMS campaign, v2 (beyond the copies).
    KoreSmsStopV2,
    /// Kore.ai start voice campaign, v2 (beyond the copies).
    KoreVoiceStartV2,
    /// Kore.ai stop voice campaign, v2 (beyond the copies).
    KoreVoiceStopV2,
    /// Kore.ai campaign status, v1 (beyond the copies).
    KoreStatusV1,
    /// Kore.ai campaign status, v2 (beyond the copies).
    KoreStatusV2,
    /// VoiceGenie start campaign (page 004).
    VoiceGenieStart,
    /// VoiceGenie pause campaign (beyond the copies).
    VoiceGeniePause,
    /// VoiceGenie get one campaign (beyond the copies).
    VoiceGenieCampaign,
}

/// One vendor endpoint: what it does and how to call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Its id.
    pub id: OperationId,
    /// Whose API.
    pub vendor: Vendor,
    /// Short name, unique within the vendor (`voice-start-v1`).
    pub name: &'static str,
    /// What it does.
    pub action: Action,
    /// Which channel, where the vendor distinguishes.
    pub channel: Option<Channel>,
    /// HTTP method.
    pub method: Method,
    /// The documented path and query template.
    pub template: Template,
    /// Where the operation is documented.
    pub source: Source,
    /// Statuses it can answer with, each with its schema.
    pub responses: &'static [ResponseSpec],
}

impl Operation {
    /// `"kore voice-start-v1"`: how reports and scenario files name it.
    pub fn qualified_name(&self) -> String {
        format!("{} {}", self.vendor, self.name)
    }

    /// The response spec for `status`, if the operation has one.
    pub fn response(&self, status: u16) -> Option<&'static ResponseSpec> {
        self.responses.iter().find(|r| r.status == status)
    }

    /// The operation that halts what this one starts: the stop (Kore.ai) or pause (VoiceGenie)
    /// of the same channel and API version. `None` for anything that does not start a campaign.
    pub fn undo(&self) -> Option<OperationId> {
        use OperationId::*;
        match self.id {
            KoreVoiceStartV1 => Some(KoreVoiceStopV1),
            KoreVoiceStartV2 => Some(KoreVoiceStopV2),
            KoreSmsStartV1 => Some(KoreSmsStopV1),
            KoreSmsStartV2 => Some(KoreSmsStopV2),
            VoiceGenieStart => Some(VoiceGeniePause),
            _ => None,
        }
    }

    /// The schema of the success (2xx) response.
    pub fn success(&self) -> &'static ResponseSpec {
        // Every table entry lists its success response first (checked by a test).
        &self.responses[0]
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.vendor, self.name)
    }
}

impl OperationId {
    /// Every operation, in table order.
    pub const ALL: [OperationId; table::COUNT] = {
        let mut all = [OperationId::KoreVoiceStartV1; table::COUNT];
        let mut i = 0;
        while i < table::COUNT {
            all[i] = ROWS[i].id;
            i += 1;
        }
        all
    };

    /// The operation's full description.
    pub fn spec(self) -> &'static Operation {
        let table = operations();
        // ROWS is in declaration order of the enum (checked by a test), so the index is direct.
        &table[self as usize]
    }

    /// Looks an operation up by vendor and short name (`voice-start-v1`) or qualified name
    /// (`kore voice-start-v1`), as scenario files and target profiles name them.
    ///
    /// ```
    /// use campaign_api::OperationId;
    /// assert_eq!(OperationId::find("kore voice-start-v1"), Some(OperationId::KoreVoiceStartV1));
    /// assert_eq!(OperationId::find(" voicegenie start "), Some(OperationId::VoiceGenieStart));
    /// assert_eq!(OperationId::find("kore voice-launch"), None);
    /// ```
    pub fn find(name: &str) -> Option<OperationId> {
        let name = name.trim();
        OperationId::ALL.into_iter().find(|id| {
            let op = id.spec();
            op.name == name || op.qualified_name() == name
        })
    }

    /// Every operation of `vendor`.
    pub fn of_vendor(vendor: Vendor) -> impl Iterator<Item = OperationId> {
        OperationId::ALL
            .into_iter()
            .filter(move |id| id.spec().vendor == vendor)
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.spec(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_every_template_parses() {
        for (i, id) in OperationId::ALL.into_iter().enumerate() {
            assert_eq!(id as usize, i, "{id:?} out of order");
            assert_eq!(id.spec().id, id);
        }
    }

    #[test]
    fn success_response_is_listed_first_and_statuses_are_unique() {
        for id in OperationId::ALL {
            let op = id.spec();
            assert_eq!(op.success().status, 200, "{op}");
            let mut statuses: Vec<_> = op.responses.iter().map(|r| r.status).collect();
            statuses.sort_unstable();
            statuses.dedup();
            assert_eq!(statuses.len(), op.responses.len(), "{op}: duplicate status");
        }
    }

    #[test]
    fn every_start_has_an_undo_of_the_same_vendor_and_channel() {
        for id in OperationId::ALL {
            let op = id.spec();
            match (op.action, op.undo()) {
                (Action::Start, Some(undo)) => {
                    let u = undo.spec();
                    assert!(matches!(u.action, Action::Stop | Action::Pause), "{op}");
                    assert_eq!((u.vendor, u.channel), (op.vendor, op.channel), "{op}");
                }
                (Action::Start, None) => panic!("{op} starts a campaign but has no undo"),
                (_, Some(_)) => panic!("{op} has an undo but starts nothing"),
                (_, None) => {}
            }
        }
    }

    #[test]
    fn names_are_unique_and_findable() {
        for id in OperationId::ALL {
            let op = id.spec();
            assert_eq!(OperationId::find(&op.qualified_name()), Some(id));
        }
        assert_eq!(OperationId::find("kore nope"), None);
    }

    #[test]
    fn operations_sharing_a_path_differ_in_their_literal_query() {
        let ops: Vec<_> = OperationId::ALL.iter().map(|id| id.spec()).collect();
        for (i, a) in ops.iter().enumerate() {
            for b in &ops[i + 1..] {
                let path = |o: &Operation| o.template.as_str().split('?').next().map(String::from);
                if path(a) == path(b) && a.method == b.method {
                    let qa: Vec<_> = a.template.literal_query().collect();
                    let qb: Vec<_> = b.template.literal_query().collect();
                    assert_ne!(qa, qb, "{a} and {b} cannot be told apart");
                }
            }
        }
    }
}
