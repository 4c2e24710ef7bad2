//! Property tests of `StreamUrl` / `StreamerUri` parsing (issue #16.4).
//!
//! - Any string: parsing never panics; an accepted address has at least one node and only
//!   valid stream keys.
//! - Addresses built from the grammar (`protocol://host,host,.../key,key,...`, with empty
//!   pieces): accepted, with one node per non-empty host (each the `url` crate's reading of
//!   `protocol://host`) and the non-empty key pieces as streams; or, when the `url` crate
//!   refuses a host (a port in a `file` URL), refused with that `UrlParseError`; only empty
//!   host pieces (`redis://,/`) are `ZeroNode`.
//! - Round trip: an accepted address written back as text (`protocol://` + each node without
//!   the prefix, joined by `,`, then `/` + keys for a `StreamUrl`) parses to an equal value;
//!   a one-node `StreamerUri`'s `Display` (`(url)`) without its parentheses parses back to it
//!   (unless its host is empty after the `url` crate's clean-up, as in `A://\0`: that node,
//!   `a://`, reads back as `a://.`, an upstream quirk kept).
//!   (`StreamUrl` has no `Display`, as upstream; a several-node `Display` repeats the protocol
//!   per node and is not meant to be parsed.)
//!
//! Cases: proptest's default (256 per property), or `PROPTEST_CASES` (1,000,000 in
//! `scripts/fuzz.sh`). Failing inputs are kept in `proptest-regressions/` (checked in).

use proptest::prelude::*;
use sea_streamer_types::{export::url::Url, StreamKey, StreamUrl, StreamUrlErr, StreamerUri};

/// Writes an address back as text: `protocol://rest1,rest2`. `None` if that text could not
/// mean the same nodes (no common protocol, or a node's rest that is empty or holds a `,`).
fn render_uri(uri: &StreamerUri) -> Option<String> {
    let protocol = uri.protocol()?;
    let prefix = format!("{protocol}://");
    let rests = uri
        .nodes()
        .iter()
        .map(|node| node.as_str().strip_prefix(&prefix))
        .collect::<Option<Vec<_>>>()?;
    if rests
        .iter()
        .any(|rest| rest.is_empty() || rest.contains(','))
    {
        return None;
    }
    Some(format!("{prefix}{}", rests.join(",")))
}

/// [`render_uri`] plus `/` and the stream keys.
fn render_url(url: &StreamUrl) -> Option<String> {
    let keys: Vec<&str> = url.stream_keys().iter().map(StreamKey::name).collect();
    Some(format!(
        "{}/{}",
        render_uri(url.streamer_ref())?,
        keys.join(",")
    ))
}

/// Checks what every accepted address must satisfy, and its round trip.
fn check_url(text: &str) -> Result<(), TestCaseError> {
    if let Ok(url) = text.parse::<StreamUrl>() {
        prop_assert!(!url.streamer_ref().nodes().is_empty());
        for key in url.stream_keys() {
            prop_assert!(sea_streamer_types::is_valid_stream_key(key.name()));
        }
        prop_assert_eq!(url.stream_key().is_ok(), url.stream_keys().len() == 1);
        if let Some(again) = render_url(&url) {
            prop_assert_eq!(again.parse::<StreamUrl>().ok(), Some(url), "{}", again);
        }
    }
    Ok(())
}

/// [`check_url`] for `StreamerUri`, with the `Display` round trip of one-node addresses.
fn check_uri(text: &str) -> Result<(), TestCaseError> {
    if let Ok(uri) = text.parse::<StreamerUri>() {
        prop_assert!(!uri.nodes().is_empty());
        if let Some(again) = render_uri(&uri) {
            prop_assert_eq!(
                again.parse::<StreamerUri>().ok(),
                Some(uri.clone()),
                "{}",
                again
            );
        }
        // A host that the `url` crate reduces to nothing (`A://\0`: control characters and
        // spaces are stripped) gives a node `a://` that reads back as `a://.`: left out.
        if uri.nodes().len() == 1 && render_uri(&uri).is_some() {
            let shown = uri.to_string();
            let inner = shown
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .unwrap_or_default();
            prop_assert_eq!(inner.parse::<StreamerUri>().ok(), Some(uri), "{}", shown);
        }
    }
    Ok(())
}

