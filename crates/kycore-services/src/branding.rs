//! An organization's own look on its hosted pages — the name applicants know it by, its
//! logo, brand colour, privacy notice, data controller and support contact — per
//! environment, so a sandbox key never changes what live applicants see; and the rules each
//! must meet: a colour that keeps the pages readable (WCAG AA against white), web addresses
//! that are `http(s)`, an e-mail the checks accept, and a logo that is a real, small PNG or
//! JPEG, re-encoded so nothing but pixels reaches an applicant.

use std::io::Cursor;

use futures_util::future::BoxFuture;
use image::{ImageFormat, ImageReader, Limits};
use kycore_checks::{IdentifierKind, ValidationRequest};
use kycore_domain::tenancy::Scope;
use kycore_domain::validation::ValidationErrors;
use kycore_store::Tx;
use kycore_store::branding::{self, BrandingRecord};
use serde_json::json;
use time::OffsetDateTime;

use crate::record::{AuditEntry, audit};
use crate::time_format::{datetime_of, now_millis};
use crate::{RequestContext, ServiceError, Services, blocking};

/// Largest logo file accepted.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Largest logo side, in pixels: a header shows it a few dozen pixels high.
const MAX_LOGO_SIDE: u32 = 2000;
const MAX_TEXT_CHARS: usize = 500;
const MAX_URL_CHARS: usize = 2048;
/// WCAG AA for normal text: buttons carry white text on the brand colour, and links are the
/// brand colour on white.
const MIN_CONTRAST: f64 = 4.5;

/// An organization's branding as the API and the pages see it; `None` where it set nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Branding {
    /// The organization's own name, for when nothing else is set.
    pub organization_name: String,
    pub display_name: Option<String>,
    pub brand_color: Option<String>,
    pub privacy_notice_url: Option<String>,
    pub data_controller: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
    pub has_logo: bool,
    pub updated_at: Option<OffsetDateTime>,
}

impl Branding {
    /// The name shown to applicants: the display name, else the organization's name.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .unwrap_or(&self.organization_name)
    }
}

/// A PATCH: `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct BrandingChanges {
    pub display_name: Option<Option<String>>,
    pub brand_color: Option<Option<String>>,
    pub privacy_notice_url: Option<Option<String>>,
    pub data_controller: Option<Option<String>>,
    pub support_email: Option<Option<String>>,
    pub support_url: Option<Option<String>>,
    /// The logo file's bytes (PNG or JPEG).
    pub logo: Option<Option<Vec<u8>>>,
}

/// A logo ready to serve.
#[derive(Clone, Debug)]
pub struct Logo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Services {
    /// The branding of the scope's organization.
    pub async fn branding(&self, scope: &Scope) -> Result<Branding, ServiceError> {
        let organization_name = self.organization_name(scope).await?;
        let record = branding::get(self.store().reader(), scope).await?;
        Ok(view(organization_name, record.as_ref()))
    }

    /// The organization's logo, if it has one.
    pub async fn branding_logo(&self, scope: &Scope) -> Result<Option<Logo>, ServiceError> {
        let record = branding::get(self.store().reader(), scope).await?;
        Ok(record.and_then(|r| match (r.logo, r.logo_content_type) {
            (Some(bytes), Some(content_type)) => Some(Logo {
                content_type,
                bytes,
            }),
            _ => None,
        }))
    }

    /// Changes the organization's branding; refused whole when any field is wrong.
    pub async fn update_branding(
        &self,
        ctx: &RequestContext,
        changes: BrandingChanges,
    ) -> Result<Branding, ServiceError> {
        let read = branding::get(self.store().reader(), &ctx.scope).await?;
        let read_updated_at = read.as_ref().map(|r| r.updated_at);
        let mut record = read.unwrap_or_else(|| BrandingRecord {
            organization_id: ctx.scope.organization_id.to_string(),
            environment: ctx.scope.environment.as_str().to_owned(),
            ..BrandingRecord::default()
        });
        let logo = match changes.logo.clone() {
            Some(Some(bytes)) => Some(Some(blocking(move || checked_logo(&bytes)).await??)),
            Some(None) => Some(None),
            None => None,
        };
        apply(&mut record, changes)?;
        if let Some(logo) = logo {
            record.logo_content_type = logo.as_ref().map(|_| "image/png".to_owned());
            record.logo = logo;
        }
        record.updated_at = now_millis().max(read_updated_at.map_or(0, |t| t + 1));
        let organization_name = self.organization_name(&ctx.scope).await?;
        let answer = view(organization_name, Some(&record));
        let unit_ctx = ctx.clone();
        self.write_idempotent(
            ctx,
            move |tx: &mut Tx| -> BoxFuture<'_, Result<Branding, ServiceError>> {
                Box::pin(async move {
                    if !branding::put(tx.conn().await?, &record, read_updated_at).await? {
                        return Err(ServiceError::concurrent_change("branding"));
                    }
                    let entry = AuditEntry {
                        action: "organization.branding_updated",
                        target_type: "organization",
                        target_id: &record.organization_id,
                        case_id: None,
                        detail: json!({}),
                    };
                    audit(
                        tx,
                        &unit_ctx.scope,
                        &unit_ctx.principal,
                        entry,
                        record.updated_at,
                    );
                    Ok(answer)
                })
            },
        )
        .await
    }
}

