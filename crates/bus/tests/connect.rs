//! Connecting to the local NATS, one server or a cluster's list.

#[tokio::test]
async fn a_comma_separated_server_list_connects() {
    let client = leasehold_bus::connect("nats://127.0.0.1:4222, nats://127.0.0.1:4222", "test")
        .await
        .expect("a server list connects");
    client.flush().await.expect("flush");
}
