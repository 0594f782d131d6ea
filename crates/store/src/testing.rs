//! Fresh databases for tests: each test gets its own, migrated, dropped afterwards.

use sqlx::{Connection, PgConnection, PgPool};

/// Environment variable naming the admin database URL tests create databases through.
pub const TEST_DATABASE_URL_ENV: &str = "LEASEHOLD_TEST_DATABASE_URL";
/// Default admin URL: the local Postgres with trust auth.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A freshly created and migrated database, dropped (forcibly) when this value drops.
pub struct TestDb {
    /// Pool on the new database.
    pub pool: PgPool,
    /// URL of the new database.
    pub url: String,
    name: String,
    admin_url: String,
}

impl TestDb {
    /// Creates `lh_test_<uuid>` and applies the migrations.
    pub async fn new() -> TestDb {
        let admin_url = std::env::var(TEST_DATABASE_URL_ENV)
            .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_string());
        let name = format!("lh_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect to the admin database (is Postgres running?)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("admin URL {admin_url} has no database path"),
        };
        let pool = crate::connect(&url, 20)
            .await
            .expect("connect test database");
        crate::migrate(&pool).await.expect("migrate test database");
        TestDb {
            pool,
            url,
            name,
            admin_url,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin_url = self.admin_url.clone();
        // Drop runs inside the test's runtime; use a plain thread with its own runtime.
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut admin).await;
                }
            });
        });
        let _ = handle.join();
    }
}