impl Services {
    async fn organization_name(&self, scope: &Scope) -> Result<String, ServiceError> {
        kycore_store::organizations::get(self.store().reader(), scope.organization_id.as_str())
            .await?
            .map(|o| o.name)
            .ok_or(ServiceError::not_found("organization"))
    }
}

fn view(organization_name: String, record: Option<&BrandingRecord>) -> Branding {
    let Some(r) = record else {
        return Branding {
            organization_name,
            ..Branding::default()
        };
    };
    Branding {
        organization_name,
        display_name: r.display_name.clone(),
        brand_color: r.brand_color.clone(),
        privacy_notice_url: r.privacy_notice_url.clone(),
        data_controller: r.data_controller.clone(),
        support_email: r.support_email.clone(),
        support_url: r.support_url.clone(),
        has_logo: r.logo.is_some(),
        updated_at: Some(datetime_of(r.updated_at)),
    }
}

/// Applies the text fields of `changes`, each checked; every problem is reported at once.
fn apply(record: &mut BrandingRecord, changes: BrandingChanges) -> Result<(), ServiceError> {
    let mut errors = ValidationErrors::default();
    let mut set = |field: &str,
                   slot: &mut Option<String>,
                   change: Option<Option<String>>,
                   check: fn(&str) -> Result<(), (&'static str, String)>| {
        let Some(change) = change else { return };
        let value = change
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(value) = &value
            && let Err((code, message)) = check(value)
        {
            errors.add(field, code, message);
        }
        *slot = value;
    };
    set(
        "display_name",
        &mut record.display_name,
        changes.display_name,
        |v| plain_text(v, 200),
    );
    set(
        "brand_color",
        &mut record.brand_color,
        changes.brand_color,
        readable_color,
    );
    set(
        "privacy_notice_url",
        &mut record.privacy_notice_url,
        changes.privacy_notice_url,
        web_address,
    );
    set(
        "data_controller",
        &mut record.data_controller,
        changes.data_controller,
        |v| plain_text(v, MAX_TEXT_CHARS),
    );
    set(
        "support_email",
        &mut record.support_email,
        changes.support_email,
        email,
    );
    set(
        "support_url",
        &mut record.support_url,
        changes.support_url,
        web_address,
    );
    errors.into_result().map_err(ServiceError::from)
}

fn plain_text(value: &str, max_chars: usize) -> Result<(), (&'static str, String)> {
    if value.chars().count() > max_chars || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err((
            "invalid_format",
            format!("at most {max_chars} characters, no control characters"),
        ));
    }
    Ok(())
}

fn web_address(value: &str) -> Result<(), (&'static str, String)> {
    let ok = value.chars().count() <= MAX_URL_CHARS
        && url::Url::parse(value).is_ok_and(|url| {
            matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some()
                && url.username().is_empty()
                && url.password().is_none()
        });
    if ok {
        Ok(())
    } else {
        Err((
            "invalid_url",
            "a full http(s):// address without credentials, at most 2048 characters".to_owned(),
        ))
    }
}

fn email(value: &str) -> Result<(), (&'static str, String)> {
    let outcome = kycore_checks::validate(&ValidationRequest {
        r#type: IdentifierKind::Email,
        value: value.to_owned(),
        country: None,
    });
    match outcome.errors.into_iter().next() {
        None => Ok(()),
        Some(error) => Err(("invalid_email", error.message)),
    }
}

