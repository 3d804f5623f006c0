/** A new trunk (`defineTrunk`) or changes to one (`updateTrunk`: the whole definition; an
 * empty registration password keeps the current one). */
import { Alert, App, Form, Input, Modal, Switch } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { showOnField } from "../shared/serverErrors";
import {
  ADDRESS_MAX,
  EMPTY_TRUNK,
  isHostAddress,
  isRegistrationUsername,
  PEERS_MAX,
  peersProblem,
  REGISTRATION_USERNAME_MAX,
  TRUNK_NAME_MAX,
  trunkInput,
  trunkValues,
  type TrunkValues,
} from "./rules";
import { DEFINE_TRUNK_MUTATION, type Trunk, type TrunkInput, UPDATE_TRUNK_MUTATION } from "./telephony.graphql";

const FIELD_BY_CODE: Record<string, keyof TrunkValues> = {
  "telephony.invalid_trunk_name": "name",
  "telephony.trunk_name_taken": "name",
  "telephony.invalid_peers": "peers",
  "telephony.invalid_outbound_address": "outboundAddress",
  "telephony.invalid_registration": "registrar",
  "telephony.registration_password_required": "password",
};

interface Props {
  /** The trunk to change; `null` for a new one; `undefined` when closed. */
  trunk: Trunk | null | undefined;
  onClose: () => void;
  onSaved: () => void;
}

export function TrunkModal({ trunk, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<TrunkValues>();
  const open = trunk !== undefined;
  const registers = Form.useWatch("registers", form);
  const define = useMutation<{ defineTrunk: Trunk }, { input: TrunkInput }>(DEFINE_TRUNK_MUTATION);
  const update = useMutation<{ updateTrunk: Trunk }, { id: string; input: TrunkInput }>(UPDATE_TRUNK_MUTATION);
  const [formError, setFormError] = useState<unknown>();
  // A registration the trunk has now: its password may stay as it is.
  const keepsPassword = Boolean(trunk?.registration);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(trunkValues(trunk ?? null));
    setFormError(undefined);
  }, [open, trunk, form]);

  const submit = async (values: TrunkValues) => {
    setFormError(undefined);
    const input = trunkInput(values);
    try {
      if (trunk) {
        const { updateTrunk } = await update.mutate({ id: trunk.id, input });
        void message.success(t("telephony.trunk.saved", { name: updateTrunk.name }));
      } else {
        const { defineTrunk } = await define.mutate({ input });
        void message.success(t("telephony.trunk.defined", { name: defineTrunk.name }));
      }
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    onSaved();
    onClose();
  };

  const required = { required: true, whitespace: true, message: t("validation.required") };
  const hostAddress = {
    validator: (_: unknown, value: string | undefined) =>
      !value?.trim() || isHostAddress(value.trim()) ? Promise.resolve() : Promise.reject(new Error(t("telephony.trunk.addressRule", { max: ADDRESS_MAX }))),
  };

  return (
    <Modal
      open={open}
      width={600}
      title={trunk ? t("telephony.trunk.editTitle", { name: trunk.name }) : t("telephony.trunk.defineTitle")}
      okText={trunk ? t("common.save") : t("telephony.trunk.define")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "telephony-trunk-save" }}
      confirmLoading={define.loading || update.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<TrunkValues>
        form={form}
        name="telephony-trunk"
        layout="vertical"
        initialValues={EMPTY_TRUNK}
        onFinish={submit}
        onValuesChange={() => setFormError(undefined)}
      >
        <Form.Item
          name="name"
          label={t("telephony.trunk.name")}
          rules={[required, { max: TRUNK_NAME_MAX, message: t("validation.maxChars", { max: TRUNK_NAME_MAX }) }]}
        >
          <Input autoComplete="off" data-testid="telephony-trunk-name" />
        </Form.Item>
        <Form.Item
          name="peers"
          label={t("telephony.trunk.peers")}
          extra={t("telephony.trunk.peersHint")}
          rules={[
            {
              validator: (_, value: string | undefined) => {
                const problem = peersProblem(value);
                return problem ? Promise.reject(new Error(t(problem.key, { peer: problem.peer ?? "", max: PEERS_MAX }))) : Promise.resolve();
              },
            },
          ]}
        >
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} placeholder={"198.51.100.10\n203.0.113.0/24"} data-testid="telephony-trunk-peers" />
        </Form.Item>
        <Form.Item
          name="outboundAddress"
          label={t("telephony.trunk.outboundAddress")}
          extra={t("telephony.trunk.outboundHint")}
          rules={[hostAddress]}
        >
          <Input autoComplete="off" placeholder="sip.carrier.example:5060" data-testid="telephony-trunk-outbound" />
        </Form.Item>
        <Form.Item name="registers" label={t("telephony.trunk.registration")} extra={t("telephony.trunk.registersHint")} valuePropName="checked">
          <Switch data-testid="telephony-trunk-registers" />
        </Form.Item>
        {registers ? (
          <>
            <Form.Item name="registrar" label={t("telephony.trunk.registrar")} rules={[required, hostAddress]}>
              <Input autoComplete="off" placeholder="sip.carrier.example" data-testid="telephony-trunk-registrar" />
            </Form.Item>
            <Form.Item
              name="username"
              label={t("telephony.trunk.username")}
              rules={[
                required,
                {
                  validator: (_, value: string | undefined) =>
                    !value?.trim() || isRegistrationUsername(value.trim())
                      ? Promise.resolve()
                      : Promise.reject(new Error(t("telephony.trunk.usernameRule", { max: REGISTRATION_USERNAME_MAX }))),
                },
              ]}
            >
              <Input autoComplete="off" data-testid="telephony-trunk-username" />
            </Form.Item>
            <Form.Item
              name="password"
              label={t("telephony.trunk.password")}
              extra={keepsPassword ? t("telephony.trunk.passwordKeep") : undefined}
              rules={keepsPassword ? [] : [{ required: true, message: t("validation.required") }]}
            >
              <Input.Password autoComplete="new-password" data-testid="telephony-trunk-password" />
            </Form.Item>
          </>
        ) : null}
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
