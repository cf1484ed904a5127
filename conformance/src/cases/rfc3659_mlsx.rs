//! RFC 3659 §7, MLST and MLSD: the entry grammar (`facts SP pathname`) on the control connection and
//! over the data connection, the type of files, directories, cdir and pdir, the facts FEAT marks with
//! `*`, OPTS MLST choosing facts, MLSD of a file refused, and `modify` agreeing with MDTM.

use ftp_proto::{Command, PathArg};

use crate::case::{Case, Outcome, Step};
use crate::conn::{printable, show, Control};
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps;

use super::rfc3659_mdtm_rest::recent_time_val;
use super::shared::{parse_entry, put_image, split, starred_facts, Entry};

pub const CASES: &[Case] = &[
    crate::case!("rfc3659/7.2/mlst-grammar", Must, "MLST of a file: `250-`, then lines `SP facts SP pathname`, closed by `250`", "RFC 3659 §7.2: \"control-response = \\\"250-\\\" [ response-message ] CRLF 1*( SP entry CRLF ) \\\"250\\\" [ SP response-message ] CRLF\"; \"entry = [ facts ] SP pathname\", \"facts = 1*( fact \\\";\\\" )\", \"fact = factname \\\"=\\\" value\"", mlst_grammar),
    crate::case!("rfc3659/7.5/mlst-file-facts", Must, "MLST of a file: type=file, size= its byte count, modify= a UTC time-val (each where given)", "RFC 3659 §7.5.1: \"file -- a file entry\"; §7.5.5 size: \"The size fact applies to non-directory file types and should always reflect the approximate size of the file\"; §7.5.3 modify: \"modify-fact = \\\"Modify\\\" \\\"=\\\" time-val\"", mlst_file_facts),
    crate::case!("rfc3659/7.5/mlst-directory", Must, "MLST of a directory: type=dir (or cdir)", "RFC 3659 §7.5.1: \"dir -- a directory or sub-directory\", \"cdir -- the listed directory\"", mlst_directory),
    crate::case!("rfc3659/7.2/mlst-missing-550", Must, "MLST of a missing path: 550", "RFC 3659 §7.2.1: the error replies of RFC 959 §4.2 apply to MLST and MLSD; a pathname that does not exist is \"550 Requested action not taken. File unavailable (e.g., file not found, no access)\" (450 legal, non-strict)", mlst_missing),
    crate::case!("rfc3659/7.2/mlsd-grammar", Must, "MLSD: over the data connection, every line `facts SP name` CRLF", "RFC 3659 §7.2: \"data-response = *( entry CRLF )\"; \"entry = [ facts ] SP pathname\"; MLSD's listing is sent over the data connection", mlsd_grammar),
    crate::case!("rfc3659/7.5/mlsd-types", Must, "MLSD of a directory: the file has type=file, the subdirectory type=dir; `.` and `..` only as cdir/pdir", "RFC 3659 §7.5.1: \"cdir -- the listed directory\", \"pdir -- a parent directory\", \"dir -- a directory or sub-directory\"", mlsd_types),
    crate::case!("rfc3659/7.8/mlsd-starred-facts", Must, "the standard facts FEAT marks with `*` (type, size, modify, perm, unique) appear for a file", "RFC 3659 §7.8: FEAT marks with a trailing \"*\" the facts the server currently lists; §7.9.1: \"the list of facts returned will be the same as those marked by a trailing asterisk (\"*\") in a subsequent FEAT command response\"", mlsd_starred),
    crate::case!("rfc3659/7.2/mlsd-file-501", Must, "MLSD of a file: 501, no listing (550 legal, non-strict)", "RFC 3659 §7.1-7.2: MLSD lists the contents of a directory (MLST is for a single object); an argument that is not a directory is a parameter error, 501 (550 and 504 legal, non-strict); a listing must not start", mlsd_file),
    crate::case!("rfc3659/7.9/opts-mlst-selects", Must, "OPTS MLST type;size;: `200 MLST OPTS type;size;`, then MLST gives only those facts", "RFC 3659 §7.9.1: \"mlst-opt-resp = \\\"MLST OPTS\\\" [ SP 1*( factname \\\";\\\" ) ]\"; \"The facts named in the response are those that the server will now include in MLST (and MLSD) response, after the processing of the \"OPTS MLST\" command.\"", opts_mlst),
    crate::case!("rfc3659/7.5/modify-matches-mdtm", Must, "the modify fact of MLST equals MDTM's time-val for the same file (seconds)", "RFC 3659 §7.5.3: the modify fact is the last modification time of the object, a time-val in UTC, as MDTM gives it (§3)", modify_matches_mdtm),
];

