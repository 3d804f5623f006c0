/**
 * Article templates (knowledge.edit): bodies writers start an article from ("Problem /
 * Cause / Steps", say). Listed here, written in the same rich-text editor, deleted.
 */
import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Space, Table } from "antd";
import { useEffect, useState } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { useCommandId } from "../admin/shared/commandId";
import {
  DELETE_KNOWLEDGE_TEMPLATE_MUTATION,
  type DeleteKnowledgeTemplateVariables,
  type KnowledgeTemplate,
  KNOWLEDGE_TEMPLATES_QUERY,
  type KnowledgeTemplatesData,
  SAVE_KNOWLEDGE_TEMPLATE_MUTATION,
  type SaveKnowledgeTemplateData,
  type SaveKnowledgeTemplateVariables,
} from "./knowledge.graphql";
import { fieldProblems, fieldProblemText, formFieldOf } from "./labels";
import { LazyRichTextEditor } from "./LazyRichTextEditor";

const MAX_NAME = 200;

/** Stands in for the editor while the dialog is closed (the editor's chunk loads on open). */
function NoEditor(_props: object) {
  return null;
}

export function TemplatesTab() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { data, error, loading, refetch } = useQuery<KnowledgeTemplatesData>(KNOWLEDGE_TEMPLATES_QUERY);
  const remove = useMutation<unknown, DeleteKnowledgeTemplateVariables>(DELETE_KNOWLEDGE_TEMPLATE_MUTATION);
  /** The template in the dialog; null for a new one, undefined when closed. */
  const [editing, setEditing] = useState<KnowledgeTemplate | null | undefined>(undefined);

  const deleteTemplate = async (template: KnowledgeTemplate) => {
    try {
      await remove.mutate({ commandId: newCommandId(), id: template.id });
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    }
    void message.success(t("knowledge.templates.deleted", { name: template.name }));
    void refetch();
  };

  return (
    <Space orientation="vertical" size="small" style={{ width: "100%" }} data-testid="knowledge-templates">
      <Space style={{ width: "100%", justifyContent: "space-between" }} wrap>
        <span>{t("knowledge.templates.hint")}</span>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)} data-testid="knowledge-template-new">
          {t("knowledge.templates.new")}
        </Button>
      </Space>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      <Table<KnowledgeTemplate>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={data?.knowledgeTemplates ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t("knowledge.templates.none") }}
        onRow={(template) => ({ "data-testid": "knowledge-template-row", "data-template-id": template.id }) as object}
        columns={[
          { key: "name", dataIndex: "name", title: t("knowledge.templates.name") },
          {
            key: "updatedAt",
            dataIndex: "updatedAt",
            title: t("knowledge.templates.updatedAt"),
            responsive: ["md"],
            render: (value: string) => formatDateTime(value, locale),
          },
          {
            key: "actions",
            title: t("common.actions"),
            width: 200,
            render: (_: unknown, template: KnowledgeTemplate) => (
              <Space size={4}>
                <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(template)} data-testid="knowledge-template-edit">
                  {t("common.edit")}
                </Button>
                <Popconfirm
                  title={t("knowledge.templates.deleteTitle", { name: template.name })}
                  okText={t("knowledge.templates.delete")}
                  okButtonProps={{ danger: true, "data-testid": "knowledge-template-delete-confirm" }}
                  cancelText={t("common.cancel")}
                  onConfirm={() => deleteTemplate(template)}
                >
                  <Button size="small" danger icon={<DeleteOutlined />} data-testid="knowledge-template-delete">
                    {t("knowledge.templates.delete")}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <TemplateModal
        open={editing !== undefined}
        template={editing ?? null}
        onClose={() => setEditing(undefined)}
        onSaved={() => void refetch()}
      />
    </Space>
  );
}

interface TemplateValues {
  name: string;
  bodyHtml?: string;
}

function TemplateModal({ open, template, onClose, onSaved }: { open: boolean; template: KnowledgeTemplate | null; onClose: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<TemplateValues>();
  const [commandId, renewCommandId] = useCommandId();
  const save = useMutation<SaveKnowledgeTemplateData, SaveKnowledgeTemplateVariables>(SAVE_KNOWLEDGE_TEMPLATE_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue({ name: template?.name ?? "", bodyHtml: template?.bodyHtml ?? "" });
    setFormError(undefined);
    renewCommandId();
  }, [open, template]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async (values: TemplateValues) => {
    setFormError(undefined);
    try {
      const input = { name: values.name.trim(), bodyHtml: values.bodyHtml ?? "" };
      const data = await save.mutate({ commandId, input: template ? { id: template.id, ...input } : input });
      void message.success(t("knowledge.templates.saved", { name: data.saveKnowledgeTemplate.name }));
      onSaved();
      onClose();
    } catch (caught) {
      const problems = fieldProblems(caught);
      const placed = problems.flatMap((problem) => {
        const field = formFieldOf(problem.field, ["name", "bodyHtml"], { body: "bodyHtml" });
        return field ? [{ name: field as keyof TemplateValues, errors: [fieldProblemText(problem.message, t)] }] : [];
      });
      form.setFields(placed);
      if (placed.length < problems.length || problems.length === 0) setFormError(caught);
    }
  };

  return (
    <Modal
      open={open}
      width={860}
      title={template ? t("knowledge.templates.editTitle", { name: template.name }) : t("knowledge.templates.new")}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "knowledge-template-save" }}
      confirmLoading={save.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<TemplateValues>
        form={form}
        name="knowledgeTemplate"
        layout="vertical"
        onFinish={(values) => void submit(values)}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Form.Item
          name="name"
          label={t("knowledge.templates.name")}
          rules={[
            { required: true, whitespace: true, message: t("validation.required") },
            { max: MAX_NAME, message: t("validation.maxChars", { max: MAX_NAME }) },
          ]}
        >
          <Input data-testid="knowledge-template-name" />
        </Form.Item>
        <Form.Item name="bodyHtml" label={t("knowledge.body")}>
          {open ? <LazyRichTextEditor aria-label={t("knowledge.body")} data-testid="knowledge-template-body" minHeight={200} /> : <NoEditor />}
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
