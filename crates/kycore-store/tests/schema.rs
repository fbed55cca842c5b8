//! Migration parity: the SQLite and PostgreSQL migration trees build the same schema.
//!
//! Both trees are applied to fresh databases, each schema is read back from the database's own
//! catalog (not from the migration files) and described in one normalized vocabulary, and the
//! two descriptions must be equal. Compared, for every table but sqlx's bookkeeping:
//!
//! - columns: type (through an explicit mapping, see [`SQLITE_TYPES`] and [`POSTGRES_TYPES`]),
//!   NOT NULL, default (presence and value), position in the primary key, whether generated
//!   (not the generation expression);
//! - constraints: primary key columns, UNIQUE column lists, foreign keys (columns, referenced
//!   table and columns, ON DELETE and ON UPDATE actions) and CHECK expressions;
//! - indexes created with CREATE INDEX: name, table, columns in order with direction,
//!   uniqueness, method and partial-index predicate. The indexes a database creates behind a
//!   PRIMARY KEY or UNIQUE constraint are compared as those constraints, not by name, since
//!   SQLite calls them `sqlite_autoindex_*` and PostgreSQL `*_pkey` / `*_key`;
//! - views and triggers, by name only.
//!
//! Expressions (defaults, index predicates, CHECKs) are spelled differently by the two
//! catalogs: SQLite keeps the text as written, PostgreSQL deparses its own tree (`IN (…)`
//! comes back as `= ANY (ARRAY[…])`, literals gain casts). So each SQLite expression is handed
//! to PostgreSQL, on the same table inside a transaction that is rolled back, and compared in
//! PostgreSQL's spelling. An expression PostgreSQL cannot parse shows up as a difference.
//!
//! A failure lists each difference as `entity: attribute: sqlite=… postgres=…`. Differences
//! the trees are known to have until a migration fixes them are in [`KNOWN_DIFFERENCES`].
//!
//! Needs PostgreSQL: runs when `KYCORE_TEST_DATABASE_URL` is set and is skipped otherwise.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use kycore_store::testing::{POSTGRES_ENV, TestDatabase};
use kycore_store::{Backend, Store};
use sqlx::{AnyPool, AssertSqlSafe, Row};

/// SQLite declared type (upper case, single spaces) → the type both backends mean by it.
/// SQLite's INTEGER is 64-bit, so it pairs with PostgreSQL's `bigint`, never `integer`.
const SQLITE_TYPES: &[(&str, &str)] = &[
    ("TEXT", "text"),
    ("BIGINT", "int64"),
    ("INTEGER", "int64"),
    ("REAL", "float64"),
    ("DOUBLE PRECISION", "float64"),
    ("BLOB", "bytes"),
];

/// PostgreSQL `format_type` → the type both backends mean by it. `integer` and `real` are
/// here so that using one reads as a type mismatch (int32 against SQLite's int64) rather than
/// as an unknown type: sqlx decodes neither into the i64/f64 the SQLite rows give.
const POSTGRES_TYPES: &[(&str, &str)] = &[
    ("text", "text"),
    ("bigint", "int64"),
    ("integer", "int32"),
    ("double precision", "float64"),
    ("real", "float32"),
    ("bytea", "bytes"),
];

/// A difference the test expects: (entity, attribute, SQLite value, PostgreSQL value), spelled
/// as the failure message prints it.
type Known = (&'static str, &'static str, &'static str, &'static str);

/// Differences the migration trees have today, each to be fixed by a new migration. Remove an
/// entry with the migration that fixes it: the test fails on entries that no longer differ.
const KNOWN_DIFFERENCES: &[Known] = &[];

