//! Finding the MRZ band in a photo and cutting it out straight.
//!
//! The zone is found from its characters, not from where it usually sits: the picture is
//! binarized against its local mean (so a textured or unevenly lit card still separates from
//! its print), dark connected components of a character's shape are chained left to right
//! into text lines, and the zone is the group of two or three long, parallel, evenly spaced
//! lines with the most characters. The lines' own slope gives the skew, so a document
//! photographed at an angle on a table is straightened by the same fit that found it; the
//! band is then resampled from the full-resolution picture along that slope, at the
//! character height OCR reads best, and binarized.
//!
//! Everything here is bounded by the picture's size, which [`crate::Picture`] caps.

use image::{GrayImage, ImageBuffer, Luma};
use imageproc::region_labelling::{Connectivity, connected_components};

/// The longest side the search works at: MRZ characters on a card filling 40% of the
/// frame's width are still about 12 px tall here, and the search stays in the tens of
/// milliseconds (at 1,400 it took up to 125 ms on a busy machine).
const ANALYSIS_SIDE: u32 = 1_100;
/// The character height the band is resampled to: the MRZ model was trained on lines about
/// this tall, and larger only costs OCR time.
const TARGET_CHAR_HEIGHT: f32 = 30.0;
/// A zone line has 30 (TD1) to 44 characters; a chain this long is already no ordinary
/// text line, and it leaves room for characters lost to blur or glare.
const MIN_LINE_CHARS: usize = 16;
/// The fewest characters a single line must have to be read alone (its companions lost).
const MIN_LONE_LINE_CHARS: usize = 26;

/// A band ready for OCR, with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Band {
    /// Black text on white, upright as far as the lines' slope tells (it may still be
    /// upside down or mirrored: the slope cannot tell).
    pub image: GrayImage,
    /// The slope undone, in degrees counter-clockwise.
    pub angle_degrees: f32,
    /// How many text lines the search grouped into the zone.
    pub lines: usize,
}

/// Why no band was cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoBand {
    /// The picture is too small to hold a readable zone.
    TooSmall,
    /// No run of characters long enough for an MRZ line.
    NoTextLines,
}

#[derive(Debug, Clone, Copy)]
struct Blob {
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
}

impl Blob {
    fn height(&self) -> f32 {
        (self.bottom - self.top + 1) as f32
    }
    fn width(&self) -> f32 {
        (self.right - self.left + 1) as f32
    }
    fn cx(&self) -> f32 {
        (self.left + self.right) as f32 / 2.0
    }
    fn cy(&self) -> f32 {
        (self.top + self.bottom) as f32 / 2.0
    }
}

/// A text line: its characters and the straight line through their centres.
#[derive(Debug, Clone)]
struct Line {
    blobs: Vec<Blob>,
    slope: f32,
    intercept: f32,
    height: f32,
}

impl Line {
    fn new(blobs: Vec<Blob>) -> Self {
        let n = blobs.len() as f32;
        let mean_x = blobs.iter().map(Blob::cx).sum::<f32>() / n;
        let mean_y = blobs.iter().map(Blob::cy).sum::<f32>() / n;
        let sxx: f32 = blobs.iter().map(|b| (b.cx() - mean_x).powi(2)).sum();
        let sxy: f32 = blobs
            .iter()
            .map(|b| (b.cx() - mean_x) * (b.cy() - mean_y))
            .sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let mut heights: Vec<f32> = blobs.iter().map(Blob::height).collect();
        heights.sort_by(f32::total_cmp);
        // The upper quartile: fillers (`<`) are shorter than letters, and lines of fillers
        // must not make the zone look smaller than it is.
        let height = heights[(heights.len() * 3) / 4];
        Self {
            intercept: mean_y - slope * mean_x,
            slope,
            height,
            blobs,
        }
    }

    fn y_at(&self, x: f32) -> f32 {
        self.slope * x + self.intercept
    }

    fn left(&self) -> f32 {
        self.blobs
            .iter()
            .map(|b| b.left as f32)
            .fold(f32::MAX, f32::min)
    }

    fn right(&self) -> f32 {
        self.blobs
            .iter()
            .map(|b| b.right as f32)
            .fold(0.0, f32::max)
    }
}

