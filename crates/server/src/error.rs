//! The one error type at the HTTP edge.
//!
//! Every error the API answers has the same body, whoever produced it (a handler, an extractor, a
//! middleware layer, axum's router):
//!
//! ```json
//! {"code": "invalid_phone", "message": "...", "message_vi": "...", "field": "value", "type": "invalid_request"}
//! ```
//!
//! The status comes from the code's [`ErrorCategory`]; a bare status produced outside a handler
//! keeps its own status with the closest code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canhgiac_core::{Error, ErrorCategory, ErrorCode};
use serde_json::json;
use std::fmt;
use std::time::Duration;

/// An API error: a [`canhgiac_core::Error`] and, rarely, an HTTP status that overrides the one its
/// category maps to.
#[derive(Debug, Clone)]
pub struct ApiError {
    error: Error,
    status: Option<StatusCode>,
}

/// Marks a response whose body is already in the API's error shape, and says which code it carries.
///
/// The request log reads it (the code only, never the message, which may echo input), and the
/// layer that turns axum's and tower-http's plain-text errors into JSON leaves such responses alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCodeExtension(pub ErrorCode);

/// The HTTP status for an error category.
pub fn status_for(category: ErrorCategory) -> StatusCode {
    match category {
        ErrorCategory::InvalidRequest => StatusCode::BAD_REQUEST,
        ErrorCategory::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCategory::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCategory::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCategory::Authentication => StatusCode::UNAUTHORIZED,
        ErrorCategory::Authorization => StatusCode::FORBIDDEN,
        ErrorCategory::NotFound => StatusCode::NOT_FOUND,
        ErrorCategory::Conflict => StatusCode::CONFLICT,
        ErrorCategory::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCategory::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCategory::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn new(error: Error) -> Self {
        ApiError { error, status: None }
    }

    /// Answers with `status` instead of the one the category maps to.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    pub fn error(&self) -> &Error {
        &self.error
    }

    pub fn code(&self) -> ErrorCode {
        self.error.code
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| status_for(self.error.category()))
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidRequest, message).into()
    }

    pub fn not_found() -> Self {
        Error::new(ErrorCode::NotFound, "no such route").into()
    }

    pub fn method_not_allowed() -> Self {
        Error::new(ErrorCode::MethodNotAllowed, "this method is not allowed on this route").into()
    }

    pub fn unsupported_media_type() -> Self {
        Error::new(ErrorCode::UnsupportedMediaType, "expected a JSON body with `Content-Type: application/json`").into()
    }

    pub fn payload_too_large() -> Self {
        Error::new(ErrorCode::PayloadTooLarge, "the request body is larger than the server accepts").into()
    }

    pub fn timeout(limit: Duration) -> Self {
        Error::new(ErrorCode::Unavailable, format!("the request took longer than {} s", limit.as_secs_f64())).into()
    }

    pub fn internal() -> Self {
        Error::new(ErrorCode::Internal, "internal error").into()
    }

    /// The error for a bare status that something other than a handler answered with (axum's
    /// router, a tower-http layer). Keeps the status.
    pub fn from_status(status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("error").to_ascii_lowercase();
        let error = match status {
            StatusCode::NOT_FOUND => return ApiError::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => return ApiError::method_not_allowed(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => return ApiError::unsupported_media_type(),
            StatusCode::PAYLOAD_TOO_LARGE => return ApiError::payload_too_large(),
            StatusCode::UNAUTHORIZED => Error::new(ErrorCode::Unauthenticated, reason),
            StatusCode::FORBIDDEN => Error::new(ErrorCode::Forbidden, reason),
            StatusCode::CONFLICT => Error::new(ErrorCode::Conflict, reason),
            StatusCode::TOO_MANY_REQUESTS => Error::new(ErrorCode::RateLimited, reason),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT | StatusCode::REQUEST_TIMEOUT => {
                Error::new(ErrorCode::Unavailable, reason)
            }
            s if s.is_client_error() => Error::new(ErrorCode::InvalidRequest, reason),
            _ => Error::new(ErrorCode::Internal, reason),
        };
        ApiError::new(error).with_status(status)
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "code": self.error.code.as_str(),
            "message": self.error.message,
            "message_vi": self.error.code.summary_vi(),
            "field": self.error.field,
            "type": self.error.category(),
        })
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError::new(error)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error.code, self.error.message)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        response.extensions_mut().insert(ErrorCodeExtension(self.error.code));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_to_a_status_and_a_full_body() {
        for &code in ErrorCode::ALL {
            let err = ApiError::from(Error::new(code, "m"));
            let status = err.status();
            assert!(status.is_client_error() || status.is_server_error(), "{code}: {status}");
            let body = err.body();
            assert_eq!(body["code"], code.as_str());
            assert_eq!(body["message_vi"], code.summary_vi());
            assert!(body["field"].is_null());
            assert_eq!(body["type"], serde_json::to_value(code.category()).unwrap());
        }
    }

    #[test]
    fn categories_map_to_the_documented_statuses() {
        let cases = [
            (ErrorCode::InvalidPhone, 400),
            (ErrorCode::PayloadTooLarge, 413),
            (ErrorCode::Unauthenticated, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::Unavailable, 503),
            (ErrorCode::Internal, 500),
        ];
        for (code, status) in cases {
            assert_eq!(ApiError::from(Error::new(code, "m")).status().as_u16(), status, "{code}");
        }
    }

    #[test]
    fn from_status_keeps_the_status() {
        for s in [400u16, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(s).unwrap();
            assert_eq!(ApiError::from_status(status).status(), status);
        }
    }
}
