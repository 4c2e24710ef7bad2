//! `file://` URIs with spaces and non-ASCII file names (issue #15, defect 5): the path is
//! percent-decoded once, so the plain and the `%`-encoded spelling open the same file, a file
//! created through a URI has the decoded name, and `FileId` ↔ URI round-trips.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

use sea_streamer_file::{FileConnectOptions, FileId, FileStreamer};
use sea_streamer_types::{Streamer, StreamerUri};
use std::path::{Path, PathBuf};

/// A fresh directory under the temp directory, removed by the caller.
fn fresh_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("ss-uri-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).unwrap();
    dir
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

async fn connect(uri: &str, create: bool) -> Result<FileStreamer, String> {
    let uri: StreamerUri = uri.parse().map_err(|e| format!("{uri}: {e}"))?;
    let mut options = FileConnectOptions::default();
    options.set_create_if_not_exists(create);
    FileStreamer::connect(uri, options)
        .await
        .map_err(|e| e.to_string())
}

async fn spaces_and_non_ascii() {
    let dir = fresh_dir("names");
    let d = dir.display();

    // Created through a URI written plainly: the file has the decoded name.
    let created = connect(&format!("file://{d}/ünew file.ss"), true)
        .await
        .expect("create through a plain URI");
    let expected = format!("{d}/ünew file.ss");
    assert_eq!(created.file_id().path(), expected);
    assert_eq!(names(&dir), ["ünew file.ss"]);

    // Created through the encoded spelling: same decoded name.
    connect(&format!("file://{d}/sp%20ace.ss"), true)
        .await
        .expect("create through an encoded URI");
    assert_eq!(names(&dir), ["sp ace.ss", "ünew file.ss"]);

    // Both spellings open the existing files (without creating anything).
    for uri in [
        format!("file://{d}/sp ace.ss"),
        format!("file://{d}/sp%20ace.ss"),
    ] {
        let s = connect(&uri, false).await.expect(&uri);
        assert_eq!(s.file_id().path(), format!("{d}/sp ace.ss"), "{uri}");
    }
    for uri in [
        format!("file://{d}/ünew file.ss"),
        format!("file://{d}/%C3%BCnew%20file.ss"),
    ] {
        let s = connect(&uri, false).await.expect(&uri);
        assert_eq!(s.file_id().path(), expected, "{uri}");
    }
    assert_eq!(names(&dir), ["sp ace.ss", "ünew file.ss"]);

    // FileId -> URI -> FileStreamer gives back the same FileId, also for characters that
    // URI syntax would otherwise decode or split.
    for name in ["ünew file.ss", "100%.ss", "a%20b.ss", "a,b#c?d.ss"] {
        let id = FileId::new(format!("{d}/{name}"));
        std::fs::File::create(id.path()).unwrap();
        let uri = id.to_streamer_uri().expect("to_streamer_uri");
        assert_eq!(uri.nodes().len(), 1, "{uri}");
        let s = FileStreamer::connect(uri.clone(), Default::default())
            .await
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(s.file_id(), &id, "{uri}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn file_uris_with_spaces_and_non_ascii_names() {
    spaces_and_non_ascii().await;
}
