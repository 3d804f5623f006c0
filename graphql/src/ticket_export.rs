//! A ticket's export through its type's Word or Excel templates, over HTTP with the session:
//! - `POST /api/ticket-types/{typeId}/export-templates?name=`: the raw file as the body, its
//!   name in `X-File-Name` (percent-encoded) → 201 the template (`ticket_type.edit`);
//! - `GET /api/ticket-types/{typeId}/export-templates/{templateId}`: the template's file,
//!   for the designer (`menu.admin.ticket_types`);
//! - `GET /api/tickets/{ticketId}/export/{templateId}?language=`: the template filled with
//!   the ticket, as a download (`menu.tickets`, and the ticket within the caller's scope:
//!   outside it the answer is `ticket.not_found`, as for the ticket itself).
//!
//! Placeholders: `ticket.number`, `.title`, `.type`, `.status`, `.opened_at`, `.updated_at`,
//! `.opened_by`, `.step` (the open steps), `.due_at` (the earliest), `.exported_at`, and
//! `field.<key>` for form values: a choice or tree select shows its option's label, a picker
//! the names of the users, groups, departments or tickets it holds, an upload its files'
//! names, a list its items, a table one row per line, a yes/no field and the status in the
//! export's language. `field.<table>.<column>` is a dynamic list's column: in a Word table
//! row, the row is written once per item of the list; elsewhere it lists the column's values.
//! Times are written in the tenant's time zone (UTC when it has none). A placeholder the
//! ticket has no value for, or whose field the caller's roles' forms hide, is left empty.

use std::collections::HashMap;

use async_graphql::{Enum, SimpleObject};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hotline_command_api::files::{file_response, upload_name};
use hotline_command_api::rest::session_from_headers;
use hotline_command_api::tickets::templates::TemplateUpload;
use hotline_command_api::tickets::{MENU_PERMISSION, TYPES_MENU_PERMISSION};
use hotline_command_api::{ApiError, Session};
use hotline_domain::identity::tenant::local_time;
use hotline_domain::ticket::ticket_type::{
    FIELD_PLACEHOLDER_PREFIX, TICKET_PLACEHOLDER_PREFIX, TemplateFormat, table_column,
};
use hotline_domain::ticket::{Approval, Decision, FieldKind, FormSpec};
use hotline_infra::blobs::BlobInfo;
use hotline_infra::office_templates::{self, MAX_TEMPLATE_BYTES};
use hotline_projections::knowledge_index::html_to_text;
use hotline_projections::tickets::{self as read_model, ExportTemplateView};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::GraphqlState;
use crate::ticket_fields::ticket_references;
use crate::ticket_query_field::ticket_query_labels;
use crate::tickets::{Ticket, TicketStatus, read_ticket};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "TemplateFormat")]
pub enum ExportFormat {
    Docx,
    Xlsx,
}

