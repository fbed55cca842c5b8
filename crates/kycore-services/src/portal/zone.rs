//! What the hosted flow shows the applicant right after they photograph their identity
//! document: the machine-readable zone as read from the photo, so they can see it was read
//! (and typing it stays a fallback for when it was not).

use kycore_checks::reading::{DocumentReading, MrzReading};
use kycore_store::documents::DocumentRecord;
use time::Date;

use crate::ServiceError;
use crate::crypto::DataKey;
use crate::intake::{IDENTITY_DOCUMENT_TYPES, reading_context};
use crate::sealing::open_json;

/// The zone of the latest identity document photo, as the applicant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneRead {
    /// Read, with every check digit verifying: the fields as printed.
    Read(ReadIdentity),
    /// The photo was looked at and no zone could be read from it.
    NotRead,
    /// This deployment cannot read zones (no model); the applicant types it.
    NotAvailable,
}

/// The fields of a zone read from a photo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadIdentity {
    pub surname: String,
    pub given_names: String,
    pub document_number: String,
    /// `YYYY-MM-DD`, when a real date.
    pub date_of_birth: Option<String>,
    pub date_of_expiry: Option<String>,
    /// The nationality's name where the code is known, else the code.
    pub nationality: String,
}

/// The zone read from the latest identity document upload that was read at all; `None` when
/// no identity document photo was looked at.
pub(crate) fn latest_zone(
    key: &DataKey,
    records: &[DocumentRecord],
    today: Date,
) -> Result<Option<ZoneRead>, ServiceError> {
    let mut seen = None;
    for record in records.iter().rev() {
        if !IDENTITY_DOCUMENT_TYPES.contains(&record.document_type.as_str()) {
            continue;
        }
        let Some(reading) = open_json::<DocumentReading>(
            Some(key),
            &reading_context(&record.id),
            record.reading_sealed.as_deref(),
            "a document's reading",
        )?
        else {
            continue;
        };
        let zone = match reading.mrz {
            Some(MrzReading::Read { text, fields, .. })
                if fields.iter().all(|f| f.check_digit != "failed") =>
            {
                identity_of(&text, today).map_or(ZoneRead::NotRead, ZoneRead::Read)
            }
            Some(MrzReading::NotAvailable { .. }) => ZoneRead::NotAvailable,
            Some(_) => ZoneRead::NotRead,
            None => continue,
        };
        // A card's two sides are read separately: one side read is the document read.
        if matches!(zone, ZoneRead::Read(_)) {
            return Ok(Some(zone));
        }
        seen.get_or_insert(zone);
    }
    Ok(seen)
}

fn identity_of(text: &str, today: Date) -> Option<ReadIdentity> {
    let parsed = kycore_checks::mrz::parse(text, today).ok()?;
    let iso = |date: Option<Date>| date.map(|d| d.to_string());
    Some(ReadIdentity {
        surname: parsed.surname,
        given_names: parsed.given_names,
        document_number: parsed.document_number,
        date_of_birth: iso(parsed.date_of_birth.date),
        date_of_expiry: iso(parsed.date_of_expiry.date),
        nationality: parsed
            .nationality
            .name
            .map_or(parsed.nationality.code, str::to_owned),
    })
}
