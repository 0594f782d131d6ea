//! Private nats-servers on loopback ports: one alone, or three in a JetStream cluster.
//! They are children of the drill (killed when dropped) and can be killed and restarted
//! on the same ports and store directories.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::{Child, Command};

use crate::procs::{append_log, free_port, wait_until};

/// One nats-server.
pub struct NatsNode {
    /// Server name (`n1`, …).
    pub name: String,
    /// Client port.
    pub port: u16,
    args: Vec<String>,
    exe: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl NatsNode {
    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts the server and waits until its client port accepts connections.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        let log = append_log(&self.log, &format!("start {}", self.name))?;
        let child = Command::new(&self.exe)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("start {}", self.exe.display()))?;
        self.child = Some(child);
        let port = self.port;
        wait_until(
            Duration::from_secs(20),
            &format!("nats {}", self.name),
            || async move {
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
            },
        )
        .await
    }

    /// SIGKILLs the server and waits for it to be gone.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }
}

/// Builds `count` nodes (1 = standalone, 3 = a cluster) with stores under `dir`.
pub fn nodes(exe: &Path, dir: &Path, count: usize) -> anyhow::Result<Vec<NatsNode>> {
    if !exe.exists() {
        bail!(
            "{} not found; install nats-server or pass --nats-server",
            exe.display()
        );
    }
    let ports: Vec<(u16, u16)> = (0..count)
        .map(|_| Ok((free_port()?, free_port()?)))
        .collect::<anyhow::Result<_>>()?;
    let mut out = Vec::new();
    for (i, (port, cluster_port)) in ports.iter().enumerate() {
        let name = format!("n{}", i + 1);
        let store = dir.join(format!("nats-{name}"));
        std::fs::create_dir_all(&store)?;
        let mut args: Vec<String> = vec![
            "-a".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
            "-js".into(),
            "-sd".into(),
            store.display().to_string(),
            "-n".into(),
            name.clone(),
        ];
        if count > 1 {
            let routes: Vec<String> = ports
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, cp))| format!("nats://127.0.0.1:{cp}"))
                .collect();
            args.extend([
                "--cluster_name".into(),
                "drill".into(),
                "--cluster".into(),
                format!("nats://127.0.0.1:{cluster_port}"),
                "--routes".into(),
                routes.join(","),
            ]);
        }
        out.push(NatsNode {
            name: name.clone(),
            port: *port,
            args,
            exe: exe.to_path_buf(),
            log: dir.join(format!("nats-{name}.log")),
            child: None,
        });
    }
    Ok(out)
}

/// Connects the drill's own client to any of `urls`, reconnecting forever.
pub async fn connect(urls: &[String]) -> anyhow::Result<async_nats::Client> {
    async_nats::ConnectOptions::new()
        .name("leasehold-drill")
        .connection_timeout(Duration::from_secs(3))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connect(urls.to_vec())
        .await
        .context("connect to the drill's NATS")
}

/// Waits until JetStream answers (a cluster needs a meta leader first).
pub async fn wait_jetstream(client: &async_nats::Client) -> anyhow::Result<()> {
    // The raw account-info request: answered without `error` once JetStream (and, on a
    // cluster, its meta leader) is up.
    wait_until(Duration::from_secs(60), "JetStream", || {
        let client = client.clone();
        async move {
            let reply = client.request("$JS.API.INFO", "".into()).await;
            reply.is_ok_and(|m| {
                serde_json::from_slice::<serde_json::Value>(&m.payload)
                    .is_ok_and(|v| v.get("error").is_none())
            })
        }
    })
    .await
}

/// Waits until the cluster can place a stream with `replicas` replicas: a meta leader
/// answers `$JS.API.INFO` before it knows its peers, and an engine that creates its
/// stream in that moment fails with "no suitable peers for placement". Probes with a
/// throw-away stream, deleted at once.
pub async fn wait_placement(client: &async_nats::Client, replicas: usize) -> anyhow::Result<()> {
    if replicas <= 1 {
        return Ok(());
    }
    let js = async_nats::jetstream::new(client.clone());
    wait_until(Duration::from_secs(60), "JetStream placement", || {
        let js = js.clone();
        async move {
            let probe = async_nats::jetstream::stream::Config {
                name: "DRILL_PLACEMENT_PROBE".into(),
                subjects: vec!["drill-placement-probe".into()],
                num_replicas: replicas,
                ..Default::default()
            };
            match js.get_or_create_stream(probe).await {
                Ok(_) => js.delete_stream("DRILL_PLACEMENT_PROBE").await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await
}

/// The server name leading the stream `name` and the stream's replica count, if known.
pub async fn stream_leader(client: &async_nats::Client, name: &str) -> Option<(String, usize)> {
    let js = async_nats::jetstream::new(client.clone());
    let mut stream = js.get_stream(name).await.ok()?;
    let info = stream.info().await.ok()?;
    let leader = info.cluster.as_ref()?.leader.clone()?;
    Some((leader, info.config.num_replicas))
}
