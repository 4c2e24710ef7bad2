//! Deriving librdkafka's `bootstrap.servers` from a [`StreamerUri`].

use crate::{KafkaErr, KafkaResult};
use sea_streamer_types::{StreamErr, StreamerUri};

/// The `bootstrap.servers` string of a cluster: every node's URL with a leading `kafka://`
/// removed, joined by `,`.
///
/// A URI without nodes gives `KafkaError::ClientCreation("StreamerUri has no nodes")`.
pub(crate) fn cluster_uri(streamer: &StreamerUri) -> KafkaResult<String> {
    if streamer.nodes().is_empty() {
        return Err(StreamErr::Backend(KafkaErr::ClientCreation(
            "StreamerUri has no nodes".to_owned(),
        )));
    }
    let nodes: Vec<&str> = streamer
        .nodes()
        .iter()
        .map(|url| {
            let s = url.as_str();
            s.strip_prefix("kafka://").unwrap_or(s)
        })
        .collect();
    Ok(nodes.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers(uri: &str) -> String {
        let uri: StreamerUri = uri.parse().expect("valid uri");
        cluster_uri(&uri).expect("has nodes")
    }

    #[test]
    fn strips_the_kafka_scheme() {
        assert_eq!(servers("kafka://localhost:9092"), "localhost:9092");
    }

    #[test]
    fn keeps_a_bare_host() {
        assert_eq!(servers("localhost:9092"), "localhost:9092");
    }

    #[test]
    fn joins_many_nodes() {
        assert_eq!(
            servers("kafka://host-a:9092,host-b:9092"),
            "host-a:9092,host-b:9092"
        );
    }

    #[test]
    fn zero_nodes_is_an_error() {
        match cluster_uri(&StreamerUri::zero()) {
            Err(StreamErr::Backend(KafkaErr::ClientCreation(msg))) => {
                assert_eq!(msg, "StreamerUri has no nodes")
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
