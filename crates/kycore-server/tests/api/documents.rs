//! Documents through the API: multipart upload typed by content and inspected (images
//! decoded, PDFs complete), stored sealed, listed and downloaded, then checked with the case
//! (MRZ and document rules).

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, document_photo, document_png, encode, for_each_database, send};

/// A real photo from the shared fixtures.
fn photo() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/fixtures/kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg"
    );
    std::fs::read(path).unwrap()
}

/// The ICAO Doc 9303 specimen passport (Utopia), valid check digits, expired in 2012.
pub(crate) const UTOPIA_TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn form(document_type: &str, mrz: Option<&str>, file: Vec<u8>) -> Form {
    let form = Form::new()
        .text("type", document_type.to_owned())
        .part("file", Part::bytes(file).file_name("scan.jpg"));
    match mrz {
        Some(mrz) => form.text("mrz", mrz.to_owned()),
        None => form,
    }
}

async fn upload(app: &TestApp, key: &str, case_id: &str, form: Form) -> crate::helpers::Reply {
    send(
        app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
            .multipart(form),
    )
    .await
}

async fn erikssons_case(app: &TestApp, key: &str) -> Value {
    let applicant = json!({"type": "individual", "individual": {
        "first_name": "Anna Maria", "last_name": "Eriksson", "date_of_birth": "1974-08-12"}});
    app.create_case_with(key, json!({"kind": "kyc", "applicant": applicant}))
        .await
}

#[tokio::test]
async fn a_passport_is_stored_sealed_and_checked_with_its_case() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = erikssons_case(&app, key).await;
        let case_id = case["id"].as_str().unwrap();
        let document = upload(
            &app,
            key,
            case_id,
            form("passport", Some(UTOPIA_TD3), photo()),
        )
        .await
        .json(StatusCode::CREATED);
        assert_eq!(document["content_type"], "image/jpeg");
        assert_eq!(
            (document["attempt"].clone(), document["has_mrz"].clone()),
            (json!(1), json!(true))
        );

        let listed = app
            .get_json(key, &format!("/v1/cases/{case_id}/documents"))
            .await["data"]
            .clone();
        assert_eq!(listed[0]["id"], document["id"]);
        let file = send(app.request(
            Method::GET,
            &format!(
                "/v1/cases/{case_id}/documents/{}/file",
                document["id"].as_str().unwrap()
            ),
            key,
        ))
        .await;
        assert_eq!(file.header("content-type"), Some("image/jpeg"));
        assert_eq!(file.body, photo());
        assert!(
            !blobs_contain(&app, &photo()[..64]),
            "the file is sealed at rest"
        );

        app.post_json(
            key,
            &format!("/v1/cases/{case_id}/submit"),
            &json!({}),
            StatusCode::OK,
        )
        .await;
        while app.services.run_due_jobs().await.unwrap() > 0 {}
        let decided = app.get_case(key, case_id).await;
        let status_of = |kind: &str| {
            decided["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["kind"] == kind)
                .map(|c| c["status"].clone())
        };
        assert_eq!(
            status_of("mrz_integrity"),
            Some(json!("passed")),
            "{decided}"
        );
        assert_eq!(
            status_of("mrz_matches_entered"),
            Some(json!("passed")),
            "{decided}"
        );
        assert_eq!(
            status_of("document_rules"),
            Some(json!("failed")),
            "the specimen expired in 2012"
        );
        // An expired document is something the applicant can fix: only its step reopens.
        assert_eq!(decided["status"], "resubmission_requested");
        assert_eq!(decided["decision"]["reason_code"], "resubmission_needed");
        assert_eq!(
            decided["decision"]["resubmission_steps"],
            json!(["identity_document"])
        );
        let listed = app
            .get_json(key, &format!("/v1/cases/{case_id}/documents"))
            .await["data"]
            .clone();
        assert_eq!(listed[0]["status"], "rejected");
        assert_eq!(
            listed[0]["rejection_reasons"][0]["code"],
            "document_expired"
        );
        let rejected: Vec<Value> = app
            .case_events(key, case_id)
            .await
            .into_iter()
            .filter(|e| e["type"] == "document.rejected")
            .collect();
        assert_eq!(rejected.len(), 1);
        assert_eq!(
            rejected[0]["data"]["rejection_reasons"],
            json!(["document_expired"])
        );
    })
    .await;
}

