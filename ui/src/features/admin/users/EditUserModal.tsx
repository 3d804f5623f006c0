/** Changes a user's display name, roles and organisation unit: one `updateUser` command. */
import { Alert, App, Form, Input, Modal, Select } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import type { OrgUnitsState } from "../shared/orgUnits";
import { roleLabel, type RolesState } from "../shared/roles";
import { showOnField } from "../shared/serverErrors";
import { DISPLAY_NAME_MAX, isCleanText } from "../shared/validation";
import { OrgUnitPicker } from "./OrgUnitPicker";
import { UPDATE_USER_MUTATION, type UpdateUserVariables, type UserRow } from "./users.graphql";

interface Values {
  displayName: string;
  roleIds: string[];
  orgUnitId: string | null;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  "user.invalid_display_name": "displayName",
  "user.no_role": "roleIds",
  "user.too_many_roles": "roleIds",
  "role.not_found": "roleIds",
  "org.unit_not_found": "orgUnitId",
};

interface Props {
  user: UserRow | null;
  roles: RolesState;
  orgUnits: OrgUnitsState;
  onClose: () => void;
  onSaved: () => void;
}

export function EditUserModal({ user, roles, orgUnits, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, renewCommandId] = useCommandId();
  const { mutate, loading } = useMutation<unknown, UpdateUserVariables>(UPDATE_USER_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!user) return;
    form.resetFields();
    form.setFieldsValue({ displayName: user.displayName, roleIds: user.roleIds, orgUnitId: user.orgUnitId });
    setFormError(undefined);
    renewCommandId();
  }, [user, form, renewCommandId]);

  const submit = async (values: Values) => {
    if (!user) return;
    setFormError(undefined);
    try {
      await mutate({
        input: { commandId, userId: user.id, displayName: values.displayName, roleIds: values.roleIds, orgUnitId: values.orgUnitId ?? null },
      });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("admin.users.saved", { username: user.username }));
    onSaved();
    onClose();
  };

  return (
    <Modal
      open={user !== null}
      title={user ? t("admin.users.editTitle", { username: user.username }) : ""}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form
        form={form}
        name="edit-user"
        layout="vertical"
        onFinish={submit}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
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
          name="roleIds"
          label={t("admin.users.roles")}
          rules={[{ required: true, type: "array", min: 1, message: t("validation.atLeastOneRole") }]}
        >
          <Select
            mode="multiple"
            loading={roles.loading}
            optionFilterProp="label"
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