impl From<TemplateFormat> for ExportFormat {
    fn from(format: TemplateFormat) -> Self {
        match format {
            TemplateFormat::Docx => ExportFormat::Docx,
            TemplateFormat::Xlsx => ExportFormat::Xlsx,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct TicketExportTemplate {
    pub id: Uuid,
    pub name: String,
    pub format: ExportFormat,
    pub file_name: String,
    /// In bytes.
    pub size: u64,
    /// The placeholders the file uses (`ticket.number`, `field.order_number`).
    pub placeholders: Vec<String>,
    pub added_at: DateTime<Utc>,
    /// Where the template's file downloads (for the designer).
    pub url: String,
}

impl From<ExportTemplateView> for TicketExportTemplate {
    fn from(view: ExportTemplateView) -> Self {
        let template = view.template;
        Self {
            id: template.template_id,
            url: format!("/api/ticket-types/{}/export-templates/{}", view.type_id, template.template_id),
            name: template.name,
            format: template.format.into(),
            file_name: template.file_name,
            size: template.size,
            placeholders: template.placeholders,
            added_at: view.added_at,
        }
    }
}

/// The type's export templates, by name.
pub(crate) async fn export_templates_of(
    state: &GraphqlState,
    tenant_id: Uuid,
    type_id: Uuid,
) -> async_graphql::Result<Vec<TicketExportTemplate>> {
    let views =
        read_model::export_templates(&state.read_models, tenant_id, Some(type_id)).await.map_err(read_model_error)?;
    Ok(views.into_iter().map(TicketExportTemplate::from).collect())
}

pub fn router(state: GraphqlState) -> Router {
    Router::new()
        .route("/api/ticket-types/{type_id}/export-templates", post(upload))
        // A little over the limit, so that the service answers a too-large file itself.
        .layer(DefaultBodyLimit::max(MAX_TEMPLATE_BYTES + 1024))
        .route("/api/ticket-types/{type_id}/export-templates/{template_id}", get(download_template))
        .route("/api/tickets/{ticket_id}/export/{template_id}", get(export))
        .with_state(state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    name: Option<String>,
}

async fn upload(
    State(state): State<GraphqlState>,
    Path(type_id): Path<Uuid>,
    query: Result<Query<UploadQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&state.identity, &headers).await?;
    let Query(query) = query.map_err(bad_query)?;
    let upload = TemplateUpload { name: query.name, file_name: upload_name(&headers), bytes: body.to_vec() };
    let (template_id, outcome) = state.tickets.add_export_template(&session, type_id, upload, Utc::now()).await?;
    state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
    let view = find_template(&state, &session, type_id, template_id).await?;
    let template = TicketExportTemplate::from(view);
    let format = match template.format {
        ExportFormat::Docx => "DOCX",
        ExportFormat::Xlsx => "XLSX",
    };
    let description = json!({
        "id": template.id,
        "name": template.name,
        "format": format,
        "fileName": template.file_name,
        "size": template.size,
        "placeholders": template.placeholders,
        "addedAt": template.added_at,
        "url": template.url,
    });
    Ok((StatusCode::CREATED, axum::Json(description)).into_response())
}

/// A query string with an unknown or malformed parameter, as problem+json.
fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "request.invalid", rejection.body_text())
}

async fn find_template(
    state: &GraphqlState,
    session: &Session,
    type_id: Uuid,
    template_id: Uuid,
) -> Result<ExportTemplateView, ApiError> {
    let templates = read_model::export_templates(&state.read_models, session.tenant_id, Some(type_id))
        .await
        .map_err(|error| ApiError::internal(format!("reading export templates: {error}")))?;
    templates.into_iter().find(|view| view.template.template_id == template_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ticket_type.template_not_found",
            format!("no export template {template_id}"),
        )
    })
}

async fn template_file(
    state: &GraphqlState,
    session: &Session,
    view: &ExportTemplateView,
) -> Result<(BlobInfo, Vec<u8>), ApiError> {
    let template_id = view.template.template_id;
    state.blobs.get(session.tenant_id, view.template.blob_id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ticket_type.template_not_found",
            format!("no file for template {template_id}"),
        )
    })
}

async fn download_template(
    State(state): State<GraphqlState>,
    Path((type_id, template_id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&state.identity, &headers).await?;
    session.require(TYPES_MENU_PERMISSION)?;
    let view = find_template(&state, &session, type_id, template_id).await?;
    let (info, bytes) = template_file(&state, &session, &view).await?;
    Ok(file_response(&info, bytes, false))
}

/// The export's language: words it writes (status, yes and no, list separators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    English,
    SimplifiedChinese,
    TraditionalChinese,
}

impl Language {
    fn parse(code: Option<&str>) -> Result<Self, ApiError> {
        match code {
            None | Some("en") => Ok(Language::English),
            Some("zh-CN") => Ok(Language::SimplifiedChinese),
            Some("zh-TW") => Ok(Language::TraditionalChinese),
            Some(other) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request.invalid",
                format!("language {other:?} is not one of en, zh-CN, zh-TW"),
            )),
        }
    }

    fn status(self, status: TicketStatus) -> &'static str {
        match (self, status) {
            (Language::English, TicketStatus::Open) => "Open",
            (Language::English, TicketStatus::Finished) => "Finished",
            (Language::English, TicketStatus::Cancelled) => "Cancelled",
            (Language::SimplifiedChinese, TicketStatus::Open) => "处理中",
            (Language::SimplifiedChinese, TicketStatus::Finished) => "已完成",
            (Language::SimplifiedChinese, TicketStatus::Cancelled) => "已取消",
            (Language::TraditionalChinese, TicketStatus::Open) => "處理中",
            (Language::TraditionalChinese, TicketStatus::Finished) => "已完成",
            (Language::TraditionalChinese, TicketStatus::Cancelled) => "已取消",
        }
    }

    fn yes_no(self, yes: bool) -> &'static str {
        match (self, yes) {
            (Language::English, true) => "Yes",
            (Language::English, false) => "No",
            (_, true) => "是",
            (_, false) => "否",
        }
    }

    fn decision(self, decision: Decision) -> &'static str {
        match (self, decision) {
            (Language::English, Decision::Approved) => "Approved",
            (Language::English, Decision::Rejected) => "Rejected",
            (_, Decision::Approved) => "同意",
            (_, Decision::Rejected) => "不同意",
        }
    }

    fn colon(self) -> &'static str {
        match self {
            Language::English => ": ",
            _ => "：",
        }
    }

    fn separator(self) -> &'static str {
        match self {
            Language::English => ", ",
            _ => "、",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    language: Option<String>,
}

