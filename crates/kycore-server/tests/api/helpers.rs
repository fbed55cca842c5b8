//! The test harness: a real kycore server on a loopback port, over a real database, driven
//! through a real HTTP client.
//!
//! [`for_each_database`] runs a test body once per backend of [`TestDatabase::all`] (SQLite
//! always, PostgreSQL when `KYCORE_TEST_DATABASE_URL` is set), each time on a fresh database
//! with a freshly initialized organization, and drops the database afterwards. Request
//! helpers check the status and content type of every answer, and problem documents are
//! checked for their full RFC 9457 shape.

use std::future::Future;

use kycore_domain::ids::OrganizationId;
use kycore_domain::tenancy::Environment;
use kycore_services::crypto::MasterKey;
use kycore_services::keys::KeyKind;
use kycore_services::organizations::OrganizationKeys;
use kycore_services::{Backend, Deployment, ServiceConfig, Services};
use kycore_store::testing::TestDatabase;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::task::JoinHandle;

/// The secret and publishable key of one (organization, environment).
#[derive(Clone, Debug)]
pub struct Keys {
    pub secret: String,
    pub publishable: String,
}

/// One running server and the keys to talk to it.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub services: Services,
    pub backend: Backend,
    pub database_url: String,
    pub organization_id: OrganizationId,
    pub sandbox: Keys,
    pub live: Keys,
    /// A second organization, to prove tenants never see each other.
    pub other_organization_id: OrganizationId,
    pub other_sandbox: Keys,
    pub other_live: Keys,
    /// Where the documents' blobs go; removed with the app.
    pub data_dir: tempfile::TempDir,
    server: JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The HTTP edge's limits a test server runs with.
pub struct Edge {
    pub rate_limits: kycore_server::RateLimits,
    pub serve_limits: kycore_server::ServeLimits,
    /// The providers Provide's dialect sends applications to (none unless a test sets one).
    pub provide_providers: kycore_server::ProviderAccounts,
}

impl Edge {
    pub fn unlimited() -> Self {
        Edge {
            rate_limits: kycore_server::RateLimits {
                per_key_per_second: 0,
                auth_failures_per_minute: 0,
                client_ip_header: None,
            },
            serve_limits: kycore_server::ServeLimits::default(),
            provide_providers: kycore_server::ProviderAccounts::default(),
        }
    }
}

/// Runs `test` against a fresh server on every configured database, then drops each database.
pub async fn for_each_database<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(&db).await;
        test(app).await;
        db.cleanup().await;
    }
}

impl TestApp {
    /// Opens the database, initializes an organization plus a second one, and serves the
    /// application on 127.0.0.1 with an OS-chosen port.
    pub async fn spawn(db: &TestDatabase) -> TestApp {
        Self::spawn_with(db, |config| config).await
    }

    /// Like [`TestApp::spawn`], with the service settings changed by `configure`.
    pub async fn spawn_with(
        db: &TestDatabase,
        configure: impl FnOnce(ServiceConfig) -> ServiceConfig,
    ) -> TestApp {
        Self::spawn_edge(db, configure, Edge::unlimited()).await
    }