/// MLST `path`: the reply's raw lines judged against the grammar; the entries.
async fn mlst(cx: &Ctx, control: &mut Control, path: &str) -> Step<Vec<Entry>> {
    control
        .send(&Command::Mlst(Some(PathArg::from(path))))
        .await?;
    let (reply, lines) = control.reply_with_lines().await?;
    cx.check_reply("MLST", &reply, &[250], &[])?;
    let middle = lines
        .get(1..lines.len().saturating_sub(1))
        .unwrap_or_default();
    if lines.len() < 3 {
        return Err(Outcome::fail(&["MLST: 250-, SP entry, 250"], show(&reply)));
    }
    middle
        .iter()
        .map(|line| {
            let text =
                String::from_utf8_lossy(line.strip_suffix(b"\r\n").unwrap_or(line)).into_owned();
            text.strip_prefix(' ').and_then(parse_entry).ok_or_else(|| {
                Outcome::fail(
                    &["MLST entry line: SP facts SP pathname"],
                    format!("{:?}", printable(line)),
                )
            })
        })
        .collect()
}

/// An upload of 10 bytes and its MLST entry.
async fn file_entry(cx: &Ctx, control: &mut Control, name: &str) -> Step<(String, Entry)> {
    let path = cx.scratch_path(name)?;
    put_image(cx, control, &path, b"0123456789").await?;
    let entries = mlst(cx, control, &path).await?;
    match entries.into_iter().next() {
        Some(entry) => Ok((path, entry)),
        None => Err(Outcome::fail(&["MLST: one entry"], "none")),
    }
}

async fn mlst_grammar(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let (path, entry) = file_entry(&cx, &mut control, "mlst.txt").await?;
    if !entry.name.ends_with(&split(&path).1) {
        return Err(Outcome::fail(
            &[&format!("an MLST entry for {path}")],
            entry.name,
        ));
    }
    Ok(Outcome::Pass)
}

async fn mlst_file_facts(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let (_, entry) = file_entry(&cx, &mut control, "facts.txt").await?;
    if !entry
        .fact("type")
        .is_some_and(|t| t.eq_ignore_ascii_case("file"))
    {
        return Err(Outcome::fail(&["type=file"], format!("{:?}", entry.facts)));
    }
    if entry.fact("size").is_some_and(|size| size != "10") {
        return Err(Outcome::fail(&["size=10"], format!("{:?}", entry.facts)));
    }
    if let Some(modify) = entry.fact("modify") {
        recent_time_val("modify", modify)?;
    }
    Ok(Outcome::Pass)
}

async fn mlst_directory(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("mlst-dir")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    let entries = mlst(&cx, &mut control, &dir).await?;
    let typed = entries
        .first()
        .and_then(|e| e.fact("type"))
        .map(str::to_ascii_lowercase);
    if !matches!(typed.as_deref(), Some("dir" | "cdir")) {
        return Err(Outcome::fail(
            &["type=dir (or cdir)"],
            format!("{entries:?}"),
        ));
    }
    Ok(Outcome::Pass)
}

async fn mlst_missing(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("no-such-entry")?;
    let reply = control
        .cmd(&Command::Mlst(Some(PathArg::from(&path))))
        .await?;
    cx.check_reply("MLST of a missing path", &reply, &[550], &[450])?;
    Ok(Outcome::Pass)
}

