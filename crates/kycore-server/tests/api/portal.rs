//! The hosted portal over plain HTTP, as a browser without JavaScript uses it: the link's
//! exchange for a cookie, the VOVE form of the link, CSRF and origin checks, uploads and
//! their limits, resubmission, languages, page weight and the events written. The browser
//! suite (`browser/`) walks the same flows in Chromium.

use reqwest::header::{ACCEPT_LANGUAGE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, document_photo, for_each_database, verification_path};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// What a page may weigh (HTML, CSS and script; user images excluded).
pub(crate) const MAX_PAGE_BYTES: usize = 60 * 1024;

/// One browser: its own cookie jar, redirects seen one by one.
pub(crate) struct Applicant<'a> {
    app: &'a TestApp,
    pub(crate) client: Client,
}

/// A response, read.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) body: String,
}

impl Page {
    /// The CSRF token of the page's first form.
    pub(crate) fn csrf(&self) -> String {
        let start = self.body.find("name=\"csrf\" value=\"").expect("a form") + 19;
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

impl<'a> Applicant<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap();
        Applicant { app, client }
    }

    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        Page {
            status,
            location: headers
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookies: headers
                .get_all(SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect(),
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        Self::read(self.client.get(self.app.url(path)).send().await.unwrap()).await
    }

    /// GET, following local redirects; returns the last page and its path.
    pub(crate) async fn visit(&self, path: &str) -> (String, Page) {
        let mut path = path.to_owned();
        for _ in 0..5 {
            let page = self.get(&path).await;
            match page.location.clone() {
                Some(next) if page.status.is_redirection() && next.starts_with('/') => path = next,
                _ => return (path, page),
            }
        }
        panic!("redirect loop from {path}");
    }

    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::read(
            self.client
                .post(self.app.url(path))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub(crate) async fn upload(
        &self,
        path: &str,
        csrf: &str,
        files: &[(&str, Vec<u8>)],
        mrz: Option<&str>,
    ) -> Page {
        let fields: Vec<(&str, &str)> = mrz.map(|mrz| ("mrz", mrz)).into_iter().collect();
        self.upload_with(path, csrf, files, &fields).await
    }

    /// An upload form with text fields beside the files.
    async fn upload_with(
        &self,
        path: &str,
        csrf: &str,
        files: &[(&str, Vec<u8>)],
        fields: &[(&str, &str)],
    ) -> Page {
        let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_owned());
        for (name, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name("photo.jpg");
            form = form.part((*name).to_owned(), part);
        }
        for (name, value) in fields {
            form = form.text((*name).to_owned(), (*value).to_owned());
        }
        Self::read(
            self.client
                .post(self.app.url(path))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts the form of `step`'s page with `fields` (plus its CSRF token); returns where
    /// it leads.
    pub(crate) async fn complete(&self, step: &str, fields: &[(&str, &str)]) -> Page {
        let (_, page) = self.visit(&format!("/portal/{step}")).await;
        let csrf = page.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(&format!("/portal/{step}"), &all).await
    }
}

fn case_id(case: &Value) -> &str {
    case["id"].as_str().unwrap()
}

async fn kyc_case(app: &TestApp, redirect_url: Option<&str>) -> Value {
    app.create_case_with(
        &app.sandbox.secret,
        json!({
            "kind": "kyc",
            "redirect_url": redirect_url,
            "applicant": {"type": "individual", "individual": {"first_name": "Anna", "last_name": "Eriksson"}},
        }),
    )
    .await
}

const PERSONAL_DETAILS: [(&str, &str); 7] = [
    ("individual.first_name", "Anna Maria"),
    ("individual.last_name", "Eriksson"),
    ("individual.date_of_birth", "1974-08-12"),
    ("individual.nationality", "SE"),
    ("individual.address.line1", "Storgatan 1"),
    ("individual.address.city", "Stockholm"),
    ("individual.address.country", "SE"),
];

#[tokio::test]
async fn a_link_becomes_a_session_cookie_and_leaves_the_address_bar() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        let opened = browser.get(&verification_path(&case)).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER);
        assert_eq!(opened.location.as_deref(), Some("/portal"));
        let cookie = opened
            .set_cookies
            .iter()
            .find(|c| c.starts_with("kycore_portal="))
            .expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/portal", "Max-Age="] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
        assert!(!cookie.contains(case["token"].as_str().unwrap()));

        let (path, page) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/consent");
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Before you start"));

        // Without the cookie the portal asks for the link, and shows nothing of the case.
        let stranger = Applicant::new(&app);
        let (_, page) = stranger.visit("/portal/personal_details").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.body.contains("Open your link again"));
        assert!(!page.body.contains("Anna"));
    })
    .await;
}

