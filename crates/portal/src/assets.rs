//! The portal's static files, compiled into the binary: no CDN, no download at run time.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canhgiac_core::ErrorCode;
use canhgiac_server::ErrorCodeExtension;

/// `(path under /static/, content type, bytes)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("portal.css", "text/css; charset=utf-8", include_bytes!("../assets/portal.css")),
    ("portal.js", "text/javascript; charset=utf-8", include_bytes!("../assets/portal.js")),
    ("icon.svg", "image/svg+xml", include_bytes!("../assets/icon.svg")),
    ("docs-init.js", "text/javascript; charset=utf-8", include_bytes!("../assets/docs-init.js")),
    (
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/swagger-ui/swagger-ui-bundle.js"),
    ),
    (
        "vendor/swagger-ui/swagger-ui.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/vendor/swagger-ui/swagger-ui.css"),
    ),
];

/// `GET /static/{path}`.
pub async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, bytes)) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            // Not fingerprinted: an hour, so a new version reaches phones the same day.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            response
        }
        None => {
            let mut response = (StatusCode::NOT_FOUND, "not found").into_response();
            response.extensions_mut().insert(ErrorCodeExtension(ErrorCode::NotFound));
            response
        }
    }
}
