//! The saved corpus: `fuzz/corpus/TARGET/*`, one input per file (seeds written by hand and every input
//! that once broke a target, named `crash-HASH`).

use std::io;
use std::path::{Path, PathBuf};

use crate::Target;

/// `fuzz/corpus` of this crate.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Every saved input of `target`, with its file name, in name order.
pub fn load(target: Target) -> io::Result<Vec<(String, Vec<u8>)>> {
    let dir = root().join(target.name());
    let mut inputs = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(inputs),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            inputs.push((name, std::fs::read(entry.path())?));
        }
    }
    inputs.sort();
    Ok(inputs)
}

/// Saves an input that broke `target` as `crash-HASH`; returns its path.
pub fn save_crash(target: Target, input: &[u8]) -> io::Result<PathBuf> {
    let dir = root().join(target.name());
    std::fs::create_dir_all(&dir)?;
    // FNV-1a: a stable name, so the same crash is saved once.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let path = dir.join(format!("crash-{hash:016x}"));
    std::fs::write(&path, input)?;
    Ok(path)
}
