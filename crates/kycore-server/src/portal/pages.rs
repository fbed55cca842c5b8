//! The content of each portal page: one function per step, the review, and the pages that
//! end a visit (finished, link problems). Each form posts back to its own step; the handlers
//! in `steps.rs` save and move on.

use std::cell::RefCell;

use kycore_domain::applicant::{Address, RelatedPerson, RelatedPersonRole};
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::flow::Step;
use kycore_domain::progress::{IdentityDocumentType, UploadSlot};
use kycore_services::portal::{Handoff, PortalCase, RelatedCase, VerifyMode, ZoneRead};
use kycore_services::views::Document;
use maud::{Markup, html};
use time::OffsetDateTime;
use time::macros::format_description;

use super::countries;
use super::view::{Field, FormState, Input, csrf, error_summary, field};
use crate::i18n::Texts;

/// What a step page is drawn from.
pub struct StepView<'a> {
    pub texts: Texts,
    pub portal: &'a PortalCase,
    pub form: &'a FormState,
    pub max_upload_mb: u64,
    /// Each field's label as the page renders it, so the error summary above the form
    /// can name the field every error is about.
    pub labels: RefCell<Vec<(String, String)>>,
}

impl StepView<'_> {
    fn t(&self, id: &str) -> String {
        self.texts.get(id)
    }

    /// The name of a stored country code in the visitor's language ("" when there is none).
    fn country_name(&self, code: Option<&str>) -> String {
        code.map(|c| countries::name(self.texts.lang, c))
            .unwrap_or_default()
    }

    fn field(&self, f: Field<'_>, stored: Option<&str>) -> Markup {
        self.labels
            .borrow_mut()
            .push((f.name.to_owned(), f.label.clone()));
        field(self.texts, self.form, &f, stored, self.max_upload_mb)
    }

    fn text(
        &self,
        name: &str,
        label: &str,
        kind: &'static str,
        autocomplete: &'static str,
        optional: bool,
        stored: Option<&str>,
    ) -> Markup {
        self.field(
            Field {
                name,
                label: self.t(label),
                hint: None,
                optional,
                input: Input::Text { kind, autocomplete },
            },
            stored,
        )
    }

    fn country(&self, name: &str, label: &str, optional: bool, stored: Option<&str>) -> Markup {
        self.field(
            Field {
                name,
                label: self.t(label),
                hint: None,
                optional,
                input: Input::Select(countries::choices(self.texts.lang)),
            },
            stored,
        )
    }

    /// Where the step sits among the round's steps, each named, its title, and the form
    /// errors. A related person verified in the business's browser is named with the
    /// business, counts their own steps, and has the way back to the business's flow.
    fn heading(&self, step: Step) -> Markup {
        let to_do = &self.portal.to_do;
        let position = to_do.iter().position(|s| *s == step).unwrap_or(0) + 1;
        let count = [("current", position.into()), ("total", to_do.len().into())];
        let completed = &self.portal.progress.completed;
        let acting = self.portal.acting_for.as_ref();
        let progress = if acting.is_some() {
            "acting-progress"
        } else {
            "progress"
        };
        html! {
            @if let Some(acting) = acting {
                p.acting {
                    strong { (self.texts.with("acting-for", &[("person", acting.person_name.clone().into()), ("business", acting.business_name.clone().into())])) }
                    br;
                    a href=(acting.back_url) { (self.texts.with("acting-back", &[("business", acting.business_name.clone().into())])) }
                }
            }
            nav.progress aria-label=(self.t("progress-label")) {
                p.step { (self.texts.with(progress, &count)) }
                ol {
                    @for s in to_do {
                        @let name = self.t(&format!("step-{}", s.as_str()));
                        // On a phone only the current step's name shows; the others stay
                        // named for screen readers.
                        @if *s == step {
                            li.current aria-current="step" { span.n { (name) } }
                        } @else if completed.contains(s) {
                            li.done { span.n { (name) } span.vh { " (" (self.t("progress-done")) ")" } }
                        } @else {
                            li { span.n { (name) } }
                        }
                    }
                }
            }
            h1 { (self.t(&format!("step-{}", step.as_str()))) }
            (error_summary(self.texts, self.form, self.max_upload_mb, &self.labels.borrow()))
        }
    }

    /// An upload step's form: its files, and once they are all in, a way on without
    /// sending them again.
    fn upload_form(&self, step: Step, content: Markup) -> Markup {
        html! {
            form method="post" action={ "/portal/" (step.as_str()) } enctype="multipart/form-data" novalidate {
                (csrf(&self.portal.csrf_token))
                (content)
                div.actions {
                    button type="submit" { (self.t("button-upload")) }
                    (keep_and_continue(self, step))
                }
            }
        }
    }

    fn form(&self, action: &str, content: Markup, button: &str) -> Markup {
        html! {
            form method="post" action=(action) novalidate {
                (csrf(&self.portal.csrf_token))
                (content)
                button type="submit" { (self.t(button)) }
            }
        }
    }
}

