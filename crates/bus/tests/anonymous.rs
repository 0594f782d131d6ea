//! The open-NATS probe against a server whose clients without credentials become an
//! admin (`no_auth_user`): they may publish nothing but that admin's subjects, and the
//! probe must still call the server open.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use leasehold_bus::{check_anonymous_refused, AnonymousAccess, NatsEndpoint, Subjects};

/// A nats-server on a free loopback port whose strangers log in as `admin`.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    async fn start() -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("lh-noauth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let conf = dir.join(format!("{port}.conf"));
        let password = format!("pw-{port}-{}", std::process::id());
        std::fs::write(
            &conf,
            format!(
                "listen: 127.0.0.1:{port}\n\
                 authorization {{\n  users = [\n    {{ user: admin, password: \"{password}\", \
                 permissions: {{ publish: {{ allow: [\"leasehold.cmd.admin.>\", \
                 \"leasehold.query.admin.>\"] }}, subscribe: {{ allow: [\"_INBOX_admin.>\"] }} }} }}\n  ]\n}}\n\
                 no_auth_user: admin\n"
            ),
        )
        .expect("write conf");
        let log_path = dir.join(format!("{port}.log"));
        let child = Command::new(
            std::env::var("NATS_SERVER_BIN").unwrap_or_else(|_| "/usr/sbin/nats-server".into()),
        )
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .spawn()
        .expect("start nats-server");
        let server = Server { child, port };
        // Wait (bounded) for the server to say it is ready on its log.
        let ready = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                if log.contains("Server is ready") {
                    break;
                }
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(ready.is_ok(), "nats-server did not start");
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_server_that_makes_strangers_admin_is_open() {
    let server = Server::start().await;
    let endpoint = NatsEndpoint::from_url(&format!("nats://127.0.0.1:{}", server.port));
    let subjects = Subjects::new("leasehold").expect("prefix");
    let access = check_anonymous_refused(&endpoint, &subjects, &["admin".to_string()]).await;
    assert!(
        matches!(&access, AnonymousAccess::Open(why) if why.contains("leasehold.cmd.admin.probe")),
        "{access:?}"
    );
}
