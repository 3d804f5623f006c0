/** Changing one's own password: the current one, the new one twice. */
import { Alert, App, Form, Input, Modal } from "antd";
import { useState } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation } from "../../api/hooks";
import { useT } from "../../i18n";
import { CHANGE_PASSWORD_MUTATION, type ChangePasswordVariables } from "./changePassword.graphql";
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, meetsPasswordPolicy } from "./passwordPolicy";

interface Values {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

export function ChangePasswordModal({ userId, open, onClose }: { userId: string; open: boolean; onClose: () => void }) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  // One command id per attempt at this form, so a retried submit is applied once.
  const [commandId, setCommandId] = useState(newCommandId);
  const { mutate, loading, error, reset } = useMutation<unknown, ChangePasswordVariables>(CHANGE_PASSWORD_MUTATION);

  const close = () => {
    form.resetFields();
    reset();
    setCommandId(newCommandId());
    onClose();
  };

  const submit = async (values: Values) => {
    try {
      await mutate({
        input: { commandId, userId, currentPassword: values.currentPassword, newPassword: values.newPassword },
      });
    } catch {
      return; // shown below the form
    }
    void message.success(t("password.changed"));
    close();
  };

  const passwordRule = t("validation.passwordPolicy", { min: MIN_PASSWORD_CHARS, max: MAX_PASSWORD_CHARS });
  return (
    <Modal
      open={open}
      title={t("password.title")}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={close}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        requiredMark={false}
        name="change-password"
        onValuesChange={() => setCommandId(newCommandId())}
      >
        <Form.Item
          name="currentPassword"
          label={t("password.current")}
          rules={[{ required: true, message: t("validation.required") }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={t("password.new")}
          rules={[
            { required: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value || meetsPasswordPolicy(value)
                  ? Promise.resolve()
                  : Promise.reject(new Error(passwordRule)),
            },
          ]}
        >
          <Input.Password autoComplete="new-password" placeholder={passwordRule} />
        </Form.Item>
        <Form.Item
          name="confirmPassword"
          label={t("password.confirm")}
          dependencies={["newPassword"]}
          rules={[
            { required: true, message: t("validation.required") },
            ({ getFieldValue }) => ({
              validator: (_, value: string | undefined) =>
                !value || value === getFieldValue("newPassword")
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("validation.passwordsDiffer"))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      </Form>
    </Modal>
  );
}