/// The page of `step`.
/// The page of `step`. The body is rendered first: the heading's error summary names the
/// fields the body labelled.
pub fn step(view: &StepView<'_>, step: Step, change_document: bool) -> Markup {
    let body = match step {
        Step::Consent => consent(view),
        Step::PersonalDetails => personal_details(view),
        Step::IdentityDocument => identity_document(view, change_document),
        Step::Selfie => single_upload(view, Step::Selfie, "selfie-hint", "selfie-file"),
        Step::ProofOfAddress => single_upload(view, Step::ProofOfAddress, "poa-hint", "poa-file"),
        Step::CompanyDetails => company_details(view),
        Step::CompanyDocuments => company_documents(view),
        Step::RelatedPersons => related_persons(view),
        Step::Review => review(view),
    };
    html! {
        (view.heading(step))
        (asked_again(view, step))
        (body)
        form.phone method="post" action="/portal/handoff" {
            (csrf(&view.portal.csrf_token))
            button.secondary type="submit" { (view.t("phone-button")) }
        }
        @if let Some(url) = super::returning::leave_url(view.portal) {
            p.leave { a href=(url) { (view.t("finished-return")) } }
        }
    }
}

/// Why a step the applicant already did is asked again: each reason in their language, and
/// the note of the person who asked.
fn asked_again(view: &StepView<'_>, step: Step) -> Markup {
    let Some(resubmission) = view
        .portal
        .resubmission
        .as_ref()
        .filter(|r| r.steps.contains(&step))
    else {
        return html! {};
    };
    let reasons = resubmission.reasons_for(step);
    html! {
        div.card.notice role="status" {
            h2 { (view.t("again-title")) }
            @if reasons.is_empty() && resubmission.note.is_none() {
                p { (view.t("again-generic")) }
            }
            @if !reasons.is_empty() {
                ul {
                    @for code in reasons {
                        li { (reason_text(view, code)) }
                    }
                }
            }
            @if let Some(note) = &resubmission.note {
                p { (view.texts.with("again-note", &[("organization", view.portal.branding.name().to_owned().into())])) }
                blockquote { (note) }
            }
        }
    }
}

/// A rejection reason as the applicant reads it; one without its own text gets a general one.
fn reason_text(view: &StepView<'_>, code: &str) -> String {
    let id = format!("reason-{code}");
    if view.texts.has(&id) {
        view.t(&id)
    } else {
        view.t("reason-other")
    }
}

/// What the applicant should have at hand, from the steps of their flow.
fn what_you_need(view: &StepView<'_>) -> Vec<String> {
    view.portal
        .to_do
        .iter()
        .filter_map(|step| match step {
            Step::IdentityDocument => Some(view.t("need-identity_document")),
            Step::Selfie => Some(view.t("need-selfie")),
            Step::ProofOfAddress => Some(view.t("need-proof_of_address")),
            Step::CompanyDetails => Some(view.t("need-company_details")),
            Step::CompanyDocuments => {
                let names: Vec<String> = view
                    .portal
                    .flow
                    .company_documents()
                    .iter()
                    .map(|d| view.t(&format!("cdoc-{}", d.as_str())))
                    .collect();
                Some(view.texts.with(
                    "need-company_documents",
                    &[("documents", names.join(", ").into())],
                ))
            }
            Step::RelatedPersons => Some(view.t("need-related_persons")),
            Step::Consent | Step::PersonalDetails | Step::Review => None,
        })
        .collect()
}

fn consent(view: &StepView<'_>) -> Markup {
    let intro = match view.portal.kind {
        CaseKind::Kyc => "consent-intro",
        CaseKind::Kyb => "consent-intro-business",
    };
    let checked = view.portal.progress.consent_at.is_some();
    let error = view.form.error("consent");
    let content = html! {
        div.card {
            p { (view.texts.with(intro, &[("organization", view.portal.branding.name().to_owned().into())])) }
            p { (view.t("consent-what")) }
            h2 { (view.t("need-title")) }
            ul { @for item in what_you_need(view) { li { (item) } } }
            p { (view.t("consent-time")) }
        }
        @if let Some(error) = error {
            p.error #consent-error { (super::view::error_text(view.texts, error, view.max_upload_mb)) }
        }
        div.check {
            input type="checkbox" id="consent" name="consent" value="yes" checked[checked] required
                aria-describedby=[error.map(|_| "consent-error")] aria-invalid=[error.map(|_| "true")];
            label for="consent" { (view.t("consent-checkbox")) }
        }
    };
    view.form("/portal/consent", content, "button-continue")
}

