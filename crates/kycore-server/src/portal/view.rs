//! The portal's page shell and form parts, as maud markup: one self-contained page per
//! response (inline style, an optional small script, no external resources), phone first,
//! with labels, hints and errors tied to their fields for assistive technology. The page
//! carries its language's direction and the style speaks only of inline start and end, so
//! a right-to-left page is the mirror image of a left-to-right one.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use kycore_domain::validation::FieldError;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use kycore_services::branding::Branding;

use crate::i18n::{Lang, Texts};

/// Phone-first: one column, large touch targets, system fonts, AA contrast. No `left` or
/// `right`: logical properties, so the layout mirrors in right-to-left languages; a link
/// shown to copy (`.link`) reads left to right in every language.
const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1f;background:#f4f5f7}\
header{background:#fff;border-bottom:1px solid #c9ccd3;padding:.5rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:.5rem;flex-wrap:wrap}\
header p{margin:0;font-weight:600}\
header ul{display:flex;flex-wrap:wrap;gap:0 .75rem;list-style:none;margin:0;padding:0}\
[aria-current]{font-weight:600;color:inherit}\
main{max-width:34rem;margin:0 auto;padding:1rem}\
h1{font-size:1.5rem;line-height:1.25;margin:.25rem 0 1rem}\
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}\
a{color:var(--brand,#0b4fbf)}\
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f5b400;outline-offset:2px}\
.card{background:#fff;border:1px solid #c9ccd3;border-radius:8px;padding:1rem;margin:0 0 1rem}\
.step{color:#4a4f5a;margin:0}\
.progress ol{display:flex;gap:4px;list-style:none;padding:0;margin:.25rem 0 0;font-size:.75rem;line-height:1.25}\
.progress li{flex:1 1 0;min-width:0;border-top:4px solid #c9ccd3;padding-top:.25rem;color:#4a4f5a;overflow-wrap:break-word}\
.progress li.done{border-color:#1d6b2f}.progress li.current{flex-grow:3;border-color:var(--brand,#0b4fbf);color:#1b1b1f;font-weight:600}\
@media (max-width:40rem){.progress li:not(.current) .n{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}}\
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
label,legend{display:block;font-weight:600;margin:1rem 0 .25rem}\
fieldset{border:0;padding:0;margin:0;min-width:0}\
.hint{color:#4a4f5a;font-size:.9rem;margin:0 0 .25rem}\
input[type=text],input[type=email],input[type=tel],input[type=date],input[type=number],input[type=url],select,textarea{width:100%;font:inherit;padding:.6rem;border:2px solid #5b616e;border-radius:4px;background:#fff;color:inherit}\
textarea{font-family:ui-monospace,Menlo,Consolas,monospace;text-transform:uppercase}\
input[type=file]{width:100%;font:inherit;padding:.5rem 0}\
input[type=file]::file-selector-button{font:inherit;font-weight:600;padding:.75rem 1.25rem;margin-inline-end:.75rem;border:2px solid var(--brand,#0b4fbf);border-radius:4px;background:#fff;color:var(--brand,#0b4fbf);min-height:44px;cursor:pointer}\
.preview{display:block;max-width:120px;max-height:120px;border:1px solid #c9ccd3;border-radius:4px;margin:.5rem 0}\
.preview-pdf{display:inline-block;font-weight:600;border:1px solid #c9ccd3;border-radius:4px;padding:.5rem;margin:.5rem 0}\
.uploads{list-style:none;padding:0}.uploads li{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .75rem;margin:.5rem 0}\
.check{display:flex;gap:.75rem;align-items:flex-start;margin:1rem 0}\
.check input{width:1.5rem;height:1.5rem;margin:0;flex:none}\
.check label{margin:0;font-weight:400}\
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.75rem 1.25rem;margin:1.25rem 0 0;border:0;border-radius:4px;background:var(--brand,#0b4fbf);color:#fff;cursor:pointer;text-decoration:none;min-height:44px}\
.secondary{background:#fff;color:var(--brand,#0b4fbf);border:2px solid var(--brand,#0b4fbf)}\
.brand{display:flex;align-items:center;gap:.75rem}.brand img{max-height:32px;width:auto}\
.site{display:block;font-weight:400;font-size:.85rem;color:#4a4f5a}\
footer{max-width:34rem;margin:0 auto;padding:1rem;font-size:.9rem;color:#4a4f5a}footer p{margin:.25rem 0}\
.actions{display:flex;flex-wrap:wrap;gap:0 .75rem}\
.error{color:#b00020;font-weight:600;margin:.25rem 0}\
[aria-invalid=true]{border-color:#b00020!important}\
.summary{border:3px solid #b00020;background:#fff;padding:1rem;margin:0 0 1rem;border-radius:4px}\
.summary h2{margin-top:0}\
.summary a{color:#b00020;font-weight:600}\
dl{margin:0}dt{font-weight:600;margin-top:.5rem}dd{margin:0;overflow-wrap:anywhere}\
.link{direction:ltr;overflow-wrap:anywhere;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;background:#f4f5f7;padding:.5rem;border-radius:4px}\
.done{color:#1d6b2f;font-weight:600}\
.notice{border-inline-start:6px solid #b35c00}.notice h2{margin-top:0}\
blockquote{margin:.5rem 0;padding:.5rem 1rem;background:#f4f5f7;border-radius:4px;white-space:pre-line}\
.todo{color:#b00020;font-weight:600}\
.qr{display:block;width:100%;max-width:16rem;height:auto;margin:1rem 0}\
.acting{background:#fff;border-left:4px solid #0b4fbf;padding:.5rem .75rem;margin:0 0 .5rem}\
.phone{margin-top:2rem}\
";

/// Downscales large photos before upload when the browser can, so a 12-megapixel phone
/// photo does not cost the applicant a slow upload. Without it, the original is sent.
pub const DOWNSCALE_SCRIPT: &str = "\
document.querySelectorAll('input[type=file][data-downscale]').forEach(function(i){\
i.addEventListener('change',function(){var f=i.files[0];\
if(!f||!/^image\\/(jpeg|png)$/.test(f.type)||f.size<1500000||!window.DataTransfer||!window.createImageBitmap)return;\
createImageBitmap(f).then(function(b){var s=Math.min(1,2400/Math.max(b.width,b.height));\
var c=document.createElement('canvas');c.width=Math.round(b.width*s);c.height=Math.round(b.height*s);\
c.getContext('2d').drawImage(b,0,0,c.width,c.height);\
c.toBlob(function(o){if(!o||o.size>=f.size)return;var d=new DataTransfer();\
d.items.add(new File([o],f.name.replace(/\\.\\w+$/,'')+'.jpg',{type:'image/jpeg'}));i.files=d.files;},'image/jpeg',0.9);});});});";

/// Shows the copy and share buttons of hosted links where the browser can do either (the
/// link is always shown as text too): copying through the Clipboard API, sharing through
/// the Web Share API.
pub const SHARE_SCRIPT: &str = "\
document.querySelectorAll('[data-copy]').forEach(function(b){if(!navigator.clipboard)return;b.hidden=false;\
b.addEventListener('click',function(){navigator.clipboard.writeText(b.dataset.copy).then(function(){b.textContent=b.dataset.done;});});});\
document.querySelectorAll('[data-share]').forEach(function(b){if(!navigator.share)return;b.hidden=false;\
b.addEventListener('click',function(){navigator.share({title:b.dataset.title,url:b.dataset.share}).catch(function(){});});});";

/// What every page knows: its language, the CSP nonce and where the language links point.
pub struct PageMeta<'a> {
    pub texts: Texts,
    pub nonce: &'a str,
    pub title: &'a str,
    /// The page's script, if it has one ([`DOWNSCALE_SCRIPT`], [`SHARE_SCRIPT`]).
    pub script: Option<&'static str>,
    pub show_language_switch: bool,
    /// The organization whose verification this is, once a session says which.
    pub brand: Option<&'a Branding>,
}

/// A full page.
pub fn page(meta: &PageMeta<'_>, body: Markup) -> Markup {
    let texts = meta.texts;
    html! {
        (DOCTYPE)
        html lang=(texts.lang.code()) dir=(texts.lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (meta.title) " – " (texts.get("site-title")) }
                style nonce=(meta.nonce) { (PreEscaped(STYLE)) (brand_style(meta.brand)) }
            }
            body {
                header {
                    (brand_header(texts, meta.brand))
                    @if meta.show_language_switch {
                        (language_switch(texts.lang))
                    }
                }
                main { (body) }
                @if let Some(brand) = meta.brand { (brand_footer(texts, brand)) }
                @if let Some(script) = meta.script {
                    script nonce=(meta.nonce) { (PreEscaped(script)) }
                }
            }
        }
    }
}

/// The brand colour for buttons and links; the checked contrast keeps them readable.
fn brand_style(brand: Option<&Branding>) -> String {
    brand
        .and_then(|b| b.brand_color.as_deref())
        .map(|color| format!(":root{{--brand:{color}}}"))
        .unwrap_or_default()
}

/// Whose verification this is: the organization's logo and name beside what the page is.
fn brand_header(texts: Texts, brand: Option<&Branding>) -> Markup {
    let Some(brand) = brand else {
        return html! { p { (texts.get("site-title")) } };
    };
    let version = brand.updated_at.map_or(0, |t| t.unix_timestamp());
    html! {
        div.brand {
            @if brand.has_logo {
                // The name follows, so the logo adds nothing for a screen reader.
                img src={ "/portal/logo?v=" (version) } alt="" height="32";
            }
            p { (brand.name()) span.site { (texts.get("site-title")) } }
        }
    }
}

/// Who controls the data, where the privacy notice is, and whom to ask for help.
fn brand_footer(texts: Texts, brand: &Branding) -> Markup {
    html! {
        footer {
            p {
                (texts.with("brand-controller", &[("controller", brand
                    .data_controller
                    .clone()
                    .unwrap_or_else(|| brand.name().to_owned())
                    .into())]))
            }
            @if let Some(url) = &brand.privacy_notice_url {
                p { a href=(url) rel="noopener" { (texts.get("brand-privacy")) } }
            }
            @if brand.support_email.is_some() || brand.support_url.is_some() {
                p {
                    (texts.get("brand-support")) " "
                    @if let Some(email) = &brand.support_email {
                        a href={ "mailto:" (email) } dir="ltr" { (email) }
                    }
                    @if brand.support_email.is_some() && brand.support_url.is_some() { " · " }
                    @if let Some(url) = &brand.support_url {
                        a href=(url) rel="noopener" dir="ltr" { (url) }
                    }
                }
            }
        }
    }
}

/// Every language in its own name, the current one marked; plain links, so it works without
/// JavaScript.
fn language_switch(current: Lang) -> Markup {
    html! {
        nav aria-label=(Texts::portal(current).get("switch-language")) {
            ul {
                @for lang in Lang::ALL {
                    li {
                        a href={ "?lang=" (lang.code()) } hreflang=(lang.code()) lang=(lang.code())
                            aria-current=[(lang == current).then_some("true")] {
                            (Texts::portal(lang).get("language-name"))
                        }
                    }
                }
            }
        }
    }
}

/// The portal's content security policy: its own inline style and script, by nonce.
const POLICY: &str = "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; \
     img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Turns a page into a response with the headers every portal page carries.
pub fn respond(status: StatusCode, nonce: &str, markup: Markup) -> Response {
    crate::web_pages::respond(status, nonce, POLICY, markup)
}

/// What a form was sent with, and what was wrong with it, to show it again.
#[derive(Debug, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: Vec<FieldError>,
}

impl FormState {
    pub fn with_errors(errors: Vec<FieldError>) -> Self {
        FormState {
            values: HashMap::new(),
            errors,
        }
    }

    pub fn error(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }

    /// The sent value of `field`, else `stored`.
    pub fn value<'a>(&'a self, field: &str, stored: Option<&'a str>) -> &'a str {
        self.values
            .get(field)
            .map(String::as_str)
            .or(stored)
            .unwrap_or("")
    }
}

/// The element id of a field (ids avoid the dots and slashes of field paths).
pub fn field_id(field: &str) -> String {
    field.replace(['.', '/'], "-")
}

/// The text for an error, from its stable code.
pub fn error_text(texts: Texts, error: &FieldError, max_upload_mb: u64) -> String {
    // A selfie is a photo: the general list of file types (PDF included) would mislead.
    let id = if error.code == "unsupported_file_type" && error.field.starts_with("selfie.") {
        "error-unsupported_photo_type".to_owned()
    } else {
        format!("error-{}", error.code)
    };
    if texts.has(&id) {
        texts.with(&id, &[("mb", max_upload_mb.into())])
    } else {
        texts.get("error-generic")
    }
}

/// The list of problems at the top of a form, each linking to its field. It takes focus
/// semantics from `role=alert`, so screen readers announce it on load.
pub fn error_summary(
    texts: Texts,
    form: &FormState,
    max_upload_mb: u64,
    labels: &[(String, String)],
) -> Markup {
    let label_of = |field: &str| {
        labels
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, label)| label.as_str())
    };
    html! {
        @if !form.errors.is_empty() {
            div.summary role="alert" aria-labelledby="error-summary" {
                h2 #error-summary { (texts.get("error-summary")) }
                ul {
                    @for error in &form.errors {
                        li {
                            @match label_of(&error.field) {
                                Some(label) => a href={ "#" (field_id(&error.field)) } {
                                    (label) ": " (error_text(texts, error, max_upload_mb))
                                },
                                None => (error_text(texts, error, max_upload_mb)),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How a field is drawn.
pub enum Input<'a> {
    Text {
        kind: &'a str,
        autocomplete: &'a str,
    },
    Select(&'a [(String, String)]),
    File {
        accept: &'a str,
        capture: Option<&'a str>,
    },
    Mrz,
}

/// A labelled field with its hint and error, wired with `aria-describedby`.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: String,
    pub hint: Option<String>,
    pub optional: bool,
    pub input: Input<'a>,
}

pub fn field(
    texts: Texts,
    form: &FormState,
    f: &Field<'_>,
    stored: Option<&str>,
    max_upload_mb: u64,
) -> Markup {
    let id = field_id(f.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let error = form.error(f.name);
    let mut described = Vec::new();
    if f.hint.is_some() {
        described.push(hint_id.as_str());
    }
    if error.is_some() {
        described.push(error_id.as_str());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = error.map(|_| "true");
    let value = form.value(f.name, stored);
    let required = !f.optional;
    html! {
        label for=(id) {
            (f.label)
            @if f.optional { " (" (texts.get("optional")) ")" }
        }
        @if let Some(hint) = &f.hint { p.hint id=(hint_id) { (hint) } }
        @if let Some(error) = error { p.error id=(error_id) { (error_text(texts, error, max_upload_mb)) } }
        @match &f.input {
            Input::Text { kind, autocomplete } => {
                input type=(kind) id=(id) name=(f.name) value=(value) autocomplete=(autocomplete)
                    dir=[machine_text(kind).then_some("ltr")]
                    required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
            }
            Input::Select(options) => {
                select id=(id) name=(f.name) required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                    option value="" { (texts.get("choose")) }
                    @for (code, name) in options.iter() {
                        option value=(code) selected[code == value] { (name) }
                    }
                }
            }
            Input::File { accept, capture } => {
                input type="file" id=(id) name=(f.name) accept=(accept) capture=[*capture]
                    data-downscale required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
            }
            Input::Mrz => {
                textarea id=(id) name=(f.name) rows="3" spellcheck="false" autocapitalize="characters" autocomplete="off" dir="ltr"
                    required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid] { (value) }
            }
        }
    }
}

/// Whether a field of this kind holds text that reads left to right in every language:
/// in a right-to-left page, a phone number's digit groups would otherwise show in reverse
/// order.
fn machine_text(kind: &str) -> bool {
    matches!(kind, "email" | "tel" | "url")
}

/// The hidden CSRF field every form carries.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}
