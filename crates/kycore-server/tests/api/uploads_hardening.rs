//! Hardened uploads through the API: a phone photo's EXIF, with its GPS position, never
//! reaches the stored file (its orientation does, alone); polyglots and PDFs with scripts or
//! attached files are refused with their codes, and nothing of them is kept.

use image::ImageDecoder;
use image::metadata::Orientation;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, document_photo, for_each_database, send};

/// The GPS latitude 59/1, 19/1, 0/1 as little-endian rationals: recognisable in any file.
const GPS_LATITUDE: [u8; 24] = [
    59, 0, 0, 0, 1, 0, 0, 0, 19, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
];

/// An EXIF APP1 segment as a phone writes it: little-endian TIFF with the camera's make, an
/// orientation, and a GPS directory holding a latitude.
fn exif_segment(orientation: u16) -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        [
            &tag.to_le_bytes()[..],
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value,
        ]
        .concat()
    };
    let mut orientation_value = [0; 4];
    orientation_value[..2].copy_from_slice(&orientation.to_le_bytes());
    let tiff = [
        &b"II*\0"[..],
        &8_u32.to_le_bytes(),
        &3_u16.to_le_bytes(),
        &entry(0x010F, 2, 6, 50_u32.to_le_bytes()),
        &entry(0x0112, 3, 1, orientation_value),
        &entry(0x8825, 4, 1, 56_u32.to_le_bytes()),
        &0_u32.to_le_bytes(),
        b"Phone\0",
        &2_u16.to_le_bytes(),
        &entry(0x0001, 2, 2, *b"N\0\0\0"),
        &entry(0x0002, 5, 3, 86_u32.to_le_bytes()),
        &0_u32.to_le_bytes(),
        &GPS_LATITUDE,
    ]
    .concat();
    let length = u16::try_from(2 + 6 + tiff.len()).unwrap();
    [&[0xFF, 0xE1][..], &length.to_be_bytes(), b"Exif\0\0", &tiff].concat()
}

/// The photo with an EXIF segment right after its start marker, where phones put it.
fn phone_photo(photo: &[u8], orientation: u16) -> Vec<u8> {
    [&photo[..2], &exif_segment(orientation), &photo[2..]].concat()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn upload(app: &TestApp, key: &str, case_id: &str, file: Vec<u8>) -> Reply {
    let form = Form::new()
        .text("type", "passport")
        .part("file", Part::bytes(file).file_name("scan.jpg"));
    send(
        app.request(Method::POST, &format!("/v1/cases/{case_id}/documents"), key)
            .multipart(form),
    )
    .await
}

async fn stored_file(app: &TestApp, key: &str, case_id: &str, document: &Value) -> Vec<u8> {
    let document_id = document["id"].as_str().unwrap();
    let reply = send(app.request(
        Method::GET,
        &format!("/v1/cases/{case_id}/documents/{document_id}/file"),
        key,
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.body
}

#[tokio::test]
async fn a_photos_gps_position_is_not_stored() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let case_id = case["id"].as_str().unwrap();
        let photo = document_photo();

        let upright = phone_photo(&photo, 1);
        assert!(contains(&upright, &GPS_LATITUDE));
        let document = upload(&app, key, case_id, upright)
            .await
            .json(StatusCode::CREATED);
        let stored = stored_file(&app, key, case_id, &document).await;
        // The encoder's file exactly: the EXIF segment gone, nothing else touched.
        assert_eq!(stored, photo);
        assert_eq!(document["size_bytes"], json!(photo.len()));

        // A photo taken sideways keeps its orientation, in an EXIF block of its own.
        let turned = upload(&app, key, case_id, phone_photo(&photo, 6))
            .await
            .json(StatusCode::CREATED);
        let stored = stored_file(&app, key, case_id, &turned).await;
        assert!(!contains(&stored, &GPS_LATITUDE) && !contains(&stored, b"Phone"));
        let mut decoder = image::ImageReader::new(std::io::Cursor::new(&stored))
            .with_guessed_format()
            .unwrap()
            .into_decoder()
            .unwrap();
        assert_eq!(decoder.orientation().unwrap(), Orientation::Rotate90);
        assert_eq!(stored.len(), photo.len() + 4 + 6 + 26);
    })
    .await;
}

fn pdf(body: &[u8]) -> Vec<u8> {
    [
        &b"%PDF-1.7\n"[..],
        body,
        b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    ]
    .concat()
}

#[tokio::test]
async fn polyglots_and_active_pdfs_are_refused_with_their_codes() {
    for_each_database(|app| async move {
        let key = &app.sandbox.secret;
        let case = app.create_case(key).await;
        let case_id = case["id"].as_str().unwrap();
        let zip = [
            &b"PK\x03\x04\x14\0\0\0\0\0"[..],
            &[0; 16],
            b"\x06\0\0\0run.js",
            b"PK\x05\x06",
            &[0; 18],
        ]
        .concat();
        for (file, code) in [
            ([&document_photo()[..], &zip].concat(), "polyglot_file"),
            (
                pdf(b"1 0 obj << /OpenAction << /S /J#61vaScript /JS (app.alert(1)) >> >> endobj"),
                "pdf_active_content",
            ),
            (
                pdf(b"1 0 obj << /Names << /EmbeddedFiles 2 0 R >> >> endobj"),
                "pdf_embedded_file",
            ),
        ] {
            let problem = upload(&app, key, case_id, file)
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "file");
            assert_eq!(problem["errors"][0]["code"], code, "{problem}");
        }
        // Nothing refused was kept.
        assert_eq!(
            app.get_json(key, &format!("/v1/cases/{case_id}/documents"))
                .await["data"]
                .clone(),
            json!([])
        );
        // The same PDF without the script is taken.
        upload(
            &app,
            key,
            case_id,
            pdf(b"1 0 obj << /Type /Catalog >> endobj"),
        )
        .await
        .json(StatusCode::CREATED);
    })
    .await;
}
