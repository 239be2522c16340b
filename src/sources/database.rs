//! `database` sources: a query that must answer (seed 002's database
//! check). PostgreSQL through tokio-postgres (a connection, the query, its
//! first value), or an SQLite file opened read-only.

use std::time::Duration;

use crate::config::SourceCfg;

/// What PostgreSQL runs when the source names no `query`.
pub const POSTGRES_QUERY: &str = "select 1";
/// What SQLite runs when the source names no `query`: it reads the schema,
/// so a file that is not a database fails.
pub const SQLITE_QUERY: &str = "select count(*) from sqlite_master";

/// Where a database source connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Postgres(String),
    Sqlite(std::path::PathBuf),
}

/// `postgres://…` / `postgresql://…`, or `sqlite:PATH` (`sqlite:///abs`).
pub fn target(url: &str) -> Result<Target, String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("invalid URL \"{url}\": {e}"))?;
        if parsed.password().is_some() {
            return Err(
                "the URL holds a password, which would be shown and logged: give it as `password = \"file:PATH\"` or `\"env:NAME\"`"
                    .into(),
            );
        }
        return Ok(Target::Postgres(url.to_string()));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err(format!(
                "\"{url}\" names no file: sqlite:///path/to/file.db"
            ));
        }
        return Ok(Target::Sqlite(path.into()));
    }
    Err(format!(
        "\"{url}\": a `database` source needs postgres://user@host:port/db or sqlite:///path/to/file.db"
    ))
}

/// The query's first value ("1"), or why the database did not answer.
pub async fn poll(cfg: &SourceCfg) -> Result<String, String> {
    let url = cfg.url.as_deref().unwrap_or_default();
    match target(url)? {
        Target::Postgres(url) => {
            let password = match &cfg.password {
                Some(p) => Some(crate::secret::resolve(p, "password")?),
                None => None,
            };
            let query = cfg.query.clone().unwrap_or_else(|| POSTGRES_QUERY.into());
            postgres(&url, password.as_deref(), &query, cfg.timeout.0).await
        }
        Target::Sqlite(path) => {
            let query = cfg.query.clone().unwrap_or_else(|| SQLITE_QUERY.into());
            let timeout = cfg.timeout.0;
            tokio::task::spawn_blocking(move || sqlite(&path, &query, timeout))
                .await
                .map_err(|e| format!("SQLite check failed: {e}"))?
        }
    }
}

async fn postgres(
    url: &str,
    password: Option<&str>,
    query: &str,
    timeout: Duration,
) -> Result<String, String> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("invalid connection URL: {e}"))?;
    config
        .connect_timeout(timeout)
        .application_name("baton-check");
    if let Some(p) = password {
        config.password(p);
    }
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("connect failed: {}", pg_error(&e)))?;
    // The connection ends with the client, when this check returns.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let rows = client
        .simple_query(query)
        .await
        .map_err(|e| format!("query failed: {}", pg_error(&e)))?;
    let first = rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or("NULL").to_string()),
        _ => None,
    });
    Ok(first.map_or_else(|| "answered, no rows".into(), |v| format!("answered {v}")))
}

/// The server's own message where it sent one ("password authentication
/// failed for user …"), not only "db error".
fn pg_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// Opened read-only, so a check never creates or changes the file.
pub fn sqlite(path: &std::path::Path, query: &str, timeout: Duration) -> Result<String, String> {
    use rusqlite::OpenFlags;
    if !path.is_file() {
        return Err(format!("no such file: {}", path.display()));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = rusqlite::Connection::open_with_flags(path, flags)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    db.busy_timeout(timeout)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let value = db
        .query_row(query, [], |row| {
            Ok(match row.get_ref(0)? {
                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Real(f) => f.to_string(),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    String::from_utf8_lossy(t).chars().take(80).collect()
                }
            })
        })
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => "the query returned no rows".to_string(),
            e => format!("{}: {e}", path.display()),
        })?;
    Ok(format!("answered {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_postgres_urls_without_passwords_or_sqlite_files() {
        assert_eq!(
            target("postgres://baton@127.0.0.1:15432/postgres"),
            Ok(Target::Postgres(
                "postgres://baton@127.0.0.1:15432/postgres".into()
            ))
        );
        assert!(
            target("postgres://baton:hunter2@127.0.0.1/db")
                .expect_err("password")
                .contains("password")
        );
        assert_eq!(
            target("sqlite:///var/lib/app.db"),
            Ok(Target::Sqlite("/var/lib/app.db".into()))
        );
        assert_eq!(
            target("sqlite:.genesis/data/genesis.db"),
            Ok(Target::Sqlite(".genesis/data/genesis.db".into()))
        );
        assert!(target("mysql://x").is_err());
        assert!(target("sqlite:").is_err());
    }

    #[test]
    fn an_sqlite_file_answers_and_a_text_file_does_not() {
        let dir = std::env::temp_dir().join(format!("baton-sqlite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let db = dir.join("app.db");
        let _ = std::fs::remove_file(&db);
        let c = rusqlite::Connection::open(&db).expect("create");
        c.execute_batch("create table orders (id integer); insert into orders values (1), (2);")
            .expect("schema");
        drop(c);
        let t = Duration::from_secs(1);
        assert_eq!(sqlite(&db, SQLITE_QUERY, t), Ok("answered 1".into()));
        assert_eq!(
            sqlite(&db, "select count(*) from orders", t),
            Ok("answered 2".into())
        );
        let e = sqlite(&db, "select * from missing", t).expect_err("no table");
        assert!(e.contains("no such table"), "{e}");
        let text = dir.join("notes.txt");
        std::fs::write(&text, "this is not a database, only some words in a file").expect("w");
        let e = sqlite(&text, SQLITE_QUERY, t).expect_err("not a db");
        assert!(e.contains("not a database"), "{e}");
        let e = sqlite(&dir.join("absent.db"), SQLITE_QUERY, t).expect_err("absent");
        assert!(e.starts_with("no such file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
