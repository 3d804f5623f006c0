/**
 * The workflow of a ticket type: bpmn-js's Modeler (with our `hotline:*` attributes as a
 * moddle extension) and our StepPanel beside it. Every change reports the diagram's XML as
 * bpmn-js exports it. The bpmn.io watermark stays visible (the bpmn.io licence).
 */
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import { Alert, Col, Row, theme } from "antd";
import Modeler from "bpmn-js/lib/Modeler";
import { useCallback, useEffect, useRef, useState } from "react";
import { useT } from "../../../i18n";
import { type FormField, HOTLINE_MODDLE } from "../../tickets/workflow";
import { describeElement, type DiagramElement, type ElementRegistry, type Moddle, type Modeling } from "./elements";
import { type Selected, StepPanel, type StepPatch } from "./StepPanel";

interface Props {
  xml: string;
  formFields: readonly FormField[];
  onChange: (xml: string) => void;
  disabled?: boolean;
}

export function WorkflowDesigner({ xml, formFields, onChange, disabled }: Props) {
  const t = useT();
  const { token } = theme.useToken();
  const container = useRef<HTMLDivElement>(null);
  const modeler = useRef<Modeler | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [selected, setSelected] = useState<Selected | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  }, [onChange]);
  // The XML the designer started with: later changes come from the designer itself.
  const [initialXml] = useState(xml);

  const elementById = useCallback((id: string | null) => (id && modeler.current ? ((modeler.current.get("elementRegistry") as ElementRegistry).get(id) ?? null) : null), []);

  useEffect(() => {
    if (!container.current) return;
    const instance = new Modeler({ container: container.current, moddleExtensions: { hotline: HOTLINE_MODDLE } });
    modeler.current = instance;
    let live = true;
    const report = async () => {
      try {
        const { xml: saved } = await instance.saveXML({ format: true });
        if (live && saved) latest.current(saved);
      } catch {
        // A diagram that cannot be written yet (mid-import) is reported by the next change.
      }
    };
    instance.on("selection.changed", (event: { newSelection: DiagramElement[] }) => {
      const element = event.newSelection.length === 1 ? event.newSelection[0]! : null;
      setSelectedId(element?.id ?? null);
      setSelected(describeElement(element));
    });
    instance.on("element.changed", (event: { element: DiagramElement }) => {
      setSelectedId((current) => {
        if (current && (event.element.id === current || event.element.businessObject?.id === current)) setSelected(describeElement(event.element));
        return current;
      });
    });
    instance.on("commandStack.changed", () => void report());
    instance.importXML(initialXml).then(
      () => {
        if (!live) return;
        (instance.get("canvas") as { zoom: (level: string) => void }).zoom("fit-viewport");
        void report();
      },
      (error: unknown) => live && setImportError(String(error)),
    );
    return () => {
      live = false;
      instance.destroy();
      modeler.current = null;
    };
  }, [initialXml]);

  const apply = (patch: StepPatch) => {
    const element = elementById(selectedId);
    if (!element || !modeler.current) return;
    const modeling = modeler.current.get("modeling") as Modeling;
    const properties: Record<string, unknown> = {};
    if (patch.name !== undefined) properties.name = patch.name || undefined;
    if (patch.assignee !== undefined) properties["hotline:assignee"] = patch.assignee || undefined;
    if (patch.fields !== undefined) properties["hotline:fields"] = patch.fields || undefined;
    if (patch.due !== undefined) properties["hotline:due"] = patch.due || undefined;
    if (patch.remind !== undefined) properties["hotline:remind"] = patch.remind || undefined;
    if (patch.escalate !== undefined) properties["hotline:escalate"] = patch.escalate || undefined;
    if (patch.linkLifetime !== undefined) properties["hotline:link-lifetime"] = patch.linkLifetime || undefined;
    if (patch.url !== undefined) properties["hotline:url"] = patch.url.trim() || undefined;
    if (patch.condition !== undefined) {
      const body = patch.condition.trim();
      properties.conditionExpression = body ? (modeler.current.get("moddle") as Moddle).create("bpmn:FormalExpression", { body }) : undefined;
    }
    if (Object.keys(properties).length > 0) modeling.updateProperties(element, properties);
    if (patch.isDefault !== undefined && element.source) {
      modeling.updateProperties(element.source, { default: patch.isDefault ? element.businessObject : undefined });
      // A default flow has no condition.
      if (patch.isDefault && element.businessObject.conditionExpression) modeling.updateProperties(element, { conditionExpression: undefined });
    }
  };

  return (
    <Row gutter={token.marginSM} data-testid="ticket-workflow-designer">
      <Col flex="auto">
        {importError ? <Alert type="error" showIcon title={t("ticketTypes.workflowUnreadable")} description={importError} /> : null}
        <div ref={container} style={{ height: 560, border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadius, background: token.colorBgContainer }} />
      </Col>
      <Col flex="340px">
        <StepPanel selected={selected} formFields={formFields} onChange={apply} disabled={disabled} />
      </Col>
    </Row>
  );
}