/// `#rrggbb` with enough contrast against white for text either way round.
fn readable_color(value: &str) -> Result<(), (&'static str, String)> {
    let Some(rgb) = parse_hex_color(value) else {
        return Err((
            "invalid_color",
            "a colour as #rrggbb, for example #0b4fbf".to_owned(),
        ));
    };
    let contrast = contrast_with_white(rgb);
    if contrast < MIN_CONTRAST {
        return Err((
            "insufficient_contrast",
            format!(
                "{value} against white has a contrast of {contrast:.2}:1; at least {MIN_CONTRAST}:1 \
                 keeps buttons and links readable (choose a darker shade)"
            ),
        ));
    }
    Ok(())
}

fn parse_hex_color(value: &str) -> Option<[u8; 3]> {
    let hex = value.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// The WCAG 2 contrast ratio between a colour and white.
fn contrast_with_white(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
    1.05 / (luminance + 0.05)
}

/// A logo: a PNG or JPEG of at most [`MAX_LOGO_BYTES`] and [`MAX_LOGO_SIDE`] pixels a side,
/// decoded and encoded again as PNG, so no metadata and nothing hidden after the image
/// survives.
fn checked_logo(bytes: &[u8]) -> Result<Vec<u8>, ServiceError> {
    let refused = |code: &'static str, message: &str| {
        let mut errors = ValidationErrors::default();
        errors.add("logo", code, message);
        ServiceError::from(errors)
    };
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(refused("file_too_large", "a logo is at most 256 KiB"));
    }
    let format = match crate::uploads::sniff(bytes) {
        Ok(crate::uploads::FileType::Png) => ImageFormat::Png,
        Ok(crate::uploads::FileType::Jpeg) => ImageFormat::Jpeg,
        _ => return Err(refused("unsupported_file_type", "a logo is a PNG or JPEG")),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_LOGO_SIDE);
    limits.max_image_height = Some(MAX_LOGO_SIDE);
    reader.limits(limits);
    let image = reader.decode().map_err(|_| {
        refused(
            "unreadable_image",
            "the logo does not decode, or is over 2000 pixels a side",
        )
    })?;
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| ServiceError::internal(format!("re-encoding a logo: {e}")))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_must_keep_white_text_readable() {
        assert!(readable_color("#0b4fbf").is_ok());
        assert!(readable_color("#1d6b2f").is_ok());
        assert_eq!(
            readable_color("#ffcc00").map_err(|e| e.0),
            Err("insufficient_contrast")
        );
        for bad in ["0b4fbf", "#0b4fb", "#0b4fbg", "blue", "#0B4FBF0"] {
            assert_eq!(
                readable_color(bad).map_err(|e| e.0),
                Err("invalid_color"),
                "{bad}"
            );
        }
        // Black on white is the most there is: 21:1.
        assert!((contrast_with_white([0, 0, 0]) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut record = BrandingRecord::default();
        let changes = BrandingChanges {
            display_name: Some(Some("  Nordic Widgets  ".into())),
            brand_color: Some(Some("#ffff00".into())),
            privacy_notice_url: Some(Some("widgets.example/privacy".into())),
            support_email: Some(Some("help@".into())),
            support_url: Some(Some("https://user:pw@widgets.example".into())),
            ..BrandingChanges::default()
        };
        let Err(ServiceError::Validation(errors)) = apply(&mut record, changes) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "brand_color",
                "privacy_notice_url",
                "support_email",
                "support_url"
            ]
        );
        assert_eq!(record.display_name.as_deref(), Some("Nordic Widgets"));
    }

    #[test]
    fn a_logo_is_a_small_real_image_stored_as_png() {
        let mut jpeg = Vec::new();
        image::DynamicImage::new_rgb8(120, 40)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let png = checked_logo(&jpeg).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let code = |bytes: &[u8]| match checked_logo(bytes) {
            Err(ServiceError::Validation(errors)) => errors[0].code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(b"<svg onload=alert(1)>"), "unsupported_file_type");
        assert_eq!(code(&jpeg[..jpeg.len() / 2]), "unreadable_image");
        let mut huge = Vec::new();
        image::DynamicImage::new_luma8(2100, 10)
            .write_to(&mut Cursor::new(&mut huge), ImageFormat::Png)
            .unwrap();
        assert_eq!(code(&huge), "unreadable_image");
    }
}
