//! Pagination. The native API pages by cursor: newest first, `starting_after` an id from
//! the previous page. The vendors' dialects number their pages, so a [`Window`] by position
//! answers with the total as well.

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

/// A window of a list by position, newest first: `offset` rows skipped, at most `limit`
/// returned (zero asks for the total only).
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub offset: u64,
    pub limit: u32,
}

/// The most rows one window may return; vendors' page sizes stay below it.
pub const MAX_WINDOW_LIMIT: u32 = 1000;
/// The furthest a window may start: deep offsets cost the database a scan of every row
/// skipped, and no person pages that far.
pub const MAX_WINDOW_OFFSET: u64 = 1_000_000;

impl Window {
    /// Checks the window's bounds and returns them as the store wants them.
    pub(crate) fn bounds(&self) -> Result<(i64, i64), ServiceError> {
        if self.limit > MAX_WINDOW_LIMIT {
            return Err(ServiceError::invalid(
                "invalid_limit",
                format!("limit must be between 0 and {MAX_WINDOW_LIMIT}"),
            ));
        }
        if self.offset > MAX_WINDOW_OFFSET {
            return Err(ServiceError::invalid(
                "invalid_offset",
                format!("offset must be between 0 and {MAX_WINDOW_OFFSET}"),
            ));
        }
        // Both bounds are far below i64::MAX.
        Ok((i64::from(self.limit), self.offset as i64))
    }
}

/// One window of a list and how many rows the whole list holds.
#[derive(Clone, Debug)]
pub struct Numbered<T> {
    pub data: Vec<T>,
    pub total: u64,
}

impl<T> Numbered<T> {
    /// A window's rows and the store's count of the whole list.
    pub(crate) fn counted(data: Vec<T>, total: i64) -> Result<Self, ServiceError> {
        let total = u64::try_from(total)
            .map_err(|_| ServiceError::corrupt(format!("a count of {total} rows")))?;
        Ok(Numbered { data, total })
    }
}
