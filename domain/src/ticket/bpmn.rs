//! Reads the BPMN 2.0 XML that bpmn-js exports into a [`Workflow`].
//!
//! Only the subset the engine runs is accepted; any other flow node is refused by name, so a
//! designer learns at publish time that their diagram uses something Hotline does not run.
//! Diagram interchange (`bpmndi:`), documentation and extension elements are ignored. Element
//! names are matched on their local name, so `bpmn:`, `bpmn2:` and unprefixed files all read.
//! Hotline's own settings are attributes with the `hotline:` prefix.

use std::collections::{BTreeMap, BTreeSet};

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use uuid::Uuid;

use super::condition::Condition;
use super::form::FieldAccess;
use super::workflow::{Assignee, Flow, Node, NodeKind, UserTask, Workflow};
use crate::DomainError;

/// How deep XML elements may nest (a bound on the recursion over sub-processes too).
const MAX_XML_DEPTH: usize = 64;
/// The longest URL a service task may call.
pub const MAX_SERVICE_URL_BYTES: usize = 2000;

/// Flow nodes that BPMN has and Hotline does not run.
const UNSUPPORTED: [&str; 14] = [
    "task",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "manualTask",
    "businessRuleTask",
    "callActivity",
    "boundaryEvent",
    "intermediateThrowEvent",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
    "transaction",
    "adHocSubProcess",
];

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::new("ticket_type.invalid_workflow", message)
}

/// One XML element, with its attributes by qualified name and its text.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

impl Element {
    fn local(&self) -> &str {
        local(&self.name)
    }

    /// A BPMN attribute (unprefixed, as the standard writes them).
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    fn hotline(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key.split_once(':') == Some(("hotline", name)))
            .map(|(_, value)| value.as_str())
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.local() == name)
    }
}

fn read_tree(xml: &str) -> Result<Element, DomainError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    let bad_xml =
        |error: &dyn std::fmt::Display, position: u64| invalid(format!("not valid XML at byte {position}: {error}"));
    loop {
        let event = reader.read_event().map_err(|error| bad_xml(&error, reader.error_position()))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(start) | Event::Empty(start) => {
                let mut element = Element { name: start.name().as_ref().to_owned(), ..Element::default() };
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|error| bad_xml(&error, reader.buffer_position()))?;
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|error| bad_xml(&error, reader.buffer_position()))?;
                    element.attributes.push((attribute.key.as_ref().to_owned(), value.into_owned()));
                }
                if empty {
                    stack.last_mut().expect("the root stays").children.push(element);
                } else {
                    if stack.len() > MAX_XML_DEPTH {
                        return Err(invalid(format!("elements nest deeper than {MAX_XML_DEPTH} levels")));
                    }
                    stack.push(element);
                }
            }
            Event::End(_) => {
                // quick-xml checks that end tags match, so the stack never underflows here.
                let element = stack.pop().expect("an open element");
                stack.last_mut().ok_or_else(|| invalid("unbalanced end tag"))?.children.push(element);
            }
            Event::Text(text) => stack.last_mut().expect("the root stays").text.push_str(&text.xml10_content()),
            Event::CData(data) => stack.last_mut().expect("the root stays").text.push_str(&data),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    _ => match &*reference {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(invalid(format!("unknown XML entity &{other};"))),
                    },
                };
                stack.last_mut().expect("the root stays").text.push(resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(invalid("the XML ends inside an element"));
    }
    Ok(stack.pop().expect("the root"))
}

/// Every `process` of the document, in document order (a collaboration has one per pool).
fn processes<'a>(element: &'a Element, found: &mut Vec<&'a Element>) {
    if element.local() == "process" {
        found.push(element);
        return;
    }
    for child in &element.children {
        processes(child, found);
    }
}

/// Whether a process holds anything to run (an empty pool holds only lanes or notes).
fn has_steps(process: &Element) -> bool {
    process.children.iter().any(|child| !matches!(child.local(), "laneSet" | "documentation" | "extensionElements"))
}

