//! The coordinator console's shell, the same in every service: sign-in and sign-out, the session
//! cookie every service verifies locally, CSRF on every console form, and the frame (navigation,
//! who is signed in) that [`crate::Pages::console_page`] draws around each console page.
//!
//! # Signing in
//!
//! A coordinator signs in at `<service>/console/sign-in` with their bearer token — the same token
//! the APIs take, checked against the service's own `coordinators` tree (see [`crate::auth`]).
//! The service answers with a signed cookie `rrm_session` (see [`session`]): token id, name,
//! scopes, issued-at and expiry (`console.session_hours`, never past the token's own expiry),
//! `HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure` when the service's public URL is https.
//! Every service shares the key, so in production (one origin, path prefixes) one sign-in opens
//! every service's console. The token itself is never stored in the cookie, never logged.
//!
//! # Every request
//!
//! [`SignedIn`] is the extractor of every console page and API route served by session. It
//! checks the cookie's signature and expiry **and** that its token is still known, unrevoked and
//! unexpired in the service's `coordinators` tree, so revoking a token ends its sessions at the
//! next request. A request without a valid session is answered by [`SignedOut`]: a 303 to the
//! sign-in page (coming back to the same path after) for pages, 401 problem+json for `/api/`
//! routes. A forged, tampered or expired cookie counts as signed out; the refusal is logged, the
//! cookie's content is not.
//!
//! # CSRF
//!
//! Every console form carries `<input type="hidden" name="csrf" value="{{csrf}}">` with
//! [`SignedIn::csrf`], an HMAC of the session cookie. [`ConsoleForm`] is the extractor of every
//! console POST: it refuses a missing or wrong value with a 403 page before the handler runs, so
//! nothing changes. (The pages behind e-mailed links have their own CSRF, bound to the link's
//! token: [`crate::links::LinkSigner::csrf_for`].) The sign-in form has no session yet: the
//! `SameSite=Strict` cookie and the token it asks for are its protection.
//!
//! # Using it in a service
//!
//! ```ignore
//! let console = Console::new(&service);
//! let app = Router::new()
//!     .route("/console", get(home))
//!     .with_state(state)            // where `Console: FromRef<State>`
//!     .merge(console.router());     // /console/sign-in, /console/sign-out
//!
//! async fn home(State(s): State<App>, who: SignedIn) -> Response {
//!     s.pages.console_page(StatusCode::OK, "Alerts", "home", &data, &who.frame().refresh(60))
//! }
//! ```

pub mod session;
mod status;

