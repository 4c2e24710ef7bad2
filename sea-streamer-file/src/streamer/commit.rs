//! Durable commit positions of resumable consumer groups.
//!
//! A group's position is a byte offset just after the last processed frame, stored in a sidecar
//! file `<file>.<group>.commit` next to the `.ss` file. It is written to a temporary name, fsynced
//! and renamed over the old one, so a crash leaves either the old or the new position, never a torn one.

use crate::error::FileErr;
use crate::file_id::FileId;
use sea_streamer_types::ConsumerGroup;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &str = "sea-streamer-file commit v1";

/// Path of the sidecar file of `group` for `file_id`.
pub(crate) fn commit_path(file_id: &FileId, group: &ConsumerGroup) -> PathBuf {
    PathBuf::from(format!("{}.{}.commit", file_id.path(), group.name()))
}

/// Read a committed offset; `Ok(None)` if nothing was committed yet.
pub(crate) fn read_commit(file_id: &FileId, group: &ConsumerGroup) -> Result<Option<u64>, FileErr> {
    let path = commit_path(file_id, group);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(FileErr::InvalidCommit(format!(
            "{}: bad magic",
            path.display()
        )));
    }
    let offset = lines
        .next()
        .and_then(|l| l.strip_prefix("offset "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| FileErr::InvalidCommit(format!("{}: no offset", path.display())))?;
    Ok(Some(offset))
}

/// Durably replace the committed offset.
pub(crate) fn write_commit(
    file_id: &FileId,
    group: &ConsumerGroup,
    offset: u64,
) -> Result<(), FileErr> {
    let path = commit_path(file_id, group);
    let tmp = PathBuf::from(format!("{}.tmp-{}", path.display(), std::process::id()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(format!("{MAGIC}\noffset {offset}\n").as_bytes())?;
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

    #[test]
    fn roundtrip() {
        let dir = std::env::temp_dir().join(format!("ss-commit-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let id = FileId::new(dir.join("a.ss").to_str().unwrap());
        let g = ConsumerGroup::new("g1");
        assert_eq!(read_commit(&id, &g).unwrap(), None);
        write_commit(&id, &g, 1234).unwrap();
        assert_eq!(read_commit(&id, &g).unwrap(), Some(1234));
        write_commit(&id, &g, 99).unwrap();
        assert_eq!(read_commit(&id, &g).unwrap(), Some(99));
        fs::write(commit_path(&id, &g), "garbage").unwrap();
        assert!(matches!(
            read_commit(&id, &g),
            Err(FileErr::InvalidCommit(_))
        ));
        fs::remove_dir_all(&dir).unwrap();
    }
}