fn address_fields(
    view: &StepView<'_>,
    prefix: &str,
    legend: &str,
    stored: Option<&Address>,
) -> Markup {
    let name = |field: &str| format!("{prefix}.address.{field}");
    html! {
        fieldset {
            legend { (view.t(legend)) }
            (view.text(&name("line1"), "field-address-line1", "text", "address-line1", false, stored.and_then(|a| a.line1.as_deref())))
            (view.text(&name("line2"), "field-address-line2", "text", "address-line2", true, stored.and_then(|a| a.line2.as_deref())))
            (view.text(&name("postal_code"), "field-address-postal_code", "text", "postal-code", true, stored.and_then(|a| a.postal_code.as_deref())))
            (view.text(&name("city"), "field-address-city", "text", "address-level2", false, stored.and_then(|a| a.city.as_deref())))
            (view.country(&name("country"), "field-address-country", false, stored.and_then(|a| a.country.as_deref())))
        }
    }
}

fn personal_details(view: &StepView<'_>) -> Markup {
    let stored = view.portal.applicant.individual.clone().unwrap_or_default();
    let content = html! {
        p.hint { (view.t("required-hint")) }
        (view.text("individual.first_name", "field-first_name", "text", "given-name", false, stored.first_name.as_deref()))
        (view.text("individual.middle_name", "field-middle_name", "text", "additional-name", true, stored.middle_name.as_deref()))
        (view.text("individual.last_name", "field-last_name", "text", "family-name", false, stored.last_name.as_deref()))
        (view.field(Field {
            name: "individual.date_of_birth",
            label: view.t("field-date_of_birth"),
            hint: Some(view.t("hint-date")),
            optional: false,
            input: Input::Text { kind: "date", autocomplete: "bday" },
        }, stored.date_of_birth.as_deref()))
        (view.country("individual.nationality", "field-nationality", false, stored.nationality.as_deref()))
        (view.text("individual.email", "field-email", "email", "email", true, stored.email.as_deref()))
        (view.field(Field {
            name: "individual.phone",
            label: view.t("field-phone"),
            hint: Some(view.t("hint-phone")),
            optional: true,
            input: Input::Text { kind: "tel", autocomplete: "tel" },
        }, stored.phone.as_deref()))
        (address_fields(view, "individual", "legend-address", stored.address.as_ref()))
    };
    view.form("/portal/personal_details", content, "button-save")
}

fn company_details(view: &StepView<'_>) -> Markup {
    let stored = view.portal.applicant.business.clone().unwrap_or_default();
    let content = html! {
        p.hint { (view.t("required-hint")) }
        (view.text("business.legal_name", "field-legal_name", "text", "organization", false, stored.legal_name.as_deref()))
        (view.text("business.registration_number", "field-registration_number", "text", "off", false, stored.registration_number.as_deref()))
        (view.country("business.country", "field-business-country", false, stored.country.as_deref()))
        (view.text("business.state", "field-state", "text", "address-level1", true, stored.state.as_deref()))
        (view.field(Field {
            name: "business.lei",
            label: view.t("field-lei"),
            hint: Some(view.t("hint-lei")),
            optional: true,
            input: Input::Text { kind: "text", autocomplete: "off" },
        }, stored.lei.as_deref()))
        (view.text("business.vat_number", "field-vat_number", "text", "off", true, stored.vat_number.as_deref()))
        (view.text("business.website", "field-website", "url", "url", true, stored.website.as_deref()))
        (address_fields(view, "business", "legend-business-address", stored.address.as_ref()))
    };
    view.form("/portal/company_details", content, "button-save")
}

fn document_name(texts: Texts, document_type: IdentityDocumentType) -> String {
    texts.get(&format!("doc-{}", document_type.as_str()))
}

/// The identity document chosen, in words: "Passport from Germany".
fn identity_chosen(
    view: &StepView<'_>,
    document_type: IdentityDocumentType,
    country: &str,
) -> String {
    view.texts.with(
        "idoc-chosen",
        &[
            ("document", document_name(view.texts, document_type).into()),
            ("country", countries::name(view.texts.lang, country).into()),
        ],
    )
}

fn identity_document(view: &StepView<'_>, change: bool) -> Markup {
    match (&view.portal.progress.identity_document, change) {
        (Some(choice), false) => identity_upload(view, choice.document_type, &choice.country),
        (choice, _) => identity_choice(
            view,
            choice
                .as_ref()
                .map(|c| (c.document_type, c.country.as_str())),
        ),
    }
}

fn identity_choice(view: &StepView<'_>, current: Option<(IdentityDocumentType, &str)>) -> Markup {
    let chosen = view
        .form
        .values
        .get("document_type")
        .and_then(|v| IdentityDocumentType::parse(v))
        .or(current.map(|c| c.0));
    let error = view.form.error("document_type");
    let content = html! {
        fieldset aria-describedby=[error.map(|_| "document_type-error")] {
            legend { (view.t("idoc-type")) }
            @if let Some(error) = error {
                p.error #document_type-error { (super::view::error_text(view.texts, error, view.max_upload_mb)) }
            }
            @for (i, document_type) in IdentityDocumentType::ALL.into_iter().enumerate() {
                @let id = if i == 0 { "document_type".to_owned() } else { format!("document_type-{}", document_type.as_str()) };
                div.check {
                    input type="radio" id=(id) name="document_type" value=(document_type.as_str())
                        checked[chosen == Some(document_type)] required;
                    label for=(id) { (document_name(view.texts, document_type)) }
                }
            }
        }
        (view.country("country", "idoc-country", false, current.map(|c| c.1)))
    };
    view.form(
        "/portal/identity_document/choice",
        content,
        "button-use-document",
    )
}