/// Parses a bpmn-js export: the one process that has steps is the workflow. A collaboration
/// whose other pools are empty is fine; steps in two pools are refused, since a ticket runs
/// one process.
pub fn parse_bpmn(xml: &str) -> Result<Workflow, DomainError> {
    let root = read_tree(xml)?;
    let mut found = Vec::new();
    processes(&root, &mut found);
    let first = *found.first().ok_or_else(|| invalid("the document has no process"))?;
    let with_steps: Vec<&Element> = found.into_iter().filter(|process| has_steps(process)).collect();
    if with_steps.len() > 1 {
        let ids: Vec<String> =
            with_steps.iter().map(|process| process.attribute("id").unwrap_or("(no id)").to_owned()).collect();
        return Err(invalid(format!(
            "the document has steps in {} processes ({}); a ticket runs one: draw every step in one pool",
            ids.len(),
            ids.join(", ")
        )));
    }
    let process = with_steps.first().copied().unwrap_or(first);
    let mut workflow = Workflow::default();
    let mut ids = BTreeSet::new();
    read_scope(process, None, &mut workflow, &mut ids)?;
    Ok(workflow)
}

fn read_scope(
    scope: &Element,
    parent: Option<&str>,
    workflow: &mut Workflow,
    ids: &mut BTreeSet<String>,
) -> Result<(), DomainError> {
    for element in &scope.children {
        let kind_name = element.local();
        if UNSUPPORTED.contains(&kind_name) {
            let id = element.attribute("id").unwrap_or("?");
            return Err(invalid(format!("{kind_name} {id} is not supported")));
        }
        let known = matches!(
            kind_name,
            "startEvent"
                | "endEvent"
                | "userTask"
                | "exclusiveGateway"
                | "parallelGateway"
                | "intermediateCatchEvent"
                | "serviceTask"
                | "subProcess"
                | "sequenceFlow"
        );
        if !known {
            continue;
        }
        let id = element.attribute("id").ok_or_else(|| invalid(format!("a {kind_name} has no id")))?.to_owned();
        if !ids.insert(id.clone()) {
            return Err(invalid(format!("id {id} is used twice")));
        }
        let at = |message: &str| invalid(format!("{kind_name} {id}: {message}"));
        if kind_name == "sequenceFlow" {
            let source = element.attribute("sourceRef").ok_or_else(|| at("no sourceRef"))?.to_owned();
            let target = element.attribute("targetRef").ok_or_else(|| at("no targetRef"))?.to_owned();
            let condition = match element.child("conditionExpression").map(|child| child.text.trim()) {
                Some(text) if !text.is_empty() => Some(Condition::parse(text).map_err(|error| at(&error.message))?),
                _ => None,
            };
            workflow.flows.push(Flow { id, source, target, condition });
            continue;
        }
        let kind = match kind_name {
            "startEvent" => NodeKind::Start,
            "endEvent" => NodeKind::End,
            "userTask" => NodeKind::UserTask(user_task(element).map_err(|message| at(&message))?),
            "exclusiveGateway" => {
                NodeKind::ExclusiveGateway { default_flow: element.attribute("default").map(str::to_owned) }
            }
            "parallelGateway" => NodeKind::ParallelGateway,
            "intermediateCatchEvent" => {
                let duration = element
                    .child("timerEventDefinition")
                    .ok_or_else(|| at("only timer catch events are supported"))?
                    .child("timeDuration")
                    .ok_or_else(|| at("a timer needs a timeDuration"))?;
                NodeKind::Timer { seconds: parse_duration(duration.text.trim()).map_err(|message| at(&message))? }
            }
            "serviceTask" => {
                let url =
                    element.hotline("url").filter(|url| !url.trim().is_empty()).ok_or_else(|| at("no hotline:url"))?;
                let url = url.trim();
                let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
                if !scheme_ok || url.len() > MAX_SERVICE_URL_BYTES || url.contains(char::is_whitespace) {
                    return Err(at(&format!(
                        "hotline:url must be an http:// or https:// address of at most {MAX_SERVICE_URL_BYTES} bytes"
                    )));
                }
                NodeKind::ServiceTask { url: url.to_owned() }
            }
            _ => NodeKind::SubProcess,
        };
        let name = element.attribute("name").unwrap_or_default().trim().to_owned();
        workflow.nodes.push(Node { id: id.clone(), name, parent: parent.map(str::to_owned), kind });
        if kind_name == "subProcess" {
            read_scope(element, Some(&id), workflow, ids)?;
        }
    }
    Ok(())
}

