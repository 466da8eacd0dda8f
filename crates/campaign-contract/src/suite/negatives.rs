//! The checks that must fail: an unknown campaign, missing credentials, wrong credentials.
//!
//! All are status reads (or, on the simulator alone, a start of a campaign that does not
//! exist): nothing here can start a campaign on a vendor's host.

use super::Run;
use super::call::Tamper;
use super::judge::{Expect, Judge};
use campaign_api::{HostKind, OperationId, Vendor, VendorTarget};

impl Run<'_> {
    /// A fixed step, judged by the operation table and `expect`.
    async fn step(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        campaign: &str,
        expect: Expect,
        how: Tamper,
    ) {
        if self.down.is_some() {
            return;
        }
        let sent = self.send(vt, op, campaign, how, None).await;
        self.record(vt, op, label, sent, Judge::Expect(expect));
    }

    /// Sends the vendor's checks that must fail.
    pub(super) async fn negatives(&mut self, vt: &VendorTarget) {
        use OperationId::*;
        let vendor = vt.target.vendor;
        // What the vendor documents for an unknown campaign and for bad credentials. Kore.ai
        // documents neither status: the 404 and 401 are our assumption (the operation table
        // grades them), so another answer is an assumption finding. But its pages say the `auth`
        // header is required: a call without a valid one that is not refused (any 2xx or 3xx)
        // is drift.
        let (status_op, unknown, missing, auth) = match vendor {
            Vendor::Kore => (
                KoreStatusV1,
                format!("harness-unknown-{}", uuid::Uuid::new_v4()),
                Expect::Status(404),
                Expect::Refusal(401),
            ),
            Vendor::VoiceGenie => (
                VoiceGenieCampaign,
                uuid::Uuid::new_v4().to_string(),
                Expect::Status(404),
                Expect::Refusal(401),
            ),
        };
        self.step(
            vt,
            status_op,
            "unknown campaign",
            &unknown,
            missing,
            Tamper::None,
        )
        .await;
        if vt.kind == HostKind::Simulator && vendor == Vendor::VoiceGenie {
            // Only where no one can be dialled: a start sent to a campaign that does not exist.
            self.step(
                vt,
                VoiceGenieStart,
                "start unknown campaign",
                &unknown,
                Expect::Status(404),
                Tamper::None,
            )
            .await;
        }
        let c = &vt.target.campaigns;
        let any = c
            .voice
            .first()
            .or(c.sms.first())
            .map_or(unknown, |c| c.to_string());
        for (label, how) in [
            ("missing credentials", Tamper::NoCredential),
            ("wrong credentials", Tamper::WrongCredential),
        ] {
            self.step(vt, status_op, label, &any, auth, how).await;
        }
    }
}
