//! The operation table: every vendor endpoint the harness knows, with where it is documented.
//!
//! This table is the single source of truth. The client renders requests from it, the simulator
//! routes on it, the contract suite looks up schemas through it and the load scenarios name its
//! entries. Templates here are the documented defaults; a target profile may override them.

use crate::template::Template;
use crate::vendor::{Action, Channel, Vendor};
use std::fmt;
use std::sync::OnceLock;

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

/// Where the vendor documents an operation or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// One of the copied vendor pages in `vendor-docs/`.
    Page {
        /// File name in `vendor-docs/`.
        file: &'static str,
        /// The page's title.
        title: &'static str,
    },
    /// `vendor-docs/beyond-the-copies.md`: the vendor's other pages and drafts.
    Beyond {
        /// The bullet it comes from.
        topic: &'static str,
    },
    /// Nothing documents it: our assumption, written beside the schema it shapes.
    Assumption,
}

impl Source {
    /// True when a vendor page (copied or not) states it.
    pub fn is_documented(self) -> bool {
        self.grade() == Grade::Documented
    }

    /// The grade of what it cites: [`Grade::Documented`] for a vendor page (copied or not),
    /// [`Grade::Assumed`] for our assumption. The one place a citation becomes a grade.
    pub fn grade(self) -> Grade {
        match self {
            Source::Page { .. } | Source::Beyond { .. } => Grade::Documented,
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
            Source::Page { file, title } => write!(f, "vendor-docs/{file} ({title})"),
            Source::Beyond { topic } => write!(f, "vendor-docs/beyond-the-copies.md ({topic})"),
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

const P000: Source = Source::Page {
    file: "000_8b8b019c71e96cf1.txt",
    title: "Kore.ai Start Voice Campaign",
};
const P001: Source = Source::Page {
    file: "001_9d0b43a5fa4962d1.txt",
    title: "Kore.ai Start SMS Campaign v2",
};
const P002: Source = Source::Page {
    file: "002_58a5e54455d3c824.txt",
    title: "Kore.ai Start SMS Campaign (v1)",
};
const P003: Source = Source::Page {
    file: "003_224357d491cfe8d8.txt",
    title: "Kore.ai Stop Voice Campaign",
};
const P004: Source = Source::Page {
    file: "004_ff944e51cf75e147.txt",
    title: "VoiceGenie Start Campaign",
};
const B_SMS_STOP: Source = Source::Beyond {
    topic: "Kore.ai Stop SMS v1/v2",
};
const B_VOICE_V2: Source = Source::Beyond {
    topic: "Kore.ai Start/Stop Voice v2",
};
const B_STATUS: Source = Source::Beyond {
    topic: "Kore.ai Get campaign status",
};
const B_VG_PAUSE: Source = Source::Beyond {
    topic: "VoiceGenie pause",
};
const B_VG_GET: Source = Source::Beyond {
    topic: "VoiceGenie get one",
};
const B_VG_AUTH: Source = Source::Beyond {
    topic: "VoiceGenie 401",
};

/// Kore.ai documents no error bodies: these are ours, shared by every Kore operation.
const fn kore(success: ResponseSpec) -> [ResponseSpec; 4] {
    const fn assumed(status: u16, schema: &'static str) -> ResponseSpec {
        ResponseSpec {
            status,
            schema,
            source: Source::Assumption,
        }
    }
    [
        success,
        assumed(400, "kore/error.400.json"),
        assumed(401, "kore/error.401.json"),
        assumed(404, "kore/error.404.json"),
    ]
}

const fn ok(schema: &'static str, source: Source) -> ResponseSpec {
    ResponseSpec {
        status: 200,
        schema,
        source,
    }
}

const VG_401: ResponseSpec = ResponseSpec {
    status: 401,
    schema: "voicegenie/error.401.json",
    source: B_VG_AUTH,
};

static KORE_VOICE_START_V1: [ResponseSpec; 4] = kore(ok("kore/voice-start.200.json", P000));
static KORE_VOICE_STOP_V1: [ResponseSpec; 4] = kore(ok("kore/voice-stop.200.json", P003));
static KORE_SMS_START_V1: [ResponseSpec; 4] = kore(ok("kore/sms-start.200.json", P002));
static KORE_SMS_START_V2: [ResponseSpec; 4] = kore(ok("kore/sms-start.200.json", P001));
static KORE_SMS_STOP: [ResponseSpec; 4] = kore(ok("kore/sms-stop.200.json", B_SMS_STOP));
static KORE_VOICE_START_V2: [ResponseSpec; 4] = kore(ok("kore/voice-start.200.json", B_VOICE_V2));
static KORE_VOICE_STOP_V2: [ResponseSpec; 4] = kore(ok("kore/voice-stop.200.json", B_VOICE_V2));
static KORE_STATUS: [ResponseSpec; 4] = kore(ok("kore/status.200.json", B_STATUS));
static VG_START: [ResponseSpec; 5] = [
    ok("voicegenie/start.200.json", P004),
    ResponseSpec {
        status: 400,
        schema: "voicegenie/start.400.json",
        source: P004,
    },
    ResponseSpec {
        status: 404,
        schema: "voicegenie/start.404.json",
        source: P004,
    },
    ResponseSpec {
        status: 422,
        schema: "voicegenie/start.422.json",
        source: P004,
    },
    VG_401,
];
static VG_PAUSE: [ResponseSpec; 4] = [
    ok("voicegenie/pause.200.json", B_VG_PAUSE),
    ResponseSpec {
        status: 400,
        schema: "voicegenie/pause.400.json",
        source: B_VG_PAUSE,
    },
    ResponseSpec {
        status: 404,
        schema: "voicegenie/pause.404.json",
        source: B_VG_PAUSE,
    },
    VG_401,
];
static VG_CAMPAIGN: [ResponseSpec; 3] = [
    ok("voicegenie/campaign.200.json", B_VG_GET),
    ResponseSpec {
        status: 404,
        schema: "voicegenie/campaign.404.json",
        source: Source::Assumption,
    },
    VG_401,
];

struct Row {
    id: OperationId,
    vendor: Vendor,
    name: &'static str,
    action: Action,
    channel: Option<Channel>,
    method: Method,
    template: &'static str,
    source: Source,
    responses: &'static [ResponseSpec],
}

/// The documented defaults. Kore's v1 pages put `{IId}` in the path for voice and `{streamId}`
/// for SMS; both are sent with the `iid` and `accountId` headers.
const ROWS: [Row; 13] = {
    use Action::*;
    use Channel::*;
    use Method::*;
    use OperationId::*;
    use Vendor::*;
    [
        Row {
            id: KoreVoiceStartV1,
            vendor: Kore,
            name: "voice-start-v1",
            action: Start,
            channel: Some(Voice),
            method: Post,
            template: "/campaign/api/v1/public/{iid}/campaign/{campaignId}?campaignType=voice&trigger=play",
            source: P000,
            responses: &KORE_VOICE_START_V1,
        },
        Row {
            id: KoreVoiceStopV1,
            vendor: Kore,
            name: "voice-stop-v1",
            action: Stop,
            channel: Some(Voice),
            method: Post,
            template: "/campaign/api/v1/public/{iid}/campaign/{campaignId}?campaignType=voice&trigger=stop",
            source: P003,
            responses: &KORE_VOICE_STOP_V1,
        },
        Row {
            id: KoreSmsStartV1,
            vendor: Kore,
            name: "sms-start-v1",
            action: Start,
            channel: Some(Sms),
            method: Post,
            template: "/campaign/api/v1/public/{streamId}/campaign/{campaignId}?campaignType=sms&trigger=play",
            source: P002,
            responses: &KORE_SMS_START_V1,
        },
        Row {
            id: KoreSmsStopV1,
            vendor: Kore,
            name: "sms-stop-v1",
            action: Stop,
            channel: Some(Sms),
            method: Post,
            template: "/campaign/api/v1/public/{streamId}/campaign/{campaignId}?campaignType=sms&trigger=stop",
            source: B_SMS_STOP,
            responses: &KORE_SMS_STOP,
        },
        Row {
            id: KoreSmsStartV2,
            vendor: Kore,
            name: "sms-start-v2",
            action: Start,
            channel: Some(Sms),
            method: Post,
            template: "/campaign/api/v2/public/{streamId}/campaign/{campaignId}?campaignType=sms&trigger=play",
            source: P001,
            responses: &KORE_SMS_START_V2,
        },
        Row {
            id: KoreSmsStopV2,
            vendor: Kore,
            name: "sms-stop-v2",
            action: Stop,
            channel: Some(Sms),
            method: Post,
            template: "/campaign/api/v2/public/{streamId}/campaign//trigger/{campaignId}?accountId={accountId}&campaignType=sms&trigger=stop",
            source: B_SMS_STOP,
            responses: &KORE_SMS_STOP,
        },
        Row {
            id: KoreVoiceStartV2,
            vendor: Kore,
            name: "voice-start-v2",
            action: Start,
            channel: Some(Voice),
            method: Post,
            template: "/api/v2/public/{streamId}/campaign/trigger/{campaignId}?accountId={accountId}&campaignType=voice&trigger=play",
            source: B_VOICE_V2,
            responses: &KORE_VOICE_START_V2,
        },
        Row {
            id: KoreVoiceStopV2,
            vendor: Kore,
            name: "voice-stop-v2",
            action: Stop,
            channel: Some(Voice),
            method: Post,
            template: "/api/v2/public/{streamId}/campaign/trigger/{campaignId}?accountId={accountId}&campaignType=voice&trigger=stop",
            source: B_VOICE_V2,
            responses: &KORE_VOICE_STOP_V2,
        },
        Row {
            id: KoreStatusV1,
            vendor: Kore,
            name: "status-v1",
            action: Status,
            channel: None,
            method: Get,
            template: "/agentassist/api/v1/public/{iid}/campaign/{campaignId}/status?view=status",
            source: B_STATUS,
            responses: &KORE_STATUS,
        },
        Row {
            id: KoreStatusV2,
            vendor: Kore,
            name: "status-v2",
            action: Status,
            channel: None,
            method: Get,
            template: "/campaign/api/v2/public/{streamId}/campaign/{campaignId}/status?accountId={accountId}&view=status",
            source: B_STATUS,
            responses: &KORE_STATUS,
        },
        Row {
            id: VoiceGenieStart,
            vendor: VoiceGenie,
            name: "start",
            action: Start,
            channel: Some(Voice),
            method: Get,
            template: "/startCampaign/{campaignId}",
            source: P004,
            responses: &VG_START,
        },
        Row {
            id: VoiceGeniePause,
            vendor: VoiceGenie,
            name: "pause",
            action: Pause,
            channel: Some(Voice),
            method: Get,
            template: "/pauseTheCampaign/{campaignId}",
            source: B_VG_PAUSE,
            responses: &VG_PAUSE,
        },
        Row {
            id: VoiceGenieCampaign,
            vendor: VoiceGenie,
            name: "campaign",
            action: Status,
            channel: Some(Voice),
            method: Get,
            template: "/campaign/{campaignId}",
            source: B_VG_GET,
            responses: &VG_CAMPAIGN,
        },
    ]
};

fn table() -> &'static [Operation] {
    static TABLE: OnceLock<Vec<Operation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        ROWS.iter()
            .map(|r| Operation {
                id: r.id,
                vendor: r.vendor,
                name: r.name,
                action: r.action,
                channel: r.channel,
                method: r.method,
                template: match Template::parse(r.template) {
                    Ok(t) => t,
                    // The table is a constant checked by the test suite; a typo is a build bug.
                    Err(e) => panic!("operation table: {e}"),
                },
                source: r.source,
                responses: r.responses,
            })
            .collect()
    })
}

impl OperationId {
    /// Every operation, in table order.
    pub const ALL: [OperationId; 13] = {
        let mut all = [OperationId::KoreVoiceStartV1; 13];
        let mut i = 0;
        while i < 13 {
            all[i] = ROWS[i].id;
            i += 1;
        }
        all
    };

    /// The operation's full description.
    pub fn spec(self) -> &'static Operation {
        let table = table();
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
