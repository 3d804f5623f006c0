//! Tests of ticket forms, the BPMN parser and validator, conditions, the token engine and the
//! ticket and ticket-type deciders.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, TimeZone};
use proptest::prelude::*;
use serde_json::json;

use super::*;

const TENANT: Uuid = Uuid::from_u128(1);
const TYPE: Uuid = Uuid::from_u128(0x7E);
const TICKET: Uuid = Uuid::from_u128(0x71);
const STARTER: Uuid = Uuid::from_u128(0x5A);
const AGENT: Uuid = Uuid::from_u128(0xA6);
const ROLE: &str = "00000000-0000-0000-0000-0000000000b0";

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap()
}

fn map(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

fn form_json() -> Value {
    json!({"type": "default", "components": [
        {"type": "text", "text": "# Complaint"},
        {"type": "textfield", "key": "subject", "label": "Subject", "validate": {"required": true, "minLength": 3, "maxLength": 20}},
        {"type": "number", "key": "amount", "label": "Amount", "validate": {"min": 0, "max": 1000}},
        {"type": "select", "key": "category", "label": "Category", "values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]},
        {"type": "group", "label": "More", "components": [
            {"type": "textfield", "key": "assignee", "label": "Assignee"},
            {"type": "checkbox", "key": "again", "label": "Again"},
            {"type": "textarea", "key": "note", "label": "Note", "validate": {"pattern": "^[a-z]*$"}}
        ]},
        {"type": "checklist", "key": "tags", "values": [{"label": "X", "value": "x"}, {"label": "Y", "value": "y"}]},
        {"type": "datetime", "key": "when"},
        {"type": "dynamiclist", "path": "items", "components": [{"type": "textfield", "key": "sku"}]},
        {"type": "textfield", "key": "secret"},
        {"type": "mystery", "key": "extra"},
        {"type": "separator"}
    ]})
}

fn form() -> FormSpec {
    FormSpec::from_form_js(&form_json()).unwrap()
}

fn document(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/bpmn" id="d">
  <process id="p" isExecutable="true">{body}</process>
</definitions>"#
    )
}

fn workflow(body: &str) -> Workflow {
    let workflow = parse_bpmn(&document(body)).unwrap();
    validate(&workflow, &form()).unwrap();
    workflow
}

fn flows(pairs: &[(&str, &str, &str)]) -> String {
    pairs
        .iter()
        .map(|(id, source, target)| format!(r#"<sequenceFlow id="{id}" sourceRef="{source}" targetRef="{target}"/>"#))
        .collect()
}

// ---------------------------------------------------------------- forms

#[test]
fn form_js_schema_yields_its_value_fields_in_order() {
    let spec = form();
    let keys: Vec<&str> = spec.fields.iter().map(|field| field.key.as_str()).collect();
    assert_eq!(
        keys,
        ["subject", "amount", "category", "assignee", "again", "note", "tags", "when", "items", "secret", "extra"]
    );
    let subject = spec.field("subject").unwrap();
    assert_eq!(
        (subject.kind, subject.required, subject.min_length, subject.max_length),
        (FieldKind::Text, true, Some(3), Some(20))
    );
    assert_eq!(spec.field("amount").unwrap().max, Some(1000.0));
    assert_eq!(spec.field("category").unwrap().options, ["a", "b"]);
    assert_eq!(spec.field("tags").unwrap().kind, FieldKind::MultiChoice);
    assert_eq!(spec.field("items").unwrap().kind, FieldKind::Table);
    assert_eq!(spec.field("extra").unwrap().kind, FieldKind::Other);
    assert_eq!(spec.field("note").unwrap().pattern.as_deref(), Some("^[a-z]*$"));
    assert!(spec.field("sku").is_none(), "a dynamic list's columns are not top-level fields");
}

#[test]
fn bad_form_schemas_are_refused() {
    let cases = [
        json!([]),
        json!({"type": "default"}),
        json!({"components": [{"type": "textfield", "key": "a"}, {"type": "number", "key": "a"}]}),
        json!({"components": [{"type": "textfield", "key": "1abc"}]}),
        json!({"components": [{"type": "textfield", "key": "a-b"}]}),
        json!({"components": [{"type": "textfield"}]}),
        json!({"components": (0..201).map(|n| json!({"type": "textfield", "key": format!("f{n}")})).collect::<Vec<_>>()}),
    ];
    for case in cases {
        let error = FormSpec::from_form_js(&case).unwrap_err();
        assert_eq!(error.code, "ticket_type.invalid_form", "{case}");
    }
}

#[test]
fn values_are_checked_for_type_bounds_options_and_access() {
    let spec = form();
    let values = map(json!({
        "subject": "ab", "amount": 2000, "category": "c", "again": "yes", "note": "Not lower", "tags": ["x", "z"],
        "when": 5, "items": [1], "secret": "s", "nope": 1
    }));
    let access = |key: &str| if key == "secret" { FieldAccess::Hidden } else { FieldAccess::Editable };
    let errors = validate_values(&spec, &values, &access);
    let by_field: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
    assert_eq!(
        by_field,
        [
            ("subject", "must be at least 3 characters"),
            ("amount", "must be at most 1000"),
            ("category", "\"c\" is not one of the options"),
            ("again", "must be true or false"),
            ("note", "must match the pattern ^[a-z]*$"),
            ("tags", "\"z\" is not one of the options"),
            ("when", "must be a date or time"),
            ("items", "every row must be an object"),
            ("secret", "not editable here"),
            ("nope", "unknown field"),
        ]
    );
    let ok = map(json!({
        "subject": "Printer", "amount": 10, "category": "a", "note": "lower", "tags": ["y"], "items": [{"sku": "1"}],
        "extra": [1]
    }));
    assert_eq!(validate_values(&spec, &ok, &|_| FieldAccess::Editable), []);
    let required = validate_values(&spec, &map(json!({"subject": "Printer"})), &|key| {
        if key == "note" { FieldAccess::Required } else { FieldAccess::ReadOnly }
    });
    assert_eq!(required, [FieldError::new("subject", "not editable here"), FieldError::new("note", "required")]);
    let missing = validate_values(&spec, &map(json!({"subject": "  "})), &|_| FieldAccess::Editable);
    assert_eq!(missing, [FieldError::new("subject", "required")]);
}

fn pickers_form() -> FormSpec {
    FormSpec::from_form_js(&json!({"components": [
        {"type": "hotline-user", "key": "owner", "label": "Owner"},
        {"type": "hotline-user", "key": "watchers", "multiple": true},
        {"type": "hotline-group", "key": "group"},
        {"type": "hotline-department", "key": "department", "multiple": true},
        {"type": "hotline-tree", "key": "region", "tree": [
            {"value": "gd", "label": "Guangdong", "children": [{"value": "sz", "label": "Shenzhen"}]},
            {"value": "hk", "label": "Hong Kong"}
        ]},
        {"type": "hotline-relation", "key": "related", "multiple": true},
        {"type": "hotline-upload", "key": "evidence"}
    ]}))
    .unwrap()
}

const USER_ID: &str = "00000000-0000-0000-0000-0000000000a6";
const OTHER_ID: &str = "00000000-0000-0000-0000-0000000000a7";

fn file(blob: &str, name: &str) -> Value {
    json!({"blobId": blob, "name": name, "size": 12, "contentType": "application/pdf"})
}

#[test]
fn picker_tree_and_upload_components_are_read_with_their_kind_and_tree() {
    let spec = pickers_form();
    let kinds: Vec<(&str, FieldKind, bool)> =
        spec.fields.iter().map(|field| (field.key.as_str(), field.kind, field.multiple)).collect();
    assert_eq!(
        kinds,
        [
            ("owner", FieldKind::User, false),
            ("watchers", FieldKind::User, true),
            ("group", FieldKind::Group, false),
            ("department", FieldKind::Department, true),
            ("region", FieldKind::Tree, false),
            ("related", FieldKind::Relation, true),
            ("evidence", FieldKind::Upload, false),
        ]
    );
    assert_eq!(spec.field("region").unwrap().options, ["gd", "sz", "hk"], "every level can be chosen");
}

/// A form of SP5's month, phone, rich text, hidden and approval kinds.
fn kinds_form() -> FormSpec {
    FormSpec::from_form_js(&json!({"components": [
        {"type": "hotline-month", "key": "month"},
        {"type": "hotline-phone", "key": "phone"},
        {"type": "hotline-richtext", "key": "notes"},
        {"type": "hotline-hidden", "key": "source", "defaultValue": "web"},
        {"type": "hotline-approval", "key": "approval"}
    ]}))
    .unwrap()
}

#[test]
fn month_phone_rich_text_hidden_and_approval_values_are_checked() {
    let spec = kinds_form();
    let kinds: Vec<FieldKind> = spec.fields.iter().map(|field| field.kind).collect();
    assert_eq!(
        kinds,
        [FieldKind::Month, FieldKind::Phone, FieldKind::RichText, FieldKind::Hidden, FieldKind::Approval]
    );
    let good = map(json!({
        "month": "2026-11", "phone": "021-5550 1234", "notes": "<p>Hi <strong>there</strong></p>", "source": "web",
        "approval": {"decision": "approved", "comment": "ok"}
    }));
    assert_eq!(validate_values(&spec, &good, &|_| FieldAccess::Editable), []);
    for phone in ["+86 138 0013 8000", "13800138000", "(021) 5550.1234", "110"] {
        assert!(is_phone_number(phone), "{phone}");
    }
    for phone in ["abc", "12", "+", "1+2345", "123456789012345678901", "021 5550 1234 ext 5"] {
        assert!(!is_phone_number(phone), "{phone}");
    }
    let bad = map(json!({
        "month": "2026-13", "phone": "call me", "notes": "x".repeat(MAX_RICH_TEXT_CHARS + 1), "source": 7,
        "approval": {"decision": "maybe"}
    }));
    let mut fields: Vec<String> =
        validate_values(&spec, &bad, &|_| FieldAccess::Editable).into_iter().map(|error| error.field).collect();
    fields.sort();
    assert_eq!(fields, ["approval", "month", "notes", "phone", "source"]);
    for approval in [
        json!({"decision": "approved", "score": 5}),
        json!({"decision": "approved", "comment": "x".repeat(MAX_APPROVAL_COMMENT_CHARS + 1)}),
        json!("approved"),
    ] {
        let errors = validate_values(&spec, &map(json!({"approval": approval})), &|_| FieldAccess::Editable);
        assert_eq!(errors.len(), 1, "{approval}");
    }
    for month in ["2026-1", "2026-00", "26-11", "2026/11", "2026-10 "] {
        let errors = validate_values(&spec, &map(json!({"month": month})), &|_| FieldAccess::Editable);
        assert_eq!(errors.len(), 1, "{month}");
    }
}

#[test]
fn an_approval_is_stamped_with_who_decided_and_keeps_its_stamp_when_sent_back() {
    let spec = kinds_form();
    // Whatever the browser says of who and when.
    let forged = json!({"decision": "approved", "comment": " ok ", "by": OTHER_ID, "at": "2020-01-01T00:00:00Z"});
    let mut values = map(json!({"approval": forged}));
    stamp_approvals(&spec, &mut values, &Map::new(), Approver::User(AGENT), at());
    assert_eq!(values["approval"], json!({"decision": "approved", "comment": "ok", "by": AGENT, "at": at()}));
    assert_eq!(
        references(&spec, &values),
        [FieldReference { field: "approval".into(), kind: ReferenceKind::User, id: AGENT }]
    );
    // A later step saving the whole form sends it back: the first decision stands.
    let previous = values.clone();
    let mut again = map(json!({"approval": {"decision": "approved", "comment": "ok"}}));
    stamp_approvals(&spec, &mut again, &previous, Approver::User(STARTER), at() + Duration::hours(1));
    assert_eq!(again, previous);
    // A changed decision is the new decider's.
    let mut changed = map(json!({"approval": {"decision": "rejected", "comment": "no"}}));
    let later = at() + Duration::hours(2);
    stamp_approvals(&spec, &mut changed, &previous, Approver::Collaborator("a@example.com"), later);
    assert_eq!(
        changed["approval"],
        json!({"decision": "rejected", "comment": "no", "collaborator": "a@example.com", "at": later})
    );
}

#[test]
fn opening_a_ticket_stamps_its_approvals_with_the_starter() {
    let mut opening = open_action(&sequential(), 1, json!({"approval": {"decision": "approved", "comment": ""}}));
    if let TicketAction::Open { form, .. } = &mut opening {
        *form = kinds_form();
    }
    let (state, _) = decide(&TicketState::default(), opening).unwrap();
    assert_eq!(state.values["approval"], json!({"decision": "approved", "comment": "", "by": STARTER, "at": at()}));
}

#[test]
fn a_required_field_the_rules_calculated_need_not_be_sent() {
    let spec = form();
    let required = |_: &str| FieldAccess::Required;
    let sent = map(json!({"subject": "Printer"}));
    let computed = map(json!({"amount": 40, "note": ""}));
    let missing: Vec<String> =
        validate_with_calculated(&spec, &sent, &computed, &required).into_iter().map(|error| error.field).collect();
    assert!(!missing.contains(&"amount".to_owned()), "calculated: {missing:?}");
    assert!(missing.contains(&"note".to_owned()), "calculated empty is not filled: {missing:?}");
    assert!(validate_values(&spec, &sent, &required).iter().any(|error| error.field == "amount"));
}

#[test]
fn keyless_pickers_bad_trees_and_browser_only_file_pickers_are_refused() {
    let tree = |tree: Value| json!({"components": [{"type": "hotline-tree", "key": "t", "tree": tree}]});
    let cases = [
        json!({"components": [{"type": "hotline-tree", "key": "t"}]}),
        json!({"components": [{"type": "hotline-user"}]}),
        json!({"components": [{"type": "filepicker", "key": "files"}]}),
        tree(json!([])),
        tree(json!({"value": "a"})),
        tree(json!([{"label": "no value"}])),
        tree(json!([{"value": "a", "children": [{"value": "a"}]}])),
    ];
    for case in cases {
        let error = FormSpec::from_form_js(&case).unwrap_err();
        assert_eq!(error.code, "ticket_type.invalid_form", "{case}");
    }
}

#[test]
fn picker_values_are_ids_one_or_a_list_as_the_field_says() {
    let spec = pickers_form();
    let good = map(json!({
        "owner": USER_ID, "watchers": [USER_ID, OTHER_ID], "group": OTHER_ID, "department": [OTHER_ID],
        "region": "sz", "related": [], "evidence": [file(USER_ID, "scan.pdf")]
    }));
    assert_eq!(validate_values(&spec, &good, &|_| FieldAccess::Editable), []);
    let bad = map(json!({
        "owner": [USER_ID], "watchers": USER_ID, "group": "admins", "department": [7],
        "region": "tokyo", "related": ["not-an-id"],
        "evidence": [file(USER_ID, "a.pdf"), file(OTHER_ID, "b.pdf")]
    }));
    let mut fields: Vec<String> =
        validate_values(&spec, &bad, &|_| FieldAccess::Editable).into_iter().map(|error| error.field).collect();
    fields.sort();
    assert_eq!(fields, ["department", "evidence", "group", "owner", "region", "related", "watchers"]);
    let no_name = map(json!({"evidence": [{"blobId": USER_ID, "name": " ", "size": 1, "contentType": "x"}]}));
    assert_eq!(validate_values(&spec, &no_name, &|_| FieldAccess::Editable).len(), 1);
    let too_many = map(json!({"watchers": vec![USER_ID; form::MAX_PICKED + 1]}));
    assert_eq!(validate_values(&spec, &too_many, &|_| FieldAccess::Editable).len(), 1);
}

#[test]
fn references_name_every_id_the_pickers_and_uploads_hold() {
    let spec = pickers_form();
    let values = map(json!({
        "owner": USER_ID, "watchers": [USER_ID, OTHER_ID], "department": [OTHER_ID], "region": "sz",
        "related": ["not-an-id"], "evidence": [file(OTHER_ID, "scan.pdf")], "unknown": USER_ID
    }));
    let id = |text: &str| Uuid::parse_str(text).unwrap();
    let mut found: Vec<(String, ReferenceKind, Uuid)> =
        references(&spec, &values).into_iter().map(|found| (found.field, found.kind, found.id)).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("department".to_owned(), ReferenceKind::Department, id(OTHER_ID)),
            ("evidence".to_owned(), ReferenceKind::File, id(OTHER_ID)),
            ("owner".to_owned(), ReferenceKind::User, id(USER_ID)),
            ("watchers".to_owned(), ReferenceKind::User, id(USER_ID)),
            ("watchers".to_owned(), ReferenceKind::User, id(OTHER_ID)),
        ]
    );
}

// ---------------------------------------------------------------- parser

const EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:hotline="https://hotline.example/bpmn" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn" exporter="bpmn-js (https://demo.bpmn.io)" exporterVersion="17.0.0">
  <bpmn:process id="Process_1" isExecutable="false">
    <bpmn:documentation>Complaints</bpmn:documentation>
    <bpmn:startEvent id="StartEvent_1" name="Opened">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_Triage" name="Triage" hotline:assignee="role:00000000-0000-0000-0000-0000000000b0" hotline:fields="category=required, amount=editable,secret=hidden" hotline:due="PT4H">
      <bpmn:extensionElements><hotline:note>ignored</hotline:note></bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_1" name="Big?" default="Flow_Small">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Triage" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Triage" targetRef="Gateway_1" />
    <bpmn:sequenceFlow id="Flow_Big" name="big" sourceRef="Gateway_1" targetRef="Sub_1">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${amount &gt; 100 &amp;&amp; category == 'a'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_1" targetRef="Wait_1" />
    <bpmn:subProcess id="Sub_1" name="Approval">
      <bpmn:startEvent id="Sub_Start" />
      <bpmn:userTask id="Sub_Approve" name="Approve" hotline:assignee="field:assignee" />
      <bpmn:endEvent id="Sub_End" />
      <bpmn:sequenceFlow id="Sub_F1" sourceRef="Sub_Start" targetRef="Sub_Approve" />
      <bpmn:sequenceFlow id="Sub_F2" sourceRef="Sub_Approve" targetRef="Sub_End" />
    </bpmn:subProcess>
    <bpmn:intermediateCatchEvent id="Wait_1" name="Cool off">
      <bpmn:timerEventDefinition id="Timer_1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">PT30M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="Notify" name="Notify" hotline:url="https://example.com/hook" />
    <bpmn:endEvent id="End_1" name="Done" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Sub_1" targetRef="Notify" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Wait_1" targetRef="Notify" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Notify" targetRef="End_1" />
    <bpmn:textAnnotation id="Note_1"><bpmn:text>why</bpmn:text></bpmn:textAnnotation>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_1">
      <bpmndi:BPMNShape id="_BPMNShape_StartEvent_2" bpmnElement="StartEvent_1"><dc:Bounds x="179" y="79" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="215" y="97" /><di:waypoint x="270" y="97" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>"#;

#[test]
fn a_bpmn_js_export_parses_into_nodes_and_flows() {
    let parsed = parse_bpmn(EXPORT).unwrap();
    validate(&parsed, &form()).unwrap();
    let ids: Vec<(&str, Option<&str>)> =
        parsed.nodes.iter().map(|node| (node.id.as_str(), node.parent.as_deref())).collect();
    assert_eq!(
        ids,
        [
            ("StartEvent_1", None),
            ("Task_Triage", None),
            ("Gateway_1", None),
            ("Sub_1", None),
            ("Sub_Start", Some("Sub_1")),
            ("Sub_Approve", Some("Sub_1")),
            ("Sub_End", Some("Sub_1")),
            ("Wait_1", None),
            ("Notify", None),
            ("End_1", None),
        ]
    );
    let triage = parsed.node("Task_Triage").unwrap();
    assert_eq!(triage.name, "Triage");
    let NodeKind::UserTask(task) = &triage.kind else { panic!("a user task") };
    assert_eq!(task.assignee, Assignee::Role(ROLE.parse().unwrap()));
    assert_eq!(task.due_seconds, Some(4 * 3600));
    assert_eq!(task.access("category"), FieldAccess::Required);
    assert_eq!(task.access("amount"), FieldAccess::Editable);
    assert_eq!(task.access("secret"), FieldAccess::Hidden);
    assert_eq!(task.access("subject"), FieldAccess::ReadOnly);
    let NodeKind::UserTask(approve) = &parsed.node("Sub_Approve").unwrap().kind else { panic!() };
    assert_eq!(approve.assignee, Assignee::FormField("assignee".into()));
    assert_eq!(
        parsed.node("Gateway_1").unwrap().kind,
        NodeKind::ExclusiveGateway { default_flow: Some("Flow_Small".into()) }
    );
    assert_eq!(parsed.node("Wait_1").unwrap().kind, NodeKind::Timer { seconds: 1800 });
    assert_eq!(parsed.node("Notify").unwrap().kind, NodeKind::ServiceTask { url: "https://example.com/hook".into() });
    assert_eq!(parsed.flows.len(), 9);
    let big = parsed.flow("Flow_Big").unwrap();
    assert_eq!((big.source.as_str(), big.target.as_str()), ("Gateway_1", "Sub_1"));
    assert_eq!(big.condition.as_ref().unwrap().source, "${amount > 100 && category == 'a'}");
    assert!(parsed.flow("Flow_Small").unwrap().condition.is_none());
}

#[test]
fn prefixes_bpmn2_and_none_read_the_same() {
    let plain = parse_bpmn(&document(
        r#"<startEvent id="s"/><endEvent id="e"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/>"#,
    ))
    .unwrap();
    let bpmn2 = parse_bpmn(
        r#"<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn2:process id="p">
        <bpmn2:startEvent id="s"/><bpmn2:endEvent id="e"/><bpmn2:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
        </bpmn2:process></bpmn2:definitions>"#,
    )
    .unwrap();
    assert_eq!(plain, bpmn2);
    assert_eq!(plain.nodes.len(), 2);
}

#[test]
fn unsupported_and_malformed_elements_are_named() {
    for element in ["task", "scriptTask", "boundaryEvent", "inclusiveGateway", "eventBasedGateway"] {
        let error = parse_bpmn(&document(&format!(r#"<startEvent id="s"/><{element} id="X_1"/>"#))).unwrap_err();
        assert_eq!(error.code, "ticket_type.invalid_workflow");
        assert_eq!(error.message, format!("{element} X_1 is not supported"));
    }
    let cases = [
        (r#"<userTask id="u" hotline:assignee="boss"/>"#, "userTask u"),
        (r#"<userTask id="u" hotline:assignee="user:nope"/>"#, "userTask u"),
        (r#"<userTask id="u" hotline:fields="a=write"/>"#, "userTask u"),
        (r#"<userTask id="u" hotline:due="soon"/>"#, "userTask u"),
        (r#"<serviceTask id="svc"/>"#, "serviceTask svc"),
        (r#"<serviceTask id="svc" hotline:url="ftp://x.example/"/>"#, "an http:// or https:// address"),
        (r#"<serviceTask id="svc" hotline:url="https://x.example/a b"/>"#, "an http:// or https:// address"),
        (
            r#"<intermediateCatchEvent id="m"><messageEventDefinition/></intermediateCatchEvent>"#,
            "intermediateCatchEvent m",
        ),
        (
            r#"<sequenceFlow id="f" sourceRef="a" targetRef="b"><conditionExpression>a ==</conditionExpression></sequenceFlow>"#,
            "sequenceFlow f",
        ),
        (r#"<startEvent id="s"/><endEvent id="s"/>"#, "id s is used twice"),
    ];
    for (body, named) in cases {
        let error = parse_bpmn(&document(body)).unwrap_err();
        assert!(error.message.contains(named), "{body}: {}", error.message);
    }
    assert!(parse_bpmn("<definitions><process id='p'><startEvent id='s'></process>").is_err());
    assert_eq!(parse_bpmn("<definitions/>").unwrap_err().message, "the document has no process");
}

#[test]
fn a_collaboration_runs_its_one_pool_with_steps() {
    let pools = |second: &str| {
        format!(
            r#"<definitions><collaboration id="c"><participant id="a" processRef="empty"/><participant id="b" processRef="main"/></collaboration>
            <process id="empty"><laneSet id="l"/></process>
            <process id="main"><startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/></process>
            {second}</definitions>"#
        )
    };
    let workflow = parse_bpmn(&pools("")).expect("the empty pool is left aside");
    assert_eq!(workflow.nodes.iter().map(|node| node.id.as_str()).collect::<Vec<_>>(), ["s", "e"]);
    let error = parse_bpmn(&pools(r#"<process id="other"><startEvent id="s2"/></process>"#)).unwrap_err();
    assert_eq!(error.code, "ticket_type.invalid_workflow");
    assert!(error.message.contains("steps in 2 processes (main, other)"), "{}", error.message);
}

#[test]
fn iso_durations_become_seconds() {
    assert_eq!(parse_duration("PT30M"), Ok(1800));
    assert_eq!(parse_duration("P1DT2H"), Ok(93_600));
    assert_eq!(parse_duration("PT45S"), Ok(45));
    assert_eq!(parse_duration("P2W"), Ok(1_209_600));
    assert_eq!(parse_duration("PT1H30M15S"), Ok(5415));
    for bad in ["", "P", "PT", "30M", "P1M", "P1Y", "PT5", "P1H", "PT1D", "PT-5M"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

// ---------------------------------------------------------------- validator

fn node(id: &str, parent: Option<&str>, kind: NodeKind) -> Node {
    Node { id: id.into(), name: String::new(), parent: parent.map(Into::into), kind }
}

fn flow(id: &str, source: &str, target: &str, condition: Option<&str>) -> Flow {
    Flow {
        id: id.into(),
        source: source.into(),
        target: target.into(),
        condition: condition.map(|c| Condition::parse(c).unwrap()),
    }
}

fn task(fields: &[(&str, FieldAccess)], assignee: Assignee) -> NodeKind {
    NodeKind::UserTask(UserTask {
        assignee,
        fields: fields.iter().map(|(key, access)| ((*key).to_owned(), *access)).collect(),
        due_seconds: None,
        remind_seconds: None,
        escalate: None,
        link_seconds: None,
    })
}

#[test]
fn the_validator_reports_every_problem_at_once() {
    let mut named_task = node("t1", None, task(&[("ghost", FieldAccess::Editable)], Assignee::FormField("who".into())));
    named_task.name = "Triage".into();
    let broken = Workflow {
        nodes: vec![
            node("s1", None, NodeKind::Start),
            node("s2", None, NodeKind::Start),
            named_task,
            node("g", None, NodeKind::ExclusiveGateway { default_flow: Some("f_elsewhere".into()) }),
            node("t2", None, task(&[], Assignee::Starter)),
            node("t3", None, task(&[], Assignee::Starter)),
            node("island", None, task(&[], Assignee::Starter)),
            node("stuck", None, NodeKind::ParallelGateway),
            node("sub", None, NodeKind::SubProcess),
            node("inner", Some("sub"), task(&[], Assignee::Starter)),
        ],
        flows: vec![
            flow("f1", "s1", "t1", None),
            flow("f2", "t1", "g", None),
            flow("f3", "g", "t2", None),
            flow("f4", "g", "t3", Some("amount > 1")),
            flow("f5", "t2", "t3", None),
            flow("f6", "t2", "missing", None),
            flow("f7", "t3", "stuck", None),
            flow("f8", "s2", "sub", None),
            flow("f9", "sub", "inner", None),
        ],
        field_targets: BTreeMap::new(),
    };
    let error = validate(&broken, &form()).unwrap_err();
    assert_eq!(error.code, "ticket_type.invalid_workflow");
    let expected = [
        "the process must have exactly one start event, it has 2",
        "the process has no end event",
        "sub-process sub must have exactly one start event, it has 0",
        "sub-process sub has no end event",
        "flow f6 goes to a node that does not exist (missing)",
        "flow f9 leaves its scope",
        "gateway g: default flow f_elsewhere is not one of its outgoing flows",
        "gateway g: flow f3 to t2 has no condition and is not the default",
        "user task Triage lists field ghost, which is not in the form",
        "user task Triage is assigned by field who, which is not in the form",
        "t2 must have exactly one outgoing flow",
        "island has no incoming flow",
        "node island has no way out",
        "gateway stuck has no way out",
        "island cannot be reached from the start",
        "Triage cannot reach an end",
        "node inner has no way out",
        "island cannot reach an end",
    ];
    for problem in expected {
        assert!(error.message.contains(problem), "missing {problem:?} in {}", error.message);
    }
}

#[test]
fn start_and_end_events_have_their_own_rules() {
    let broken = Workflow {
        nodes: vec![
            node("s", None, NodeKind::Start),
            node("t", None, task(&[], Assignee::Starter)),
            node("e", None, NodeKind::End),
        ],
        flows: vec![
            flow("f1", "s", "t", None),
            flow("f2", "t", "e", None),
            flow("f3", "e", "s", None),
            flow("f4", "s", "e", None),
        ],
        field_targets: BTreeMap::new(),
    };
    let message = validate(&broken, &form()).unwrap_err().message;
    assert!(message.contains("start event s has incoming flows"), "{message}");
    assert!(message.contains("start event s must have exactly one outgoing flow"), "{message}");
    assert!(message.contains("end event e has outgoing flows"), "{message}");
}

#[test]
fn a_workflow_has_at_most_500_nodes() {
    let mut big = workflow(&(r#"<startEvent id="s"/><endEvent id="e"/>"#.to_owned() + &flows(&[("f", "s", "e")])));
    for n in 0..500 {
        big.nodes.push(node(&format!("n{n}"), None, NodeKind::ParallelGateway));
    }
    let error = validate(&big, &form()).unwrap_err();
    assert_eq!(error.message, "a workflow holds at most 500 nodes, this one has 502");
}

// ---------------------------------------------------------------- conditions

fn holds(source: &str, values: Value) -> bool {
    Condition::parse(source).unwrap().evaluate(&map(values))
}

#[test]
fn conditions_follow_precedence_and_types() {
    assert!(holds("true || false && false", json!({})), "&& binds tighter than ||");
    assert!(!holds("(true || false) && false", json!({})));
    assert!(holds("!false && !!true", json!({})));
    assert!(holds("amount >= 100 && amount < 200.5", json!({"amount": 150})));
    assert!(holds("amount > 9", json!({"amount": 10})), "numbers compare numerically");
    assert!(holds("name > 'Ab'", json!({"name": "B"})), "strings compare lexicographically");
    assert!(!holds("amount > '9'", json!({"amount": 10})), "mismatched types are false");
    assert!(!holds("amount != '9'", json!({"amount": 10})), "mismatched types are false, even for !=");
    assert!(holds("missing == null", json!({})), "a missing field is null");
    assert!(!holds("missing > 1", json!({})));
    assert!(holds("name != null", json!({"name": "x"})));
    assert!(holds("flag", json!({"flag": true})));
    assert!(!holds("name", json!({"name": ""})), "bare operands are truthy");
    assert!(holds("tags", json!({"tags": ["a"]})));
    assert!(holds("address.city == \"Oslo\"", json!({"address": {"city": "Oslo"}})), "paths walk objects");
    assert!(holds("a.b == 1", json!({"a.b": 1})), "dotted keys are keys first");
    assert!(holds("${ category == 'a' }", json!({"category": "a"})), "${{}} is stripped");
    assert!(holds("n == -2.5", json!({"n": -2.5})));
    assert!(holds("s == 'it\\'s'", json!({"s": "it's"})));
}

#[test]
fn bad_conditions_are_refused_with_clear_messages() {
    let message = |source: &str| Condition::parse(source).unwrap_err();
    let error = message("amount >");
    assert_eq!(error.code, "ticket_type.invalid_condition");
    assert_eq!(error.message, "condition \"amount >\": ends where a value was expected");
    assert!(message("(a == 1").message.contains("'(' is not closed"));
    assert!(message("a == 1 b").message.contains("unexpected name \"b\" after the expression"));
    assert!(message("a # b").message.contains("unexpected character '#'"));
    assert!(message("'open").message.contains("not closed"));
    assert!(message("${}").message.contains("is empty"));
    assert!(message(&"x".repeat(501)).message.contains("longer than 500"));
    assert!(message(&format!("{}a{}", "(".repeat(40), ")".repeat(40))).message.contains("deeper than 32"));
    assert!(message(&"!".repeat(40)).message.contains("deeper than 32"));
    assert!(Condition::parse(&format!("{}a{}", "(".repeat(20), ")".repeat(20))).is_ok());
}

#[test]
fn conditions_serialise_as_their_source() {
    let condition = Condition::parse("${a > 1}").unwrap();
    let value = serde_json::to_value(&condition).unwrap();
    assert_eq!(value, json!("${a > 1}"));
    assert_eq!(serde_json::from_value::<Condition>(value).unwrap(), condition);
    assert!(serde_json::from_value::<Condition>(json!("a >")).is_err());
}

// ---------------------------------------------------------------- engine

fn fold(steps: &[Step]) -> Instance {
    let mut instance = Instance::default();
    for step in steps {
        instance.apply(step);
    }
    instance
}

fn tasks(instance: &Instance) -> Vec<(TokenId, &str)> {
    instance.active_tasks().map(|(id, token)| (id, token.node.as_str())).collect()
}

fn sequential() -> Workflow {
    workflow(
        &(r#"<startEvent id="s"/><userTask id="t1" hotline:fields="note=editable"/><userTask id="t2" hotline:assignee="user:000000000000000000000000000000a6"/><endEvent id="e"/>"#
            .to_owned()
            + &flows(&[("f1", "s", "t1"), ("f2", "t1", "t2"), ("f3", "t2", "e")])),
    )
}

#[test]
fn a_sequential_workflow_runs_task_after_task() {
    let wf = sequential();
    let values = Map::new();
    let mut steps = engine::start(&wf, &values, STARTER, at()).unwrap();
    assert_eq!(
        steps,
        [
            Step::TokenPassed { token: 0, node: "s".into() },
            Step::TaskActivated {
                token: 0,
                node: "t1".into(),
                candidate: Candidate::User(STARTER),
                due_at: None,
                remind_at: None
            },
        ]
    );
    let instance = fold(&steps);
    assert_eq!(tasks(&instance), [(0, "t1")]);
    let next = engine::complete_task(&wf, &instance, 0, &values, STARTER, at()).unwrap();
    assert_eq!(
        next,
        [
            Step::Resumed { token: 0, node: "t1".into(), next: 1 },
            Step::TaskActivated {
                token: 1,
                node: "t2".into(),
                candidate: Candidate::User(AGENT),
                due_at: None,
                remind_at: None
            },
        ]
    );
    steps.extend(next);
    let instance = fold(&steps);
    assert_eq!(
        engine::complete_task(&wf, &instance, 0, &values, STARTER, at()).unwrap_err().code,
        "ticket.no_such_task"
    );
    steps.extend(engine::complete_task(&wf, &instance, 1, &values, STARTER, at()).unwrap());
    let instance = fold(&steps);
    assert!(instance.finished);
    assert!(instance.tokens.is_empty());
    assert_eq!(steps.last(), Some(&Step::Finished));
}

fn branching() -> Workflow {
    workflow(
        &(r#"<startEvent id="s"/><exclusiveGateway id="g" default="f_default"/>
        <userTask id="big" hotline:due="P1D"/><userTask id="small"/><userTask id="fallback"/><endEvent id="e"/>
        <sequenceFlow id="f_big" sourceRef="g" targetRef="big"><conditionExpression>${amount &gt; 100}</conditionExpression></sequenceFlow>
        <sequenceFlow id="f_small" sourceRef="g" targetRef="small"><conditionExpression>${amount &gt; 0}</conditionExpression></sequenceFlow>"#
            .to_owned()
            + &flows(&[("f0", "s", "g"), ("f_default", "g", "fallback"), ("f1", "big", "e"), ("f2", "small", "e"), ("f3", "fallback", "e")])),
    )
}

#[test]
fn an_exclusive_gateway_takes_the_first_true_flow_else_the_default() {
    let wf = branching();
    let run = |values: Value| fold(&engine::start(&wf, &map(values), STARTER, at()).unwrap());
    let big = run(json!({"amount": 500}));
    assert_eq!(tasks(&big), [(0, "big")], "first true flow in document order");
    assert_eq!(
        big.tokens[&0].wait,
        Wait::Task { candidate: Candidate::User(STARTER), due_at: Some(at() + Duration::days(1)), remind_at: None }
    );
    assert_eq!(tasks(&run(json!({"amount": 5}))), [(0, "small")]);
    assert_eq!(tasks(&run(json!({}))), [(0, "fallback")]);
    let steps = engine::start(&wf, &map(json!({"amount": 500})), STARTER, at()).unwrap();
    assert!(steps.contains(&Step::GatewayChose { token: 0, node: "g".into(), flow: "f_big".into() }));
}

#[test]
fn an_exclusive_gateway_with_no_true_flow_and_no_default_refuses() {
    let wf = workflow(
        &(r#"<startEvent id="s"/><exclusiveGateway id="g"/><userTask id="a"/><endEvent id="e"/>
        <sequenceFlow id="f1" sourceRef="g" targetRef="a"><conditionExpression>amount == 1</conditionExpression></sequenceFlow>"#
            .to_owned()
            + &flows(&[("f0", "s", "g"), ("f2", "a", "e")])),
    );
    let error = engine::start(&wf, &Map::new(), STARTER, at()).unwrap_err();
    assert_eq!(error.code, "ticket.no_way_out");
    assert_eq!(engine::start(&wf, &map(json!({"amount": 1})), STARTER, at()).unwrap().len(), 4);
}

fn parallel() -> Workflow {
    workflow(
        &(r#"<startEvent id="s"/><parallelGateway id="split"/><userTask id="a"/><userTask id="b"/><userTask id="c"/>
        <parallelGateway id="join"/><userTask id="after"/><endEvent id="e"/>"#
            .to_owned()
            + &flows(&[
                ("f0", "s", "split"),
                ("fa", "split", "a"),
                ("fb", "split", "b"),
                ("fc", "split", "c"),
                ("ja", "a", "join"),
                ("jb", "b", "join"),
                ("jc", "c", "join"),
                ("f1", "join", "after"),
                ("f2", "after", "e"),
            ])),
    )
}

#[test]
fn a_parallel_gateway_splits_and_joins() {
    let wf = parallel();
    let values = Map::new();
    let mut steps = engine::start(&wf, &values, STARTER, at()).unwrap();
    assert!(steps.contains(&Step::TokensSplit { node: "split".into(), consumed: 0, tokens: vec![1, 2, 3] }));
    let complete = |steps: &mut Vec<Step>, token| {
        let instance = fold(steps);
        steps.extend(engine::complete_task(&wf, &instance, token, &values, STARTER, at()).unwrap());
        fold(steps)
    };
    assert_eq!(tasks(&fold(&steps)), [(1, "a"), (2, "b"), (3, "c")]);
    let instance = complete(&mut steps, 2);
    assert_eq!(tasks(&instance), [(1, "a"), (3, "c")]);
    assert_eq!(instance.tokens[&4].wait, Wait::Join { flow: "jb".into() });
    let instance = complete(&mut steps, 1);
    assert_eq!(instance.tokens.len(), 3, "two wait at the join, one at c");
    let instance = complete(&mut steps, 3);
    assert!(steps.contains(&Step::TokensJoined { node: "join".into(), consumed: vec![6, 5, 4], token: 7 }));
    assert_eq!(tasks(&instance), [(7, "after")]);
    assert_eq!(instance.tokens.len(), 1);
    let instance = complete(&mut steps, 7);
    assert!(instance.finished);
}

#[test]
fn a_sub_process_runs_its_own_start_to_end_then_leaves() {
    let wf = workflow(
        &(r#"<startEvent id="s"/><subProcess id="sub" name="Approval"><startEvent id="ss"/><parallelGateway id="ps"/>
          <userTask id="x"/><userTask id="y"/><endEvent id="se1"/><endEvent id="se2"/>"#
            .to_owned()
            + &flows(&[
                ("g1", "ss", "ps"),
                ("g2", "ps", "x"),
                ("g3", "ps", "y"),
                ("g4", "x", "se1"),
                ("g5", "y", "se2"),
            ])
            + r#"</subProcess><userTask id="after"/><endEvent id="e"/>"#
            + &flows(&[("f0", "s", "sub"), ("f1", "sub", "after"), ("f2", "after", "e")])),
    );
    let values = Map::new();
    let mut steps = engine::start(&wf, &values, STARTER, at()).unwrap();
    let instance = fold(&steps);
    assert_eq!(tasks(&instance), [(1, "x"), (2, "y")]);
    steps.extend(engine::complete_task(&wf, &instance, 1, &values, STARTER, at()).unwrap());
    let instance = fold(&steps);
    assert_eq!(tasks(&instance), [(2, "y")], "the sub-process waits for its other branch");
    steps.extend(engine::complete_task(&wf, &instance, 2, &values, STARTER, at()).unwrap());
    let instance = fold(&steps);
    assert!(steps.contains(&Step::TokenPassed { token: 5, node: "sub".into() }), "a token leaves the sub-process");
    assert_eq!(tasks(&instance), [(5, "after")]);
}

#[test]
fn a_timer_waits_until_it_is_due() {
    let wf = workflow(
        &(r#"<startEvent id="s"/><intermediateCatchEvent id="w"><timerEventDefinition><timeDuration>PT30M</timeDuration></timerEventDefinition></intermediateCatchEvent>
        <serviceTask id="svc" hotline:url="https://x.example/"/><endEvent id="e"/>"#
            .to_owned()
            + &flows(&[("f0", "s", "w"), ("f1", "w", "svc"), ("f2", "svc", "e")])),
    );
    let values = Map::new();
    let mut steps = engine::start(&wf, &values, STARTER, at()).unwrap();
    let due = at() + Duration::minutes(30);
    assert_eq!(steps.last(), Some(&Step::TimerStarted { token: 0, node: "w".into(), due_at: due }));
    let instance = fold(&steps);
    let early = engine::fire_timer(&wf, &instance, 0, &values, STARTER, due - Duration::seconds(1)).unwrap_err();
    assert_eq!(early.code, "ticket.timer_not_due");
    assert_eq!(engine::fire_timer(&wf, &instance, 9, &values, STARTER, due).unwrap_err().code, "ticket.no_such_timer");
    assert_eq!(
        engine::service_done(&wf, &instance, 0, &values, STARTER, due).unwrap_err().code,
        "ticket.no_such_service"
    );
    steps.extend(engine::fire_timer(&wf, &instance, 0, &values, STARTER, due).unwrap());
    assert_eq!(
        steps.last(),
        Some(&Step::ServiceCalled { token: 1, node: "svc".into(), url: "https://x.example/".into() })
    );
    let instance = fold(&steps);
    steps.extend(engine::service_done(&wf, &instance, 1, &values, STARTER, due).unwrap());
    assert!(fold(&steps).finished);
}

#[test]
fn a_loop_that_never_waits_is_stopped() {
    let wf = workflow(
        &(r#"<startEvent id="s"/><exclusiveGateway id="g" default="out"/><endEvent id="e"/>
        <sequenceFlow id="back" sourceRef="g" targetRef="g"><conditionExpression>true</conditionExpression></sequenceFlow>"#
            .to_owned()
            + &flows(&[("f0", "s", "g"), ("out", "g", "e")])),
    );
    assert_eq!(engine::start(&wf, &Map::new(), STARTER, at()).unwrap_err().code, "ticket.workflow_loops");
}

#[test]
fn a_field_assignee_resolves_to_the_user_in_the_field() {
    let wf = workflow(
        &(r#"<startEvent id="s"/><userTask id="t" hotline:assignee="field:assignee"/><endEvent id="e"/>"#.to_owned()
            + &flows(&[("f0", "s", "t"), ("f1", "t", "e")])),
    );
    let values = map(json!({"assignee": AGENT.to_string()}));
    let instance = fold(&engine::start(&wf, &values, STARTER, at()).unwrap());
    assert_eq!(
        instance.tokens[&0].wait,
        Wait::Task { candidate: Candidate::User(AGENT), due_at: None, remind_at: None }
    );
    let error = engine::start(&wf, &map(json!({"assignee": "bob"})), STARTER, at()).unwrap_err();
    assert_eq!(error.code, "ticket.no_assignee");
}

#[test]
fn a_field_assignee_names_the_group_or_department_a_picker_holds_once_the_form_is_bound() {
    let form = pickers_form();
    let body = |key: &str| {
        format!(r#"<startEvent id="s"/><userTask id="t" hotline:assignee="field:{key}"/><endEvent id="e"/>"#)
            + &flows(&[("f0", "s", "t"), ("f1", "t", "e")])
    };
    let unit = Uuid::parse_str(OTHER_ID).unwrap();
    for (key, value, candidate) in
        [("group", json!(OTHER_ID), Candidate::Role(unit)), ("owner", json!(OTHER_ID), Candidate::User(unit))]
    {
        let mut wf = parse_bpmn(&document(&body(key))).unwrap();
        validate(&wf, &form).unwrap();
        wf.bind_form(&form);
        let values = map(json!({ key: value }));
        let instance = fold(&engine::start(&wf, &values, STARTER, at()).unwrap());
        assert_eq!(instance.tokens[&0].wait, Wait::Task { candidate, due_at: None, remind_at: None }, "{key}");
    }
    // A department picker, single: the department takes the task.
    let single_department = FormSpec::from_form_js(&json!({"components": [
        {"type": "hotline-department", "key": "department"}
    ]}))
    .unwrap();
    let mut wf = parse_bpmn(&document(&body("department"))).unwrap();
    validate(&wf, &single_department).unwrap();
    wf.bind_form(&single_department);
    let instance = fold(&engine::start(&wf, &map(json!({"department": OTHER_ID})), STARTER, at()).unwrap());
    assert_eq!(
        instance.tokens[&0].wait,
        Wait::Task { candidate: Candidate::OrgUnit(unit), due_at: None, remind_at: None }
    );
    // A field holding several values, files or a tree node names no one: not publishable.
    for key in ["watchers", "department", "evidence", "region", "related"] {
        let wf = parse_bpmn(&document(&body(key))).unwrap();
        let error = validate(&wf, &form).unwrap_err();
        assert!(error.message.contains(&format!("assigned by field {key}")), "{key}: {}", error.message);
    }
}

// ---------------------------------------------------------------- aggregates

fn type_command(action: TicketTypeAction) -> TicketTypeCommand {
    TicketTypeCommand { tenant_id: TENANT, type_id: TYPE, at: at(), action }
}

fn decide_type(
    state: TicketTypeState,
    action: TicketTypeAction,
) -> Result<(TicketTypeState, Vec<TicketTypeEvent>), DomainError> {
    let events = TicketType::decide(&state, &type_command(action))?;
    let state = events.iter().fold(state, TicketType::evolve);
    Ok((state, events))
}

fn created_type() -> TicketTypeState {
    let create = TicketTypeAction::Create { name: " Complaint ".into(), description: "".into(), form: form_json() };
    decide_type(TicketTypeState::default(), create).unwrap().0
}

fn published(events: &[TicketTypeEvent]) -> &ticket_type::Published {
    match &events[0] {
        TicketTypeEvent::Published(published) => published,
        other => panic!("not published: {other:?}"),
    }
}

#[test]
fn a_ticket_type_is_created_and_published_in_versions() {
    let state = created_type();
    assert_eq!(state.name, "Complaint");
    let again = TicketTypeAction::Create { name: "X".into(), description: "".into(), form: form_json() };
    assert_eq!(decide_type(state.clone(), again).unwrap_err().code, "ticket_type.exists");
    let bad_form =
        TicketTypeAction::Create { name: "X".into(), description: "".into(), form: json!({"components": 1}) };
    assert_eq!(decide_type(TicketTypeState::default(), bad_form).unwrap_err().code, "ticket_type.invalid_form");
    // The server checks patterns too: one it cannot read is refused when the form is saved.
    let look_ahead =
        json!({"components": [{"type": "textfield", "key": "code", "validate": {"pattern": "^(?=A)\\w+$"}}]});
    let error = decide_type(
        TicketTypeState::default(),
        TicketTypeAction::Create { name: "X".into(), description: "".into(), form: look_ahead },
    )
    .unwrap_err();
    assert_eq!(error.code, "ticket_type.invalid_form");
    assert!(error.message.contains("field code: the pattern ^(?=A)\\w+$ cannot be checked"), "{}", error.message);
    let no_name = TicketTypeAction::Create { name: "  ".into(), description: "".into(), form: form_json() };
    assert_eq!(decide_type(TicketTypeState::default(), no_name).unwrap_err().code, "ticket_type.invalid_name");
    let publish = |xml: &str| TicketTypeAction::Publish { bpmn_xml: xml.to_owned() };
    assert_eq!(decide_type(TicketTypeState::default(), publish(EXPORT)).unwrap_err().code, "ticket_type.not_found");

    let broken = document(r#"<startEvent id="s"/><userTask id="t"/>"#);
    let error = TicketType::decide(&state, &type_command(publish(&broken))).unwrap_err();
    assert_eq!(error.code, "ticket_type.invalid_workflow");
    let huge = " ".repeat(1024 * 1024 + 1);
    assert_eq!(decide_type(state.clone(), publish(&huge)).unwrap_err().code, "ticket_type.too_large");

    let (state, events) = decide_type(state, publish(EXPORT)).unwrap();
    assert_eq!(published(&events).version, 1);
    assert_eq!(published(&events).form, form_json());
    let (state, events) = decide_type(state, publish(EXPORT)).unwrap();
    assert_eq!(published(&events).version, 2);
    assert_eq!(state.version, 2);

    // A form change that drops a field the workflow uses makes the next publish fail.
    let smaller = json!({"components": [{"type": "textfield", "key": "subject"}]});
    let (state, _) = decide_type(state, TicketTypeAction::UpdateForm { form: smaller }).unwrap();
    let error = decide_type(state.clone(), publish(EXPORT)).unwrap_err();
    assert!(error.message.contains("lists field category, which is not in the form"), "{}", error.message);
    let (state, _) =
        decide_type(state, TicketTypeAction::Rename { name: "Complaints".into(), description: "d".into() }).unwrap();
    assert_eq!(state.name, "Complaints");
}

#[test]
fn a_type_keeps_the_id_of_its_latest_service_secret() {
    let rotate = |secret: u128| TicketTypeAction::RotateServiceSecret { secret_id: Uuid::from_u128(secret) };
    assert_eq!(decide_type(TicketTypeState::default(), rotate(1)).unwrap_err().code, "ticket_type.not_found");
    let (state, events) = decide_type(created_type(), rotate(1)).unwrap();
    assert_eq!(state.service_secret_id, Some(Uuid::from_u128(1)));
    assert_eq!(events.len(), 1);
    assert!(decide_type(state.clone(), rotate(1)).unwrap().1.is_empty(), "the same secret again changes nothing");
    assert_eq!(decide_type(state, rotate(2)).unwrap().0.service_secret_id, Some(Uuid::from_u128(2)));
}

fn template(id: u128, name: &str, placeholders: &[&str]) -> TicketTypeAction {
    TicketTypeAction::AddExportTemplate {
        template: ticket_type::ExportTemplate {
            template_id: Uuid::from_u128(id),
            name: name.into(),
            format: ticket_type::TemplateFormat::Docx,
            blob_id: Uuid::from_u128(1000 + id),
            file_name: format!("{name}.docx"),
            size: 100,
            placeholders: placeholders.iter().map(|name| (*name).to_owned()).collect(),
        },
    }
}

#[test]
fn export_templates_name_the_ticket_and_the_draft_forms_fields() {
    assert_eq!(
        decide_type(TicketTypeState::default(), template(1, "Letter", &[])).unwrap_err().code,
        "ticket_type.not_found"
    );
    let (state, events) = decide_type(
        created_type(),
        template(1, " Letter ", &["ticket.number", "field.amount", "field.note", "field.items.sku"]),
    )
    .unwrap();
    assert_eq!(state.export_templates.len(), 1);
    assert_eq!(state.export_templates[0].name, "Letter", "the name is trimmed");
    assert!(matches!(&events[0], TicketTypeEvent::ExportTemplateAdded(_)));
    assert!(decide_type(state.clone(), template(1, "Letter", &[])).unwrap().1.is_empty(), "the same template again");

    let error = decide_type(state.clone(), template(2, "LETTER", &[])).unwrap_err();
    assert_eq!(error.code, "ticket_type.template_name_taken");
    let error = decide_type(state.clone(), template(2, "Other", &["field.nowhere"])).unwrap_err();
    assert_eq!(error.code, "ticket_type.invalid_template");
    assert!(error.message.contains("{{field.nowhere}} names nothing"), "{}", error.message);
    assert!(
        error.message.contains("{{ticket.number}}") && error.message.contains("{{field.subject}}"),
        "{}",
        error.message
    );
    // A dynamic list's column, for each of its rows.
    let error = decide_type(state.clone(), template(2, "Other", &["field.items.price"])).unwrap_err();
    assert!(error.message.contains("{{field.items.sku}}"), "{}", error.message);
    let error = decide_type(state.clone(), template(2, "Other", &["ticket.secret"])).unwrap_err();
    assert_eq!(error.code, "ticket_type.invalid_template");
    assert_eq!(decide_type(state.clone(), template(2, " ", &[])).unwrap_err().code, "ticket_type.invalid_template");

    let full = (2..=ticket_type::MAX_EXPORT_TEMPLATES as u128)
        .fold(state, |state, id| decide_type(state, template(id, &format!("T{id}"), &[])).unwrap().0);
    let error = decide_type(full.clone(), template(99, "One more", &[])).unwrap_err();
    assert_eq!(error.code, "ticket_type.too_many_templates");

    let remove = |id: u128| TicketTypeAction::RemoveExportTemplate { template_id: Uuid::from_u128(id) };
    let (state, events) = decide_type(full, remove(1)).unwrap();
    let TicketTypeEvent::ExportTemplateRemoved(removed) = &events[0] else { panic!("{events:?}") };
    assert_eq!(removed.blob_id, Uuid::from_u128(1001), "the event names the file to delete");
    assert_eq!(decide_type(state.clone(), remove(1)).unwrap_err().code, "ticket_type.template_not_found");
    assert!(decide_type(state, template(1, "Letter", &[])).is_ok(), "the name is free again");
}

fn ticket_command(action: TicketAction) -> TicketCommand {
    TicketCommand { tenant_id: TENANT, ticket_id: TICKET, at: at(), action }
}

fn open_action(workflow: &Workflow, version: u32, values: Value) -> TicketAction {
    TicketAction::Open {
        type_id: TYPE,
        version,
        workflow: workflow.clone(),
        form: form(),
        title: "Broken printer".into(),
        values: map(values),
        computed: Map::new(),
        starter: STARTER,
        starter_roles: Vec::new(),
        origin: Some(Origin::Call(Uuid::from_u128(0xCA))),
    }
}

fn decide(state: &TicketState, action: TicketAction) -> Result<(TicketState, Vec<TicketEvent>), DomainError> {
    let events = Ticket::decide(state, &ticket_command(action))?;
    let state = events.iter().fold(state.clone(), Ticket::evolve);
    Ok((state, events))
}

fn performer(user_id: Uuid) -> Performer {
    Performer::User(Member { user_id, role_ids: vec![ROLE.parse().unwrap()], org_unit_ids: vec![] })
}

fn complete(token: TokenId, values: Value, by: Uuid, workflow: &Workflow) -> TicketAction {
    TicketAction::CompleteTask {
        token,
        values: map(values),
        computed: Map::new(),
        performer: performer(by),
        workflow: workflow.clone(),
        form: form(),
    }
}

#[test]
fn opening_a_ticket_checks_title_and_values() {
    let wf = sequential();
    let error =
        decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "x", "amount": "lots"}))).unwrap_err();
    assert_eq!(error.code, "ticket.invalid_values");
    assert_eq!(error.message, "subject: must be at least 3 characters; amount: must be a number");
    let mut untitled = open_action(&wf, 1, json!({"subject": "Printer"}));
    if let TicketAction::Open { title, .. } = &mut untitled {
        *title = " ".into();
    }
    assert_eq!(decide(&TicketState::default(), untitled).unwrap_err().code, "ticket.invalid_title");
    let (state, events) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    assert_eq!(state.status, Status::Open);
    let TicketEvent::Opened(opened) = &events[0] else { panic!() };
    assert_eq!(opened.number, ticket_number(TICKET));
    assert_eq!(decide(&state, open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap_err().code, "ticket.exists");
    let comment = TicketAction::Comment { text: "hi".into(), author: AGENT };
    assert_eq!(decide(&TicketState::default(), comment).unwrap_err().code, "ticket.not_found");
}

#[test]
fn only_the_candidate_completes_a_task_and_only_with_fields_it_may_edit() {
    let wf = sequential();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    assert_eq!(decide(&state, complete(0, json!({}), AGENT, &wf)).unwrap_err().code, "ticket.not_your_task");
    let error = decide(&state, complete(0, json!({"secret": "x"}), STARTER, &wf)).unwrap_err();
    assert_eq!((error.code, error.message.as_str()), ("ticket.invalid_values", "secret: not editable here"));
    assert_eq!(decide(&state, complete(7, json!({}), STARTER, &wf)).unwrap_err().code, "ticket.no_such_task");
    let (state, events) = decide(&state, complete(0, json!({"note": "done"}), STARTER, &wf)).unwrap();
    assert_eq!(state.values["note"], "done");
    assert_eq!(state.values["subject"], "Printer");
    let TicketEvent::TaskCompleted(completed) = &events[0] else { panic!() };
    assert_eq!((completed.node.as_str(), completed.by, completed.values.len()), ("t1", STARTER, 1));
    // t2 is assigned to AGENT.
    assert_eq!(decide(&state, complete(1, json!({}), STARTER, &wf)).unwrap_err().code, "ticket.not_your_task");
    let (state, _) = decide(&state, complete(1, json!({}), AGENT, &wf)).unwrap();
    assert_eq!(state.status, Status::Finished);
    assert_eq!(decide(&state, complete(1, json!({}), AGENT, &wf)).unwrap_err().code, "ticket.closed");
    let (state, _) = decide(&state, TicketAction::Comment { text: "thanks".into(), author: AGENT }).unwrap();
    let cancel = TicketAction::Cancel { reason: "dup".into(), by: AGENT };
    assert_eq!(decide(&state, cancel).unwrap_err().code, "ticket.closed");
}

#[test]
fn values_the_rules_computed_are_kept_whatever_the_step_lets_the_person_edit() {
    let wf = sequential();
    let mut opening = open_action(&wf, 1, json!({"subject": "Printer"}));
    if let TicketAction::Open { computed, .. } = &mut opening {
        *computed = map(json!({"amount": 40}));
    }
    let (state, _) = decide(&TicketState::default(), opening).unwrap();
    assert_eq!(state.values["amount"], 40);
    // t1 lets the starter edit only `note`; the rules may still set `secret`.
    let mut completing = complete(0, json!({"note": "done"}), STARTER, &wf);
    if let TicketAction::CompleteTask { computed, .. } = &mut completing {
        *computed = map(json!({"secret": "s3"}));
    }
    let (state, events) = decide(&state, completing).unwrap();
    assert_eq!(state.values["secret"], "s3");
    let TicketEvent::TaskCompleted(completed) = &events[0] else { panic!() };
    assert_eq!(completed.values, map(json!({"note": "done", "secret": "s3"})), "recorded with the values");
    // But what the rules set must fit the form.
    let mut wrong = complete(1, json!({}), AGENT, &wf);
    if let TicketAction::CompleteTask { computed, .. } = &mut wrong {
        *computed = map(json!({"amount": "lots", "ghost": 1}));
    }
    let error = decide(&state, wrong).unwrap_err();
    assert_eq!(error.code, "ticket.invalid_values");
    assert!(error.message.contains("amount: a calculated value that does not fit"), "{}", error.message);
    assert!(
        error.message.contains("ghost: a calculated value for a field the form does not have"),
        "{}",
        error.message
    );
}

#[test]
fn a_cancelled_ticket_takes_no_more_work() {
    let wf = sequential();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    let (state, _) = decide(&state, TicketAction::Cancel { reason: "duplicate".into(), by: AGENT }).unwrap();
    assert_eq!(state.status, Status::Cancelled);
    assert_eq!(decide(&state, complete(0, json!({}), STARTER, &wf)).unwrap_err().code, "ticket.closed");
    let long = TicketAction::Comment { text: "x".repeat(4001), author: AGENT };
    assert_eq!(decide(&state, long).unwrap_err().code, "ticket.invalid_comment");
}

// ---------------------------------------------------------------- SLA and mail

/// One task due in 4 hours, with a reminder an hour before and escalation to ROLE.
fn with_sla() -> Workflow {
    workflow(
        &(format!(
            r#"<startEvent id="s"/><userTask id="t" name="Handle" hotline:due="PT4H" hotline:remind="PT1H" hotline:escalate="role:{ROLE}"/><endEvent id="e"/>"#
        ) + &flows(&[("f1", "s", "t"), ("f2", "t", "e")])),
    )
}

fn decide_at(
    state: &TicketState,
    action: TicketAction,
    at: DateTime<Utc>,
) -> Result<(TicketState, Vec<TicketEvent>), DomainError> {
    let events = Ticket::decide(state, &TicketCommand { at, ..ticket_command(action) })?;
    Ok((events.iter().fold(state.clone(), Ticket::evolve), events))
}

#[test]
fn a_task_is_reminded_before_its_due_time_then_reported_overdue_once_each() {
    let wf = with_sla();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    assert_eq!(
        state.instance.tokens[&0].wait,
        Wait::Task {
            candidate: Candidate::User(STARTER),
            due_at: Some(at() + Duration::hours(4)),
            remind_at: Some(at() + Duration::hours(3)),
        }
    );
    let check = || TicketAction::CheckSla { token: 0, workflow: wf.clone() };
    let early = decide_at(&state, check(), at() + Duration::hours(2)).unwrap_err();
    assert_eq!(early.code, "ticket.sla_not_due");
    let (state, events) = decide_at(&state, check(), at() + Duration::hours(3)).unwrap();
    let TicketEvent::TaskReminded(reminded) = &events[0] else { panic!("expected a reminder: {events:?}") };
    assert_eq!((reminded.candidate.clone(), reminded.due_at), (Candidate::User(STARTER), at() + Duration::hours(4)));
    let again = decide_at(&state, check(), at() + Duration::hours(3) + Duration::minutes(1)).unwrap_err();
    assert_eq!(again.code, "ticket.sla_not_due", "one reminder per task");
    let (state, events) = decide_at(&state, check(), at() + Duration::hours(5)).unwrap();
    let TicketEvent::TaskOverdue(overdue) = &events[0] else { panic!("expected overdue: {events:?}") };
    assert_eq!(overdue.escalated_to, Some(Candidate::Role(ROLE.parse().unwrap())));
    assert_eq!(decide_at(&state, check(), at() + Duration::hours(9)).unwrap_err().code, "ticket.sla_not_due");
    // Completing the task ends its SLA.
    let (state, _) = decide_at(&state, complete(0, json!({}), STARTER, &wf), at() + Duration::hours(9)).unwrap();
    assert!(state.sla.is_empty());
    assert_eq!(decide_at(&state, check(), at() + Duration::hours(9)).unwrap_err().code, "ticket.closed");
}

#[test]
fn a_task_checked_only_after_its_due_time_is_reported_overdue_without_a_reminder() {
    let wf = with_sla();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    let check = TicketAction::CheckSla { token: 0, workflow: wf.clone() };
    let (state, events) = decide_at(&state, check.clone(), at() + Duration::days(2)).unwrap();
    assert!(matches!(events[..], [TicketEvent::TaskOverdue(_)]));
    assert_eq!(decide_at(&state, check, at() + Duration::days(3)).unwrap_err().code, "ticket.sla_not_due");
    let no_sla = sequential();
    let (state, _) = decide(&TicketState::default(), open_action(&no_sla, 1, json!({"subject": "Printer"}))).unwrap();
    let check = TicketAction::CheckSla { token: 0, workflow: no_sla };
    assert_eq!(decide_at(&state, check, at() + Duration::days(3)).unwrap_err().code, "ticket.sla_not_due");
}

#[test]
fn reminders_need_a_due_time_that_comes_after_them() {
    let parse = |attributes: &str| {
        let body = format!(r#"<startEvent id="s"/><userTask id="t" name="Handle" {attributes}/><endEvent id="e"/>"#)
            + &flows(&[("f1", "s", "t"), ("f2", "t", "e")]);
        validate(&parse_bpmn(&document(&body)).unwrap(), &form()).map_err(|error| error.message)
    };
    assert!(parse(r#"hotline:remind="PT1H""#).unwrap_err().contains("a reminder but no due time"));
    assert!(parse(r#"hotline:due="PT1H" hotline:remind="PT2H""#).unwrap_err().contains("before it is due"));
    assert!(
        parse(r#"hotline:escalate="field:nope" hotline:due="PT1H""#).unwrap_err().contains("escalates by field nope")
    );
    let bad = document(r#"<startEvent id="s"/><userTask id="t" hotline:escalate="team:1"/>"#);
    assert_eq!(parse_bpmn(&bad).unwrap_err().code, "ticket_type.invalid_workflow");
    assert!(parse(r#"hotline:due="PT2H" hotline:remind="PT30M" hotline:escalate="starter""#).is_ok());
}

#[test]
fn a_mail_reply_joins_its_ticket_once_even_after_it_closed() {
    let wf = sequential();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    let (state, _) = decide(&state, TicketAction::Cancel { reason: "dup".into(), by: AGENT }).unwrap();
    let mail = |from: &str| TicketAction::ReceiveMail {
        from: from.into(),
        author: None,
        subject: "Re: [T0000000001] Broken printer".into(),
        text: format!("  It works again.{}  ", "!".repeat(MAX_MAIL_TEXT_CHARS)),
        message_id: "<1@mail.example>".into(),
    };
    let (state, events) = decide(&state, mail("Customer@Mail.Example")).unwrap();
    let TicketEvent::MailReceived(received) = &events[0] else { panic!("expected a mail: {events:?}") };
    assert_eq!(received.from, "Customer@mail.example");
    assert_eq!(received.text.chars().count(), MAX_MAIL_TEXT_CHARS);
    assert!(received.text.starts_with("It works again."));
    assert_eq!(decide(&state, mail("customer@mail.example")).unwrap().1, [], "the same message joins once");
    let from_nobody = TicketAction::ReceiveMail {
        from: "not an address".into(),
        author: None,
        subject: String::new(),
        text: String::new(),
        message_id: "<2@mail.example>".into(),
    };
    assert_eq!(decide(&state, from_nobody).unwrap_err().code, "ticket.invalid_sender");
}

#[test]
fn ticket_numbers_are_crockford_base32_of_the_last_50_bits() {
    assert_eq!(ticket_number(Uuid::from_u128(0)), "T0000000000");
    assert_eq!(ticket_number(Uuid::from_u128(31)), "T000000000Z");
    assert_eq!(ticket_number(Uuid::from_u128(u128::MAX)), "TZZZZZZZZZZ");
    assert_eq!(ticket_number(Uuid::from_u128((1 << 50) | 32)), "T0000000010", "bits above 50 are ignored");
    let number = ticket_number(Uuid::from_u128(0x0190_0000_0000_7abc_8123_4567_89ab_cdef));
    assert_eq!(number.len(), 11);
    assert!(number[1..].chars().all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c))));
}

#[test]
fn every_event_survives_its_payload() {
    let wf = parse_bpmn(EXPORT).unwrap();
    let type_events = vec![
        TicketTypeEvent::Created(ticket_type::TypeCreated {
            type_id: TYPE,
            name: "n".into(),
            description: "d".into(),
            form: form_json(),
            at: at(),
        }),
        TicketTypeEvent::FormUpdated(ticket_type::FormUpdated { type_id: TYPE, form: form_json(), at: at() }),
        TicketTypeEvent::Published(ticket_type::Published {
            type_id: TYPE,
            version: 3,
            bpmn_xml: EXPORT.into(),
            workflow: wf,
            form: form_json(),
            rules: Some("values.total = 1;".into()),
            at: at(),
        }),
        TicketTypeEvent::Renamed(ticket_type::Renamed {
            type_id: TYPE,
            name: "n".into(),
            description: "".into(),
            at: at(),
        }),
        TicketTypeEvent::RulesUpdated(ticket_type::RulesUpdated { type_id: TYPE, script: "".into(), at: at() }),
        TicketTypeEvent::ServiceSecretRotated(ticket_type::ServiceSecretRotated {
            type_id: TYPE,
            secret_id: Uuid::from_u128(0x5EC),
            at: at(),
        }),
    ];
    for event in type_events {
        let back =
            TicketTypeEvent::from_stored(event.event_type(), event.schema_version(), &event.to_payload()).unwrap();
        assert_eq!(back, event);
    }
    let pwf = parallel();
    let (state, mut events) =
        decide(&TicketState::default(), open_action(&pwf, 1, json!({"subject": "Printer"}))).unwrap();
    events.extend(decide(&state, complete(1, json!({}), STARTER, &pwf)).unwrap().1);
    let resumed = Resumed { ticket_id: TICKET, token: 1, steps: vec![Step::Finished], at: at() };
    let returned = ServiceReturned {
        ticket_id: TICKET,
        token: 1,
        values: Some(map(json!({"amount": 5}))),
        steps: vec![Step::Finished],
        at: at(),
    };
    events.extend([
        TicketEvent::TimerFired(resumed),
        TicketEvent::ServiceDone(returned),
        TicketEvent::ServiceFailed(ServiceFailed {
            ticket_id: TICKET,
            token: 1,
            node: "svc".into(),
            error: "HTTP 500".into(),
            attempts: 7,
            at: at(),
        }),
        TicketEvent::ServiceRetried(ServiceRetried {
            ticket_id: TICKET,
            token: 1,
            node: "svc".into(),
            by: AGENT,
            at: at(),
        }),
        TicketEvent::Commented(Commented { ticket_id: TICKET, author: AGENT, text: "t".into(), at: at() }),
        TicketEvent::Cancelled(Cancelled { ticket_id: TICKET, by: AGENT, reason: "r".into(), at: at() }),
        TicketEvent::TaskReminded(TaskReminded {
            ticket_id: TICKET,
            token: 1,
            node: "t".into(),
            candidate: Candidate::User(AGENT),
            due_at: at(),
            at: at(),
        }),
        TicketEvent::TaskOverdue(TaskOverdue {
            ticket_id: TICKET,
            token: 1,
            node: "t".into(),
            candidate: Candidate::User(AGENT),
            escalated_to: None,
            due_at: at(),
            at: at(),
        }),
        TicketEvent::LinkSent(LinkSent {
            ticket_id: TICKET,
            token: 1,
            node: "t".into(),
            address: "supplier@b.example".into(),
            expires_at: at(),
            by: Some(AGENT),
            at: at(),
        }),
        TicketEvent::MailReceived(MailReceived {
            ticket_id: TICKET,
            from: "a@b.example".into(),
            author: None,
            subject: "s".into(),
            text: "t".into(),
            message_id: "<m@b.example>".into(),
            at: at(),
        }),
    ]);
    let kinds: BTreeSet<&str> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(kinds.len(), EVENT_TYPES.len());
    for event in events {
        let back = TicketEvent::from_stored(event.event_type(), event.schema_version(), &event.to_payload()).unwrap();
        assert_eq!(back, event);
    }
    assert!(TicketEvent::from_stored("hotline.ticket.nope", 1, &json!({})).is_err());
    assert!(TicketEvent::from_stored(OPENED, 2, &json!({})).is_err());
}

// ---------------------------------------------------------------- properties

/// Start, task A, then B and a sub-process holding C in parallel, a join, and an exclusive
/// gateway that loops back to A while `again` is true.
fn looping() -> Workflow {
    workflow(
        &(r#"<startEvent id="s"/><userTask id="a" hotline:fields="again=editable"/><parallelGateway id="split"/>
        <userTask id="b" hotline:fields="again=editable" hotline:assignee="role:00000000-0000-0000-0000-0000000000b0"/>
        <subProcess id="sub"><startEvent id="ss"/><userTask id="c" hotline:fields="again=editable"/><endEvent id="se"/>"#
            .to_owned()
            + &flows(&[("g1", "ss", "c"), ("g2", "c", "se")])
            + r#"</subProcess><parallelGateway id="join"/><exclusiveGateway id="x" default="out"/><endEvent id="e"/>
        <sequenceFlow id="back" sourceRef="x" targetRef="a"><conditionExpression>${again == true}</conditionExpression></sequenceFlow>"#
            + &flows(&[
                ("f0", "s", "a"),
                ("f1", "a", "split"),
                ("f2", "split", "b"),
                ("f3", "split", "sub"),
                ("f4", "b", "join"),
                ("f5", "sub", "join"),
                ("f6", "join", "x"),
                ("out", "x", "e"),
            ])),
    )
}

/// Checks the token accounting of a whole log of steps: ids are fresh when created, only live
/// tokens are consumed, and what is left is exactly the instance's tokens.
fn check_tokens(steps: &[Step], instance: &Instance) -> Result<(), TestCaseError> {
    let mut seen = BTreeSet::new();
    let mut live = BTreeSet::new();
    let (mut created, mut consumed) = (0usize, 0usize);
    let mut create = |id: TokenId, live: &mut BTreeSet<TokenId>| -> Result<(), TestCaseError> {
        prop_assert!(seen.insert(id), "token {} reused", id);
        live.insert(id);
        created += 1;
        Ok(())
    };
    let mut consume = |id: TokenId, live: &mut BTreeSet<TokenId>| -> Result<(), TestCaseError> {
        prop_assert!(live.remove(&id), "token {} consumed while not live", id);
        consumed += 1;
        Ok(())
    };
    for step in steps {
        match step {
            Step::TokenPassed { token, .. } if !live.contains(token) => create(*token, &mut live)?,
            Step::Resumed { token, next, .. } => {
                consume(*token, &mut live)?;
                create(*next, &mut live)?;
            }
            Step::TokensSplit { consumed: old, tokens, .. } => {
                consume(*old, &mut live)?;
                for token in tokens {
                    create(*token, &mut live)?;
                }
            }
            Step::TokensJoined { consumed: old, token, .. } => {
                for token in old {
                    consume(*token, &mut live)?;
                }
                create(*token, &mut live)?;
            }
            Step::TokenEnded { token, .. } => consume(*token, &mut live)?,
            Step::TaskActivated { token, .. }
            | Step::TimerStarted { token, .. }
            | Step::ServiceCalled { token, .. }
            | Step::TokenArrived { token, .. }
            | Step::GatewayChose { token, .. } => prop_assert!(live.contains(token), "token {} is not live", token),
            Step::TokenPassed { .. } | Step::Finished => {}
        }
    }
    prop_assert_eq!(live.len(), created - consumed);
    prop_assert_eq!(live, instance.tokens.keys().copied().collect::<BTreeSet<_>>());
    prop_assert!(instance.tokens.values().all(|token| token.wait != Wait::Moving), "a token left moving");
    Ok(())
}

fn all_steps(events: &[TicketEvent]) -> Vec<Step> {
    events
        .iter()
        .flat_map(|event| match event {
            TicketEvent::Opened(opened) => opened.steps.clone(),
            TicketEvent::TaskCompleted(completed) => completed.steps.clone(),
            TicketEvent::TimerFired(resumed) => resumed.steps.clone(),
            TicketEvent::ServiceDone(returned) => returned.steps.clone(),
            _ => vec![],
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn replaying_the_steps_rebuilds_the_live_instance(choices in proptest::collection::vec((0usize..4, any::<bool>()), 1..40)) {
        let wf = looping();
        let (mut state, mut events) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
        for (pick, again) in choices {
            let open: Vec<TokenId> = state.instance.active_tasks().map(|(id, _)| id).collect();
            if open.is_empty() {
                break;
            }
            let token = open[pick % open.len()];
            let (next, new_events) = decide(&state, complete(token, json!({"again": again}), STARTER, &wf)).unwrap();
            state = next;
            events.extend(new_events);
            // Replay from the stored form of the log, from scratch.
            let stored: Vec<TicketEvent> = events
                .iter()
                .map(|event| TicketEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap())
                .collect();
            let replayed = Ticket::replay(&stored);
            prop_assert_eq!(&replayed, &state);
            let steps = all_steps(&events);
            prop_assert_eq!(&fold(&steps), &state.instance);
            check_tokens(&steps, &state.instance)?;
        }
    }

    #[test]
    fn two_completions_of_one_state_never_complete_the_same_token(
        warmup in proptest::collection::vec(0usize..4, 0..6),
        first in 0usize..4,
        second in 0usize..4,
    ) {
        let wf = looping();
        let (mut state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
        for pick in warmup {
            let open: Vec<TokenId> = state.instance.active_tasks().map(|(id, _)| id).collect();
            state = decide(&state, complete(open[pick % open.len()], json!({"again": true}), STARTER, &wf)).unwrap().0;
        }
        let open: Vec<TokenId> = state.instance.active_tasks().map(|(id, _)| id).collect();
        let (a, b) = (open[first % open.len()], open[second % open.len()]);
        // Both were decided against `state`; the second is retried against the state after the first.
        let alone = Ticket::decide(&state, &ticket_command(complete(b, json!({}), STARTER, &wf)));
        prop_assert!(alone.is_ok());
        let after = decide(&state, complete(a, json!({"again": true}), STARTER, &wf)).unwrap().0;
        match decide(&after, complete(b, json!({}), STARTER, &wf)) {
            Ok((_, events)) => {
                prop_assert_ne!(a, b);
                let TicketEvent::TaskCompleted(completed) = &events[0] else { panic!() };
                prop_assert_eq!(completed.token, b);
            }
            Err(error) => {
                prop_assert_eq!(a, b);
                prop_assert_eq!(error.code, "ticket.no_such_task");
            }
        }
    }
}

#[test]
fn a_running_ticket_stays_on_the_version_it_opened_with() {
    let v1 = document(
        &(r#"<startEvent id="s"/><userTask id="only"/><endEvent id="e"/>"#.to_owned()
            + &flows(&[("f0", "s", "only"), ("f1", "only", "e")])),
    );
    let v2 = document(
        &(r#"<startEvent id="s"/><userTask id="only"/><userTask id="review" hotline:assignee="user:000000000000000000000000000000a6"/><endEvent id="e"/>"#
            .to_owned()
            + &flows(&[("f0", "s", "only"), ("f1", "only", "review"), ("f2", "review", "e")])),
    );
    let (type_state, events) = decide_type(created_type(), TicketTypeAction::Publish { bpmn_xml: v1 }).unwrap();
    let version_1 = published(&events).clone();
    let (ticket, _) =
        decide(&TicketState::default(), open_action(&version_1.workflow, 1, json!({"subject": "Printer"}))).unwrap();

    let (_, events) = decide_type(type_state, TicketTypeAction::Publish { bpmn_xml: v2 }).unwrap();
    let version_2 = published(&events).clone();
    assert_eq!(version_2.version, 2);

    // The service passes the ticket's own version; the new one would have sent it to review.
    let (ticket, _) = decide(&ticket, complete(0, json!({}), STARTER, &version_1.workflow)).unwrap();
    assert_eq!(ticket.version, 1);
    assert_eq!(ticket.status, Status::Finished);
    let (fresh, _) =
        decide(&TicketState::default(), open_action(&version_2.workflow, 2, json!({"subject": "Printer"}))).unwrap();
    let (fresh, _) = decide(&fresh, complete(0, json!({}), STARTER, &version_2.workflow)).unwrap();
    assert_eq!(fresh.status, Status::Open);
    assert_eq!(tasks(&fresh.instance), [(1, "review")]);
}

// ---------------------------------------------------------------- service tasks

/// A service task first, then a gateway on the amount its answer may set.
fn with_service() -> Workflow {
    let role = format!("role:{ROLE}");
    workflow(
        &(format!(
            r#"<startEvent id="s"/><serviceTask id="svc" name="Look up" hotline:url="https://crm.example/lookup"/>
            <exclusiveGateway id="g" default="small"/>
            <userTask id="big" hotline:assignee="{role}"/><userTask id="low" hotline:assignee="{role}"/>
            <endEvent id="e1"/><endEvent id="e2"/>
            <sequenceFlow id="large" sourceRef="g" targetRef="big"><conditionExpression>amount &gt; 100</conditionExpression></sequenceFlow>"#
        ) + &flows(&[
            ("f0", "s", "svc"),
            ("f1", "svc", "g"),
            ("small", "g", "low"),
            ("f2", "big", "e1"),
            ("f3", "low", "e2"),
        ])),
    )
}

fn service_done(token: TokenId, values: Value, workflow: &Workflow) -> TicketAction {
    TicketAction::ServiceDone { token, values: map(values), workflow: workflow.clone(), form: form() }
}

#[test]
fn a_service_answer_sets_values_that_the_next_gateway_routes_on() {
    let wf = with_service();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    assert_eq!(state.services.get(&0), Some(&ServiceCall { round: 0, failed: false }));
    let error = decide(&state, service_done(0, json!({"amount": "lots"}), &wf)).unwrap_err();
    assert_eq!(error.code, "ticket.invalid_values", "an answer is checked against the form");
    let error = decide(&state, service_done(0, json!({"nope": 1}), &wf)).unwrap_err();
    assert_eq!(error.code, "ticket.invalid_values");
    assert_eq!(decide(&state, service_done(7, json!({}), &wf)).unwrap_err().code, "ticket.no_such_service");

    let (done, events) = decide(&state, service_done(0, json!({"amount": 500}), &wf)).unwrap();
    let TicketEvent::ServiceDone(returned) = &events[0] else { panic!("{events:?}") };
    assert_eq!(returned.values, Some(map(json!({"amount": 500}))));
    assert_eq!(done.values["amount"], json!(500));
    assert_eq!(tasks(&done.instance), [(1, "big")], "the gateway saw the answer's amount");
    assert!(done.services.is_empty(), "the service wait is over");

    let (quiet, events) = decide(&state, service_done(0, json!({}), &wf)).unwrap();
    let TicketEvent::ServiceDone(returned) = &events[0] else { panic!("{events:?}") };
    assert_eq!(returned.values, None, "an answer without values records none");
    assert_eq!(tasks(&quiet.instance), [(1, "low")]);
}

#[test]
fn a_failed_service_call_waits_for_a_retry_in_a_new_round() {
    let wf = with_service();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    let retry = TicketAction::RetryService { token: 0, by: AGENT };
    assert_eq!(decide(&state, retry.clone()).unwrap_err().code, "ticket.service_not_failed");
    let fail = TicketAction::FailService { token: 0, error: format!("HTTP 500: {}", "x".repeat(5000)), attempts: 7 };
    let (failed, events) = decide(&state, fail.clone()).unwrap();
    let TicketEvent::ServiceFailed(recorded) = &events[0] else { panic!("{events:?}") };
    assert_eq!((recorded.node.as_str(), recorded.attempts), ("svc", 7));
    assert_eq!(recorded.error.chars().count(), MAX_SERVICE_ERROR_CHARS, "a long error is cut");
    assert!(failed.services[&0].failed);
    assert!(decide(&failed, fail).unwrap().1.is_empty(), "a second failure of the same round records nothing");
    assert_eq!(
        decide(&failed, TicketAction::FailService { token: 3, error: "x".into(), attempts: 1 }).unwrap_err().code,
        "ticket.no_such_service"
    );

    let (retried, events) = decide(&failed, retry).unwrap();
    assert!(matches!(&events[0], TicketEvent::ServiceRetried(event) if event.by == AGENT && event.node == "svc"));
    assert_eq!(retried.services[&0], ServiceCall { round: 1, failed: false });
    let (done, _) = decide(&retried, service_done(0, json!({}), &wf)).unwrap();
    assert_eq!(tasks(&done.instance), [(1, "low")]);
}

// ---------------------------------------------------------------- outside collaborators

/// The starter, then a supplier by the address in `note`'s place (`assignee` holds it), then
/// the starter again.
fn with_collaborator(assignee: &str) -> Workflow {
    workflow(
        &(format!(
            r#"<startEvent id="s"/><userTask id="quote" name="Quote" hotline:assignee="{assignee}" hotline:fields="amount=required,subject=readonly"/><userTask id="check"/><endEvent id="e"/>"#
        ) + &flows(&[("f1", "s", "quote"), ("f2", "quote", "check"), ("f3", "check", "e")])),
    )
}

fn collaborator(address: &str, link_expires_at: DateTime<Utc>) -> Performer {
    Performer::Collaborator { address: address.into(), link_expires_at }
}

fn complete_as(token: TokenId, values: Value, performer: Performer, workflow: &Workflow) -> TicketAction {
    TicketAction::CompleteTask {
        token,
        values: map(values),
        computed: Map::new(),
        performer,
        workflow: workflow.clone(),
        form: form(),
    }
}

#[test]
fn an_outside_collaborator_is_named_by_address_or_by_a_field_holding_one() {
    let fixed = with_collaborator("external:Supplier@Example.COM");
    let steps = engine::start(&fixed, &Map::new(), STARTER, at()).unwrap();
    assert!(steps.contains(&Step::TaskActivated {
        token: 0,
        node: "quote".into(),
        candidate: Candidate::External("Supplier@example.com".into()),
        due_at: None,
        remind_at: None,
    }));
    let by_field = with_collaborator("external-field:assignee");
    let values = map(json!({"assignee": " buyer@example.org "}));
    let steps = engine::start(&by_field, &values, STARTER, at()).unwrap();
    assert!(
        matches!(&steps[1], Step::TaskActivated { candidate: Candidate::External(address), .. } if address == "buyer@example.org")
    );
    let error = engine::start(&by_field, &map(json!({"assignee": "nobody"})), STARTER, at()).unwrap_err();
    assert_eq!(error.code, "ticket.no_assignee");
    let error = parse_bpmn(&document(r#"<userTask id="t" hotline:assignee="external:not-an-address"/>"#)).unwrap_err();
    assert!(error.message.contains("not an e-mail address"), "{}", error.message);
    let escalating = parse_bpmn(&document(
        &(r#"<startEvent id="s"/><userTask id="t" hotline:due="PT1H" hotline:escalate="external:a@b.example"/><endEvent id="e"/>"#
            .to_owned()
            + &flows(&[("f1", "s", "t"), ("f2", "t", "e")])),
    ))
    .unwrap();
    let error = validate(&escalating, &form()).unwrap_err();
    assert!(error.message.contains("escalates to an outside collaborator"), "{}", error.message);
}

#[test]
fn a_collaborator_completes_their_task_only_through_a_live_link_sent_for_it() {
    let wf = with_collaborator("external:supplier@example.com");
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "Printer"}))).unwrap();
    let expires_at = at() + Duration::days(7);
    let send = |by| TicketAction::SendLink { token: 0, expires_at, by };
    let supplier = || collaborator("supplier@example.com", expires_at);
    // No link was sent yet: a forged completion before it is refused.
    let error = decide(&state, complete_as(0, json!({"amount": 5}), supplier(), &wf)).unwrap_err();
    assert_eq!(error.code, "ticket.link_invalid");
    let (state, events) = decide(&state, send(None)).unwrap();
    let TicketEvent::LinkSent(sent) = &events[0] else { panic!("{events:?}") };
    assert_eq!((sent.address.as_str(), sent.node.as_str(), sent.by), ("supplier@example.com", "quote", None));
    assert_eq!(state.links.get(&0), Some(&expires_at));
    // The system sends one link per task; a person may send another, which revokes the first.
    assert!(decide(&state, send(None)).unwrap().1.is_empty());
    let resend = TicketAction::SendLink { token: 0, expires_at: expires_at + Duration::hours(1), by: Some(AGENT) };
    let (resent, events) = decide(&state, resend).unwrap();
    assert_eq!(events.len(), 1);
    let first_link = decide(&resent, complete_as(0, json!({"amount": 5}), supplier(), &wf)).unwrap_err();
    assert_eq!(first_link.code, "ticket.link_superseded");
    let latest = collaborator("supplier@example.com", expires_at + Duration::hours(1));
    assert!(decide(&resent, complete_as(0, json!({"amount": 5}), latest, &wf)).is_ok());
    let stale = TicketAction::SendLink { token: 0, expires_at: at(), by: Some(AGENT) };
    assert_eq!(decide(&state, stale).unwrap_err().code, "ticket.invalid_link");
    // Users cannot do an outsider's task, nor another address, nor an expired link.
    assert_eq!(
        decide(&state, complete(0, json!({"amount": 5}), STARTER, &wf)).unwrap_err().code,
        "ticket.not_your_task"
    );
    let other = collaborator("other@example.com", expires_at);
    assert_eq!(
        decide(&state, complete_as(0, json!({"amount": 5}), other, &wf)).unwrap_err().code,
        "ticket.not_your_task"
    );
    let late =
        TicketCommand { at: expires_at, ..ticket_command(complete_as(0, json!({"amount": 5}), supplier(), &wf)) };
    assert_eq!(Ticket::decide(&state, &late).unwrap_err().code, "ticket.link_expired");
    // The step's form is checked for them as for anyone.
    let error = decide(&state, complete_as(0, json!({"subject": "Mine"}), supplier(), &wf)).unwrap_err();
    assert_eq!(error.code, "ticket.invalid_values");
    let (state, events) = decide(&state, complete_as(0, json!({"amount": 5}), supplier(), &wf)).unwrap();
    let TicketEvent::TaskCompleted(done) = &events[0] else { panic!("{events:?}") };
    assert_eq!((done.by, done.collaborator.as_deref()), (Uuid::nil(), Some("supplier@example.com")));
    assert_eq!(state.values.get("amount"), Some(&json!(5)));
    assert!(state.links.is_empty(), "the link went with its task");
    // The link does nothing once its task is done, and a user's task takes no link.
    assert_eq!(
        decide(&state, complete_as(0, json!({"amount": 6}), supplier(), &wf)).unwrap_err().code,
        "ticket.no_such_task"
    );
    let next = state.instance.active_tasks().next().unwrap().0;
    let send_user_task = TicketAction::SendLink { token: next, expires_at, by: Some(AGENT) };
    assert_eq!(decide(&state, send_user_task).unwrap_err().code, "ticket.not_external");
}

#[test]
fn a_step_may_set_how_long_its_collaborators_links_live() {
    let one_step = |attributes: &str| {
        parse_bpmn(&document(
            &(format!(r#"<startEvent id="s"/><userTask id="t" {attributes}/><endEvent id="e"/>"#)
                + &flows(&[("f1", "s", "t"), ("f2", "t", "e")])),
        ))
        .unwrap()
    };
    let lifetime = |workflow: &Workflow| match &workflow.node("t").unwrap().kind {
        NodeKind::UserTask(task) => task.link_seconds,
        other => panic!("{other:?}"),
    };
    let three_days = one_step(r#"hotline:assignee="external:a@b.example" hotline:link-lifetime="P3D""#);
    assert_eq!(validate(&three_days, &form()), Ok(()));
    assert_eq!(lifetime(&three_days), Some(3 * 24 * 3600));
    assert_eq!(lifetime(&one_step(r#"hotline:assignee="external:a@b.example""#)), None, "the default");
    for (attributes, problem) in [
        (r#"hotline:assignee="starter" hotline:link-lifetime="P1D""#, "not done by an outside collaborator"),
        (r#"hotline:assignee="external:a@b.example" hotline:link-lifetime="PT30M""#, "from an hour to 90 days"),
        (r#"hotline:assignee="external:a@b.example" hotline:link-lifetime="P91D""#, "from an hour to 90 days"),
    ] {
        let error = validate(&one_step(attributes), &form()).unwrap_err();
        assert!(error.message.contains(problem), "{attributes}: {}", error.message);
    }
    assert!(DEFAULT_LINK_SECONDS > 0 && LINK_SECONDS.contains(&DEFAULT_LINK_SECONDS));
}

fn query_form() -> FormSpec {
    FormSpec::from_form_js(&json!({"components": [
        {"type": "hotline-query", "key": "region", "source": "dictionary", "dictionary": " regions "},
        {"type": "hotline-query", "key": "customers", "source": "customers", "multiple": true,
         "conditions": [
             {"field": "city", "op": "equals", "value": "Shanghai"},
             {"field": "level", "op": "between", "value": 1, "valueTo": "5"},
             {"field": "phone", "op": "not_empty"}
         ],
         "columns": ["phone", "city"]}
    ]}))
    .unwrap()
}

#[test]
fn query_fields_are_read_with_their_source() {
    let spec = query_form();
    let region = spec.field("region").unwrap();
    assert_eq!(
        (region.kind, region.query.clone()),
        (FieldKind::Query, Some(QuerySource::Dictionary { code: "regions".into() }))
    );
    let Some(QuerySource::Customers { conditions, columns }) = &spec.field("customers").unwrap().query else {
        panic!("customers source expected");
    };
    assert_eq!(columns, &["phone", "city"]);
    assert_eq!(conditions.len(), 3);
    assert_eq!(
        (conditions[1].op, conditions[1].value.as_deref(), conditions[1].value_to.as_deref()),
        (crate::customer::ConditionOp::Between, Some("1"), Some("5")),
        "numbers read as text, valueTo as the upper end"
    );
}

#[test]
fn query_fields_without_a_usable_source_are_refused() {
    let query = |extra: Value| {
        let mut field = json!({"type": "hotline-query", "key": "q"});
        field.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"components": [field]})
    };
    let cases = [
        query(json!({})),
        query(json!({"source": "sql"})),
        query(json!({"source": "dictionary"})),
        query(json!({"source": "dictionary", "dictionary": "  "})),
        query(json!({"source": "customers", "conditions": {"field": "city"}})),
        query(json!({"source": "customers", "conditions": [{"field": "city", "op": "like", "value": "x"}]})),
        query(json!({"source": "customers", "conditions": [{"field": "city", "op": "equals"}]})),
        query(json!({"source": "customers", "conditions": [{"field": "level", "op": "between", "value": "1"}]})),
        query(json!({"source": "customers", "conditions": [{"op": "not_empty"}]})),
        query(json!({"source": "customers", "columns": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]})),
        query(json!({"source": "customers", "columns": [3]})),
    ];
    for case in cases {
        let error = FormSpec::from_form_js(&case).unwrap_err();
        assert_eq!(error.code, "ticket_type.invalid_form", "{case}");
    }
}

#[test]
fn query_values_are_codes_or_customer_ids_and_are_listed_for_checking() {
    let spec = query_form();
    let good = map(json!({"region": "east", "customers": [USER_ID, OTHER_ID]}));
    assert_eq!(validate_values(&spec, &good, &|_| FieldAccess::Editable), []);
    let listed: Vec<(String, String)> =
        query_values(&spec, &good).into_iter().map(|found| (found.field, found.value)).collect();
    let expected = [("region", "east"), ("customers", USER_ID), ("customers", OTHER_ID)];
    assert_eq!(listed, expected.map(|(field, value)| (field.to_owned(), value.to_owned())));
    let bad = map(json!({"region": ["east"], "customers": ["not-an-id"]}));
    let mut fields: Vec<String> =
        validate_values(&spec, &bad, &|_| FieldAccess::Editable).into_iter().map(|error| error.field).collect();
    fields.sort();
    assert_eq!(fields, ["customers", "region"]);
}

#[test]
fn a_mobile_layout_holds_fields_of_the_form_and_every_required_one() {
    let desktop = json!([
        {"type": "textfield", "key": "subject", "label": "Subject", "validate": {"required": true}},
        {"type": "textarea", "key": "details", "label": "Details"},
        {"type": "hotline-user", "key": "owner", "label": "Owner"}
    ]);
    let with_layout = |layout: Value| json!({"components": desktop, (MOBILE_LAYOUT): layout});
    let fits = with_layout(json!({"components": [
        {"type": "text", "text": "Short form"},
        {"type": "group", "components": [{"type": "textfield", "key": "subject", "label": "What"}]}
    ]}));
    let spec = FormSpec::from_form_js(&fits).unwrap();
    assert_eq!(check_mobile_layout(&spec, &fits), Ok(()));
    assert_eq!(spec.fields.len(), 3, "the layout adds no fields of its own");
    assert_eq!(check_mobile_layout(&spec, &json!({"components": desktop})), Ok(()), "no layout is fine");
    let refused = [
        json!({"components": [{"type": "textfield", "key": "subject"}, {"type": "textfield", "key": "extra"}]}),
        json!({"components": [{"type": "textfield", "key": "subject"}, {"type": "textfield", "key": "owner"}]}),
        json!({"components": [{"type": "textarea", "key": "details"}]}),
        json!({"components": "none"}),
        json!("a layout"),
    ];
    for layout in refused {
        let schema = with_layout(layout.clone());
        let error = check_mobile_layout(&spec, &schema).unwrap_err();
        assert_eq!(error.code, "ticket_type.invalid_form", "{layout}");
    }
}

// ---------------------------------------------------------------- forms per role

const CLERK: Uuid = Uuid::from_u128(0xC1);

/// The test form with forms per role: clerks may not see `amount` and only read `note`;
/// everyone else only reads `amount`.
fn role_form() -> FormSpec {
    let mut schema = form_json();
    schema[ROLE_FORMS] = json!({
        CLERK.to_string(): {"amount": "hidden", "note": "readonly"},
        EVERYONE_ELSE: {"amount": "readonly"},
    });
    FormSpec::from_form_js(&schema).unwrap()
}

#[test]
fn a_users_roles_give_the_most_any_of_their_forms_gives() {
    let spec = role_form();
    let other = Uuid::from_u128(0xC2);
    assert_eq!(spec.role_access("amount", &[CLERK]), FieldAccess::Hidden);
    assert_eq!(spec.role_access("note", &[CLERK]), FieldAccess::ReadOnly);
    assert_eq!(spec.role_access("subject", &[CLERK]), FieldAccess::Editable);
    // A role without a form of its own gets everyone else's; holding it too never hides more.
    assert_eq!(spec.role_access("amount", &[other]), FieldAccess::ReadOnly);
    assert_eq!(spec.role_access("amount", &[CLERK, other]), FieldAccess::ReadOnly);
    assert_eq!(spec.role_access("note", &[CLERK, other]), FieldAccess::Editable);
    assert_eq!(spec.role_access("amount", &[]), FieldAccess::ReadOnly);
    assert_eq!(spec.hidden_from(&[CLERK]), BTreeSet::from(["amount"]));
    assert!(spec.hidden_from(&[other]).is_empty());
    assert!(form().hidden_from(&[CLERK]).is_empty());
}

#[test]
fn a_roles_form_narrows_what_a_step_allows() {
    use FieldAccess::*;
    assert_eq!(Required.within(Editable), Required);
    assert_eq!(Required.within(ReadOnly), ReadOnly);
    assert_eq!(Editable.within(Hidden), Hidden);
    assert_eq!(ReadOnly.within(Editable), ReadOnly);
    assert_eq!(Hidden.within(Editable), Hidden);
}

#[test]
fn forms_per_role_that_do_not_fit_the_form_are_refused() {
    let refused = |role_forms: Value| {
        let mut schema = form_json();
        schema[ROLE_FORMS] = role_forms;
        FormSpec::from_form_js(&schema).unwrap_err()
    };
    for bad in [
        json!(["not", "an", "object"]),
        json!({"clerks": {"amount": "hidden"}}),
        json!({EVERYONE_ELSE: {"ghost": "hidden"}}),
        json!({EVERYONE_ELSE: {"amount": "required"}}),
        json!({EVERYONE_ELSE: ["amount"]}),
    ] {
        let error = refused(bad.clone());
        assert_eq!(error.code, "ticket_type.invalid_form", "{bad}");
    }
    assert!(refused(json!({EVERYONE_ELSE: {"ghost": "hidden"}})).message.contains("ghost"));
}

/// `action` with its form and (for an opening) the starter's roles replaced.
fn with_role_form(mut action: TicketAction, spec: FormSpec, roles: Vec<Uuid>, extra: Value) -> TicketAction {
    match &mut action {
        TicketAction::Open { form, starter_roles, computed, .. } => {
            *form = spec;
            *starter_roles = roles;
            *computed = map(extra);
        }
        TicketAction::CompleteTask { form, .. } => *form = spec,
        _ => unreachable!("only openings and completions have a form"),
    }
    action
}

#[test]
fn a_starter_fills_only_what_their_roles_form_lets_them() {
    let wf = sequential();
    let open = |values: Value, computed: Value, roles: Vec<Uuid>| {
        with_role_form(open_action(&wf, 1, values), role_form(), roles, computed)
    };
    let error = decide(&TicketState::default(), open(json!({"subject": "abcd", "amount": 5}), json!({}), vec![CLERK]))
        .unwrap_err();
    assert_eq!(error.code, "ticket.invalid_values");
    assert!(error.message.contains("amount"), "{}", error.message);
    // Another role may set it; and the rules may calculate it for anyone.
    let manager = Uuid::from_u128(0xC3);
    let mut manager_form = form_json();
    manager_form[ROLE_FORMS] = json!({ CLERK.to_string(): {"amount": "hidden"}, manager.to_string(): {} });
    let opened = with_role_form(
        open_action(&wf, 1, json!({"subject": "abcd", "amount": 5})),
        FormSpec::from_form_js(&manager_form).unwrap(),
        vec![CLERK, manager],
        json!({}),
    );
    decide(&TicketState::default(), opened).unwrap();
    decide(&TicketState::default(), open(json!({"subject": "abcd"}), json!({"amount": 7}), vec![CLERK])).unwrap();
}

#[test]
fn a_performer_edits_only_what_both_the_step_and_their_roles_form_allow() {
    let wf = sequential();
    let (state, _) = decide(&TicketState::default(), open_action(&wf, 1, json!({"subject": "abcd"}))).unwrap();
    let clerk = Performer::User(Member { user_id: STARTER, role_ids: vec![CLERK], org_unit_ids: vec![] });
    let by_clerk = with_role_form(complete_as(0, json!({"note": "x"}), clerk, &wf), role_form(), vec![], json!({}));
    let error = decide(&state, by_clerk).unwrap_err();
    assert_eq!(error.code, "ticket.invalid_values");
    assert!(error.message.contains("note"), "{}", error.message);
    // The step lets `note` be edited and everyone else's form does not restrict it.
    let other = with_role_form(complete(0, json!({"note": "x"}), STARTER, &wf), role_form(), vec![], json!({}));
    decide(&state, other).unwrap();
}

#[test]
fn a_shown_schema_keeps_only_the_admitted_fields_and_no_forms_per_role() {
    let components = json!([
        {"type": "text", "text": "Quote"},
        {"type": "number", "key": "amount"},
        {"type": "textfield", "key": "internal_note"},
        {"type": "group", "label": "More", "components": [
            {"type": "textfield", "key": "reason"},
            {"type": "textfield", "key": "cost_centre"}
        ]},
        {"type": "dynamiclist", "path": "items", "components": [{"type": "textfield", "key": "sku"}]}
    ]);
    let schema = json!({
        "type": "default",
        "components": components,
        MOBILE_LAYOUT: {"components": [{"type": "textfield", "key": "internal_note"}, {"type": "number", "key": "amount"}]},
        ROLE_FORMS: {EVERYONE_ELSE: {"internal_note": "hidden"}},
    });
    let shown = BTreeSet::from(["amount", "reason", "items"]);
    assert_eq!(
        shown_schema(schema, &|key| shown.contains(key)),
        json!({"type": "default", "components": [
            {"type": "text", "text": "Quote"},
            {"type": "number", "key": "amount"},
            {"type": "group", "label": "More", "components": [{"type": "textfield", "key": "reason"}]},
            {"type": "dynamiclist", "path": "items", "components": [{"type": "textfield", "key": "sku"}]}
        ], MOBILE_LAYOUT: {"components": [{"type": "number", "key": "amount"}]}})
    );
}

#[test]
fn visible_values_lack_the_fields_hidden_from_the_readers_roles() {
    let values = map(json!({"subject": "abcd", "amount": 5, "note": "x"}));
    assert_eq!(role_form().visible_values(values.clone(), &[CLERK]), map(json!({"subject": "abcd", "note": "x"})));
    assert_eq!(role_form().visible_values(values.clone(), &[]), values);
}

#[test]
fn an_outside_collaborator_may_only_read_fields_filled_by_searching_the_organisation() {
    let document = |fields: &str| {
        document(
            &(format!(
                r#"<startEvent id="s"/><userTask id="quote" name="Quote" hotline:assignee="external:supplier@example.com" hotline:fields="{fields}"/><endEvent id="e"/>"#
            ) + &flows(&[("f1", "s", "quote"), ("f2", "quote", "e")])),
        )
    };
    let checked = |fields: &str| validate(&parse_bpmn(&document(fields)).unwrap(), &pickers_form());
    checked("owner=readonly,region=required,evidence=editable").unwrap();
    for searched in ["owner=editable", "group=required", "department=editable", "related=editable"] {
        let error = checked(searched).unwrap_err();
        assert_eq!(error.code, "ticket_type.invalid_workflow", "{searched}");
        let key = searched.split('=').next().unwrap();
        assert!(error.message.contains(&format!("field {key} may only be read")), "{}", error.message);
    }
}
