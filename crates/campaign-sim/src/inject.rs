//! Carrying out a fault decision on a request's answer: the answer put in its place, the body
//! cut or mislabelled, the status read that shows an in-between value, the connection dropped.

use crate::faults::Answer;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode, header};

/// Marker on a response that tells the server to close the connection without answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// A response the server turns into a closed connection.
pub(crate) fn dropped() -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(DropConnection);
    r
}

/// `answer` as an HTTP response: its status (500 if invalid), JSON body and headers (invalid
/// ones are skipped with a warning: they come from a test's own script).
pub(crate) fn answer(answer: &Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        answer.body.to_string(),
    )
        .into_response();
    for (name, value) in &answer.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                r.headers_mut().insert(n, v);
            }
            _ => tracing::warn!("injected answer: header {name:?} skipped (not valid HTTP)"),
        }
    }
    r
}

/// Cuts the body of `response` in half (it stays labelled JSON).
pub(crate) async fn malformed(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

/// Labels the body of `response` `text/html`.
pub(crate) fn wrong_content_type(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Puts `value` at `pointer` in a JSON body, if the body has that place. The flag says whether
/// it did (an error body has no status to show), so only changed reads are counted.
pub(crate) async fn reads(response: Response, pointer: &str, value: &str) -> (Response, bool) {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let patched = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|mut json| {
            let slot = json.pointer_mut(pointer)?;
            *slot = value.into();
            Some(json.to_string())
        });
    match patched {
        Some(text) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            (Response::from_parts(parts, Body::from(text)), true)
        }
        None => (Response::from_parts(parts, Body::from(bytes)), false),
    }
}
