//! The whole HTTP application, `kycore_server::app`, as a client reaches it: the native `/v1`
//! API with its JSON bodies, query strings and path ids, the hosted portal's forms, and the
//! vendor dialects' routes (VOVE's `/verify?authToken=…`), over a real deployment (SQLite
//! in a scratch directory, on tmpfs where there is one; a small BIS DPL list loaded for
//! screening).
//!
//! Input: a request written as text, like HTTP/1.1 without the version:
//!
//! ```text
//! POST /v1/cases
//! content-type: application/json
//!
//! {"kind": "kyc", "applicant_id": "{applicant}"}
//! ```
//!
//! The first line is the method and the target, then header lines, an empty line and the
//! body. Placeholders in the target, headers and body are replaced with objects the set-up
//! created, so that requests get past "not found" into the handlers: `{flow}`,
//! `{applicant}`, `{case}`, `{event}`, `{token}` (the case's link), `{secret}` and
//! `{publishable}` (sandbox keys), `{live_secret}`, `{cookie}` and `{csrf}` (a portal
//! session on the case). A request without an `authorization` header is sent with the
//! sandbox secret key.
//!
//! Beyond "no panic" (a panic in a handler aborts here, although the server would answer
//! 500): no answer is a 5xx, and every `/v1` error is an RFC 9457 `application/problem+json`
//! document whose `status` is the answer's and which has a `code` (save the known plain-text
//! refusals of `known_plain_text_refusal`).
//!
//! Speed: a few hundred requests a second; every `REQUESTS_PER_DEPLOYMENT` the deployment
//! is replaced by a fresh one so that a long run's database stays small. State carries over
//! between requests of one deployment (a case cancelled by one input stays cancelled), so a
//! crash that needs earlier requests may not replay alone: replay it, then look at the
//! requests of the run before it if it does not reproduce.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use kycore_fuzz::scratch_dir;
use kycore_services::crypto::MasterKey;
use kycore_services::screening::{ImportRequest, ListFormat};
use kycore_services::{Deployment, ServiceConfig, Services};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use tower::ServiceExt;

const REQUESTS_PER_DEPLOYMENT: u32 = 20_000;
const PUBLIC_URL: &str = "http://kycore.test";

/// A few made-up denied parties, tab-separated as BIS publishes its list.
const DENIED_PARTIES: &str = "Name\tStreet_Address\tCity\tState\tCountry\tPostal_Code\tEffective_Date\tExpiration_Date\tStandard_Order\tLast_Update\tAction\tFR_Citation\n\
ACME EXPORT HOLDINGS\t1 HARBOUR ROAD\tSPRINGFIELD\tIL\tUS\t62701\t01/02/2020\t01/02/2030\tY\t2020-01-02\tADDED\t85 F.R. 1\n\
IVAN PETROVICH EXAMPLE\t22 MAIN STREET\tRIVERTON\tWY\tUS\t82501\t03/04/2021\t03/04/2031\tY\t2021-03-04\tADDED\t86 F.R. 2\n";

/// One deployment and the placeholders for the objects created in it.
struct App {
    router: Router,
    placeholders: Vec<(&'static str, String)>,
    served: u32,
    runtime: tokio::runtime::Runtime,
    dir: PathBuf,
}

impl App {
    fn start(generation: u32) -> App {
        static SCRATCH: OnceLock<PathBuf> = OnceLock::new();
        let dir = SCRATCH
            .get_or_init(|| scratch_dir("api"))
            .join(format!("deployment-{generation}"));
        std::fs::create_dir_all(&dir).expect("a deployment directory");
        // One thread: requests are served one at a time, and background tasks only run
        // while a request is served, as in a quiet server.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let (router, placeholders) = runtime.block_on(deploy(&dir));
        App {
            router,
            placeholders,
            served: 0,
            runtime,
            dir,
        }
    }

