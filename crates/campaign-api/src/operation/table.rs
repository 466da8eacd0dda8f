//! The operation table: each vendor endpoint as its page documents it (path template, method,
//! responses and their schemas), one row per [`OperationId`], in the enum's order. Kept apart
//! from the types in `operation` so that what the vendors document reads as data.

use super::{Method, Operation, OperationId, ResponseSpec, Source};
use crate::path_template::Template;
use crate::vendor::{Action, Channel, Vendor};
use std::sync::OnceLock;

/// Rows in the table (one per [`OperationId`]).
pub(super) const COUNT: usize = 13;

/// A page of Kore.ai's API reference (https://koreai.mintlify.app/), by title and slug.
macro_rules! kore_page {
    ($title:literal, $slug:literal) => {
        Source::Page {
            docs: "Kore.ai docs",
            title: $title,
            address: Some(concat!(
                "https://koreai.mintlify.app/ai-for-service/apis/contact-center/",
                $slug
            )),
        }
    };
}

const KORE_START_VOICE: Source = kore_page!("Start Voice Campaign", "start-voice-campaign");
const KORE_STOP_VOICE: Source = kore_page!("Stop Voice Campaign", "stop-voice-campaign");
const KORE_START_SMS: Source = kore_page!("Start SMS Campaign", "start-sms-campaign");
const KORE_STOP_SMS: Source = kore_page!("Stop SMS Campaign", "stop-sms-campaign");
const KORE_START_SMS_V2: Source = kore_page!("Start SMS Campaign v2", "start-sms-campaign-v2");
const KORE_STOP_SMS_V2: Source = kore_page!("Stop SMS Campaign v2", "stop-sms-campaign-v2");
const KORE_START_VOICE_V2: Source =
    kore_page!("Start Voice Campaign API-v2", "start-voice-campaign-v2");
const KORE_STOP_VOICE_V2: Source =
    kore_page!("Stop Voice Campaign API-v2", "stop-voice-campaign-v2");
const KORE_STATUS_V1: Source = kore_page!("Get Campaign Status API", "get-campaign-status");
const KORE_STATUS_V2: Source = kore_page!("Get Campaign Status API", "get-campaign-status-v2");
/// VoiceGenie's page: its public address is not known to us.
const VG_START_PAGE: Source = Source::Page {
    docs: "VoiceGenie (Oriserve) API docs",
    title: "Start Campaign",
    address: None,
};
const VG_DRAFTS: &str = "VoiceGenie (Oriserve) API drafts";
const VG_PAUSE_DRAFT: Source = Source::Draft {
    docs: VG_DRAFTS,
    topic: "pause (GET /pauseTheCampaign/{campaignId})",
};
const VG_GET_DRAFT: Source = Source::Draft {
    docs: VG_DRAFTS,
    topic: "get one campaign (GET /campaign/{campaignId})",
};
const VG_AUTH_DRAFT: Source = Source::Draft {
    docs: VG_DRAFTS,
    topic: "401 UNAUTHORIZED",
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
    source: VG_AUTH_DRAFT,
};

static KORE_VOICE_START_V1: [ResponseSpec; 4] =
    kore(ok("kore/voice-start.200.json", KORE_START_VOICE));
static KORE_VOICE_STOP_V1: [ResponseSpec; 4] =
    kore(ok("kore/voice-stop.200.json", KORE_STOP_VOICE));
static KORE_SMS_START_V1: [ResponseSpec; 4] = kore(ok("kore/sms-start.200.json", KORE_START_SMS));
static KORE_SMS_START_V2: [ResponseSpec; 4] =
    kore(ok("kore/sms-start.200.json", KORE_START_SMS_V2));
static KORE_SMS_STOP_V1: [ResponseSpec; 4] = kore(ok("kore/sms-stop.200.json", KORE_STOP_SMS));
static KORE_SMS_STOP_V2: [ResponseSpec; 4] = kore(ok("kore/sms-stop.200.json", KORE_STOP_SMS_V2));
static KORE_VOICE_START_V2: [ResponseSpec; 4] =
    kore(ok("kore/voice-start.200.json", KORE_START_VOICE_V2));
static KORE_VOICE_STOP_V2: [ResponseSpec; 4] =
    kore(ok("kore/voice-stop.200.json", KORE_STOP_VOICE_V2));
