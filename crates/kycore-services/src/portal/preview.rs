//! Small previews of what the applicant uploaded, for the review page and the upload steps:
//! only the session's own case's images, decoded from the sealed blob and scaled down, so a
//! page never carries a full-size document photo.

use std::io::Cursor;

use image::ImageFormat;

use super::PortalSession;
use crate::{ServiceError, Services, blocking};

/// The longer side of a preview, in pixels: enough to recognise the document, too small to
/// read it.
const PREVIEW_SIDE: u32 = 240;

impl Services {
    /// A JPEG preview of `document_id`, a document of the session's case; `None` for a PDF.
    pub async fn portal_document_preview(
        &self,
        session: &PortalSession,
        document_id: &str,
    ) -> Result<Option<Vec<u8>>, ServiceError> {
        let (content_type, bytes) = self
            .document_file(&session.scope, &session.case_id, document_id)
            .await?;
        let format = match content_type.as_str() {
            "image/jpeg" => ImageFormat::Jpeg,
            "image/png" => ImageFormat::Png,
            _ => return Ok(None),
        };
        blocking(move || preview(&bytes, format)).await?.map(Some)
    }
}

fn preview(bytes: &[u8], format: ImageFormat) -> Result<Vec<u8>, ServiceError> {
    // Stored images passed inspection on upload; one that no longer decodes is corrupt.
    let image = image::load_from_memory_with_format(bytes, format)
        .map_err(|e| ServiceError::corrupt(format!("a stored image does not decode: {e}")))?;
    let mut jpeg = Vec::new();
    image
        .thumbnail(PREVIEW_SIDE, PREVIEW_SIDE)
        .to_rgb8()
        .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .map_err(|e| ServiceError::internal(format!("encoding a preview: {e}")))?;
    Ok(jpeg)
}
