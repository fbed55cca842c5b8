//! The one piece of EXIF a stored image keeps: its orientation. Phones save a photo taken
//! upright in the sensor's landscape rows and record "turn 90°" in EXIF; without it the
//! picture shows sideways. Keeping this one tag, in an EXIF block written from scratch, is
//! lossless: re-encoding the pixels upright instead would lose quality (and with it detail
//! later checks of the document read), and would make the stored file kycore's rendering
//! rather than the applicant's capture. Browsers and image viewers honour the tag.

use image::metadata::Orientation;

/// The orientation an EXIF block (a TIFF structure) records, when it turns or flips the
/// image; `None` for upright, absent or unreadable.
pub(super) fn orientation_in(tiff: &[u8]) -> Option<u8> {
    Orientation::from_exif_chunk(tiff)
        .map(Orientation::to_exif)
        .filter(|&exif_value| exif_value != Orientation::NoTransforms.to_exif())
}

/// A TIFF structure holding nothing but `orientation`: a big-endian header, then one
/// directory with one entry (tag 0x0112, type SHORT, one value) and no next directory.
pub(super) fn orientation_only(orientation: u8) -> [u8; 26] {
    [
        b'M',
        b'M',
        0,
        42, // big-endian TIFF
        0,
        0,
        0,
        8, // the first directory follows the header
        0,
        1, // one entry
        0x01,
        0x12,
        0,
        3,
        0,
        0,
        0,
        1,
        0,
        orientation,
        0,
        0, // Orientation = SHORT value
        0,
        0,
        0,
        0, // no further directory
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimal_block_reads_back() {
        for orientation in 2..=8 {
            assert_eq!(
                orientation_in(&orientation_only(orientation)),
                Some(orientation)
            );
        }
        assert_eq!(orientation_in(&orientation_only(1)), None);
        assert_eq!(orientation_in(b"MM\0*\xff\xff\xff\xff"), None);
        assert_eq!(orientation_in(b""), None);
    }
}