use crate::Service;
use crate::auth;
use crate::http::Problem;
use crate::pages::Pages;
use axum::Router;
use axum::extract::{FromRef, FromRequest, FromRequestParts, OriginalUri, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use session::{SessionError, SessionKeys};
use std::sync::Arc;

pub use session::Session;

/// Where the sign-in and sign-out routes are, on every service.
pub const SIGN_IN: &str = "/console/sign-in";
pub const SIGN_OUT: &str = "/console/sign-out";

/// The five services' consoles, in pipeline order: (service, label in the navigation).
const NAV: [(&str, &str); 5] = [
    ("intake", "Alerts"),
    ("roster", "Roster"),
    ("drafting", "Drafting"),
    ("translation", "Translation"),
    ("distribution", "Distribution"),
];

const SIGN_IN_FORM: &str = r#"<h1>Sign in to the console</h1>
{{#if message}}<p class="error" role="alert">{{message}}</p>
{{/if}}<form method="post" action="{{action}}" autocomplete="off">
  <input type="hidden" name="next" value="{{next}}">
  <p><label>Coordinator token<br>
  <input type="password" name="token" autocomplete="off" required size="48"></label></p>
  <button type="submit">Sign in</button>
</form>
<p>Use the token the secretariat issued to you (the same one the <code>rrm</code> command and
the API take). You stay signed in for {{hours}} hours, or until the token is revoked.</p>
"#;

/// What every console route needs from its service: the credentials, the session key, the
/// navigation. Cheap to clone; a service's state holds one and implements `FromRef` for it.
#[derive(Clone)]
pub struct Console {
    inner: Arc<Inner>,
}

struct Inner {
    store: rrm_bus::Store,
    keys: SessionKeys,
    ttl: Duration,
    /// `Secure` cookies: the service's public URL is https.
    secure: bool,
    /// This service's public URL: where sign-in redirects lead (never the request's `Host`).
    public_url: String,
    nav: Vec<NavLink>,
    /// The sign-in form, the status page and the console's own error pages.
    pages: Pages,
    /// Whether the service is connected to the broker (the status page).
    ready: rrm_bus::Readiness,
}

/// One entry of the navigation.
#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// What the console layout draws around a page: the navigation, the coordinator's name, the
/// sign-out form, and a self-refresh when the page asks for one.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    nav: Vec<NavLink>,
    coordinator: Option<String>,
    csrf: Option<String>,
    sign_out: String,
    /// Seconds after which the page reloads itself (`<meta http-equiv="refresh">`).
    refresh: Option<u32>,
}

impl Frame {
    /// The page reloads itself every `seconds` (a timeline, a queue being worked on).
    pub fn refresh(mut self, seconds: u32) -> Self {
        self.refresh = Some(seconds.max(5));
        self
    }
}

impl Console {
    pub fn new(service: &Service) -> Self {
        let public_url = service.public_url(service.name);
        let nav = NAV
            .iter()
            .map(|(name, label)| NavLink {
                label,
                href: format!("{}/console", service.public_url(name)),
                current: *name == service.name,
            })
            .collect();
        Self {
            inner: Arc::new(Inner {
                store: service.store.clone(),
                keys: SessionKeys::derive(&service.settings.links.secret),
                ttl: Duration::hours(service.settings.console.session_hours),
                secure: public_url.to_ascii_lowercase().starts_with("https://"),
                public_url,
                nav,
                pages: console_pages(service.name),
                ready: service.ready.clone(),
            }),
        }
    }

    /// `/console/sign-in` (GET: the form; POST: check the token, set the cookie) and
    /// `/console/sign-out` (POST with CSRF: clear the cookie), ready to merge.
    pub fn router(&self) -> Router {
        Router::new()
            .route(SIGN_IN, get(sign_in_form).post(sign_in))
            .route(SIGN_OUT, post(sign_out))
            .with_state(self.clone())
    }

    /// Sign-in, sign-out and the status page at `/console`: the whole console of a service
    /// that has no console pages of its own.
    pub fn shell(&self) -> Router {
        self.router().merge(self.status_router())
    }

    /// The frame of a page nobody is signed in to (the sign-in page).
    pub fn anonymous_frame(&self) -> Frame {
        Frame {
            nav: self.inner.nav.clone(),
            coordinator: None,
            csrf: None,
            sign_out: self.url(SIGN_OUT),
            refresh: None,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.public_url)
    }

    /// The session behind `headers`' cookie, with the credential it names as the service knows
    /// it now (read on a blocking thread, like every store read).
    async fn session(
        &self,
        headers: &HeaderMap,
    ) -> Result<(String, Session, auth::Coordinator), SessionRefused> {
        let now = Utc::now();
        let mut refused = SessionRefused::Missing;
        for value in session::cookie_values(headers) {
            let session = match self.inner.keys.verify(value, now) {
                Ok(session) => session,
                Err(e) => {
                    refused = SessionRefused::Invalid(e);
                    continue;
                }
            };
            let token_id = session.token_id;
            let coordinator = self
                .inner
                .store
                .read(move |store| auth::by_id(store, token_id))
                .await
                .map_err(|e| SessionRefused::Store(e.to_string()))?
                .filter(|c| c.is_active(now));
            match coordinator {
                Some(coordinator) => return Ok((value.to_owned(), session, coordinator)),
                None => refused = SessionRefused::Invalid(SessionError::Revoked),
            }
        }
        if let SessionRefused::Invalid(reason) = &refused {
            tracing::warn!(%reason, "refused a console session");
        }
        Err(refused)
    }

    fn signed_in(&self, value: String, coordinator: auth::Coordinator) -> SignedIn {
        let csrf = self.inner.keys.csrf_for(&value);
        SignedIn {
            frame: Frame {
                nav: self.inner.nav.clone(),
                coordinator: Some(coordinator.name.clone()),
                csrf: Some(csrf.clone()),
                sign_out: self.url(SIGN_OUT),
                refresh: None,
            },
            coordinator,
            cookie: value,
            csrf,
        }
    }

    /// The answer to a request without a valid session (see [`SignedOut`]).
    pub fn signed_out(&self, path_and_query: &str) -> SignedOut {
        let api = path_and_query.starts_with("/api/");
        SignedOut {
            api,
            sign_in: format!(
                "{}?next={}",
                self.url(SIGN_IN),
                encode_query(session::local_path(path_and_query).unwrap_or("/console"))
            ),
        }
    }

    /// A readable error page in the console layout, for the coordinator signed in.
    pub fn error(
        &self,
        who: &SignedIn,
        status: StatusCode,
        title: &str,
        message: &str,
    ) -> Response {
        self.inner
            .pages
            .console_error(status, title, message, &who.frame)
    }

    /// The page for a coordinator whose token lacks `scope`, which `what` needs.
    pub fn lacks_scope(&self, who: &SignedIn, scope: &str, what: &str) -> Response {
        self.error(
            who,
            StatusCode::FORBIDDEN,
            "Not allowed with your token",
            &format!(
                "Your token does not have the \u{201c}{scope}\u{201d} scope, which {what} needs. Ask an admin for a token that has it."
            ),
        )
    }

    /// The page when the store could not be read or written: nothing changed. The cause is
    /// logged, not shown.
    pub fn unavailable(&self, who: &SignedIn, e: impl std::fmt::Display) -> Response {
        tracing::error!(error = %e, "console request failed");
        self.error(
            who,
            StatusCode::SERVICE_UNAVAILABLE,
            "Please try again",
            "This could not be done just now; nothing was changed.",
        )
    }

    fn csrf_refused(&self, frame: &Frame) -> Response {
        self.inner.pages.console_error(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form was not sent from this console session (it may be from before you signed in again). Go back, reload the page and try again.",
            frame,
        )
    }
}

fn console_pages(service: &str) -> Pages {
    Pages::new(service)
        .and_then(|p| p.html("_sign_in", SIGN_IN_FORM))
        .and_then(|p| p.html("_status", status::TEMPLATE))
        .unwrap_or_else(|e| unreachable!("the console's own templates parse: {e}"))
}

enum SessionRefused {
    Missing,
    Invalid(SessionError),
    Store(String),
}

/// A coordinator signed in to the console. The extractor of console pages and of API routes
/// served by session; its rejection is [`SignedOut`] (or a 503 page when the store cannot be read).
/// Not `Debug`: it holds the cookie.
#[derive(Clone)]
pub struct SignedIn {
    /// The credential as the service knows it now (name and scopes as last issued).
    pub coordinator: auth::Coordinator,
    /// The session cookie's value, which the CSRF value is checked against.
    cookie: String,
    csrf: String,
    frame: Frame,
}

impl SignedIn {
    /// The value every console form of this session carries in its hidden `csrf` field.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// The console layout's frame for this coordinator.
    pub fn frame(&self) -> Frame {
        self.frame.clone()
    }

    pub fn may(&self, scope: &str) -> bool {
        self.coordinator.may(scope)
    }
}

impl<S> FromRequestParts<S> for SignedIn
where
    S: Send + Sync,
    Console: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let console = Console::from_ref(state);
        match console.session(&parts.headers).await {
            Ok((value, _, coordinator)) => Ok(console.signed_in(value, coordinator)),
            Err(SessionRefused::Store(e)) => Err(if path_of(parts).starts_with("/api/") {
                Problem::internal(e).into_response()
            } else {
                console.inner.pages.unavailable(e)
            }),
            Err(_) => Err(console.signed_out(&path_of(parts)).into_response()),
        }
    }
}

