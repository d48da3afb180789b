//! The portal's static files, compiled into the binary: no CDN, no download at run time.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canhgiac_core::ErrorCode;
use canhgiac_server::ErrorCodeExtension;
use std::io::Write;
use std::sync::OnceLock;

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

/// Each asset compressed with gzip at the best level, made at its first request and kept (`None` when that does
/// not make it smaller): a phone on a slow connection gets the portal's script and style in a third of the bytes.
static GZIPPED: [OnceLock<Option<Vec<u8>>>; ASSETS.len()] = [const { OnceLock::new() }; ASSETS.len()];

/// `GET /static/{path}`.
pub async fn asset(Path(path): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(position) = ASSETS.iter().position(|(name, _, _)| *name == path) else {
        let mut response = (StatusCode::NOT_FOUND, "not found").into_response();
        response.extensions_mut().insert(ErrorCodeExtension(ErrorCode::NotFound));
        return response;
    };
    let (_, content_type, bytes) = ASSETS[position];
    let gzipped = match GZIPPED[position].get() {
        Some(gzipped) => gzipped,
        // The first request compresses it, off the request threads (the Swagger UI script takes about 70 ms).
        None => {
            let made = tokio::task::spawn_blocking(move || GZIPPED[position].get_or_init(|| gzip(bytes))).await;
            made.unwrap_or(&None)
        }
    };
    let mut response = match gzipped {
        Some(gzipped) if accepts_gzip(&request_headers) => {
            let mut response = gzipped.as_slice().into_response();
            response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        }
        _ => bytes.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Not fingerprinted: an hour, so a new version reaches phones the same day.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    if gzipped.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    let gzipped = encoder.finish().ok()?;
    (gzipped.len() < bytes.len()).then_some(gzipped)
}

/// Whether `Accept-Encoding` allows gzip: named (or as `x-gzip`) with a weight above zero, or not named and
/// allowed by `*`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut named = None;
    let mut any = None;
    for item in
        headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let weight = parts
            .filter_map(|parameter| {
                let (name, value) = parameter.split_once('=')?;
                name.trim().eq_ignore_ascii_case("q").then(|| value.trim().parse::<f32>().unwrap_or(0.0))
            })
            .next_back()
            .unwrap_or(1.0);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            named = Some(weight > 0.0);
        } else if coding == "*" {
            any = Some(weight > 0.0);
        }
    }
    named.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        accepts_gzip(&headers)
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let table = [
            ("gzip", true),
            ("gzip, deflate, br, zstd", true),
            ("br;q=1.0, GZIP;q=0.5", true),
            ("x-gzip", true),
            ("*", true),
            ("br", false),
            ("identity", false),
            ("gzip;q=0", false),
            ("gzip; q=0.000", false),
            ("gzip;q=0, *", false),
            ("*;q=0", false),
            ("br, *;q=0.1", true),
            ("gzip;q=nonsense", false),
            ("", false),
        ];
        for (value, expected) in table {
            assert_eq!(accepts(value), expected, "{value:?}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn every_text_asset_is_smaller_gzipped_and_decompresses_to_itself() {
        for (name, content_type, bytes) in ASSETS {
            let Some(gzipped) = gzip(bytes) else {
                assert!(content_type.starts_with("image/"), "{name} did not shrink");
                continue;
            };
            let mut decoded = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzipped.as_slice()), &mut decoded).unwrap();
            assert_eq!(&decoded, bytes, "{name}");
        }
    }
}
