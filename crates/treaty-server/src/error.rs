//! One error body for every failure: `{"error": {"status", "code",
//! "message"}}`, and the JSON extractor that produces it for bodies that
//! are malformed, too large or carry unknown fields.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use treaty_store::StoreError;
use utoipa::ToSchema;

/// What went wrong, as every endpoint reports it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The failure.
    pub error: ErrorDetail,
}

/// One failure: its status, a stable code to branch on, and a message for
/// people.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status, repeated for clients that only keep the body.
    pub status: u16,
    /// Stable: `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `bad_request`, `invalid`, `too_large`, `timeout`, `internal`,
    /// `busy` (503 with `Retry-After`: try again), `too_many_requests`
    /// (429 with `Retry-After`: too many of this token's publishes at once).
    pub code: &'static str,
    /// What went wrong and, where it helps, what to do about it.
    pub message: String,
}

/// A handler's failure, by the status it answers; the text is the message
/// of the body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no token, or one the broker does not know.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403: the token may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: what the request names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 409: it exists already, otherwise.
    #[error("{0}")]
    Conflict(String),
    /// 400: the request does not parse.
    #[error("{0}")]
    BadRequest(String),
    /// 422: the request parses but a value is refused.
    #[error("{0}")]
    Invalid(String),
    /// 413: the request is too large.
    #[error("{0}")]
    TooLarge(String),
    /// 429: the caller has as many requests of this kind in progress as it
    /// may; the same request may succeed when one of them is answered.
    #[error("{0}")]
    TooManyRequests(String),
    /// 500: the broker failed; the message is logged too.
    #[error("{0}")]
    Internal(String),
    /// 500: the database failed. Its text is logged, never sent: it can
    /// name tables, constraints and values.
    #[error("{0}")]
    Database(String),
    /// 503: the database is busy (a lock wait, a serialization failure);
    /// the same request may succeed when retried.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    pub(crate) fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::Internal(_) | ApiError::Database(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
        }
    }
}

/// An error response with the common body.
pub fn error_response(status: StatusCode, code: &'static str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            status: status.as_u16(),
            code,
            message,
        },
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "request failed");
        }
        match self {
            ApiError::Database(_) => error_response(
                status,
                code,
                "the broker's database failed; its log has the details".to_owned(),
            ),
            ApiError::Unavailable(message) | ApiError::TooManyRequests(message) => {
                let mut response = error_response(status, code, message);
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("1"),
                );
                response
            }
            other => error_response(status, code, other.to_string()),
        }
    }
}

impl From<crate::clock::ClockError> for ApiError {
    fn from(e: crate::clock::ClockError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} does not exist")),
            StoreError::Busy(message) => ApiError::Unavailable(message),
            StoreError::Invalid(message) => ApiError::Invalid(message),
            e if e.is_retryable() => {
                tracing::warn!(error = %e, "database busy");
                ApiError::Unavailable("the database is busy: try again".to_owned())
            }
            other => ApiError::Database(other.to_string()),
        }
    }
}

/// `axum::Json`, with failures in the common error body: 400 for malformed
/// JSON or unknown fields (with line and column), 413 past the size limit,
/// 415 without a JSON content type.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "bad_request",
                };
                // Unknown fields and wrong types come back as 422 from axum;
                // to a client they are a malformed request like any other.
                let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
                    StatusCode::BAD_REQUEST
                } else {
                    status
                };
                Err(error_response(status, code, rejection.body_text()))
            }
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Rewrites any error answered outside the handlers (a query or path that
/// does not parse, a wrong method, a timeout) into the common body, so that
/// clients parse one shape. The dashboard's HTML error pages are left as
/// they are: a browser shows them.
pub async fn uniform_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned()
    } else {
        text
    };
    // Query and path rejections say 422 or 400; both are malformed requests.
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    error_response(status, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn a_database_failure_is_logged_not_sent() {
        let raw = "duplicate key value violates unique constraint \"deployments_live\"";
        let error = ApiError::from(StoreError::Corrupt {
            table: "deployments",
            row: "d1".into(),
            field: "version",
            value: raw.into(),
        });
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(response).await;
        assert!(!body.contains("deployments_live"), "{body}");
        assert!(body.contains("its log has the details"), "{body}");
    }

    #[tokio::test]
    async fn a_busy_database_is_a_retryable_503() {
        let response =
            ApiError::from(StoreError::Busy("deployments of c in e".into())).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(axum::http::header::RETRY_AFTER),
            Some(&axum::http::HeaderValue::from_static("1"))
        );
        assert!(body_of(response).await.contains("\"code\":\"busy\""));
    }
}
