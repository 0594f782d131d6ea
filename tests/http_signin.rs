//! Browser sign-in over real HTTP: a person signs in on the emulator's sign-in page
//! (authorization code + PKCE, followed hop by hop), gets an HttpOnly session cookie,
//! and runs a lease through the API; a change without the CSRF token is refused and
//! does nothing; the history says "dave via http".

mod helpers;
mod http_support;

use std::time::Duration;

use entra_emulator::DEMO_USER_PASSWORD;
use helpers::status_is;
use http_support::browser::{is_problem, Browser};
use http_support::{spawn_with_sign_in, ADMIN_PERSON, GATEWAY, PERSON, WEB_APP};
use leasehold::signin::SignIn;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SESSION: &str = "__Host-leasehold-session";
const LOGIN: &str = "__Host-leasehold-login";

/// Signs `username` in from a fresh browser; returns the browser and the session's
/// CSRF token.
async fn signed_in(api: &str, username: &str) -> (Browser, Value) {
    let mut browser = Browser::new();
    let (page, visited) = browser
        .get(&format!("{api}/v1/auth/login?return_to=/v1/auth/session"))
        .await;
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "the sign-in page: {visited:?}"
    );
    let login_line = browser
        .set_cookie_line(api, LOGIN)
        .expect("the gateway keeps the sign-in in a cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(login_line.contains(attribute), "{login_line}");
    }
    let authorize = visited.last().expect("the authorize URL").clone();
    for param in [
        "code_challenge_method=S256",
        "code_challenge=",
        "nonce=",
        "state=",
        &format!("client_id={WEB_APP}"),
    ] {
        assert!(authorize.contains(param), "{param} missing in {authorize}");
    }
    let html = page.text().await.expect("html");
    let (done, hops) = browser
        .sign_in_form(&authorize, &html, username, DEMO_USER_PASSWORD)
        .await;
    assert_eq!(done.status(), StatusCode::OK, "hops: {hops:?}");
    assert!(
        hops.iter().any(|h| h.contains("/v1/auth/callback?code=")),
        "{hops:?}"
    );
    assert!(hops.last().expect("end").ends_with("/v1/auth/session"));
    assert!(
        !browser.has_cookie(api, LOGIN),
        "the sign-in cookie is spent"
    );
    let line = browser.set_cookie_line(api, SESSION).expect("a session");
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(line.contains(attribute), "{line}");
    }
    assert_eq!(done.headers()["cache-control"], "no-store");
    let session: Value = done.json().await.expect("session json");
    (browser, session)
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_on_the_emulators_page_and_leases_through_the_api() {
    let (app, api) = spawn_with_sign_in().await;
    app.connect().await;
    app.secrets("app", &["alice"], "1h", "2h").await;
    let (mut browser, session) = signed_in(&api, "Dave@Contoso.onmicrosoft.com").await;
    assert_eq!(
        session["actor"], PERSON,
        "the UPN, lower-cased, is the actor"
    );
    let csrf = session["csrf_token"].as_str().expect("csrf").to_string();

    // A change carried by the cookie alone is refused, and nothing happens.
    let create = json!({ "secret": "app-alice", "ttl": "30m" });
    let leases = format!("{api}/v1/leases");
    let forged = browser
        .send(
            Method::POST,
            &leases,
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert!(is_problem(forged, StatusCode::FORBIDDEN, "forbidden").await);
    let body = create.to_string();
    let with_wrong_token = browser_post(&mut browser, &leases, &body, Some("not-the-token")).await;
    assert!(is_problem(with_wrong_token, StatusCode::FORBIDDEN, "forbidden").await);
    let without_token = browser_post(&mut browser, &leases, &body, None).await;
    assert!(is_problem(without_token, StatusCode::FORBIDDEN, "forbidden").await);
    let (list, _) = browser.get(&format!("{leases}?secret=app-alice")).await;
    assert_eq!(
        json_of(list).await["items"],
        json!([]),
        "nothing was leased"
    );

    // With the CSRF token the same request leases, as the person.
    let created = browser_post(&mut browser, &leases, &body, Some(&csrf)).await;
    assert!(created.status().is_success(), "{}", created.status());
    assert_eq!(created.headers()["cache-control"], "no-store");
    let created = json_of(created).await;
    let lease_id = created["lease"]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(created["lease"]["requested_by"], PERSON);
    let lease = app
        .wait_lease(&lease_id, Duration::from_secs(20), status_is("active"))
        .await;
    assert_eq!(lease["requested_by"], PERSON);
    let (got, _) = browser
        .get(&format!("{leases}/{lease_id}?credentials=true"))
        .await;
    let got = json_of(got).await;
    let username = got["credential"]["username"].as_str().expect("user");
    let password = got["credential"]["password"].as_str().expect("password");
    assert_eq!(app.sign_in(username, password).await, SignIn::Accepted);

    // Revoke (a DELETE needs the token too), and the password stops working.
    let revoke_url = format!("{leases}/{lease_id}");
    let refused = browser.send(Method::DELETE, &revoke_url, None, &[]).await;
    assert!(is_problem(refused, StatusCode::FORBIDDEN, "forbidden").await);
    let revoked = browser
        .send(
            Method::DELETE,
            &revoke_url,
            None,
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::ACCEPTED);
    app.wait_lease(&lease_id, Duration::from_secs(20), status_is("revoked"))
        .await;
    assert!(matches!(
        app.sign_in(username, password).await,
        SignIn::Refused { .. }
    ));

    // The history names the person and the gateway they came through.
    let (history, _) = browser.get(&format!("{revoke_url}/history")).await;
    let history = json_of(history).await;
    let requested = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["event_type"] == "LeaseRequested")
        .cloned()
        .unwrap_or_else(|| panic!("no LeaseRequested in {history}"));
    assert_eq!(
        (requested["actor"].as_str(), requested["via"].as_str()),
        (Some(PERSON), Some(GATEWAY))
    );

    // Signing out needs the token as well; afterwards the cookie is gone.
    let logout = format!("{api}/v1/auth/logout");
    let refused = browser.send(Method::POST, &logout, None, &[]).await;
    assert!(is_problem(refused, StatusCode::FORBIDDEN, "forbidden").await);
    let out = browser
        .send(Method::POST, &logout, None, &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(!browser.has_cookie(&api, SESSION));
    let (after, _) = browser.get(&format!("{api}/v1/auth/session")).await;
    assert!(is_problem(after, StatusCode::UNAUTHORIZED, "unauthenticated").await);
    app.stop().await;
}

async fn browser_post(
    browser: &mut Browser,
    url: &str,
    body: &str,
    csrf: Option<&str>,
) -> reqwest::Response {
    // The browser helper posts forms; JSON goes through a raw request with its cookies.
    let mut headers = vec![("content-type", "application/json")];
    if let Some(token) = csrf {
        headers.push(("x-csrf-token", token));
    }
    browser.send_body(Method::POST, url, body, &headers).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_app_role_makes_them_an_admin_and_a_broken_sign_in_gets_no_session() {
    let (app, api) = spawn_with_sign_in().await;
    app.connect().await;
    let (mut admin, session) = signed_in(&api, ADMIN_PERSON).await;
    assert_eq!(session["roles"], json!(["Leasehold.Admin"]));
    let (connections, _) = admin.get(&format!("{api}/v1/connections")).await;
    assert_eq!(connections.status(), StatusCode::OK);
    // The dashboard's pages carry the strict headers, and its forms need the token too.
    let (page, _) = admin.get(&format!("{api}/")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    for directive in [
        "script-src 'self'",
        "frame-ancestors 'none'",
        "default-src 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let forged = [("csrf".to_string(), "forged".to_string())];
    let refused = admin
        .send(Method::POST, &format!("{api}/signout"), Some(&forged), &[])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (still, _) = admin.get(&format!("{api}/v1/auth/session")).await;
    assert_eq!(
        still.status(),
        StatusCode::OK,
        "a forged sign-out changes nothing"
    );
    let (mut dave, _) = signed_in(&api, PERSON).await;
    let (connections, _) = dave.get(&format!("{api}/v1/connections")).await;
    assert!(is_problem(connections, StatusCode::FORBIDDEN, "forbidden").await);

    // A callback nobody started, or with a state that is not the browser's, signs
    // nobody in.
    let mut stranger = Browser::new();
    let (answer, _) = stranger
        .get(&format!("{api}/v1/auth/callback?code=x&state=y"))
        .await;
    assert!(is_problem(answer, StatusCode::UNAUTHORIZED, "unauthenticated").await);
    let (_, visited) = stranger.get(&format!("{api}/v1/auth/login")).await;
    assert!(visited.last().expect("authorize").contains("/authorize"));
    let (answer, _) = stranger
        .get(&format!("{api}/v1/auth/callback?code=x&state=forged"))
        .await;
    assert!(is_problem(answer, StatusCode::UNAUTHORIZED, "unauthenticated").await);
    assert!(!stranger.has_cookie(&api, SESSION));
    // Sending somebody elsewhere after sign-in is refused.
    let (answer, _) = stranger
        .get(&format!("{api}/v1/auth/login?return_to=//evil.example/"))
        .await;
    assert!(is_problem(answer, StatusCode::BAD_REQUEST, "invalid_request").await);
    app.stop().await;
}
