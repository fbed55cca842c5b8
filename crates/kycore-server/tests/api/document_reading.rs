//! Document intelligence through the API, with the real engines and models: the MRZ read
//! from a photo of a card (and used when nothing was typed), the selfie matched with the
//! card's portrait, a stranger's selfie sent to review, selfies without one face refused, and
//! what a deployment without the models reports (never a pass). The models come from
//! `scripts/setup-models`; without them these tests are skipped, unless
//! `KYCORE_REQUIRE_MODELS` is set (CI), where they fail.

use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, document_photo, encode, send};
use kycore_store::testing::TestDatabase;

pub(crate) fn fixture(relative: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../../shared/data/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The installed models' directory, or `None` (the test is skipped) when they are missing
/// and not required.
pub(crate) fn model_dir() -> Option<PathBuf> {
    let dir = kycore_vision::models::default_directory();
    let installed = kycore_vision::models::ALL
        .iter()
        .all(|model| dir.join(model.name).is_file());
    if installed {
        return Some(dir);
    }
    assert!(
        std::env::var_os("KYCORE_REQUIRE_MODELS").is_none(),
        "KYCORE_REQUIRE_MODELS is set but the models are not in {}",
        dir.display()
    );
    eprintln!(
        "skipped: no models in {}; run scripts/setup-models",
        dir.display()
    );
    None
}

async fn reading_app(db: &TestDatabase, model_dir: Option<PathBuf>) -> TestApp {
    TestApp::spawn_with(db, |config| kycore_services::ServiceConfig {
        model_dir,
        ..config
    })
    .await
}

/// A case for the ICAO specimen holder the synthetic card carries.
async fn erikssons_case(app: &TestApp, key: &str, last_name: &str) -> String {
    let applicant = json!({"type": "individual", "individual": {
        "first_name": "Anna Maria", "last_name": last_name, "date_of_birth": "1974-08-12"}});
    let case = app
        .create_case_with(key, json!({"kind": "kyc", "applicant": applicant}))
        .await;
    case["id"].as_str().unwrap().to_owned()
}

async fn upload(
    app: &TestApp,
    key: &str,
    case_id: &str,
    document_type: &str,
    file: Vec<u8>,
) -> crate::helpers::Reply {
    let form = Form::new()
        .text("type", document_type.to_owned())
        .part("file", Part::bytes(file).file_name("photo.jpg"));
    send(
        app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
            .multipart(form),
    )
    .await
}

/// Uploads the card and a selfie, submits and processes; the case as read back.
async fn checked_case(app: &TestApp, key: &str, last_name: &str, selfie: Vec<u8>) -> Value {
    let case_id = erikssons_case(app, key, last_name).await;
    let card = fixture("kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg");
    upload(app, key, &case_id, "id-card", card)
        .await
        .json(StatusCode::CREATED);
    upload(app, key, &case_id, "selfie", selfie)
        .await
        .json(StatusCode::CREATED);
    submit_and_process(app, key, &case_id).await;
    app.get_case(key, &case_id).await
}

async fn submit_and_process(app: &TestApp, key: &str, case_id: &str) {
    app.post_json(
        key,
        &format!("/v1/cases/{case_id}/submit"),
        &json!({}),
        StatusCode::OK,
    )
    .await;
    while app.services.run_due_jobs().await.unwrap() > 0 {}
}

fn check<'a>(case: &'a Value, kind: &str) -> &'a Value {
    case["checks"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} check in {case}"))
}

#[tokio::test]
async fn the_mrz_is_read_from_the_photo_and_the_selfie_matches_the_portrait() {
    let Some(models) = model_dir() else { return };
    for db in TestDatabase::all().await {
        let app = reading_app(&db, Some(models.clone())).await;
        let key = &app.sandbox.secret;
        let case = checked_case(&app, key, "Eriksson", fixture("faces/paul_rudd_2.jpg")).await;

        let zone = check(&case, "mrz_ocr");
        assert_eq!(zone["status"], "passed", "{zone}");
        assert_eq!(zone["result"]["read"], true);
        assert!(zone["score"].as_f64().unwrap() > 0.5, "{zone}");
        let uncovered = zone["result"]["not_covered_by_check_digits"].to_string();
        assert!(uncovered.contains("name"), "{zone}");
        // Nothing was typed: the zone read from the photo is the one the MRZ checks ran on,
        // and it is the specimen holder's, matching what was entered.
        assert_eq!(check(&case, "mrz_integrity")["status"], "passed", "{case}");
        assert_eq!(
            check(&case, "mrz_matches_entered")["status"],
            "passed",
            "{case}"
        );

        let face = check(&case, "face_match");
        assert_eq!(face["status"], "passed", "{face}");
        let distance = face["result"]["distance"].as_f64().unwrap();
        assert!((0.4..0.6).contains(&distance), "{face}");
        assert_eq!(face["result"]["liveness"]["kind"], "none");
        assert_ne!(case["decision"]["reason_code"], "face_mismatch", "{case}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_strangers_selfie_sends_the_case_to_review() {
    let Some(models) = model_dir() else { return };
    let db = TestDatabase::all().await.remove(0);
    let app = reading_app(&db, Some(models)).await;
    let key = &app.sandbox.secret;
    let case = checked_case(&app, key, "Eriksson", fixture("faces/chris_pratt.jpg")).await;
    let face = check(&case, "face_match");
    assert_eq!(face["status"], "failed", "{face}");
    assert!(
        face["result"]["distance"].as_f64().unwrap() >= 0.6,
        "{face}"
    );
    assert_eq!(case["status"], "in_review", "{case}");
    assert_eq!(case["decision"]["reason_code"], "face_mismatch", "{case}");
    db.cleanup().await;
}

#[tokio::test]
async fn a_selfie_without_exactly_one_face_is_refused_with_its_reason() {
    let Some(models) = model_dir() else { return };
    let db = TestDatabase::all().await.remove(0);
    let app = reading_app(&db, Some(models)).await;
    let key = &app.sandbox.secret;
    let case_id = erikssons_case(&app, key, "Eriksson").await;
    let problem = upload(&app, key, &case_id, "selfie", document_photo())
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "no_face", "{problem}");

    let two = side_by_side(
        &fixture("faces/paul_rudd_1.jpg"),
        &fixture("faces/chris_pratt.jpg"),
    );
    let problem = upload(&app, key, &case_id, "selfie", two)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "several_faces", "{problem}");
    // Nothing was stored for either.
    let documents = app
        .get_json(key, &format!("/v1/cases/{case_id}/documents"))
        .await;
    assert_eq!(documents["data"], json!([]), "{documents}");
    db.cleanup().await;
}

