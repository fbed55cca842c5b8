//! Tenant-scoped list queries built from only the filters given, newest first, and reads of
//! the rows matching several ids at once ([`ScopedIn`]).
//!
//! A static `($n IS NULL OR col = $n)` clause would keep both databases from using the
//! index on `col`; naming only the present filters lets each list use its index (e.g.
//! `events_case` for one case's events). Column names come from our constants; every value
//! is bound.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, FromRow};

use crate::StoreError;

enum Value {
    Text(String),
    Int(i64),
}

pub(crate) struct ScopedList {
    sql: String,
    values: Vec<Value>,
}

impl ScopedList {
    /// `SELECT <columns> FROM <table>` limited to the scope.
    pub(crate) fn new(select_from: &'static str, scope: &Scope) -> Self {
        let mut list = ScopedList {
            sql: select_from.to_owned(),
            values: Vec::new(),
        };
        list.push(
            "organization_id =",
            Value::Text(scope.organization_id.to_string()),
        );
        list.push(
            "environment =",
            Value::Text(scope.environment.as_str().to_owned()),
        );
        list
    }

    fn push(&mut self, condition: &'static str, value: Value) {
        self.push_closed(condition, value, "");
    }

    /// `condition $n close`: a value in the middle of a condition, such as a subquery's.
    fn push_closed(&mut self, condition: &'static str, value: Value, close: &'static str) {
        self.values.push(value);
        let joiner = if self.values.len() == 1 {
            " WHERE "
        } else {
            " AND "
        };
        self.sql.push_str(&format!(
            "{joiner}{condition} ${}{close}",
            self.values.len()
        ));
    }

    pub(crate) fn text(mut self, condition: &'static str, value: &Option<String>) -> Self {
        if let Some(v) = value {
            self.push(condition, Value::Text(v.clone()));
        }
        self
    }

    /// A condition whose value is followed by `close` (a subquery's parenthesis), when given.
    pub(crate) fn text_closed(
        mut self,
        condition: &'static str,
        value: &Option<String>,
        close: &'static str,
    ) -> Self {
        if let Some(v) = value {
            self.push_closed(condition, Value::Text(v.clone()), close);
        }
        self
    }

    /// `column IN (…)` over `values`; no condition when there are none.
    pub(crate) fn any_text(mut self, column: &'static str, values: &[String]) -> Self {
        if values.is_empty() {
            return self;
        }
        let joiner = if self.values.is_empty() {
            " WHERE "
        } else {
            " AND "
        };
        let first = self.values.len() + 1;
        self.values.extend(values.iter().cloned().map(Value::Text));
        let placeholders: Vec<String> = (first..=self.values.len())
            .map(|n| format!("${n}"))
            .collect();
        self.sql.push_str(&format!(
            "{joiner}{column} IN ({})",
            placeholders.join(", ")
        ));
        self
    }

    /// A case search: the external id, or an applicant of the same scope whose blind index
    /// holds every token (each token is hex, so it needs no escaping in a `LIKE` pattern).
    pub(crate) fn search(mut self, search: Option<&crate::cases::CaseSearch>) -> Self {
        let Some(search) = search else {
            return self;
        };
        let joiner = if self.values.is_empty() {
            " WHERE "
        } else {
            " AND "
        };
        self.values.push(Value::Text(search.external_id.clone()));
        let mut condition = format!("{joiner}(external_id = ${}", self.values.len());
        if !search.name_tokens.is_empty() {
            condition.push_str(
                " OR applicant_id IN (SELECT id FROM applicants \
                 WHERE applicants.organization_id = cases.organization_id \
                 AND applicants.environment = cases.environment",
            );
            for token in &search.name_tokens {
                self.values.push(Value::Text(format!("% {token} %")));
                condition.push_str(&format!(" AND name_tokens LIKE ${}", self.values.len()));
            }
            condition.push(')');
        }
        condition.push(')');
        self.sql.push_str(&condition);
        self
    }

    /// A condition without parameters, when `applies`.
    pub(crate) fn condition_if(mut self, applies: bool, condition: &'static str) -> Self {
        if applies {
            let joiner = if self.values.is_empty() {
                " WHERE "
            } else {
                " AND "
            };
            self.sql.push_str(joiner);
            self.sql.push_str(condition);
        }
        self
    }

    pub(crate) fn int(mut self, condition: &'static str, value: Option<i64>) -> Self {
        if let Some(v) = value {
            self.push(condition, Value::Int(v));
        }
        self
    }

    /// Rows sorting before the cursor, newest first, at most `limit`.
    pub(crate) async fn fetch<'e, R>(
        self,
        db: impl Executor<'e, Database = Any>,
        before_id: &Option<String>,
        limit: i64,
    ) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        self.text("id <", before_id)
            .fetch_ordered(db, "id DESC", limit)
            .await
    }

    /// Rows in `order_by` order, at most `limit`; the caller has added any cursor condition.
    pub(crate) async fn fetch_ordered<'e, R>(
        self,
        db: impl Executor<'e, Database = Any>,
        order_by: &'static str,
        limit: i64,
    ) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        self.fetch_window(db, order_by, limit, 0).await
    }

    /// Rows in `order_by` order from the `offset`th on, at most `limit`: pages by number,
    /// for APIs that count them.
    pub(crate) async fn fetch_window<'e, R>(
        mut self,
        db: impl Executor<'e, Database = Any>,
        order_by: &'static str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        self.values.push(Value::Int(limit));
        self.sql.push_str(&format!(
            " ORDER BY {order_by} LIMIT ${}",
            self.values.len()
        ));
        if offset > 0 {
            self.values.push(Value::Int(offset));
            self.sql
                .push_str(&format!(" OFFSET ${}", self.values.len()));
        }
        Ok(self.into_query::<R>().fetch_all(db).await?)
    }

    /// The one number a `SELECT COUNT(*) FROM …` list selects.
    pub(crate) async fn count<'e>(
        self,
        db: impl Executor<'e, Database = Any>,
    ) -> Result<i64, StoreError> {
        let (count,) = self.into_query::<(i64,)>().fetch_one(db).await?;
        Ok(count)
    }

    /// The statement with its values bound in order.
    fn into_query<'q, R>(self) -> sqlx::query::QueryAs<'q, Any, R, sqlx::any::AnyArguments>
    where
        R: for<'r> FromRow<'r, AnyRow>,
    {
        let mut query = sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(self.sql));
        for value in self.values {
            query = match value {
                Value::Text(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
            };
        }
        query
    }
}

