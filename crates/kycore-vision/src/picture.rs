//! Decoding an upload into the pixels the engines work on, under limits: the dimensions are
//! read from the header and refused before any pixel is allocated, the EXIF orientation is
//! applied (a phone photo held sideways reaches the engines upright), and anything larger
//! than [`MAX_WORKING_SIDE`] is scaled down first.

use std::io::Cursor;

use image::error::LimitErrorKind;
use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageError, ImageReader, Limits, RgbImage};
use thiserror::Error;

/// The longest side the engines see. An MRZ across a document photographed at this size
/// has characters 20 px and more tall, which OCR reads well; faces need far less.
pub const MAX_WORKING_SIDE: u32 = 2_400;
/// The longest side decoded at all: past this the upload is refused, not scaled.
const MAX_DECODED_SIDE: u32 = 12_000;
/// The most a decoder may allocate: a 50-megapixel RGB photo needs 150 MiB.
const MAX_DECODE_BYTES: u64 = 192 * 1024 * 1024;

/// Why an image cannot be worked on; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PictureError {
    /// Not a JPEG or PNG this decoder can read, or truncated.
    #[error("the image cannot be decoded: {0}")]
    Unreadable(String),
    /// More pixels than the limits allow.
    #[error("the image is too large to read (at most {MAX_DECODED_SIDE} pixels on each side)")]
    TooLarge,
}

impl PictureError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "unreadable_image",
            Self::TooLarge => "image_too_large",
        }
    }
}

/// An image ready for the engines: upright, in colour, at most [`MAX_WORKING_SIDE`] on its
/// longer side.
#[derive(Debug, Clone)]
pub struct Picture {
    rgb: RgbImage,
}

impl Picture {
    /// Decodes a JPEG or PNG under limits, applies its EXIF orientation and scales it down.
    pub fn decode(file: &[u8]) -> Result<Self, PictureError> {
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_DECODED_SIDE);
        limits.max_image_height = Some(MAX_DECODED_SIDE);
        limits.max_alloc = Some(MAX_DECODE_BYTES);
        let mut reader = ImageReader::new(Cursor::new(file))
            .with_guessed_format()
            .map_err(|error| PictureError::Unreadable(error.to_string()))?;
        reader.limits(limits.clone());
        let mut decoder = reader.into_decoder().map_err(picture_error)?;
        let orientation = decoder.orientation().map_err(picture_error)?;
        limits
            .reserve(decoder.total_bytes())
            .map_err(picture_error)?;
        let mut image = DynamicImage::from_decoder(decoder).map_err(picture_error)?;
        image.apply_orientation(orientation);
        Ok(Self::from_rgb(image.to_rgb8()))
    }

    /// Takes pixels already in memory (generated images, tests), scaling them down if needed.
    pub fn from_rgb(rgb: RgbImage) -> Self {
        let (width, height) = rgb.dimensions();
        if width.max(height) <= MAX_WORKING_SIDE {
            return Self { rgb };
        }
        let scale = f64::from(MAX_WORKING_SIDE) / f64::from(width.max(height));
        let scaled = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
        let rgb =
            image::imageops::resize(&rgb, scaled(width), scaled(height), FilterType::Triangle);
        Self { rgb }
    }

    /// The colour pixels.
    pub fn rgb(&self) -> &RgbImage {
        &self.rgb
    }

    /// The luminance.
    pub fn gray(&self) -> GrayImage {
        DynamicImage::ImageRgb8(self.rgb.clone()).to_luma8()
    }
}

fn picture_error(error: ImageError) -> PictureError {
    match error {
        ImageError::Limits(limit)
            if matches!(
                limit.kind(),
                LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory
            ) =>
        {
            PictureError::TooLarge
        }
        other => PictureError::Unreadable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgb};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_pixel(width, height, Rgb([200, 10, 10]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image)
            .write_to(&mut out, ImageFormat::Png)
            .expect("encode");
        out.into_inner()
    }

    #[test]
    fn a_large_image_is_scaled_to_the_working_size() {
        let picture = Picture::decode(&png(4_800, 1_200)).expect("decodes");
        assert_eq!(picture.rgb().dimensions(), (2_400, 600));
    }

    #[test]
    fn corrupt_and_oversized_files_are_refused_with_their_codes() {
        let mut truncated = png(400, 400);
        truncated.truncate(truncated.len() / 2);
        assert_eq!(
            Picture::decode(&truncated).expect_err("truncated").code(),
            "unreadable_image"
        );
        assert_eq!(
            Picture::decode(b"not an image").expect_err("text").code(),
            "unreadable_image"
        );
        // A 20,000-pixel-wide PNG header: refused from its header, before any pixel.
        let huge = png_header(20_000, 20_000);
        assert_eq!(
            Picture::decode(&huge).expect_err("huge").code(),
            "image_too_large"
        );
    }

    /// A PNG signature and IHDR chunk declaring the given size, with no pixel data.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32fast::hash(&ihdr);
        let mut file = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        file.extend_from_slice(&13u32.to_be_bytes());
        file.extend_from_slice(&ihdr);
        file.extend_from_slice(&crc.to_be_bytes());
        file
    }
}
