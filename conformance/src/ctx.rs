//! [`Ctx`], what one case gets: the target, the case's own transcript and name tag, helpers that open
//! its connections and skip it when the target cannot serve it, and [`Ctx::check_reply`], which judges a
//! reply and remembers the first weaker alternative it accepted (a pass then becomes non-strict).

use std::sync::{Arc, Mutex};

use ftp_proto::{Command, Reply, TransferType};

use crate::case::{Outcome, Step};
use crate::conn::{show, Control, Transcript};
use crate::steps;
use crate::target::Target;

/// A weaker alternative that was accepted: what was expected, what came.
type Weaker = (Vec<String>, String);

/// What one case gets: the target, its own transcript, and a record of weaker alternatives seen.
#[derive(Clone)]
pub struct Ctx {
    pub target: Arc<Target>,
    pub transcript: Transcript,
    /// A short unique tag for the names this case creates.
    pub tag: String,
    weaker: Arc<Mutex<Option<Weaker>>>,
}

impl Ctx {
    pub fn new(target: Arc<Target>) -> Ctx {
        Ctx {
            tag: target.next_tag(),
            target,
            transcript: Transcript::default(),
            weaker: Arc::default(),
        }
    }

    /// A logged-in control connection.
    pub async fn login(&self, label: &str) -> Step<Control> {
        self.target.session(label, self.transcript.clone()).await
    }

    /// A connection that has read the greeting, not logged in.
    pub async fn connect(&self, label: &str) -> Step<(Control, Reply)> {
        self.target
            .connect(label, self.transcript.clone(), None)
            .await
    }

    /// A name in the scratch directory for this case; skips the case on a read-only target, fails it
    /// when MKD gave neither 257 nor a refusal.
    pub fn scratch_path(&self, name: &str) -> Step<String> {
        match &self.target.scratch {
            Ok(dir) => Ok(format!("{dir}/{}-{name}", self.tag)),
            Err(_) => Err(self.target.scratch_outcome()),
        }
    }

    /// Skips the case unless FEAT advertised `feature`.
    pub fn require_feature(&self, feature: &str) -> Step<()> {
        if self.target.has_feature(feature) {
            Ok(())
        } else {
            Err(Outcome::skip(format!("{feature} not advertised in FEAT")))
        }
    }

    /// A file to read and, when the suite wrote it, its contents: uploaded on a writable target, else `--retr-file`.
    pub async fn readable_file(&self, control: &mut Control) -> Step<(String, Option<Vec<u8>>)> {
        if self.target.scratch.is_ok() {
            let path = self.scratch_path("readable.txt")?;
            let contents = b"ftp-conformance test file\r\n".to_vec();
            // In TYPE A a server may rewrite line ends; the file must arrive as sent.
            let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
            steps::require("TYPE I", &reply, &[200])?;
            steps::upload(control, &path, &contents, crate::data::Mode::Passive).await?;
            return Ok((path, Some(contents)));
        }
        match (&self.target.scratch, &self.target.retr_file) {
            (Err(crate::target::NoScratch::Broken(_)), _) => Err(self.target.scratch_outcome()),
            (_, Some(path)) => Ok((path.clone(), None)),
            (_, None) => Err(Outcome::skip("read-only target and no --retr-file given")),
        }
    }

    /// A file of [`BIG_FILE`](crate::target::BIG_FILE) bytes or more, for transfers that must stall:
    /// uploaded once per run, or `--retr-file` on a read-only target.
    pub async fn big_file(&self) -> Step<crate::target::BigFile> {
        self.target.big_file().await.clone()
    }

    /// Accepts `reply` when its code is in `accepted`; a code in `weaker` is accepted but makes the
    /// verdict non-strict; anything else fails the case.
    pub fn check_reply(
        &self,
        what: &str,
        reply: &Reply,
        accepted: &[u16],
        weaker: &[u16],
    ) -> Step<()> {
        if weaker.contains(&reply.code) && !accepted.contains(&reply.code) {
            self.weaker(
                steps::expected(what, accepted),
                format!("{what}: {}", show(reply)),
            );
            return Ok(());
        }
        steps::require(what, reply, accepted)
    }

    /// Records that a weaker alternative was accepted; the first one is reported.
    pub fn weaker(&self, expected: Vec<String>, actual: String) {
        if let Ok(mut slot) = self.weaker.lock() {
            slot.get_or_insert((expected, actual));
        }
    }

    /// A pass becomes non-strict when a weaker alternative was accepted on the way.
    pub fn finish(&self, outcome: Outcome) -> Outcome {
        let weaker = self.weaker.lock().ok().and_then(|slot| slot.clone());
        match (outcome, weaker) {
            (Outcome::Pass, Some((expected, actual))) => Outcome::NonStrict { expected, actual },
            (outcome, _) => outcome,
        }
    }
}
