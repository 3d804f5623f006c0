/** A new extension (`provisionExtension`, whose answer carries its password) or changes to one
 * (`updateExtension`: display name, user and whether it may register). */
import { Alert, App, Form, Input, Modal, Select, Switch } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { showOnField } from "../shared/serverErrors";
import { DISPLAY_NAME_MAX, extensionChangeInput, extensionInput, type ExtensionValues, isExtensionNumber } from "./rules";
import {
  type Extension,
  type ExtensionChangeInput,
  type ExtensionInput,
  PROVISION_EXTENSION_MUTATION,
  type ProvisionedExtension,
  UPDATE_EXTENSION_MUTATION,
} from "./telephony.graphql";

/** A user an extension may belong to (from the routing administration's agents). */
export interface UserChoice {
  agentId: string;
  name: string;
  username: string;
}

const FIELD_BY_CODE: Record<string, keyof ExtensionValues> = {
  "telephony.invalid_extension_number": "number",
  "telephony.extension_number_taken": "number",
  "telephony.invalid_display_name": "displayName",
  "telephony.user_has_extension": "userId",
};

const EMPTY: ExtensionValues = { number: "", displayName: "", userId: null, enabled: true };

interface Props {
  /** The extension to change; `null` for a new one; `undefined` when closed. */
  extension: Extension | null | undefined;
  users: readonly UserChoice[];
  onClose: () => void;
  /** After a save; `provisioned` (with the password) when an extension was provisioned. */
  onSaved: (provisioned: ProvisionedExtension | null) => void;
}

export function ExtensionModal({ extension, users, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<ExtensionValues>();
  const open = extension !== undefined;
  const provision = useMutation<{ provisionExtension: ProvisionedExtension }, { input: ExtensionInput }>(PROVISION_EXTENSION_MUTATION);
  const update = useMutation<{ updateExtension: Extension }, { id: string; input: ExtensionChangeInput }>(UPDATE_EXTENSION_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(
      extension ? { number: extension.number, displayName: extension.displayName, userId: extension.userId, enabled: extension.enabled } : EMPTY,
    );
    setFormError(undefined);
  }, [open, extension, form]);

  const submit = async (values: ExtensionValues) => {
    setFormError(undefined);
    try {
      if (extension) {
        const { updateExtension } = await update.mutate({ id: extension.id, input: extensionChangeInput(values) });
        void message.success(t("telephony.extension.saved", { number: updateExtension.number }));
        onSaved(null);
      } else {
        const { provisionExtension } = await provision.mutate({ input: extensionInput(values) });
        void message.success(t("telephony.extension.provisioned", { number: provisionExtension.extension.number }));
        onSaved(provisionExtension);
      }
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    onClose();
  };

  return (
    <Modal
      open={open}
      width={560}
      title={extension ? t("telephony.extension.editTitle", { number: extension.number }) : t("telephony.extension.provisionTitle")}
      okText={extension ? t("common.save") : t("telephony.extension.provision")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "telephony-extension-save" }}
      confirmLoading={provision.loading || update.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<ExtensionValues>
        form={form}
        name="telephony-extension"
        layout="vertical"
        initialValues={EMPTY}
        onFinish={submit}
        onValuesChange={() => setFormError(undefined)}
      >
        <Form.Item
          name="number"
          label={t("telephony.extension.number")}
          extra={extension ? undefined : t("telephony.extension.numberHint")}
          rules={[
            { required: true, whitespace: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value?.trim() || isExtensionNumber(value.trim())
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("telephony.extension.numberRule"))),
            },
          ]}
        >
          <Input autoComplete="off" disabled={Boolean(extension)} placeholder="1001" data-testid="telephony-extension-number" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t("telephony.extension.displayName")}
          rules={[
            { required: true, whitespace: true, message: t("validation.required") },
            { max: DISPLAY_NAME_MAX, message: t("validation.maxChars", { max: DISPLAY_NAME_MAX }) },
          ]}
        >
          <Input autoComplete="off" data-testid="telephony-extension-display-name" />
        </Form.Item>
        <Form.Item name="userId" label={t("telephony.extension.user")} extra={t("telephony.extension.userHint")}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: "label" }}
            placeholder={t("telephony.extension.noUser")}
            options={users.map((user) => ({ value: user.agentId, label: `${user.name} (${user.username})` }))}
            aria-label={t("telephony.extension.user")}
            data-testid="telephony-extension-user"
          />
        </Form.Item>
        {extension ? (
          <Form.Item name="enabled" label={t("telephony.extension.enabled")} extra={t("telephony.extension.enabledHint")} valuePropName="checked">
            <Switch data-testid="telephony-extension-enabled" />
          </Form.Item>
        ) : null}
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
