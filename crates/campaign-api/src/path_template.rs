//! Request templates: a documented path and query, as data.
//!
//! The vendor's own pages disagree on v1 paths, so a template is a string a profile can override,
//! not code. The same parsed template renders the client's URL and matches the simulator's
//! incoming requests, so the two cannot drift apart.
//!
//! Syntax: `/literal/{param}/…?key=value&key={param}`. Parameters are `{iid}`, `{streamId}`,
//! `{accountId}` and `{campaignId}`; empty path segments (the vendor's `campaign//trigger`) are
//! kept as written.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use std::borrow::Cow;
use std::fmt;

/// Characters escaped inside a path segment (RFC 3986 `pchar` complement, plus `%`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Characters escaped inside a query key or value.
const QUERY: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+');

/// A value a template takes from the target or the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Param {
    /// Kore.ai application id (`IId`).
    Iid,
    /// Kore.ai bot or stream id.
    StreamId,
    /// Kore.ai account id.
    AccountId,
    /// The campaign being driven.
    CampaignId,
}

impl Param {
    fn parse(name: &str) -> Option<Param> {
        match name {
            "iid" | "IId" | "IID" => Some(Param::Iid),
            "streamId" | "streamID" => Some(Param::StreamId),
            "accountId" => Some(Param::AccountId),
            "campaignId" => Some(Param::CampaignId),
            _ => None,
        }
    }

    /// The name as written in templates.
    pub fn name(self) -> &'static str {
        match self {
            Param::Iid => "iid",
            Param::StreamId => "streamId",
            Param::AccountId => "accountId",
            Param::CampaignId => "campaignId",
        }
    }
}

/// One piece of a template: fixed text or a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Fixed text, compared exactly.
    Literal(String),
    /// A value filled in at render time.
    Param(Param),
}

/// Why a template string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Templates are absolute paths.
    #[error("template {0:?} must start with '/'")]
    NotAbsolute(String),
    /// An unknown `{name}`.
    #[error(
        "template {template:?} uses unknown parameter {{{name}}} (known: iid, streamId, accountId, campaignId)"
    )]
    UnknownParam {
        /// The template.
        template: String,
        /// The unknown name.
        name: String,
    },
    /// A segment mixing text and a parameter, or an unclosed brace.
    #[error("template {template:?}: segment {segment:?} must be all text or exactly one {{param}}")]
    BadSegment {
        /// The template.
        template: String,
        /// The segment.
        segment: String,
    },
    /// The campaign id must appear exactly once in the path.
    #[error("template {0:?} must hold {{campaignId}} exactly once in its path")]
    CampaignIdCount(String),
}

/// A parsed request template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    raw: String,
    path: Vec<Part>,
    query: Vec<(String, Part)>,
}

/// Values a template is filled with.
pub trait ParamSource {
    /// The unencoded value of `param`.
    fn param(&self, param: Param) -> &str;
}

/// What a matched request carried for each parameter (decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captures {
    /// `(param, decoded value)` in template order.
    pub values: Vec<(Param, String)>,
}

impl Captures {
    /// The captured value of `param`, if the template holds it.
    pub fn get(&self, param: Param) -> Option<&str> {
        self.values
            .iter()
            .find(|(p, _)| *p == param)
            .map(|(_, v)| v.as_str())
    }
}

/// How an incoming request compares with a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Path and every templated query pair agree.
    Full(Captures),
    /// The path agrees; the named query key is missing or holds another value.
    QueryMismatch {
        /// The key that did not agree.
        key: String,
        /// What the template expects (`{param}` for any non-empty value).
        expected: String,
    },
    /// The path does not agree.
    No,
}

fn parse_part(template: &str, text: &str) -> Result<Part, TemplateError> {
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return Param::parse(inner)
            .map(Part::Param)
            .ok_or_else(|| TemplateError::UnknownParam {
                template: template.into(),
                name: inner.into(),
            });
    }
    if text.contains('{') || text.contains('}') {
        return Err(TemplateError::BadSegment {
            template: template.into(),
            segment: text.into(),
        });
    }
    Ok(Part::Literal(text.to_string()))
}