static KORE_STATUS_V1_RESPONSES: [ResponseSpec; 4] =
    kore(ok("kore/status.200.json", KORE_STATUS_V1));
static KORE_STATUS_V2_RESPONSES: [ResponseSpec; 4] =
    kore(ok("kore/status.200.json", KORE_STATUS_V2));
static VG_START: [ResponseSpec; 5] = [
    ok("voicegenie/start.200.json", VG_START_PAGE),
    ResponseSpec {
        status: 400,
        schema: "voicegenie/start.400.json",
        source: VG_START_PAGE,
    },
    ResponseSpec {
        status: 404,
        schema: "voicegenie/start.404.json",
        source: VG_START_PAGE,
    },
    ResponseSpec {
        status: 422,
        schema: "voicegenie/start.422.json",
        source: VG_START_PAGE,
    },
    VG_401,
];
static VG_PAUSE: [ResponseSpec; 4] = [
    ok("voicegenie/pause.200.json", VG_PAUSE_DRAFT),
    ResponseSpec {
        status: 400,
        schema: "voicegenie/pause.400.json",
        source: VG_PAUSE_DRAFT,
    },
    ResponseSpec {
        status: 404,
        schema: "voicegenie/pause.404.json",
        source: VG_PAUSE_DRAFT,
    },
    VG_401,
];
static VG_CAMPAIGN: [ResponseSpec; 3] = [
    ok("voicegenie/campaign.200.json", VG_GET_DRAFT),
    ResponseSpec {
        status: 404,
        schema: "voicegenie/campaign.404.json",
        source: Source::Assumption,
    },
    VG_401,
];

pub(super) struct Row {
    pub(super) id: OperationId,
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
pub(super) const ROWS: [Row; COUNT] = {
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
            source: KORE_START_VOICE,
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
            source: KORE_STOP_VOICE,
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
            source: KORE_START_SMS,
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
            source: KORE_STOP_SMS,
            responses: &KORE_SMS_STOP_V1,
        },
        Row {
            id: KoreSmsStartV2,
            vendor: Kore,
            name: "sms-start-v2",
            action: Start,
            channel: Some(Sms),
            method: Post,
            template: "/campaign/api/v2/public/{streamId}/campaign/{campaignId}?campaignType=sms&trigger=play",
            source: KORE_START_SMS_V2,
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
            source: KORE_STOP_SMS_V2,
            responses: &KORE_SMS_STOP_V2,
        },
        Row {
            id: KoreVoiceStartV2,
            vendor: Kore,
            name: "voice-start-v2",
            action: Start,
            channel: Some(Voice),
            method: Post,
            template: "/api/v2/public/{streamId}/campaign/trigger/{campaignId}?accountId={accountId}&campaignType=voice&trigger=play",
            source: KORE_START_VOICE_V2,
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
            source: KORE_STOP_VOICE_V2,
            responses: &KORE_VOICE_STOP_V2,
        },
        Row {
            id: KoreStatusV1,
            vendor: Kore,
            name: "status-v1",
            action: Status,
            channel: None,
            method: Post,
            template: "/agentassist/api/v1/public/{iid}/campaign/{campaignId}/status?view=status",
            source: KORE_STATUS_V1,
            responses: &KORE_STATUS_V1_RESPONSES,
        },
        Row {
            id: KoreStatusV2,
            vendor: Kore,
            name: "status-v2",
            action: Status,
            channel: None,
            method: Post,
            template: "/campaign/api/v2/public/{streamId}/campaign/{campaignId}/status?accountId={accountId}&view=status",
            source: KORE_STATUS_V2,
            responses: &KORE_STATUS_V2_RESPONSES,
        },
        Row {
            id: VoiceGenieStart,
            vendor: VoiceGenie,
            name: "start",
            action: Start,
            channel: Some(Voice),
            method: Get,
            template: "/startCampaign/{campaignId}",
            source: VG_START_PAGE,
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
            source: VG_PAUSE_DRAFT,
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
            source: VG_GET_DRAFT,
            responses: &VG_CAMPAIGN,
        },
    ]
};

/// The rows as [`Operation`]s, built once.
pub(super) fn operations() -> &'static [Operation] {
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
