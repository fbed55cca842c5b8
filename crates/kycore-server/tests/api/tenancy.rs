//! Tenant isolation: a key of another organization, or of the same organization's other
//! environment, sees nothing of a tenant — every route taking an id answers exactly as it
//! does for an id that does not exist, and lists never show the other tenant's rows.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    MISSING_APPLICANT, MISSING_CASE, MISSING_EVENT, MISSING_FLOW, TestApp, for_each_database,
    individual, open_link, problem_shape, send, verification_path,
};

/// One tenant's objects: a flow, an applicant, a case and one of its events.
struct Owned {
    flow: String,
    applicant: String,
    case: Value,
    event: String,
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
    let events = app
        .list(
            key,
            &format!("/v1/events?case_id={}", case["id"].as_str().unwrap()),
        )
        .await;
    Owned {
        flow: flow["id"].as_str().unwrap().to_owned(),
        applicant: applicant["id"].as_str().unwrap().to_owned(),
        case,
        event: events[0]["id"].as_str().unwrap().to_owned(),
    }
}

/// Every route that takes an id: method, path, and a valid body where one is needed.
fn id_routes(
    case: &str,
    applicant: &str,
    flow: &str,
    event: &str,
) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("/v1/applicants/{applicant}"), None),
        (
            Method::PATCH,
            format!("/v1/applicants/{applicant}"),
            Some(json!({"external_id": "taken-over"})),
        ),
        (Method::GET, format!("/v1/flows/{flow}"), None),
        (Method::GET, format!("/v1/cases/{case}"), None),
        (Method::POST, format!("/v1/cases/{case}/cancel"), None),
        (
            Method::POST,
            format!("/v1/cases/{case}/decision"),
            Some(json!({"decision": "approve", "reason_code": "ok"})),
        ),
        (Method::POST, format!("/v1/cases/{case}/link"), None),
        (
            Method::POST,
            format!("/v1/sandbox/cases/{case}/complete"),
            Some(json!({"outcome": "approved"})),
        ),
        (Method::GET, format!("/v1/events/{event}"), None),
        (
            Method::POST,
            "/v1/cases".to_owned(),
            Some(json!({"kind": "kyc", "applicant_id": applicant})),
        ),
        (
            Method::POST,
            "/v1/cases".to_owned(),
            Some(json!({"kind": "kyc", "applicant": individual("SE"), "flow_id": flow})),
        ),
    ]
}

async fn not_found_shape(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Value {
    let request = app.request(method, path, key);
    let request = match body {
        Some(body) => request.json(body),
        None => request,
    };
    problem_shape(
        &send(request)
            .await
            .problem(StatusCode::NOT_FOUND, "not_found"),
    )
}

async fn assert_invisible(app: &TestApp, intruder: &str, owned: &Owned) {
    let case_id = owned.case["id"].as_str().unwrap();
    let theirs = id_routes(case_id, &owned.applicant, &owned.flow, &owned.event);
    let missing = id_routes(MISSING_CASE, MISSING_APPLICANT, MISSING_FLOW, MISSING_EVENT);
    for ((method, path, body), (_, missing_path, missing_body)) in theirs.into_iter().zip(missing) {
        let answer = not_found_shape(app, intruder, method.clone(), &path, body.as_ref()).await;
        let reference = not_found_shape(
            app,
            intruder,
            method.clone(),
            &missing_path,
            missing_body.as_ref(),
        )
        .await;
        assert_eq!(
            answer, reference,
            "{method} {path} tells another tenant apart from a missing id"
        );
    }

    let lists = [
        "/v1/cases".to_owned(),
        "/v1/applicants".to_owned(),
        "/v1/events".to_owned(),
        format!("/v1/cases?applicant_id={}", owned.applicant),
        "/v1/cases?external_id=owned-1".to_owned(),
        format!("/v1/events?case_id={case_id}"),
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
        assert_eq!(
            (case["status"].clone(), case["revision"].clone()),
            (json!("created"), json!(1))
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
