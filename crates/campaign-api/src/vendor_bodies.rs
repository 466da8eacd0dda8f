//! Typed bodies of every documented response, success and error.
//!
//! The simulator builds its answers from these types and the client parses with them, so a body
//! shape lives in one place. Timestamps stay strings: the contract suite checks their format
//! against the schema, and a typed parse must not hide what came over the wire.

use serde::{Deserialize, Serialize};

/// Kore.ai campaign states, as the Kore.ai documentation lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KoreCampaignStatus {
    /// Dialing.
    Active,
    /// Done.
    Completed,
    /// Configured, not started.
    Ready,
    /// Paused.
    Paused,
    /// Being prepared.
    Preparing,
    /// Stopped.
    Stopped,
    /// Scheduled for later.
    Scheduled,
    /// Scheduled again.
    Rescheduled,
}

/// Kore.ai start voice (pages "Start Voice Campaign" and "Start Voice Campaign API-v2").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KoreVoiceStarted {
    /// `Active`.
    pub status: KoreCampaignStatus,
    /// `Campaign Started`.
    pub message: String,
    /// Calls completed when the campaign started.
    pub total_calls_completed: u64,
    /// ISO timestamp.
    pub updated_at: String,
    /// `cid-…`.
    pub campaign_instance_id: String,
}

/// Kore.ai stop voice (pages "Stop Voice Campaign" and "Stop Voice Campaign API-v2").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KoreVoiceStopped {
    /// `Stopped`.
    pub status: KoreCampaignStatus,
    /// `Campaign Stopped`.
    pub message: String,
    /// ISO timestamp.
    pub updated_at: String,
    /// The instance that was stopped.
    pub campaign_instance_id: String,
}

/// Kore.ai start SMS, v1 and v2 (pages "Start SMS Campaign" and "Start SMS Campaign v2").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KoreSmsStarted {
    /// `Active`.
    pub status: KoreCampaignStatus,
    /// `Campaign Started`.
    pub message: String,
    /// ISO timestamp.
    pub updated_at: String,
}

/// Kore.ai stop SMS, v1 and v2 (pages "Stop SMS Campaign" and "Stop SMS Campaign v2").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KoreSmsStopped {
    /// `Stopped`.
    pub status: KoreCampaignStatus,
    /// `Campaign Stopped`.
    pub message: String,
    /// ISO timestamp.
    pub updated_at: String,
    /// `NORMAL` in the docs.
    pub campaign_execution_type: String,
}

/// Kore.ai campaign status read (pages "Get Campaign Status API", v1 and v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KoreStatusRead {
    /// `success` or `failure`.
    pub status: String,
    /// The campaign.
    pub data: KoreStatusData,
}

/// The campaign inside a Kore.ai status read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KoreStatusData {
    /// Campaign id.
    pub id: String,
    /// Current state.
    pub status: KoreCampaignStatus,
    /// Display name.
    pub name: String,
}

/// Kore.ai error body: undocumented; our assumption, modelled on the community-reported
/// `{"msg":"Invalid SDK credentials","code":4002}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KoreError {
    /// Human-readable message.
    pub msg: String,
    /// Numeric code.
    pub code: u32,
}

/// VoiceGenie start success (VoiceGenie page "Start Campaign").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgStarted {
    /// `true`.
    pub success: bool,
    /// The started campaign.
    pub data: VgStartedData,
    /// Human-readable message.
    pub message: String,
}

/// `data` of a VoiceGenie start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgStartedData {
    /// Campaign id.
    pub campaign_id: String,
    /// `running`.
    pub status: String,
    /// ISO 8601 timestamp.
    pub started_at: String,
}

/// VoiceGenie pause success (VoiceGenie API drafts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgPaused {
    /// `true`.
    pub success: bool,
    /// The paused campaign.
    pub data: VgPausedData,
    /// Human-readable message.
    pub message: String,
}

/// `data` of a VoiceGenie pause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgPausedData {
    /// Campaign id.
    pub campaign_id: String,
    /// `paused`.
    pub status: String,
    /// ISO 8601 timestamp.
    pub paused_at: String,
    /// Calls still in progress.
    pub active_calls: u64,
}

/// VoiceGenie get one campaign (VoiceGenie API drafts; only `data.campaign_status` is documented).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgCampaign {
    /// `true`.
    pub success: bool,
    /// The campaign.
    pub data: VgCampaignData,
    /// Human-readable message (not documented; the simulator sends one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `data` of a VoiceGenie get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgCampaignData {
    /// Campaign id (not documented; the simulator sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    /// completed, running, paused, scheduled or draft.
    pub campaign_status: String,
}

/// VoiceGenie error body (page "Start Campaign" and the VoiceGenie API drafts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgError {
    /// `false`.
    pub success: bool,
    /// Human-readable message.
    pub message: String,
    /// `CAMPAIGN_ALREADY_RUNNING`, `NOT_FOUND`, `INVALID_CAMPAIGN_STATE`, `CAMPAIGN_NOT_RUNNING`,
    /// `UNAUTHORIZED`.
    pub error: String,
    /// For `INVALID_CAMPAIGN_STATE`: what is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<VgErrorDetails>,
}

/// `details` of a VoiceGenie 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VgErrorDetails {
    /// E.g. `["script_id", "contacts"]`.
    pub missing: Vec<String>,
}

/// VoiceGenie error codes (page "Start Campaign" and the VoiceGenie API drafts).
pub mod vg_codes {
    /// Start while running (400).
    pub const ALREADY_RUNNING: &str = "CAMPAIGN_ALREADY_RUNNING";
    /// Unknown campaign (404).
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// Missing script or contacts (422).
    pub const INVALID_STATE: &str = "INVALID_CAMPAIGN_STATE";
    /// Pause while not running (400).
    pub const NOT_RUNNING: &str = "CAMPAIGN_NOT_RUNNING";
    /// Missing or bad credentials (401).
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
}

/// Kore.ai error codes: our assumption (the vendor documents none but 4002).
pub mod kore_codes {
    /// A request the host cannot take as sent: a campaign id no client may send (400).
    pub const BAD_REQUEST: u32 = 4000;
    /// Missing or invalid `auth`, `iid` or `accountId` (401), as reported by the community.
    pub const INVALID_CREDENTIALS: u32 = 4002;
    /// Unknown campaign (404).
    pub const NOT_FOUND: u32 = 4004;
    /// Start while Active (400).
    pub const ALREADY_ACTIVE: u32 = 4009;
    /// Stop while not Active (400).
    pub const NOT_ACTIVE: u32 = 4010;
}
