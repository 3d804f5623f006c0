/**
 * The designer's "Export templates" tab: the Word (.docx) and Excel (.xlsx) files agents
 * export a ticket of this type through, from the ticket drawer. Lists them (with the
 * placeholders each fills in and a download of the file itself), uploads one (the raw file,
 * with an optional display name) and removes one (`ticket_type.edit`). The server checks
 * every `{{...}}` placeholder against the saved draft form on upload and says which one it
 * does not know.
 */
import { DeleteOutlined, DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { App, Button, Input, Popconfirm, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { GraphqlError } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { downloadFile } from "../../../api/saveFile";
import { postFile } from "../../../api/upload";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import {
  REMOVE_TICKET_EXPORT_TEMPLATE_MUTATION,
  type RemoveTicketExportTemplateData,
  type RemoveTicketExportTemplateVariables,
  TEMPLATE_ACCEPT,
  TEMPLATE_MEDIA_TYPES,
  TICKET_PLACEHOLDERS,
  type TicketExportTemplate,
  templateUrl,
  type UploadedExportTemplate,
  uploadTemplateUrl,
} from "../../tickets/tickets.graphql";

interface Props {
  /** The type's id; null before its first save. */
  typeId: string | null;
  templates: readonly TicketExportTemplate[];
  /** The draft form's fields, for the placeholder help. */
  formFields: readonly { key: string; label: string }[];
  canEdit: boolean;
  /** After an upload or a removal: the type is fetched again. */
  onChanged: () => void;
}

/** Codes whose server detail names what is wrong (which placeholder, why unreadable). */
const DETAILED_CODES = new Set(["ticket_type.invalid_template"]);

export function ExportTemplatesPanel({ typeId, templates, formFields, canEdit, onChanged }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const remove = useMutation<RemoveTicketExportTemplateData, RemoveTicketExportTemplateVariables>(REMOVE_TICKET_EXPORT_TEMPLATE_MUTATION);
  // As the type last came, or as an upload or a removal left them until it comes again.
  const [list, setList] = useState<readonly TicketExportTemplate[]>(templates);
  useEffect(() => setList(templates), [templates]);
  const [name, setName] = useState("");
  const [uploading, setUploading] = useState(false);
  /** The id of the template being removed or downloaded. */
  const [busy, setBusy] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  if (!typeId) return <Typography.Text type="secondary">{t("ticketTypes.exports.saveFirst")}</Typography.Text>;

  /** The error in the user's language, with the server's detail where it names the problem. */
  const describe = (caught: unknown) => {
    const text = errorText(caught);
    return caught instanceof GraphqlError && DETAILED_CODES.has(caught.code) && caught.serverMessage && caught.serverMessage !== text ? `${text} ${caught.serverMessage}` : text;
  };

  const upload = async (file: File) => {
    setUploading(true);
    try {
      const uploaded = await postFile<UploadedExportTemplate>(uploadTemplateUrl(typeId, name), file);
      setList((current) => [...current.filter((item) => item.id !== uploaded.id), { ...uploaded, url: templateUrl(typeId, uploaded.id) }]);
      setName("");
      void message.success(t("ticketTypes.exports.uploaded", { name: uploaded.name }));
    } catch (caught) {
      void message.error(t("ticketTypes.exports.uploadRefused", { name: file.name, reason: describe(caught) }));
      return;
    } finally {
      setUploading(false);
    }
    onChanged();
  };

  const removeTemplate = async (template: TicketExportTemplate) => {
    setBusy(template.id);
    try {
      const { removeTicketExportTemplate } = await remove.mutate({ typeId, templateId: template.id });
      setList(removeTicketExportTemplate.exportTemplates);
      void message.success(t("ticketTypes.exports.removed", { name: template.name }));
    } catch (caught) {
      void message.error(describe(caught));
      return;
    } finally {
      setBusy(null);
    }
    onChanged();
  };

  const download = async (template: TicketExportTemplate) => {
    setBusy(template.id);
    try {
      await downloadFile(template.url, TEMPLATE_MEDIA_TYPES[template.format], template.fileName);
    } catch (caught) {
      void message.error(describe(caught));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }} data-testid="export-templates">
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("ticketTypes.exports.intro")}
      </Typography.Paragraph>
      <div data-testid="export-template-help">
        <Typography.Text type="secondary">{t("ticketTypes.exports.builtIns")} </Typography.Text>
        <Space size={[4, 4]} wrap>
          {TICKET_PLACEHOLDERS.map((placeholder) => (
            <Typography.Text key={placeholder} code copyable={{ text: `{{${placeholder}}}` }}>{`{{${placeholder}}}`}</Typography.Text>
          ))}
        </Space>
        <div style={{ marginTop: 8 }}>
          <Typography.Text type="secondary">{t("ticketTypes.exports.fieldPlaceholders")} </Typography.Text>
          <Typography.Text code>{"{{field.<key>}}"}</Typography.Text>
          {formFields.length === 0 ? (
            <Typography.Text type="secondary"> {t("ticketTypes.exports.noFields")}</Typography.Text>
          ) : (
            <Space size={[4, 4]} wrap style={{ marginInlineStart: 8 }}>
              {formFields.map((field) => (
                <Tooltip key={field.key} title={field.label}>
                  <Typography.Text code copyable={{ text: `{{field.${field.key}}}` }} data-testid="export-template-field">{`{{field.${field.key}}}`}</Typography.Text>
                </Tooltip>
              ))}
            </Space>
          )}
        </div>
      </div>
      {canEdit ? (
        <Space orientation="vertical" size={4}>
          <Space wrap>
            <Input
              data-testid="export-template-name"
              value={name}
              maxLength={100}
              style={{ width: 320 }}
              aria-label={t("ticketTypes.exports.name")}
              placeholder={t("ticketTypes.exports.namePlaceholder")}
              onChange={(event) => setName(event.target.value)}
            />
            <Button type="primary" icon={<UploadOutlined />} loading={uploading} data-testid="export-template-upload-button" onClick={() => fileInput.current?.click()}>
              {t("ticketTypes.exports.upload")}
            </Button>
            <input
              ref={fileInput}
              type="file"
              accept={TEMPLATE_ACCEPT}
              style={{ display: "none" }}
              disabled={uploading}
              data-testid="export-template-upload"
              onChange={(event) => {
                const file = event.target.files?.[0];
                // The same file may be chosen again after a refusal.
                event.target.value = "";
                if (file) void upload(file);
              }}
            />
          </Space>
          <Typography.Text type="secondary">{t("ticketTypes.exports.uploadHint")}</Typography.Text>
        </Space>
      ) : null}
      <Table<TicketExportTemplate>
        rowKey="id"
        size="middle"
        dataSource={[...list]}
        pagination={false}
        onRow={(template) => ({ "data-testid": "export-template-row", "data-name": template.name }) as object}
        locale={{ emptyText: t("ticketTypes.exports.empty") }}
        columns={[
          { key: "name", dataIndex: "name", title: t("ticketTypes.exports.name") },
          {
            key: "format",
            dataIndex: "format",
            title: t("ticketTypes.exports.format"),
            width: 90,
            render: (format: TicketExportTemplate["format"]) => <Tag color={format === "DOCX" ? "blue" : "green"}>{format}</Tag>,
          },
          { key: "file", dataIndex: "fileName", title: t("ticketTypes.exports.fileName") },
          {
            key: "size",
            dataIndex: "size",
            title: t("ticketTypes.exports.size"),
            width: 100,
            render: (size: number) => t("ticketTypes.exports.sizeKb", { size: Math.max(1, Math.round(size / 1024)) }),
          },
          {
            key: "placeholders",
            dataIndex: "placeholders",
            title: t("ticketTypes.exports.placeholders"),
            render: (placeholders: string[]) =>
              placeholders.length === 0 ? (
                <Typography.Text type="secondary">{t("ticketTypes.exports.noPlaceholders")}</Typography.Text>
              ) : (
                <Space size={[4, 4]} wrap>
                  {placeholders.map((placeholder) => (
                    <Tag key={placeholder} style={{ marginInlineEnd: 0 }}>
                      {placeholder}
                    </Tag>
                  ))}
                </Space>
              ),
          },
          {
            key: "added",
            dataIndex: "addedAt",
            title: t("ticketTypes.exports.added"),
            width: 170,
            render: (addedAt: string) => formatDateTime(addedAt, locale),
          },
          {
            key: "actions",
            title: t("common.actions"),
            width: 110,
            render: (_: unknown, template) => (
              <Space size={4}>
                <Tooltip title={t("ticketTypes.exports.download")}>
                  <Button
                    size="small"
                    icon={<DownloadOutlined />}
                    aria-label={t("ticketTypes.exports.download")}
                    loading={busy === template.id && !remove.loading}
                    disabled={busy !== null && busy !== template.id}
                    data-testid="export-template-download"
                    onClick={() => void download(template)}
                  />
                </Tooltip>
                {canEdit ? (
                  <Popconfirm
                    title={t("ticketTypes.exports.removeTitle", { name: template.name })}
                    description={<div style={{ maxWidth: 320 }}>{t("ticketTypes.exports.removeWarning")}</div>}
                    okText={t("ticketTypes.exports.remove")}
                    cancelText={t("common.cancel")}
                    okButtonProps={{ danger: true, "data-testid": "export-template-remove-confirm" }}
                    onConfirm={() => removeTemplate(template)}
                  >
                    <Tooltip title={t("ticketTypes.exports.remove")}>
                      <Button
                        size="small"
                        danger
                        icon={<DeleteOutlined />}
                        aria-label={t("ticketTypes.exports.remove")}
                        loading={busy === template.id && remove.loading}
                        data-testid="export-template-remove"
                      />
                    </Tooltip>
                  </Popconfirm>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
    </Space>
  );
}