/// A directory holding `file.txt` (10 bytes) and `sub/`, and the MLSD lines of it.
async fn listed_dir(cx: &Ctx, control: &mut Control) -> Step<Vec<String>> {
    let dir = cx.scratch_path("mlsd")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    let reply = control
        .cmd(&Command::Mkd(PathArg::from(&format!("{dir}/sub"))))
        .await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    put_image(cx, control, &format!("{dir}/file.txt"), b"0123456789").await?;
    let bytes = steps::fetch(
        control,
        &Command::Mlsd(Some(PathArg::from(&dir))),
        Mode::Passive,
    )
    .await?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if !text.is_empty() && !text.ends_with("\r\n") || text.replace("\r\n", "").contains('\n') {
        return Err(Outcome::fail(
            &["MLSD lines ending in CRLF"],
            format!("{:?}", printable(&bytes)),
        ));
    }
    Ok(text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

fn entries(lines: &[String]) -> Step<Vec<Entry>> {
    lines
        .iter()
        .map(|line| {
            parse_entry(line)
                .ok_or_else(|| Outcome::fail(&["MLSD line: facts SP name"], format!("{line:?}")))
        })
        .collect()
}

async fn mlsd_grammar(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let lines = listed_dir(&cx, &mut control).await?;
    let parsed = entries(&lines)?;
    if !parsed.iter().any(|e| e.name == "file.txt") {
        return Err(Outcome::fail(
            &["an MLSD entry `... file.txt`"],
            format!("{lines:?}"),
        ));
    }
    Ok(Outcome::Pass)
}

async fn mlsd_types(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let parsed = entries(&listed_dir(&cx, &mut control).await?)?;
    let kind = |e: &Entry| e.fact("type").unwrap_or_default().to_ascii_lowercase();
    for entry in &parsed {
        let wanted = match entry.name.as_str() {
            "file.txt" => "file",
            "sub" => "dir",
            "." | ".." if matches!(kind(entry).as_str(), "cdir" | "pdir") => continue,
            "." | ".." => "cdir or pdir",
            _ => continue,
        };
        if kind(entry) != wanted {
            return Err(Outcome::fail(
                &[&format!("{}: type={wanted}", entry.name)],
                format!("{:?}", entry.facts),
            ));
        }
    }
    if !parsed.iter().any(|e| e.name == "sub") || !parsed.iter().any(|e| e.name == "file.txt") {
        return Err(Outcome::fail(
            &["entries for file.txt and sub"],
            format!("{parsed:?}"),
        ));
    }
    Ok(Outcome::Pass)
}

async fn mlsd_starred(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let standard = ["type", "size", "modify", "perm", "unique"];
    let starred: Vec<String> = starred_facts(&cx)
        .into_iter()
        .filter(|fact| standard.contains(&fact.as_str()))
        .collect();
    let mut control = cx.login("c1").await?;
    let parsed = entries(&listed_dir(&cx, &mut control).await?)?;
    let Some(file) = parsed.iter().find(|e| e.name == "file.txt") else {
        return Err(Outcome::fail(
            &["an MLSD entry for file.txt"],
            format!("{parsed:?}"),
        ));
    };
    let missing: Vec<&String> = starred
        .iter()
        .filter(|fact| file.fact(fact).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(Outcome::fail(
            &[&format!("the starred facts {starred:?}")],
            format!("missing {missing:?} in {:?}", file.facts),
        ));
    }
    Ok(Outcome::Pass)
}

async fn mlsd_file(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("not-a-dir.txt")?;
    put_image(&cx, &mut control, &path, b"file").await?;
    let command = Command::Mlsd(Some(PathArg::from(&path)));
    match steps::begin(&mut control, Mode::Passive, &command, false).await? {
        Ok((_, first)) => Err(Outcome::fail(
            &["MLSD of a file: 501"],
            format!("{} (a listing started)", show(&first)),
        )),
        Err(reply) => {
            cx.check_reply("MLSD of a file", &reply, &[501], &[550, 504])?;
            Ok(Outcome::Pass)
        }
    }
}

async fn opts_mlst(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let reply = control
        .cmd(&Command::Opts("MLST type;size;".into()))
        .await?;
    cx.check_reply("OPTS MLST type;size;", &reply, &[200], &[])?;
    let text = reply.text().trim().to_string();
    let Some(chosen) = text.strip_prefix("MLST OPTS").or_else(|| {
        text.to_ascii_uppercase()
            .starts_with("MLST OPTS")
            .then(|| &text[9..])
    }) else {
        return Err(Outcome::fail(&["200 MLST OPTS type;size;"], show(&reply)));
    };
    let chosen: Vec<String> = chosen
        .trim()
        .split(';')
        .filter(|f| !f.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if chosen.iter().any(|f| f != "type" && f != "size") {
        return Err(Outcome::fail(
            &["MLST OPTS naming only type and size"],
            show(&reply),
        ));
    }
    let (_, entry) = file_entry(&cx, &mut control, "chosen.txt").await?;
    let given: Vec<&String> = entry.facts.iter().map(|(name, _)| name).collect();
    if given.iter().any(|f| !chosen.contains(f)) || chosen.iter().any(|f| !given.contains(&f)) {
        return Err(Outcome::fail(
            &[&format!("MLST facts exactly {chosen:?}")],
            format!("{:?}", entry.facts),
        ));
    }
    Ok(Outcome::Pass)
}

async fn modify_matches_mdtm(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    cx.require_feature("MDTM")?;
    let mut control = cx.login("c1").await?;
    let (path, entry) = file_entry(&cx, &mut control, "modified.txt").await?;
    let Some(modify) = entry.fact("modify").map(str::to_string) else {
        return Err(Outcome::skip("MLST gives no modify fact"));
    };
    let reply = control.cmd(&Command::Mdtm(PathArg::from(&path))).await?;
    cx.check_reply("MDTM", &reply, &[213], &[])?;
    let seconds = |value: &str| value.split('.').next().unwrap_or_default().to_string();
    if seconds(&modify) != seconds(reply.text().trim()) {
        return Err(Outcome::fail(
            &[&format!("MDTM: 213 {modify}")],
            format!("{} (MLST modify={modify})", show(&reply)),
        ));
    }
    Ok(Outcome::Pass)
}
