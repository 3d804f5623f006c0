/** New user: user name, display name, initial password, roles and organisation unit. Checked
 * here, then by the server. */
import { Alert, App, Form, Input, Modal, Select } from "antd";
import { useState } from "react";
import { newCommandId } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, meetsPasswordPolicy } from "../../auth/passwordPolicy";
import type { OrgUnitsState } from "../shared/orgUnits";
import { roleLabel, type RolesState } from "../shared/roles";
import { showOnField } from "../shared/serverErrors";
import { DISPLAY_NAME_MAX, isCleanText, USERNAME_PATTERN } from "../shared/validation";
import { OrgUnitPicker } from "./OrgUnitPicker";
import { CREATE_USER_MUTATION, type CreateUserVariables } from "./users.graphql";

interface Values {
  username: string;
  displayName: string;
  password: string;
  roleIds: string[];
  orgUnitId: string | null;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  "user.username_taken": "username",
  "user.invalid_username": "username",
  "user.invalid_display_name": "displayName",
  "auth.password_policy": "password",
  "user.no_role": "roleIds",
  "user.too_many_roles": "roleIds",
  "role.not_found": "roleIds",
  "org.unit_not_found": "orgUnitId",
};

interface Props {
  open: boolean;
  roles: RolesState;
  orgUnits: OrgUnitsState;
  onClose: () => void;
  onCreated: () => void;
}

export function CreateUserModal({ open, roles, orgUnits, onClose, onCreated }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, setCommandId] = useState(newCommandId);
  const { mutate, loading, error, reset } = useMutation<unknown, CreateUserVariables>(CREATE_USER_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  const close = () => {
    form.resetFields();
    reset();
    setFormError(undefined);
    setCommandId(newCommandId());
    onClose();
  };

  const submit = async (values: Values) => {
    setFormError(undefined);
    try {
      await mutate({ input: { commandId, ...values, orgUnitId: values.orgUnitId ?? null } });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("admin.users.created", { username: values.username }));
    onCreated();
    close();
  };

  const passwordRule = t("validation.passwordPolicy", { min: MIN_PASSWORD_CHARS, max: MAX_PASSWORD_CHARS });
  return (
    <Modal
      open={open}
      title={t("admin.users.create")}
      okText={t("common.create")}
      cancelText={t("common.cancel")}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={close}
      forceRender
    >
      <Form
        form={form}
        name="create-user"
        layout="vertical"
        onFinish={submit}
        initialValues={{ roleIds: [], orgUnitId: null }}
        onValuesChange={() => {
          // Changed values make a new command; an unchanged retry keeps the id (applied once).
          setCommandId(newCommandId());
          if (error || formError) {
            reset();
            setFormError(undefined);
          }
        }}
      >
        <Form.Item
          name="username"
          label={t("admin.users.username")}
          rules={[
            { required: true, message: t("validation.required") },
            { pattern: USERNAME_PATTERN, message: t("validation.usernameRule") },
          ]}
        >
          <Input autoComplete="off" placeholder={t("validation.usernameRule")} />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t("admin.users.displayName")}
          rules={[
            { required: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value || isCleanText(value, DISPLAY_NAME_MAX)
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("validation.cleanText", { max: DISPLAY_NAME_MAX }))),
            },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t("admin.users.password")}
          rules={[
            { required: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value || meetsPasswordPolicy(value) ? Promise.resolve() : Promise.reject(new Error(passwordRule)),
            },
          ]}
        >
          <Input.Password autoComplete="new-password" placeholder={passwordRule} />
        </Form.Item>
        <Form.Item
          name="roleIds"
          label={t("admin.users.roles")}
          rules={[{ required: true, type: "array", min: 1, message: t("validation.atLeastOneRole") }]}
        >
          <Select
            mode="multiple"
            loading={roles.loading}
            optionFilterProp="label"
            data-testid="create-user-roles"
            options={roles.roles.map((role) => ({ value: role.id, label: roleLabel(role, t) }))}
          />
        </Form.Item>
        <Form.Item name="orgUnitId" label={t("admin.users.orgUnit")}>
          <OrgUnitPicker orgUnits={orgUnits} />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