#[tokio::test]
async fn the_vove_link_form_checks_environment_and_publishable_key() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let token = case["token"].as_str().unwrap();
        let vove = |key: &str, environment: &str| {
            format!("/verify?authToken={token}&publicKey={key}&environment={environment}")
        };
        let own = Applicant::new(&app)
            .get(&vove(&app.sandbox.publishable, "Sandbox"))
            .await;
        assert_eq!(own.status, StatusCode::SEE_OTHER);
        assert_eq!(own.location.as_deref(), Some("/portal"));

        for (key, environment) in [
            (app.other_sandbox.publishable.as_str(), "Sandbox"),
            (app.live.publishable.as_str(), "Sandbox"),
            (app.sandbox.publishable.as_str(), "Production"),
        ] {
            let page = Applicant::new(&app).get(&vove(key, environment)).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{environment}");
            assert!(page.body.contains("This link does not belong here"));
        }
        let page = Applicant::new(&app).get("/verify?publicKey=x").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_kyc_flow_without_javascript_submits_and_returns_to_the_platform() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, Some("https://platform.example/done?ref=42")).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;

        // Consent must be ticked.
        let refused = browser.complete("consent", &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("Tick the box to continue"));
        let saved = browser.complete("consent", &[("consent", "yes")]).await;
        assert_eq!(saved.location.as_deref(), Some("/portal"));

        // Personal details come prefilled with what the platform sent.
        let (path, page) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/personal_details");
        assert!(page.body.contains("value=\"Anna\""));
        let invalid = browser
            .complete("personal_details", &[("individual.first_name", "Anna")])
            .await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains("href=\"#individual-last_name\""));
        assert!(invalid.body.contains("aria-invalid=\"true\""));
        browser
            .complete("personal_details", &PERSONAL_DETAILS)
            .await;

        let (path, _) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/identity_document");
        let choice = browser
            .post(
                "/portal/identity_document/choice",
                &[
                    (
                        "csrf",
                        &browser.visit("/portal/identity_document").await.1.csrf(),
                    ),
                    ("document_type", "passport"),
                    ("country", "SE"),
                ],
            )
            .await;
        assert_eq!(
            choice.location.as_deref(),
            Some("/portal/identity_document")
        );
        let (_, page) = browser.visit("/portal/identity_document").await;
        let csrf = page.csrf();
        // The MRZ is checked as it is typed in.
        let typo = browser
            .upload(
                "/portal/identity_document",
                &csrf,
                &[("identity_document.passport.front", document_photo())],
                Some("P<UTOERIKSSON<<ANNA"),
            )
            .await;
        assert_eq!(
            typo.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            typo.body
        );
        assert!(typo.body.contains("cannot be read as the lines"));
        let uploaded = browser
            .upload(
                "/portal/identity_document",
                &csrf,
                &[("identity_document.passport.front", document_photo())],
                Some(MRZ),
            )
            .await;
        assert_eq!(uploaded.location.as_deref(), Some("/portal"));

        let (path, page) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/selfie");
        // The selfie is taken with the front camera; documents may come from any photo.
        assert!(page.body.contains("capture=\"user\""));
        let (_, document_page) = browser.visit("/portal/identity_document").await;
        assert!(!document_page.body.contains("capture="));
        browser
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;

        let (path, review) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/review");
        assert!(review.body.contains("Anna Maria"));
        assert!(!review.body.contains("Not done yet"));
        let submitted = browser
            .post("/portal/submit", &[("csrf", &review.csrf())])
            .await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER);
        assert_eq!(
            submitted.location.as_deref(),
            Some(
                format!(
                    "https://platform.example/done?ref=42&case_id={}&outcome=submitted",
                    case_id(&case)
                )
                .as_str()
            )
        );

        // The link now shows the status only.
        let (path, page) = browser.visit(&verification_path(&case)).await;
        assert_eq!(path, "/portal/finished");
        assert!(page.body.contains("Thank you") || page.body.contains("Verification finished"));
        let late = browser.upload("/portal/selfie", "", &[], None).await;
        assert_eq!(late.location.as_deref(), Some("/portal/finished"));

        let events = app.case_events(&app.sandbox.secret, case_id(&case)).await;
        let summary: Vec<String> = events
            .iter()
            .map(|e| match e["type"].as_str().unwrap() {
                "case.status_changed" => {
                    format!("status:{}", e["data"]["status"].as_str().unwrap())
                }
                "document.uploaded" => format!("document:{}", e["data"]["type"].as_str().unwrap()),
                other => other.to_owned(),
            })
            .take(5)
            .collect();
        assert_eq!(
            summary,
            [
                "case.created",
                "status:in_progress",
                "document:passport",
                "document:selfie",
                "status:submitted"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn forms_need_the_sessions_csrf_token_and_origin() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        let forged = browser
            .post("/portal/consent", &[("consent", "yes"), ("csrf", "forged")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.body.contains("This form has expired"));

        // Another session's token does not pass either.
        let other = Applicant::new(&app);
        let (_, other_page) = other.visit(&verification_path(&case)).await;
        let foreign = browser
            .post(
                "/portal/consent",
                &[("consent", "yes"), ("csrf", &other_page.csrf())],
            )
            .await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);

        let (_, page) = browser.visit("/portal/consent").await;
        let cross_site = browser
            .client
            .post(app.url("/portal/consent"))
            .header(ORIGIN, "https://evil.example")
            .form(&[("consent", "yes"), ("csrf", page.csrf().as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
        let (path, _) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/consent", "nothing was saved");
    })
    .await;
}

#[tokio::test]
async fn progress_resumes_on_another_device_and_a_new_link_ends_old_sessions() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let phone = Applicant::new(&app);
        phone.visit(&verification_path(&case)).await;
        phone.complete("consent", &[("consent", "yes")]).await;
        phone.complete("personal_details", &PERSONAL_DETAILS).await;

        let laptop = Applicant::new(&app);
        let (path, _) = laptop.visit(&verification_path(&case)).await;
        assert_eq!(path, "/portal/identity_document");

        let reissued = app
            .post_json(
                &app.sandbox.secret,
                &format!("/v1/cases/{}/link", case_id(&case)),
                &json!({}),
                StatusCode::OK,
            )
            .await;
        let (_, page) = phone.visit("/portal").await;
        assert_eq!(page.status, StatusCode::GONE);
        assert!(page.body.contains("This link has been replaced"));
        let (path, _) = phone.visit(&verification_path(&reissued)).await;
        assert_eq!(path, "/portal/identity_document");
    })
    .await;
}

#[tokio::test]
async fn uploads_are_checked_and_rate_limited_per_case() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        let (_, page) = browser.visit("/portal/selfie").await;
        let csrf = page.csrf();
        let blank = image_of(640, 480, |_, _| 200);
        let page = browser
            .upload(
                "/portal/selfie",
                &csrf,
                &[("selfie.selfie.front", blank)],
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("The photo looks blank"));
        assert!(page.body.contains("href=\"#selfie-selfie-front\""));
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        let page = browser
            .upload(
                "/portal/selfie",
                &csrf,
                &[("selfie.selfie.front", pdf)],
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.body
                .contains("a JPEG or PNG file. A PDF cannot be used here")
        );
        // The summary names the field each error is about, and links to it.
        let summary_start = page
            .body
            .find("class=\"summary\"")
            .expect("an error summary");
        let summary = &page.body[summary_start..];
        assert!(
            summary.contains("<a href=\"#selfie-selfie-front\">Your photo:"),
            "{}",
            &summary[..summary.len().min(600)]
        );
        let mut limited = false;
        for _ in 0..12 {
            let page = browser
                .upload(
                    "/portal/selfie",
                    &csrf,
                    &[("selfie.selfie.front", b"not an image".to_vec())],
                    None,
                )
                .await;
            if page.status == StatusCode::TOO_MANY_REQUESTS {
                assert!(page.body.contains("Too many uploads"));
                limited = true;
                break;
            }
        }
        assert!(limited, "the case was never limited");
        // Opening the link again starts a new session, not a new allowance.
        let again = Applicant::new(&app);
        again.visit(&verification_path(&case)).await;
        let (_, page) = again.visit("/portal/selfie").await;
        let page = again
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        // Another case has its own allowance.
        let other_case = kyc_case(&app, None).await;
        let other = Applicant::new(&app);
        other.visit(&verification_path(&other_case)).await;
        let (_, page) = other.visit("/portal/selfie").await;
        let page = other
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;
        assert_eq!(page.location.as_deref(), Some("/portal"));
    })
    .await;
}