fn file_field(view: &StepView<'_>, slot: &UploadSlot, label: String, accept: &str) -> Markup {
    let uploaded = view.portal.uploaded(slot);
    let key = slot.key();
    let hint = match (uploaded, view.portal.attempts_left(slot)) {
        (Some(_), _) => Some(view.t("uploaded-keep")),
        (None, Some(left)) => Some(view.texts.with("attempts-left", &[("count", left.into())])),
        (None, None) => None,
    };
    html! {
        @if let Some(document) = uploaded { (upload_preview(document, &label)) }
        (view.field(
            Field {
                name: &key,
                label,
                hint,
                optional: uploaded.is_some(),
                input: Input::File { accept, capture: capture_for(slot) },
            },
            None,
        ))
    }
}

/// A selfie is taken now, with the front camera: a stored photo proves less. A document
/// input names no camera, so phones offer the camera beside the photos already taken and,
/// where a PDF is allowed, files.
fn capture_for(slot: &UploadSlot) -> Option<&'static str> {
    (slot.document_type == "selfie").then_some("user")
}

/// A small picture of an upload (or a mark saying it is a PDF), named for screen readers.
fn upload_preview(document: &Document, label: &str) -> Markup {
    html! {
        @if document.content_type.starts_with("image/") {
            img.preview src={ "/portal/documents/" (document.id) "/preview" } alt=(label);
        } @else {
            p.preview-pdf { "PDF" }
        }
    }
}

/// The name of what goes into an upload slot, in words.
fn slot_label(view: &StepView<'_>, slot: &UploadSlot) -> String {
    match IdentityDocumentType::parse(slot.document_type) {
        Some(document_type) => {
            let side = match (slot.side, document_type) {
                ("back", _) => view.t("idoc-back"),
                (_, IdentityDocumentType::Passport) => view.t("idoc-front-passport"),
                _ => view.t("idoc-front"),
            };
            format!("{}: {side}", document_name(view.texts, document_type))
        }
        None => match slot.document_type {
            "selfie" => view.t("selfie-file"),
            "proof-of-address" => view.t("poa-file"),
            other => view.t(&format!("cdoc-{other}")),
        },
    }
}

/// A way on without uploading again, once every file of the step is in.
fn keep_and_continue(view: &StepView<'_>, step: Step) -> Markup {
    let slots = view.portal.progress.slots(step, &view.portal.flow);
    let all_in = !slots.is_empty() && slots.iter().all(|s| view.portal.uploaded(s).is_some());
    html! {
        @if all_in {
            a.button.secondary href="/portal" { (view.t("button-keep")) }
        }
    }
}

const ANY_DOCUMENT: &str = "image/jpeg,image/png,application/pdf";
const PHOTO: &str = "image/jpeg,image/png";

fn identity_upload(
    view: &StepView<'_>,
    document_type: IdentityDocumentType,
    country: &str,
) -> Markup {
    let slots = view
        .portal
        .progress
        .slots(Step::IdentityDocument, &view.portal.flow);
    let chosen = identity_chosen(view, document_type, country);
    let front_uploaded = slots
        .first()
        .and_then(|s| view.portal.uploaded(s))
        .is_some();
    let content = html! {
        p.hint { (view.texts.with("upload-hint", &[("mb", view.max_upload_mb.into())])) }
        @for slot in &slots {
            @let label = match (slot.side, document_type) {
                ("back", _) => view.t("idoc-back"),
                (_, IdentityDocumentType::Passport) => view.t("idoc-front-passport"),
                _ => view.t("idoc-front"),
            };
            (file_field(view, slot, label, ANY_DOCUMENT))
        }
        @if document_type.has_mrz() {
            (zone_read(view, front_uploaded))
        } @else {
            (view.field(Field {
                name: "document_number",
                label: view.t("idoc-number"),
                hint: Some(view.t("idoc-number-hint")),
                optional: front_uploaded,
                input: Input::Text { kind: "text", autocomplete: "off" },
            }, None))
            (view.field(Field {
                name: "expiry_date",
                label: view.t("idoc-expiry"),
                hint: Some(view.t("idoc-expiry-hint")),
                optional: front_uploaded,
                input: Input::Text { kind: "date", autocomplete: "off" },
            }, None))
        }
    };
    html! {
        div.card {
            p { strong { (chosen) } }
            a.button.secondary href="/portal/identity_document?change=1" { (view.t("button-change")) }
        }
        (view.upload_form(Step::IdentityDocument, content))
    }
}

