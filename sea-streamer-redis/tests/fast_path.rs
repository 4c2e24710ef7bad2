//! The RealTime `XREAD` fast path (raw connection, own reply parser): many batches in order,
//! server error replies, a killed connection, a fatal error reply. Under tokio, async-std and
//! smol (the raw socket is `sea_streamer_runtime::net`).
#![cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]

mod common;

use common::server::PrivateRedis;
use common::{connect, consume, key, next, range, url};
use sea_streamer_redis::{AutoStreamReset, RedisConnectOptions, RedisConsumerOptions};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, Streamer,
};
use std::time::Duration;

fn admin(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("admin connection")
}

/// `CLIENT LIST` as one map of fields per client.
fn clients(conn: &mut redis::Connection) -> Vec<Vec<(String, String)>> {
    let text: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(conn)
        .expect("CLIENT LIST");
    text.lines()
        .map(|line| {
            line.split(' ')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn field<'a>(client: &'a [(String, String)], name: &str) -> &'a str {
    client
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Wait until exactly one client is blocked in `XREAD`; its id.
async fn blocked_reader(conn: &mut redis::Connection) -> String {
    for _ in 0..500 {
        let blocked: Vec<String> = clients(conn)
            .iter()
            .filter(|c| field(c, "cmd") == "xread" && field(c, "flags").contains('b'))
            .map(|c| field(c, "id").to_owned())
            .collect();
        if let [id] = blocked.as_slice() {
            return id.clone();
        }
        sea_streamer_runtime::sleep(Duration::from_millis(20)).await;
    }
    panic!("no consumer blocked in XREAD");
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn ten_thousand_in_order_over_many_batches() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("fast");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let payload = |i: usize| format!("{i}:{}", "p".repeat(i % 300));
    let receipts: Vec<_> = (0..10_000)
        .map(|i| producer.send(payload(i)).unwrap())
        .collect();
    let mut sequences = Vec::with_capacity(receipts.len());
    for receipt in receipts {
        sequences.push(*receipt.await.unwrap().sequence());
    }

    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_batch_size(97);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    for (i, sequence) in sequences.iter().enumerate() {
        let msg = next(&consumer).await;
        assert_eq!(msg.message().as_str().unwrap(), payload(i));
        assert_eq!(msg.sequence(), *sequence, "message {i}");
        assert_eq!(msg.stream_key(), stream);
        assert_eq!(msg.shard_id().id(), 0);
    }
    // the live tail continues on the same connection
    for i in 10_000..10_010 {
        producer.send(payload(i)).unwrap();
    }
    producer.end().await.unwrap();
    for i in 10_000..10_010 {
        assert_eq!(
            next(&consumer).await.message().as_str().unwrap(),
            payload(i)
        );
    }
    consumer.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn unblocked_and_killed_connection() {
    let Some(server) = PrivateRedis::start() else {
        return;
    };
    let mut admin = admin(&server.url());
    let streamer = connect(&server.url(), RedisConnectOptions::default()).await;
    let stream = key("fast-unblock");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    for i in 0..10 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    let before = clients(&mut admin).len();
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    assert_eq!(consume(&consumer, 10).await, range(0, 10));

    // reads run on a raw connection of their own, besides the reader and command connections
    let id = blocked_reader(&mut admin).await;
    assert_eq!(clients(&mut admin).len(), before + 3);

    // a server error reply (`-UNBLOCKED`) on the raw connection: logged, reading continues
    let unblocked: i64 = redis::cmd("CLIENT")
        .arg("UNBLOCK")
        .arg(&id)
        .arg("ERROR")
        .query(&mut admin)
        .unwrap();
    assert_eq!(unblocked, 1);
    for i in 10..20 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    assert_eq!(consume(&consumer, 10).await, range(10, 20));

    // the raw connection killed: reopened after the back-off, nothing lost or repeated
    let id = blocked_reader(&mut admin).await;
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(&id)
        .query(&mut admin)
        .unwrap();
    assert_eq!(killed, 1);
    for i in 20..30 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    assert_eq!(consume(&consumer, 10).await, range(20, 30));
    let new_id = blocked_reader(&mut admin).await;
    assert_ne!(new_id, id);
    consumer.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn wrong_type_is_a_fatal_error() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("fast-wrongtype");
    let mut admin = admin(&url);
    let () = redis::cmd("SET")
        .arg(stream.name())
        .arg("not a stream")
        .query(&mut admin)
        .unwrap();
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    let result = sea_streamer_runtime::timeout(Duration::from_secs(60), consumer.next())
        .await
        .expect("an answer within 60 s");
    let err = result.expect_err("reading a string key fails");
    assert!(err.to_string().contains("WRONGTYPE"), "{err}");
    let _: i64 = redis::cmd("DEL")
        .arg(stream.name())
        .query(&mut admin)
        .unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn restart_keeps_order_without_duplicates() {
    let Some(mut server) = PrivateRedis::start() else {
        return;
    };
    let streamer = connect(&server.url(), RedisConnectOptions::default()).await;
    let stream = key("fast-restart");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_batch_size(7);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    for i in 0..50 {
        producer.send(i.to_string()).unwrap();
    }
    producer.flush_immut().await.unwrap();
    let mut seen = consume(&consumer, 25).await;

    server.kill();
    let receipts: Vec<_> = (50..100)
        .map(|i| producer.send(i.to_string()).unwrap())
        .collect();
    server.restart();
    for receipt in receipts {
        receipt.await.expect("delivered after the restart");
    }
    seen.extend(consume(&consumer, 75).await);
    // every message once, in order
    assert_eq!(seen, range(0, 100));
    consumer.end().await.unwrap();
}

/// Produce `0..n` and read them back with a RealTime consumer, both with `options`.
async fn round_trip(url: &str, options: RedisConnectOptions, n: usize) {
    let streamer = connect(url, options).await;
    let stream = key("fast-handshake");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    for i in 0..n {
        producer.send(i.to_string()).unwrap();
    }
    producer.end().await.unwrap();
    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    assert_eq!(consume(&consumer, n).await, range(0, n));
    consumer.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn selects_the_database() {
    let Some(url) = url() else { return };
    let mut options = RedisConnectOptions::default();
    options.set_db(3);
    // entries written to db 3 are only found if the raw connection selected it too
    round_trip(&url, options, 20).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn authenticates() {
    let Some(server) = PrivateRedis::start() else {
        return;
    };
    let mut admin = admin(&server.url());
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("s3cret")
        .query(&mut admin)
        .unwrap();
    let mut options = RedisConnectOptions::default();
    options.set_password(Some("s3cret".to_owned()));
    round_trip(&server.url(), options.clone(), 20).await;
    options.set_username(Some("default".to_owned()));
    round_trip(&server.url(), options, 20).await;
}

/// The same tests under smol, which has no test attribute: each is driven by `smol::block_on`.
#[cfg(all(
    feature = "runtime-smol",
    not(feature = "runtime-tokio"),
    not(feature = "runtime-async-std")
))]
mod under_smol {
    macro_rules! smol_tests {
        ($($name:ident),* $(,)?) => {
            $(
                #[test]
                fn $name() {
                    smol::block_on(super::$name())
                }
            )*
        };
    }

    smol_tests!(
        ten_thousand_in_order_over_many_batches,
        unblocked_and_killed_connection,
        wrong_type_is_a_fatal_error,
        restart_keeps_order_without_duplicates,
        selects_the_database,
        authenticates,
    );
}