/// The path and query the client asked for (before any nesting stripped a prefix).
fn path_of(parts: &Parts) -> String {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| &u.0)
        .unwrap_or(&parts.uri);
    uri.path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| uri.path().to_owned())
}

/// The answer to a console request without a valid session: pages are sent to sign in (and come
/// back after), `/api/` routes get 401 problem+json.
#[derive(Debug, Clone)]
pub struct SignedOut {
    api: bool,
    sign_in: String,
}

impl IntoResponse for SignedOut {
    fn into_response(self) -> Response {
        if self.api {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "Authentication required",
                "sign in to the console, or send a coordinator token as `Authorization: Bearer <token>`",
            )
            .into_response()
        } else {
            redirect(&self.sign_in, None)
        }
    }
}

/// A console form: the signed-in coordinator and the form's fields, once its `csrf` field matched
/// the session. `T` must accept (or ignore) the `csrf` field. A request without a session is
/// [`SignedOut`]; a wrong or missing `csrf` a 403 page; an unreadable form a 400 page — in every
/// case before the handler runs, so nothing changes.
pub struct ConsoleForm<T> {
    pub signed_in: SignedIn,
    pub form: T,
}

impl<S, T> FromRequest<S> for ConsoleForm<T>
where
    S: Send + Sync,
    Console: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let console = Console::from_ref(state);
        let (mut parts, body) = req.into_parts();
        let signed_in = SignedIn::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let csrf = fields
            .iter()
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        if !console.inner.keys.verify_csrf(&signed_in.cookie, csrf) {
            tracing::warn!("refused a console form without this session's CSRF value");
            return Err(console.csrf_refused(&signed_in.frame));
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            console.inner.pages.console_error(
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                &e.to_string(),
                &signed_in.frame,
            )
        })?;
        Ok(Self { signed_in, form })
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn sign_in_form(
    State(console): State<Console>,
    axum::extract::Query(query): axum::extract::Query<NextQuery>,
) -> Response {
    sign_in_page(&console, StatusCode::OK, query.next.as_deref(), None)
}

