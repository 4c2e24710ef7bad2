//! Scraping a `--metrics-addr` endpoint in tests: [`free_addr`] to give a program, [`scrape`]
//! for one plain HTTP GET, [`sample`] to read one value, [`poll_until`] to wait for values
//! with a generous overall bound (no timed assertion: only a hang fails).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The overall bound of [`poll_until`].
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A loopback address with a port nobody listens on now, e.g. `127.0.0.1:40123`.
pub fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").to_string()
}

/// One scrape of the Prometheus endpoint at `addr` (status line, headers and body), or
/// `None` while it does not answer.
pub fn scrape(addr: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    Some(text)
}

/// The value of the first sample `name` whose labels include every one of `labels`.
///
/// ```
/// use sea_streamer_conformance::prometheus::sample;
///
/// let text = "m_total{backend=\"redis\",stream=\"a\"} 3\nm_total{backend=\"redis\",stream=\"b\"} 4\n";
/// assert_eq!(sample(text, "m_total", &[("stream", "b")]), Some(4.0));
/// assert_eq!(sample(text, "m_total", &[("stream", "c")]), None);
/// ```
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (label_text, value) = match rest.strip_prefix('{') {
            Some(r) => r.split_once("} ")?,
            None => ("", rest.strip_prefix(' ')?),
        };
        labels
            .iter()
            .all(|(k, v)| label_text.contains(&format!("{k}=\"{v}\"")))
            .then(|| value.trim().parse().ok())?
    })
}

/// Scrapes `addr` until `done` holds for the text and returns that text; panics after
/// [`PATIENCE`] with `what` and the last scrape.
pub fn poll_until(addr: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        if let Some(text) = scrape(addr) {
            if done(&text) {
                return text;
            }
            last = text;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{what}: not seen within {PATIENCE:?}; last scrape:\n{last}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
