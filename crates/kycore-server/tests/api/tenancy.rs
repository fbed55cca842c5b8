//! Tenant isolation: a key of another organization, or of the same organization's other
//! environment, sees nothing of a tenant — every route naming an object (the OpenAPI
//! document is checked against the list, so none is forgotten) answers exactly as it does
//! for an id that does not exist, and lists never show the other tenant's rows.

use std::collections::BTreeSet;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    MISSING_APPLICANT, MISSING_CASE, MISSING_EVENT, MISSING_FLOW, TestApp, document_photo,
    for_each_database, individual, open_link, problem_shape, send, verification_path,
};

/// One tenant's objects: a flow, an applicant, a case with a document, a case with a
/// screening hit, and one of their events.
struct Owned {
    flow: String,
    applicant: String,
    case: Value,
    document: String,
    screened_case: String,
    hit: String,
    event: String,
    webhook_endpoint: String,
}

async fn populate(app: &TestApp, key: &str) -> Owned {
    let flow = app
        .create_flow(key, json!({"name": "Owned", "kind": "kyc"}))
        .await;
    let applicant = app.create_applicant(key, individual("SE")).await;
    let case = app
        .create_case_with(
            key,
            json!({"kind": "kyc", "applicant_id": applicant["id"], "flow_id": flow["id"],
                   "external_id": "owned-1"}),
        )
        .await;
    let case_id = case["id"].as_str().unwrap();
    let document = send(
        app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
            .multipart(document_form()),
    )
    .await
    .json(StatusCode::CREATED);
    // The sandbox list's fictional party gives the screened case a hit.
    let mut sanctioned = individual("SE");
    sanctioned["individual"]["first_name"] = json!("Viktor");
    sanctioned["individual"]["last_name"] = json!("Sandboxov");
    sanctioned["individual"]["date_of_birth"] = json!("1970-03-04");
    let screened = app
        .create_case_with(key, json!({"kind": "kyc", "applicant": sanctioned}))
        .await;
    let screened_case = screened["id"].as_str().unwrap().to_owned();
    app.post_json(
        key,
        &format!("/v1/cases/{screened_case}/submit"),
        &json!({}),
        StatusCode::OK,
    )
    .await;
    while app.services.run_due_jobs().await.unwrap() > 0 {}
    let screened = app.get_case(key, &screened_case).await;
    let events = app
        .list(key, &format!("/v1/events?case_id={case_id}"))
        .await;
    let endpoint = app
        .post_json(
            key,
            "/v1/webhook_endpoints",
            &json!({"url": "https://93.184.215.14/hooks"}),
            StatusCode::CREATED,
        )
        .await;
    Owned {
        webhook_endpoint: endpoint["id"].as_str().unwrap().to_owned(),
        flow: flow["id"].as_str().unwrap().to_owned(),
        applicant: applicant["id"].as_str().unwrap().to_owned(),
        document: document["id"].as_str().unwrap().to_owned(),
        hit: screened["screening_hits"][0]["id"]
            .as_str()
            .expect("the sandbox party is a hit")
            .to_owned(),
        screened_case,
        case,
        event: events[0]["id"].as_str().unwrap().to_owned(),
    }
}

fn document_form() -> Form {
    Form::new()
        .text("type", "selfie")
        .part("file", Part::bytes(document_photo()).file_name("me.jpg"))
}

/// What a request sends.
enum Body {
    None,
    Json(Value),
    Multipart,
}