/// Finds the zone and cuts it out: the likeliest band first, then the runner-up (when the
/// labels above a zone look more like one than the zone does, OCR and the check digits
/// decide).
pub(crate) fn find(gray: &GrayImage) -> Result<Vec<Band>, NoBand> {
    let (width, height) = gray.dimensions();
    if width.min(height) < 24 {
        return Err(NoBand::TooSmall);
    }
    let scale = (ANALYSIS_SIDE as f32 / width.max(height) as f32).min(1.0);
    let small = if scale < 1.0 {
        image::imageops::resize(
            gray,
            ((width as f32 * scale).round() as u32).max(1),
            ((height as f32 * scale).round() as u32).max(1),
            image::imageops::FilterType::Triangle,
        )
    } else {
        gray.clone()
    };
    let mut zones: Vec<(f32, Vec<Line>)> = Vec::new();
    // Two window sizes: small print needs a tight local mean, large print a wide one (a
    // narrow window inside a thick stroke sees only ink and loses it).
    for radius in [8u32, 20] {
        let ink = binarize(&small, radius, 12);
        let blobs = character_blobs(&ink);
        let found = ranked_zones(chain_lines(blobs));
        // A zone of several lines is what the wider window would look for; its pass
        // only pays off when the tight one found none.
        let grouped = found.first().is_some_and(|(_, zone)| zone.len() >= 2);
        zones.extend(found);
        if grouped {
            break;
        }
    }
    zones.sort_by(|a, b| b.0.total_cmp(&a.0));
    if zones.is_empty() {
        return Err(NoBand::NoTextLines);
    }
    Ok(zones
        .iter()
        .take(2)
        .map(|(_, zone)| cut(gray, zone, scale))
        .collect())
}

/// Ink mask: a pixel darker than its neighbourhood's mean by more than `margin`.
pub(crate) fn binarize(gray: &GrayImage, radius: u32, margin: u32) -> GrayImage {
    let (width, height) = gray.dimensions();
    let stride = width as usize + 1;
    let mut integral = vec![0u64; stride * (height as usize + 1)];
    for y in 0..height as usize {
        let mut row = 0u64;
        for x in 0..width as usize {
            row += u64::from(gray.as_raw()[y * width as usize + x]);
            integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1] + row;
        }
    }
    let mut out = GrayImage::new(width, height);
    for y in 0..height {
        let top = y.saturating_sub(radius) as usize;
        let bottom = (y + radius + 1).min(height) as usize;
        for x in 0..width {
            let left = x.saturating_sub(radius) as usize;
            let right = (x + radius + 1).min(width) as usize;
            let sum = integral[bottom * stride + right] + integral[top * stride + left]
                - integral[top * stride + right]
                - integral[bottom * stride + left];
            let area = ((bottom - top) * (right - left)) as u64;
            let value = u64::from(gray.get_pixel(x, y).0[0]);
            if (value + u64::from(margin)) * area < sum {
                out.put_pixel(x, y, Luma([255]));
            }
        }
    }
    out
}

/// The bounding boxes of ink components shaped like printed characters.
fn character_blobs(ink: &GrayImage) -> Vec<Blob> {
    let labels = connected_components(ink, Connectivity::Eight, Luma([0u8]));
    let max_height = (ink.height() as f32 / 5.0).max(8.0);
    component_boxes(&labels)
        .into_iter()
        .flatten()
        .filter(|(blob, pixels)| {
            let (w, h) = (blob.width(), blob.height());
            let fill = *pixels as f32 / (w * h);
            (6.0..=max_height).contains(&h)
                && w >= 2.0
                && w <= 1.6 * h
                && (0.08..=0.95).contains(&fill)
        })
        .map(|(blob, _)| blob)
        .collect()
}

/// Each labelled component's bounding box and pixel count, indexed by its label (0, the
/// background, is `None`).
fn component_boxes(labels: &ImageBuffer<Luma<u32>, Vec<u32>>) -> Vec<Option<(Blob, u32)>> {
    let mut boxes: Vec<Option<(Blob, u32)>> = Vec::new();
    for (x, y, label) in labels.enumerate_pixels() {
        let label = label.0[0] as usize;
        if label == 0 {
            continue;
        }
        if boxes.len() <= label {
            boxes.resize(label + 1, None);
        }
        let point = Blob {
            left: x,
            top: y,
            right: x,
            bottom: y,
        };
        let entry = boxes[label].get_or_insert((point, 0));
        entry.0.left = entry.0.left.min(x);
        entry.0.right = entry.0.right.max(x);
        entry.0.top = entry.0.top.min(y);
        entry.0.bottom = entry.0.bottom.max(y);
        entry.1 += 1;
    }
    boxes
}

