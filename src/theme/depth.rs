//! Colour depth of the terminal (from COLORTERM and TERM) and themes
//! brought down to it: true colour to the 256-colour cube, to the 16 ANSI
//! colours, or to none (TERM=dumb).

use ratatui::style::{Color, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    TrueColor,
    Ansi256,
    Ansi16,
    None,
}

/// What the terminal says it can show.
pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Depth {
    let ct = colorterm.unwrap_or_default().to_ascii_lowercase();
    let term = term.unwrap_or_default().to_ascii_lowercase();
    if term == "dumb" {
        return Depth::None;
    }
    if ct == "truecolor" || ct == "24bit" {
        return Depth::TrueColor;
    }
    if term.contains("256color") || term.contains("direct") {
        return Depth::Ansi256;
    }
    // linux console, screen, xterm, vt100, unknown: assume the 16 colours.
    Depth::Ansi16
}

pub fn from_env() -> Depth {
    detect(
        std::env::var("COLORTERM").ok().as_deref(),
        std::env::var("TERM").ok().as_deref(),
    )
}

/// A colour the terminal can show that is nearest to `c`.
pub fn degrade(c: Color, depth: Depth) -> Option<Color> {
    match (depth, c) {
        (Depth::None, _) => None,
        (Depth::TrueColor, c) => Some(c),
        (Depth::Ansi256, Color::Rgb(r, g, b)) => Some(Color::Indexed(to_256(r, g, b))),
        (Depth::Ansi256, c) => Some(c),
        (Depth::Ansi16, Color::Rgb(r, g, b)) => Some(to_16(r, g, b)),
        (Depth::Ansi16, Color::Indexed(i)) => {
            let (r, g, b) = rgb_of_256(i);
            Some(to_16(r, g, b))
        }
        (Depth::Ansi16, c) => Some(c),
    }
}

pub fn degrade_style(s: Style, depth: Depth) -> Style {
    let mut out = s;
    out.fg = s.fg.and_then(|c| degrade(c, depth));
    out.bg = s.bg.and_then(|c| degrade(c, depth));
    out
}

fn to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            ((u16::from(v) - 35) / 40) as u8
        }
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    // Greys are closer on the grey ramp when the channels agree.
    let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let spread = r.max(g).max(b) - r.min(g).min(b);
    if spread < 16 && (8..=238).contains(&avg) {
        232 + ((avg - 8) / 10).min(23) as u8
    } else {
        cube
    }
}

fn rgb_of_256(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let n = i - 16;
            let v = |x: u8| if x == 0 { 0 } else { 55 + 40 * x };
            (v(n / 36), v((n / 6) % 6), v(n % 6))
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn to_16(r: u8, g: u8, b: u8) -> Color {
    let d = |(x, y, z): (u8, u8, u8)| {
        let (dr, dg, db) = (
            i32::from(r) - i32::from(x),
            i32::from(g) - i32::from(y),
            i32::from(b) - i32::from(z),
        );
        dr * dr + dg * dg + db * db
    };
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| d(*rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_follows_colorterm_and_term() {
        assert_eq!(
            detect(Some("truecolor"), Some("xterm-256color")),
            Depth::TrueColor
        );
        assert_eq!(detect(None, Some("tmux-256color")), Depth::Ansi256);
        assert_eq!(detect(None, Some("screen")), Depth::Ansi16);
        assert_eq!(detect(None, Some("linux")), Depth::Ansi16);
        assert_eq!(detect(None, Some("xterm")), Depth::Ansi16);
        assert_eq!(detect(Some("truecolor"), Some("dumb")), Depth::None);
    }

    #[test]
    fn colours_come_down_to_the_nearest() {
        assert_eq!(
            degrade(Color::Rgb(0xcf, 0x22, 0x2e), Depth::Ansi16),
            Some(Color::Red)
        );
        assert_eq!(
            degrade(Color::Rgb(0x2a, 0x35, 0x45), Depth::Ansi16),
            Some(Color::Black)
        );
        assert_eq!(
            degrade(Color::Rgb(255, 255, 255), Depth::Ansi256),
            Some(Color::Indexed(231))
        );
        assert_eq!(
            degrade(Color::Rgb(128, 128, 128), Depth::Ansi256),
            Some(Color::Indexed(244))
        );
        assert_eq!(
            degrade(Color::Indexed(196), Depth::Ansi16),
            Some(Color::LightRed)
        );
        assert_eq!(degrade(Color::Green, Depth::None), None);
    }
}
