//! Finding the operation a request addresses, from campaign-api's templates.

use campaign_api::OperationId;
use campaign_api::template::{Captures, Match, Param, Query};

/// Where a request lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// An operation, with the campaign id and other captured values.
    Operation(OperationId, Captures),
    /// A path some operation has, with another method.
    WrongMethod {
        /// Methods the path accepts.
        allowed: Vec<http::Method>,
    },
    /// A path some operation has, with query values none accepts.
    BadQuery {
        /// Whose path it is (the operations sharing a path are one vendor's).
        vendor: campaign_api::Vendor,
        /// The first query key that did not agree.
        key: String,
        /// What the operations sharing the path accept for it.
        expected: Vec<String>,
    },
    /// No operation has this path.
    Unknown,
}

impl Route {
    /// The campaign id of an operation route.
    pub(crate) fn campaign(captures: &Captures) -> &str {
        captures.get(Param::CampaignId).unwrap_or_default()
    }
}

/// Resolves `method path?query` against every operation's documented template.
pub(crate) fn route(method: &http::Method, path: &str, query: Option<&str>) -> Route {
    let mut allowed = Vec::new();
    let mut bad_query: Option<(campaign_api::Vendor, String, Vec<String>)> = None;
    let query = Query::parse(query);
    for id in OperationId::ALL {
        let op = id.spec();
        match op.template.matches_parsed(path, &query) {
            Match::Full(captures) if op.method.as_http() == method => {
                return Route::Operation(id, captures);
            }
            Match::Full(_) => allowed.push(op.method.as_http()),
            Match::QueryMismatch { key, expected } if op.method.as_http() == method => {
                match &mut bad_query {
                    Some((_, k, values)) if *k == key => values.push(expected),
                    Some(_) => {}
                    None => bad_query = Some((op.vendor, key, vec![expected])),
                }
            }
            Match::QueryMismatch { .. } => allowed.push(op.method.as_http()),
            Match::No => {}
        }
    }
    if let Some((vendor, key, mut expected)) = bad_query {
        expected.sort();
        expected.dedup();
        return Route::BadQuery {
            vendor,
            key,
            expected,
        };
    }
    if !allowed.is_empty() {
        allowed.dedup();
        return Route::WrongMethod { allowed };
    }
    Route::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_routes_to_itself() {
        for id in OperationId::ALL {
            let op = id.spec();
            let filled = op
                .template
                .as_str()
                .replace("{campaignId}", "c%201")
                .replace("{iid}", "st-1")
                .replace("{streamId}", "st-1")
                .replace("{accountId}", "acc");
            let (path, query) = filled
                .split_once('?')
                .map_or((filled.as_str(), None), |(p, q)| (p, Some(q)));
            match route(&op.method.as_http(), path, query) {
                Route::Operation(got, c) => {
                    assert_eq!(got, id);
                    assert_eq!(Route::campaign(&c), "c 1");
                }
                other => panic!("{op}: {other:?}"),
            }
        }
    }

    #[test]
    fn tells_apart_wrong_method_bad_query_and_unknown() {
        assert!(matches!(
            route(&http::Method::POST, "/startCampaign/x", None),
            Route::WrongMethod { .. }
        ));
        match route(
            &http::Method::POST,
            "/campaign/api/v1/public/st/campaign/c",
            Some("campaignType=voice&trigger=pause"),
        ) {
            Route::BadQuery { key, expected, .. } => {
                assert_eq!(key, "trigger");
                assert_eq!(expected, vec!["play".to_string(), "stop".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(route(&http::Method::GET, "/nope", None), Route::Unknown);
    }
}
