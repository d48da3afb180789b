//! Appeals over HTTP: anyone whose contact is listed or reported by mistake appeals (`POST /v1/appeals`);
//! police, government and platform analysts read and decide them (`/v1/partner/appeals`). An upheld appeal sets
//! aside every earlier signal about the contact; the index follows at once.

use crate::AppState;
use crate::error::ApiError;
use crate::json::ApiJson;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canhgiac_core::access::Principal;
use canhgiac_core::{Error, detect};
use canhgiac_store::{AppealRecord, AppealStatus};
use serde::Deserialize;
use serde_json::{Value, json};

fn rfc3339(at: Option<i64>) -> Value {
    at.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()).map_or(Value::Null, |t| Value::from(t.to_string()))
}

/// What the appellant sees: no decider's name.
fn public_view(appeal: &AppealRecord) -> Value {
    json!({
        "id": appeal.id,
        "kind": appeal.kind.as_str(),
        "canonical": appeal.canonical,
        "state": appeal.state.as_str(),
        "submitted_at": rfc3339(Some(appeal.submitted_at)),
        "decided_at": rfc3339(appeal.decided_at),
    })
}

fn partner_view(appeal: &AppealRecord) -> Value {
    let mut view = public_view(appeal);
    view["reason"] = Value::from(appeal.reason.clone());
    view["decided_by"] = appeal.decided_by.clone().map_or(Value::Null, Value::from);
    view["decision_reason"] = appeal.decision_reason.clone().map_or(Value::Null, Value::from);
    view
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    value: String,
    reason: String,
}

/// `POST /v1/appeals {"value", "reason"}`: 201 with the appeal, pending.
pub async fn submit_appeal(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<AppealRequest>,
) -> Result<Response, ApiError> {
    let appeal = state.intake()?.submit_appeal(state.index(), &request.value, &request.reason).await?;
    Ok((StatusCode::CREATED, Json(public_view(&appeal))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AppealQuery {
    state: Option<String>,
    contact: Option<String>,
}

/// `GET /v1/partner/appeals[?state=pending][&contact=...]`, oldest first.
pub async fn list_appeals(
    State(state): State<AppState>,
    query: Result<Query<AppealQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::invalid_request(rejection.body_text()))?;
    let wanted: Option<AppealStatus> = query.state.as_deref().map(str::parse).transpose()?;
    let contact = query
        .contact
        .as_deref()
        .map(|c| detect(c).map(|i| i.canonical()).map_err(|e| e.with_field("contact")))
        .transpose()?;
    let appeals = state.intake()?.store().appeals(contact.as_deref()).await?;
    let views: Vec<Value> = appeals.iter().filter(|a| wanted.is_none_or(|w| a.state == w)).map(partner_view).collect();
    Ok(Json(json!({ "appeals": views })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `upheld` or `rejected`.
    decision: String,
    reason: String,
}

/// `POST /v1/partner/appeals/{id}/decision {"decision": "upheld"|"rejected", "reason"}`.
pub async fn decide_appeal(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<Json<Value>, ApiError> {
    let upheld = match request.decision.trim() {
        "upheld" => true,
        "rejected" => false,
        _ => {
            return Err(Error::new(canhgiac_core::ErrorCode::InvalidValue, "the decision is upheld or rejected")
                .with_field("decision")
                .into());
        }
    };
    let decided = state.intake()?.decide_appeal(&principal, &id, upheld, &request.reason).await?;
    Ok(Json(partner_view(&decided)))
}