    /// Shuts this deployment down and removes its files.
    fn retire(self) {
        let App {
            router,
            runtime,
            dir,
            ..
        } = self;
        runtime.block_on(async move { drop(router) });
        drop(runtime);
        // Best effort: a leftover is removed with the scratch directory by a later run.
        let _ = std::fs::remove_dir_all(dir);
    }

    fn substitute(&self, text: &str) -> String {
        self.placeholders
            .iter()
            .fold(text.to_owned(), |text, (name, value)| {
                text.replace(name, value)
            })
    }

    fn placeholder(&self, name: &str) -> &str {
        self.placeholders
            .iter()
            .find(|(known, _)| *known == name)
            .map_or("", |(_, value)| value.as_str())
    }
}

async fn deploy(dir: &Path) -> (Router, Vec<(&'static str, String)>) {
    let url = format!("sqlite://{}?mode=rwc", dir.join("kycore.db").display());
    let deployment = Deployment::open(&url).await.expect("a database");
    let config = ServiceConfig::new(PUBLIC_URL, dir);
    let (services, keys) = Services::start(deployment, &MasterKey::generate(), config)
        .await
        .expect("services");
    let keys = keys.expect("a new deployment has keys");
    load_denied_parties(&services, dir).await;
    let router = kycore_server::app(services);

    let secret = keys.sandbox.secret_key.clone();
    let flow = create(
        &router,
        &secret,
        "/v1/flows",
        json!({"name": "Fuzz", "kind": "kyc"}),
    )
    .await;
    let individual = json!({
        "type": "individual",
        "individual": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1985-12-10",
                       "nationality": "SE", "email": "ada@example.com"},
    });
    let applicant = create(&router, &secret, "/v1/applicants", individual).await;
    let case_body = json!({"kind": "kyc", "applicant_id": applicant["id"], "flow_id": flow["id"]});
    let case = create(&router, &secret, "/v1/cases", case_body).await;
    let events = send(&router, get("/v1/events", &secret)).await.2;
    let event = events["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let token = case["token"].as_str().unwrap_or_default().to_owned();
    let (cookie, csrf) = open_portal(&router, &token).await;

    let id = |value: &Value| value["id"].as_str().unwrap_or_default().to_owned();
    let placeholders = vec![
        ("{flow}", id(&flow)),
        ("{applicant}", id(&applicant)),
        ("{case}", id(&case)),
        ("{event}", event),
        ("{token}", token),
        ("{secret}", secret),
        ("{publishable}", keys.sandbox.publishable_key),
        ("{live_secret}", keys.live.secret_key),
        ("{cookie}", cookie),
        ("{csrf}", csrf),
    ];
    (router, placeholders)
}

async fn load_denied_parties(services: &Services, dir: &Path) {
    let path = dir.join("dpl.txt");
    std::fs::write(&path, DENIED_PARTIES).expect("the list file");
    let request = ImportRequest {
        path,
        format: ListFormat::BisDpl,
        list_id: None,
    };
    services
        .import_watchlist(dir, request, |_| {})
        .await
        .expect("the list imports");
    services.load_watchlists(dir).await.expect("the list loads");
}

fn get(path: &str, secret: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .expect("a request")
}

async fn create(router: &Router, secret: &str, path: &str, body: Value) -> Value {
    let request = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    let (status, _, created) = send(router, request).await;
    assert_eq!(status, StatusCode::CREATED, "set-up {path}: {created}");
    created
}

/// Sends a request; the status, the headers, and the body as JSON (null when it is not).
async fn send(router: &Router, request: Request<Body>) -> (StatusCode, header::HeaderMap, Value) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

/// Opens the case's hosted link as a browser would: the session cookie it sets, and the
/// CSRF token of the first step's form.
async fn open_portal(router: &Router, token: &str) -> (String, String) {
    let opened = Request::get(format!("/verify/{token}"))
        .body(Body::empty())
        .expect("a request");
    let (_, headers, _) = send(router, opened).await;
    let cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kycore_portal="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let mut path = "/portal".to_owned();
    for _ in 0..3 {
        let request = Request::get(path.as_str())
            .header(header::COOKIE, cookie.as_str())
            .body(Body::empty())
            .expect("a request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        if let Some(location) = response.headers().get(header::LOCATION) {
            path = location.to_str().unwrap_or("/portal").to_owned();
            continue;
        }
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let page = String::from_utf8_lossy(&bytes);
        let marker = "name=\"csrf\" value=\"";
        if let Some(start) = page.find(marker).map(|i| i + marker.len()) {
            let csrf = page[start..].split('"').next().unwrap_or_default();
            return (cookie, csrf.to_owned());
        }
        break;
    }
    (cookie, String::new())
}

/// The request the input writes, placeholders replaced; `None` when it is not one an HTTP
/// server would pass on (no request line, a bad method, target or header).
fn request(app: &App, data: &[u8]) -> Option<Request<Body>> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(end) => (&data[..end], &data[end + 2..]),
        None => (data, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let method = Method::from_bytes(method.trim().as_bytes()).ok()?;
    let mut builder = Request::builder()
        .method(method)
        .uri(app.substitute(target.trim()));
    let mut authorized = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        authorized |= name.trim().eq_ignore_ascii_case("authorization");
        builder = builder.header(name.trim(), app.substitute(value.trim()));
    }
    if !authorized {
        let secret = app.placeholder("{secret}");
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {secret}"));
    }
    let body = match std::str::from_utf8(body) {
        Ok(text) => Body::from(app.substitute(text)),
        Err(_) => Body::from(body.to_vec()),
    };
    builder.body(body).ok()
}

/// Plain-text refusals the fuzzer found in the server (reported, not fixed here), which
/// axum's own extractors send instead of a problem document: a path segment whose percent
/// escapes are not UTF-8 (`GET /v1/cases/%FF`, the `Path` extractor), and a document upload
/// whose multipart body or boundary is malformed (the `Multipart` extractor). Remove each
/// once the server answers it with a problem document.
fn known_plain_text_refusal(method: &Method, path: &str, status: StatusCode) -> bool {
    if status != StatusCode::BAD_REQUEST {
        return false;
    }
    let bad_escape = std::str::from_utf8(&percent_decoded(path)).is_err();
    let upload = method == Method::POST
        && path.starts_with("/v1/cases/")
        && path.trim_end_matches('/').ends_with("/documents");
    bad_escape || upload
}

fn percent_decoded(path: &str) -> Vec<u8> {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escape) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    decoded
}

