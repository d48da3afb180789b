//! The portal's pages through the whole router (API routes, middleware, portal): rendering in both languages,
//! the security headers, CSRF refusals that store nothing, the report form without JavaScript, tracking with
//! the narrative shown as text, rate limits, QR pictures decoded on the server, the search's routing, and hostile
//! values in every form field and query (never a 5xx; a refused form names its field).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use canhgiac_portal::{PortalConfig, PortalLimits, routes_with};
use canhgiac_server::platform::Platform;
use canhgiac_server::{App, AppState, HttpLimits, app_with};
use std::io::Cursor;
use std::time::Duration;
use tower::ServiceExt;

struct Portal {
    app: App,
    state: AppState,
    _directory: tempfile::TempDir,
}

async fn portal(limits: PortalLimits) -> Portal {
    let directory = tempfile::tempdir().unwrap();
    let platform = Platform::open(directory.path(), None).await.unwrap();
    let state = AppState::with_intake(directory.path(), HttpLimits::default(), platform.intake(Default::default()));
    let app = app_with(state.clone(), routes_with(&state, PortalConfig { limits, behind_proxy: false }));
    Portal { app, state, _directory: directory }
}

async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The visitor's cookies and CSRF token, as a browser would hold them after a first page.
struct Browser {
    cookies: String,
    token: String,
}

impl Portal {
    async fn send(&self, request: Request<Body>) -> Response {
        self.app.clone().oneshot(request).await.unwrap()
    }

    async fn get(&self, path: &str, cookies: &str) -> Response {
        self.send(Request::get(path).header(header::COOKIE, cookies).body(Body::empty()).unwrap()).await
    }