fn protocol() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["redis", "rediss", "kafka", "stdio", "file", "http", "proto"])
            .prop_map(str::to_owned),
        1 => "[a-z][a-z0-9+.-]{0,6}",
    ]
}

/// A host piece: name or address, optional port; sometimes empty (ignored by the parser).
fn host() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9-]{0,8}){0,2}",
        (0u8..=255, 0u8..=255, 0u8..=255, 0u8..=255)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        Just("localhost".to_owned()),
    ];
    prop_oneof![
        8 => (name, prop::option::of(0u16..)).prop_map(|(n, port)| match port {
            Some(port) => format!("{n}:{port}"),
            None => n,
        }),
        1 => Just(String::new()),
    ]
}

/// A key piece; sometimes empty (ignored by the parser).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![8 => "[A-Za-z0-9._-]{1,20}", 1 => Just(String::new())]
}

/// Text around the grammar's separators: arbitrary strings with `://`, `/`, `,` and `:` mixed in.
fn near_url() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("://".to_owned()),
            Just("/".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            "[a-z0-9.]{1,5}",
            "[^a-z]{1,3}",
        ],
        0..10,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    /// Arbitrary strings: no panic; accepted addresses are sound and round-trip.
    #[test]
    fn any_string_parses_without_panic(text in prop_oneof![any::<String>(), near_url()]) {
        check_url(&text)?;
        check_uri(&text)?;
    }

    /// Addresses from the grammar are accepted with the nodes and streams they name.
    #[test]
    fn grammar_addresses_parse_to_their_parts(
        protocol in protocol(),
        hosts in prop::collection::vec(host(), 0..4),
        keys in prop::collection::vec(key(), 0..4),
    ) {
        let hosts_text = hosts.join(",");
        let text = format!("{protocol}://{hosts_text}/{}", keys.join(","));
        let named: Vec<&String> = hosts.iter().filter(|h| !h.is_empty()).collect();
        // The `url` crate's reading of each host (e.g. `file://a:1` is no URL: no port in file URLs).
        let expected: Result<Vec<Url>, _> = if hosts_text.is_empty() {
            Url::parse(&format!("{protocol}://.")).map(|u| vec![u])
        } else if named.is_empty() {
            // Only empty pieces (`redis://,/`): no node, as upstream.
            let e = text.parse::<StreamUrl>().err();
            prop_assert!(matches!(e, Some(StreamUrlErr::ZeroNode)), "{}: {:?}", text, e);
            return Ok(());
        } else {
            named.iter().map(|h| Url::parse(&format!("{protocol}://{h}"))).collect()
        };
        let parsed = text.parse::<StreamUrl>();
        let (url, expected) = match (parsed, expected) {
            (Ok(url), Ok(expected)) => (url, expected),
            (Err(StreamUrlErr::UrlParseError(e)), Err(f)) => {
                prop_assert_eq!(e, f);
                return Ok(());
            }
            (got, expected) => {
                return Err(TestCaseError::fail(format!("{text}: {got:?}, expected {expected:?}")));
            }
        };
        prop_assert_eq!(url.streamer_ref().nodes(), expected.as_slice());
        prop_assert_eq!(url.streamer_ref().protocol(), Some(protocol.as_str()));
        let streams: Vec<&str> = url.stream_keys().iter().map(StreamKey::name).collect();
        let pieces: Vec<&str> = keys.iter().map(String::as_str).filter(|k| !k.is_empty()).collect();
        prop_assert_eq!(streams, pieces);
        // The same hosts as a `StreamerUri`.
        let uri: StreamerUri = format!("{protocol}://{hosts_text}")
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&uri, url.streamer_ref());
        check_url(&text)?;
        check_uri(&format!("{protocol}://{hosts_text}"))?;
    }
}
