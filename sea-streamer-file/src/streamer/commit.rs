//! Durable commit positions of resumable consumer groups.
//!
//! A group's position on a stream is a byte offset just after its last processed frame of that
//! stream, stored in a sidecar file `<file>.<group>.commit` next to the `.ss` file, one line per
//! stream key. A commit rewrites the lines of the committing consumer's streams and keeps the
//! others, so a commit on one stream never moves the group's position on another. The file is
//! written to a temporary name, fsynced and renamed over the old one, so a crash leaves either
//! the old or the new positions, never a torn file.
//!
//! Format (text): `sea-streamer-file commit v2`, then `stream <key> <offset>` lines. The v1 format
//! (`sea-streamer-file commit v1` then `offset <offset>`: one offset for every stream) is still
//! read; its offset applies to the streams without a line of their own, and stays in the file as
//! an `all <offset>` line.

use crate::error::FileErr;
use crate::file_id::FileId;
use sea_streamer_types::{ConsumerGroup, StreamKey};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const MAGIC_V1: &str = "sea-streamer-file commit v1";
const MAGIC: &str = "sea-streamer-file commit v2";

/// Path of the sidecar file of `group` for `file_id`.
pub(crate) fn commit_path(file_id: &FileId, group: &ConsumerGroup) -> PathBuf {
    PathBuf::from(format!("{}.{}.commit", file_id.path(), group.name()))
}

/// The committed positions of a group.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Commits {
    /// A v1 file's offset: the position of every stream without a line of its own.
    pub all: Option<u64>,
    /// Per stream key.
    pub streams: BTreeMap<String, u64>,
}

impl Commits {
    /// The committed position of `stream`, if any.
    pub fn of(&self, stream: &StreamKey) -> Option<u64> {
        self.streams.get(stream.name()).copied().or(self.all)
    }

    fn parse(path: &Path, text: &str) -> Result<Self, FileErr> {
        let bad = |what: &str| FileErr::InvalidCommit(format!("{}: {what}", path.display()));
        let mut lines = text.lines();
        let mut commits = Self::default();
        match lines.next() {
            Some(MAGIC_V1) => {
                let offset = lines
                    .next()
                    .and_then(|l| l.strip_prefix("offset "))
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .ok_or_else(|| bad("no offset"))?;
                commits.all = Some(offset);
            }
            Some(MAGIC) => {
                for line in lines.filter(|l| !l.trim().is_empty()) {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    let offset = |w: &str| {
                        w.parse::<u64>()
                            .map_err(|_| bad(&format!("bad offset in `{line}`")))
                    };
                    match words.as_slice() {
                        ["all", o] => commits.all = Some(offset(o)?),
                        ["stream", key, o] => {
                            StreamKey::new(*key)
                                .map_err(|_| bad(&format!("bad stream key in `{line}`")))?;
                            commits.streams.insert((*key).to_owned(), offset(o)?);
                        }
                        _ => return Err(bad(&format!("bad line `{line}`"))),
                    }
                }
            }
            _ => return Err(bad("bad magic")),
        }
        Ok(commits)
    }

    fn render(&self) -> String {
        let mut text = format!("{MAGIC}\n");
        if let Some(offset) = self.all {
            text.push_str(&format!("all {offset}\n"));
        }
        for (key, offset) in &self.streams {
            text.push_str(&format!("stream {key} {offset}\n"));
        }
        text
    }
}

/// Read a group's committed positions; `Ok(None)` if nothing was committed yet.
pub(crate) fn read_commit(
    file_id: &FileId,
    group: &ConsumerGroup,
) -> Result<Option<Commits>, FileErr> {
    let path = commit_path(file_id, group);
    match fs::read_to_string(&path) {
        Ok(text) => Commits::parse(&path, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Durably set the committed position of `streams` to `offset`, keeping the other streams'.
/// (Commits of this process are serialised; two processes committing one group at once may
/// lose one's update, which then delivers its messages again.)
pub(crate) fn write_commit(
    file_id: &FileId,
    group: &ConsumerGroup,
    streams: &[StreamKey],
    offset: u64,
) -> Result<(), FileErr> {
    static WRITING: Mutex<()> = Mutex::new(());
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let path = commit_path(file_id, group);
    let mut commits = match read_commit(file_id, group) {
        Ok(c) => c.unwrap_or_default(),
        Err(FileErr::InvalidCommit(why)) => {
            log::warn!("{why}; replaced by this commit");
            Commits::default()
        }
        Err(e) => return Err(e),
    };
    for stream in streams {
        commits.streams.insert(stream.name().to_owned(), offset);
    }
    let tmp = PathBuf::from(format!("{}.tmp-{}", path.display(), std::process::id()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(commits.render().as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, &path)?;
    sync_dir(&path);
    Ok(())
}

/// Best effort: make the rename itself durable.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<StreamKey> {
        names.iter().map(|n| StreamKey::new(*n).unwrap()).collect()
    }

    #[test]
    fn roundtrip_per_stream() {
        let dir = std::env::temp_dir().join(format!("ss-commit-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let id = FileId::new(dir.join("a.ss").to_str().unwrap());
        let g = ConsumerGroup::new("g1");
        let [a, b, c] = [&keys(&["a"])[0], &keys(&["b"])[0], &keys(&["c"])[0]].map(Clone::clone);
        assert_eq!(read_commit(&id, &g).unwrap(), None);
        write_commit(&id, &g, &keys(&["a", "b"]), 1234).unwrap();
        write_commit(&id, &g, &keys(&["b"]), 99).unwrap();
        let commits = read_commit(&id, &g).unwrap().unwrap();
        assert_eq!(
            (commits.of(&a), commits.of(&b), commits.of(&c)),
            (Some(1234), Some(99), None)
        );
        // a v1 file: one offset for every stream, kept for those a commit does not name
        fs::write(commit_path(&id, &g), format!("{MAGIC_V1}\noffset 500\n")).unwrap();
        assert_eq!(read_commit(&id, &g).unwrap().unwrap().of(&c), Some(500));
        write_commit(&id, &g, &keys(&["a"]), 700).unwrap();
        let commits = read_commit(&id, &g).unwrap().unwrap();
        assert_eq!(
            (commits.of(&a), commits.of(&b), commits.of(&c)),
            (Some(700), Some(500), Some(500))
        );
        for bad in [
            "garbage",
            "sea-streamer-file commit v2\nstream a x\n",
            "sea-streamer-file commit v2\nstream a\n",
            "sea-streamer-file commit v2\nall\n",
        ] {
            fs::write(commit_path(&id, &g), bad).unwrap();
            assert!(
                matches!(read_commit(&id, &g), Err(FileErr::InvalidCommit(_))),
                "{bad:?}"
            );
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