/// The MRZ part of the identity document step. Where the deployment reads zones from photos,
/// the applicant sees what was read and types the zone only when reading failed; elsewhere
/// they type it, as the only way in.
fn zone_read(view: &StepView<'_>, front_uploaded: bool) -> Markup {
    let type_it = |optional| {
        view.field(
            Field {
                name: "mrz",
                label: view.t("idoc-mrz"),
                hint: Some(view.t("idoc-mrz-hint")),
                optional,
                input: Input::Mrz,
            },
            None,
        )
    };
    match (&view.portal.zone, view.portal.reads_zones) {
        (Some(ZoneRead::Read(identity)), _) => html! {
            div.card #zone-read role="status" {
                h2 { (view.t("idoc-read-title")) }
                (answers(view, &[
                    ("idoc-read-surname", Some(identity.surname.clone())),
                    ("idoc-read-given-names", Some(identity.given_names.clone())),
                    ("idoc-read-number", Some(identity.document_number.clone())),
                    ("idoc-read-birth", identity.date_of_birth.clone()),
                    ("idoc-read-expiry", identity.date_of_expiry.clone()),
                    ("idoc-read-nationality", Some(identity.nationality.clone())),
                ]))
                p.hint { (view.t("idoc-read-hint")) }
            }
        },
        (Some(ZoneRead::NotRead), true) => html! {
            p.card.notice #zone-unread role="status" { (view.t("idoc-unread")) }
            (type_it(true))
        },
        // Nothing photographed yet: the zone will be read from the photo.
        (None, true) => html! {},
        _ => type_it(front_uploaded),
    }
}

fn single_upload(view: &StepView<'_>, step: Step, hint: &str, label: &str) -> Markup {
    let slots = view.portal.progress.slots(step, &view.portal.flow);
    let (accept, size_hint) = if step == Step::Selfie {
        (PHOTO, "upload-hint-photo")
    } else {
        (ANY_DOCUMENT, "upload-hint")
    };
    let content = html! {
        p { (view.t(hint)) }
        p.hint { (view.texts.with(size_hint, &[("mb", view.max_upload_mb.into())])) }
        @for slot in &slots {
            (file_field(view, slot, view.t(label), accept))
        }
    };
    view.upload_form(step, content)
}

fn company_documents(view: &StepView<'_>) -> Markup {
    let slots = view
        .portal
        .progress
        .slots(Step::CompanyDocuments, &view.portal.flow);
    let content = html! {
        p { (view.t("cdoc-hint")) }
        p.hint { (view.texts.with("upload-hint", &[("mb", view.max_upload_mb.into())])) }
        @for slot in &slots {
            (file_field(view, slot, view.t(&format!("cdoc-{}", slot.document_type)), ANY_DOCUMENT))
        }
    };
    view.upload_form(Step::CompanyDocuments, content)
}

fn role_name(texts: Texts, role: RelatedPersonRole) -> String {
    let id = match role {
        RelatedPersonRole::Ubo => "role-ubo",
        RelatedPersonRole::Director => "role-director",
        RelatedPersonRole::Representative => "role-representative",
        RelatedPersonRole::Signatory => "role-signatory",
    };
    texts.get(id)
}

pub const ROLES: [(RelatedPersonRole, &str); 4] = [
    (RelatedPersonRole::Ubo, "ubo"),
    (RelatedPersonRole::Director, "director"),
    (RelatedPersonRole::Representative, "representative"),
    (RelatedPersonRole::Signatory, "signatory"),
];

