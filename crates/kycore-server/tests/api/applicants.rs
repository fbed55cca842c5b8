//! Applicants: create, read back, update (revision and event), and list filters.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{business, for_each_database, individual, send};

#[tokio::test]
async fn applicants_read_back_as_created_and_update_in_place() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let mut body = individual("se");
        body["external_id"] = json!("  user-7  ");
        body["individual"]["address"] = json!({"line1": "Drottninggatan 1", "country": "se"});
        let created = app.create_applicant(key, body).await;
        assert!(created["id"].as_str().unwrap().starts_with("app_"));
        assert_eq!(created["external_id"], "user-7");
        assert_eq!(created["individual"]["nationality"], "SE");
        assert_eq!(created["individual"]["address"]["country"], "SE");
        assert_eq!(created["revision"], 1);
        let path = format!("/v1/applicants/{}", created["id"].as_str().unwrap());
        assert_eq!(app.get_json(key, &path).await, created);

        let patch = json!({"external_id": "user-8", "individual": {"first_name": "Augusta", "last_name": "King"}});
        let updated = send(app.request_json(Method::PATCH, &path, key, &patch))
            .await
            .json(StatusCode::OK);
        assert_eq!(updated["revision"], 2);
        assert_eq!(updated["external_id"], "user-8");
        assert_eq!(updated["individual"], json!({"first_name": "Augusta", "last_name": "King"}));
        assert_eq!(updated["created_at"], created["created_at"]);
        assert_eq!(app.get_json(key, &path).await, updated);

        let events = app.list(key, "/v1/events?type=applicant.updated").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["applicant_id"], created["id"]);
        assert_eq!(events[0]["data"]["revision"], 2);

        let company = app.create_applicant(key, business("GB")).await;
        assert_eq!(app.get_json(key, &format!("/v1/applicants/{}", company["id"].as_str().unwrap())).await, company);
        let only = |items: Vec<Value>| items.into_iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
        assert_eq!(only(app.list(key, "/v1/applicants?type=business").await), [company["id"].clone()]);
        assert_eq!(only(app.list(key, "/v1/applicants?type=individual").await), [created["id"].clone()]);
        assert_eq!(only(app.list(key, "/v1/applicants?external_id=user-8").await), [created["id"].clone()]);
    })
    .await;
}

/// A business applicant's related persons get ids and must read back with them.
///
/// Fails today: `RelatedPerson.id` is `skip_deserializing` under `deny_unknown_fields`
/// (kycore-domain/src/applicant.rs), so the sealed profile, which stores the id, no longer
/// deserializes and every read of such an applicant answers 500.
#[tokio::test]
async fn business_applicants_with_related_persons_read_back() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let mut body = business("SE");
        body["related_persons"] = json!([{"role": "ubo", "ownership_percent": 60,
                                          "first_name": "Charles", "last_name": "Babbage"}]);
        let created = app.create_applicant(key, body).await;
        let person_id = created["related_persons"][0]["id"].as_str().unwrap();
        assert!(person_id.starts_with("rp_"));
        let path = format!("/v1/applicants/{}", created["id"].as_str().unwrap());
        assert_eq!(app.get_json(key, &path).await, created);
        assert_eq!(
            app.list(key, "/v1/applicants").await,
            std::slice::from_ref(&created)
        );
        let case = app
            .create_case_with(key, json!({"kind": "kyb", "applicant_id": created["id"]}))
            .await;
        assert_eq!(case["flow_id"], "flow_kyb_default");
    })
    .await;
}