/// Every route that takes an id or names another object: method, the OpenAPI path it is,
/// the concrete path, and a valid body where one is needed.
fn id_routes(ids: &Ids) -> Vec<(Method, &'static str, String, Body)> {
    let Ids {
        case,
        applicant,
        flow,
        event,
        document,
        screened_case,
        hit,
        webhook_endpoint,
    } = ids;
    vec![
        (
            Method::GET,
            "/v1/webhook_endpoints/{id}",
            format!("/v1/webhook_endpoints/{webhook_endpoint}"),
            Body::None,
        ),
        (
            Method::PATCH,
            "/v1/webhook_endpoints/{id}",
            format!("/v1/webhook_endpoints/{webhook_endpoint}"),
            Body::Json(json!({"description": "taken over"})),
        ),
        (
            Method::POST,
            "/v1/webhook_endpoints/{id}/rotate_secret",
            format!("/v1/webhook_endpoints/{webhook_endpoint}/rotate_secret"),
            Body::Json(json!({})),
        ),
        (
            Method::GET,
            "/v1/webhook_endpoints/{id}/attempts",
            format!("/v1/webhook_endpoints/{webhook_endpoint}/attempts"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/webhook_endpoints/{id}/replay",
            format!("/v1/webhook_endpoints/{webhook_endpoint}/replay"),
            Body::Json(json!({"since": "2020-01-01T00:00:00Z"})),
        ),
        (
            Method::POST,
            "/v1/events/{id}/redeliver",
            format!("/v1/events/{event}/redeliver"),
            Body::Json(json!({})),
        ),
        (
            Method::POST,
            "/v1/events/{id}/redeliver",
            format!("/v1/events/{event}/redeliver"),
            Body::Json(json!({"endpoint_id": webhook_endpoint})),
        ),
        (
            Method::DELETE,
            "/v1/webhook_endpoints/{id}",
            format!("/v1/webhook_endpoints/{webhook_endpoint}"),
            Body::None,
        ),
        (
            Method::GET,
            "/v1/applicants/{id}",
            format!("/v1/applicants/{applicant}"),
            Body::None,
        ),
        (
            Method::PATCH,
            "/v1/applicants/{id}",
            format!("/v1/applicants/{applicant}"),
            Body::Json(json!({"external_id": "taken-over"})),
        ),
        (
            Method::GET,
            "/v1/flows/{id}",
            format!("/v1/flows/{flow}"),
            Body::None,
        ),
        (
            Method::GET,
            "/v1/cases/{id}",
            format!("/v1/cases/{case}"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases/{id}/cancel",
            format!("/v1/cases/{case}/cancel"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases/{id}/redact",
            format!("/v1/cases/{case}/redact"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/applicants/{id}/redact",
            format!("/v1/applicants/{applicant}/redact"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases/{id}/decision",
            format!("/v1/cases/{case}/decision"),
            Body::Json(json!({"decision": "approve", "reason_code": "ok"})),
        ),
        (
            Method::POST,
            "/v1/cases/{id}/link",
            format!("/v1/cases/{case}/link"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases/{id}/submit",
            format!("/v1/cases/{case}/submit"),
            Body::None,
        ),
        (
            Method::PUT,
            "/v1/cases/{id}/details",
            format!("/v1/cases/{case}/details"),
            Body::Json(json!({"external_id": "taken-over"})),
        ),
        (
            Method::GET,
            "/v1/cases/{id}/documents",
            format!("/v1/cases/{case}/documents"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases/{id}/documents",
            format!("/v1/cases/{case}/documents"),
            Body::Multipart,
        ),
        (
            Method::GET,
            "/v1/cases/{id}/documents/{document_id}/file",
            format!("/v1/cases/{case}/documents/{document}/file"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases/{id}/documents/{document_id}/review",
            format!("/v1/cases/{case}/documents/{document}/review"),
            Body::Json(json!({"status": "accepted"})),
        ),
        (
            Method::POST,
            "/v1/cases/{id}/documents/{document_id}/review/{action}",
            format!("/v1/cases/{case}/documents/{document}/review/start"),
            Body::None,
        ),
        (
            Method::GET,
            "/v1/cases/{id}/screening-hits",
            format!("/v1/cases/{screened_case}/screening-hits"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases/{id}/screening-hits/{hit_id}/review",
            format!("/v1/cases/{screened_case}/screening-hits/{hit}/review"),
            Body::Json(json!({"verdict": "false_match"})),
        ),
        (
            Method::POST,
            "/v1/sandbox/cases/{id}/complete",
            format!("/v1/sandbox/cases/{case}/complete"),
            Body::Json(json!({"outcome": "approved"})),
        ),
        (
            Method::GET,
            "/v1/events/{id}",
            format!("/v1/events/{event}"),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/cases",
            "/v1/cases".to_owned(),
            Body::Json(json!({"kind": "kyc", "applicant_id": applicant})),
        ),
        (
            Method::POST,
            "/v1/cases",
            "/v1/cases".to_owned(),
            Body::Json(json!({"kind": "kyc", "applicant": individual("SE"), "flow_id": flow})),
        ),
    ]
}

/// The ids the routes above are called with.
struct Ids {
    case: String,
    applicant: String,
    flow: String,
    event: String,
    document: String,
    screened_case: String,
    hit: String,
    webhook_endpoint: String,
}

impl Ids {
    fn of(owned: &Owned) -> Self {
        Ids {
            case: owned.case["id"].as_str().unwrap().to_owned(),
            applicant: owned.applicant.clone(),
            flow: owned.flow.clone(),
            event: owned.event.clone(),
            document: owned.document.clone(),
            screened_case: owned.screened_case.clone(),
            hit: owned.hit.clone(),
            webhook_endpoint: owned.webhook_endpoint.clone(),
        }
    }

    fn missing() -> Self {
        Ids {
            case: MISSING_CASE.into(),
            applicant: MISSING_APPLICANT.into(),
            flow: MISSING_FLOW.into(),
            event: MISSING_EVENT.into(),
            document: "doc_01jzzzzzzzzzzzzzzzzzzzzzzz".into(),
            screened_case: MISSING_CASE.into(),
            hit: "hit_01jzzzzzzzzzzzzzzzzzzzzzzz".into(),
            webhook_endpoint: "whep_01jzzzzzzzzzzzzzzzzzzzzzzz".into(),
        }
    }
}

async fn not_found_shape(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: &Body,
) -> Value {
    let request = app.request(method, path, key);
    let request = match body {
        Body::None => request,
        Body::Json(body) => request.json(body),
        Body::Multipart => request.multipart(document_form()),
    };
    problem_shape(
        &send(request)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found"),
    )
}

async fn assert_invisible(app: &TestApp, intruder: &str, owned: &Owned) {
    let case_id = owned.case["id"].as_str().unwrap();
    let theirs = id_routes(&Ids::of(owned));
    let missing = id_routes(&Ids::missing());
    for ((method, _, path, body), (_, _, missing_path, missing_body)) in
        theirs.into_iter().zip(missing)
    {
        let answer = not_found_shape(app, intruder, method.clone(), &path, &body).await;
        let reference =
            not_found_shape(app, intruder, method.clone(), &missing_path, &missing_body).await;
        assert_eq!(
            answer, reference,
            "{method} {path} tells another tenant apart from a missing id"
        );
    }

    let lists = [
        "/v1/cases".to_owned(),
        "/v1/applicants".to_owned(),
        "/v1/events".to_owned(),
        "/v1/events?after=0".to_owned(),
        "/v1/webhook_endpoints".to_owned(),
        format!("/v1/cases?applicant_id={}", owned.applicant),
        "/v1/cases?external_id=owned-1".to_owned(),
        format!("/v1/events?case_id={case_id}"),
        format!("/v1/audit?case_id={case_id}"),
    ];
    for list in lists {
        assert!(
            app.list(intruder, &list).await.is_empty(),
            "{list} shows another tenant's rows"
        );
    }
    let flows = app.get_json(intruder, "/v1/flows").await;
    assert!(
        flows["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["builtin"] == true),
        "another tenant's flow is listed: {flows}"
    );
}

/// Every route of the API that names an object is in `id_routes`, so a new route cannot
/// skip the isolation check.
#[tokio::test]
async fn every_route_naming_an_object_is_checked_for_isolation() {
    let db = kycore_store::testing::TestDatabase::sqlite();
    let app = TestApp::spawn(&db).await;
    let document: Value = send(app.client.get(app.url("/v1/openapi.json")))
        .await
        .json(StatusCode::OK);
    let checked: BTreeSet<(String, String)> = id_routes(&Ids::missing())
        .into_iter()
        .map(|(method, template, _, _)| (method.as_str().to_owned(), template.to_owned()))
        .collect();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            let names_an_object = path.contains('{') || (method == "POST" && path == "/v1/cases");
            if names_an_object {
                assert!(
                    checked.contains(&(method.clone(), path.clone())),
                    "{method} {path} has no isolation check in id_routes"
                );
            }
        }
    }
}

#[tokio::test]
async fn other_organizations_and_environments_see_nothing() {
    for_each_database(|app| async move {
        let owned = populate(&app, &app.sandbox.secret).await;
        let before = app.snapshot(&app.sandbox.secret).await;
        for intruder in [
            &app.other_sandbox.secret,
            &app.other_live.secret,
            &app.live.secret,
        ] {
            assert_invisible(&app, intruder, &owned).await;
        }
        // The owner still sees exactly what it had: the intruders changed nothing.
        assert_eq!(app.snapshot(&app.sandbox.secret).await, before);
        let case = app
            .get_case(&app.sandbox.secret, owned.case["id"].as_str().unwrap())
            .await;
        // Revision 2: the document the owner uploaded; nothing since.
        assert_eq!(
            (case["status"].clone(), case["revision"].clone()),
            (json!("created"), json!(2))
        );
    })
    .await;
}

#[tokio::test]
async fn live_keys_learn_nothing_from_a_sandbox_case_or_its_link() {
    for_each_database(|app| async move {
        let case = app.create_case(&app.sandbox.secret).await;
        let case_id = case["id"].as_str().unwrap();
        app.get_problem(
            &app.live.secret,
            &format!("/v1/cases/{case_id}"),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert!(
            app.list(&app.live.secret, &format!("/v1/events?case_id={case_id}"))
                .await
                .is_empty()
        );

        // The link's token is no key to the API.
        app.get_problem(
            case["token"].as_str().unwrap(),
            "/v1/cases",
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
        )
        .await;
        // The link page itself works without any key and shows no case data.
        let page = open_link(&app, &verification_path(&case))
            .await
            .html(StatusCode::OK);
        assert!(!page.contains(case_id));
        assert!(!page.contains("Lovelace"));
        assert!(app.list(&app.live.secret, "/v1/cases").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_same_external_id_in_two_tenants_stays_apart() {
    for_each_database(|app| async move {
        let body =
            json!({"kind": "kyc", "applicant": individual("SE"), "external_id": "shared-ref"});
        let mine = app
            .create_case_with(&app.sandbox.secret, body.clone())
            .await;
        let theirs = app.create_case_with(&app.other_sandbox.secret, body).await;
        assert_ne!(mine["id"], theirs["id"]);
        for (key, expected) in [
            (&app.sandbox.secret, &mine),
            (&app.other_sandbox.secret, &theirs),
        ] {
            let found = app.list_ids(key, "/v1/cases?external_id=shared-ref").await;
            assert_eq!(found, vec![expected["id"].as_str().unwrap().to_owned()]);
        }
    })
    .await;
}