#[tokio::test]
async fn an_upload_is_refused_before_its_files_are_read() {
    for db in kycore_store::testing::TestDatabase::all().await {
        let max = 50_000;
        let app = TestApp::spawn_with(&db, |config| kycore_services::ServiceConfig {
            max_upload_bytes: max,
            ..config
        })
        .await;
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        let (_, page) = browser.visit("/portal/selfie").await;
        let csrf = page.csrf();

        // The CSRF token must come first: a form that sends its file before it is refused
        // without its file being read.
        let file_first = reqwest::multipart::Form::new()
            .part(
                "selfie.selfie.front",
                reqwest::multipart::Part::bytes(document_photo()).file_name("me.jpg"),
            )
            .text("csrf", csrf.clone());
        let refused = Applicant::read(
            browser
                .client
                .post(app.url("/portal/selfie"))
                .multipart(file_first)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains("This form has expired"));

        // A file over the limit is read no further than the limit and refused beside its
        // own input; the 5 files the step could carry never fit in memory at once.
        let big = vec![0xFF_u8; max * 4];
        let page = browser
            .upload(
                "/portal/selfie",
                &csrf,
                &[("selfie.selfie.front", big)],
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.body.contains("The file is larger than"),
            "{}",
            page.body
        );
        // The applicant never reached the selfie step, so the page shown is the step they
        // are at: the error is said, with no link to a field that page does not have.
        assert!(!page.body.contains("href=\"#selfie-selfie-front\""));

        // Neither stored anything, and the case did not start.
        let documents = app
            .get_json(
                &app.sandbox.secret,
                &format!("/v1/cases/{}/documents", case["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(documents["data"], json!([]));
        assert_eq!(
            app.get_case(&app.sandbox.secret, case["id"].as_str().unwrap())
                .await["status"],
            "created"
        );
        db.cleanup().await;
    }
}

/// A grey image drawn by `shade(x, y)`.
fn image_of(width: u32, height: u32, shade: impl Fn(u32, u32) -> u8) -> Vec<u8> {
    let image = image::GrayImage::from_fn(width, height, |x, y| image::Luma([shade(x, y)]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

#[tokio::test]
async fn a_resubmission_reopens_exactly_the_requested_steps() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        browser.complete("consent", &[("consent", "yes")]).await;
        browser
            .complete("personal_details", &PERSONAL_DETAILS)
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser
            .post(
                "/portal/identity_document/choice",
                &[
                    ("csrf", &page.csrf()),
                    ("document_type", "passport"),
                    ("country", "SE"),
                ],
            )
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser
            .upload(
                "/portal/identity_document",
                &page.csrf(),
                &[("identity_document.passport.front", document_photo())],
                Some(MRZ),
            )
            .await;
        let (_, page) = browser.visit("/portal/selfie").await;
        browser
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;
        let (_, review) = browser.visit("/portal/review").await;
        browser
            .post("/portal/submit", &[("csrf", &review.csrf())])
            .await;
        app.decide(
            &app.sandbox.secret,
            case_id(&case),
            &json!({"decision": "request_resubmission", "steps": ["selfie"],
                    "note": "Please take the selfie without sunglasses."}),
            StatusCode::OK,
        )
        .await;

        let (path, page) = browser.visit(&verification_path(&case)).await;
        assert_eq!(path, "/portal/selfie");
        assert!(page.body.contains("Step 1 of 2"));
        // The step says why it is asked again, in the analyst's words.
        assert!(
            page.body.contains("We need this step again"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("Please take the selfie without sunglasses.")
        );
        let (_, page) = browser.visit("/portal/personal_details").await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "only the selfie is asked again"
        );
        let (_, page) = browser.visit("/portal/selfie").await;
        browser
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;
        let (path, review) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/review");
        let submitted = browser
            .post("/portal/submit", &[("csrf", &review.csrf())])
            .await;
        assert_eq!(submitted.location.as_deref(), Some("/portal/finished"));
        let now = app.get_case(&app.sandbox.secret, case_id(&case)).await;
        assert_ne!(now["status"], "resubmission_requested");
    })
    .await;
}

#[tokio::test]
async fn pages_speak_the_visitors_language_and_stay_small() {
    for_each_database(|app| async move {
        let case = app
            .create_case_with(
                &app.sandbox.secret,
                json!({"kind": "kyb", "applicant": crate::helpers::business("DE")}),
            )
            .await;
        let browser = Applicant::new(&app);
        let german = browser
            .client
            .get(app.url(&verification_path(&case)))
            .send()
            .await
            .unwrap();
        assert_eq!(german.status(), StatusCode::SEE_OTHER);
        let page = browser
            .client
            .get(app.url("/portal/consent"))
            .header(ACCEPT_LANGUAGE, "de-DE,de;q=0.9,en;q=0.5")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<html lang=\"de\""));
        assert!(page.contains("Bevor Sie beginnen"));
        // Choosing English sticks, whatever the browser asks for.
        let chosen = browser.get("/portal/consent?lang=en").await;
        assert!(
            chosen
                .set_cookies
                .iter()
                .any(|c| c.starts_with("kycore_lang=en"))
        );
        let page = browser
            .client
            .get(app.url("/portal/consent"))
            .header(ACCEPT_LANGUAGE, "de")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Before you start"));

        // Every step page in every language, each opened through its link with `?lang=`:
        // in that language and its direction, and under the weight budget.
        let kyc = kyc_case(&app, None).await;
        for (lang, dir) in LANGUAGES {
            for (case, steps) in [(&case, KYB_STEPS.as_slice()), (&kyc, KYC_STEPS.as_slice())] {
                let visitor = Applicant::new(&app);
                let opened = visitor
                    .get(&format!("{}?lang={lang}", verification_path(case)))
                    .await;
                assert!(
                    opened
                        .set_cookies
                        .iter()
                        .any(|c| c.starts_with(&format!("kycore_lang={lang}"))),
                    "{lang}: the link's ?lang= is remembered"
                );
                if steps.contains(&"identity_document") {
                    choose_passport(&visitor, "DE").await;
                }
                for step in steps {
                    let (_, page) = visitor.visit(&format!("/portal/{step}")).await;
                    assert_eq!(page.status, StatusCode::OK, "{lang} {step}");
                    let html = format!("<html lang=\"{lang}\" dir=\"{dir}\">");
                    assert!(page.body.contains(&html), "{lang} {step}: {html}");
                    assert!(
                        page.body.len() < MAX_PAGE_BYTES,
                        "{lang} {step}: {} bytes",
                        page.body.len()
                    );
                }
            }
        }
    })
    .await;
}

/// The portal's languages and the direction each is written in.
const LANGUAGES: [(&str, &str); 5] = [
    ("en", "ltr"),
    ("de", "ltr"),
    ("fr", "ltr"),
    ("es", "ltr"),
    ("ar", "rtl"),
];
/// Every page of the default flows; `identity_document` shows the upload once a document
/// is chosen, and its choice again with `?change=1`.
const KYC_STEPS: [&str; 6] = [
    "consent",
    "personal_details",
    "identity_document?change=1",
    "identity_document",
    "selfie",
    "review",
];
const KYB_STEPS: [&str; 5] = [
    "consent",
    "company_details",
    "company_documents",
    "related_persons",
    "review",
];

async fn choose_passport(applicant: &Applicant<'_>, country: &str) {
    let (_, page) = applicant.visit("/portal/identity_document").await;
    let chosen = applicant
        .post(
            "/portal/identity_document/choice",
            &[
                ("csrf", page.csrf().as_str()),
                ("document_type", "passport"),
                ("country", country),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
}

#[tokio::test]
async fn a_link_with_lang_gives_pages_countries_documents_and_dates_in_that_language() {
    for_each_database(|app| async move {
        for (lang, expected) in [
            (
                "fr",
                [
                    "Allemagne",
                    "Passeport – Allemagne",
                    "12 août 1974",
                    "Suède",
                ],
            ),
            (
                "es",
                [
                    "Alemania",
                    "Pasaporte de Alemania",
                    "12 de agosto de 1974",
                    "Suecia",
                ],
            ),
            (
                "ar",
                [
                    "ألمانيا",
                    "جواز السفر من ألمانيا",
                    "12 أغسطس 1974",
                    "السويد",
                ],
            ),
        ] {
            let [germany, passport, birth_date, sweden] = expected;
            let case = kyc_case(&app, None).await;
            let applicant = Applicant::new(&app);
            // The first open of the link, with the browser asking for English.
            let opened = applicant
                .client
                .get(app.url(&format!("{}?lang={lang}", verification_path(&case))))
                .header(ACCEPT_LANGUAGE, "en")
                .send()
                .await
                .unwrap();
            assert_eq!(opened.status(), StatusCode::SEE_OTHER);
            let consent = applicant
                .client
                .get(app.url("/portal/consent"))
                .header(ACCEPT_LANGUAGE, "en")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                consent.contains(&format!("<html lang=\"{lang}\"")),
                "{lang}"
            );

            applicant.complete("consent", &[("consent", "yes")]).await;
            let (_, details) = applicant.visit("/portal/personal_details").await;
            assert!(
                details
                    .body
                    .contains(&format!("<option value=\"DE\">{germany}</option>")),
                "{lang}: {germany}"
            );
            let saved = applicant
                .complete("personal_details", &PERSONAL_DETAILS)
                .await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
            choose_passport(&applicant, "DE").await;
            let (_, upload) = applicant.visit("/portal/identity_document").await;
            assert!(upload.body.contains(passport), "{lang}: {passport}");

            let (_, review) = applicant.visit("/portal/review").await;
            for shown in [birth_date, sweden] {
                assert!(review.body.contains(shown), "{lang} review: {shown}");
            }
            assert!(!review.body.contains("1974-08-12"), "{lang}");
        }
    })
    .await;
}

/// The person ids shown on the related persons page, in order.
pub(crate) fn person_ids(page: &Page) -> Vec<String> {
    page.body
        .match_indices("name=\"person_id\" value=\"")
        .map(|(i, m)| {
            let start = i + m.len();
            let end = page.body[start..].find('"').unwrap() + start;
            page.body[start..end].to_owned()
        })
        .fold(Vec::new(), |mut ids, id| {
            if !ids.contains(&id) {
                ids.push(id);
            }
            ids
        })
}

#[tokio::test]
async fn a_kyb_flow_verifies_its_owners_here_or_through_their_own_link() {
    for_each_database(|app| async move {
        let case = app
            .create_case_with(
                &app.sandbox.secret,
                json!({"kind": "kyb", "applicant": {"type": "business", "business": {"legal_name": "Analytical Engines AB"}}}),
            )
            .await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        browser.complete("consent", &[("consent", "yes")]).await;
        let saved = browser
            .complete(
                "company_details",
                &[
                    ("business.legal_name", "Analytical Engines AB"),
                    ("business.registration_number", "556000-1231"),
                    ("business.country", "SE"),
                    ("business.address.line1", "Kungsgatan 2"),
                    ("business.address.city", "Stockholm"),
                    ("business.address.country", "SE"),
                ],
            )
            .await;
        assert_eq!(saved.location.as_deref(), Some("/portal"));
        let (path, page) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/company_documents");
        let documents = browser
            .upload(
                "/portal/company_documents",
                &page.csrf(),
                &[
                    ("company_documents.certificate-of-incorporation.front", document_photo()),
                    ("company_documents.register-extract.front", document_photo()),
                ],
                None,
            )
            .await;
        assert_eq!(documents.location.as_deref(), Some("/portal"));

        let (path, page) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/related_persons");
        // Continuing with no one listed is refused.
        let empty = browser.post("/portal/related_persons", &[("csrf", &page.csrf())]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("Add at least one beneficial owner or director"));
        for (first, last, percent) in [("Ada", "Lovelace", "60"), ("Charles", "Babbage", "40")] {
            let (_, page) = browser.visit("/portal/related_persons").await;
            let added = browser
                .post(
                    "/portal/related_persons/add",
                    &[
                        ("csrf", &page.csrf()),
                        ("role", "ubo"),
                        ("first_name", first),
                        ("last_name", last),
                        ("date_of_birth", "1980-01-01"),
                        ("nationality", "GB"),
                        ("ownership_percent", percent),
                    ],
                )
                .await;
            assert_eq!(added.location.as_deref(), Some("/portal/related_persons"));
        }
        let (_, page) = browser.visit("/portal/related_persons").await;
        let ids = person_ids(&page);
        assert_eq!(ids.len(), 2);
        let unfinished = browser.post("/portal/related_persons", &[("csrf", &page.csrf())]).await;
        assert_eq!(unfinished.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unfinished.body.contains("Choose how this person verifies their identity"));

        // Charles gets a link of his own, shown to pass on.
        let sent = browser
            .post("/portal/related_persons/verify", &[("csrf", &page.csrf()), ("person_id", &ids[1]), ("mode", "link")])
            .await;
        assert_eq!(sent.location.as_deref(), Some("/portal/related_persons"));
        let (_, page) = browser.visit("/portal/related_persons").await;
        let link_start = page.body.find("<p class=\"link\">").expect("the child link") + 16;
        let child_link = page.body[link_start..page.body[link_start..].find('<').unwrap() + link_start].to_owned();
        assert!(child_link.starts_with(&app.url("/verify/")));

        // Ada verifies here: the browser goes to her own flow, and comes back afterwards.
        let here = browser
            .post("/portal/related_persons/verify", &[("csrf", &page.csrf()), ("person_id", &ids[0]), ("mode", "here")])
            .await;
        let ada_link = here.location.clone().expect("a redirect to Ada's link");
        assert!(ada_link.starts_with(&app.url("/verify/")));
        let (path, _) = browser.visit(ada_link.trim_start_matches(&app.base_url)).await;
        assert_eq!(path, "/portal/consent");
        browser.complete("consent", &[("consent", "yes")]).await;
        let (_, page) = browser.visit("/portal/personal_details").await;
        assert!(page.body.contains("value=\"Lovelace\""), "prefilled from the business's list");
        browser
            .complete(
                "personal_details",
                &[
                    ("individual.first_name", "Ada"),
                    ("individual.last_name", "Lovelace"),
                    ("individual.date_of_birth", "1980-01-01"),
                    ("individual.nationality", "GB"),
                    ("individual.address.line1", "1 St James's Square"),
                    ("individual.address.city", "London"),
                    ("individual.address.country", "GB"),
                ],
            )
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser.post("/portal/identity_document/choice", &[("csrf", &page.csrf()), ("document_type", "driver-license"), ("country", "GB")]).await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        assert!(!page.body.contains("name=\"mrz\""), "a driving licence has no MRZ");
        browser
            .upload_with(
                "/portal/identity_document",
                &page.csrf(),
                &[
                    ("identity_document.driver-license.front", document_photo()),
                    ("identity_document.driver-license.back", document_photo()),
                ],
                &[("document_number", "LOVEL801010AA9ZZ"), ("expiry_date", "2031-01-01")],
            )
            .await;
        let (_, page) = browser.visit("/portal/selfie").await;
        browser.upload("/portal/selfie", &page.csrf(), &[("selfie.selfie.front", document_photo())], None).await;
        let (_, review) = browser.visit("/portal/review").await;
        let back = browser.post("/portal/submit", &[("csrf", &review.csrf())]).await;
        let parent_link = back.location.expect("back to the business's link");
        assert!(parent_link.contains(case["token"].as_str().unwrap()));
        assert!(parent_link.ends_with("&outcome=submitted"));

        // Back in the business's flow: Ada's case is submitted, Charles's link waits.
        let (path, page) = browser.visit(parent_link.trim_start_matches(&app.base_url)).await;
        assert_eq!(path, "/portal/related_persons");
        assert!(page.body.contains("Identity verification: Submitted"));
        assert!(page.body.contains(&child_link));
        let done = browser.post("/portal/related_persons", &[("csrf", &page.csrf())]).await;
        assert_eq!(done.location.as_deref(), Some("/portal"));
        let (path, review) = browser.visit("/portal").await;
        assert_eq!(path, "/portal/review");
        browser.post("/portal/submit", &[("csrf", &review.csrf())]).await;
        assert_eq!(app.get_case(&app.sandbox.secret, case_id(&case)).await["status"].as_str().map(|s| s != "in_progress"), Some(true));

        // Charles opens his own link in another browser: a KYC flow of his own.
        let charles = Applicant::new(&app);
        let (path, _) = charles.visit(child_link.trim_start_matches(&app.base_url)).await;
        assert_eq!(path, "/portal/consent");
        let children = app.list(&app.sandbox.secret, "/v1/cases?kind=kyc").await;
        assert_eq!(children.len(), 2);
        assert!(children.iter().all(|c| c["metadata"]["parent_case_id"] == case["id"]));
    })
    .await;
}

/// A business taken through its flow up to the owners step, with Lars Nilsson (e-mail
/// known) and Karin Berg (none) listed; returns the case and the persons' ids in that order.
pub(crate) async fn business_with_owners<'a>(
    app: &'a TestApp,
) -> (Value, Applicant<'a>, Vec<String>) {
    let case = app
        .create_case_with(
            &app.sandbox.secret,
            json!({"kind": "kyb", "applicant": {"type": "business", "business": {"legal_name": "Nordic Widgets AB"}}}),
        )
        .await;
    let browser = Applicant::new(app);
    browser.visit(&verification_path(&case)).await;
    browser.complete("consent", &[("consent", "yes")]).await;
    browser
        .complete(
            "company_details",
            &[
                ("business.legal_name", "Nordic Widgets AB"),
                ("business.registration_number", "556000-1231"),
                ("business.country", "SE"),
                ("business.address.line1", "Kungsgatan 2"),
                ("business.address.city", "Stockholm"),
                ("business.address.country", "SE"),
            ],
        )
        .await;
    let (_, page) = browser.visit("/portal/company_documents").await;
    browser
        .upload(
            "/portal/company_documents",
            &page.csrf(),
            &[
                (
                    "company_documents.certificate-of-incorporation.front",
                    document_photo(),
                ),
                ("company_documents.register-extract.front", document_photo()),
            ],
            None,
        )
        .await;
    for (first, last, email) in [
        ("Lars", "Nilsson", "lars@example.com"),
        ("Karin", "Berg", ""),
    ] {
        let (_, page) = browser.visit("/portal/related_persons").await;
        let csrf = page.csrf();
        let added = browser
            .post(
                "/portal/related_persons/add",
                &[
                    ("csrf", &csrf),
                    ("role", "ubo"),
                    ("first_name", first),
                    ("last_name", last),
                    ("date_of_birth", "1980-01-01"),
                    ("nationality", "SE"),
                    ("ownership_percent", "50"),
                    ("email", email),
                ],
            )
            .await;
        assert_eq!(
            added.location.as_deref(),
            Some("/portal/related_persons"),
            "{}",
            added.body
        );
    }
    let (_, page) = browser.visit("/portal/related_persons").await;
    let ids = person_ids(&page);
    assert_eq!(ids.len(), 2);
    (case, browser, ids)
}

/// A business taken through its hosted flow to submission, with two owners each sent a link
/// of their own; returns the business case and the owners' case ids.
async fn business_submitted_with_two_owners(app: &TestApp) -> (Value, Vec<String>) {
    let (case, browser, _) = business_with_owners(app).await;
    let (_, page) = browser.visit("/portal/related_persons").await;
    for id in person_ids(&page) {
        let (_, page) = browser.visit("/portal/related_persons").await;
        let sent = browser
            .post(
                "/portal/related_persons/verify",
                &[("csrf", &page.csrf()), ("person_id", &id), ("mode", "link")],
            )
            .await;
        assert_eq!(sent.location.as_deref(), Some("/portal/related_persons"));
    }
    let (_, page) = browser.visit("/portal/related_persons").await;
    browser
        .post("/portal/related_persons", &[("csrf", &page.csrf())])
        .await;
    let (path, review) = browser.visit("/portal").await;
    assert_eq!(path, "/portal/review");
    browser
        .post("/portal/submit", &[("csrf", &review.csrf())])
        .await;
    let owners = app
        .list(&app.sandbox.secret, "/v1/cases?kind=kyc")
        .await
        .iter()
        .filter(|c| c["metadata"]["parent_case_id"] == case["id"])
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(owners.len(), 2);
    (case, owners)
}

async fn run_jobs(app: &TestApp) {
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

#[tokio::test]
async fn a_business_decision_waits_for_its_owners_cases() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        // The first owner approved, the second rejected: the business is rejected, and only
        // once the second is decided.
        let (case, owners) = business_submitted_with_two_owners(&app).await;
        run_jobs(&app).await;
        assert_eq!(
            app.get_case(key, case_id(&case)).await["status"],
            "processing"
        );
        let events = app.case_events(key, case_id(&case)).await;
        let waiting = events
            .iter()
            .find(|e| e["type"] == "case.awaiting_related_persons")
            .expect("an event saying what the business waits for");
        let mut waited_for: Vec<String> = waiting["data"]["case_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap().to_owned())
            .collect();
        waited_for.sort();
        let mut sorted_owners = owners.clone();
        sorted_owners.sort();
        assert_eq!(waited_for, sorted_owners);

        // The business case lists its owners' cases and where each stands.
        let listed = app.get_case(key, case_id(&case)).await["related_cases"].clone();
        let mut listed_ids: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["case_id"].as_str().unwrap())
            .collect();
        listed_ids.sort_unstable();
        assert_eq!(
            listed_ids,
            sorted_owners.iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "created"),
            "{listed}"
        );

        app.complete_sandbox(key, &owners[0], "approved").await;
        run_jobs(&app).await;
        assert_eq!(
            app.get_case(key, case_id(&case)).await["status"],
            "processing"
        );
        app.complete_sandbox(key, &owners[1], "rejected").await;
        run_jobs(&app).await;
        let decided = app.get_case(key, case_id(&case)).await;
        assert_eq!(decided["status"], "rejected", "{decided}");
        assert_eq!(
            decided["decision"]["reason_code"],
            "related_person_rejected"
        );
        let fired = &decided["decision"]["rules"][0];
        assert_eq!(fired["name"], "related_person_rejected");
        // The console's case page links the business to each owner's own case.
        let analyst = app
            .services
            .create_console_user(
                &app.organization_id,
                "kyb@example.com",
                kycore_services::console_users::Role::Analyst,
            )
            .await
            .unwrap();
        let console = crate::console::browser();
        let csrf =
            crate::console::sign_in(&console, &app, "kyb@example.com", &analyst.password).await;
        crate::console::switch_to_sandbox(&console, &app, &csrf).await;
        let (_, page) = crate::console::get(
            &console,
            &app,
            &format!("/console/cases/{}", case_id(&case)),
        )
        .await;
        assert!(page.contains("Related persons"), "{page}");
        for owner in &owners {
            assert!(
                page.contains(&format!("href=\"/console/cases/{owner}\"")),
                "{page}"
            );
        }
        assert!(page.contains("related_person_rejected"), "{page}");
        let events = app.case_events(key, case_id(&case)).await;
        assert_eq!(
            events
                .iter()
                .filter(|e| e["type"] == "case.awaiting_related_persons")
                .count(),
            1,
            "said once, however often the business was looked at again"
        );

        // Both owners approved: the business is decided by its own checks.
        let (case, owners) = business_submitted_with_two_owners(&app).await;
        run_jobs(&app).await;
        for owner in &owners {
            assert_eq!(
                app.get_case(key, case_id(&case)).await["status"],
                "processing"
            );
            app.complete_sandbox(key, owner, "approved").await;
            run_jobs(&app).await;
        }
        let decided = app.get_case(key, case_id(&case)).await;
        assert_ne!(decided["status"], "processing", "{decided}");
        assert_ne!(
            decided["decision"]["reason_code"],
            "related_person_rejected"
        );
        assert_eq!(decided["decision"]["decided_by"], "rules");
    })
    .await;
}

