//! Rebilly's collection parameters for `GET /kyc-requests`: `limit` and `offset` (each
//! 0–1000, limit 100 by default), `filter` (`field:v1,v2;field2:v`, with `from..to` ranges
//! for times) on `status`, `customerId` and `createdTime`, and `sort` on `createdTime`
//! (`-createdTime`, newest first, by default).
//!
//! The services list cases newest first by position; an ascending page is the mirrored
//! window of the descending order. A request's status is derived from its documents, so a
//! status filter asks the services for the case statuses it can occur in and keeps the
//! matching requests among the newest [`MAX_WINDOW_LIMIT`] of those.

use axum::Json as Answer;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use kycore_domain::case::{CaseKind, CaseStatus};
use kycore_domain::tenancy::Scope;
use kycore_services::cases::CaseQuery;
use kycore_services::pagination::{MAX_WINDOW_LIMIT, Window};
use kycore_services::views::{Case, Document};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Result;
use super::requests::request_status;
use super::settings::Problems;
use super::status::RequestStatus;
use crate::AppState;

pub const DEFAULT_LIMIT: u32 = 100;
const MAX_OFFSET: u64 = 1000;

/// A listing's parameters, validated.
#[derive(Debug, Default, PartialEq)]
pub struct ListParams {
    pub limit: u32,
    pub offset: u64,
    pub statuses: Vec<RequestStatus>,
    pub customer_id: Option<String>,
    pub created_from: Option<i64>,
    pub created_until: Option<i64>,
    pub ascending: bool,
}

/// `limit` or `offset`: 0–1000.
pub fn number(raw: Option<&str>, name: &str, default: u64, problems: &mut Problems) -> u64 {
    let Some(raw) = raw else { return default };
    match raw.parse::<u64>() {
        Ok(n) if n <= MAX_OFFSET => n,
        _ => {
            problems.add(name, format!("must be an integer from 0 to {MAX_OFFSET}"));
            default
        }
    }
}

/// Each `field:values` clause of a `filter` (clauses separated by `;`), handed to `apply`;
/// a clause without its colon is a problem of its own.
pub fn each_clause(
    filter: Option<&str>,
    problems: &mut Problems,
    mut apply: impl FnMut(&str, &str, &mut Problems),
) {
    for clause in filter
        .unwrap_or_default()
        .split(';')
        .filter(|c| !c.is_empty())
    {
        match clause.split_once(':') {
            Some((field, values)) => apply(field, values, problems),
            None => problems.add("filter", format!("`{clause}` is not `field:value`")),
        }
    }
}

/// Whether `sort` asks for the oldest first: `createdTime`; `-createdTime`, the default, is
/// newest first.
pub fn ascending(sort: Option<&str>, problems: &mut Problems) -> bool {
    match sort.map(str::trim) {
        None | Some("") | Some("-createdTime") => false,
        Some("createdTime") => true,
        Some(_) => {
            problems.add("sort", "only `createdTime` or `-createdTime`");
            false
        }
    }
}

/// A `createdTime` filter's range (`from..to`, either end open, or one instant), in Unix
/// milliseconds.
pub fn created_range(values: &str, problems: &mut Problems) -> (Option<i64>, Option<i64>) {
    let (from, until) = values.split_once("..").unwrap_or((values, values));
    (millis(from, problems), millis(until, problems))
}

/// The window of the newest-first order that holds a page, given how many there are: an
/// oldest-first page is the mirrored window of the newest-first order.
pub fn window(limit: u32, offset: u64, ascending: bool, total: u64) -> Window {
    if !ascending {
        return Window { offset, limit };
    }
    let end = total.saturating_sub(offset);
    let start = end.saturating_sub(u64::from(limit));
    Window {
        offset: start,
        limit: u32::try_from(end - start).unwrap_or(limit),
    }
}

/// A time bound of a range, in Unix milliseconds.
fn millis(raw: &str, problems: &mut Problems) -> Option<i64> {
    if raw.is_empty() {
        return None;
    }
    match OffsetDateTime::parse(raw, &Rfc3339) {
        Ok(at) => i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok(),
        Err(_) => {
            problems.add("filter", format!("`{raw}` is not a date-time (RFC 3339)"));
            None
        }
    }
}

impl ListParams {
    pub fn parse(
        limit: Option<&str>,
        offset: Option<&str>,
        filter: Option<&str>,
        sort: Option<&str>,
    ) -> std::result::Result<ListParams, Problems> {
        let mut problems = Problems::default();
        let limit = number(limit, "limit", u64::from(DEFAULT_LIMIT), &mut problems);
        let mut params = ListParams {
            limit: u32::try_from(limit).unwrap_or(DEFAULT_LIMIT),
            offset: number(offset, "offset", 0, &mut problems),
            ..ListParams::default()
        };
        each_clause(filter, &mut problems, |field, values, problems| {
            params.filter(field, values, problems);
        });
        params.ascending = ascending(sort, &mut problems);
        if problems.0.is_empty() {
            Ok(params)
        } else {
            Err(problems)
        }
    }

    fn filter(&mut self, field: &str, values: &str, problems: &mut Problems) {
        match field {
            "status" => {
                for value in values.split(',') {
                    match RequestStatus::parse(value) {
                        Some(status) => self.statuses.push(status),
                        None => problems.add("filter", format!("`{value}` is not a status")),
                    }
                }
            }
            "customerId" if !values.is_empty() && !values.contains(',') => {
                self.customer_id = Some(values.to_owned());
            }
            "createdTime" => {
                (self.created_from, self.created_until) = created_range(values, problems);
            }
            _ => problems.add(
                "filter",
                format!("`{field}` cannot be filtered on (status, customerId or createdTime)"),
            ),
        }
    }