async fn export(
    State(state): State<GraphqlState>,
    Path((ticket_id, template_id)): Path<(Uuid, Uuid)>,
    query: Result<Query<ExportQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&state.identity, &headers).await?;
    session.require(MENU_PERMISSION)?;
    let Query(query) = query.map_err(bad_query)?;
    let language = Language::parse(query.language.as_deref())?;
    let ticket = read_ticket(&state, &session, ticket_id)
        .await
        .map_err(|error| ApiError::internal(format!("reading ticket {ticket_id}: {}", error.message)))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "ticket.not_found", format!("no ticket {ticket_id}")))?;
    let view = find_template(&state, &session, ticket.type_id, template_id).await?;
    let (_, bytes) = template_file(&state, &session, &view).await?;
    let format = view.template.format;
    let now = Utc::now();
    let names: Map<String, Value> =
        ticket_references(&state, &session, ticket.type_id, ticket.version, &ticket.values.0)
            .await
            .map_err(|error| ApiError::internal(format!("naming ticket {ticket_id}'s fields: {}", error.message)))?
            .into_iter()
            .map(|option| (option.id.to_string(), Value::String(option.label)))
            .collect();
    let time_zone = hotline_projections::get_tenant_settings(&state.read_models, session.tenant_id)
        .await
        .map_err(|error| ApiError::internal(format!("reading the tenant's time zone: {error}")))?
        .map(|settings| settings.time_zone)
        .unwrap_or_default();
    let mut names = Rendering { by_id: names, by_field: HashMap::new(), time_zone };
    let query_labels =
        ticket_query_labels(&state, &session, ticket.type_id, ticket.version, &ticket.values.0).await.map_err(
            |error| ApiError::internal(format!("labelling ticket {ticket_id}'s query fields: {}", error.message)),
        )?;
    for label in query_labels {
        names.by_field.entry(label.field).or_default().insert(label.value, Value::String(label.label));
    }
    let definition = state.tickets.definition(session.tenant_id, ticket.type_id, ticket.version).await?;
    let filled = tokio::task::spawn_blocking(move || {
        let form = &definition.form;
        let items = |name: &str| list_column(form, name).map(|(table, _)| rows_of(&ticket, table).len());
        office_templates::fill(
            format,
            &bytes,
            &mut |name, item| Some(placeholder_value(&ticket, form, &names, language, now, name, item)),
            &items,
        )
        .map(|filled| (ticket.number.clone(), filled))
    })
    .await
    .map_err(|error| ApiError::internal(format!("filling a template: {error}")))?;
    let (number, filled) = filled.map_err(hotline_command_api::tickets::templates::template_error)?;
    let info = BlobInfo {
        blob_id: view.template.template_id,
        name: format!("{number} {}.{}", view.template.name, format.name()),
        content_type: office_templates::content_type(format).to_owned(),
        size: filled.len() as u64,
    };
    let mut response = file_response(&info, filled, false);
    // Filled now, from the ticket as it is: never cached.
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// What a ticket's export writes instead of ids, codes and UTC times.
struct Rendering {
    /// The users, groups, departments and tickets the pickers hold, by id.
    by_id: Map<String, Value>,
    /// The labels of the entries and customers each query field holds, by value.
    by_field: HashMap<String, Map<String, Value>>,
    /// The tenant's time zone (IANA; empty: UTC).
    time_zone: String,
}

/// `(table, column)` of a placeholder naming a dynamic list's column (`field.items.sku`).
fn list_column<'a>(form: &FormSpec, name: &'a str) -> Option<(&'a str, &'a str)> {
    let key = name.strip_prefix(FIELD_PLACEHOLDER_PREFIX)?;
    if form.field(key).is_some() { None } else { table_column(form, key) }
}

/// The rows a dynamic list holds (none when the ticket has no value for it, or the caller may
/// not see it).
fn rows_of<'a>(ticket: &'a Ticket, table: &str) -> &'a [Value] {
    ticket.values.0.get(table).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// What a placeholder stands for in this ticket; empty when nothing. A dynamic list's column