fn person_name(person: &RelatedPerson) -> String {
    [person.first_name.as_deref(), person.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

fn status_text(texts: Texts, status: CaseStatus) -> String {
    texts.get(&format!("status-{}", status.as_str()))
}

fn person_card(view: &StepView<'_>, person: &RelatedPerson) -> Markup {
    let id = person
        .id
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let name = person_name(person);
    let related = view.portal.related_case(&id);
    let needs_verification = matches!(
        person.role,
        RelatedPersonRole::Ubo | RelatedPersonRole::Director
    );
    let error = view.form.error(&format!("related_persons.{id}"));
    html! {
        div.card id=(super::view::field_id(&format!("related_persons.{id}"))) {
            h2 { (name) }
            p {
                (role_name(view.texts, person.role))
                @if let Some(percent) = person.ownership_percent {
                    ", " (view.texts.with("rp-owns", &[("percent", percent.into())]))
                }
            }
            @if let Some(error) = error {
                p.error { (super::view::error_text(view.texts, error, view.max_upload_mb)) }
            }
            @match related {
                Some(case) => {
                    p { (view.texts.with("rp-verification", &[("status", status_text(view.texts, case.status).into())])) }
                    @if case.mode == VerifyMode::Link && case.status.awaits_applicant() {
                        (own_link(view, person, &id, case))
                    }
                }
                None => {
                    @if needs_verification {
                        p { (view.texts.with("rp-how", &[("name", name.clone().into())])) }
                        form method="post" action="/portal/related_persons/verify" {
                            (csrf(&view.portal.csrf_token))
                            input type="hidden" name="person_id" value=(id);
                            div.actions {
                                button type="submit" name="mode" value=(VerifyMode::Here.as_str()) { (view.t("button-verify-here")) }
                                button.secondary type="submit" name="mode" value=(VerifyMode::Link.as_str()) { (view.t("button-send-link")) }
                            }
                        }
                    }
                    form method="post" action="/portal/related_persons/remove" {
                        (csrf(&view.portal.csrf_token))
                        input type="hidden" name="person_id" value=(id);
                        button.secondary type="submit" aria-label={ (view.t("button-remove")) ": " (name) } { (view.t("button-remove")) }
                    }
                }
            }
        }
    }
}

/// A related person's own link: as text, with copy and share buttons where the browser can
/// (hidden until the script shows them), its QR code a page away, and how it goes by e-mail.
fn own_link(view: &StepView<'_>, person: &RelatedPerson, id: &str, case: &RelatedCase) -> Markup {
    let name = person_name(person);
    html! {
        p { (view.texts.with("rp-link-for", &[("name", name.clone().into())])) }
        p.link { (case.verification_url) }
        div.actions {
            button.secondary type="button" hidden data-copy=(case.verification_url) data-done=(view.t("link-copied")) { (view.t("button-copy-link")) }
            button.secondary type="button" hidden data-share=(case.verification_url) data-title=(view.texts.with("rp-qr-heading", &[("name", name.clone().into())])) { (view.t("button-share-link")) }
            a.button.secondary href={ "/portal/related_persons/qr?person=" (id) } aria-label={ (view.t("button-show-qr")) ": " (name) } { (view.t("button-show-qr")) }
        }
        (email_status(view, person, id, case))
    }
}

/// Whether the link was e-mailed, and the button that sends it (again).
fn email_status(
    view: &StepView<'_>,
    person: &RelatedPerson,
    id: &str,
    case: &RelatedCase,
) -> Markup {
    let name = person_name(person);
    let email = person.email.as_deref().filter(|_| view.portal.mail_enabled);
    let (text, button) = match (email, case.email_sent_at, case.email_requested_at) {
        (None, _, _) if !view.portal.mail_enabled => (view.t("rp-email-off"), None),
        (None, _, _) => (
            view.texts
                .with("rp-email-unknown", &[("name", name.clone().into())]),
            None,
        ),
        (Some(email), Some(sent), _) => (
            view.texts.with(
                "rp-email-sent",
                &[
                    ("email", email.to_owned().into()),
                    ("date", when(sent).into()),
                ],
            ),
            Some("button-email-again"),
        ),
        (Some(email), None, Some(_)) => (
            view.texts
                .with("rp-email-queued", &[("email", email.to_owned().into())]),
            Some("button-email-again"),
        ),
        (Some(email), None, None) => (
            view.texts
                .with("rp-email-ready", &[("email", email.to_owned().into())]),
            Some("button-email"),
        ),
    };
    html! {
        p.hint { (text) }
        @if let Some(button) = button {
            form method="post" action="/portal/related_persons/email" {
                (csrf(&view.portal.csrf_token))
                input type="hidden" name="person_id" value=(id);
                button.secondary type="submit" aria-label={ (view.t(button)) ": " (name) } { (view.t(button)) }
            }
        }
    }
}

/// A moment as the page shows it: the same in every language, in UTC.
fn when(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

fn related_persons(view: &StepView<'_>) -> Markup {
    let persons = &view.portal.applicant.related_persons;
    let role_options: Vec<(String, String)> = ROLES
        .iter()
        .map(|(role, code)| ((*code).to_owned(), role_name(view.texts, *role)))
        .collect();
    let add = html! {
        (view.field(Field { name: "role", label: view.t("rp-role"), hint: None, optional: false, input: Input::Select(&role_options) }, None))
        (view.text("first_name", "field-first_name", "text", "off", false, None))
        (view.text("last_name", "field-last_name", "text", "off", false, None))
        (view.field(Field {
            name: "date_of_birth",
            label: view.t("field-date_of_birth"),
            hint: Some(view.t("hint-date")),
            optional: false,
            input: Input::Text { kind: "date", autocomplete: "off" },
        }, None))
        (view.country("nationality", "field-nationality", false, None))
        (view.text("email", "field-email", "email", "off", true, None))
        (view.text("ownership_percent", "field-ownership_percent", "number", "off", true, None))
    };
    html! {
        p { (view.t("rp-intro")) }
        @if persons.is_empty() {
            p #related_persons { (view.t("rp-none")) }
        } @else {
            div #related_persons { @for person in persons { (person_card(view, person)) } }
        }
        @if !persons.is_empty() {
            form method="post" action="/portal/related_persons" {
                (csrf(&view.portal.csrf_token))
                button type="submit" { (view.t("button-continue")) }
            }
        }
        div.card {
            h2 { (view.t("rp-add-heading")) }
            (view.form("/portal/related_persons/add", add, "button-add-person"))
        }
    }
}

fn review_row(view: &StepView<'_>, step: Step, content: Markup) -> Markup {
    let done = view.portal.progress.completed.contains(&step);
    html! {
        div.card id=(format!("review-{}", step.as_str())) {
            h2 { (view.t(&format!("step-{}", step.as_str()))) }
            @if done { (content) } @else { p.todo { (view.t("review-not-done")) } }
            @if view.portal.is_open() {
                a href={ "/portal/" (step.as_str()) }
                    aria-label={ (view.t("button-change")) ": " (view.t(&format!("step-{}", step.as_str()))) } {
                    (view.t("button-change"))
                }
            }
        }
    }
}

/// Each file of an upload step: its picture, its name in words, and a way to replace it.
fn uploads_summary(view: &StepView<'_>, step: Step) -> Markup {
    let slots = view.portal.progress.slots(step, &view.portal.flow);
    let identity = match (step, &view.portal.progress.identity_document) {
        (Step::IdentityDocument, Some(choice)) => {
            Some(identity_chosen(view, choice.document_type, &choice.country))
        }
        _ => None,
    };
    html! {
        @if let Some(identity) = identity { p { (identity) } }
        ul.uploads {
            @for slot in &slots {
                @if let Some(document) = view.portal.uploaded(slot) {
                    @let label = slot_label(view, slot);
                    li {
                        (upload_preview(document, &label))
                        span { (label) }
                        a href={ "/portal/" (step.as_str()) }
                            aria-label={ (view.t("button-replace")) ": " (label) } { (view.t("button-replace")) }
                    }
                }
            }
        }
    }
}

fn review(view: &StepView<'_>) -> Markup {
    let portal = view.portal;
    let rows = portal
        .to_do
        .iter()
        .filter(|s| **s != Step::Review)
        .map(|step| {
            let content = match step {
                Step::Consent => html! { p.done { (view.t("review-consent")) } },
                Step::PersonalDetails => personal_details_summary(view),
                Step::CompanyDetails => company_details_summary(view),
                Step::RelatedPersons => html! {
                    ul {
                        @for person in &portal.applicant.related_persons {
                            li { (person_name(person)) ", " (role_name(view.texts, person.role)) }
                        }
                    }
                },
                other => uploads_summary(view, *other),
            };
            review_row(view, *step, content)
        });
    html! {
        p { (view.t("review-intro")) }
        @for row in rows { (row) }
        form method="post" action="/portal/submit" {
            (csrf(&portal.csrf_token))
            p { (view.t("review-confirm")) }
            button type="submit" { (view.t("button-submit")) }
        }
    }
}

/// Label and answer pairs, the unanswered ones left out.
fn answers(view: &StepView<'_>, rows: &[(&str, Option<String>)]) -> Markup {
    html! {
        dl {
            @for (label, value) in rows {
                @if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
                    dt { (view.t(label)) } dd { (value) }
                }
            }
        }
    }
}

/// An address on one line, its country named.
fn address_in_words(view: &StepView<'_>, address: Option<&Address>) -> Option<String> {
    let a = address?;
    let parts: Vec<String> = [
        a.line1.clone(),
        a.line2.clone(),
        a.postal_code.clone(),
        a.city.clone(),
        a.country.as_deref().map(|c| view.country_name(Some(c))),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn personal_details_summary(view: &StepView<'_>) -> Markup {
    let p = view.portal.applicant.individual.clone().unwrap_or_default();
    answers(
        view,
        &[
            ("field-first_name", p.first_name),
            ("field-middle_name", p.middle_name),
            ("field-last_name", p.last_name),
            (
                "field-date_of_birth",
                p.date_of_birth.as_deref().map(|d| view.texts.date(d)),
            ),
            (
                "field-nationality",
                Some(view.country_name(p.nationality.as_deref())),
            ),
            ("field-email", p.email),
            ("field-phone", p.phone),
            ("legend-address", address_in_words(view, p.address.as_ref())),
        ],
    )
}

fn company_details_summary(view: &StepView<'_>) -> Markup {
    let b = view.portal.applicant.business.clone().unwrap_or_default();
    answers(
        view,
        &[
            ("field-legal_name", b.legal_name),
            ("field-registration_number", b.registration_number),
            (
                "field-business-country",
                Some(view.country_name(b.country.as_deref())),
            ),
            ("field-lei", b.lei),
            ("field-vat_number", b.vat_number),
            ("field-website", b.website),
            (
                "legend-business-address",
                address_in_words(view, b.address.as_ref()),
            ),
        ],
    )
}

/// The page of a case the applicant can no longer change: its status, and the way back to
/// the platform when there is one.
pub fn finished(texts: Texts, status: CaseStatus, return_url: Option<&str>) -> (String, Markup) {
    let key = match status {
        CaseStatus::Submitted | CaseStatus::Processing | CaseStatus::InReview => "submitted",
        CaseStatus::Approved => "approved",
        CaseStatus::Rejected => "rejected",
        _ => "closed",
    };
    let heading = texts.get(&format!("finished-{key}-heading"));
    let body = html! {
        h1 { (heading) }
        p { (texts.get(&format!("finished-{key}"))) }
        p { (texts.with("finished-status", &[("status", status_text(texts, status).into())])) }
        @if let Some(url) = return_url {
            p { a.button href=(url) { (texts.get("finished-return")) } }
        }
    };
    (heading, body)
}

/// A page that explains why nothing can be shown (`id` names the `-heading` and text pair).
/// A link that expired while its page was open: what was lost, what was kept, and what was
/// typed on the page, given back to copy. Files are not shown: they were not kept. With
/// `back`, a way back to the platform.
pub fn expired_mid_form(
    texts: Texts,
    typed: &std::collections::HashMap<String, String>,
    back: Option<&str>,
) -> (String, Markup) {
    let heading = texts.get("expired-form-heading");
    let mut answers: Vec<(String, &String)> = typed
        .iter()
        .filter(|(name, value)| name.as_str() != "csrf" && !value.trim().is_empty())
        .map(|(name, value)| (typed_field_label(texts, name), value))
        .collect();
    answers.sort();
    let body = html! {
        h1 { (heading) }
        p { (texts.get("expired-form")) }
        @if !answers.is_empty() {
            h2 { (texts.get("expired-form-typed")) }
            dl {
                @for (label, value) in &answers { dt { (label) } dd { (value) } }
            }
        }
        @if let Some(url) = back {
            p { a.button href=(url) { (texts.get("finished-return")) } }
        }
    };
    (heading, body)
}

/// A form field's label from its name (`individual.address.city` → "Town or city"); the
/// name itself when no label is known.
fn typed_field_label(texts: Texts, name: &str) -> String {
    let short = name
        .strip_prefix("individual.")
        .or_else(|| name.strip_prefix("business."))
        .unwrap_or(name);
    let id = format!("field-{}", short.replace('.', "-"));
    if texts.has(&id) {
        texts.get(&id)
    } else {
        name.to_owned()
    }
}

pub fn notice(texts: Texts, id: &str) -> (String, Markup) {
    let heading = texts.get(&format!("{id}-heading"));
    let body = html! {
        h1 { (heading) }
        p { (texts.get(id)) }
    };
    (heading, body)
}

/// The QR code of a related person's own link, to scan from this screen.
pub fn related_link_qr(texts: Texts, person: &RelatedPerson, url: &str) -> (String, Markup) {
    let name = person_name(person);
    let heading = texts.with("rp-qr-heading", &[("name", name.clone().into())]);
    let label = texts.with("rp-qr-label", &[("name", name.clone().into())]);
    let body = html! {
        h1 { (heading) }
        p { (texts.with("rp-qr-hint", &[("name", name.into())])) }
        @if let Some(code) = crate::qr::svg(url, &label) { (code) }
        p.link { (url) }
        p { a.button.secondary href="/portal/related_persons" { (texts.get("button-back-persons")) } }
    };
    (heading, body)
}

/// The QR code that continues this verification on a phone.
pub fn handoff(texts: Texts, handoff: &Handoff) -> (String, Markup) {
    let heading = texts.get("phone-heading");
    let body = html! {
        h1 { (heading) }
        p { (texts.get("phone-hint")) }
        @if let Some(code) = crate::qr::svg(&handoff.url, &texts.get("phone-label")) { (code) }
        p { (texts.get("phone-type")) }
        p.link #handoff-url { (handoff.url) }
        p { a.button.secondary href="/portal" { (texts.get("phone-back")) } }
    };
    (heading, body)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn an_expired_form_gives_back_what_was_typed_by_label() {
        let typed: HashMap<String, String> = [
            ("csrf", "secret-token"),
            ("individual.first_name", "Anna"),
            ("individual.address.city", "Stockholm"),
            ("individual.middle_name", " "),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (title, body) = expired_mid_form(Texts::portal(Lang::En), &typed, None);
        let html = body.into_string();
        assert_eq!(title, "Your link expired while this page was open");
        assert!(html.contains("<dt>First name</dt><dd>Anna</dd>"), "{html}");
        assert!(
            html.contains("<dt>Town or city</dt><dd>Stockholm</dd>"),
            "{html}"
        );
        assert!(
            !html.contains("secret-token"),
            "the CSRF token is not an answer"
        );
        assert!(!html.contains("Middle"), "blank answers are left out");
        let (_, nothing_typed) = expired_mid_form(Texts::portal(Lang::En), &HashMap::new(), None);
        assert!(!nothing_typed.into_string().contains("<dl>"));
    }
}