#[tokio::test]
async fn a_head_turned_selfie_must_be_a_new_photo_and_is_compared_with_the_first() {
    let Some(models) = model_dir() else { return };
    let db = TestDatabase::all().await.remove(0);
    let app = reading_app(&db, Some(models)).await;
    let key = &app.sandbox.secret;
    let case_id = erikssons_case(&app, key, "Eriksson").await;
    let first = fixture("faces/paul_rudd_2.jpg");
    upload(&app, key, &case_id, "selfie", first.clone())
        .await
        .json(StatusCode::CREATED);
    let mirrored = {
        let picture = image::load_from_memory(&first).unwrap().fliph();
        encode(&picture, image::ImageFormat::Jpeg)
    };
    for copy in [first, mirrored] {
        let problem = turned_upload(&app, key, &case_id, copy)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(problem["errors"][0]["code"], "copied_selfie", "{problem}");
    }
    // Another photo of the same person is taken, and compared with the first selfie.
    turned_upload(&app, key, &case_id, fixture("faces/paul_rudd_1.jpg"))
        .await
        .json(StatusCode::CREATED);
    let card = fixture("kyc_e2e/synthetic_td1_card_portrait_paul_rudd_1.jpg");
    upload(&app, key, &case_id, "id-card", card)
        .await
        .json(StatusCode::CREATED);
    submit_and_process(&app, key, &case_id).await;
    let case = app.get_case(key, &case_id).await;
    let liveness = &check(&case, "face_match")["result"]["liveness"];
    assert_eq!(liveness["kind"], "heuristic", "{case}");
    assert_eq!(liveness["same_person"], true, "{liveness}");
    db.cleanup().await;
}

async fn turned_upload(
    app: &TestApp,
    key: &str,
    case_id: &str,
    file: Vec<u8>,
) -> crate::helpers::Reply {
    let form = Form::new()
        .text("type", "selfie")
        .text("subtype", "head-turned")
        .part("file", Part::bytes(file).file_name("turned.jpg"));
    send(
        app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
            .multipart(form),
    )
    .await
}

/// Two photos next to each other, as one JPEG.
fn side_by_side(left: &[u8], right: &[u8]) -> Vec<u8> {
    let left = image::load_from_memory(left).unwrap().to_rgb8();
    let right = image::load_from_memory(right).unwrap().to_rgb8();
    let height = left.height().max(right.height());
    let mut both = image::RgbImage::from_pixel(
        left.width() + right.width(),
        height,
        image::Rgb([255, 255, 255]),
    );
    image::imageops::replace(&mut both, &left, 0, 0);
    image::imageops::replace(&mut both, &right, i64::from(left.width()), 0);
    encode(
        &image::DynamicImage::ImageRgb8(both),
        image::ImageFormat::Jpeg,
    )
}

#[tokio::test]
async fn without_the_models_the_reading_checks_are_not_available_and_never_pass() {
    let db = TestDatabase::all().await.remove(0);
    let app = reading_app(&db, None).await;
    let key = &app.sandbox.secret;
    let case = checked_case(&app, key, "Eriksson", fixture("faces/paul_rudd_2.jpg")).await;
    assert_eq!(check(&case, "mrz_ocr")["status"], "not_available", "{case}");
    assert_eq!(
        check(&case, "face_match")["status"],
        "not_available",
        "{case}"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn the_sandbox_forces_a_face_mismatch_without_photos() {
    let db = TestDatabase::all().await.remove(0);
    let app = reading_app(&db, None).await;
    let key = &app.sandbox.secret;
    let case_id = erikssons_case(&app, key, "sandbox-face-mismatch").await;
    submit_and_process(&app, key, &case_id).await;
    let case = app.get_case(key, &case_id).await;
    let face = check(&case, "face_match");
    assert_eq!(face["status"], "failed", "{face}");
    assert_eq!(face["result"]["match"], false);
    assert_eq!(case["status"], "in_review", "{case}");
    assert_eq!(case["decision"]["reason_code"], "face_mismatch", "{case}");
    db.cleanup().await;
}
