//! Voice calls: the call records (`calls`, needs `menu.calls`; only your own calls without
//! `calls.all`), the softphone bar's call (`myCall`) and its controls (hold, resume,
//! transfer, consult and attended transfer, hang up: `menu.desk`, and the SIP server checks
//! that you are the agent connected, or the one consulted),
//! calling a customer out (`dial`, click to dial: `menu.desk`),
//! and the recordings over HTTP: `GET /api/calls/recordings/{id}` as a stereo WAV file
//! (`call.recordings`), with the session cookie or a bearer token.
//!
//! The caller's number is in the read model as the log has it, sealed with the caller's key:
//! it is opened here, per answer, so a forgotten caller (key destroyed) shows no number.

use async_graphql::{Context, Enum, Object, SimpleObject};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use hotline_command_api::rest::session_from_headers;
use hotline_command_api::{ApiError, Session};
use hotline_infra::keys;
use hotline_infra::recordings::{RecordingStore, Tracks};
use hotline_projections::calls::{
    self as read_model, CallRowStatus, CallView, ConsultStatus as ConsultRowStatus, MAX_CALLS_PER_PAGE,
};
use uuid::Uuid;

use crate::chat::catch_up_read_models;
use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::read_model_error;
use crate::schema::{CallControlError, CallInstruction, GraphqlState, session};

/// Opens the call records page.
pub const MENU_PERMISSION: &str = "menu.calls";
/// Every agent's calls, not only your own.
pub const ALL_CALLS_PERMISSION: &str = "calls.all";
/// Listening to and downloading recordings.
pub const RECORDINGS_PERMISSION: &str = "call.recordings";
/// Steering your own call from the softphone bar.
pub const CONTROL_PERMISSION: &str = "menu.desk";

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CallStatus {
    Waiting,
    Ringing,
    /// Outbound: the agent is on the line and the customer's phone rings.
    Dialing,
    Connected,
    Held,
    Ended,
}

impl From<CallRowStatus> for CallStatus {
    fn from(status: CallRowStatus) -> Self {
        match status {
            CallRowStatus::Waiting => CallStatus::Waiting,
            CallRowStatus::Ringing => CallStatus::Ringing,
            CallRowStatus::Dialing => CallStatus::Dialing,
            CallRowStatus::Connected => CallStatus::Connected,
            CallRowStatus::Held => CallStatus::Held,
            CallRowStatus::Ended => CallStatus::Ended,
        }
    }
}

/// Where a consultation is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ConsultStatus {
    /// The consulted agent's phone rings.
    Ringing,
    /// The two agents talk; the caller is held.
    Connected,
}

impl From<ConsultRowStatus> for ConsultStatus {
    fn from(status: ConsultRowStatus) -> Self {
        match status {
            ConsultRowStatus::Ringing => ConsultStatus::Ringing,
            ConsultRowStatus::Connected => ConsultStatus::Connected,
        }
    }
}

/// Who called whom.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CallDirection {
    /// A customer called in through a trunk.
    Inbound,
    /// An agent called a customer out (click to dial).
    Outbound,
}

/// A voice call.
#[derive(SimpleObject, Clone)]
pub struct CallRecord {
    pub id: Uuid,
    pub status: CallStatus,
    pub direction: CallDirection,
    /// The number the caller dialled; on an outbound call, our number the customer sees
    /// (empty when none is shown).
    pub access_number: String,
    /// The caller's number (inbound calls); null when the caller was forgotten.
    pub caller_number: Option<String>,
    /// The number an agent called (outbound calls); null when the customer was forgotten.
    pub dialed_number: Option<String>,
    /// The queue the call waits or waited in; null on an outbound call.
    pub queue_id: Option<Uuid>,
    /// The agent connected now, or the last one connected.
    pub agent_id: Option<Uuid>,
    /// The agent whose phone rings, while it rings.
    pub ringing_agent_id: Option<Uuid>,
    /// The agent consulted, while a consultation is in progress (`agentId` consults them).
    pub consult_agent_id: Option<Uuid>,
    pub consult_status: Option<ConsultStatus>,
    pub arrived_at: DateTime<Utc>,
    /// The first answer.
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `caller_hung_up` (the customer hung up), `agent_hung_up`, `abandoned`, `failed` or
    /// `unanswered` (the number an agent called did not answer).
    pub end_cause: Option<String>,
    /// From arrival (or the dial) to the first answer (known once answered), or to the end.
    pub wait_seconds: Option<i32>,
    /// Connected time, holds included; known once ended.
    pub talk_seconds: Option<i32>,
    pub hold_seconds: Option<i32>,
    pub recording_id: Option<Uuid>,
    pub recording_seconds: Option<i32>,
}