    /// Like [`TestApp::spawn_with`], with the HTTP edge's limits given. Other tests run with
    /// the rate limits off: they send bursts from one key and one address on purpose.
    pub async fn spawn_edge(
        db: &TestDatabase,
        configure: impl FnOnce(ServiceConfig) -> ServiceConfig,
        edge: Edge,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let data_dir = tempfile::tempdir().unwrap();
        let deployment = Deployment::open(&db.url).await.unwrap();
        let config = configure(ServiceConfig::new(base_url.clone(), data_dir.path()));
        let (services, initialized) = Services::start(deployment, &MasterKey::generate(), config)
            .await
            .unwrap();
        let initialized = initialized.expect("a fresh database gets its default organization");
        let other = services
            .create_organization("Other organization")
            .await
            .unwrap();
        let other_organization_id = OrganizationId::from_trusted(other.organization_id.clone());
        let (other_sandbox, other_live) = keys_of(&other);

        let router = kycore_server::app_configured(
            services.clone(),
            &edge.rate_limits,
            edge.provide_providers,
        );
        let server = tokio::spawn(kycore_server::serve(
            listener,
            router,
            edge.serve_limits,
            std::future::pending(),
        ));
        TestApp {
            data_dir,
            base_url,
            client: reqwest::Client::new(),
            services,
            backend: db.backend,
            database_url: db.url.clone(),
            organization_id: OrganizationId::from_trusted(initialized.organization_id.clone()),
            sandbox: keys_of(&initialized).0,
            live: keys_of(&initialized).1,
            other_organization_id,
            other_sandbox,
            other_live,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request authenticated with `key` as a Bearer token.
    pub fn request(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    /// A request with a JSON body, authenticated with `key`.
    pub fn request_json(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: &Value,
    ) -> RequestBuilder {
        self.request(method, path, key).json(body)
    }

    pub async fn get_json(&self, key: &str, path: &str) -> Value {
        send(self.request(Method::GET, path, key))
            .await
            .json(StatusCode::OK)
    }

    pub async fn post_json(
        &self,
        key: &str,
        path: &str,
        body: &Value,
        status: StatusCode,
    ) -> Value {
        send(self.request_json(Method::POST, path, key, body))
            .await
            .json(status)
    }

    /// `GET path` answering a problem with `status` and `code`.
    pub async fn get_problem(
        &self,
        key: &str,
        path: &str,
        status: StatusCode,
        code: &str,
    ) -> Value {
        send(self.request(Method::GET, path, key))
            .await
            .problem(status, code)
    }

    pub async fn post_problem(
        &self,
        key: &str,
        path: &str,
        body: &Value,
        status: StatusCode,
        code: &str,
    ) -> Value {
        send(self.request_json(Method::POST, path, key, body))
            .await
            .problem(status, code)
    }

    /// Creates a KYC case for a new inline individual applicant.
    pub async fn create_case(&self, key: &str) -> Value {
        self.create_case_with(key, json!({"kind": "kyc", "applicant": individual("SE")}))
            .await
    }

    pub async fn create_case_with(&self, key: &str, body: Value) -> Value {
        self.post_json(key, "/v1/cases", &body, StatusCode::CREATED)
            .await
    }

    pub async fn create_applicant(&self, key: &str, body: Value) -> Value {
        self.post_json(key, "/v1/applicants", &body, StatusCode::CREATED)
            .await
    }

    pub async fn create_flow(&self, key: &str, body: Value) -> Value {
        self.post_json(key, "/v1/flows", &body, StatusCode::CREATED)
            .await
    }

    pub async fn get_case(&self, key: &str, id: &str) -> Value {
        self.get_json(key, &format!("/v1/cases/{id}")).await
    }

    /// Drives a sandbox case to `outcome` through the sandbox endpoint.
    pub async fn complete_sandbox(&self, key: &str, case_id: &str, outcome: &str) -> Value {
        self.post_json(
            key,
            &format!("/v1/sandbox/cases/{case_id}/complete"),
            &json!({ "outcome": outcome }),
            StatusCode::OK,
        )
        .await
    }

    pub async fn decide(
        &self,
        key: &str,
        case_id: &str,
        body: &Value,
        status: StatusCode,
    ) -> Reply {
        let reply = send(self.request_json(
            Method::POST,
            &format!("/v1/cases/{case_id}/decision"),
            key,
            body,
        ))
        .await;
        assert_eq!(reply.status, status, "decision body: {}", reply.text());
        reply
    }

    /// The `data` of a list endpoint's first page (limit 100).
    pub async fn list(&self, key: &str, path: &str) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page = self
            .get_json(key, &format!("{path}{separator}limit=100"))
            .await;
        assert_eq!(page["has_more"], false, "more than one page at {path}");
        page["data"].as_array().unwrap().clone()
    }

    pub async fn list_ids(&self, key: &str, path: &str) -> Vec<String> {
        ids(&self.list(key, path).await)
    }

    /// A case's events in sequence order.
    pub async fn case_events(&self, key: &str, case_id: &str) -> Vec<Value> {
        let mut events = self
            .list(key, &format!("/v1/events?case_id={case_id}"))
            .await;
        events.sort_by_key(|e| e["sequence"].as_i64().unwrap());
        events
    }

    /// Everything a tenant can list: cases, applicants, events and flows.
    pub async fn snapshot(&self, key: &str) -> Snapshot {
        Snapshot {
            cases: self.list_ids(key, "/v1/cases").await,
            applicants: self.list_ids(key, "/v1/applicants").await,
            events: self.list_ids(key, "/v1/events").await,
            flows: ids(&self.get_json(key, "/v1/flows").await["data"]
                .as_array()
                .unwrap()
                .clone()),
        }
    }

    /// Moves a case's link expiry into the past, as if its lifetime had run out.
    pub async fn expire_link_in_database(&self, case_id: &str) {
        let updated = self
            .execute_sql(
                "UPDATE cases SET link_expires_at = $1 WHERE id = $2",
                Some(case_id),
            )
            .await;
        assert_eq!(updated, 1);
    }

    /// Makes every console session look unused for an hour: past the idle timeout.
    pub async fn idle_console_sessions(&self) {
        self.execute_sql(
            "UPDATE console_sessions SET last_seen_at = $1 - 3600000",
            None,
        )
        .await;
    }

    /// Makes a case's link have expired eight days ago: past the grace a started case gets.
    pub async fn expire_link_long_ago(&self, case_id: &str) {
        let updated = self
            .execute_sql(
                "UPDATE cases SET link_expires_at = $1 - 691200000 WHERE id = $2",
                Some(case_id),
            )
            .await;
        assert_eq!(updated, 1);
    }

    /// Moves a case's final decision 31 days into the past, as if a month had gone by since
    /// it closed.
    pub async fn age_closure_in_database(&self, case_id: &str) {
        let sql = "UPDATE cases SET closed_at = $1 - 2678400000 WHERE id = $2";
        let updated = self.execute_sql(sql, Some(case_id)).await;
        assert_eq!(updated, 1);
    }

    /// Counts rows with `sql` (a `SELECT COUNT(*)` taking `id` as `$1`), beside the server.
    pub async fn count_in_database(&self, sql: &'static str, id: &str) -> i64 {
        let mut conn = sqlx::AnyConnection::connect(&self.database_url)
            .await
            .unwrap();
        let (count,): (i64,) = sqlx::query_as(sql)
            .bind(id.to_owned())
            .fetch_one(&mut conn)
            .await
            .unwrap();
        count
    }

    /// Takes an applicant out of the name index, as if written before it existed.
    pub async fn forget_name_index(&self, applicant_id: &str) {
        let forgotten = self
            .execute_sql(
                "UPDATE applicants SET name_tokens = NULL WHERE $1 > 0 AND id = $2",
                Some(applicant_id),
            )
            .await;
        assert_eq!(forgotten, 1);
    }

    /// Makes a held file eight days old, past its retention.
    pub async fn age_held_file(&self, id: &str) {
        let aged = self
            .execute_sql(
                "UPDATE held_files SET created_at = $1 - 691200000 WHERE id = $2",
                Some(id),
            )
            .await;
        assert_eq!(aged, 1);
    }

    /// Makes every pending background job due now, as if its time had come.
    pub async fn make_jobs_due(&self) {
        self.execute_sql(
            "UPDATE jobs SET run_at = $1, locked_until = NULL WHERE failed_at IS NULL",
            None,
        )
        .await;
    }

    /// Runs `sql` on a connection of its own (as an operator would, beside the server) with
    /// a minute ago as `$1` and `id` as `$2`; returns the rows affected.
    async fn execute_sql(&self, sql: &'static str, id: Option<&str>) -> u64 {
        let past = kycore_services::time_format::now_millis() - 60_000;
        let mut conn = sqlx::AnyConnection::connect(&self.database_url)
            .await
            .unwrap();
        let mut query = sqlx::query(sql).bind(past);
        if let Some(id) = id {
            query = query.bind(id.to_owned());
        }
        query.execute(&mut conn).await.unwrap().rows_affected()
    }

    /// A fresh secret key of the main organization's sandbox, returned with its id.
    pub async fn extra_sandbox_key(&self) -> (String, String) {
        let key = self
            .services
            .create_key(&self.organization_id, Environment::Sandbox, KeyKind::Secret)
            .await
            .unwrap();
        (key.id, key.key)
    }
}

/// What a tenant's list endpoints show.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub cases: Vec<String>,
    pub applicants: Vec<String>,
    pub events: Vec<String>,
    pub flows: Vec<String>,
}

/// The (sandbox, live) keys of an organization as created.
fn keys_of(organization: &OrganizationKeys) -> (Keys, Keys) {
    let keys = |e: &kycore_services::organizations::EnvironmentKeys| Keys {
        secret: e.secret_key.clone(),
        publishable: e.publishable_key.clone(),
    };
    (keys(&organization.sandbox), keys(&organization.live))
}

/// An answer, read completely.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

pub async fn send(request: RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .map_or("", |v| v.to_str().unwrap())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The JSON body of an answer that must have `status` and be `application/json`.
    pub fn json(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text());
        assert_eq!(self.content_type(), "application/json");
        serde_json::from_slice(&self.body).unwrap()
    }

