//! The step handlers: show a step, save it and move on, plus the identity document choice,
//! the related persons' actions, submission and the finished page. A form that does not
//! pass is shown again with what was sent and an error summary (422); a request without
//! this session's CSRF token changes nothing.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kycore_domain::applicant::{Address, BusinessProfile, IndividualProfile, RelatedPerson};
use kycore_domain::flow::{ReturnParameters, Step};
use kycore_domain::progress::{IdentityDocumentChoice, IdentityDocumentType};
use kycore_domain::validation::FieldError;
use kycore_services::ServiceError;
use kycore_services::documents::TypedDetails;
use kycore_services::portal::{PortalCase, PortalSession, PortalUpload, VerifyMode};
use serde::Deserialize;

use super::pages::{self, ROLES, StepView};
use super::returning::return_url;
use super::view::{DOWNSCALE_SCRIPT, FormState, SHARE_SCRIPT};
use super::{MAX_FILES_PER_REQUEST, Visitor};
use crate::AppState;
use crate::extract::read_capped;
use crate::web_pages::same_origin;

type Fields = HashMap<String, String>;

fn max_upload_mb(state: &AppState) -> u64 {
    (state.services.config().max_upload_bytes as u64).div_ceil(1024 * 1024)
}

fn to_finished() -> Response {
    Redirect::to("/portal/finished").into_response()
}

/// The step named in the path, if the case's flow has it this round.
fn step_of(name: &str, portal: &PortalCase) -> Option<Step> {
    Step::parse(name).filter(|step| portal.to_do.contains(step))
}

fn render(
    state: &AppState,
    visitor: &Visitor,
    portal: &PortalCase,
    step: Step,
    form: &FormState,
    status: StatusCode,
    change_document: bool,
) -> Response {
    let view = StepView {
        texts: visitor.texts,
        portal,
        form,
        max_upload_mb: max_upload_mb(state),
        labels: Default::default(),
    };
    let title = visitor.texts.get(&format!("step-{}", step.as_str()));
    let script = if step.collects_files() {
        Some(DOWNSCALE_SCRIPT)
    } else if step == Step::RelatedPersons {
        Some(SHARE_SCRIPT)
    } else {
        None
    };
    visitor.page(
        status,
        &title,
        pages::step(&view, step, change_document),
        script,
        Some(&portal.branding),
    )
}

/// A service error as the form shows it; failures that are not the applicant's to fix get
/// the "try again later" page.
fn form_errors(visitor: &Visitor, error: ServiceError) -> Result<FormState, Response> {
    let field_error = |code: &'static str, message: String| FieldError {
        field: String::new(),
        code,
        message,
    };
    match error {
        ServiceError::Validation(errors) => Ok(FormState::with_errors(errors)),
        ServiceError::InvalidRequest { code, message }
        | ServiceError::Conflict { code, message } => {
            Ok(FormState::with_errors(vec![field_error(code, message)]))
        }
        ServiceError::InvalidTransition(e) => Ok(FormState::with_errors(vec![field_error(
            "case_not_awaiting_applicant",
            e.to_string(),
        )])),
        other => {
            tracing::error!(error = %other, "portal step failed");
            Err(visitor.notice(StatusCode::SERVICE_UNAVAILABLE, "link-unavailable"))
        }
    }
}

fn form_expired() -> FormState {
    FormState::with_errors(vec![FieldError {
        field: String::new(),
        code: "form_expired",
        message: "the form's CSRF token does not match the session".into(),
    }])
}

/// The checks every POST passes: a session whose case is still open, a same-origin request,
/// and the session's CSRF token.
async fn for_change(
    state: &AppState,
    visitor: &Visitor,
    session: PortalSession,
    headers: &HeaderMap,
    fields: &Fields,
) -> Result<PortalCase, Response> {
    let portal = visitor.portal_of(state, session).await?;
    if !portal.is_open() {
        return Err(to_finished());
    }
    let csrf = fields.get("csrf").map(String::as_str).unwrap_or("");
    if !same_origin(state, headers) || !state.services.portal_csrf_matches(&portal.session, csrf) {
        return Err(refusal(
            state,
            visitor,
            &portal,
            portal.next_step(),
            form_expired(),
            StatusCode::FORBIDDEN,
        ));
    }
    Ok(portal)
}