#[tokio::test]
async fn forms_refuse_what_the_checks_would_refuse_naming_each_field() {
    for_each_database(|app| async move {
        let case = app
            .create_case_with(
                &app.sandbox.secret,
                json!({"kind": "kyb", "applicant": crate::helpers::business("SE")}),
            )
            .await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        browser.complete("consent", &[("consent", "yes")]).await;
        let refused = browser
            .complete(
                "company_details",
                &[
                    ("business.legal_name", "Nordic Widgets AB"),
                    ("business.registration_number", "556000-1234"),
                    ("business.country", "SE"),
                    ("business.lei", "5493001KJTIIGC8Y1R13"),
                    ("business.website", "widgets.example"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        for (field, text) in [
            (
                "business.registration_number",
                "A check digit does not match",
            ),
            ("business.lei", "A check digit does not match"),
            ("business.website", "starting with https://"),
            ("business.address.line1", "Enter this information."),
        ] {
            let id = field.replace('.', "-");
            let error = refused
                .body
                .find(&format!("id=\"{id}-error\""))
                .unwrap_or_else(|| panic!("an error beside {field}"));
            let shown: String = refused.body[error..].chars().take(300).collect();
            assert!(shown.contains(text), "{field}: {shown}");
        }
        let stored = app.get_case(&app.sandbox.secret, case_id(&case)).await;
        assert_ne!(
            stored["applicant"]["business"]["lei"], "5493001KJTIIGC8Y1R13",
            "nothing refused is saved"
        );

        // Typed MRZ lines with one character wrong are refused at the upload, not after it.
        let kyc = kyc_case(&app, None).await;
        let person = Applicant::new(&app);
        person.visit(&verification_path(&kyc)).await;
        person.complete("consent", &[("consent", "yes")]).await;
        person.complete("personal_details", &PERSONAL_DETAILS).await;
        let (_, page) = person.visit("/portal/identity_document").await;
        person
            .post(
                "/portal/identity_document/choice",
                &[
                    ("csrf", &page.csrf()),
                    ("document_type", "passport"),
                    ("country", "SE"),
                ],
            )
            .await;
        let (_, page) = person.visit("/portal/identity_document").await;
        let mistyped = MRZ.replace("L898902C36", "L898902C37");
        let upload = person
            .upload(
                "/portal/identity_document",
                &page.csrf(),
                &[("identity_document.passport.front", document_photo())],
                Some(&mistyped),
            )
            .await;
        assert_eq!(upload.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            upload.body.contains("A check digit does not match"),
            "{}",
            upload.body
        );
        let documents = app
            .get_json(
                &app.sandbox.secret,
                &format!("/v1/cases/{}/documents", case_id(&kyc)),
            )
            .await;
        assert_eq!(documents["data"], json!([]), "{documents}");
        assert_eq!(documents["has_more"], false);
    })
    .await;
}

#[tokio::test]
async fn a_driving_licence_passes_on_its_typed_number_and_expiry_date() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        browser.complete("consent", &[("consent", "yes")]).await;
        browser
            .complete("personal_details", &PERSONAL_DETAILS)
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser
            .post(
                "/portal/identity_document/choice",
                &[
                    ("csrf", &page.csrf()),
                    ("document_type", "driver-license"),
                    ("country", "SE"),
                ],
            )
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        assert!(
            page.body.contains("name=\"expiry_date\""),
            "a licence asks for its expiry date"
        );
        let files = [
            ("identity_document.driver-license.front", document_photo()),
            ("identity_document.driver-license.back", document_photo()),
        ];
        let missing = browser
            .upload_with("/portal/identity_document", &page.csrf(), &files, &[])
            .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            missing.body.contains("id=\"document_number-error\""),
            "{}",
            missing.body
        );
        assert!(missing.body.contains("id=\"expiry_date-error\""));
        let expired = browser
            .upload_with(
                "/portal/identity_document",
                &page.csrf(),
                &files,
                &[
                    ("document_number", "12345678"),
                    ("expiry_date", "2020-01-31"),
                ],
            )
            .await;
        assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(expired.body.contains("This document has expired"));
        let sent = browser
            .upload_with(
                "/portal/identity_document",
                &page.csrf(),
                &files,
                &[
                    ("document_number", "1234 5678"),
                    ("expiry_date", "2031-01-31"),
                ],
            )
            .await;
        assert_eq!(sent.location.as_deref(), Some("/portal"), "{}", sent.body);
        let (_, page) = browser.visit("/portal/selfie").await;
        browser
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;
        let (_, review) = browser.visit("/portal/review").await;
        browser
            .post("/portal/submit", &[("csrf", &review.csrf())])
            .await;
        run_jobs(&app).await;

        let decided = app.get_case(&app.sandbox.secret, case_id(&case)).await;
        let rules = decided["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "document_rules")
            .expect("the document rules ran");
        assert_eq!(rules["status"], "passed", "{rules}");
        assert_eq!(decided["status"], "approved", "{decided}");
    })
    .await;
}

