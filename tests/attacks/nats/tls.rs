//! A nats-server that speaks only TLS and verifies client certificates, with a CA,
//! server and client certificates made for the run.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

/// The server and the files a client needs.
pub struct TlsServer {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
    pub password: String,
}

impl TlsServer {
    /// CA file, client certificate and key.
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    pub fn client_cert(&self) -> PathBuf {
        self.dir.join("client.pem")
    }
    pub fn client_key(&self) -> PathBuf {
        self.dir.join("client-key.pem")
    }

    pub async fn start() -> TlsServer {
        let dir = std::env::temp_dir().join(format!("lh-tls-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let ca_key = KeyPair::generate().expect("key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("ca");
        let issue = |names: Vec<String>, file: &str| {
            let key = KeyPair::generate().expect("key");
            let cert = CertificateParams::new(names)
                .expect("params")
                .signed_by(&key, &ca, &ca_key)
                .expect("sign");
            std::fs::write(dir.join(format!("{file}.pem")), cert.pem()).expect("cert");
            std::fs::write(dir.join(format!("{file}-key.pem")), key.serialize_pem()).expect("key");
        };
        issue(vec!["127.0.0.1".into()], "server");
        issue(vec!["leasehold-engine".into()], "client");
        std::fs::write(dir.join("ca.pem"), ca.pem()).expect("ca");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let password = uuid::Uuid::new_v4().simple().to_string();
        let conf = format!(
            "listen: 127.0.0.1:{port}\n\
             tls {{\n  cert_file: \"{d}/server.pem\"\n  key_file: \"{d}/server-key.pem\"\n  \
             ca_file: \"{d}/ca.pem\"\n  verify: true\n  timeout: 2\n}}\n\
             authorization {{ user: engine, password: \"{password}\" }}\n",
            d = dir.display()
        );
        std::fs::write(dir.join("tls.conf"), conf).expect("conf");
        let log = std::fs::File::create(dir.join("server.log")).expect("log");
        let child = Command::new("/usr/sbin/nats-server")
            .arg("-c")
            .arg(dir.join("tls.conf"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server");
        let mut poll =
            leasehold_testkit::Poll::new(Duration::from_secs(15), Duration::from_millis(20));
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(poll.again().await, "TLS nats-server did not listen");
        }
        TlsServer {
            child,
            port,
            dir,
            password,
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
