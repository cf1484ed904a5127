//! Place for the client's LIST/MLSD parser target, which is being written on another branch
//! (`client-mirror`). To add it at merge: a module here with `check(bytes)` (parse every line of a
//! listing; no panic; each entry's name is a substring of its line; at most one entry per line) and
//! `inputs()` (Unix `ls -l` lines, DOS lines, MLSD facts with odd `;`/`=` placement), a `Listing`
//! variant in [`super::Target`], and `fuzz/corpus/listing/` with a few real listings.
