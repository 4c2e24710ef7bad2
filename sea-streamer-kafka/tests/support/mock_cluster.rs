//! librdkafka's in-process mock cluster on a thread of its own, for tests that restart its
//! broker through a `Send + Sync` handle (the cluster's own handle is neither). Shared by
//! the Kafka crate's conformance tests and the socket crate's (included by path).

use std::sync::mpsc;

use sea_streamer_kafka::export::rdkafka::mocking::MockCluster;

/// What the thread owning the mock cluster is asked to do.
pub enum MockCommand {
    /// Create a topic of one partition.
    CreateTopic(String),
    /// Take the broker down (every connection closed, none accepted) and up again; the
    /// cluster keeps what it stored.
    Restart,
}

/// librdkafka's in-process mock cluster, owned by a thread of its own (its handle is neither
/// `Send` nor `Sync`); the cluster goes away when this is dropped.
pub struct Mock {
    /// `bootstrap.servers` of the cluster.
    pub servers: String,
    commands: mpsc::Sender<(MockCommand, mpsc::Sender<Result<(), String>>)>,
}

impl Mock {
    /// Starts a cluster of one broker (id 1).
    pub fn start() -> Self {
        let (tx, rx) = mpsc::channel::<(MockCommand, mpsc::Sender<Result<(), String>>)>();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let cluster = MockCluster::new(1).expect("mock cluster");
            let _ = ready_tx.send(cluster.bootstrap_servers());
            for (command, reply) in rx {
                let result = match command {
                    MockCommand::CreateTopic(topic) => cluster.create_topic(&topic, 1, 1),
                    MockCommand::Restart => {
                        cluster.broker_down(1).and_then(|()| cluster.broker_up(1))
                    }
                };
                let _ = reply.send(result.map_err(|e| e.to_string()));
            }
        });
        let servers = ready_rx.recv().expect("the mock cluster thread started");
        Self {
            servers,
            commands: tx,
        }
    }

    /// Runs `command` on the cluster's thread (a quick, non-blocking librdkafka call).
    pub fn run(&self, command: MockCommand) -> Result<(), String> {
        let (tx, rx) = mpsc::channel();
        self.commands
            .send((command, tx))
            .map_err(|_| "the mock cluster thread is gone".to_owned())?;
        rx.recv()
            .map_err(|_| "the mock cluster thread is gone".to_owned())?
    }
}