impl Template {
    /// Parses a template string.
    ///
    /// ```
    /// use campaign_api::template::Template;
    /// let t = Template::parse("/startCampaign/{campaignId}").unwrap();
    /// assert_eq!(t.to_string(), "/startCampaign/{campaignId}");
    /// assert!(Template::parse("/x/{nope}").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Template, TemplateError> {
        let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
        let Some(rest) = path.strip_prefix('/') else {
            return Err(TemplateError::NotAbsolute(raw.into()));
        };
        let path = rest
            .split('/')
            .map(|seg| parse_part(raw, seg))
            .collect::<Result<Vec<_>, _>>()?;
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                Ok((k.to_string(), parse_part(raw, v)?))
            })
            .collect::<Result<Vec<_>, TemplateError>>()?;
        let ids = path
            .iter()
            .filter(|p| **p == Part::Param(Param::CampaignId))
            .count();
        if ids != 1 {
            return Err(TemplateError::CampaignIdCount(raw.into()));
        }
        Ok(Template {
            raw: raw.to_string(),
            path,
            query,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The parameters the template needs, in order, path first.
    pub fn params(&self) -> impl Iterator<Item = Param> + '_ {
        self.path
            .iter()
            .chain(self.query.iter().map(|(_, v)| v))
            .filter_map(|p| match p {
                Part::Param(p) => Some(*p),
                Part::Literal(_) => None,
            })
    }

    /// The fixed query pairs (e.g. `campaignType=voice`), which tell operations sharing a path apart.
    pub fn literal_query(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query.iter().filter_map(|(k, v)| match v {
            Part::Literal(l) => Some((k.as_str(), l.as_str())),
            Part::Param(_) => None,
        })
    }

    /// Renders path and query, percent-encoding every value.
    pub fn render(&self, values: &impl ParamSource) -> String {
        let mut out = String::with_capacity(self.raw.len() + 32);
        for part in &self.path {
            out.push('/');
            match part {
                Part::Literal(l) => out.push_str(l),
                Part::Param(p) => out.extend(utf8_percent_encode(values.param(*p), SEGMENT)),
            }
        }
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.extend(utf8_percent_encode(k, QUERY));
            out.push('=');
            let value = match v {
                Part::Literal(l) => l.as_str(),
                Part::Param(p) => values.param(*p),
            };
            out.extend(utf8_percent_encode(value, QUERY));
        }
        out
    }

    /// Compares a request's raw (encoded) path and query with the template.
    ///
    /// Path parameters are percent-decoded; a segment that is not valid UTF-8 once decoded does
    /// not match. Query keys the template does not name are ignored.
    pub fn matches(&self, path: &str, query: Option<&str>) -> Match {
        self.matches_parsed(path, &Query::parse(query))
    }

    /// As [`Template::matches`], with the query parsed once by the caller (a router comparing
    /// one request with many templates).
    pub fn matches_parsed(&self, path: &str, query: &Query<'_>) -> Match {
        let Some(rest) = path.strip_prefix('/') else {
            return Match::No;
        };
        // Literal segments first: most templates fail here, before anything is allocated.
        let mut segments = rest.split('/');
        for part in &self.path {
            match (part, segments.next()) {
                (_, None) => return Match::No,
                (Part::Literal(l), Some(seg)) if l != seg => return Match::No,
                _ => {}
            }
        }
        if segments.next().is_some() {
            return Match::No;
        }
        for (key, part) in &self.query {
            let found = query.get(key);
            let ok = match (part, found) {
                (Part::Literal(l), Some(v)) => v == l,
                (Part::Param(_), Some(v)) => !v.is_empty(),
                (_, None) => false,
            };
            if !ok {
                return Match::QueryMismatch {
                    key: key.clone(),
                    expected: match part {
                        Part::Literal(l) => l.clone(),
                        Part::Param(p) => format!("{{{}}}", p.name()),
                    },
                };
            }
        }
        let mut captures = Captures::default();
        for (part, seg) in self.path.iter().zip(rest.split('/')) {
            if let Part::Param(p) = part {
                match percent_decode_str(seg).decode_utf8() {
                    Ok(v) if !v.is_empty() => captures.values.push((*p, v.into_owned())),
                    _ => return Match::No,
                }
            }
        }
        for (key, part) in &self.query {
            if let (Part::Param(p), Some(v)) = (part, query.get(key)) {
                captures.values.push((*p, v.to_string()));
            }
        }
        Match::Full(captures)
    }
}

/// A request's query string, split and decoded once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Query<'a> {
    /// Splits `a=1&b=2`, decoding `%XX` and `+` only where present.
    pub fn parse(query: Option<&'a str>) -> Query<'a> {
        let pairs = query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_query(k), decode_query(v))
            })
            .collect();
        Query { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }
}

fn decode_query(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    let plus_as_space = s.replace('+', " ");
    Cow::Owned(
        percent_decode_str(&plus_as_space)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Values;
    impl ParamSource for Values {
        fn param(&self, p: Param) -> &str {
            match p {
                Param::Iid => "st-1",
                Param::StreamId => "st-2",
                Param::AccountId => "acc 1",
                Param::CampaignId => "c 1#ä",
            }
        }
    }

    #[test]
    fn renders_and_matches_its_own_output() {
        let t = Template::parse(
            "/campaign/api/v2/public/{streamId}/campaign//trigger/{campaignId}?accountId={accountId}&campaignType=sms&trigger=stop",
        )
        .unwrap();
        let rendered = t.render(&Values);
        assert_eq!(
            rendered,
            "/campaign/api/v2/public/st-2/campaign//trigger/c%201%23%C3%A4?accountId=acc%201&campaignType=sms&trigger=stop"
        );
        let (path, query) = rendered.split_once('?').unwrap();
        let Match::Full(c) = t.matches(path, Some(query)) else {
            panic!("own rendering did not match")
        };
        assert_eq!(c.get(Param::CampaignId), Some("c 1#ä"));
        assert_eq!(c.get(Param::AccountId), Some("acc 1"));
    }

    #[test]
    fn tells_query_mismatch_from_path_mismatch() {
        let t = Template::parse("/a/{campaignId}?trigger=play").unwrap();
        assert_eq!(
            t.matches("/a/x", Some("trigger=pause")),
            Match::QueryMismatch {
                key: "trigger".into(),
                expected: "play".into()
            }
        );
        assert_eq!(t.matches("/a/x/y", Some("trigger=play")), Match::No);
        assert_eq!(t.matches("/a/", Some("trigger=play")), Match::No);
        assert!(matches!(
            t.matches("/a/%FF", Some("trigger=play")),
            Match::No
        ));
    }

    #[test]
    fn refuses_bad_templates() {
        assert!(matches!(
            Template::parse("a/{campaignId}"),
            Err(TemplateError::NotAbsolute(_))
        ));
        assert!(matches!(
            Template::parse("/a/{campaign}"),
            Err(TemplateError::UnknownParam { .. })
        ));
        assert!(matches!(
            Template::parse("/a/x{campaignId}"),
            Err(TemplateError::BadSegment { .. })
        ));
        assert!(matches!(
            Template::parse("/a/b"),
            Err(TemplateError::CampaignIdCount(_))
        ));
    }
}
