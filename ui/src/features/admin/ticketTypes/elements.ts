/** What the step panel shows of a bpmn-js element, and the bits of bpmn-js WorkflowDesigner uses (typed narrowly). */
import type { Selected } from "./StepPanel";

export interface BusinessObject {
  id: string;
  $type: string;
  name?: string;
  default?: BusinessObject;
  sourceRef?: BusinessObject;
  conditionExpression?: { body?: string };
  get: (name: string) => unknown;
}

export interface DiagramElement {
  id: string;
  type: string;
  businessObject: BusinessObject;
  source?: DiagramElement;
}

export interface Modeling {
  updateProperties: (element: DiagramElement, properties: Record<string, unknown>) => void;
}

export interface Moddle {
  create: (type: string, properties: Record<string, unknown>) => unknown;
}

export interface ElementRegistry {
  get: (id: string) => DiagramElement | undefined;
}

/** What the panel shows of an element. */
export function describeElement(element: DiagramElement | null): Selected | null {
  if (!element) return null;
  const bo = element.businessObject;
  const text = (name: string) => {
    const value = bo.get(name);
    return typeof value === "string" ? value : "";
  };
  const name = bo.name ?? "";
  switch (bo.$type) {
    case "bpmn:UserTask":
      return {
        kind: "userTask",
        id: bo.id,
        name,
        assignee: text("hotline:assignee"),
        fields: text("hotline:fields"),
        due: text("hotline:due"),
        remind: text("hotline:remind"),
        escalate: text("hotline:escalate"),
        linkLifetime: text("hotline:link-lifetime"),
      };
    case "bpmn:ServiceTask":
      return { kind: "serviceTask", id: bo.id, name, url: text("hotline:url") };
    case "bpmn:SequenceFlow": {
      const source = bo.sourceRef;
      const fromExclusive = source?.$type === "bpmn:ExclusiveGateway";
      return { kind: "flow", id: bo.id, name, condition: bo.conditionExpression?.body ?? "", isDefault: fromExclusive && source?.default === bo, fromExclusive };
    }
    default:
      return { kind: "other", id: bo.id, name, type: bo.$type };
  }
}

