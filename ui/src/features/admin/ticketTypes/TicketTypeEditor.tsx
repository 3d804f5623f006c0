/**
 * One ticket type in the designer: name and description, the form (form-js editor), the
 * workflow (bpmn-js and our step panel) and the form rules (JavaScript), Save (create or
 * update the draft form and rules) and Publish (save, then publish the workflow XML); the
 * rules are published with the workflow. The "Service calls" tab makes or rotates the secret
 * the type's service tasks sign their calls with; "Export templates" holds the Word and Excel
 * files its tickets export through (a saved type only). A type without a workflow starts with the
 * two-step template (start → "Handle" by the starter, every field editable → end), so
 * publishing works at once. The server's refusals show in full (an invalid workflow lists
 * every problem). The form has a desktop layout and, optionally, a mobile one (white paper SP5:
 * phones show it), each in its own form-js editor; Save sends both (`withMobileLayout`). "Forms
 * per role" says which fields each role sees, reads or fills in (`roleForms`, saved with the form
 * without the fields it no longer has).
 */
import { ArrowLeftOutlined, CloudUploadOutlined, SaveOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Empty, Form, Input, Popconfirm, Segmented, Skeleton, Space, Spin, Tabs, Tag, Typography } from "antd";
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import { GraphqlError } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import {
  CREATE_TICKET_TYPE_MUTATION,
  type CreateTicketTypeData,
  type CreateTicketTypeVariables,
  type FormSchema,
  type TicketExportTemplate,
  PUBLISH_TICKET_WORKFLOW_MUTATION,
  type PublishTicketWorkflowData,
  type PublishTicketWorkflowVariables,
  TICKET_TYPE_QUERY,
  type TicketTypeData,
  UPDATE_TICKET_TYPE_MUTATION,
  type UpdateTicketTypeData,
  type UpdateTicketTypeVariables,
} from "../../tickets/tickets.graphql";
import { desktopSchema, mobileComponents, mobileFromDesktop, withMobileLayout } from "../../tickets/formLayout";
import { pruneRoleForms, readRoleForms, type RoleForms, withoutRoleForms, withRoleForms } from "../../tickets/roleForms";
import { formFields, serverDetail, starterForm, templateXml } from "../../tickets/workflow";
import { useCommandId } from "../shared/commandId";
import { RoleFormsPanel } from "./RoleFormsPanel";
import { RulesEditor } from "./RulesEditor";
import { ExportTemplatesPanel } from "./ExportTemplatesPanel";
import { ServiceSecretPanel } from "./ServiceSecretPanel";

const FormDesigner = lazy(() => import("./FormDesigner").then((module) => ({ default: module.FormDesigner })));
const WorkflowDesigner = lazy(() => import("./WorkflowDesigner").then((module) => ({ default: module.WorkflowDesigner })));

interface Header {
  name: string;
  description: string;
}

interface Props {
  typeId: string | null;
  canEdit: boolean;
  onCreated: (id: string) => void;
  onSaved: () => void;
  onBack: () => void;
}

const NAME_CODES = new Set(["ticket_type.exists", "ticket_type.invalid_name"]);
const NO_TEMPLATES: TicketExportTemplate[] = [];

export function TicketTypeEditor({ typeId, canEdit, onCreated, onSaved, onBack }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  /** A new type's id once its first save made it, so that the header shows what it became. */
  const [createdId, setCreatedId] = useState<string | null>(null);
  const shownId = typeId ?? createdId;
  const loaded = useQuery<TicketTypeData>(TICKET_TYPE_QUERY, { id: shownId }, { skip: !shownId });
  const type = loaded.data?.ticketType ?? null;

  if (typeId && loaded.loading && !type) return <Skeleton active />;
  if (typeId && loaded.error) return <Alert type="error" showIcon title={errorText(loaded.error)} action={<Button onClick={onBack}>{t("ticketTypes.back")}</Button>} />;
  if (typeId && !type) return <Alert type="warning" showIcon title={t("error.ticket_type.not_found")} action={<Button onClick={onBack}>{t("ticketTypes.back")}</Button>} />;

  return (
    <EditorBody
      typeId={typeId}
      initial={{
        name: type?.name ?? "",
        description: type?.description ?? "",
        form: type?.form ?? starterForm(t("ticketTypes.starterField")),
        xml: type?.workflowXml ?? null,
        rules: type?.rules ?? "",
      }}
      version={type?.version ?? 0}
      publishedAt={type?.publishedAt ?? null}
      serviceSecretRotatedAt={type?.serviceSecretRotatedAt ?? null}
      exportTemplates={type?.exportTemplates ?? NO_TEMPLATES}
      canEdit={canEdit}
      onCreated={onCreated}
      onSaved={(id) => {
        onSaved();
        // A new type's first save changes the query's id, which fetches it.
        if (id === shownId) void loaded.refetch();
        else setCreatedId(id);
      }}
      onBack={onBack}
      onSecretRotated={() => void loaded.refetch()}
      onTemplatesChanged={() => void loaded.refetch()}
      notify={(text) => void message.success(text)}
      locale={locale}
    />
  );
}

