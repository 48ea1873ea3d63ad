//! Input collection shared by the image subcommands: files, directories
//! (recursive, image extensions, sorted) and `-` for stdin bytes.

use std::path::{Path, PathBuf};

/// File extensions treated as images when walking directories.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "tif", "tiff", "webp", "bmp", "gif", "pnm", "pgm", "ppm"];

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
                    .take(max_bytes + 1)
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

fn walk(dir: &Path, out: &mut Vec<Input>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_image(&p) {
            out.push(Input::File(p));
        }
    }
    Ok(())
}

/// Expands the command-line arguments: directories are walked recursively
/// for image files (sorted), `-` is stdin, anything else is taken as a file
/// (so that a missing or unreadable file gets its own error line).
pub fn collect(args: &[PathBuf]) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    for a in args {
        if a.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if a.is_dir() {
            walk(a, &mut out).map_err(|e| format!("cannot list {}: {e}", a.display()))?;
        } else {
            out.push(Input::File(a.clone()));
        }
    }
    Ok(out)
}