#[tokio::test]
async fn a_step_reopened_by_the_checks_says_what_was_wrong() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        browser.complete("consent", &[("consent", "yes")]).await;
        browser
            .complete("personal_details", &PERSONAL_DETAILS)
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser
            .post(
                "/portal/identity_document/choice",
                &[
                    ("csrf", &page.csrf()),
                    ("document_type", "passport"),
                    ("country", "SE"),
                ],
            )
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        // The specimen passport's MRZ is valid but says it expired in 2012.
        browser
            .upload(
                "/portal/identity_document",
                &page.csrf(),
                &[("identity_document.passport.front", document_photo())],
                Some(MRZ),
            )
            .await;
        let (_, page) = browser.visit("/portal/selfie").await;
        browser
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;
        let (_, review) = browser.visit("/portal/review").await;
        browser
            .post("/portal/submit", &[("csrf", &review.csrf())])
            .await;
        run_jobs(&app).await;
        assert_eq!(
            app.get_case(&app.sandbox.secret, case_id(&case)).await["status"],
            "resubmission_requested"
        );

        // The nationality typed (SE) is not the specimen's (UTO): the details are asked again
        // too, each step with its own reasons.
        let (path, page) = browser.visit(&verification_path(&case)).await;
        assert_eq!(path, "/portal/personal_details");
        assert!(
            page.body.contains("We need this step again"),
            "{}",
            page.body
        );
        assert!(page.body.contains("does not match the details you entered"));
        assert!(!page.body.contains("The document had expired"));
        let (_, page) = browser.visit("/portal/identity_document").await;
        assert!(
            page.body.contains("We need this step again"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("The document had expired. Use one that is still valid."),
            "{}",
            page.body
        );
        let (_, german) = browser.visit("/portal/identity_document?lang=de").await;
        assert!(
            german.body.contains("Das Dokument war abgelaufen."),
            "{}",
            german.body
        );
    })
    .await;
}