fn blobs_contain(app: &TestApp, needle: &[u8]) -> bool {
    fn walk(dir: &std::path::Path, needle: &[u8]) -> bool {
        std::fs::read_dir(dir).unwrap().flatten().any(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, needle)
            } else {
                std::fs::read(&path)
                    .unwrap()
                    .windows(needle.len())
                    .any(|w| w == needle)
            }
        })
    }
    walk(&app.data_dir.path().join("blobs"), needle)
}

#[tokio::test]
async fn bad_uploads_are_refused_plainly() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = erikssons_case(&app, key).await;
        let case_id = case["id"].as_str().unwrap();
        let problem = upload(
            &app,
            key,
            case_id,
            form("passport", None, b"GIF89a....".to_vec()),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(problem["errors"][0]["code"], "unsupported_file_type");
        let no_file = Form::new().text("type", "passport");
        let problem = upload(&app, key, case_id, no_file)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(problem["errors"][0]["code"], "missing_file");
        let stray = form("passport", None, photo()).text("colour", "blue");
        upload(&app, key, case_id, stray)
            .await
            .problem(StatusCode::BAD_REQUEST, "invalid_multipart");
        // Past the configured limit (10 MiB by default) the file is refused by size; past
        // the limit and the room for the form's fields, the body is.
        let limit = app.services.config().max_upload_bytes;
        let mut large = photo();
        large.resize(limit + 1, 0);
        let problem = upload(&app, key, case_id, form("passport", None, large))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(problem["errors"][0]["code"], "file_too_large");
        let mut huge = photo();
        huge.resize(limit + 1024 * 1024, 0);
        upload(&app, key, case_id, form("passport", None, huge))
            .await
            .problem(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
        // Another tenant's key sees no case.
        upload(
            &app,
            &app.other_sandbox.secret,
            case_id,
            form("passport", None, photo()),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(
            app.get_json(key, &format!("/v1/cases/{case_id}/documents"))
                .await["data"]
                .clone(),
            json!([])
        );

        app.post_json(
            key,
            &format!("/v1/cases/{case_id}/submit"),
            &json!({}),
            StatusCode::OK,
        )
        .await;
        upload(&app, key, case_id, form("passport", None, photo()))
            .await
            .problem(StatusCode::CONFLICT, "case_not_awaiting_applicant");
    })
    .await;
}

/// Uploads one file as `document_type` and returns the first error's `field code`, or `None`
/// when it was accepted.
async fn refusal(
    app: &TestApp,
    key: &str,
    case_id: &str,
    document_type: &str,
    side: Option<&str>,
    file: Vec<u8>,
) -> Option<String> {
    let mut form = form(document_type, None, file);
    if let Some(side) = side {
        form = form.text("side", side.to_owned());
    }
    let reply = upload(app, key, case_id, form).await;
    if reply.status == StatusCode::CREATED {
        return None;
    }
    let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let error = &problem["errors"][0];
    Some(format!(
        "{} {}",
        error["field"].as_str().unwrap(),
        error["code"].as_str().unwrap()
    ))
}

#[tokio::test]
async fn files_are_decoded_and_refused_with_a_reason() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = erikssons_case(&app, key).await;
        let case_id = case["id"].as_str().unwrap();
        let blank = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            800,
            600,
            image::Rgb([250, 250, 250]),
        ));
        let photo = document_photo();
        let thumbnail = encode(
            &image::load_from_memory(&photo).unwrap().thumbnail(320, 200),
            image::ImageFormat::Jpeg,
        );
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\x01\0meta".to_vec();
        let cases = [
            (
                "passport",
                None,
                encode(&blank, image::ImageFormat::Png),
                "file blank_image",
            ),
            ("passport", None, thumbnail, "file image_too_small"),
            (
                "passport",
                None,
                photo[..photo.len() / 2].to_vec(),
                "file unreadable_image",
            ),
            (
                "passport",
                None,
                pdf[..pdf.len() - 7].to_vec(),
                "file unreadable_pdf",
            ),
            ("passport", None, heic, "file unsupported_file_type"),
            ("selfie", None, pdf.clone(), "file unsupported_file_type"),
            (
                "proof-of-address",
                Some("back"),
                pdf.clone(),
                "side invalid_value",
            ),
        ];
        for (document_type, side, file, expected) in cases {
            assert_eq!(
                refusal(&app, key, case_id, document_type, side, file).await,
                Some(expected.to_owned()),
                "{document_type}"
            );
        }
        let problem = upload(
            &app,
            key,
            case_id,
            form(
                "passport",
                None,
                b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            ),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("JPEG or PNG"), "{message}");
        // Nothing refused was kept.
        assert_eq!(
            app.get_json(key, &format!("/v1/cases/{case_id}/documents"))
                .await["data"]
                .clone(),
            json!([])
        );

        for (document_type, file, content_type) in [
            ("selfie", document_photo(), "image/jpeg"),
            ("proof-of-address", document_png(), "image/png"),
            ("register-extract", pdf, "application/pdf"),
        ] {
            let document = upload(&app, key, case_id, form(document_type, None, file))
                .await
                .json(StatusCode::CREATED);
            assert_eq!(
                (document["type"].as_str(), document["side"].as_str()),
                (Some(document_type), Some("front"))
            );
            assert_eq!(document["content_type"], content_type);
        }
    })
    .await;
}

