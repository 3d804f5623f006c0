/** New tenant with its first administrator. */
import { Alert, App, Divider, Form, Input, Modal } from "antd";
import { useState } from "react";
import { newCommandId } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, meetsPasswordPolicy } from "../../auth/passwordPolicy";
import { showOnField } from "../shared/serverErrors";
import { DISPLAY_NAME_MAX, isCleanText, SLUG_PATTERN, TENANT_NAME_MAX, USERNAME_PATTERN } from "../shared/validation";
import { CREATE_TENANT_MUTATION, type CreateTenantVariables } from "./tenants.graphql";

interface Values {
  slug: string;
  name: string;
  adminUsername: string;
  adminDisplayName: string;
  adminPassword: string;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  "tenant.slug_taken": "slug",
  "tenant.invalid_slug": "slug",
  "tenant.invalid_name": "name",
  "user.invalid_username": "adminUsername",
  "user.username_taken": "adminUsername",
  "user.invalid_display_name": "adminDisplayName",
  "auth.password_policy": "adminPassword",
};

export function CreateTenantModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, setCommandId] = useState(newCommandId);
  const { mutate, loading } = useMutation<unknown, CreateTenantVariables>(CREATE_TENANT_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  const close = () => {
    form.resetFields();
    setFormError(undefined);
    setCommandId(newCommandId());
    onClose();
  };

  const submit = async (values: Values) => {
    setFormError(undefined);
    try {
      await mutate({
        input: {
          commandId,
          slug: values.slug,
          name: values.name,
          admin: { username: values.adminUsername, displayName: values.adminDisplayName, password: values.adminPassword },
        },
      });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("admin.tenants.created", { slug: values.slug }));
    onCreated();
    close();
  };

  const required = { required: true, message: t("validation.required") };
  const cleanText = (max: number) => ({
    validator: (_: unknown, value: string | undefined) =>
      !value || isCleanText(value, max) ? Promise.resolve() : Promise.reject(new Error(t("validation.cleanText", { max }))),
  });
  const passwordRule = t("validation.passwordPolicy", { min: MIN_PASSWORD_CHARS, max: MAX_PASSWORD_CHARS });

  return (
    <Modal
      open={open}
      title={t("admin.tenants.create")}
      okText={t("common.create")}
      cancelText={t("common.cancel")}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={close}
      forceRender
    >
      <Form form={form} name="create-tenant" layout="vertical" onFinish={submit} onValuesChange={() => {
          // Changed values make a new command; an unchanged retry keeps the id (applied once).
          setCommandId(newCommandId());
          setFormError(undefined);
        }}>
        <Form.Item
          name="slug"
          label={t("admin.tenants.slug")}
          rules={[required, { pattern: SLUG_PATTERN, message: t("validation.slugRule") }]}
        >
          <Input autoComplete="off" placeholder={t("validation.slugRule")} />
        </Form.Item>
        <Form.Item name="name" label={t("admin.tenants.name")} rules={[required, cleanText(TENANT_NAME_MAX)]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Divider plain>{t("admin.tenants.firstAdmin")}</Divider>
        <Form.Item
          name="adminUsername"
          label={t("admin.users.username")}
          rules={[required, { pattern: USERNAME_PATTERN, message: t("validation.usernameRule") }]}
        >
          <Input autoComplete="off" placeholder={t("validation.usernameRule")} />
        </Form.Item>
        <Form.Item name="adminDisplayName" label={t("admin.users.displayName")} rules={[required, cleanText(DISPLAY_NAME_MAX)]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="adminPassword"
          label={t("admin.users.password")}
          rules={[
            required,
            {
              validator: (_, value: string | undefined) =>
                !value || meetsPasswordPolicy(value) ? Promise.resolve() : Promise.reject(new Error(passwordRule)),
            },
          ]}
        >
          <Input.Password autoComplete="new-password" placeholder={passwordRule} />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