#[tokio::test]
async fn a_refused_upload_names_every_problem_at_once() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        browser.complete("consent", &[("consent", "yes")]).await;
        browser
            .complete("personal_details", &PERSONAL_DETAILS)
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser
            .post(
                "/portal/identity_document/choice",
                &[
                    ("csrf", &page.csrf()),
                    ("document_type", "id-card"),
                    ("country", "SE"),
                ],
            )
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        let blank = image_of(800, 600, |_, _| 128);
        let tiny = image_of(120, 90, |x, y| u8::try_from((x * y) % 251).unwrap());
        let mistyped = MRZ.replace("L898902C36", "L898902C37");
        let refused = browser
            .upload(
                "/portal/identity_document",
                &page.csrf(),
                &[
                    ("identity_document.id-card.front", blank),
                    ("identity_document.id-card.back", tiny),
                ],
                Some(&mistyped),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        for problem in [
            "The photo looks blank",
            "The photo is too small to read",
            "A check digit does not match",
        ] {
            assert!(refused.body.contains(problem), "{problem} is said at once");
        }
    })
    .await;
}

#[tokio::test]
async fn the_review_shows_answers_in_words_and_pictures_of_the_uploads() {
    for_each_database(|app| async move {
        let case = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        browser.visit(&verification_path(&case)).await;
        browser.complete("consent", &[("consent", "yes")]).await;
        let mut details = PERSONAL_DETAILS.to_vec();
        details.push(("individual.email", "anna@example.com"));
        browser.complete("personal_details", &details).await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser
            .post(
                "/portal/identity_document/choice",
                &[
                    ("csrf", &page.csrf()),
                    ("document_type", "passport"),
                    ("country", "SE"),
                ],
            )
            .await;
        let (_, page) = browser.visit("/portal/identity_document").await;
        browser
            .upload(
                "/portal/identity_document",
                &page.csrf(),
                &[("identity_document.passport.front", document_photo())],
                Some(MRZ),
            )
            .await;
        // Back on the step: the file is shown, and can be kept without sending it again.
        let (_, again) = browser.visit("/portal/identity_document").await;
        assert!(again.body.contains("We have this file."), "{}", again.body);
        assert!(
            again.body.contains("href=\"/portal\""),
            "a way on without uploading again"
        );
        let (_, page) = browser.visit("/portal/selfie").await;
        browser
            .upload(
                "/portal/selfie",
                &page.csrf(),
                &[("selfie.selfie.front", document_photo())],
                None,
            )
            .await;

        let (_, review) = browser.visit("/portal/review").await;
        for shown in [
            "anna@example.com",
            "Storgatan 1, Stockholm, Sweden",
            "Passport: Photo of the page with your photo",
            "Your photo",
        ] {
            assert!(review.body.contains(shown), "{shown} on the review page");
        }
        let start = review.body.find("/portal/documents/").expect("a preview");
        let preview_path =
            review.body[start..review.body[start..].find('"').unwrap() + start].to_owned();
        let preview = browser.get(&preview_path).await;
        assert_eq!(preview.status, StatusCode::OK);
        let preview = browser
            .client
            .get(app.url(&preview_path))
            .send()
            .await
            .unwrap();
        assert_eq!(preview.headers()["content-type"], "image/jpeg");
        assert_eq!(preview.headers()["cache-control"], "no-store");
        let picture = image::load_from_memory(&preview.bytes().await.unwrap()).unwrap();
        assert!(
            picture.width().max(picture.height()) <= 240,
            "a preview, not the document"
        );

        // Another applicant cannot see it, whatever the id.
        let other_case = kyc_case(&app, None).await;
        let other = Applicant::new(&app);
        other.visit(&verification_path(&other_case)).await;
        assert_eq!(other.get(&preview_path).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_start_page_says_what_is_needed_and_the_progress_names_each_step() {
    for_each_database(|app| async move {
        let kyc = kyc_case(&app, None).await;
        let browser = Applicant::new(&app);
        let (_, consent) = browser.visit(&verification_path(&kyc)).await;
        assert!(
            consent.body.contains("What you&#39;ll need")
                || consent.body.contains("What you'll need")
        );
        assert!(
            consent
                .body
                .contains("An identity document that is still valid")
        );
        assert!(
            consent
                .body
                .contains("aria-current=\"step\"><span class=\"n\">Before you start</span></li>"),
            "{}",
            consent.body
        );
        for name in [
            "Your details",
            "Identity document",
            "Photo of your face",
            "Check and submit",
        ] {
            assert!(
                consent
                    .body
                    .contains(&format!("<li><span class=\"n\">{name}</span></li>")),
                "{name} named in the progress"
            );
        }
        browser.complete("consent", &[("consent", "yes")]).await;
        let (_, details) = browser.visit("/portal/personal_details").await;
        assert!(
            details
                .body
                .contains("<li class=\"done\"><span class=\"n\">Before you start"),
            "done steps are marked"
        );

        let kyb = app
            .create_case_with(
                &app.sandbox.secret,
                json!({"kind": "kyb", "applicant": crate::helpers::business("SE")}),
            )
            .await;
        let business = Applicant::new(&app);
        let (_, consent) = business.visit(&verification_path(&kyb)).await;
        assert!(
            consent
                .body
                .contains("Certificate of incorporation, Extract from the company register")
        );
        assert!(consent.body.contains("owners and directors"));
    })
    .await;
}
