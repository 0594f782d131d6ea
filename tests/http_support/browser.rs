//! A minimal browser over reqwest: follows redirects itself, keeps the cookies each
//! host sets (by host, as a browser scopes host-only cookies) and fills in the
//! emulator's sign-in form, so a test walks the sign-in exactly as a person's browser
//! would and can look at every hop.

use std::collections::HashMap;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::Url;
use reqwest::{Method, Response, StatusCode};

/// One browser profile.
pub struct Browser {
    http: reqwest::Client,
    /// host:port → cookie name → (value, the whole `Set-Cookie` line).
    jar: HashMap<String, HashMap<String, (String, String)>>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            jar: HashMap::new(),
        }
    }

    fn origin(url: &Url) -> String {
        format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        )
    }

    /// The `Set-Cookie` line the site of `url` last set for `name`.
    pub fn set_cookie_line(&self, url: &str, name: &str) -> Option<String> {
        let url = Url::parse(url).ok()?;
        self.jar
            .get(&Self::origin(&url))?
            .get(name)
            .map(|(_, line)| line.clone())
    }

    /// Whether the site of `url` holds a cookie `name`.
    pub fn has_cookie(&self, url: &str, name: &str) -> bool {
        self.set_cookie_line(url, name).is_some()
    }

    /// One request with this browser's cookies, remembering those the answer sets.
    pub async fn send(
        &mut self,
        method: Method,
        url: &str,
        form: Option<&[(String, String)]>,
        headers: &[(&str, &str)],
    ) -> Response {
        self.exchange(method, url, form, None, headers).await
    }

    /// [`Browser::send`] with a raw `body` (a script's `fetch` with JSON).
    pub async fn send_body(
        &mut self,
        method: Method,
        url: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        self.exchange(method, url, None, Some(body), headers).await
    }

    async fn exchange(
        &mut self,
        method: Method,
        url: &str,
        form: Option<&[(String, String)]>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Response {
        let parsed = Url::parse(url).expect("url");
        let origin = Self::origin(&parsed);
        let mut request = self.http.request(method, url);
        if let Some(cookies) = self.jar.get(&origin) {
            let header: Vec<String> = cookies
                .iter()
                .map(|(name, (value, _))| format!("{name}={value}"))
                .collect();
            if !header.is_empty() {
                request = request.header(COOKIE, header.join("; "));
            }
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(form) = form {
            request = request.form(form);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.expect("request");
        for line in response.headers().get_all(SET_COOKIE) {
            let line = line.to_str().expect("ascii cookie").to_string();
            let pair = line.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let cookies = self.jar.entry(origin.clone()).or_default();
            let expired = line.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if expired {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_string(), (value.to_string(), line.clone()));
            }
        }
        response
    }

    /// `GET url`, following redirects; returns the final response and the URLs visited.
    pub async fn get(&mut self, url: &str) -> (Response, Vec<String>) {
        self.follow(Method::GET, url, None).await
    }

    /// A request, then every redirect after it (as GETs).
    pub async fn follow(
        &mut self,
        method: Method,
        url: &str,
        form: Option<&[(String, String)]>,
    ) -> (Response, Vec<String>) {
        let mut visited = vec![url.to_string()];
        let mut response = self.send(method, url, form, &[]).await;
        for _ in 0..10 {
            if !response.status().is_redirection() {
                return (response, visited);
            }
            let location = response.headers()[LOCATION].to_str().expect("location");
            let next = Url::parse(visited.last().expect("a url"))
                .expect("url")
                .join(location)
                .expect("location resolves")
                .to_string();
            visited.push(next.clone());
            response = self.send(Method::GET, &next, None, &[]).await;
        }
        panic!("too many redirects: {visited:?}");
    }

    /// Fills the sign-in page (`html`, served at `page_url`) with `username` and
    /// `password`, submits it and follows the redirects after it.
    pub async fn sign_in_form(
        &mut self,
        page_url: &str,
        html: &str,
        username: &str,
        password: &str,
    ) -> (Response, Vec<String>) {
        let mut fields = hidden_fields(html);
        fields.push(("username".into(), username.into()));
        fields.push(("password".into(), password.into()));
        // The form has no action: it posts back to the page's own URL.
        self.follow(Method::POST, page_url, Some(&fields)).await
    }
}

/// The `name`/`value` of every hidden input of `html`.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
        .collect()
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Whether `response` is a problem document with `status` and `code`.
pub async fn is_problem(response: Response, status: StatusCode, code: &str) -> bool {
    let got = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    got == status && kind == "application/problem+json" && body["code"] == code
}
