//! The operation table: each vendor endpoint as its page documents it (path template, method,
//! responses and their schemas), one row per [`OperationId`], in the enum's order. Kept apart
//! from the types in `operation` so that what the vendors document reads as data.

use super::{Method, Operation, OperationId, ResponseSpec, Source};
use crate::path_template::Template;
use crate::vendor::{Action, Channel, Vendor};
use std::sync::OnceLock;

/// Rows in the table (one per [`OperationId`]).
pub(super) const COUNT: usize = 13;

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
