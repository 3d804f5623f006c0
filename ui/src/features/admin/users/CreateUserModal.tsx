/** New user: user name, display name, e-mail address, initial password, roles and organisation
 * unit. Checked here, then by the server. */
import { Alert, App, Form, Input, Modal } from "antd";
import { useState } from "react";
import { newCommandId } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, meetsPasswordPolicy } from "../../auth/passwordPolicy";
import type { OrgUnitsState } from "../shared/orgUnits";
import type { RolesState } from "../shared/roles";
import { showOnField } from "../shared/serverErrors";
import { USERNAME_PATTERN } from "../shared/validation";
import { DisplayNameField, EmailField, PROFILE_FIELD_BY_CODE, type ProfileValues, RolesAndUnitFields } from "./ProfileFields";
import { CREATE_USER_MUTATION, type CreateUserVariables } from "./users.graphql";

interface Values extends ProfileValues {
  username: string;
  password: string;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  ...PROFILE_FIELD_BY_CODE,
  "user.username_taken": "username",
  "user.invalid_username": "username",
  "auth.password_policy": "password",
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
      await mutate({ input: { commandId, ...values, email: values.email || null, orgUnitId: values.orgUnitId ?? null } });
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
        <DisplayNameField />
        <EmailField testId="create-user-email" />
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
        <RolesAndUnitFields roles={roles} orgUnits={orgUnits} testId="create-user-roles" />
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
