//! The HTTP side every service shares: problem+json errors, a JSON extractor that reports bad
//! bodies in the same shape, the ops routes, request limits and graceful shutdown.

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::OnceLock;
use tokio_util::sync::CancellationToken;

/// Largest request body any service accepts.
pub const BODY_LIMIT: usize = 256 * 1024;

/// An RFC 9457 problem: the only error shape the APIs answer with (as
/// `application/problem+json`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "type": "about:blank",
    "title": "Invalid fields",
    "status": 422,
    "detail": "title: must be 1 to 200 characters",
    "errors": [{ "field": "title", "message": "must be 1 to 200 characters" }]
})))]
pub struct Problem {
    /// Always `about:blank`: the status and title say what went wrong.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(example = "about:blank"))]
    pub kind: String,
    /// A short, fixed summary of the kind of problem.
    #[cfg_attr(feature = "openapi", schema(example = "Invalid fields"))]
    pub title: String,
    /// The HTTP status code, repeated.
    #[cfg_attr(feature = "openapi", schema(example = 422))]
    pub status: u16,
    /// What went wrong with this request, in words.
    pub detail: String,
    /// One entry per invalid field; absent when the problem is not about fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One field's complaint, for forms and API clients to show beside the field.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    /// The field, as a path in the request (`title`, `alerts[0].fingerprint`) or a query
    /// parameter's name.
    #[cfg_attr(feature = "openapi", schema(example = "title"))]
    pub field: String,
    #[cfg_attr(feature = "openapi", schema(example = "must be 1 to 200 characters"))]
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Problems by field, each field's messages joined, for forms' templates (`errors.title`).
    pub fn by_field(problems: &[FieldProblem]) -> std::collections::BTreeMap<String, String> {
        let mut fields = std::collections::BTreeMap::<String, String>::new();
        for p in problems {
            let entry = fields.entry(p.field.clone()).or_default();
            if !entry.is_empty() {
                entry.push_str("; ");
            }
            entry.push_str(&p.message);
        }
        fields
    }
}

impl Problem {
    pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Invalid request", detail)
    }

    /// 422 with one entry per invalid field.
    pub fn invalid_fields(errors: Vec<FieldProblem>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid fields", detail)
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Authentication required",
            "send a coordinator token as `Authorization: Bearer <token>`",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("no such {what}"),
        )
    }

    /// A 500 whose cause is logged once here and never sent to the client.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the request could not be completed; nothing was changed",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

/// `Json<T>` whose rejections are problems. Unknown fields are refused by the payload types
/// themselves (`deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

fn json_problem(rejection: JsonRejection) -> Problem {
    let status = rejection.status();
    let title = match rejection {
        JsonRejection::MissingJsonContentType(_) => "Expected a JSON body",
        JsonRejection::JsonSyntaxError(_) => "Malformed JSON",
        JsonRejection::JsonDataError(_) => "Invalid fields",
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => "Request too large",
        _ => "Invalid request",
    };
    Problem::new(status, title, rejection.body_text())
}

/// `Form<T>` for pages; its rejection is a readable page-level message.
pub fn form_problem(rejection: FormRejection) -> String {
    format!("The form could not be read: {}", rejection.body_text())
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// The process-wide Prometheus recorder (installed once, on first use).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .install_recorder()
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle())
        })
        .clone()
}

/// `/healthz` (the process answers), `/readyz` (store open and broker connected), `/metrics`
/// (`refresh` sets gauges that are read rather than counted, just before each scrape).
pub fn ops_router<F, R>(ready: F, refresh: R) -> Router
where
    F: Fn() -> Result<(), String> + Clone + Send + Sync + 'static,
    R: Fn() + Clone + Send + Sync + 'static,
{
    let handle = metrics_handle();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(move || {
                let ready = ready.clone();
                async move {
                    match ready() {
                        Ok(()) => (StatusCode::OK, "ready".to_string()),
                        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}")),
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                refresh();
                std::future::ready(handle.render())
            }),
        )
}

/// Limits every service applies.
pub fn with_limits(router: Router) -> Router {
    router.layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets in-flight requests finish
/// (bounded, so a slow client cannot hold the process).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let graceful = shutdown.clone();
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(async move { graceful.cancelled().await });
    tokio::select! {
        r = server => r,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        } => Ok(()),
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        name: String,
    }

    fn app() -> Router {
        with_limits(Router::new().route("/", post(|ApiJson(_): ApiJson<Input>| async { "ok" })))
    }

    async fn call(body: &str, content_type: &str) -> (StatusCode, String, serde_json::Value) {
        let response = app()
            .oneshot(
                Request::post("/")
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body.to_owned()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let ct = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            ct,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    #[tokio::test]
    async fn malformed_json_is_a_problem() {
        let (status, ct, body) = call("{nope", "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(ct, "application/problem+json");
        assert_eq!(body["title"], "Malformed JSON");
    }

    #[tokio::test]
    async fn unknown_fields_are_a_problem() {
        let (status, ct, body) = call(r#"{"name":"a","admin":true}"#, "application/json").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(ct, "application/problem+json");
        assert!(body["detail"].as_str().unwrap().contains("admin"));
    }

    #[tokio::test]
    async fn an_oversized_body_is_a_problem() {
        let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(BODY_LIMIT + 1));
        let (status, ct, _) = call(&big, "application/json").await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(ct, "application/problem+json");
    }

    #[tokio::test]
    async fn a_body_without_json_content_type_is_a_problem() {
        let (status, _, body) = call(r#"{"name":"a"}"#, "text/plain").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["title"], "Expected a JSON body");
    }
}
