/** The form of a ticket type: bpmn.io's form-js editor (its own palette and properties) with
 * Hotline's own fields (users, groups, departments, trees, related tickets, queries, files,
 * months, phone numbers, rich text, hidden values, approvals) and
 * their properties (a query field's list the tenant's dictionaries and customer fields). Every change reports the schema. The bpmn.io watermark stays visible (its licence). */
import "@bpmn-io/form-js/dist/assets/form-js.css";
import "@bpmn-io/form-js/dist/assets/form-js-editor.css";
import "@bpmn-io/form-js/dist/assets/properties-panel.css";
import "./FormDesigner.css";
import { FormEditor } from "@bpmn-io/form-js";
import { Alert, theme } from "antd";
import { useEffect, useRef, useState } from "react";
import { useQuery } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { hotlineFieldsModule } from "../../tickets/fields/hotlineFields";
import {
  type FormSchema,
  TICKET_FORM_CUSTOMER_FIELDS_QUERY,
  TICKET_FORM_DICTIONARIES_QUERY,
  type TicketFormCustomerFieldsData,
  type TicketFormDictionariesData,
} from "../../tickets/tickets.graphql";
import { DesignerLists, designerListsModule } from "./designerLists";
import { hotlinePropertiesModule } from "./hotlineFieldProperties";

interface Props {
  schema: FormSchema;
  onChange: (schema: FormSchema) => void;
  /** The editor's test id; the desktop layout's by default (the mobile one has its own). */
  testId?: string;
}

export function FormDesigner({ schema, onChange, testId = "ticket-form-designer" }: Props) {
  const t = useT();
  const { token } = theme.useToken();
  const container = useRef<HTMLDivElement>(null);
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  }, [onChange]);
  const [initialSchema] = useState(schema);
  const [importError, setImportError] = useState<string | null>(null);
  // Lists for query fields' properties; one that fails to load leaves a text entry instead.
  const [lists] = useState(() => new DesignerLists());
  const dictionaries = useQuery<TicketFormDictionariesData>(TICKET_FORM_DICTIONARIES_QUERY);
  const customerFields = useQuery<TicketFormCustomerFieldsData>(TICKET_FORM_CUSTOMER_FIELDS_QUERY);
  useEffect(() => {
    lists.set({ dictionaries: dictionaries.data?.dictionaries ?? null, customerFields: customerFields.data?.customerFields ?? null });
  }, [lists, dictionaries.data, customerFields.data]);

  useEffect(() => {
    if (!container.current) return;
    const editor = new FormEditor({ container: container.current, additionalModules: [hotlineFieldsModule, hotlinePropertiesModule, designerListsModule(lists)] });
    let live = true;
    editor.on("changed", () => {
      if (live) latest.current(editor.saveSchema() as FormSchema);
    });
    editor.importSchema(initialSchema).catch((error: unknown) => live && setImportError(String(error)));
    return () => {
      live = false;
      editor.destroy();
    };
  }, [initialSchema, lists]);

  return (
    <>
      {importError ? <Alert type="error" showIcon title={t("ticketTypes.formUnreadable")} description={importError} /> : null}
      <div ref={container} data-testid={testId} className="hotline-form-designer" style={{ height: 600, border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadius }} />
    </>
  );
}