/// A read of a tenant's rows whose `column` is any of several ids, in one statement: how a
/// batch (a webhook claim, a page) reads what its items refer to without a round trip each.
pub(crate) struct ScopedIn {
    /// `SELECT <columns> FROM <table>` (joins included).
    pub select_from: &'static str,
    /// What names the scoped table's columns in `select_from`: `""`, or an alias and a dot.
    pub qualifier: &'static str,
    /// The column the ids are compared with.
    pub column: &'static str,
    /// `ORDER BY` (its columns qualified as needed), or `""` for none.
    pub order_by: &'static str,
    /// Whether `column` is the table's primary key: then the ids are looked up on their own
    /// and the scope checked on the rows found. Given the scope and the ids together,
    /// PostgreSQL may take another index starting with the scope instead, for a table it
    /// has not analysed yet, and scan the tenant's whole table (seen: 30 ms per read of a
    /// webhook claim's events, 20,000 rows just written).
    pub key: bool,
}

impl ScopedIn {
    /// The rows of the scope whose column is among `ids` (each row once, however often its
    /// id is given).
    pub(crate) async fn fetch<'e, R, S>(
        &self,
        db: impl Executor<'e, Database = Any>,
        scope: &Scope,
        ids: &[S],
    ) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        S: AsRef<str>,
    {
        let Some(last) = ids.last() else {
            return Ok(Vec::new());
        };
        // Padded to a power of two with the last id again, so a handful of statements serve
        // every batch size and each stays in the driver's prepared-statement cache.
        let count = ids.len().next_power_of_two();
        let mut query = sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(self.sql(count)))
            .bind(scope.organization_id.as_str())
            .bind(scope.environment.as_str());
        for id in ids
            .iter()
            .chain(std::iter::repeat_n(last, count - ids.len()))
        {
            query = query.bind(id.as_ref());
        }
        Ok(query.fetch_all(db).await?)
    }

    /// The statement for `count` ids: built only from our constants and numbered
    /// placeholders; every value is bound.
    fn sql(&self, count: usize) -> String {
        let placeholders: Vec<String> = (0..count).map(|i| format!("${}", i + 3)).collect();
        let placeholders = placeholders.join(", ");
        let (select_from, column, q) = (self.select_from, self.column, self.qualifier);
        let scoped = format!("{q}organization_id = $1 AND {q}environment = $2");
        let mut sql = if self.key {
            // Materialized, the lookup cannot be merged with the scope's conditions.
            format!(
                "WITH found AS MATERIALIZED ({select_from} WHERE {q}{column} IN ({placeholders})) \
                 SELECT * FROM found WHERE {scoped}"
            )
        } else {
            format!("{select_from} WHERE {scoped} AND {q}{column} IN ({placeholders})")
        };
        if !self.order_by.is_empty() {
            sql.push_str(" ORDER BY ");
            sql.push_str(self.order_by);
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use kycore_domain::ids::OrganizationId;
    use kycore_domain::tenancy::Environment;

    use super::*;

    #[test]
    fn only_given_filters_appear_numbered_in_order() {
        let scope = Scope {
            organization_id: OrganizationId::from_trusted("org_a".into()),
            environment: Environment::Live,
        };
        let list = ScopedList::new("SELECT id FROM cases", &scope)
            .text("status =", &None)
            .text("external_id =", &Some("x".into()))
            .int("created_at >=", Some(5))
            .any_text("status", &["a".into(), "b".into()])
            .any_text("kind", &[]);
        assert_eq!(
            list.sql,
            "SELECT id FROM cases WHERE organization_id = $1 AND environment = $2 AND external_id = $3 AND created_at >= $4 AND status IN ($5, $6)"
        );
    }

    #[test]
    fn an_in_list_is_scoped_qualified_and_ordered() {
        let read = ScopedIn {
            select_from: "SELECT r.id, c.status FROM children r JOIN cases c ON c.id = r.case_id",
            qualifier: "r.",
            column: "parent_id",
            order_by: "r.id",
            key: false,
        };
        assert_eq!(
            read.sql(2),
            "SELECT r.id, c.status FROM children r JOIN cases c ON c.id = r.case_id \
             WHERE r.organization_id = $1 AND r.environment = $2 AND r.parent_id IN ($3, $4) \
             ORDER BY r.id"
        );
        let by_key = ScopedIn {
            select_from: "SELECT id, organization_id FROM events",
            qualifier: "",
            column: "id",
            order_by: "",
            key: true,
        };
        assert_eq!(
            by_key.sql(1),
            "WITH found AS MATERIALIZED (SELECT id, organization_id FROM events WHERE id IN ($3)) \
             SELECT * FROM found WHERE organization_id = $1 AND environment = $2"
        );
    }
}