interface BodyProps {
  typeId: string | null;
  initial: { name: string; description: string; form: FormSchema; xml: string | null; rules: string };
  version: number;
  publishedAt: string | null;
  serviceSecretRotatedAt: string | null;
  exportTemplates: TicketExportTemplate[];
  canEdit: boolean;
  onCreated: (id: string) => void;
  /** After a save or a publish, with the type's id. */
  onSaved: (id: string) => void;
  onBack: () => void;
  onSecretRotated: () => void;
  onTemplatesChanged: () => void;
  notify: (text: string) => void;
  locale: ReturnType<typeof useI18n>["locale"];
}

function EditorBody({ typeId, initial, version, publishedAt, serviceSecretRotatedAt, exportTemplates, canEdit, onCreated, onSaved, onBack, onSecretRotated, onTemplatesChanged, notify, locale }: BodyProps) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [form] = Form.useForm<Header>();
  // The desktop layout as its editor last reported it (the editor starts from `initialDesktop`);
  // form-js gets neither the mobile layout nor the role forms.
  const [initialDesktop] = useState(() => withoutRoleForms(desktopSchema(initial.form)));
  const [schema, setSchema] = useState<FormSchema>(initialDesktop);
  // The mobile layout's components; null: none (phones show the desktop form).
  const [mobile, setMobile] = useState<unknown[] | null>(() => mobileComponents(initial.form));
  const mobileRef = useRef(mobile);
  const [roleForms, setRoleForms] = useState<RoleForms>(() => readRoleForms(initial.form));
  // What the form tab shows: a layout's editor or the forms per role.
  const [layout, setLayout] = useState<"desktop" | "mobile" | "roles">("desktop");
  const fields = useMemo(() => formFields(schema), [schema]);
  const labels = useMemo(() => new Map(fields.map((field) => [field.key, field.label])), [fields]);
  const [rules, setRules] = useState(initial.rules);
  // The workflow as the designer last reported it; the template until the designer has one.
  const [xml, setXml] = useState<string | null>(initial.xml);
  const reportedXml = useRef<string | null>(null);
  // Until the workflow designer has reported one: the template, with the form's fields as they are then.
  const currentXml = () => xml ?? templateXml(fields.map((field) => field.key), t("ticketTypes.templateStep"));
  const [saveCommand, renewSaveCommand] = useCommandId();
  const [publishCommand, renewPublishCommand] = useCommandId();
  const create = useMutation<CreateTicketTypeData, CreateTicketTypeVariables>(CREATE_TICKET_TYPE_MUTATION);
  const update = useMutation<UpdateTicketTypeData, UpdateTicketTypeVariables>(UPDATE_TICKET_TYPE_MUTATION);
  const publish = useMutation<PublishTicketWorkflowData, PublishTicketWorkflowVariables>(PUBLISH_TICKET_WORKFLOW_MUTATION);
  const [failure, setFailure] = useState<unknown>();
  /** The type's id once it exists (a new one gets it from its first save). */
  const [savedId, setSavedId] = useState<string | null>(typeId);
  const [tab, setTab] = useState("form");
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    form.setFieldsValue({ name: initial.name, description: initial.description });
    // Only on first show: later the form is the user's.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const changed = () => {
    renewSaveCommand();
    renewPublishCommand();
    setDirty(true);
    setFailure(undefined);
  };

  // The server refuses role forms naming a field the form no longer has.
  const formToSave = () => withRoleForms(withMobileLayout(schema, mobile ? { components: mobile } : null), pruneRoleForms(roleForms, fields.map((field) => field.key)));

  /** Saves the header, the form and the rules; the type's id, or null when refused. */
  const save = async (): Promise<string | null> => {
    let header: Header;
    try {
      header = await form.validateFields();
    } catch {
      return null;
    }
    setFailure(undefined);
    const input = { commandId: saveCommand, name: header.name.trim(), description: (header.description ?? "").trim(), form: formToSave(), rules };
    try {
      if (savedId) {
        await update.mutate({ input: { ...input, typeId: savedId } });
        return savedId;
      }
      const result = await create.mutate({ input });
      const id = result.createTicketType.aggregateId;
      setSavedId(id);
      onCreated(id);
      return id;
    } catch (caught) {
      if (caught instanceof GraphqlError && NAME_CODES.has(caught.code)) form.setFields([{ name: "name", errors: [errorText(caught)] }]);
      else if (caught instanceof GraphqlError && caught.code === "ticket_type.invalid_description") form.setFields([{ name: "description", errors: [errorText(caught)] }]);
      else {
        // Rules that do not compile or do not finish: shown beside them.
        if (caught instanceof GraphqlError && caught.code === "ticket_type.rules_failed") setTab("rules");
        setFailure(caught);
      }
      return null;
    }
  };

  const onSave = async () => {
    const id = await save();
    if (!id) return;
    setDirty(false);
    renewSaveCommand();
    notify(t("ticketTypes.saved"));
    onSaved(id);
  };

  const onPublish = async () => {
    const id = await save();
    if (!id) return;
    renewSaveCommand();
    try {
      await publish.mutate({ input: { commandId: publishCommand, typeId: id, bpmnXml: currentXml() } });
    } catch (caught) {
      setFailure(caught);
      return;
    }
    setDirty(false);
    renewPublishCommand();
    notify(t("ticketTypes.published"));
    onSaved(id);
  };

  const detail = serverDetail(failure);

  const changeMobile = (next: unknown[] | null) => {
    mobileRef.current = next;
    setMobile(next);
    changed();
  };

  return (
    <Card
      title={
        <Space>
          <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t("ticketTypes.back")} data-testid="ticket-type-back" onClick={onBack} />
          <span>{savedId ? initial.name || form.getFieldValue("name") : t("ticketTypes.new")}</span>
          {version > 0 ? <Tag color="green" data-testid="ticket-type-version">v{version}</Tag> : <Tag data-testid="ticket-type-version">{t("ticketTypes.unpublished")}</Tag>}
          {publishedAt ? <Typography.Text type="secondary">{t("ticketTypes.publishedOn", { time: formatDateTime(publishedAt, locale) })}</Typography.Text> : null}
          {dirty ? <Tag color="orange">{t("ticketTypes.unsaved")}</Tag> : null}
        </Space>
      }
      extra={
        canEdit ? (
          <Space>
            <Button icon={<SaveOutlined />} data-testid="ticket-type-save" loading={create.loading || update.loading} disabled={publish.loading} onClick={() => void onSave()}>
              {t("common.save")}
            </Button>
            <Button type="primary" icon={<CloudUploadOutlined />} data-testid="ticket-type-publish" loading={publish.loading} disabled={create.loading || update.loading} onClick={() => void onPublish()}>
              {t("ticketTypes.publish")}
            </Button>
          </Space>
        ) : null
      }
    >
      <Form<Header> form={form} layout="vertical" disabled={!canEdit} onValuesChange={changed}>
        <Form.Item
          name="name"
          label={t("ticketTypes.name")}
          rules={[
            { required: true, whitespace: true, message: t("validation.required") },
            { max: 100, message: t("validation.maxChars", { max: 100 }) },
          ]}
        >
          <Input data-testid="ticket-type-name" maxLength={100} />
        </Form.Item>
        <Form.Item name="description" label={t("ticketTypes.description")} rules={[{ max: 1000, message: t("validation.maxChars", { max: 1000 }) }]}>
          <Input.TextArea data-testid="ticket-type-description" autoSize={{ minRows: 1, maxRows: 4 }} maxLength={1000} />
        </Form.Item>
      </Form>
      {failure ? (
        <Alert
          type="error"
          showIcon
          data-testid="ticket-type-error"
          style={{ marginBottom: 16 }}
          title={errorText(failure)}
          description={detail ? <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }} data-testid="ticket-type-error-detail">{detail}</Typography.Paragraph> : undefined}
        />
      ) : null}
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: "form",
            label: <span data-testid="ticket-type-tab-form">{t("ticketTypes.tabForm")}</span>,
            children: (
              <>
                <Segmented
                  value={layout}
                  onChange={(value) => setLayout(value as "desktop" | "mobile" | "roles")}
                  data-testid="ticket-form-layout"
                  options={[
                    { value: "desktop", label: <span data-testid="ticket-form-layout-desktop">{t("ticketTypes.layoutDesktop")}</span> },
                    { value: "mobile", label: <span data-testid="ticket-form-layout-mobile">{t("ticketTypes.layoutMobile")}</span> },
                    { value: "roles", label: <span data-testid="ticket-form-roles">{t("ticketTypes.layoutRoles")}</span> },
                  ]}
                />
                {layout === "roles" ? null : (
                  <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                    {t("ticketTypes.layoutHint")}
                  </Typography.Paragraph>
                )}
                {/* The desktop editor stays (hidden) while another view shows: no re-import, no false "unsaved". */}
                <div style={{ display: layout === "desktop" ? undefined : "none" }}>
                  <Suspense fallback={<Spin />}>
                    <FormDesigner
                      schema={initialDesktop}
                      onChange={(next) => {
                        setSchema(withoutRoleForms(desktopSchema(next)));
                        changed();
                      }}
                    />
                  </Suspense>
                </div>
                {layout === "mobile" ? (
                  mobile ? (
                    <>
                      <Space style={{ marginBottom: 8 }}>
                        <Popconfirm
                          title={t("ticketTypes.mobileRemoveConfirm")}
                          okText={t("ticketTypes.mobileRemove")}
                          cancelText={t("common.cancel")}
                          okButtonProps={{ danger: true, "data-testid": "ticket-form-mobile-remove-confirm" }}
                          onConfirm={() => changeMobile(null)}
                          disabled={!canEdit}
                        >
                          <Button danger disabled={!canEdit} data-testid="ticket-form-mobile-remove">
                            {t("ticketTypes.mobileRemove")}
                          </Button>
                        </Popconfirm>
                      </Space>
                      <Suspense fallback={<Spin />}>
                        <FormDesigner
                          testId="ticket-form-designer-mobile"
                          schema={{ ...schema, components: mobile }}
                          onChange={(next) => {
                            const components = Array.isArray(next.components) ? (next.components as unknown[]) : [];
                            // The editor reports the layout as it imported it: only a real edit counts.
                            if (JSON.stringify(components) !== JSON.stringify(mobileRef.current)) changeMobile(components);
                          }}
                        />
                      </Suspense>
                    </>
                  ) : (
                    <Empty description={t("ticketTypes.mobileNone")} data-testid="ticket-form-mobile-empty">
                      <Button type="primary" disabled={!canEdit} data-testid="ticket-form-mobile-create" onClick={() => changeMobile(mobileFromDesktop(schema).components as unknown[])}>
                        {t("ticketTypes.mobileCreate")}
                      </Button>
                    </Empty>
                  )
                ) : null}
                {layout === "roles" ? (
                  <div style={{ marginTop: 8 }}>
                    <RoleFormsPanel
                      forms={roleForms}
                      fields={fields}
                      disabled={!canEdit}
                      onChange={(next) => {
                        setRoleForms(next);
                        changed();
                      }}
                    />
                  </div>
                ) : null}
              </>
            ),
          },
          {
            key: "workflow",
            label: <span data-testid="ticket-type-tab-workflow">{t("ticketTypes.tabWorkflow")}</span>,
            children: (
              <Suspense fallback={<Spin />}>
                <WorkflowDesigner
                  xml={currentXml()}
                  formFields={fields}
                  disabled={!canEdit}
                  onChange={(next) => {
                    // The first report is the diagram as loaded; later ones are edits.
                    if (reportedXml.current !== null && reportedXml.current !== next) {
                      renewPublishCommand();
                      setDirty(true);
                    }
                    reportedXml.current = next;
                    setXml(next);
                  }}
                />
              </Suspense>
            ),
          },
          {
            key: "rules",
            label: <span data-testid="ticket-type-tab-rules">{t("ticketTypes.tabRules")}</span>,
            children: (
              <RulesEditor
                rules={rules}
                disabled={!canEdit}
                labels={labels}
                onChange={(next) => {
                  setRules(next);
                  changed();
                }}
              />
            ),
          },
          {
            key: "services",
            label: <span data-testid="ticket-type-tab-services">{t("ticketTypes.tabServices")}</span>,
            children: <ServiceSecretPanel typeId={savedId} typeName={initial.name} rotatedAt={serviceSecretRotatedAt} canEdit={canEdit} onRotated={onSecretRotated} />,
          },
          {
            key: "exports",
            label: <span data-testid="ticket-type-tab-exports">{t("ticketTypes.tabExports")}</span>,
            children: <ExportTemplatesPanel typeId={savedId} templates={exportTemplates} formFields={fields} canEdit={canEdit} onChanged={onTemplatesChanged} />,
          },
        ]}
      />
    </Card>
  );
}