fn check(app: &App, request: Request<Body>) {
    let described = format!("{} {}", request.method(), request.uri());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let native = path.starts_with("/v1/");
    let (status, headers, body) = app.runtime.block_on(send(&app.router, request));
    assert!(!status.is_server_error(), "{described}: {status} {body}");
    if native && status.is_client_error() {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if content_type.starts_with("text/plain")
            && known_plain_text_refusal(&method, &path, status)
        {
            return;
        }
        assert_eq!(
            content_type, "application/problem+json",
            "{described}: {status} without a problem document"
        );
        assert_eq!(
            body["status"],
            json!(status.as_u16()),
            "{described}: {body}"
        );
        assert!(body["code"].is_string(), "{described}: {body}");
    }
}

/// The deployment being fuzzed, and how many were started before it.
struct Current {
    app: Option<App>,
    generation: u32,
}

fuzz_target!(|data: &[u8]| {
    static CURRENT: Mutex<Current> = Mutex::new(Current {
        app: None,
        generation: 0,
    });
    let mut current = CURRENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let worn_out = current
        .app
        .as_ref()
        .is_some_and(|app| app.served >= REQUESTS_PER_DEPLOYMENT);
    if worn_out {
        current.app.take().map(App::retire);
    }
    if current.app.is_none() {
        current.generation += 1;
        current.app = Some(App::start(current.generation));
    }
    let Some(app) = current.app.as_mut() else {
        return;
    };
    app.served += 1;
    if let Some(request) = request(app, data) {
        check(app, request);
    }
});