#[tokio::test]
async fn files_larger_than_axums_default_limit_are_taken() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = erikssons_case(&app, key).await;
        let case_id = case["id"].as_str().unwrap();
        // A 3 MB file: a real photo, then what a phone may append after the image's end
        // marker (a motion photo's video). The upload is taken; what is stored is the image
        // alone, without what trailed it.
        let mut file = photo();
        file.resize(3 * 1024 * 1024, 0x5A);
        let document = upload(&app, key, case_id, form("passport", None, file))
            .await
            .json(StatusCode::CREATED);
        let stored = document["size_bytes"].as_u64().unwrap();
        assert!(stored > 0 && stored <= photo().len() as u64, "{document}");
    })
    .await;
}

#[tokio::test]
async fn a_selfie_or_proof_of_address_is_not_the_identity_document() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = erikssons_case(&app, key).await;
        let case_id = case["id"].as_str().unwrap();
        let passport = upload(
            &app,
            key,
            case_id,
            form("passport", Some(UTOPIA_TD3), photo()),
        )
        .await
        .json(StatusCode::CREATED);
        for (document_type, file) in [
            ("selfie", document_photo()),
            ("proof-of-address", document_png()),
        ] {
            upload(&app, key, case_id, form(document_type, None, file))
                .await
                .json(StatusCode::CREATED);
        }
        app.post_json(
            key,
            &format!("/v1/cases/{case_id}/submit"),
            &json!({}),
            StatusCode::OK,
        )
        .await;
        while app.services.run_due_jobs().await.unwrap() > 0 {}
        let decided = app.get_case(key, case_id).await;
        let mrz = decided["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "mrz_integrity")
            .map(|c| c["status"].clone());
        assert_eq!(mrz, Some(json!("passed")), "{decided}");
        // The passport got the verdict (expired specimen); the others are not judged by the
        // identity document's rules.
        let listed = app
            .get_json(key, &format!("/v1/cases/{case_id}/documents"))
            .await["data"]
            .clone();
        let statuses: Vec<(&str, &str)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["type"].as_str().unwrap(), d["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            statuses,
            [
                ("passport", "rejected"),
                ("selfie", "pending"),
                ("proof-of-address", "pending")
            ]
        );
        assert_eq!(listed[0]["id"], passport["id"]);
    })
    .await;
}

