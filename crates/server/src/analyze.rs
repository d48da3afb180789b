//! `POST /v1/analyze {text, sender?, channel?}`: is this message a scam? The analysis comes from the message
//! analyzer, with every contact in the message checked against the in-memory reputation index.

use crate::AppState;
use crate::error::ApiError;
use crate::intake::now_millis;
use crate::json::ApiJson;
use axum::Json;
use axum::extract::State;
use canhgiac_analyzer::analyze::{Analysis, Analyzer, Channel, Message, Scratch};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    text: String,
    #[serde(default)]
    sender: Option<String>,
    #[serde(default)]
    channel: Option<String>,
}

pub async fn analyze(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<AnalyzeRequest>,
) -> Result<Json<Analysis>, ApiError> {
    let channel = Channel::parse_optional(request.channel.as_deref())?;
    let message = Message { text: &request.text, sender: request.sender.as_deref(), channel, sender_kind: None };
    // Each worker thread keeps its buffers from one message to the next.
    thread_local! {
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::new());
    }
    let analysis = SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        Analyzer::shipped().analyze_with(&message, Some(state.index()), now_millis(), &mut scratch)
    })?;
    crate::metrics::record_analyze_verdict(analysis.verdict);
    Ok(Json(analysis))
}
