//! Small steps the RFC 959 §5.4, RFC 2389, RFC 3659 and RFC 2640 case files share: judging a reply
//! against its §5.4 row, splitting a scratch path, uploading and reading back in TYPE I, and the
//! facts of an MLST/MLSD entry (RFC 3659 §7.2: `facts SP pathname`).

use ftp_proto::{Command, Reply, TransferType};

use crate::case::{Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps;
use crate::table;

/// Judges `reply` to `verb`: a code in `best` passes, another code in the verb's RFC 959 §5.4 row (plus
/// `also`, codes another rule of RFC 959 allows) is a legal but weaker answer (non-strict), anything
/// else fails with the row as Expected.
pub fn judge_row(cx: &Ctx, verb: &str, reply: &Reply, best: &[u16], also: &[u16]) -> Step<()> {
    if best.contains(&reply.code) {
        return Ok(());
    }
    let mut row = table::allowed(verb).unwrap_or_default();
    row.extend_from_slice(also);
    let expected = steps::expected(verb, best);
    if row.contains(&reply.code) {
        cx.weaker(expected, format!("{verb}: {}", show(reply)));
        return Ok(());
    }
    let mut expected = expected;
    expected.push(format!("{verb}: another code of its §5.4 row {row:?}"));
    Err(Outcome::Fail {
        expected,
        actual: format!("{verb}: {}", show(reply)),
    })
}

/// `dir/name` split at the last slash: (`dir`, `name`).
pub fn split(path: &str) -> (String, String) {
    match path.rsplit_once('/') {
        Some((dir, name)) => (dir.to_string(), name.to_string()),
        None => (".".to_string(), path.to_string()),
    }
}

/// TYPE I, then STOR `bytes` to `path`.
pub async fn put_image(cx: &Ctx, control: &mut Control, path: &str, bytes: &[u8]) -> Step<()> {
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    steps::upload(control, path, bytes, Mode::Passive).await
}

/// TYPE I, then RETR `path`.
pub async fn get_image(cx: &Ctx, control: &mut Control, path: &str) -> Step<Vec<u8>> {
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    steps::download(control, path, Mode::Passive).await
}

/// Fails unless NLST of `path`'s directory lists `path`'s name.
pub async fn require_listed(control: &mut Control, path: &str) -> Step<()> {
    let (dir, name) = split(path);
    let names = steps::names(control, &dir).await?;
    if names.contains(&name) {
        return Ok(());
    }
    Err(Outcome::fail(
        &[&format!("NLST {dir} lists {name:?}")],
        format!("NLST gave {names:?}"),
    ))
}

/// Fails unless `got` is `want`, naming the first difference.
pub fn same_bytes(what: &str, want: &[u8], got: &[u8]) -> Step<()> {
    if want == got {
        return Ok(());
    }
    let first = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    Err(Outcome::fail(
        &[&format!("{what}: the {} bytes expected", want.len())],
        format!(
            "{} bytes, first difference at offset {first}: {:?}",
            got.len(),
            crate::conn::printable(got.get(first..).unwrap_or_default())
        ),
    ))
}

/// One MLST/MLSD entry: its facts (names lower-cased) and its pathname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub facts: Vec<(String, String)>,
    pub name: String,
}

impl Entry {
    /// The value of fact `name` (case-insensitive, RFC 3659 §7.1).
    pub fn fact(&self, name: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|(fact, _)| fact.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Parses `*( fact ";" ) SP pathname` (RFC 3659 §7.2, `entry = [ facts ] SP pathname`, `fact =
/// factname "=" value`); `None` when the line does not follow the grammar.
pub fn parse_entry(line: &str) -> Option<Entry> {
    let (facts, name) = line.split_once(' ')?;
    if name.is_empty() {
        return None;
    }
    let mut parsed = Vec::new();
    if !facts.is_empty() {
        let body = facts.strip_suffix(';')?;
        for fact in body.split(';') {
            let (factname, value) = fact.split_once('=')?;
            if factname.is_empty()
                || !factname
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                return None;
            }
            parsed.push((factname.to_ascii_lowercase(), value.to_string()));
        }
    }
    Some(Entry {
        facts: parsed,
        name: name.to_string(),
    })
}

/// The facts FEAT marks with `*` on its MLST line (RFC 3659 §7.8: the facts the server now lists).
pub fn starred_facts(cx: &Ctx) -> Vec<String> {
    cx.target
        .features
        .iter()
        .find(|line| line.split_whitespace().next() == Some("MLST"))
        .and_then(|line| line.split_whitespace().nth(1))
        .map(|facts| {
            facts
                .split(';')
                .filter_map(|fact| fact.strip_suffix('*'))
                .map(|fact| fact.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_follow_the_grammar() {
        let entry = parse_entry("type=file;size=12;modify=20260101000000; a b.txt").unwrap();
        assert_eq!(entry.name, "a b.txt");
        assert_eq!(entry.fact("SIZE"), Some("12"));
        assert_eq!(parse_entry(" bare").unwrap().facts, vec![]);
        assert!(
            parse_entry("type=file;size=12 name").is_none(),
            "no closing ;"
        );
        assert!(parse_entry("type=file;").is_none(), "no pathname");
        assert!(parse_entry("typefile; x").is_none(), "no =");
        assert_eq!(split("d/e/f"), ("d/e".into(), "f".into()));
    }
}
