//! One exchange through Goose's own client (`--client goose`, Goose's throttle): Goose records
//! it in its metrics itself; the outcome is set from our classification.

use super::{Answer, Measured};
use crate::accounting::Fate;
use campaign_api::{RenderedRequest, TransportClass};
use goose::goose::{GooseMethod, GooseRequest, GooseUser, TransactionError};
use tokio::time::Instant;

/// Sends `request` as `name` through the user's Goose client, and classifies the answer with
/// `classify`.
pub(crate) async fn exchange(
    user: &mut GooseUser,
    name: &str,
    method: campaign_api::Method,
    request: RenderedRequest,
    classify: impl FnOnce(Answer) -> Fate,
) -> Result<Measured, Box<TransactionError>> {
    let mut builder = user
        .client
        .request(request.method.clone(), request.url.clone())
        .headers(request.headers);
    if let Some(body) = request.body {
        builder = builder.body(body);
    }
    let method = match method {
        campaign_api::Method::Get => GooseMethod::Get,
        campaign_api::Method::Post => GooseMethod::Post,
    };
    let goose_request = GooseRequest::builder()
        .method(method)
        .name(name)
        .set_request_builder(builder)
        .build();
    let sent = Instant::now();
    let mut answer = user.request(goose_request).await?;
    let service = sent.elapsed();
    let mut status = None;
    let fate = match answer.response.as_mut() {
        Err(e) => Fate::Transport(TransportClass::of_reqwest(e, false)),
        Ok(response) => {
            let code = response.status();
            status = Some(code.as_u16());
            let headers = response.headers().clone();
            match read_body(response).await {
                Err(BodyError::Read(e)) => Fate::Transport(TransportClass::of_reqwest(&e, true)),
                Err(BodyError::TooLarge) => Fate::Transport(TransportClass::TooLarge),
                Ok(body) => classify(Answer {
                    status: code,
                    headers,
                    body,
                    elapsed: service,
                }),
            }
        }
    };
    match (fate.is_success(), answer.request.success) {
        (true, false) => user.set_success(&mut answer.request)?,
        // set_failure also returns the failure as the transaction's error; the outcome is
        // what the accounting needs, so that error is not passed on.
        (false, true) => {
            let _ = user.set_failure(&fate.label(), &mut answer.request, None, None);
        }
        _ => {}
    }
    Ok(Measured {
        fate,
        status,
        sent,
        service,
    })
}

/// Why a body was not read whole.
enum BodyError {
    /// It broke off, or the client's timeout (the whole exchange's, head and body) ran out.
    Read(reqwest::Error),
    /// It went past campaign-api's limit: not read further.
    TooLarge,
}

/// Reads the body through `&mut` (the response stays in Goose's answer), up to campaign-api's
/// 1 MiB limit. A longer body is not read further: a host streaming without end would otherwise
/// keep the user draining it (a core's worth of reading) until the request timeout.
async fn read_body(response: &mut reqwest::Response) -> Result<bytes::Bytes, BodyError> {
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > campaign_api::DEFAULT_MAX_BODY {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