/// Chains characters into lines: each links to its nearest right neighbour of a similar
/// height on the same baseline, then collinear chains with a gap are joined.
fn chain_lines(mut blobs: Vec<Blob>) -> Vec<Line> {
    blobs.sort_by(|a, b| a.cx().total_cmp(&b.cx()));
    let count = blobs.len();
    let mut next: Vec<Option<usize>> = vec![None; count];
    let mut has_previous = vec![false; count];
    for i in 0..count {
        let a = blobs[i];
        let mut best: Option<(f32, usize)> = None;
        for (j, b) in blobs.iter().enumerate().skip(i + 1) {
            let gap = b.left as f32 - a.right as f32;
            let size = a.height().max(b.height());
            if gap > 1.2 * size {
                if b.cx() - a.cx() > 3.0 * size {
                    break;
                }
                continue;
            }
            if gap < -0.3 * size || (b.cy() - a.cy()).abs() > 0.4 * size {
                continue;
            }
            let ratio = a.height() / b.height();
            if !(0.4..=2.5).contains(&ratio) {
                continue;
            }
            if best.is_none_or(|(distance, _)| gap < distance) {
                best = Some((gap, j));
            }
        }
        if let Some((_, j)) = best
            && !has_previous[j]
        {
            next[i] = Some(j);
            has_previous[j] = true;
        }
    }
    let mut chains: Vec<Line> = Vec::new();
    for start in 0..count {
        if has_previous[start] {
            continue;
        }
        let mut members = vec![blobs[start]];
        let mut at = start;
        while let Some(following) = next[at] {
            members.push(blobs[following]);
            at = following;
        }
        if members.len() >= 5 {
            chains.push(Line::new(members));
        }
    }
    join_collinear(chains)
}

/// Joins chains that continue each other across a gap (a character lost to glare, or two
/// touching characters the shape filter dropped).
fn join_collinear(mut chains: Vec<Line>) -> Vec<Line> {
    chains.sort_by(|a, b| a.left().total_cmp(&b.left()));
    let mut joined: Vec<Line> = Vec::new();
    for chain in chains {
        let continues = joined.iter_mut().find(|line| {
            let gap = chain.left() - line.right();
            let size = line.height.max(chain.height);
            let first = chain.blobs[0];
            (-0.5 * size..=4.0 * size).contains(&gap)
                && (line.y_at(first.cx()) - first.cy()).abs() < 0.4 * size
                && (0.6..=1.6).contains(&(line.height / chain.height))
        });
        match continues {
            Some(line) => {
                let mut blobs = std::mem::take(&mut line.blobs);
                blobs.extend(chain.blobs);
                *line = Line::new(blobs);
            }
            None => joined.push(chain),
        }
    }
    joined
}

/// Groups of two or three parallel lines spaced like an MRZ (or single lines long enough to
/// be one), best first. A group scores its characters times how equal its lines' lengths
/// are: every line of a zone has the same number of characters in a fixed pitch, where
/// lines of ordinary text (the labels above the zone) end where their words do.
fn ranked_zones(lines: Vec<Line>) -> Vec<(f32, Vec<Line>)> {
    let mut lines: Vec<Line> = lines
        .into_iter()
        .filter(|line| line.blobs.len() >= MIN_LINE_CHARS)
        .collect();
    lines.sort_by(|a, b| {
        let middle = |line: &Line| line.y_at((line.left() + line.right()) / 2.0);
        middle(a).total_cmp(&middle(b))
    });
    let follows = |upper: &Line, lower: &Line| -> bool {
        let size = upper.height.max(lower.height);
        let middle = (upper.left().max(lower.left()) + upper.right().min(lower.right())) / 2.0;
        let spacing = lower.y_at(middle) - upper.y_at(middle);
        let overlap = upper.right().min(lower.right()) - upper.left().max(lower.left());
        let shorter = (upper.right() - upper.left()).min(lower.right() - lower.left());
        (1.1 * size..=3.4 * size).contains(&spacing)
            && (upper.slope - lower.slope).abs() < 0.06
            && overlap > 0.6 * shorter
            && (0.7..=1.4).contains(&(upper.height / lower.height))
    };
    let mut zones: Vec<(f32, Vec<Line>)> = Vec::new();
    for start in 0..lines.len() {
        let mut group = vec![start];
        for candidate in start + 1..lines.len() {
            if group.len() == 3 {
                break;
            }
            let last = group[group.len() - 1];
            if follows(&lines[last], &lines[candidate]) {
                group.push(candidate);
            }
        }
        let count: usize = group.iter().map(|&i| lines[i].blobs.len()).sum();
        let acceptable = group.len() >= 2 || count >= MIN_LONE_LINE_CHARS;
        if !acceptable {
            continue;
        }
        let lengths = group.iter().map(|&i| lines[i].right() - lines[i].left());
        let (shortest, longest) = lengths.fold((f32::MAX, 0.0f32), |(low, high), length| {
            (low.min(length), high.max(length))
        });
        let evenness = (shortest / longest.max(1.0)).powi(2);
        zones.push((
            count as f32 * evenness,
            group.iter().map(|&i| lines[i].clone()).collect(),
        ));
    }
    zones.sort_by(|a, b| b.0.total_cmp(&a.0));
    zones
}