/// Milliseconds as whole seconds, rounded.
fn seconds(ms: Option<u64>) -> Option<i32> {
    ms.map(|ms| i32::try_from(ms.saturating_add(500) / 1000).unwrap_or(i32::MAX))
}

/// The caller's number, opened with the caller's key; `None` once the key is destroyed.
async fn caller_number(state: &GraphqlState, view: &CallView) -> async_graphql::Result<Option<String>> {
    let key = state.customers.keys().get(view.tenant_id, view.caller.key_id).await.map_err(read_model_error)?;
    Ok(key
        .and_then(|key| keys::open(&key, &view.caller.ciphertext).ok())
        .and_then(|plain| String::from_utf8(plain).ok()))
}

async fn record(state: &GraphqlState, view: CallView) -> async_graphql::Result<CallRecord> {
    let customer_number = caller_number(state, &view).await?;
    let outbound = view.direction == hotline_domain::call::CallDirection::Outbound;
    let (caller_number, dialed_number) = if outbound { (None, customer_number) } else { (customer_number, None) };
    Ok(CallRecord {
        id: view.call_id,
        status: view.status.into(),
        direction: if outbound { CallDirection::Outbound } else { CallDirection::Inbound },
        access_number: view.access_number,
        caller_number,
        dialed_number,
        queue_id: view.queue_id,
        agent_id: view.agent_id,
        ringing_agent_id: view.ringing_agent_id,
        consult_agent_id: view.consult_agent_id,
        consult_status: view.consult_status.map(Into::into),
        arrived_at: view.arrived_at,
        answered_at: view.answered_at,
        ended_at: view.ended_at,
        end_cause: view.end_cause,
        wait_seconds: seconds(view.wait_ms),
        talk_seconds: seconds(view.talk_ms),
        hold_seconds: seconds(view.hold_ms),
        recording_id: view.recording_id,
        recording_seconds: seconds(view.recording_ms),
    })
}

fn call_not_found(call_id: Uuid) -> async_graphql::Error {
    graphql_error(ApiError::new(StatusCode::NOT_FOUND, "call.not_found", format!("no call {call_id}")))
}