/// stands for that column of row `item`, or (outside a repeated row) of every row.
fn placeholder_value(
    ticket: &Ticket,
    form: &FormSpec,
    names: &Rendering,
    language: Language,
    now: DateTime<Utc>,
    name: &str,
    item: Option<usize>,
) -> String {
    if let Some((table, column)) = list_column(form, name) {
        let labels = option_labels(&ticket.form.0, column).unwrap_or_default();
        let cell = |row: &Value| row.get(column).map(|value| field_text(value, Some(&labels), language));
        let rows = rows_of(ticket, table);
        return match item {
            Some(index) => rows.get(index).and_then(cell).unwrap_or_default(),
            None => rows.iter().filter_map(cell).collect::<Vec<_>>().join(language.separator()),
        };
    }
    if let Some(key) = name.strip_prefix(FIELD_PLACEHOLDER_PREFIX) {
        let value = ticket.values.0.get(key);
        match (form.field(key).map(|field| field.kind), value) {
            (Some(FieldKind::RichText), Some(Value::String(html))) => return html_to_text(html).trim().to_owned(),
            (Some(FieldKind::Approval), Some(value)) => return approval_text(value, names, language),
            _ => {}
        }
        let mut labels = option_labels(&ticket.form.0, key).unwrap_or_default();
        labels.extend(names.by_id.clone());
        labels.extend(names.by_field.get(key).cloned().unwrap_or_default());
        return ticket.values.0.get(key).map(|value| field_text(value, Some(&labels), language)).unwrap_or_default();
    }
    let separator = language.separator();
    match name.strip_prefix(TICKET_PLACEHOLDER_PREFIX).unwrap_or_default() {
        "number" => ticket.number.clone(),
        "title" => ticket.title.clone(),
        "type" => ticket.type_name.clone(),
        "status" => language.status(ticket.status).to_owned(),
        "opened_at" => local_time(ticket.created_at, &names.time_zone),
        "updated_at" => local_time(ticket.updated_at, &names.time_zone),
        "opened_by" => ticket.starter_name.clone(),
        "step" => ticket.tasks.iter().map(|task| task.step_name.as_str()).collect::<Vec<_>>().join(separator),
        "due_at" => ticket
            .tasks
            .iter()
            .filter_map(|task| task.due_at)
            .min()
            .map(|due_at| local_time(due_at, &names.time_zone))
            .unwrap_or_default(),
        "exported_at" => local_time(now, &names.time_zone),
        _ => String::new(),
    }
}

/// An approval as people write one: `Approved: the opinion (Wang Fang, 2026-11-28 22:40 Asia/Shanghai)`.
fn approval_text(value: &Value, names: &Rendering, language: Language) -> String {
    let Ok(approval) = Approval::read(value) else { return String::new() };
    let decision = language.decision(approval.decision);
    let who = match (approval.by, approval.collaborator) {
        (Some(user_id), _) => names.by_id.get(&user_id.to_string()).and_then(Value::as_str).map(str::to_owned),
        (None, collaborator) => collaborator,
    };
    let stamp: Vec<String> = who.into_iter().chain(approval.at.map(|at| local_time(at, &names.time_zone))).collect();
    let mut text = decision.to_owned();
    if !approval.comment.is_empty() {
        text.push_str(language.colon());
        text.push_str(&approval.comment);
    }
    if !stamp.is_empty() {
        text.push_str(&format!(" ({})", stamp.join(", ")));
    }
    text
}

/// A form value as text: an option's (or a picked id's) label for its value, a list's items,
/// an upload's file names, a table's rows.
fn field_text(value: &Value, labels: Option<&Map<String, Value>>, language: Language) -> String {
    let scalar = |value: &Value| match value {
        Value::Null => String::new(),
        Value::Bool(yes) => language.yes_no(*yes).to_owned(),
        Value::String(text) => {
            labels.and_then(|labels| labels.get(text)).and_then(Value::as_str).unwrap_or(text).to_owned()
        }
        Value::Number(number) => {
            let text = number.to_string();
            labels.and_then(|labels| labels.get(&text)).and_then(Value::as_str).map_or(text, str::to_owned)
        }
        other => other.to_string(),
    };
    let file_name = |item: &Value| item.get("blobId").and(item.get("name")).and_then(Value::as_str).map(str::to_owned);
    match value {
        Value::Array(items) if !items.is_empty() && items.iter().all(|item| file_name(item).is_some()) => {
            items.iter().filter_map(file_name).collect::<Vec<_>>().join(language.separator())
        }
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => items
            .iter()
            .map(|row| {
                let cells = row.as_object().expect("checked").iter();
                cells.map(|(key, cell)| format!("{key}: {}", field_text(cell, None, language))).collect::<Vec<_>>()
            })
            .map(|cells| cells.join("; "))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(language.separator()),
        Value::Object(_) => value.to_string(),
        _ => scalar(value),
    }
}

