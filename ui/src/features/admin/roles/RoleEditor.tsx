/**
 * A role in a drawer: name, description, the permission matrix and a data scope per scoped
 * resource. New roles, changes to a tenant's own roles, and built-in roles read-only (with a
 * way to start a new role from one). One `saveRole` command: all of it is saved, or nothing.
 */
import { CopyOutlined } from "@ant-design/icons";
import { Alert, App, Button, Descriptions, Drawer, Form, Input, Radio, Space, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import { showOnField } from "../shared/serverErrors";
import { isCleanText } from "../shared/validation";
import { PermissionMatrix } from "./PermissionMatrix";
import { inCatalogueOrder } from "./permissionMatrix";
import {
  type CataloguePermission,
  DATA_SCOPES,
  type DataScope,
  type RoleRow,
  SAVE_ROLE_MUTATION,
  type SaveRoleVariables,
} from "./roles.graphql";
import { resourceLabel, roleDescription, roleName, SCOPE_KEYS } from "./roleText";

export const ROLE_NAME_MAX = 80;
export const ROLE_DESCRIPTION_MAX = 500;

/** What the drawer shows: a new role (maybe copied from another), a role to change, or a
 * built-in role to look at. */
export type RoleEditing =
  | { mode: "create"; from?: RoleRow }
  | { mode: "edit"; role: RoleRow }
  | { mode: "view"; role: RoleRow };

interface Values {
  name: string;
  description: string;
  permissions: string[];
  scopes: Record<string, DataScope>;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  "role.invalid_name": "name",
  "role.invalid_description": "description",
  "role.unknown_permission": "permissions",
};

interface Props {
  editing: RoleEditing | null;
  catalogue: CataloguePermission[];
  scopedResources: string[];
  canEdit: boolean;
  onClose: () => void;
  onSaved: () => void;
  onCopy: (role: RoleRow) => void;
}

export function RoleEditor({ editing, catalogue, scopedResources, canEdit, onClose, onSaved, onCopy }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, renewCommandId] = useCommandId();
  const { mutate, loading } = useMutation<unknown, SaveRoleVariables>(SAVE_ROLE_MUTATION);
  const [formError, setFormError] = useState<unknown>();
  const readOnly = editing?.mode === "view" || !canEdit;

  const initial = useMemo<Values | null>(() => {
    if (!editing) return null;
    const source = editing.mode === "create" ? editing.from : editing.role;
    const scopes = Object.fromEntries(
      scopedResources.map((resource) => [
        resource,
        source?.dataScopes.find((rule) => rule.resource === resource)?.scope ?? ("OWN" as DataScope),
      ]),
    );
    return {
      name: !source ? "" : editing.mode === "create" ? t("role.copyName", { name: roleName(source, t) }).slice(0, ROLE_NAME_MAX) : source.name,
      description: source ? roleDescription(source, t).slice(0, ROLE_DESCRIPTION_MAX) : "",
      permissions: inCatalogueOrder(catalogue, source?.permissions ?? []),
      scopes,
    };
    // The texts are taken once, when the drawer opens, not again on a language change.
  }, [editing, catalogue, scopedResources]);

  useEffect(() => {
    if (!initial) return;
    form.resetFields();
    form.setFieldsValue(initial);
    setFormError(undefined);
    renewCommandId();
  }, [initial, form, renewCommandId]);

  const submit = async (values: Values) => {
    if (!editing || readOnly) return;
    setFormError(undefined);
    const input: SaveRoleVariables["input"] = {
      commandId,
      name: values.name,
      description: values.description ?? "",
      permissions: inCatalogueOrder(catalogue, values.permissions ?? []),
      dataScopes: scopedResources.map((resource) => ({ resource, scope: values.scopes?.[resource] ?? "OWN" })),
    };
    if (editing.mode === "edit") input.roleId = editing.role.id;
    try {
      await mutate({ input });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("role.saved", { name: values.name }));
    onSaved();
    onClose();
  };

  const title =
    editing?.mode === "edit"
      ? t("role.edit")
      : editing?.mode === "view"
        ? roleName(editing.role, t)
        : t("role.create");

  return (
    <Drawer
      open={editing !== null}
      title={title}
      size="min(1000px, 100vw)"
      onClose={onClose}
      destroyOnHidden
      data-testid="role-editor"
      extra={
        readOnly ? (
          editing?.mode === "view" && canEdit ? (
            <Button icon={<CopyOutlined />} onClick={() => onCopy(editing.role)} data-testid="role-copy">
              {t("role.copy")}
            </Button>
          ) : null
        ) : (
          <Space>
            <Button onClick={onClose}>{t("common.cancel")}</Button>
            <Button type="primary" loading={loading} onClick={() => form.submit()} data-testid="role-save">
              {t("common.save")}
            </Button>
          </Space>
        )
      }
    >
      {editing?.mode === "view" ? (
        <Space orientation="vertical" style={{ width: "100%", marginBottom: 16 }}>
          <Alert type="info" showIcon title={t("role.builtInReadOnly")} />
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t("role.description")}>{roleDescription(editing.role, t)}</Descriptions.Item>
          </Descriptions>
        </Space>
      ) : null}
      <Form
        form={form}
        name="role"
        layout="vertical"
        disabled={readOnly}
        onFinish={submit}
        onValuesChange={() => {
          // Changed values make a new command; an unchanged retry keeps the id (applied once).
          renewCommandId();
          setFormError(undefined);
        }}
      >
        {editing?.mode !== "view" ? (
          <>
            <Form.Item
              name="name"
              label={t("role.name")}
              rules={[
                { required: true, message: t("validation.required") },
                {
                  validator: (_, value: string | undefined) =>
                    !value || isCleanText(value, ROLE_NAME_MAX)
                      ? Promise.resolve()
                      : Promise.reject(new Error(t("validation.cleanText", { max: ROLE_NAME_MAX }))),
                },
              ]}
            >
              <Input autoComplete="off" data-testid="role-name" />
            </Form.Item>
            <Form.Item
              name="description"
              label={t("role.description")}
              rules={[
                {
                  validator: (_, value: string | undefined) =>
                    !value || [...value].length <= ROLE_DESCRIPTION_MAX
                      ? Promise.resolve()
                      : Promise.reject(new Error(t("validation.maxChars", { max: ROLE_DESCRIPTION_MAX }))),
                },
              ]}
            >
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} showCount maxLength={ROLE_DESCRIPTION_MAX} />
            </Form.Item>
          </>
        ) : null}
        <Form.Item
          name="permissions"
          label={t("role.permissions")}
          extra={readOnly ? undefined : t("role.permissionsHint")}
          rules={[{ required: true, type: "array", min: 1, message: t("validation.atLeastOnePermission") }]}
        >
          <PermissionMatrix catalogue={catalogue} disabled={readOnly} />
        </Form.Item>
        {scopedResources.length > 0 ? (
          <>
            <Typography.Title level={5}>{t("role.dataScopes")}</Typography.Title>
            <Typography.Paragraph type="secondary">{t("role.dataScopesHint")}</Typography.Paragraph>
            {scopedResources.map((resource) => (
              <Form.Item key={resource} name={["scopes", resource]} label={resourceLabel(resource, t)}>
                <Radio.Group
                  optionType="button"
                  data-testid={`scope-${resource}`}
                  options={DATA_SCOPES.map((scope) => ({ value: scope, label: t(SCOPE_KEYS[scope]) }))}
                />
              </Form.Item>
            ))}
          </>
        ) : null}
        {formError ? <Alert type="error" showIcon title={errorText(formError)} data-testid="role-error" /> : null}
      </Form>
    </Drawer>
  );
}