/// The step shown again with a refusal that is not about any field.
fn refusal(
    state: &AppState,
    visitor: &Visitor,
    portal: &PortalCase,
    step: Step,
    form: FormState,
    status: StatusCode,
) -> Response {
    render(state, visitor, portal, step, &form, status, false)
}

fn rate_limited() -> FormState {
    FormState::with_errors(vec![FieldError {
        field: String::new(),
        code: "rate_limited",
        message: "too many uploads".into(),
    }])
}

pub async fn resume(State(state): State<AppState>, visitor: Visitor) -> Response {
    match visitor.portal(&state).await {
        Err(page) => page,
        Ok(portal) if !portal.is_open() => to_finished(),
        Ok(portal) => {
            Redirect::to(&format!("/portal/{}", portal.next_step().as_str())).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    change: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(step): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let portal = match visitor.portal(&state).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    if !portal.is_open() {
        return to_finished();
    }
    let Some(step) = step_of(&step, &portal) else {
        return visitor.notice(StatusCode::NOT_FOUND, "step-missing");
    };
    render(
        &state,
        &visitor,
        &portal,
        step,
        &FormState::default(),
        StatusCode::OK,
        query.change.is_some(),
    )
}

pub async fn finished(State(state): State<AppState>, visitor: Visitor) -> Response {
    let portal = match visitor.portal(&state).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    if portal.is_open() {
        return Redirect::to("/portal").into_response();
    }
    let return_url = return_url(&portal, &portal.case_id, portal.status);
    let reports_info = portal.flow.return_parameters == ReturnParameters::Info;
    if let (true, Some(url)) = (reports_info, &return_url) {
        return Redirect::to(url).into_response();
    }
    let (title, body) = pages::finished(visitor.texts, portal.status, return_url.as_deref());
    let mut page = visitor.page(StatusCode::OK, &title, body, None, Some(&portal.branding));
    if reports_info && portal.redirect_url.is_some() {
        // The platform learns the checks' outcome: this page looks again until they ran.
        page.headers_mut()
            .insert("refresh", HeaderValue::from_static(CHECKS_REFRESH_SECONDS));
    }
    page
}

/// How often a finished page waiting for the checks looks again.
const CHECKS_REFRESH_SECONDS: &str = "2";

/// Saves a step from its form and moves on; uploads come as multipart.
pub async fn save(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(step): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let uploads = Step::parse(&step).is_some_and(Step::collects_files);
    // A plain form is small and read first, so a link that expired while it was filled in
    // can give back what was typed; an upload is read only for a live session.
    let (session, read) = if uploads {
        let session = match visitor.form_session(&state, &Fields::new()).await {
            Ok(session) => session,
            Err(page) => return page,
        };
        let read = read_upload(&state, &session, &headers, request).await;
        (session, read)
    } else {
        let fields: Fields =
            match Form::<Vec<(String, String)>>::from_request(request, &state).await {
                Ok(Form(pairs)) => pairs.into_iter().collect(),
                Err(rejection) => return rejection.into_response(),
            };
        match visitor.form_session(&state, &fields).await {
            Ok(session) => (session, Ok((fields, Vec::new()))),
            Err(page) => return page,
        }
    };
    let (fields, files) = match read {
        Ok(read) => read,
        Err(Refused::Page(page)) => return page,
        Err(Refused::Form(form, status)) => {
            return match visitor.portal_of(&state, session).await {
                Ok(portal) if !portal.is_open() => to_finished(),
                Ok(portal) => refusal(&state, &visitor, &portal, portal.next_step(), form, status),
                Err(page) => page,
            };
        }
    };
    let portal = match for_change(&state, &visitor, session, &headers, &fields).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    let Some(step) = step_of(&step, &portal) else {
        return visitor.notice(StatusCode::NOT_FOUND, "step-missing");
    };
    let services = &state.services;
    let session = &portal.session;
    let result = match step {
        Step::Consent if fields.get("consent").map(String::as_str) != Some("yes") => {
            Err(ServiceError::Validation(vec![FieldError {
                field: "consent".into(),
                code: "consent_required",
                message: "consent is required".into(),
            }]))
        }
        Step::Consent => services.portal_consent(session).await,
        Step::PersonalDetails => {
            let stored = portal.applicant.individual.clone().unwrap_or_default();
            services
                .portal_save_individual(&portal, individual_from(&fields, stored))
                .await
        }
        Step::CompanyDetails => {
            let stored = portal.applicant.business.clone().unwrap_or_default();
            services
                .portal_save_business(&portal, business_from(&fields, stored))
                .await
        }
        Step::RelatedPersons => services.portal_finish_related_persons(session).await,
        Step::Review => Ok(()),
        upload_step => {
            let upload = PortalUpload {
                step: upload_step,
                files,
                mrz: fields.get("mrz").cloned(),
                details: TypedDetails {
                    document_number: fields.get("document_number").cloned(),
                    expiry_date: fields.get("expiry_date").cloned(),
                },
            };
            services.portal_upload(&portal, upload).await.map(|_| ())
        }
    };
    // Where zones are read from photos, the applicant sees what was read from theirs (or is
    // asked to type it) before going on.
    let next = match step {
        Step::IdentityDocument if portal.reads_zones => "/portal/identity_document",
        _ => "/portal",
    };
    match result {
        Ok(()) => Redirect::to(next).into_response(),
        Err(error) => match form_errors(&visitor, error) {
            Ok(mut form) => {
                form.values = fields;
                render(
                    &state,
                    &visitor,
                    &portal,
                    step,
                    &form,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                )
            }
            Err(page) => page,
        },
    }
}

type Files = Vec<(String, String, Vec<u8>)>;

/// Why an upload was refused before its files were read.
enum Refused {
    /// A plain answer (a malformed form, a body over the limit).
    Page(Response),
    /// The step again, with this error.
    Form(FormState, StatusCode),
}

/// Reads an upload form — text fields, and each non-empty file by its slot
/// (`{step}.{document type}.{side}`) — after the checks that need none of it: the session's
/// upload allowance, the request's origin, and the CSRF token, which forms send as their
/// first field. Files are read no further than the size limit.
async fn read_upload(
    state: &AppState,
    session: &PortalSession,
    headers: &HeaderMap,
    request: Request,
) -> Result<(Fields, Files), Refused> {
    if !state.uploads.allow(session) {
        return Err(Refused::Form(rate_limited(), StatusCode::TOO_MANY_REQUESTS));
    }
    if !same_origin(state, headers) {
        return Err(Refused::Form(form_expired(), StatusCode::FORBIDDEN));
    }
    let malformed = |status: StatusCode| Refused::Page(status.into_response());
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| malformed(StatusCode::BAD_REQUEST))?;
    let csrf = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.unwrap_or_default(),
        _ => String::new(),
    };
    if !state.services.portal_csrf_matches(session, &csrf) {
        return Err(Refused::Form(form_expired(), StatusCode::FORBIDDEN));
    }
    let max_file_bytes = state.services.config().max_upload_bytes;
    let mut fields = Fields::from([("csrf".to_owned(), csrf)]);
    let mut files = Files::new();
    while let Some(mut part) = multipart
        .next_field()
        .await
        .map_err(|_| malformed(StatusCode::BAD_REQUEST))?
    {
        let name = part.name().unwrap_or("").to_owned();
        if part.file_name().is_none() {
            let text = part
                .text()
                .await
                .map_err(|_| malformed(StatusCode::BAD_REQUEST))?;
            fields.insert(name, text);
            continue;
        }
        let Some(bytes) = read_capped(&mut part, max_file_bytes)
            .await
            .map_err(|_| malformed(StatusCode::PAYLOAD_TOO_LARGE))?
        else {
            let error = FieldError {
                field: name,
                code: "file_too_large",
                message: format!("at most {} MB", max_upload_mb(state)),
            };
            return Err(Refused::Form(
                FormState::with_errors(vec![error]),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        };
        if bytes.is_empty() {
            continue;
        }
        let mut slot = name.splitn(3, '.').skip(1);
        let (Some(document_type), Some(side)) = (slot.next(), slot.next()) else {
            return Err(malformed(StatusCode::BAD_REQUEST));
        };
        if files.len() == MAX_FILES_PER_REQUEST {
            return Err(malformed(StatusCode::PAYLOAD_TOO_LARGE));
        }
        files.push((document_type.to_owned(), side.to_owned(), bytes));
    }
    Ok((fields, files))
}

/// A field as sent: trimmed, `None` when blank.
fn sent(fields: &Fields, name: &str) -> Option<String> {
    fields
        .get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn address_from(fields: &Fields, prefix: &str) -> Option<Address> {
    let get = |field: &str| sent(fields, &format!("{prefix}.address.{field}"));
    let address = Address {
        line1: get("line1"),
        line2: get("line2"),
        city: get("city"),
        postal_code: get("postal_code"),
        state: None,
        country: get("country"),
    };
    (address != Address::default()).then_some(address)
}

/// The applicant's details from the form; what the form does not show (an id number the
/// platform gave) is kept.
fn individual_from(fields: &Fields, stored: IndividualProfile) -> IndividualProfile {
    let get = |field: &str| sent(fields, &format!("individual.{field}"));
    IndividualProfile {
        first_name: get("first_name"),
        middle_name: get("middle_name"),
        last_name: get("last_name"),
        date_of_birth: get("date_of_birth"),
        nationality: get("nationality"),
        email: get("email"),
        phone: get("phone"),
        address: address_from(fields, "individual"),
        ..stored
    }
}

fn business_from(fields: &Fields, stored: BusinessProfile) -> BusinessProfile {
    let get = |field: &str| sent(fields, &format!("business.{field}"));
    BusinessProfile {
        legal_name: get("legal_name"),
        registration_number: get("registration_number"),
        country: get("country"),
        state: get("state"),
        lei: get("lei"),
        vat_number: get("vat_number"),
        website: get("website"),
        address: address_from(fields, "business"),
        ..stored
    }
}

/// A POST of one of the step's actions: checks the session, then runs `action`; shows
/// `step` again with the errors if it fails.
async fn act<F, Fut>(
    state: &AppState,
    visitor: &Visitor,
    headers: &HeaderMap,
    fields: Fields,
    step: Step,
    action: F,
) -> Response
where
    F: FnOnce(PortalCase, Fields) -> Fut,
    Fut: std::future::Future<Output = Result<String, ServiceError>>,
{
    let session = match visitor.form_session(state, &fields).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let portal = match for_change(state, visitor, session, headers, &fields).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    match action(portal.clone(), fields.clone()).await {
        Ok(location) => Redirect::to(&location).into_response(),
        Err(error) => match form_errors(visitor, error) {
            Ok(mut form) => {
                form.values = fields;
                render(
                    state,
                    visitor,
                    &portal,
                    step,
                    &form,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    step == Step::IdentityDocument,
                )
            }
            Err(page) => page,
        },
    }
}

fn field_error(field: &str, code: &'static str) -> ServiceError {
    ServiceError::Validation(vec![FieldError {
        field: field.to_owned(),
        code,
        message: code.replace('_', " "),
    }])
}

pub async fn choose_identity_document(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &visitor,
        &headers,
        fields,
        Step::IdentityDocument,
        |portal, fields| {
            let services = state.services.clone();
            async move {
                let document_type = fields
                    .get("document_type")
                    .and_then(|t| IdentityDocumentType::parse(t))
                    .ok_or_else(|| field_error("document_type", "required"))?;
                let choice = IdentityDocumentChoice {
                    document_type,
                    country: fields.get("country").cloned().unwrap_or_default(),
                };
                services
                    .portal_choose_identity_document(&portal.session, choice)
                    .await?;
                Ok("/portal/identity_document".to_owned())
            }
        },
    )
    .await
}

fn person_from(fields: &Fields) -> Result<RelatedPerson, ServiceError> {
    let mut errors = Vec::new();
    let role = fields
        .get("role")
        .and_then(|r| ROLES.iter().find(|(_, code)| code == r))
        .map(|(role, _)| *role);
    let ownership_percent = match sent(fields, "ownership_percent") {
        None => None,
        Some(raw) => match raw.replace(',', ".").parse::<f64>() {
            Ok(value) if value.is_finite() => Some(value),
            _ => {
                errors.push(FieldError {
                    field: "ownership_percent".into(),
                    code: "out_of_range",
                    message: "a number from 0 to 100".into(),
                });
                None
            }
        },
    };
    for name in ["first_name", "last_name", "date_of_birth", "nationality"] {
        if sent(fields, name).is_none() {
            errors.push(FieldError {
                field: name.into(),
                code: "required",
                message: "required".into(),
            });
        }
    }
    let Some(role) = role else {
        errors.insert(
            0,
            FieldError {
                field: "role".into(),
                code: "required",
                message: "required".into(),
            },
        );
        return Err(ServiceError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok(RelatedPerson {
        id: None,
        role,
        ownership_percent,
        first_name: sent(fields, "first_name"),
        last_name: sent(fields, "last_name"),
        date_of_birth: sent(fields, "date_of_birth"),
        nationality: sent(fields, "nationality"),
        email: sent(fields, "email"),
    })
}

pub async fn add_related_person(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &visitor,
        &headers,
        fields,
        Step::RelatedPersons,
        |portal, fields| {
            let services = state.services.clone();
            async move {
                services
                    .portal_add_related_person(&portal.session, person_from(&fields)?)
                    .await?;
                Ok("/portal/related_persons".to_owned())
            }
        },
    )
    .await
}

pub async fn remove_related_person(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &visitor,
        &headers,
        fields,
        Step::RelatedPersons,
        |portal, fields| {
            let services = state.services.clone();
            async move {
                let person_id = fields.get("person_id").cloned().unwrap_or_default();
                services
                    .portal_remove_related_person(&portal.session, &person_id)
                    .await?;
                Ok("/portal/related_persons".to_owned())
            }
        },
    )
    .await
}

pub async fn verify_related_person(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &visitor,
        &headers,
        fields,
        Step::RelatedPersons,
        |portal, fields| {
            let services = state.services.clone();
            async move {
                let person_id = fields.get("person_id").cloned().unwrap_or_default();
                let mode = fields
                    .get("mode")
                    .and_then(|m| VerifyMode::parse(m))
                    .ok_or_else(|| field_error("", "invalid_format"))?;
                let related = services
                    .portal_start_related_case(&portal, &person_id, mode)
                    .await?;
                Ok(match mode {
                    // The person's own flow, in this browser; it comes back here when done.
                    VerifyMode::Here => related.verification_url,
                    VerifyMode::Link => "/portal/related_persons".to_owned(),
                })
            }
        },
    )
    .await
}

/// E-mails a related person their own link (again).
pub async fn email_related_link(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &visitor,
        &headers,
        fields,
        Step::RelatedPersons,
        |portal, fields| {
            let services = state.services.clone();
            async move {
                let person_id = fields.get("person_id").cloned().unwrap_or_default();
                services
                    .portal_email_related_link(&portal, &person_id)
                    .await?;
                Ok("/portal/related_persons".to_owned())
            }
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct PersonQuery {
    person: String,
}

/// The QR code of a related person's own link, while it waits for them.
pub async fn related_link_qr(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<PersonQuery>,
) -> Response {
    let portal = match visitor.portal(&state).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    let person = portal
        .applicant
        .related_persons
        .iter()
        .find(|p| p.id.as_ref().is_some_and(|id| id.as_str() == query.person));
    let link = portal
        .related_case(&query.person)
        .filter(|c| c.mode == VerifyMode::Link && c.status.awaits_applicant());
    let (Some(person), Some(link)) = (person, link) else {
        return visitor.notice(StatusCode::NOT_FOUND, "step-missing");
    };
    let (title, body) = pages::related_link_qr(visitor.texts, person, &link.verification_url);
    visitor.page(StatusCode::OK, &title, body, None, Some(&portal.branding))
}

/// "Continue on your phone": a new single-use hand-off, shown as a QR code. A POST (with
/// the session's CSRF token), because each one is a new token.
pub async fn handoff(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let session = match visitor.session(&state).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let portal = match for_change(&state, &visitor, session, &headers, &fields).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    match state.services.portal_handoff(&portal.session).await {
        Ok(handoff) => {
            let (title, body) = pages::handoff(visitor.texts, &handoff);
            visitor.page(StatusCode::OK, &title, body, None, Some(&portal.branding))
        }
        Err(ServiceError::Conflict { .. }) => {
            visitor.notice(StatusCode::TOO_MANY_REQUESTS, "phone-limit")
        }
        Err(error) => {
            tracing::error!(error = %error, "a phone hand-off could not be made");
            visitor.notice(StatusCode::SERVICE_UNAVAILABLE, "link-unavailable")
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &visitor,
        &headers,
        fields,
        Step::Review,
        |portal, _| {
            let services = state.services.clone();
            async move {
                let submitted = services.portal_submit(&portal).await?;
                Ok(return_url(&portal, &submitted.id, submitted.status)
                    .unwrap_or_else(|| "/portal/finished".to_owned()))
            }
        },
    )
    .await
}