/// The labels of a choice field's static options (`values` in form-js) or of a tree
/// select's nodes (`tree`), by value.
fn option_labels(form: &Value, key: &str) -> Option<Map<String, Value>> {
    fn tree_labels(nodes: &[Value], labels: &mut Map<String, Value>) {
        for node in nodes {
            if let (Some(value), Some(label)) = (node.get("value").and_then(Value::as_str), node.get("label")) {
                labels.insert(value.to_owned(), label.clone());
            }
            tree_labels(node.get("children").and_then(Value::as_array).map_or(&[], Vec::as_slice), labels);
        }
    }
    let components = form.get("components")?.as_array()?;
    components.iter().find_map(|component| {
        if component.get("key").and_then(Value::as_str) == Some(key) {
            if let Some(tree) = component.get("tree").and_then(Value::as_array) {
                let mut labels = Map::new();
                tree_labels(tree, &mut labels);
                return Some(labels);
            }
            let options = component.get("values")?.as_array()?;
            let labels = options.iter().filter_map(|option| {
                let value = match option.get("value")? {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                Some((value, option.get("label")?.clone()))
            });
            return Some(labels.collect());
        }
        option_labels(component, key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_read_as_people_read_them() {
        let form = json!({"components": [
            {"type": "group", "components": [
                {"type": "select", "key": "category", "values": [{"label": "Billing", "value": "b"}, {"label": "Two", "value": 2}]}
            ]}
        ]});
        let labels = option_labels(&form, "category");
        let text = |value: Value, language| field_text(&value, labels.as_ref(), language);
        assert_eq!(text(json!("b"), Language::English), "Billing");
        assert_eq!(text(json!(2), Language::English), "Two");
        assert_eq!(text(json!("other"), Language::English), "other");
        assert_eq!(text(json!(["b", "x"]), Language::SimplifiedChinese), "Billing、x");
        assert_eq!(text(json!(true), Language::TraditionalChinese), "是");
        assert_eq!(text(json!(12.5), Language::English), "12.5");
        assert_eq!(text(json!(null), Language::English), "");
        assert_eq!(
            field_text(&json!([{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}]), None, Language::English),
            "qty: 2; sku: A1\nqty: 1; sku: B2"
        );
        assert_eq!(option_labels(&form, "missing"), None);
        let files = json!([
            {"blobId": "00000000-0000-0000-0000-000000000001", "name": "scan.pdf", "size": 1, "contentType": "application/pdf"},
            {"blobId": "00000000-0000-0000-0000-000000000002", "name": "photo.jpg", "size": 1, "contentType": "image/jpeg"}
        ]);
        assert_eq!(field_text(&files, None, Language::English), "scan.pdf, photo.jpg");
        let tree = json!({"components": [{"type": "hotline-tree", "key": "region", "tree": [
            {"value": "gd", "label": "Guangdong", "children": [{"value": "sz", "label": "Shenzhen"}]}
        ]}]});
        let labels = option_labels(&tree, "region");
        assert_eq!(field_text(&json!("sz"), labels.as_ref(), Language::English), "Shenzhen");
        assert!(Language::parse(Some("fr")).is_err());
    }

    #[test]
    fn an_approval_reads_with_who_decided_and_when() {
        let approver = "00000000-0000-0000-0000-00000000000a";
        let names = Rendering {
            by_id: Map::from_iter([(approver.to_owned(), json!("Wang Fang"))]),
            by_field: HashMap::new(),
            time_zone: "Asia/Shanghai".into(),
        };
        let decided =
            json!({"decision": "approved", "comment": "Refund it", "by": approver, "at": "2026-11-28T14:40:00Z"});
        assert_eq!(
            approval_text(&decided, &names, Language::English),
            "Approved: Refund it (Wang Fang, 2026-11-28 22:40 Asia/Shanghai)"
        );
        let outside = json!({"decision": "rejected", "comment": "", "collaborator": "a@example.com"});
        assert_eq!(approval_text(&outside, &names, Language::SimplifiedChinese), "不同意 (a@example.com)");
        assert_eq!(approval_text(&json!("yes"), &names, Language::English), "");
    }
}