#[tokio::test]
async fn a_document_without_an_mrz_is_checked_on_its_typed_expiry_date() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let licence = |side: &str, fields: &[(&str, &str)]| {
            let mut form = form("driver-license", None, photo()).text("side", side.to_owned());
            for (name, value) in fields {
                form = form.text((*name).to_owned(), (*value).to_owned());
            }
            form
        };
        let case = erikssons_case(&app, key).await;
        let case_id = case["id"].as_str().unwrap();
        let refused = upload(
            &app,
            key,
            case_id,
            licence(
                "front",
                &[("expiry_date", "31.01.2031"), ("document_number", "12/34")],
            ),
        )
        .await;
        let problem = refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let fields: Vec<(&str, &str)> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            fields,
            [
                ("document_number", "invalid_format"),
                ("expiry_date", "invalid_date")
            ]
        );
        let not_identity = upload(
            &app,
            key,
            case_id,
            form("selfie", None, photo()).text("expiry_date", "2031-01-31"),
        )
        .await;
        not_identity.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        // Expired on its face: rejected for that, not for a missing expiry date.
        for (side, fields) in [
            (
                "front",
                vec![
                    ("document_number", "X1234567"),
                    ("expiry_date", "2020-01-31"),
                ],
            ),
            ("back", vec![]),
        ] {
            upload(&app, key, case_id, licence(side, &fields))
                .await
                .json(StatusCode::CREATED);
        }
        app.post_json(
            key,
            &format!("/v1/cases/{case_id}/submit"),
            &json!({}),
            StatusCode::OK,
        )
        .await;
        while app.services.run_due_jobs().await.unwrap() > 0 {}
        let listed = app
            .get_json(key, &format!("/v1/cases/{case_id}/documents"))
            .await["data"]
            .clone();
        let front = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["side"] == "front")
            .unwrap();
        assert_eq!(front["status"], "rejected", "{listed}");
        assert_eq!(
            front["rejection_reasons"][0]["code"], "document_expired",
            "{listed}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_person_reviews_a_document_which_the_events_and_audit_record() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = erikssons_case(&app, key).await;
        let case_id = case["id"].as_str().unwrap();
        let bill = upload(&app, key, case_id, form("proof-of-address", None, photo()))
            .await
            .json(StatusCode::CREATED);
        let bill_id = bill["id"].as_str().unwrap();
        assert_eq!(bill["reviewed_by"], Value::Null);
        let path = format!("/v1/cases/{case_id}/documents/{bill_id}/review");

        // Refused, and nothing written: a reason to accept, none to reject, an unknown code.
        for (body, field) in [
            (json!({"status": "accepted", "reason": {"code": "other", "message": "x"}}), "reason"),
            (json!({"status": "rejected"}), "reason"),
            (json!({"status": "rejected", "reason": {"code": "blurry", "message": "x"}}), "reason.code"),
        ] {
            let problem = app
                .post_problem(key, &path, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
                .await;
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let long = json!({"status": "rejected", "reason": {"code": "other", "message": "x".repeat(1001)}});
        app.post_problem(key, &path, &long, StatusCode::UNPROCESSABLE_ENTITY, "message_too_long")
            .await;
        // Another organization's key finds neither the case nor the document.
        app.post_problem(&app.other_sandbox.secret, &path, &json!({"status": "accepted"}),
            StatusCode::NOT_FOUND, "not_found")
            .await;
        let events_before = app.case_events(key, case_id).await.len();

        let body = json!({"status": "rejected",
            "reason": {"code": "outdated_address", "message": "The bill is older than three months."}});
        let rejected = app.post_json(key, &path, &body, StatusCode::OK).await;
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(
            rejected["rejection_reasons"],
            json!([{"code": "outdated_address", "message": "The bill is older than three months."}])
        );
        let reviewer = rejected["reviewed_by"].as_str().unwrap().to_owned();
        assert!(reviewer.starts_with("key_"), "{rejected}");
        assert!(rejected["reviewed_at"].is_string());
        // A person may change their mind.
        let accepted = app.post_json(key, &path, &json!({"status": "accepted"}), StatusCode::OK).await;
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(accepted["rejection_reasons"], json!([]));

        let events = app.case_events(key, case_id).await;
        let reviewed: Vec<(&str, &str)> = events[events_before..]
            .iter()
            .map(|e| (e["type"].as_str().unwrap(), e["data"]["reviewed_by"].as_str().unwrap()))
            .collect();
        assert_eq!(
            reviewed,
            [("document.rejected", reviewer.as_str()), ("document.accepted", reviewer.as_str())]
        );
        let audit = app.get_json(key, &format!("/v1/audit?case_id={case_id}")).await;
        let actions: Vec<&str> = audit["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["action"].as_str())
            .filter(|a| *a == "document.reviewed")
            .collect();
        assert_eq!(actions.len(), 2, "{audit}");
        // The case did not move: its decision is its own call.
        assert_eq!(app.get_case(key, case_id).await["status"], "created");

        // A canceled case's documents are no longer reviewed.
        app.post_json(key, &format!("/v1/cases/{case_id}/cancel"), &json!({}), StatusCode::OK)
            .await;
        app.post_problem(key, &path, &json!({"status": "accepted"}), StatusCode::CONFLICT, "case_closed")
            .await;
    })
    .await;
}
