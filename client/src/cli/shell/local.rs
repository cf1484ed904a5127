//! The shell's commands on the local side: `lcd`, `lls`, `lpwd` and `!COMMAND`. They need no
//! connection; `lcd` changes this process's working directory, which is where `get` writes and
//! `put` reads relative names.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// `lcd [DIR]`: to DIR, or to `$HOME`. Returns the new directory.
pub fn change_directory(dir: Option<&str>) -> Result<PathBuf> {
    let target = match dir {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .ok_or_else(|| Error::Usage("lcd: no DIR given and no $HOME".into()))?,
    };
    std::env::set_current_dir(&target).map_err(|error| Error::local(&target, error))?;
    current_directory()
}

/// `lpwd`.
pub fn current_directory() -> Result<PathBuf> {
    std::env::current_dir().map_err(|error| Error::local(".", error))
}

/// `lls [PATH]`: the names in a local directory, sorted, directories marked with `/` (or PATH
/// itself when it is a file).
pub fn list(path: Option<&str>) -> Result<Vec<String>> {
    let path = Path::new(path.unwrap_or("."));
    let meta = std::fs::metadata(path).map_err(|error| Error::local(path, error))?;
    if !meta.is_dir() {
        return Ok(vec![path.display().to_string()]);
    }
    let entries = std::fs::read_dir(path).map_err(|error| Error::local(path, error))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| Error::local(path, error))?;
        let mut name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            name.push('/');
        }
        names.push(name);
    }
    names.sort();
    Ok(names)
}

/// `!COMMAND`: runs it with `sh -c` and waits; `!` alone runs `$SHELL` (or `sh`). Stdout and stderr
/// are the shell's; stdin too when `terminal` says stdin is a terminal, else the command gets none,
/// so that it cannot read the script's next lines. A command that fails is reported, not fatal to
/// a script: its exit status is the local program's business. Returns that status when not 0.
pub fn run(command: &str, terminal: bool) -> Result<Option<i32>> {
    let mut child = if command.is_empty() {
        Command::new(std::env::var_os("SHELL").unwrap_or_else(|| "sh".into()))
    } else {
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(command);
        sh
    };
    if !terminal {
        child.stdin(std::process::Stdio::null());
    }
    let status = child.status().map_err(|error| Error::local("sh", error))?;
    Ok(status.code().filter(|code| *code != 0))
}