    /// The problem document of an answer that must have `status` and `code`, checked for
    /// the full RFC 9457 shape and the request id.
    pub fn problem(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text());
        assert_eq!(self.content_type(), "application/problem+json");
        let problem: Value = serde_json::from_slice(&self.body).unwrap();
        assert_eq!(problem["code"], code, "problem: {problem}");
        assert_eq!(problem["status"], status.as_u16());
        assert_eq!(problem["type"], format!("urn:kycore:problem:{code}"));
        assert!(!problem["title"].as_str().unwrap().is_empty());
        assert!(!problem["detail"].as_str().unwrap().is_empty());
        let request_id = self.header("x-request-id").expect("x-request-id header");
        assert!(!request_id.is_empty());
        assert_eq!(problem["request_id"], request_id);
        problem
    }

    /// An HTML page with `status`.
    pub fn html(&self, status: StatusCode) -> String {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text());
        assert!(
            self.content_type().starts_with("text/html"),
            "content type {}",
            self.content_type()
        );
        self.text()
    }
}

/// The parts of a problem that must not depend on why a resource is invisible.
pub fn problem_shape(problem: &Value) -> Value {
    json!({
        "type": problem["type"], "title": problem["title"], "status": problem["status"],
        "detail": problem["detail"], "code": problem["code"], "errors": problem["errors"],
    })
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// An inline individual applicant of `nationality`.
pub fn individual(nationality: &str) -> Value {
    json!({
        "type": "individual",
        "individual": {
            "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1985-12-10",
            "nationality": nationality, "email": "ada@example.com", "phone": "+46 70 123 45 67",
        },
    })
}

/// An inline business applicant of `country`, with one beneficial owner.
pub fn business(country: &str) -> Value {
    json!({
        "type": "business",
        "business": {"legal_name": "Analytical Engines AB", "country": country},
        "related_persons": [{"role": "ubo", "ownership_percent": 60, "first_name": "Ada", "last_name": "Lovelace"}],
    })
}

/// A well-formed id that names nothing.
pub const MISSING_CASE: &str = "case_01jzzzzzzzzzzzzzzzzzzzzzzz";
pub const MISSING_APPLICANT: &str = "app_01jzzzzzzzzzzzzzzzzzzzzzzz";
pub const MISSING_FLOW: &str = "flow_01jzzzzzzzzzzzzzzzzzzzzzzz";
pub const MISSING_EVENT: &str = "evt_01jzzzzzzzzzzzzzzzzzzzzzzz";

/// The `token` a case view's `verification_url` carries, as a path on the test server.
pub fn verification_path(case: &Value) -> String {
    let url = case["verification_url"].as_str().unwrap();
    let token = case["token"].as_str().unwrap();
    assert!(url.ends_with(&format!("/verify/{token}")), "url {url}");
    format!("/verify/{token}")
}

/// Opens a hosted link in a fresh browser (its own cookie jar, following the redirect to the
/// portal), without credentials, as an applicant would.
pub async fn open_link(app: &TestApp, path: &str) -> Reply {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    send(browser.get(app.url(path))).await
}

/// Opens a hosted link in a fresh browser and takes the first step (consent), as an
/// applicant who starts the flow: the first step, not the opening, moves the case to
/// `in_progress`.
pub async fn start_flow(app: &TestApp, path: &str) {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = send(browser.get(app.url(path))).await.html(StatusCode::OK);
    let start = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
    let csrf = &page[start..start + page[start..].find('"').unwrap()];
    let consented = send(
        browser
            .post(app.url("/portal/consent"))
            .form(&[("csrf", csrf), ("consent", "yes")]),
    )
    .await;
    assert_eq!(consented.status, StatusCode::OK, "{}", consented.text());
}

/// Asserts the events are exactly `expected` (type, previous status → status), in sequence
/// order starting at 1.
pub fn assert_event_trail(events: &[Value], expected: &[(&str, Option<(&str, &str)>)]) {
    let actual: Vec<(String, Option<(String, String)>)> = events
        .iter()
        .map(|e| {
            let change = (e["type"] == "case.status_changed").then(|| {
                (
                    e["data"]["previous_status"].as_str().unwrap().to_owned(),
                    e["data"]["status"].as_str().unwrap().to_owned(),
                )
            });
            (e["type"].as_str().unwrap().to_owned(), change)
        })
        .collect();
    let expected: Vec<(String, Option<(String, String)>)> = expected
        .iter()
        .map(|(t, c)| {
            (
                (*t).to_owned(),
                c.map(|(a, b)| (a.to_owned(), b.to_owned())),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    let sequences: Vec<i64> = events
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    let counted: Vec<i64> = (1..=i64::try_from(events.len()).unwrap()).collect();
    assert_eq!(sequences, counted);
}

/// The trail a case leaves from `created` to `outcome` through the sandbox or a real
/// completion, after its `case.created`.
pub fn completion_trail(
    outcome: &'static str,
) -> Vec<(&'static str, Option<(&'static str, &'static str)>)> {
    vec![
        ("case.created", None),
        ("case.status_changed", Some(("created", "in_progress"))),
        ("case.status_changed", Some(("in_progress", "submitted"))),
        ("case.status_changed", Some(("submitted", "processing"))),
        ("case.status_changed", Some(("processing", outcome))),
        ("case.decided", None),
    ]
}

/// A document photo made in code: 640×400, a card on a textured background with a portrait
/// block, text lines and sensor noise. A real JPEG that passes the upload checks, the same
/// bytes on every call (so two uploads of it are the same file).
pub fn document_photo() -> Vec<u8> {
    encode(&document_image(), image::ImageFormat::Jpeg)
}

/// The same picture as [`document_photo`], as a PNG.
pub fn document_png() -> Vec<u8> {
    encode(&document_image(), image::ImageFormat::Png)
}

/// A picture in a format, as a file.
pub fn encode(image: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn document_image() -> image::DynamicImage {
    let mut seed = 42_u32;
    let image = image::RgbImage::from_fn(640, 400, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = ((seed >> 24) % 16) as u8;
        let on_card = (40..600).contains(&x) && (40..360).contains(&y);
        let portrait = (70..220).contains(&x) && (90..300).contains(&y);
        let text = (250..560).contains(&x) && (100..300).contains(&y) && (y - 100) % 30 < 10;
        let base: [u8; 3] = match (on_card, portrait, text) {
            (_, true, _) => [150, 110, 90],
            (_, _, true) => [30, 30, 40],
            (true, _, _) => [225, 230, 240],
            _ => [90, 70, 50],
        };
        image::Rgb(base.map(|c| c.saturating_add(noise)))
    });
    image::DynamicImage::ImageRgb8(image)
}

/// Runs a Python script with `input` as JSON on its stdin: the independent checkers of
/// webhook signatures (the Standard Webhooks and Svix libraries, Python's own hmac) run this
/// way. Fails the test when a module is missing (`.ci/run` installs them).
pub fn run_python(script: &str, input: &Value) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "a Python module is missing (pip install standardwebhooks svix): {stderr}"
    );
    output
}

/// [`run_python`] for a script that prints JSON: its answer, the script having succeeded.
pub fn python_json(script: &str, input: &Value) -> Value {
    let output = run_python(script, input);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
