//! MLSD, MLST and `OPTS MLST` (RFC 3659 §7): listings for machines. The facts and their format are
//! `data::facts`'s; here is which object is described, and over which connection.
//!
//! - MLSD lists a directory over a data connection, streamed in batches like LIST: first the directory
//!   itself as `.` (`type=cdir`) and, below the root, its parent as `..` (`type=pdir`), then every entry,
//!   dotfiles included. A path that is not a directory gets 501 (§7: "MLSD ... lists the contents of a
//!   directory if a directory is named, otherwise a 501 reply is returned").
//! - MLST describes one object on the control connection, as a multi-line 250 whose middle line is one
//!   space, the facts, one space and the object's absolute path (§7.2 `control-response`). Without an
//!   argument it describes the current directory (`type=cdir`).
//! - `OPTS MLST fact;fact;` selects the facts both show for the rest of the session (§7.9).

use std::io;

use ftp_proto::{PathArg, Reply, ReplyCode, ReplyLine};

use super::transfers::ListingStyle;
use super::{Answer, Flow, Session};
use crate::accounts::Right;
use crate::data::facts::{FactSet, Facts, Role};
use crate::data::transfer::DataLink;
use crate::jail::VirtualPath;
use crate::storage::{Entry, Listing, StorageFuture};

impl Session {
    pub(super) async fn mlsd(&mut self, argument: &Option<PathArg>) -> io::Result<Flow> {
        // A listing is a transfer command: it uses up a REST offset (RFC 3659 §5.3), as LIST does.
        self.restart_offset = 0;
        let path = self.target(argument);
        let (listing, link) = match self.prepare_mlsd(&path).await {
            Ok(prepared) => prepared,
            Err(refusal) => return self.send(refusal).await,
        };
        let style = ListingStyle::Machine(self.facts());
        // Every entry, dotfiles included: MLSD is for machines, which have no use for hiding.
        self.start_listing(
            "Opening data connection for MLSD.",
            &path,
            listing,
            link,
            style,
            true,
        )
        .await
    }

    /// What MLSD checks before its 150: a directory, opened, with the entries for itself and its parent
    /// to go first, and the data connection's plan.
    async fn prepare_mlsd(
        &mut self,
        path: &VirtualPath,
    ) -> Result<(Box<dyn Listing>, DataLink), Reply> {
        self.require(Right::Read)?;
        let storage = &self.storage;
        let stat = storage.metadata(path).await?;
        if !stat.is_dir() {
            return Err(Reply::new(
                ReplyCode::ParameterSyntaxError,
                "Not a directory; MLST describes a file.",
            ));
        }
        let mut first = vec![Entry {
            name: b".".to_vec(),
            stat,
        }];
        if !path.is_root() {
            first.push(Entry {
                name: b"..".to_vec(),
                stat: storage.metadata(&path.parent()).await?,
            });
        }
        let rest = storage.open_listing(path).await?;
        let link = self.take_data_link()?;
        Ok((
            Box::new(Preceded {
                first: Some(first),
                rest,
            }),
            link,
        ))
    }

    /// MLST: one 250 reply in RFC 3659 §7.2's form, whose entry line carries no `250-` prefix.
    pub(super) async fn mlst(&mut self, argument: &Option<PathArg>) -> io::Result<Flow> {
        match self.describe(argument).await {
            Ok(reply) | Err(reply) => self.send_bare(reply).await,
        }
    }

    async fn describe(&self, argument: &Option<PathArg>) -> Answer {
        self.require(Right::Read)?;
        let path = self.target(argument);
        let stat = self.storage.metadata(&path).await?;
        let role = match argument {
            None => Role::Listed,
            Some(_) => Role::Member,
        };
        let mut entry = b" ".to_vec();
        self.facts().append(&stat, role, &mut entry);
        entry.push(b' ');
        entry.extend_from_slice(&path.to_bytes());
        let opening = [&b"Listing "[..], &path.to_bytes()].concat();
        Ok(Reply {
            code: ReplyCode::FileActionOk.into(),
            lines: vec![
                ReplyLine::from(opening),
                ReplyLine::from(entry),
                ReplyLine::from("End"),
            ],
        })
    }

    /// `OPTS MLST [fact;...]`: RFC 3659 §7.9's reply is `200 MLST OPTS` and the facts now selected.
    pub(super) fn opts_mlst(&mut self, list: &str) -> Reply {
        self.selected_facts = FactSet::from_opts(list);
        let selected = self.selected_facts.selected();
        let text = if selected.is_empty() {
            "MLST OPTS".to_string()
        } else {
            format!("MLST OPTS {selected}")
        };
        Reply::new(ReplyCode::CommandOk, text)
    }

    /// How this session's MLSx entries look: its selection, and the rights `perm` reports.
    fn facts(&self) -> Facts {
        Facts {
            selected: self.selected_facts,
            rights: self.rights(),
        }
    }

    fn target(&self, argument: &Option<PathArg>) -> VirtualPath {
        argument
            .as_ref()
            .map_or_else(|| self.cwd.clone(), |path| self.cwd.join(&path.0))
    }
}

/// A listing with some entries put before the storage's own.
struct Preceded {
    first: Option<Vec<Entry>>,
    rest: Box<dyn Listing>,
}

impl Listing for Preceded {
    fn next_batch(&mut self) -> StorageFuture<'_, Option<Vec<Entry>>> {
        match self.first.take() {
            Some(first) => Box::pin(async move { Ok(Some(first)) }),
            None => self.rest.next_batch(),
        }
    }
}