/// One backend's schema: entity (`column cases.id`, `index cases_expiry`…) → attribute → value.
/// Ordered, so two descriptions compare and print deterministically.
#[derive(Default)]
struct Description(BTreeMap<String, BTreeMap<&'static str, String>>);

impl Description {
    /// Adds an entity; a second one under the same key (say, two identical foreign keys) is
    /// kept as `… (repeated)` rather than silently merged.
    fn add(&mut self, key: String, attributes: &[(&'static str, String)]) {
        let mut key = key;
        while self.0.contains_key(&key) {
            key.push_str(" (repeated)");
        }
        self.0.insert(key, attributes.iter().cloned().collect());
    }

    fn count(&self, kind: &str) -> usize {
        self.0
            .keys()
            .filter(|k| k.starts_with(kind) && k.as_bytes().get(kind.len()) == Some(&b' '))
            .count()
    }

    fn count_where(&self, kind: &str, attribute: &str, holds: impl Fn(&str) -> bool) -> usize {
        self.0
            .iter()
            .filter(|(k, _)| k.starts_with(kind))
            .filter(|(_, a)| a.get(attribute).is_some_and(|v| holds(v)))
            .count()
    }
}

/// One way the two descriptions disagree.
#[derive(PartialEq, Eq)]
struct Difference {
    entity: String,
    /// `None` when the whole entity exists on one side only; the side that has it then
    /// holds all its attributes.
    attribute: Option<&'static str>,
    sqlite: Option<String>,
    postgres: Option<String>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
        match self.attribute {
            Some(attribute) => write!(
                f,
                "{}: {attribute}: sqlite={} postgres={}",
                self.entity,
                show(&self.sqlite),
                show(&self.postgres)
            ),
            None => {
                let (side, attributes) = match (&self.sqlite, &self.postgres) {
                    (Some(a), _) => ("sqlite", a),
                    (None, Some(a)) => ("postgres", a),
                    (None, None) => ("neither", &String::new()),
                };
                write!(f, "{}: only in {side} {attributes}", self.entity)
            }
        }
    }
}

fn differences(sqlite: &Description, postgres: &Description) -> Vec<Difference> {
    let mut out = Vec::new();
    let entities: BTreeSet<&String> = sqlite.0.keys().chain(postgres.0.keys()).collect();
    for entity in entities {
        match (sqlite.0.get(entity), postgres.0.get(entity)) {
            (Some(s), Some(p)) => {
                let attributes: BTreeSet<&&str> = s.keys().chain(p.keys()).collect();
                for attribute in attributes {
                    if s.get(attribute) != p.get(attribute) {
                        out.push(Difference {
                            entity: entity.clone(),
                            attribute: Some(attribute),
                            sqlite: s.get(attribute).cloned(),
                            postgres: p.get(attribute).cloned(),
                        });
                    }
                }
            }
            (s, p) => out.push(Difference {
                entity: entity.clone(),
                attribute: None,
                // The whole entity, so the message says what exactly is missing.
                sqlite: s.map(|a| format!("{a:?}")),
                postgres: p.map(|a| format!("{a:?}")),
            }),
        }
    }
    out
}

fn map_type(mapping: &[(&str, &'static str)], backend: &str, column: &str, ty: &str) -> String {
    let spelled = ty.split_whitespace().collect::<Vec<_>>().join(" ");
    let found = mapping
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&spelled));
    match found {
        Some((_, canonical)) => (*canonical).to_owned(),
        None => panic!(
            "{backend}: {column} has type `{ty}`, which the parity test does not know: \
             add it to the mapping in tests/schema.rs once you know what the other backend \
             stores it as"
        ),
    }
}

fn yes_no(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

// --- SQLite ---------------------------------------------------------------------------------

/// A SQL token from SQLite's stored `CREATE` text; comments and whitespace are dropped.
fn tokens(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if sql[i..].starts_with("--") {
            i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        } else if sql[i..].starts_with("/*") {
            i = sql[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2);
            continue;
        } else if matches!(c, b'\'' | b'"' | b'`' | b'[') {
            // Quoted: a string literal or a quoted identifier; a doubled quote is an escape.
            let close = if c == b'[' { b']' } else { c };
            i += 1;
            while i < bytes.len() {
                if bytes[i] == close {
                    if close != b']' && bytes.get(i + 1) == Some(&close) {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || matches!(bytes[i], b'_' | b'$' | b'.')
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
        } else if matches!(
            bytes.get(i..i + 2),
            Some(b"<=" | b">=" | b"<>" | b"!=" | b"||" | b"==")
        ) {
            i += 2;
        } else {
            i += 1;
        }
        out.push(sql[start..i].to_owned());
    }
    out
}

/// The expressions of every `CHECK (…)` in a stored `CREATE TABLE`, as token text.
fn sqlite_checks(create_table: &str) -> Vec<String> {
    let tokens = tokens(create_table);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.eq_ignore_ascii_case("CHECK") && tokens.get(i + 1).map(String::as_str) == Some("(")
        {
            let mut depth = 0i32;
            let mut expression = Vec::new();
            for t in &tokens[i + 1..] {
                match t.as_str() {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                expression.push(t.as_str());
            }
            out.push(expression[1..].join(" "));
        }
    }
    out
}

/// The predicate after the top-level `WHERE` of a stored `CREATE INDEX`, as token text.
fn sqlite_index_predicate(create_index: &str) -> Option<String> {
    let tokens = tokens(create_index);
    let mut depth = 0i32;
    for (i, token) in tokens.iter().enumerate() {
        match token.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            t if depth == 0 && t.eq_ignore_ascii_case("WHERE") => {
                return Some(tokens[i + 1..].join(" "));
            }
            _ => {}
        }
    }
    None
}

/// The SQLite expressions still to be spelled the PostgreSQL way, filled in by [`normalize`].
#[derive(Default)]
struct Expressions {
    /// (entity, table, column) → raw default.
    defaults: Vec<(String, String, String, String)>,
    /// (entity, table, first indexed column) → raw predicate.
    predicates: Vec<(String, String, String, String)>,
    /// (table) → raw check expression.
    checks: Vec<(String, String)>,
}

async fn describe_sqlite(pool: &AnyPool) -> (Description, Expressions) {
    let mut d = Description::default();
    let mut expressions = Expressions::default();
    let tables = sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in &tables {
        let t: String = table.get("name");
        let create: String = table.get("sql");
        d.add(format!("table {t}"), &[]);

        // table_xinfo, not table_info: the latter leaves generated columns out.
        let columns = sqlx::query(
            "SELECT name, type, \"notnull\" AS nn, dflt_value, pk, hidden \
             FROM pragma_table_xinfo(?) ORDER BY cid",
        )
        .bind(&t)
        .fetch_all(pool)
        .await
        .unwrap();
        let mut primary_key: Vec<(i64, String)> = Vec::new();
        for c in &columns {
            let name: String = c.get("name");
            let entity = format!("column {t}.{name}");
            let pk: i64 = c.get("pk");
            let default: Option<String> = c.get("dflt_value");
            if pk > 0 {
                primary_key.push((pk, name.clone()));
            }
            d.add(
                entity.clone(),
                &[
                    (
                        "type",
                        map_type(SQLITE_TYPES, "SQLite", &entity, &c.get::<String, _>("type")),
                    ),
                    ("not_null", yes_no(c.get::<i64, _>("nn") != 0)),
                    (
                        "primary_key",
                        if pk > 0 { pk.to_string() } else { "no".into() },
                    ),
                    ("default", "none".into()),
                    (
                        "generated",
                        match c.get::<i64, _>("hidden") {
                            0 => "no",
                            2 => "virtual",
                            3 => "stored",
                            _ => "hidden",
                        }
                        .into(),
                    ),
                ],
            );
            if let Some(default) = default {
                expressions
                    .defaults
                    .push((entity, t.clone(), name, default));
            }
        }
        primary_key.sort();
        if !primary_key.is_empty() {
            let columns: Vec<String> = primary_key.into_iter().map(|(_, c)| c).collect();
            d.add(
                format!("primary key {t}"),
                &[("columns", columns.join(", "))],
            );
        }

        let indexes = sqlx::query(
            "SELECT name, \"unique\" AS u, origin, partial FROM pragma_index_list(?) ORDER BY name",
        )
        .bind(&t)
        .fetch_all(pool)
        .await
        .unwrap();
        for index in &indexes {
            let name: String = index.get("name");
            let origin: String = index.get("origin");
            let keys = sqlx::query(
                "SELECT cid, name, \"desc\" AS descending, coll FROM pragma_index_xinfo(?) \
                 WHERE key = 1 ORDER BY seqno",
            )
            .bind(&name)
            .fetch_all(pool)
            .await
            .unwrap();
            let columns: Vec<String> = keys
                .iter()
                .map(|k| {
                    // cid -2 is an expression; its text is only in the CREATE INDEX.
                    let mut column = k
                        .get::<Option<String>, _>("name")
                        .unwrap_or_else(|| "<expression>".into());
                    let collation: String = k.get("coll");
                    if !collation.eq_ignore_ascii_case("BINARY") {
                        column.push_str(&format!(" COLLATE {collation}"));
                    }
                    if k.get::<i64, _>("descending") != 0 {
                        column.push_str(" DESC");
                    }
                    column
                })
                .collect();
            match origin.as_str() {
                // The primary key's own index: described above from the columns' pk positions.
                "pk" => {}
                "u" => d.add(
                    format!("unique {t}({})", columns.join(", ")),
                    &[("nulls", "distinct".into())],
                ),
                _ => {
                    let entity = format!("index {name}");
                    let create: String = sqlx::query(
                        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                    )
                    .bind(&name)
                    .fetch_one(pool)
                    .await
                    .unwrap()
                    .get("sql");
                    let predicate = sqlite_index_predicate(&create);
                    assert_eq!(
                        predicate.is_some(),
                        index.get::<i64, _>("partial") != 0,
                        "{entity}: could not find the WHERE of `{create}`"
                    );
                    d.add(
                        entity.clone(),
                        &[
                            ("table", t.clone()),
                            ("columns", columns.join(", ")),
                            ("unique", yes_no(index.get::<i64, _>("u") != 0)),
                            ("method", "btree".into()),
                            ("predicate", "none".into()),
                        ],
                    );
                    if let Some(predicate) = predicate {
                        let first = columns[0].split(' ').next().unwrap().to_owned();
                        expressions
                            .predicates
                            .push((entity, t.clone(), first, predicate));
                    }
                }
            }
        }

        let foreign_keys = sqlx::query(
            "SELECT id, \"table\" AS parent, \"from\" AS child_column, \"to\" AS parent_column, \
             on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind(&t)
        .fetch_all(pool)
        .await
        .unwrap();
        let mut by_id: BTreeMap<i64, Vec<&sqlx::any::AnyRow>> = BTreeMap::new();
        for fk in &foreign_keys {
            by_id.entry(fk.get("id")).or_default().push(fk);
        }
        for rows in by_id.values() {
            let parent: String = rows[0].get("parent");
            let from: Vec<String> = rows.iter().map(|r| r.get("child_column")).collect();
            let mut to: Vec<Option<String>> = rows.iter().map(|r| r.get("parent_column")).collect();
            // `REFERENCES parent` without columns means the parent's primary key.
            if to.iter().any(Option::is_none) {
                let parent_pk =
                    sqlx::query("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk")
                        .bind(&parent)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                to = parent_pk.iter().map(|r| Some(r.get("name"))).collect();
            }
            let to: Vec<String> = to.into_iter().map(Option::unwrap_or_default).collect();
            d.add(
                format!(
                    "foreign key {t}({}) -> {parent}({})",
                    from.join(", "),
                    to.join(", ")
                ),
                &[
                    (
                        "on_delete",
                        rows[0].get::<String, _>("on_delete").to_lowercase(),
                    ),
                    (
                        "on_update",
                        rows[0].get::<String, _>("on_update").to_lowercase(),
                    ),
                ],
            );
        }

        // SQLite has no catalog of CHECK constraints: they are only in the CREATE TABLE text.
        for check in sqlite_checks(&create) {
            expressions.checks.push((t.clone(), check));
        }
    }

    // Views and triggers by name only: their bodies are dialect-specific, but one existing on
    // one side only is a difference worth failing on.
    let others = sqlx::query(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('view', 'trigger') \
         ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for o in &others {
        let kind: String = o.get("type");
        let name: String = o.get("name");
        d.add(format!("{kind} {name}"), &[("table", o.get("tbl_name"))]);
    }
    (d, expressions)
}

// --- PostgreSQL -----------------------------------------------------------------------------

const PG_TABLES: &str = "c.relnamespace = current_schema()::regnamespace \
     AND c.relkind IN ('r', 'p') AND c.relname <> '_sqlx_migrations'";

fn pg_on_action(code: &str) -> String {
    match code {
        "a" => "no action",
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        other => panic!("unknown pg_constraint action code {other}"),
    }
    .to_owned()
}

async fn describe_postgres(pool: &AnyPool) -> Description {
    let mut d = Description::default();
    // A generated column's expression sits where defaults do (pg_attrdef); SQLite reports no
    // default for such a column, so neither does this.
    let columns = sqlx::query(AssertSqlSafe(format!(
        "SELECT c.relname::text AS t, a.attname::text AS name, \
           format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS nn, \
           CASE WHEN a.attgenerated = '' THEN pg_get_expr(def.adbin, def.adrelid, true) END \
             AS dflt, \
           CASE WHEN a.attgenerated = 's' THEN 'stored' \
                WHEN a.attidentity <> '' THEN 'identity' ELSE 'no' END AS generated, \
           (SELECT u.ord FROM pg_constraint k, unnest(k.conkey) WITH ORDINALITY u(n, ord) \
             WHERE k.conrelid = c.oid AND k.contype = 'p' AND u.n = a.attnum)::bigint AS pk \
         FROM pg_class c \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         LEFT JOIN pg_attrdef def ON def.adrelid = c.oid AND def.adnum = a.attnum \
         WHERE {PG_TABLES} ORDER BY c.relname, a.attnum"
    )))
    .fetch_all(pool)
    .await
    .unwrap();
    for c in &columns {
        let t: String = c.get("t");
        let name: String = c.get("name");
        let entity = format!("column {t}.{name}");
        let pk: Option<i64> = c.get("pk");
        if !d.0.contains_key(&format!("table {t}")) {
            d.add(format!("table {t}"), &[]);
        }
        d.add(
            entity.clone(),
            &[
                (
                    "type",
                    map_type(
                        POSTGRES_TYPES,
                        "PostgreSQL",
                        &entity,
                        &c.get::<String, _>("ty"),
                    ),
                ),
                ("not_null", yes_no(c.get("nn"))),
                ("primary_key", pk.map_or("no".into(), |p| p.to_string())),
                (
                    "default",
                    c.get::<Option<String>, _>("dflt")
                        .unwrap_or_else(|| "none".into()),
                ),
                ("generated", c.get("generated")),
            ],
        );
    }

    let constraints = sqlx::query(AssertSqlSafe(format!(
        "SELECT c.relname::text AS t, k.contype::text AS kind, \
           (SELECT string_agg(a.attname::text, ', ' ORDER BY u.ord) \
              FROM unnest(k.conkey) WITH ORDINALITY u(n, ord) \
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n) AS columns, \
           f.relname::text AS parent, \
           (SELECT string_agg(a.attname::text, ', ' ORDER BY u.ord) \
              FROM unnest(k.confkey) WITH ORDINALITY u(n, ord) \
              JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n) AS parent_columns, \
           k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update, \
           coalesce(i.indnullsnotdistinct, false) AS nulls_not_distinct, \
           pg_get_constraintdef(k.oid, true) AS def \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         LEFT JOIN pg_class f ON f.oid = k.confrelid \
         LEFT JOIN pg_index i ON i.indexrelid = k.conindid AND k.contype = 'u' \
         WHERE {PG_TABLES} ORDER BY 1, 2, 3, 4"
    )))
    .fetch_all(pool)
    .await
    .unwrap();
    for k in &constraints {
        let t: String = k.get("t");
        let columns: Option<String> = k.get("columns");
        let columns = columns.unwrap_or_default();
        match k.get::<String, _>("kind").as_str() {
            "p" => d.add(format!("primary key {t}"), &[("columns", columns)]),
            "u" => d.add(
                format!("unique {t}({columns})"),
                &[(
                    "nulls",
                    if k.get("nulls_not_distinct") {
                        "not distinct"
                    } else {
                        "distinct"
                    }
                    .into(),
                )],
            ),
            "f" => d.add(
                format!(
                    "foreign key {t}({columns}) -> {}({})",
                    k.get::<String, _>("parent"),
                    k.get::<String, _>("parent_columns")
                ),
                &[
                    ("on_delete", pg_on_action(&k.get::<String, _>("on_delete"))),
                    ("on_update", pg_on_action(&k.get::<String, _>("on_update"))),
                ],
            ),
            "c" => d.add(format!("check {t}: {}", k.get::<String, _>("def")), &[]),
            // Exclusion constraints and the like have no SQLite counterpart: show them.
            other => d.add(
                format!("constraint {t} ({other}): {}", k.get::<String, _>("def")),
                &[],
            ),
        }
    }

    // Indexes behind PRIMARY KEY / UNIQUE constraints were described as those constraints.
    // A key that is a plain column is named by the column (pg_get_indexdef would quote a
    // keyword such as `position`); an expression key keeps PostgreSQL's spelling.
    let indexes = sqlx::query(AssertSqlSafe(format!(
        "SELECT ic.relname::text AS name, c.relname::text AS t, i.indisunique AS u, \
           am.amname::text AS method, pg_get_expr(i.indpred, i.indrelid, true) AS predicate, \
           (SELECT string_agg(COALESCE( \
                  (SELECT a.attname::text FROM pg_attribute a \
                    WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1] AND a.attnum > 0), \
                  pg_get_indexdef(i.indexrelid, k::int, true)) \
                || CASE WHEN (i.indoption::int2[])[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END, \
                ', ' ORDER BY k) \
              FROM generate_series(1, i.indnkeyatts) k) AS columns, \
           i.indnatts <> i.indnkeyatts AS has_include \
         FROM pg_index i \
         JOIN pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_am am ON am.oid = ic.relam \
         WHERE {PG_TABLES} AND NOT EXISTS (SELECT 1 FROM pg_constraint k \
           WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid \
             AND k.contype IN ('p', 'u')) \
         ORDER BY 1"
    )))
    .fetch_all(pool)
    .await
    .unwrap();
    for i in &indexes {
        let name: String = i.get("name");
        assert!(
            !i.get::<bool, _>("has_include"),
            "index {name} has INCLUDE columns, which SQLite cannot express"
        );
        d.add(
            format!("index {name}"),
            &[
                ("table", i.get("t")),
                ("columns", i.get("columns")),
                ("unique", yes_no(i.get("u"))),
                ("method", i.get("method")),
                (
                    "predicate",
                    i.get::<Option<String>, _>("predicate")
                        .unwrap_or_else(|| "none".into()),
                ),
            ],
        );
    }

    let others = sqlx::query(
        "SELECT 'view' AS kind, c.relname::text AS name, c.relname::text AS t FROM pg_class c \
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm') \
         UNION ALL \
         SELECT 'trigger', g.tgname::text, c.relname::text FROM pg_trigger g \
         JOIN pg_class c ON c.oid = g.tgrelid \
         WHERE c.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for o in &others {
        let kind: String = o.get("kind");
        let name: String = o.get("name");
        d.add(format!("{kind} {name}"), &[("table", o.get("t"))]);
    }
    d
}

/// Spells an SQLite expression the way PostgreSQL's catalog does: `probe` is DDL that puts
/// the expression on the table, `read` reads PostgreSQL's deparsed text back. Rolled back.
async fn postgres_spelling(pool: &AnyPool, raw: &str, probe: String, read: String) -> String {
    let mut tx = pool.begin().await.unwrap();
    let spelled = match sqlx::query(AssertSqlSafe(probe)).execute(&mut *tx).await {
        Ok(_) => sqlx::query(AssertSqlSafe(read))
            .fetch_one(&mut *tx)
            .await
            .map(|r| r.get::<String, _>(0))
            .unwrap_or_else(|e| format!("unreadable: {raw} ({e})")),
        Err(e) => format!("not valid PostgreSQL: {raw} ({e})"),
    };
    tx.rollback().await.unwrap();
    spelled
}

/// Puts SQLite's defaults, index predicates and CHECKs into the description in PostgreSQL's
/// spelling, using the PostgreSQL copy of the same table.
async fn normalize(sqlite: &mut Description, expressions: Expressions, postgres: &AnyPool) {
    for (entity, table, column, raw) in expressions.defaults {
        let spelled = postgres_spelling(
            postgres,
            &raw,
            format!("ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" SET DEFAULT {raw}"),
            format!(
                "SELECT pg_get_expr(d.adbin, d.adrelid, true) FROM pg_attrdef d \
                 JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
                 WHERE d.adrelid = '\"{table}\"'::regclass AND a.attname = '{column}'"
            ),
        )
        .await;
        sqlite
            .0
            .get_mut(&entity)
            .unwrap()
            .insert("default", spelled);
    }
    for (entity, table, column, raw) in expressions.predicates {
        let spelled = postgres_spelling(
            postgres,
            &raw,
            format!("CREATE INDEX kycore_parity_probe ON \"{table}\" (\"{column}\") WHERE {raw}"),
            "SELECT pg_get_expr(i.indpred, i.indrelid, true) FROM pg_index i \
             WHERE i.indexrelid = 'kycore_parity_probe'::regclass"
                .into(),
        )
        .await;
        sqlite
            .0
            .get_mut(&entity)
            .unwrap()
            .insert("predicate", spelled);
    }
    for (table, raw) in expressions.checks {
        // NOT VALID: the probe is about spelling, not about the rows the table holds.
        let spelled = postgres_spelling(
            postgres,
            &raw,
            format!(
                "ALTER TABLE \"{table}\" ADD CONSTRAINT kycore_parity_probe CHECK ({raw}) NOT VALID"
            ),
            format!(
                "SELECT pg_get_constraintdef(oid, true) FROM pg_constraint \
                 WHERE conrelid = '\"{table}\"'::regclass AND conname = 'kycore_parity_probe'"
            ),
        )
        .await;
        let spelled = spelled.trim_end_matches(" NOT VALID");
        sqlite.add(format!("check {table}: {spelled}"), &[]);
    }
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        eprintln!("skipped: {POSTGRES_ENV} is not set");
        return;
    };
    let sqlite_db = TestDatabase::sqlite();
    let postgres_db = TestDatabase::postgres(&base).await;
    let sqlite = Store::open(&sqlite_db.url).await.unwrap();
    let postgres = Store::open(&postgres_db.url).await.unwrap();
    assert_eq!(sqlite.backend(), Backend::Sqlite);
    assert_eq!(postgres.backend(), Backend::Postgres);

    let (mut sqlite_schema, expressions) = describe_sqlite(sqlite.reader()).await;
    normalize(&mut sqlite_schema, expressions, postgres.reader()).await;
    let postgres_schema = describe_postgres(postgres.reader()).await;
    postgres_db.cleanup().await;

    // Not vacuous: the comparison covers every kind of thing it claims to.
    let tables = sqlite_schema.count("table");
    assert!(tables >= 15, "only {tables} tables read from SQLite");
    assert!(sqlite_schema.count("column") >= 150);
    assert!(sqlite_schema.count("primary key") >= 15);
    assert!(sqlite_schema.count("index") >= 20);
    assert!(sqlite_schema.count("unique") >= 2);
    assert!(sqlite_schema.count("foreign key") >= 8);
    assert!(sqlite_schema.count_where("index", "predicate", |p| p != "none") >= 1);
    assert!(sqlite_schema.count_where("column", "default", |v| v != "none") >= 1);
    assert!(sqlite_schema.count_where("column", "type", |t| t == "bytes") >= 1);
    assert!(sqlite_schema.count_where("column", "type", |t| t == "float64") >= 1);

    let mut unexpected = Vec::new();
    let mut stale: Vec<_> = KNOWN_DIFFERENCES.to_vec();
    for difference in differences(&sqlite_schema, &postgres_schema) {
        let known = stale.iter().position(|&(entity, attribute, s, p)| {
            difference.entity == entity
                && difference.attribute == Some(attribute)
                && difference.sqlite.as_deref() == Some(s)
                && difference.postgres.as_deref() == Some(p)
        });
        match known {
            Some(i) => {
                stale.remove(i);
            }
            None => unexpected.push(difference.to_string()),
        }
    }
    assert!(
        unexpected.is_empty(),
        "the SQLite and PostgreSQL migrations build different schemas:\n  {}",
        unexpected.join("\n  ")
    );
    assert!(
        stale.is_empty(),
        "fixed, so remove from KNOWN_DIFFERENCES in tests/schema.rs: {stale:?}"
    );
}

/// The readers of SQLite's stored CREATE text skip comments and string literals, so a `)` or
/// a `WHERE` inside either does not cut an expression short. Needs no database.
#[test]
fn sqlite_create_text_is_read_past_comments_and_strings() {
    let create_table = "CREATE TABLE t (\n\
        a TEXT NOT NULL CHECK (a IN ('x)', 'it''s')), -- a check (in a comment\n\
        b BIGINT /* check (b > 0) */ CHECK(b >= 0),\n\
        CONSTRAINT named CHECK ((a <> 'y') OR (b <= 1))\n)";
    assert_eq!(
        sqlite_checks(create_table),
        [
            "a IN ( 'x)' , 'it''s' )",
            "b >= 0",
            "( a <> 'y' ) OR ( b <= 1 )"
        ]
    );
    assert_eq!(
        sqlite_index_predicate(
            "CREATE INDEX i ON t (a, (lower(b))) -- WHERE not here\n WHERE a IN ('WHERE', 'b')"
        )
        .as_deref(),
        Some("a IN ( 'WHERE' , 'b' )")
    );
    assert_eq!(sqlite_index_predicate("CREATE INDEX i ON t (a)"), None);
}
