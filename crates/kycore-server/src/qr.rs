//! QR codes as inline SVG, for the portal and the console: a link to open on a phone or an
//! authenticator app's set-up, drawn by the page itself (no image request, nothing
//! external). Each row's runs of dark modules become one path segment, so
//! a hosted link's code stays a few kilobytes.

use maud::{Markup, PreEscaped, html};
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the standard asks, so cameras find its edges.
const QUIET_ZONE: usize = 4;

/// The SVG path of the dark modules, one `M x y h n v1 h-n z` per horizontal run.
fn dark_runs(colors: &[Color], width: usize) -> String {
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] != Color::Dark {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] == Color::Dark {
                x += 1;
            }
            let (left, top, run) = (start + QUIET_ZONE, y + QUIET_ZONE, x - start);
            path.push_str(&format!("M{left} {top}h{run}v1h-{run}z"));
        }
    }
    path
}

/// `data` as a QR code image, described by `label` for screen readers; `None` if it is too
/// long for a QR code (the link shown as text is always there beside it).
pub fn svg(data: &str, label: &str) -> Option<Markup> {
    let code = QrCode::with_error_correction_level(data, EcLevel::L).ok()?;
    let width = code.width();
    let size = width + 2 * QUIET_ZONE;
    let path = dark_runs(&code.to_colors(), width);
    let view_box = format!("0 0 {size} {size}");
    Some(html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox=(view_box) role="img" aria-label=(label)
            shape-rendering="crispEdges" {
            rect width=(size) height=(size) fill="#fff" {}
            path d=(PreEscaped(path)) fill="#000" {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_dark_modules_become_one_segment_each() {
        let (d, l) = (Color::Dark, Color::Light);
        assert_eq!(
            dark_runs(&[d, d, l, d, l, l, l, d, d], 3),
            "M4 4h2v1h-2zM4 5h1v1h-1zM5 6h2v1h-2z"
        );
    }

    #[test]
    fn a_hosted_link_fits_a_small_svg() {
        let link = format!("https://kyc.example.com/verify/{}", "x".repeat(300));
        let markup = svg(&link, "QR code").unwrap().into_string();
        assert!(markup.starts_with("<svg class=\"qr\""));
        assert!(markup.len() < 20_000, "{} bytes", markup.len());
        assert!(svg(&"x".repeat(8000), "too long").is_none());
    }
}
