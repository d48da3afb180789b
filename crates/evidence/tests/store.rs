//! The content-addressed store: layout, round trip, deduplication, integrity and path safety.

use canhgiac_evidence::{EvidenceStore, StoredEvidence, sha256_hex};
use std::io::ErrorKind;
use std::path::Path;

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(files_under(&path)) } else { files.push(path) }
    }
    files.sort();
    files
}

#[test]
fn put_then_get() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data").join("evidence");
    let store = EvidenceStore::open(&root).unwrap();
    assert!(root.is_dir(), "open creates the folder");

    let bytes = b"%PDF-1.4 a scam invoice".to_vec();
    let hex = sha256_hex(&bytes);
    let stored = store.put(&bytes).unwrap();
    assert_eq!(stored, StoredEvidence { sha256_hex: hex.clone(), size: bytes.len() as u64 });

    let path = root.join(&hex[0..2]).join(&hex[2..4]).join(&hex);
    assert_eq!(store.path_of(&hex), Some(path.clone()));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert!(store.contains(&hex));
    assert_eq!(store.get(&hex).unwrap(), Some(bytes));
    assert_eq!(files_under(&root), [path], "no temporary file left behind");

    // An empty file is content too.
    let empty = store.put(b"").unwrap();
    assert_eq!(store.get(&empty.sha256_hex).unwrap(), Some(Vec::new()));
}

#[test]
fn unknown_content_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = EvidenceStore::open(dir.path()).unwrap();
    let hex = sha256_hex(b"never stored");
    assert_eq!(store.get(&hex).unwrap(), None);
    assert!(!store.contains(&hex));
    assert!(store.path_of(&hex).is_some(), "the path it would have");
    assert!(!store.remove(&hex).unwrap());
}

#[test]
fn the_same_content_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = EvidenceStore::open(dir.path()).unwrap();
    let screenshot = b"\x89PNG the same screenshot sent by many victims".to_vec();
    let first = store.put(&screenshot).unwrap();
    let path = store.path_of(&first.sha256_hex).unwrap();
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    for _ in 0..3 {
        assert_eq!(store.put(&screenshot).unwrap(), first);
    }
    // Not rewritten: a rewrite would rename a new file (a new inode) into place.
    #[cfg(unix)]
    assert_eq!(std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap()), inode);
    assert_eq!(files_under(dir.path()).len(), 1);

    store.put(b"another file").unwrap();
    assert_eq!(files_under(dir.path()).len(), 2);
}

#[test]
fn concurrent_puts_of_the_same_content() {
    let dir = tempfile::tempdir().unwrap();
    let store = EvidenceStore::open(dir.path()).unwrap();
    let bytes = vec![7u8; 256 * 1024];
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| store.put(&bytes).unwrap());
        }
    });
    let hex = sha256_hex(&bytes);
    assert_eq!(store.get(&hex).unwrap(), Some(bytes));
    assert_eq!(files_under(dir.path()).len(), 1);
}

#[test]
fn malformed_names_never_reach_the_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("evidence");
    let store = EvidenceStore::open(&root).unwrap();
    // A file outside the store that a traversal would reach.
    std::fs::write(dir.path().join("secret"), b"reporter's identity").unwrap();
    let good = sha256_hex(b"x");
    for name in [
        "".to_string(),
        "../secret".to_string(),
        "../../../../etc/passwd".to_string(),
        format!("../{}", &good[3..]),
        format!("{}/../../secret", &good[..52]),
        good.to_uppercase(),
        good[..63].to_string(),
        format!("{good}0"),
        format!("{}g", &good[..63]),
        format!("/{}", &good[1..]),
        format!("{}\0", &good[..63]),
    ] {
        assert_eq!(store.path_of(&name), None, "{name:?}");
        assert!(!store.contains(&name), "{name:?}");
        assert_eq!(store.get(&name).unwrap_err().kind(), ErrorKind::InvalidInput, "{name:?}");
        assert_eq!(store.remove(&name).unwrap_err().kind(), ErrorKind::InvalidInput, "{name:?}");
    }
}

#[test]
fn damaged_files_are_reported_and_repaired_by_a_new_put() {
    let dir = tempfile::tempdir().unwrap();
    let store = EvidenceStore::open(dir.path()).unwrap();
    let bytes = b"a call recording".to_vec();
    let stored = store.put(&bytes).unwrap();
    let path = store.path_of(&stored.sha256_hex).unwrap();

    // Same size, other content: found on reading.
    std::fs::write(&path, b"A call recording").unwrap();
    assert_eq!(store.get(&stored.sha256_hex).unwrap_err().kind(), ErrorKind::InvalidData);

    // Cut short: a new put of the content writes it again.
    std::fs::write(&path, b"a call").unwrap();
    assert_eq!(store.put(&bytes).unwrap(), stored);
    assert_eq!(store.get(&stored.sha256_hex).unwrap(), Some(bytes));
}

#[test]
fn remove_deletes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = EvidenceStore::open(dir.path()).unwrap();
    let stored = store.put(b"to be deleted after the retention period").unwrap();
    assert!(store.remove(&stored.sha256_hex).unwrap());
    assert!(!store.contains(&stored.sha256_hex));
    assert_eq!(store.get(&stored.sha256_hex).unwrap(), None);
    assert!(!store.remove(&stored.sha256_hex).unwrap());
}

#[cfg(unix)]
#[test]
fn files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("evidence");
    let store = EvidenceStore::open(&root).unwrap();
    let stored = store.put(b"a photo of an ID card").unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let path = store.path_of(&stored.sha256_hex).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(mode(&root), 0o700);
}

#[test]
fn reopening_finds_what_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let stored = EvidenceStore::open(dir.path()).unwrap().put(b"kept across restarts").unwrap();
    let store = EvidenceStore::open(dir.path()).unwrap();
    assert_eq!(store.get(&stored.sha256_hex).unwrap().as_deref(), Some(&b"kept across restarts"[..]));
}