    async fn visit(&self, language: &str) -> Browser {
        let response = self.get("/", &format!("lang={language}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
        let token = cookie.split(';').next().unwrap().trim_start_matches("csrf=").to_string();
        assert_eq!(token.len(), 64);
        Browser { cookies: format!("lang={language}; csrf={token}"), token }
    }

    async fn post_form(&self, path: &str, browser: &Browser, fields: &[(&str, &str)]) -> Response {
        let body: String =
            fields.iter().map(|(key, value)| format!("{key}={}", percent_encode(value))).collect::<Vec<_>>().join("&");
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &browser.cookies)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn post_multipart(&self, path: &str, browser: &Browser, parts: &[(&str, Part)]) -> Response {
        let boundary = "canhgiac-test-boundary";
        let mut body = Vec::new();
        for (name, part) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match part {
                Part::Text(text) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                    );
                    body.extend_from_slice(text.as_bytes());
                }
                Part::File(file_name, bytes) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(bytes);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
                .header(header::COOKIE, &browser.cookies)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

enum Part {
    Text(String),
    File(&'static str, Vec<u8>),
}

fn text(value: &str) -> Part {
    Part::Text(value.to_string())
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The text between `<... id="ID"...>` and its closing tag (the first `<` after the opening tag's end).
fn element_text<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in the page"));
    let open_end = start + html[start..].find('>').unwrap() + 1;
    let close = open_end + html[open_end..].find("</").unwrap();
    &html[open_end..close]
}

/// A PNG of a QR code holding `payload`, 8 pixels a module, with the quiet zone.
fn qr_png(payload: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(payload.as_bytes()).unwrap();
    let width = code.width();
    let colors = code.to_colors();
    let (scale, quiet) = (8u32, 4u32);
    let side = (width as u32 + 2 * quiet) * scale;
    let picture = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale) as i64 - quiet as i64, (y / scale) as i64 - quiet as i64);
        let dark = mx >= 0
            && my >= 0
            && (mx as usize) < width
            && (my as usize) < width
            && colors[my as usize * width + mx as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    picture.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png
}

fn report_parts(browser: &Browser, narrative: &str) -> Vec<(&'static str, Part)> {
    vec![
        ("csrf", text(&browser.token)),
        ("submission_id", text("0123456789abcdef0123456789abcdef")),
        ("scam_type", text("task_scam")),
        ("narrative", text(narrative)),
        ("contacts", text("0912 000 111\nvietcombank-xacminh.com")),
        ("from_bank", text("VCB")),
        ("to_bank", text("BIDV")),
        ("to_account", text("21510001234567")),
        ("amount_vnd", text("15.000.000")),
        ("transfer_at", text("2026-11-20T09:30")),
        ("identity", text("anonymous")),
        ("consent", text("yes")),
        ("files", Part::File("", Vec::new())),
    ]
}

#[tokio::test]
async fn every_page_renders_in_both_languages_under_a_strict_policy() {
    let portal = portal(PortalLimits::default()).await;
    for (language, words) in [("vi", "Đây có phải lừa đảo?"), ("en", "Is this a scam?")] {
        for path in
            ["/", "/analyze", "/qr", "/report", "/track", "/scams", "/scams/task_scam", "/docs", "/check?q=0912000111"]
        {
            let response = portal.get(path, &format!("lang={language}")).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let policy = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));
            assert_eq!(response.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            let html = body_text(response).await;
            assert!(html.contains(&format!("<html lang=\"{language}\">")), "{path}");
            assert!(html.contains("<main id=\"main\""), "{path}");
            assert!(!html.contains("<script>") && !html.contains(" style=\""), "{path}: no inline script or style");
            if path == "/" {
                assert!(html.contains(words));
                assert!(html.contains("113") && html.contains("156") && html.contains("5656"));
            }
        }
    }
    let css = portal.get("/static/portal.css", "").await;
    assert_eq!(css.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
    // A page that is not there is a page, not the API's JSON.
    let missing = portal.get("/scams/no_such_scam", "").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(body_text(missing).await.contains("id=\"form-error\""));
}

#[tokio::test]
async fn the_home_page_weighs_under_100_kb_with_its_assets() {
    let portal = portal(PortalLimits::default()).await;
    let mut total = body_text(portal.get("/", "").await).await.len();
    for asset in ["/static/portal.css", "/static/portal.js", "/static/icon.svg"] {
        total += body_text(portal.get(asset, "").await).await.len();
    }
    assert!(total <= 100 * 1024, "home page and its assets: {total} bytes");
}

/// A browser that accepts gzip gets the pages compressed as they are made and the static files gzipped once, each
/// the same once decompressed; one that does not gets them as they are.
#[tokio::test]
async fn pages_and_static_files_travel_compressed_to_browsers_that_accept_it() {
    let portal = portal(PortalLimits::default()).await;
    let fetch = |path: &'static str, accept: Option<&'static str>| {
        let mut request = Request::get(path);
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        portal.send(request.body(Body::empty()).unwrap())
    };
    let (mut plain_total, mut gzipped_total) = (0, 0);
    for path in ["/", "/scams", "/static/portal.css", "/static/portal.js", "/static/vendor/swagger-ui/swagger-ui.css"] {
        let plain = fetch(path, None).await;
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none(), "{path}");
        let plain = axum::body::to_bytes(plain.into_body(), 16 << 20).await.unwrap();

        let gzipped = fetch(path, Some("gzip, deflate, br, zstd")).await;
        let encoding = gzipped.headers()[header::CONTENT_ENCODING].to_str().unwrap().to_string();
        assert!(gzipped.headers()[header::VARY].to_str().unwrap().contains("accept-encoding"), "{path}");
        let bytes = axum::body::to_bytes(gzipped.into_body(), 16 << 20).await.unwrap();
        let decoded = match encoding.as_str() {
            "gzip" => {
                let mut decoded = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut decoded).unwrap();
                decoded
            }
            // Brotli is the better of the two for pages made per request; the static files come gzipped.
            "br" => {
                assert!(!path.starts_with("/static/"), "{path}");
                let mut decoded = Vec::new();
                std::io::Read::read_to_end(&mut brotli_decompressor::Decompressor::new(&bytes[..], 4096), &mut decoded)
                    .unwrap();
                decoded
            }
            other => panic!("{path}: {other}"),
        };
        if path.starts_with("/static/") {
            assert_eq!(decoded, plain, "{path}");
        } else {
            // A page carries its own form token: the same page, not the same bytes.
            assert!(String::from_utf8(decoded).unwrap().contains("</html>"), "{path}");
        }
        assert!(bytes.len() * 2 < plain.len(), "{path}: {} of {} bytes", bytes.len(), plain.len());
        if !path.contains("swagger") {
            plain_total += plain.len();
            gzipped_total += bytes.len();
        }
    }
    // The home page, the library and the portal's own style and script.
    assert!(gzipped_total * 3 < plain_total, "{gzipped_total} of {plain_total} bytes");

    let refused = fetch("/static/portal.css", Some("gzip;q=0")).await;
    assert!(refused.headers().get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn forms_without_the_visitors_token_are_refused_and_store_nothing() {
    let portal = portal(PortalLimits::default()).await;
    let browser = portal.visit("vi").await;
    let forged = Browser { cookies: browser.cookies.clone(), token: "0".repeat(64) };
    let response = portal.post_multipart("/report", &forged, &report_parts(&forged, "forged")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(body_text(response).await.contains("id=\"form-error\""));
    // No cookie at all (another site's form): refused too.
    let no_cookie = Browser { cookies: String::new(), token: browser.token.clone() };
    let response = portal.post_form("/search", &no_cookie, &[("csrf", &browser.token), ("q", "0912000111")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A request another site's page made, even with the cookie the browser attached.
    let mut request = Request::post("/search")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &browser.cookies)
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(format!("csrf={}&q=0912000111", browser.token)))
        .unwrap();
    request.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    assert_eq!(portal.send(request).await.status(), StatusCode::FORBIDDEN);
    let store = portal.state.intake().unwrap().store().clone();
    assert_eq!(store.count_reports().await.unwrap(), 0);
}

#[tokio::test]
async fn a_report_without_javascript_is_stored_and_tracked_with_its_words_shown_as_text() {
    let portal = portal(PortalLimits::default()).await;
    let browser = portal.visit("vi").await;
    let narrative = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> Họ bảo làm nhiệm vụ";
    let mut parts = report_parts(&browser, narrative);
    let png = qr_png("evidence");
    parts.push(("files", Part::File("evidence.png", png)));
    let response = portal.post_multipart("/report", &browser, &parts).await;
    assert_eq!(response.status(), StatusCode::OK);
    let receipt = body_text(response).await;
    let code = element_text(&receipt, "tracking-code").to_string();
    let secret = element_text(&receipt, "tracking-secret").to_string();
    assert!(code.starts_with("CG-"), "{code}");
    assert!(receipt.contains("Vietcombank") && receipt.contains("1900 54 54 13"), "the payer bank's hotline");

    // The same filling of the form sent twice (a double click) stores one report.
    let again = portal.post_multipart("/report", &browser, &parts).await;
    assert_eq!(again.status(), StatusCode::OK);
    let store = portal.state.intake().unwrap().store().clone();
    assert_eq!(store.count_reports().await.unwrap(), 1);

    let tracked =
        portal.post_form("/track", &browser, &[("csrf", &browser.token), ("code", &code), ("secret", &secret)]).await;
    assert_eq!(tracked.status(), StatusCode::OK);
    let page = body_text(tracked).await;
    assert!(page.contains("data-status=\"received\""));
    let shown = element_text(&page, "narrative");
    assert!(shown.contains("&#60;script&#62;window.__xss=1&#60;/script&#62;"), "{shown}");
    assert!(!page.contains("<script>window") && !page.contains("<img src=x"));
    assert!(page.contains("id=\"status-history\""));

    let wrong =
        portal.post_form("/track", &browser, &[("csrf", &browser.token), ("code", &code), ("secret", "wrong")]).await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    assert!(body_text(wrong).await.contains("id=\"form-error\""));
}

#[tokio::test]
async fn dates_and_amounts_typed_as_text_are_read_and_one_that_is_not_says_how_to_write_it() {
    let portal = portal(PortalLimits::default()).await;
    let browser = portal.visit("vi").await;
    // A phone's browser without a date picker: the reporter types "tuần trước" (last week), which says no day.
    let mut parts = report_parts(&browser, "Họ bảo làm nhiệm vụ");
    parts.retain(|(name, _)| *name != "transfer_at");
    parts.push(("transfer_at", text("tuần trước")));
    let response = portal.post_multipart("/report", &browser, &parts).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(page.contains("href=\"#transfer_at\""), "the error links to the field");
    assert!(page.contains("Ghi ngày theo ngày/tháng/năm (20/11/2026)"), "and says how to write a date");
    assert_eq!(portal.state.intake().unwrap().store().count_reports().await.unwrap(), 0);

    parts.retain(|(name, _)| !matches!(*name, "transfer_at" | "amount_vnd"));
    parts.push(("transfer_at", text("20/11/2026 9h30")));
    parts.push(("amount_vnd", text("15tr5")));
    let response = portal.post_multipart("/report", &browser, &parts).await;
    assert_eq!(response.status(), StatusCode::OK);
    let receipt = body_text(response).await;
    let (code, secret) = (element_text(&receipt, "tracking-code"), element_text(&receipt, "tracking-secret"));
    // The secret copied by hand from a note: in capitals, in groups.
    let copied = format!("{} {}", secret[..13].to_uppercase(), &secret[13..]);
    let tracked =
        portal.post_form("/track", &browser, &[("csrf", &browser.token), ("code", code), ("secret", &copied)]).await;
    assert_eq!(tracked.status(), StatusCode::OK);
    let store = portal.state.intake().unwrap().store().clone();
    let report = store.report_by_tracking_code(code).await.unwrap().unwrap();
    let transfer = &report.transfers[0];
    assert_eq!(transfer.amount_vnd, 15_500_000);
    assert_eq!(transfer.at, Some(1_795_141_800_000), "20/11/2026 09:30 in Vietnam's time");
}

#[tokio::test]
async fn a_refused_report_shows_the_form_again_with_the_field_named() {
    let portal = portal(PortalLimits::default()).await;
    let browser = portal.visit("en").await;
    let mut parts = report_parts(&browser, "They called me");
    parts.retain(|(name, _)| *name != "to_account");
    parts.push(("to_account", text("12")));
    let response = portal.post_multipart("/report", &browser, &parts).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(page.contains("id=\"form-error\""));
    assert!(page.contains("href=\"#to_account\""), "the error links to the field");
    assert!(page.contains("id=\"to_account\" name=\"to_account\" type=\"text\" inputmode=\"numeric\" maxlength=\"40\" value=\"12\" aria-invalid=\"true\""));
    assert!(page.contains("They called me"), "what was typed is kept");
}

#[tokio::test]
async fn submissions_and_uploads_are_rate_limited_per_client() {
    let limits = PortalLimits { reports: 2, uploads: 1, lookups: 1, window: Duration::from_secs(600) };
    let portal = portal(limits).await;
    let browser = portal.visit("vi").await;
    for n in 0..2 {
        let mut parts = report_parts(&browser, "report");
        parts[1] = ("submission_id", text(&format!("{n:032x}")));
        assert_eq!(portal.post_multipart("/report", &browser, &parts).await.status(), StatusCode::OK);
    }
    let over = portal.post_multipart("/report", &browser, &report_parts(&browser, "one more")).await;
    assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(over.headers().contains_key(header::RETRY_AFTER));
    let parts = [("csrf", text(&browser.token)), ("image", Part::File("qr.png", qr_png("hello")))];
    assert_eq!(portal.post_multipart("/qr", &browser, &parts).await.status(), StatusCode::OK);
    assert_eq!(portal.post_multipart("/qr", &browser, &parts).await.status(), StatusCode::TOO_MANY_REQUESTS);
    let store = portal.state.intake().unwrap().store().clone();
    assert_eq!(store.count_reports().await.unwrap(), 2);
}

#[tokio::test]
async fn a_payment_qr_code_is_decoded_on_the_server_and_its_account_checked() {
    let portal = portal(PortalLimits::default()).await;
    let browser = portal.visit("vi").await;
    let payload = canhgiac_core::identifier::encode_napas("970436", "1234567890", Some(2_500_000), Some("chuyen tien"));
    let parts = [("csrf", text(&browser.token)), ("image", Part::File("qr.png", qr_png(&payload)))];
    let response = portal.post_multipart("/qr", &browser, &parts).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = body_text(response).await;
    assert!(element_text(&page, "qr-payload").contains("1234567890"));
    assert!(page.contains("Vietcombank") && page.contains("2.500.000"), "bank and amount in Vietnamese style");
    assert!(page.contains("data-verdict=\"no_data\""));

    let not_a_picture = [("csrf", text(&browser.token)), ("image", Part::File("a.png", b"plain text".to_vec()))];
    let response = portal.post_multipart("/qr", &browser, &not_a_picture).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response).await.contains("id=\"form-error\""));

    let too_large = vec![0u8; canhgiac_portal::qr::MAX_QR_FILE_BYTES + 1];
    let parts = [("csrf", text(&browser.token)), ("image", Part::File("big.png", too_large))];
    assert_eq!(portal.post_multipart("/qr", &browser, &parts).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_search_goes_to_a_check_for_a_contact_and_to_an_analysis_for_a_message() {
    let portal = portal(PortalLimits::default()).await;
    let browser = portal.visit("vi").await;
    let response = portal.post_form("/search", &browser, &[("csrf", &browser.token), ("q", "0912 345 678")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/check?q=%2B84912345678");
    let message = "Vietcombank thong bao: tai khoan cua quy khach bi tam khoa. Vui long xac thuc tai https://vietcombank-xacminh.com/login truoc 24h";
    let response = portal.post_form("/search", &browser, &[("csrf", &browser.token), ("q", message)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = body_text(response).await;
    assert!(page.contains("id=\"message-verdict\""));
    assert!(page.contains("<mark class=\"flag\""), "red flags highlighted");
    assert!(page.contains("id=\"contacts\""));
    let response = portal.post_form("/search", &browser, &[("csrf", &browser.token), ("q", "hello")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response).await.contains("id=\"form-error\""));
}

#[tokio::test]
async fn the_language_switch_is_remembered_and_never_leaves_the_site() {
    let portal = portal(PortalLimits::default()).await;
    let response = portal.get("/lang?to=en&back=%2Fscams", "").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/scams");
    assert!(response.headers()[header::SET_COOKIE].to_str().unwrap().starts_with("lang=en;"));
    let response = portal.get("/lang?to=vi&back=https%3A%2F%2Fevil.example", "").await;
    assert_eq!(response.headers()[header::LOCATION], "/");
}

#[tokio::test]
async fn a_browser_lost_outside_the_api_gets_a_page_and_a_client_of_the_api_gets_json() {
    let portal = portal(PortalLimits::default()).await;
    let page = portal
        .send(Request::get("/no-such-page").header(header::ACCEPT, "text/html,*/*").body(Body::empty()).unwrap())
        .await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(body_text(page).await.contains("href=\"/\""));
    let api = portal
        .send(Request::get("/v1/no-such-route").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap())
        .await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(body_text(api).await.contains("\"code\":\"not_found\""));
}

#[tokio::test]
async fn the_money_trail_takes_several_transfers_without_javascript() {
    let portal = portal(PortalLimits::default()).await;
    let browser = portal.visit("vi").await;
    // "Add another transfer" sends the form back with one more row and stores nothing.
    let mut parts = report_parts(&browser, "Họ bảo nộp thêm tiền để rút lãi");
    parts.push(("action", text("add_transfer")));
    let response = portal.post_multipart("/report", &browser, &parts).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = body_text(response).await;
    assert!(page.contains("id=\"to_account-2\""), "a second row");
    assert!(page.contains("value=\"21510001234567\""), "the first row kept");
    let store = portal.state.intake().unwrap().store().clone();
    assert_eq!(store.count_reports().await.unwrap(), 0);

    // Two rows sent: two transfers stored, both payer banks' hotlines given.
    let mut parts = report_parts(&browser, "Họ bảo nộp thêm tiền để rút lãi");
    parts.retain(|(name, _)| *name != "files");
    for (name, value) in [
        ("from_bank", "BIDV"),
        ("from_account", "21510009876543"),
        ("to_bank", "MB"),
        ("to_account", "0981234567"),
        ("amount_vnd", "30.000.000"),
        ("transfer_at", "2026-11-21T10:00"),
    ] {
        parts.push((name, text(value)));
    }
    let response = portal.post_multipart("/report", &browser, &parts).await;
    assert_eq!(response.status(), StatusCode::OK);
    let receipt = body_text(response).await;
    assert!(receipt.contains("1900 54 54 13") && receipt.contains("1900 9247"), "Vietcombank's and BIDV's hotlines");
    let reports = store.reports(&canhgiac_store::ReportFilter { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(reports[0].transfers.len(), 2);
}

/// Values put in place of a form field: empty, long, control and astral characters, markup, injection attempts,
/// numbers no field could mean, dates that are none.
fn hostile_form_values() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "x".repeat(20_000),
        "\u{0}\u{1b}[31m\u{200b}".into(),
        "𝕏🙂".repeat(40),
        "' OR 1=1 --".into(),
        "<script>alert(1)</script>".into(),
        "9".repeat(400),
        "18446744073709551616".into(),
        "-1".into(),
        "1e308".into(),
        "2026-13-45T99:99:99".into(),
        "31/02/2026 25:61".into(),
        "%00".into(),
    ]
}

#[tokio::test]
async fn every_form_field_takes_hostile_values_without_failing_and_refusals_name_the_field() {
    let many = PortalLimits { reports: 10_000, uploads: 10_000, lookups: 10_000, window: Duration::from_secs(600) };
    let portal = portal(many).await;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut problems = Vec::new();
    for language in ["vi", "en"] {
        let browser = portal.visit(language).await;
        // The report form: every field the page has, one at a time.
        let base = report_parts(&browser, "Họ gọi tự xưng công an, bắt chuyển tiền vào tài khoản tạm giữ.");
        let names: Vec<&str> =
            base.iter().map(|(name, _)| *name).filter(|name| !matches!(*name, "csrf" | "files")).collect();
        let mut cases = 0usize;
        for name in names.iter().copied().chain([
            "occurred_at",
            "loss_vnd",
            "province",
            "reporter_name",
            "reporter_phone",
            "reporter_email",
            "from_account",
        ]) {
            for value in hostile_form_values() {
                cases += 1;
                let mut parts: Vec<(&str, Part)> = Vec::new();
                for (other, part) in
                    report_parts(&browser, "Họ gọi tự xưng công an, bắt chuyển tiền vào tài khoản tạm giữ.")
                {
                    if other == name {
                        continue;
                    }
                    let part = match (other, part) {
                        ("submission_id", _) => text(&format!("{cases:032x}")),
                        (_, part) => part,
                    };
                    parts.push((other, part));
                }
                if name == "reporter_name" || name == "reporter_phone" || name == "reporter_email" {
                    parts.retain(|(other, _)| *other != "identity");
                    parts.push(("identity", text("named")));
                }
                parts.push((name, text(&value)));
                let response = portal.post_multipart("/report", &browser, &parts).await;
                let status = response.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                let page = body_text(response).await;
                if status >= 500 {
                    problems.push(format!("/report {name}={value:.40?}: {status}"));
                } else if status >= 400 && !page.contains("id=\"form-error\"") {
                    problems.push(format!("/report {name}={value:.40?}: {status} without the form's error"));
                }
            }
        }
        // The small forms.
        for (path, fields) in
            [("/search", &["q"][..]), ("/analyze", &["text"][..]), ("/track", &["code", "secret"][..])]
        {
            for name in fields {
                for value in hostile_form_values() {
                    let mut sent: Vec<(&str, &str)> = vec![("csrf", &browser.token)];
                    sent.extend(fields.iter().filter(|other| *other != name).map(|other| (*other, "x")));
                    sent.push((name, &value));
                    let response = portal.post_form(path, &browser, &sent).await;
                    let status = response.status().as_u16();
                    *statuses.entry(status).or_default() += 1;
                    if status >= 500 {
                        problems.push(format!("{path} {name}={value:.40?}: {status}"));
                    }
                }
            }
        }
        // Pages read from the query and the path.
        for value in hostile_form_values() {
            let encoded = percent_encode(&value);
            for path in [
                format!("/check?q={encoded}"),
                format!("/scams/{encoded}"),
                format!("/lang?to={encoded}&back={encoded}"),
                format!("/report?contact={encoded}&scam_type={encoded}"),
            ] {
                let response = portal.get(&path, &browser.cookies).await;
                let status = response.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                if status >= 500 {
                    problems.push(format!("GET {path:.60}: {status}"));
                }
            }
        }
    }
    eprintln!("answers by status: {statuses:?}");
    assert!(problems.is_empty(), "{} answers broke the rules:\n{}", problems.len(), problems.join("\n"));
    assert!(statuses.get(&422).copied().unwrap_or(0) > 50, "the report form refused hostile values: {statuses:?}");
}
