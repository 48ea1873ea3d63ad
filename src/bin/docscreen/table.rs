//! The human-readable table style shared by the subcommands: a header row,
//! one row per input, details indented underneath; colour only on a
//! terminal (and never with `NO_COLOR` set, see https://no-color.org).

use std::io::IsTerminal;

/// Colours used in tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    Green,
    Red,
    Yellow,
    Dim,
}

/// Whether to colour stdout: a terminal, and `NO_COLOR` unset or empty.
pub fn stdout_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `text` padded to `width` (padding outside the colour codes, so columns
/// line up whether coloured or not).
pub fn paint(text: &str, width: usize, colour: Option<Colour>, enabled: bool) -> String {
    let pad = " ".repeat(width.saturating_sub(text.chars().count()));
    match colour {
        Some(c) if enabled => {
            let code = match c {
                Colour::Green => "1;32",
                Colour::Red => "1;31",
                Colour::Yellow => "1;33",
                Colour::Dim => "2",
            };
            format!("\x1b[{code}m{text}\x1b[0m{pad}")
        }
        _ => format!("{text}{pad}"),
    }
}

/// Width of the file column: the longest name, within bounds (longer names
/// overflow rather than being cut, so they stay copyable).
pub fn file_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(4).clamp(4, 48)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_outside_colour_codes() {
        assert_eq!(paint("pass", 8, Some(Colour::Green), false), "pass    ");
        assert_eq!(paint("pass", 8, Some(Colour::Green), true), "\x1b[1;32mpass\x1b[0m    ");
        assert_eq!(paint("toolong", 3, None, true), "toolong");
    }
}