/// `starter`, `user:<id>`, `role:<id>`, `unit:<id>` or `field:<key>`.
fn parse_assignee(text: &str, what: &str) -> Result<Assignee, String> {
    if text == "starter" {
        return Ok(Assignee::Starter);
    }
    let (kind, value) = text.split_once(':').ok_or_else(|| format!("{what} {text:?} is not understood"))?;
    let uuid = || Uuid::parse_str(value.trim()).map_err(|_| format!("{what} {text:?}: {value:?} is not an id"));
    Ok(match kind {
        "user" => Assignee::User(uuid()?),
        "role" => Assignee::Role(uuid()?),
        "unit" => Assignee::OrgUnit(uuid()?),
        "field" => Assignee::FormField(value.trim().to_owned()),
        "external" => Assignee::External(
            crate::email::parse_address(value, "ticket_type.invalid_workflow")
                .map_err(|error| format!("{what}: {}", error.message))?,
        ),
        "external-field" => Assignee::ExternalField(value.trim().to_owned()),
        _ => return Err(format!("{what} {text:?} is not understood")),
    })
}

fn optional_duration(element: &Element, name: &str) -> Result<Option<u64>, String> {
    element.hotline(name).map(str::trim).filter(|text| !text.is_empty()).map(parse_duration).transpose()
}

fn user_task(element: &Element) -> Result<UserTask, String> {
    let assignee = match element.hotline("assignee").map(str::trim).filter(|text| !text.is_empty()) {
        None => Assignee::Starter,
        Some(text) => parse_assignee(text, "assignee")?,
    };
    let escalate = element
        .hotline("escalate")
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| parse_assignee(text, "escalation"))
        .transpose()?;
    let mut fields = BTreeMap::new();
    for pair in element.hotline("fields").unwrap_or_default().split(',').map(str::trim).filter(|pair| !pair.is_empty())
    {
        let (key, access) = pair.split_once('=').ok_or_else(|| format!("field access {pair:?} is not key=access"))?;
        let access = FieldAccess::parse(access.trim())
            .ok_or_else(|| format!("field access {pair:?}: use hidden, readonly, editable or required"))?;
        fields.insert(key.trim().to_owned(), access);
    }
    Ok(UserTask {
        assignee,
        fields,
        due_seconds: optional_duration(element, "due")?,
        remind_seconds: optional_duration(element, "remind")?,
        escalate,
        link_seconds: optional_duration(element, "link-lifetime")?,
    })
}

/// An ISO-8601 duration in weeks, days, hours, minutes and seconds (`PT30M`, `P1DT2H`,
/// `P2W`). Years and months are refused: their length depends on the calendar.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not an ISO-8601 duration such as PT30M or P1DT2H");
    let body = text.strip_prefix('P').ok_or_else(bad)?;
    let mut total: u64 = 0;
    let mut in_time = false;
    let mut digits = String::new();
    let mut any = false;
    for c in body.chars() {
        match c {
            'T' if !in_time && digits.is_empty() => in_time = true,
            '0'..='9' => digits.push(c),
            unit => {
                let number: u64 = digits.parse().map_err(|_| bad())?;
                digits.clear();
                let scale = match (in_time, unit) {
                    (false, 'W') => 7 * 86_400,
                    (false, 'D') => 86_400,
                    (true, 'H') => 3_600,
                    (true, 'M') => 60,
                    (true, 'S') => 1,
                    (false, 'Y' | 'M') => return Err(format!("{text:?}: use days or weeks, not years or months")),
                    _ => return Err(bad()),
                };
                total = number.checked_mul(scale).and_then(|part| total.checked_add(part)).ok_or_else(bad)?;
                any = true;
            }
        }
    }
    if !digits.is_empty() || !any {
        return Err(bad());
    }
    Ok(total)
}
