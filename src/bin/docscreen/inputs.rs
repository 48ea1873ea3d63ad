//! Input collection shared by the image subcommands: files, directories
//! (recursive, image extensions, sorted) and `-` for stdin bytes.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// File extensions treated as images when walking directories.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "tif", "tiff", "webp", "bmp", "gif", "pnm", "pbm", "pgm", "ppm"];

/// One input to process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    /// The name printed in reports (`-` for stdin).
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "-".into(),
        }
    }

    /// Reads the input's bytes, refusing more than `max_bytes`.
    pub fn read(&self, max_bytes: u64) -> Result<Vec<u8>, docscreen::Error> {
        match self {
            Input::File(p) => docscreen::screen::read_file_limited(p, max_bytes),
            Input::Stdin => {
                use std::io::Read;
                let mut buf = Vec::new();
                std::io::stdin()
                    .take(max_bytes.saturating_add(1))
                    .read_to_end(&mut buf)
                    .map_err(|source| docscreen::Error::Io { path: "-".into(), source })?;
                if buf.len() as u64 > max_bytes {
                    return Err(docscreen::Error::Limits(format!("stdin exceeds {max_bytes} bytes")));
                }
                Ok(buf)
            }
        }
    }
}

fn is_image(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn is_hidden(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
}

/// Walks `dir` depth-first in name order. Hidden entries are skipped (macOS
/// `._x.jpg` resource forks and `.git` would only produce errors); `seen`
/// holds the canonical directories visited so that a symlink cycle ends.
fn walk(dir: &Path, out: &mut Vec<Input>, seen: &mut HashSet<PathBuf>) -> std::io::Result<()> {
    if !seen.insert(dir.canonicalize()?) {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if is_hidden(&p) {
            continue;
        }
        if p.is_dir() {
            walk(&p, out, seen)?;
        } else if is_image(&p) {
            out.push(Input::File(p));
        }
    }
    Ok(())
}

/// Expands the command-line arguments: directories are walked recursively
/// for image files (sorted), `-` is stdin, anything else is taken as a file
/// (so that a missing or unreadable file gets its own error line). Errors are
/// usage errors: a directory that cannot be listed, `-` twice or from a
/// terminal, no image at all.
pub fn collect(args: &[PathBuf]) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for a in args {
        if a.as_os_str() == "-" {
            if out.contains(&Input::Stdin) {
                return Err("`-` (stdin) can be given only once".into());
            }
            if std::io::stdin().is_terminal() {
                return Err("`-` reads image bytes from stdin, but stdin is a terminal; pipe or redirect an image".into());
            }
            out.push(Input::Stdin);
        } else if a.is_dir() {
            let before = out.len();
            walk(a, &mut out, &mut seen).map_err(|e| format!("cannot list {}: {e}", a.display()))?;
            if out.len() == before {
                eprintln!("docscreen: warning: no image files ({}) under {}", IMAGE_EXTENSIONS.join(", "), a.display());
            }
        } else {
            out.push(Input::File(a.clone()));
        }
    }
    if out.is_empty() {
        return Err("no input images".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_recursive_images_only() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("b/sub")).unwrap();
        std::fs::create_dir_all(p.join(".hidden")).unwrap();
        for f in ["b/sub/z.PNG", "b/a.jpg", "c.tiff", "notes.txt", "._c.jpg", ".hidden/x.png", "a.webp"] {
            std::fs::write(p.join(f), b"x").unwrap();
        }
        let got: Vec<String> = collect(&[p.to_path_buf()]).unwrap().iter().map(|i| i.name()).collect();
        let rel: Vec<String> = got.iter().map(|n| n.strip_prefix(&format!("{}/", p.display())).unwrap().to_string()).collect();
        assert_eq!(rel, ["a.webp", "b/a.jpg", "b/sub/z.PNG", "c.tiff"]);
    }

    #[test]
    fn files_are_kept_as_given_and_empty_is_an_error() {
        let got = collect(&[PathBuf::from("missing.jpg")]).unwrap();
        assert_eq!(got, [Input::File("missing.jpg".into())]);
        let d = tempfile::tempdir().unwrap();
        assert!(collect(&[d.path().to_path_buf()]).is_err());
    }
}

/// Why an input could not be processed: the message, and its kind for
/// programs (`limits`, `image`, `io`, `invalid_argument`, … as
/// [`docscreen::Error::kind`]; `output` for an annotation that could not be
/// written, `internal` for a bug).
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    pub kind: &'static str,
}

impl Failure {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Failure {
        Failure { message: message.into(), kind }
    }
}

impl From<docscreen::Error> for Failure {
    fn from(e: docscreen::Error) -> Failure {
        Failure { message: e.to_string(), kind: e.kind() }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
