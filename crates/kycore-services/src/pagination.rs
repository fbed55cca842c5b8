//! Cursor pagination: newest first, `starting_after` an id from the previous page.

use crate::ServiceError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
}

impl PageRequest {
    /// The limit to ask the store for: one more than the page, to learn whether more exist.
    pub(crate) fn fetch_limit(&self) -> Result<i64, ServiceError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ServiceError::invalid(
                "invalid_limit",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            ));
        }
        Ok(limit + 1)
    }
}

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    /// Pass as `starting_after` to get the next page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `fetch_limit()` rows, `id_of` giving each row's cursor.
    pub(crate) fn from_rows<R>(
        mut rows: Vec<R>,
        fetch_limit: i64,
        id_of: impl Fn(&R) -> String,
        view: impl FnMut(R) -> Result<T, ServiceError>,
    ) -> Result<Self, ServiceError> {
        let page_size = usize::try_from(fetch_limit - 1)
            .map_err(|_| ServiceError::internal("a page limit below one"))?;
        let has_more = rows.len() > page_size;
        rows.truncate(page_size);
        let next_cursor = if has_more {
            rows.last().map(&id_of)
        } else {
            None
        };
        let data = rows.into_iter().map(view).collect::<Result<_, _>>()?;
        Ok(Page {
            data,
            has_more,
            next_cursor,
        })
    }
}