/// The SIP server's refusal, with its code.
fn control_error(error: CallControlError) -> async_graphql::Error {
    let status = match error.code {
        "internal" => StatusCode::INTERNAL_SERVER_ERROR,
        code if code.ends_with(".not_found") => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    graphql_error(ApiError::new(status, error.code, error.message))
}

#[derive(Default)]
pub struct CallQuery;

#[Object]
impl CallQuery {
    /// Your call now: ringing on your phone, or connected to you (held or not), or one you
    /// are consulted on (`consultAgentId` is you); null otherwise. Any signed-in user (it is only ever their own call).
    async fn my_call(&self, context: &Context<'_>) -> async_graphql::Result<Option<CallRecord>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view = read_model::current_call_of_agent(&state.read_models, session.tenant_id, session.user_id)
            .await
            .map_err(read_model_error)?;
        match view {
            Some(view) => Ok(Some(record(state, view).await?)),
            None => Ok(None),
        }
    }

    /// Your tenant's calls, newest first by arrival; `before` pages back (calls that arrived
    /// before it). Needs `menu.calls`; without `calls.all`, only the calls you were (last)
    /// connected to.
    async fn calls(
        &self,
        context: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        before: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<CallRecord>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(MENU_PERMISSION).or_graphql_error()?;
        let limit = u32::try_from(first.unwrap_or(50))
            .ok()
            .filter(|first| (1..=MAX_CALLS_PER_PAGE).contains(first))
            .ok_or_else(|| {
                graphql_error(ApiError::invalid_command(format!("first must be 1 to {MAX_CALLS_PER_PAGE}")))
            })?;
        let agent_id = (!session.has(ALL_CALLS_PERMISSION)).then_some(session.user_id);
        let views = read_model::list_calls(&state.read_models, session.tenant_id, agent_id, before, limit)
            .await
            .map_err(read_model_error)?;
        let records = futures::future::join_all(views.into_iter().map(|view| record(state, view))).await;
        records.into_iter().collect()
    }
}

/// The call as the read model has it now, once the log's events are in.
async fn call_now(state: &GraphqlState, tenant_id: Uuid, call_id: Uuid) -> async_graphql::Result<CallRecord> {
    catch_up_read_models(state).await;
    let view = read_model::get_call(&state.read_models, tenant_id, call_id)
        .await
        .map_err(read_model_error)?
        .ok_or_else(|| call_not_found(call_id))?;
    record(state, view).await
}

/// Carries out an instruction on the caller's call and answers with the call once the read
/// model holds what it did.
async fn instruct(
    context: &Context<'_>,
    call_id: Uuid,
    instruction: CallInstruction,
) -> async_graphql::Result<CallRecord> {
    let (state, session): (&GraphqlState, &Session) = (context.data::<GraphqlState>()?, session(context)?);
    session.require(CONTROL_PERMISSION).or_graphql_error()?;
    state
        .call_control
        .instruct(session.tenant_id, call_id, session.user_id, instruction)
        .await
        .map_err(control_error)?;
    // The instruction's events are in the log once `instruct` returns.
    call_now(state, session.tenant_id, call_id).await
}

#[derive(Default)]
pub struct CallMutation;

#[Object]
impl CallMutation {
    /// Puts your call on hold (the caller hears music). Needs `menu.desk`; you must be the
    /// agent connected.
    async fn hold_call(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<CallRecord> {
        instruct(context, id, CallInstruction::Hold).await
    }

    /// Takes your call off hold. Needs `menu.desk`; you must be the agent connected.
    async fn resume_call(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<CallRecord> {
        instruct(context, id, CallInstruction::Resume).await
    }

    /// Hands your call on (a blind transfer): to another agent or to a queue, exactly one of
    /// them (else `call.invalid_transfer`). Your leg ends; the call waits for the target.
    /// Needs `menu.desk`; you must be the agent connected.
    async fn transfer_call(
        &self,
        context: &Context<'_>,
        id: Uuid,
        to_agent_id: Option<Uuid>,
        to_queue_id: Option<Uuid>,
    ) -> async_graphql::Result<CallRecord> {
        let instruction = match (to_agent_id, to_queue_id) {
            (Some(agent_id), None) => CallInstruction::TransferToAgent(agent_id),
            (None, Some(queue_id)) => CallInstruction::TransferToQueue(queue_id),
            _ => {
                return Err(graphql_error(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "call.invalid_transfer",
                    "give exactly one target: toAgentId or toQueueId",
                )));
            }
        };
        instruct(context, id, instruction).await
    }

    /// Consults another agent about your call (attended transfer, step one): the caller is
    /// held and hears music, the agent's desk phone rings; once they pick up, you talk. Then
    /// `completeTransfer` or `cancelConsult`. Needs `menu.desk`; you must be the agent
    /// connected. Errors: `call.agent_unavailable` (not available, or on a call),
    /// `call.no_phone` (no phone registered), `call.consult_self`, `call.consult_in_progress`.
    async fn consult_call(&self, context: &Context<'_>, id: Uuid, agent_id: Uuid) -> async_graphql::Result<CallRecord> {
        let (state, session): (&GraphqlState, &Session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(CONTROL_PERMISSION).or_graphql_error()?;
        let busy = read_model::current_call_of_agent(&state.read_models, session.tenant_id, agent_id)
            .await
            .map_err(read_model_error)?;
        if busy.is_some_and(|call| call.call_id != id) {
            return Err(graphql_error(ApiError::new(
                StatusCode::CONFLICT,
                "call.agent_unavailable",
                format!("agent {agent_id} is on a call"),
            )));
        }
        instruct(context, id, CallInstruction::Consult(agent_id)).await
    }

    /// Ends the consultation on your call and takes you back to the caller (off hold, unless
    /// you held them before consulting). Needs `menu.desk`. Error: `call.not_consulting`.
    async fn cancel_consult(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<CallRecord> {
        instruct(context, id, CallInstruction::CancelConsult).await
    }

    /// Completes an attended transfer: the agent you consult (once they answered) takes the
    /// call over and your leg ends. Needs `menu.desk`. Errors: `call.not_consulting`,
    /// `call.consult_not_answered`.
    async fn complete_transfer(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<CallRecord> {
        instruct(context, id, CallInstruction::CompleteTransfer).await
    }

    /// Hangs up your call (on a call you dialled, also before the customer answers); the
    /// agent consulted on a call hangs up the consultation only. Needs `menu.desk`; you must
    /// be the agent connected or consulted.
    async fn hang_up_call(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<CallRecord> {
        instruct(context, id, CallInstruction::HangUp).await
    }

    /// Calls `number` out through a trunk (click to dial): your desk phone rings first; when
    /// you pick it up, the number is called through the trunk (`trunkId`, or the first with an
    /// outbound address), and you are connected when the customer answers. Spaces, dashes,
    /// dots and parentheses in the number are ignored. Answers the new call (ringing your
    /// phone). Needs `menu.desk`. Errors: `call.invalid_number`, `call.no_trunk`,
    /// `call.no_phone` (no extension, or no phone registered to it), `call.agent_busy` (you
    /// are on a call).
    async fn dial(
        &self,
        context: &Context<'_>,
        number: String,
        trunk_id: Option<Uuid>,
    ) -> async_graphql::Result<CallRecord> {
        let (state, session): (&GraphqlState, &Session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(CONTROL_PERMISSION).or_graphql_error()?;
        let current = read_model::current_call_of_agent(&state.read_models, session.tenant_id, session.user_id)
            .await
            .map_err(read_model_error)?;
        if let Some(current) = current {
            return Err(graphql_error(ApiError::new(
                StatusCode::CONFLICT,
                "call.agent_busy",
                format!("you are on call {} already", current.call_id),
            )));
        }
        let call_id = state
            .call_control
            .dial(session.tenant_id, session.user_id, &number, trunk_id)
            .await
            .map_err(control_error)?;
        call_now(state, session.tenant_id, call_id).await
    }
}

/// Turns a recording's two μ-law tracks into a WAV file (the binary passes the media crate's).
pub type WavEncoder = fn(Tracks) -> Vec<u8>;

#[derive(Clone)]
struct RecordingsState {
    graphql: GraphqlState,
    recordings: RecordingStore,
    to_wav: WavEncoder,
}

/// `GET /api/calls/recordings/{recording_id}`: the recording as a WAV file, for holders of
/// `call.recordings` (without `calls.all`, only recordings of calls they were connected to).
pub fn recordings_router(graphql: GraphqlState, recordings: RecordingStore, to_wav: WavEncoder) -> Router {
    Router::new().route("/api/calls/recordings/{recording_id}", get(download_recording)).with_state(RecordingsState {
        graphql,
        recordings,
        to_wav,
    })
}

fn recording_not_found(recording_id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "call.recording_not_found", format!("no recording {recording_id}"))
}

async fn download_recording(
    State(route): State<RecordingsState>,
    Path(recording_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&route.graphql.identity, &headers).await?;
    session.require(RECORDINGS_PERMISSION)?;
    let id = Uuid::parse_str(&recording_id).map_err(|_| recording_not_found(&recording_id))?;
    if !session.has(ALL_CALLS_PERMISSION) {
        let call = read_model::call_of_recording(&route.graphql.read_models, session.tenant_id, id)
            .await
            .map_err(|error| ApiError::internal(format!("reading the calls: {error}")))?;
        if call.is_none_or(|call| call.agent_id != Some(session.user_id)) {
            return Err(recording_not_found(&recording_id));
        }
    }
    let tracks = route
        .recordings
        .get(session.tenant_id, id)
        .await
        .map_err(|error| {
            tracing::error!(%error, "reading a recording");
            ApiError::internal(format!("the recording {id} cannot be read"))
        })?
        .ok_or_else(|| recording_not_found(&recording_id))?;
    let to_wav = route.to_wav;
    let wav = tokio::task::spawn_blocking(move || to_wav(tracks))
        .await
        .map_err(|error| ApiError::internal(format!("converting the recording: {error}")))?;
    let mut response = wav.into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{id}.wav\"")) {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_whole_seconds_rounded() {
        assert_eq!(seconds(None), None);
        assert_eq!(seconds(Some(0)), Some(0));
        assert_eq!(seconds(Some(499)), Some(0));
        assert_eq!(seconds(Some(7_500)), Some(8));
        assert_eq!(seconds(Some(u64::MAX)), Some(i32::MAX));
    }
}
