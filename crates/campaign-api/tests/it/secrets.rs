//! Secrets never show in `Debug` or `Display` of any config, request or error.

use campaign_api::{Credential, JwtOptions, JwtSigner, OperationId, Target, Vendor};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.SECRET-JWT-PAYLOAD.sig";
const CLIENT_SECRET: &str = "SECRET-client-secret-9f8e";
const API_KEY: &str = "SECRET-api-key-77aa";

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} shows a secret: {text}");
    }
}

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn targets_requests_and_errors_hide_every_secret() {
    let kore_jwt = Target::from_lookup(
        Vendor::Kore,
        lookup(&[
            ("KORE_BASE_URL", "http://127.0.0.1:1"),
            ("KORE_ACCOUNT_ID", "acc"),
            ("KORE_APP_ID", "st"),
            ("KORE_JWT", JWT),
        ]),
    )
    .expect("config")
    .expect("configured");
    let kore_client = Target::from_lookup(
        Vendor::Kore,
        lookup(&[
            ("KORE_BASE_URL", "http://127.0.0.1:1"),
            ("KORE_ACCOUNT_ID", "acc"),
            ("KORE_APP_ID", "st"),
            ("KORE_CLIENT_ID", "cs-1"),
            ("KORE_CLIENT_SECRET", CLIENT_SECRET),
        ]),
    )
    .expect("config")
    .expect("configured");
    let vg = Target::from_lookup(
        Vendor::VoiceGenie,
        lookup(&[
            ("VOICEGENIE_BASE_URL", "http://127.0.0.1:1"),
            ("VOICEGENIE_API_KEY", API_KEY),
        ]),
    )
    .expect("config")
    .expect("configured");
    let signed = match &kore_client.credential {
        Credential::KoreClient(s) => s.token().expect("signs").expose_secret().to_string(),
        other => panic!("{other:?}"),
    };
    let secrets = [JWT, CLIENT_SECRET, API_KEY, signed.as_str()];
    for t in [&kore_jwt, &kore_client, &vg] {
        assert_clean("Target Debug", &format!("{t:?}"), &secrets);
        assert_clean("Credential Debug", &format!("{:?}", t.credential), &secrets);
        for op in OperationId::of_vendor(t.vendor) {
            let r = op.render(t, "cmp-1").expect("renders");
            assert_clean("RenderedRequest Debug", &format!("{r:?}"), &secrets);
            let e = op.render(t, "a/b").expect_err("bad id");
            assert_clean("RenderError", &format!("{e} {e:?}"), &secrets);
        }
    }
    // The values really are in the requests (so the checks above could fail).
    let r = OperationId::KoreVoiceStartV1
        .render(&kore_client, "c")
        .expect("renders");
    assert_eq!(r.headers["auth"].to_str().expect("ascii"), signed);
    assert!(r.headers["auth"].is_sensitive());

    let signer = JwtSigner::new(
        "cs-1",
        SecretString::from(CLIENT_SECRET),
        JwtOptions::default(),
    );
    assert_clean("JwtSigner Debug", &format!("{signer:?}"), &secrets);
    let e = campaign_api::verify_jwt("garbage", CLIENT_SECRET, None).expect_err("bad token");
    assert_clean("JwtError", &format!("{e} {e:?}"), &secrets);
}

#[test]
fn config_errors_name_variables_not_values() {
    let e = Target::from_lookup(
        Vendor::Kore,
        lookup(&[
            ("KORE_BASE_URL", "http://127.0.0.1:1"),
            ("KORE_ACCOUNT_ID", "acc"),
            ("KORE_CLIENT_SECRET", CLIENT_SECRET),
            ("KORE_APP_ID", "st"),
        ]),
    )
    .expect_err("client id missing");
    assert!(e.to_string().contains("KORE_CLIENT_ID"), "{e}");
    assert_clean("ConfigError", &format!("{e} {e:?}"), &[CLIENT_SECRET]);
}
