//! Documents in an S3-compatible store (`KYCORE_BLOB_URL=s3://bucket/prefix`), against a
//! real S3 API: moto's server (PyPI `moto[server]`), started here on a free port. Without
//! `moto_server` on the PATH the test says so and skips, unless `KYCORE_REQUIRE_S3=1` (CI)
//! makes that a failure.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kycore_services::ServiceConfig;
use kycore_store::testing::TestDatabase;
use object_store::ObjectStoreExt;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};

use crate::helpers::{TestApp, document_photo, send};

const BUCKET: &str = "kycore-documents";

/// A moto S3 server, stopped when dropped.
struct S3Server {
    child: Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_s3() -> Option<S3Server> {
    let required = std::env::var("KYCORE_REQUIRE_S3").is_ok_and(|v| v == "1");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spawned = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match spawned {
        Ok(child) => child,
        Err(e) if required => panic!("KYCORE_REQUIRE_S3 is set but moto_server cannot run: {e}"),
        Err(e) => {
            eprintln!("skipped: moto_server cannot run ({e}); `pip install 'moto[server]'`");
            return None;
        }
    };
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(&server.endpoint).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto_server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let created = client
        .put(format!("{}/{BUCKET}", server.endpoint))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "create bucket: {created:?}");
    Some(server)
}

#[tokio::test]
async fn documents_are_kept_sealed_in_an_s3_compatible_store() {
    let Some(s3) = start_s3().await else {
        return;
    };
    let db = TestDatabase::sqlite();
    let endpoint = s3.endpoint.clone();
    let app = TestApp::spawn_with(&db, |config| ServiceConfig {
        blob_url: Some(format!("s3://{BUCKET}/tenant-files")),
        blob_options: [
            ("aws_endpoint", endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_region", "us-east-1"),
            ("aws_access_key_id", "kycore-test"),
            ("aws_secret_access_key", "kycore-test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..config
    })
    .await;
    let key = &app.sandbox.secret;
    let case = app.create_case(key).await;
    let case_id = case["id"].as_str().unwrap();
    let photo = document_photo();
    let form = Form::new()
        .text("type", "selfie")
        .part("file", Part::bytes(photo.clone()).file_name("me.jpg"));
    let document = send(
        app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
            .multipart(form),
    )
    .await
    .json(StatusCode::CREATED);
    let document_id = document["id"].as_str().unwrap();

    // The API hands back the file as uploaded…
    let file = send(app.request(
        Method::GET,
        &format!("/v1/cases/{case_id}/documents/{document_id}/file"),
        key,
    ))
    .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, photo);

    // …which the store holds under the URL's prefix, sealed, and nowhere on local disk.
    let bucket = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(&s3.endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("kycore-test")
        .with_secret_access_key("kycore-test")
        .build()
        .unwrap();
    let object = format!(
        "tenant-files/{}/sandbox/{case_id}/{document_id}",
        app.organization_id
    );
    let stored = bucket
        .get(&object_store::path::Path::from(object.as_str()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(stored.len() > photo.len(), "sealed: nonce and tag added");
    assert!(!stored.windows(16).any(|w| w == &photo[100..116]));
    assert!(!app.data_dir.path().join("blobs").exists());
}

#[tokio::test]
async fn a_blob_url_that_is_not_s3_is_refused_at_start() {
    let db = TestDatabase::sqlite();
    let deployment = kycore_services::Deployment::open(&db.url).await.unwrap();
    let config = ServiceConfig {
        blob_url: Some("ftp://files.example/kycore".into()),
        ..ServiceConfig::new("http://127.0.0.1", tempfile::tempdir().unwrap().path())
    };
    let key = kycore_services::crypto::MasterKey::generate();
    let refused = kycore_services::Services::start(deployment, &key, config).await;
    let Err(error) = refused else {
        panic!("an ftp:// blob store was accepted");
    };
    assert_eq!(error.code(), "invalid_blob_url");
}
