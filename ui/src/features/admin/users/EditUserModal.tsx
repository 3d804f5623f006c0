/** Changes a user's display name, e-mail address, roles and organisation unit: one `updateUser`
 * command, which carries all of them. */
import { Alert, App, Form, Modal } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import type { OrgUnitsState } from "../shared/orgUnits";
import type { RolesState } from "../shared/roles";
import { showOnField } from "../shared/serverErrors";
import { DisplayNameField, EmailField, PROFILE_FIELD_BY_CODE, type ProfileValues, RolesAndUnitFields } from "./ProfileFields";
import { UPDATE_USER_MUTATION, type UpdateUserVariables, type UserRow } from "./users.graphql";

type Values = ProfileValues;

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
    form.setFieldsValue({ displayName: user.displayName, email: user.email ?? "", roleIds: user.roleIds, orgUnitId: user.orgUnitId });
    setFormError(undefined);
    renewCommandId();
  }, [user, form, renewCommandId]);

  const submit = async (values: Values) => {
    if (!user) return;
    setFormError(undefined);
    try {
      await mutate({
        input: {
          commandId,
          userId: user.id,
          displayName: values.displayName,
          email: values.email || null,
          roleIds: values.roleIds,
          orgUnitId: values.orgUnitId ?? null,
        },
      });
    } catch (caught) {
      if (!showOnField(form, caught, PROFILE_FIELD_BY_CODE, errorText)) setFormError(caught);
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
        <DisplayNameField />
        <EmailField testId="edit-user-email" />
        <RolesAndUnitFields roles={roles} orgUnits={orgUnits} />
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