fn sign_in_page(
    console: &Console,
    status: StatusCode,
    next: Option<&str>,
    message: Option<&str>,
) -> Response {
    let next = next.and_then(session::local_path).unwrap_or("/console");
    console.inner.pages.console_page(
        status,
        "Sign in",
        "_sign_in",
        &json!({
            "action": console.url(SIGN_IN),
            "next": next,
            "message": message,
            "hours": console.inner.ttl.num_hours(),
        }),
        &console.anonymous_frame(),
    )
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    token: String,
    next: Option<String>,
}

async fn sign_in(
    State(console): State<Console>,
    form: Result<axum::extract::Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(axum::extract::Form(form)) = form else {
        return sign_in_page(
            &console,
            StatusCode::BAD_REQUEST,
            None,
            Some("The form could not be read. Please try again."),
        );
    };
    let now = Utc::now();
    let token = form.token.trim();
    let coordinator = if token.is_empty() {
        Ok(None)
    } else {
        let token = token.to_owned();
        console
            .inner
            .store
            .read(move |store| auth::by_token(store, &token))
            .await
    };
    let coordinator = match coordinator {
        Ok(c) => c.filter(|c| c.is_active(now)),
        Err(e) => return console.inner.pages.unavailable(e),
    };
    let Some(coordinator) = coordinator else {
        tracing::warn!("refused a console sign-in: unknown, revoked or expired token");
        return sign_in_page(
            &console,
            StatusCode::UNAUTHORIZED,
            form.next.as_deref(),
            Some(
                "That token is not valid: it is unknown, revoked or expired. Check it and try again, or ask the secretariat for a new one.",
            ),
        );
    };
    let session = console
        .inner
        .keys
        .open(&coordinator, now, console.inner.ttl);
    let value = console.inner.keys.sign(&session);
    tracing::info!(token_id = %coordinator.token_id, "coordinator signed in to the console");
    let next = form
        .next
        .as_deref()
        .and_then(session::local_path)
        .unwrap_or("/console");
    redirect(
        &console.url(next),
        Some(session::set_cookie(
            &value,
            now,
            session.expires,
            console.inner.secure,
        )),
    )
}

#[derive(Deserialize)]
struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

/// Clears the cookie. With a cookie whose signature verifies, the form must carry its CSRF value
/// (a page elsewhere cannot sign anyone out); without one there is nothing to protect.
async fn sign_out(
    State(console): State<Console>,
    headers: HeaderMap,
    form: Result<axum::extract::Form<SignOutForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let csrf = form.map(|f| f.0.csrf).unwrap_or_default();
    let now = Utc::now();
    let mut sessions = session::cookie_values(&headers)
        .filter(|value| console.inner.keys.verify(value, now).is_ok())
        .peekable();
    let signed_in = sessions.peek().is_some();
    if signed_in && !sessions.any(|value| console.inner.keys.verify_csrf(value, &csrf)) {
        tracing::warn!("refused a console sign-out without the session's CSRF value");
        return console.csrf_refused(&console.anonymous_frame());
    }
    if signed_in {
        tracing::info!("coordinator signed out of the console");
    }
    redirect(
        &console.url(SIGN_IN),
        Some(session::clear_cookie(console.inner.secure)),
    )
}

/// A `303 See Other` to `location`, uncached: what a console form's POST answers, so that
/// reloading the page it leads to does not post again.
pub fn see_other(location: &str) -> Response {
    redirect(location, None)
}

fn redirect(location: &str, cookie: Option<String>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            headers.insert(header::LOCATION, v);
        }
        Err(_) => return Problem::internal("an unusable redirect location").into_response(),
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Percent-encodes `value` for a query string.
fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests;