/// Resamples the zone from the full picture along its slope, scaled to the target character
/// height, with a margin, and binarizes it.
fn cut(gray: &GrayImage, zone: &[Line], scale: f32) -> Band {
    let slope = zone.iter().map(|line| line.slope).sum::<f32>() / zone.len() as f32;
    let angle = slope.atan();
    let (cos, sin) = (angle.cos(), angle.sin());
    let height = {
        let mut heights: Vec<f32> = zone.iter().map(|line| line.height).collect();
        heights.sort_by(f32::total_cmp);
        heights[heights.len() / 2]
    };
    // Extents along the line direction (u) and across it (v), in analysis pixels.
    let (mut u_min, mut u_max, mut v_min, mut v_max) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for blob in zone.iter().flat_map(|line| &line.blobs) {
        for (x, y) in [
            (blob.left as f32, blob.top as f32),
            (blob.right as f32 + 1.0, blob.top as f32),
            (blob.left as f32, blob.bottom as f32 + 1.0),
            (blob.right as f32 + 1.0, blob.bottom as f32 + 1.0),
        ] {
            let u = x * cos + y * sin;
            let v = -x * sin + y * cos;
            u_min = u_min.min(u);
            u_max = u_max.max(u);
            v_min = v_min.min(v);
            v_max = v_max.max(v);
        }
    }
    // A lone line may have lost its companions to the search; take room for them.
    let vertical_margin = if zone.len() == 1 { 2.6 } else { 0.8 } * height;
    u_min -= 1.5 * height;
    u_max += 1.5 * height;
    v_min -= vertical_margin;
    v_max += vertical_margin;
    let out_scale = TARGET_CHAR_HEIGHT / height;
    let out_width = (((u_max - u_min) * out_scale) as u32).clamp(16, 2_400);
    let out_height = (((v_max - v_min) * out_scale) as u32).clamp(16, 800);
    let (width, image_height) = gray.dimensions();
    let sample = |x: f32, y: f32| -> f32 {
        if x < 0.0 || y < 0.0 || x > (width - 1) as f32 || y > (image_height - 1) as f32 {
            return 255.0;
        }
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(image_height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let p = |x: u32, y: u32| f32::from(gray.get_pixel(x, y).0[0]);
        let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
        let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    };
    let mut band = GrayImage::new(out_width, out_height);
    for (ox, oy, pixel) in band.enumerate_pixels_mut() {
        let u = u_min + ox as f32 / out_scale;
        let v = v_min + oy as f32 / out_scale;
        // Back to analysis coordinates, then to the full picture's.
        let x = (u * cos - v * sin) / scale;
        let y = (u * sin + v * cos) / scale;
        *pixel = Luma([sample(x, y).round().clamp(0.0, 255.0) as u8]);
    }
    // Black text on white for OCR: ink from a local mean a character and a half wide.
    let ink = binarize(&band, (TARGET_CHAR_HEIGHT * 0.8) as u32, 10);
    // Specks (sensor noise, paper texture) make OCR invent or drop glyphs at the line ends:
    // ink components far smaller than a filler's stroke go.
    let labels = connected_components(&ink, Connectivity::Eight, Luma([0u8]));
    let mut sizes: Vec<u32> = Vec::new();
    for label in labels.pixels() {
        let label = label.0[0] as usize;
        if sizes.len() <= label {
            sizes.resize(label + 1, 0);
        }
        sizes[label] += 1;
    }
    let smallest = (TARGET_CHAR_HEIGHT * TARGET_CHAR_HEIGHT * 0.03) as u32;
    let mut clean = GrayImage::from_pixel(out_width, out_height, Luma([255]));
    for (x, y, label) in labels.enumerate_pixels() {
        let label = label.0[0] as usize;
        if label > 0 && sizes[label] >= smallest {
            clean.put_pixel(x, y, Luma([0]));
        }
    }
    Band {
        image: clean,
        angle_degrees: angle.to_degrees(),
        lines: zone.len(),
    }
}

/// Which way the zone's fillers point in a band image: `Some(true)` when the chevrons open
/// to the right as printed (`<`, the band upright or flipped top to bottom), `Some(false)`
/// when they point right (`>`, turned or mirrored), `None` when too few are seen to tell.
///
/// Fillers are the zone's most frequent glyph and the only one shorter than a capital, so
/// the short blobs are mostly fillers; a chevron's apex is one point of ink where its open
/// side spans its height. Knowing this saves the OCR calls of the wrong orientations.
pub(crate) fn fillers_point_left(band: &GrayImage) -> Option<bool> {
    let labels = connected_components(band, Connectivity::Eight, Luma([255u8]));
    let boxes = component_boxes(&labels);
    let (mut left, mut right) = (0usize, 0usize);
    for (label, bounds) in boxes.iter().enumerate() {
        let Some((blob, _)) = bounds else {
            continue;
        };
        let (x0, y0, x1, y1) = (blob.left, blob.top, blob.right, blob.bottom);
        let (width, height) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        let short = (0.35 * TARGET_CHAR_HEIGHT..=0.85 * TARGET_CHAR_HEIGHT).contains(&height);
        if !short || !(0.4 * height..=1.3 * height).contains(&width) {
            continue;
        }
        // The vertical extent of this blob's ink in its left and right fifths.
        let fifth = ((x1 - x0 + 1) / 5).max(1);
        let spread = |from: u32, to: u32| -> u32 {
            let (mut top, mut bottom) = (u32::MAX, 0);
            for y in y0..=y1 {
                for x in from..=to {
                    if labels.get_pixel(x, y).0[0] as usize == label {
                        top = top.min(y);
                        bottom = bottom.max(y);
                    }
                }
            }
            bottom.saturating_sub(top)
        };
        let (left_spread, right_spread) = (spread(x0, x0 + fifth - 1), spread(x1 + 1 - fifth, x1));
        if left_spread * 2 < right_spread {
            left += 1;
        } else if right_spread * 2 < left_spread {
            right += 1;
        }
    }
    if left + right < 4 {
        return None;
    }
    if left >= 3 * right {
        Some(true)
    } else if right >= 3 * left {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Picture;
    use crate::testing::fixture;

    fn band(relative: &str) -> Band {
        let picture = Picture::decode(&fixture(relative)).expect("decodes");
        find(&picture.gray())
            .expect("a band")
            .into_iter()
            .next()
            .expect("a first band")
    }

    #[test]
    fn the_band_of_a_fixture_is_found_level_and_at_the_target_height() {
        let found = band("mrz/images/td3_utopia_noisy.png");
        assert_eq!(found.lines, 2);
        // The fixture is turned 1.5° counter-clockwise; the slope undone says so.
        assert!(
            (found.angle_degrees + 1.5).abs() < 0.3,
            "{}",
            found.angle_degrees
        );
        let (width, height) = found.image.dimensions();
        assert!(width > 20 * height / 10 && height < 200, "{width}x{height}");
    }

    #[test]
    fn the_fillers_tell_upright_from_turned_and_mirrored() {
        for relative in [
            "mrz/images/td1_utopia.png",
            "mrz/images/td3_utopia_noisy.png",
        ] {
            let upright = band(relative).image;
            assert_eq!(fillers_point_left(&upright), Some(true), "{relative}");
            let turned = image::imageops::rotate180(&upright);
            assert_eq!(fillers_point_left(&turned), Some(false), "{relative}");
            let mirrored = image::imageops::flip_horizontal(&upright);
            assert_eq!(fillers_point_left(&mirrored), Some(false), "{relative}");
        }
    }

    #[test]
    fn a_face_photo_has_no_band() {
        let picture = Picture::decode(&fixture("faces/paul_rudd_1.jpg")).expect("decodes");
        assert!(find(&picture.gray()).is_err());
    }
}