    fn case_query(&self) -> CaseQuery {
        let mut statuses: Vec<CaseStatus> = self
            .statuses
            .iter()
            .flat_map(|s| s.case_statuses())
            .collect();
        statuses.sort_by_key(|s| s.as_str());
        statuses.dedup();
        if statuses.is_empty() {
            // Deleted requests are canceled cases, which the dialect no longer shows.
            statuses = CaseStatus::ALL
                .into_iter()
                .filter(|s| *s != CaseStatus::Canceled)
                .collect();
        }
        CaseQuery {
            statuses,
            kind: Some(CaseKind::Kyc),
            external_id: self.customer_id.clone(),
            created_from: self.created_from,
            created_until: self.created_until,
            ..CaseQuery::default()
        }
    }

    /// The window of the newest-first order that holds this page, given how many there are.
    fn window(&self, total: u64) -> Window {
        window(self.limit, self.offset, self.ascending, total)
    }
}

/// A page of requests, each with its documents, and how many the filter selects.
pub struct Listed {
    pub items: Vec<(Case, Vec<Document>)>,
    pub total: u64,
}

async fn with_documents(
    state: &AppState,
    scope: &Scope,
    cases: Vec<Case>,
) -> Result<Vec<(Case, Vec<Document>)>> {
    let mut items = Vec::with_capacity(cases.len());
    for case in cases {
        let documents = state.services.list_documents(scope, &case.id).await?;
        items.push((case, documents));
    }
    Ok(items)
}

pub async fn list(state: &AppState, scope: &Scope, params: &ListParams) -> Result<Listed> {
    let services = &state.services;
    if !params.statuses.is_empty() {
        return list_by_status(state, scope, params).await;
    }
    let query = params.case_query();
    let total = if params.ascending {
        let counted = Window {
            offset: 0,
            limit: 0,
        };
        services
            .list_cases_numbered(scope, query.clone(), counted)
            .await?
            .total
    } else {
        0
    };
    let found = services
        .list_cases_numbered(scope, query, params.window(total))
        .await?;
    let mut cases = found.data;
    if params.ascending {
        cases.reverse();
    }
    Ok(Listed {
        items: with_documents(state, scope, cases).await?,
        total: found.total,
    })
}

/// A status filter: the candidates' statuses derived, the page cut from those that match.
async fn list_by_status(state: &AppState, scope: &Scope, params: &ListParams) -> Result<Listed> {
    let newest = Window {
        offset: 0,
        limit: MAX_WINDOW_LIMIT,
    };
    let found = state
        .services
        .list_cases_numbered(scope, params.case_query(), newest)
        .await?;
    let matching: Vec<(Case, Vec<Document>)> = with_documents(state, scope, found.data)
        .await?
        .into_iter()
        .filter(|(case, documents)| params.statuses.contains(&request_status(case, documents)))
        .collect();
    let (items, total) = cut_page(matching, params.ascending, params.offset, params.limit);
    Ok(Listed { items, total })
}

/// The page of `matching` (newest first) a listing asks for, in its order, and how many
/// match: for filters the services cannot apply, which see a window of candidates.
pub fn cut_page<T>(
    mut matching: Vec<T>,
    ascending: bool,
    offset: u64,
    limit: u32,
) -> (Vec<T>, u64) {
    if ascending {
        matching.reverse();
    }
    let total = matching.len() as u64;
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let items = matching
        .into_iter()
        .skip(offset)
        .take(limit as usize)
        .collect();
    (items, total)
}

/// A page of a collection as Rebilly answers it: a bare array, with how many there are and
/// the limit and offset used in `Pagination-*` headers.
pub fn page(items: Vec<Value>, total: u64, limit: u32, offset: u64) -> Response {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("pagination-total", total),
        ("pagination-limit", u64::from(limit)),
        ("pagination-offset", offset),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    (headers, Answer(Value::Array(items))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_filters_parse() {
        let params = ListParams::parse(None, None, None, None).unwrap();
        assert_eq!(
            (params.limit, params.offset, params.ascending),
            (100, 0, false)
        );
        let params = ListParams::parse(
            Some("5"),
            Some("10"),
            Some("status:gathering,partial;customerId:cus_1;createdTime:2024-01-01T00:00:00Z.."),
            Some("createdTime"),
        )
        .unwrap();
        assert_eq!(
            params.statuses,
            [RequestStatus::Gathering, RequestStatus::Partial]
        );
        assert_eq!(params.customer_id.as_deref(), Some("cus_1"));
        assert_eq!(params.created_from, Some(1_704_067_200_000));
        assert_eq!(params.created_until, None);
        assert!(params.ascending);
    }

    #[test]
    fn bad_parameters_are_named() {
        let problems =
            ListParams::parse(Some("1001"), Some("x"), Some("color:red"), Some("id")).unwrap_err();
        let fields: Vec<&str> = problems.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["limit", "offset", "filter", "sort"]);
    }

    #[test]
    fn ascending_pages_mirror_the_newest_first_order() {
        let params = ListParams {
            limit: 2,
            offset: 1,
            ascending: true,
            ..ListParams::default()
        };
        // Five cases, oldest first e0..e4; newest first n0=e4..n4=e0. Page 1..3 ascending is
        // e1, e2 = n3, n2: the window at offset 2 of length 2, reversed.
        let window = |total| {
            let w = params.window(total);
            (w.offset, w.limit)
        };
        assert_eq!(window(5), (2, 2));
        assert_eq!(window(1), (0, 0));
    }
}
