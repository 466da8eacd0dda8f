//! The forms a credential can take in text: verbatim, JSON-escaped, percent-encoded (either hex
//! case), and base64 or base64url at any alignment. The leak scanner looks for every form in
//! written files, and the report scrubber replaces every form in what is printed, so a host that
//! echoes a credential encoded cannot get it into a CI log either.

use secrecy::{ExposeSecret, SecretString};

/// Secrets shorter than this are not looked for: they would match by chance.
pub const MIN_SECRET_LEN: usize = 4;

/// Secrets at least this long are also looked for base64-encoded (shorter ones make fragments
/// that match ordinary base64 text by chance).
pub const MIN_BASE64_SECRET_LEN: usize = 8;

/// Every byte string whose presence betrays one of `secrets` (longest first, so a scrubber
/// replaces a whole form before a fragment of it).
pub fn forms(secrets: &[SecretString]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for s in secrets
        .iter()
        .map(|s| s.expose_secret())
        .filter(|s| s.len() >= MIN_SECRET_LEN)
    {
        out.push(s.as_bytes().to_vec());
        // A JWT's segments, each on its own: a host that splits the token at its dots must not
        // get it printed a piece at a time (the signature is the secret part).
        if s.contains('.') {
            out.extend(
                s.split('.')
                    .filter(|seg| seg.len() >= MIN_BASE64_SECRET_LEN * 2)
                    .map(|seg| seg.as_bytes().to_vec()),
            );
        }
        let json = serde_json::Value::String(s.to_string()).to_string();
        if let Some(inner) = json.strip_prefix('"').and_then(|j| j.strip_suffix('"')) {
            out.push(inner.as_bytes().to_vec());
        }
        out.push(percent_encode(s.as_bytes(), b"0123456789ABCDEF"));
        out.push(percent_encode(s.as_bytes(), b"0123456789abcdef"));
        if s.len() >= MIN_BASE64_SECRET_LEN {
            for alphabet in [BASE64, BASE64_URL] {
                for offset in 0..3 {
                    out.push(base64_fragment(s.as_bytes(), offset, alphabet));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out.sort_by_key(|n| std::cmp::Reverse(n.len()));
    out
}

fn percent_encode(bytes: &[u8], hex: &[u8; 16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            out.extend([b'%', hex[usize::from(b >> 4)], hex[usize::from(b & 0xf)]]);
        }
    }
    out
}

/// The standard base64 alphabet.
pub(crate) const BASE64: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The URL-safe base64 alphabet.
pub(crate) const BASE64_URL: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The base64 characters that depend only on `secret` when it sits `offset` (0..3) bytes into
/// an encoded stream: whatever surrounds it, an encoding of the secret contains these.
fn base64_fragment(secret: &[u8], offset: usize, alphabet: &[u8; 64]) -> Vec<u8> {
    let bits: Vec<bool> = std::iter::repeat_n(0u8, offset)
        .chain(secret.iter().copied())
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1 == 1))
        .collect();
    // Character i covers bits 6i..6i+6; keep those wholly inside the secret's bits.
    let first = (8 * offset).div_ceil(6);
    let last = bits.len() / 6;
    (first..last)
        .map(|i| {
            let v = bits[6 * i..6 * i + 6]
                .iter()
                .fold(0usize, |acc, &bit| (acc << 1) | usize::from(bit));
            alphabet[v]
        })
        .collect()
}
