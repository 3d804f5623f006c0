/** Assigning an access number (`assignAccessNumber`): the number callers dial, the queue it
 * leads to, optionally the only trunk it is taken on, and a description. */
import { Alert, App, Form, Input, Modal, Select } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { showOnField } from "../shared/serverErrors";
import { accessNumberInput, type AccessNumberValues, DESCRIPTION_MAX, EMPTY_ACCESS_NUMBER, isAccessNumber } from "./rules";
import { type AccessNumber, type AccessNumberInput, ASSIGN_ACCESS_NUMBER_MUTATION, type Trunk } from "./telephony.graphql";

/** A queue an access number may lead to (from the routing administration). */
export interface QueueChoice {
  id: string;
  name: string;
}

const FIELD_BY_CODE: Record<string, keyof AccessNumberValues> = {
  "telephony.invalid_access_number": "number",
  "telephony.access_number_taken": "number",
  "telephony.trunk_not_found": "trunkId",
  "acd.queue_not_found": "queueId",
  "telephony.invalid_description": "description",
};

interface Props {
  open: boolean;
  queues: readonly QueueChoice[];
  trunks: readonly Trunk[];
  onClose: () => void;
  onSaved: () => void;
}

export function AccessNumberModal({ open, queues, trunks, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<AccessNumberValues>();
  const assign = useMutation<{ assignAccessNumber: AccessNumber }, { input: AccessNumberInput }>(ASSIGN_ACCESS_NUMBER_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(EMPTY_ACCESS_NUMBER);
    setFormError(undefined);
  }, [open, form]);

  const submit = async (values: AccessNumberValues) => {
    setFormError(undefined);
    try {
      const { assignAccessNumber } = await assign.mutate({ input: accessNumberInput(values) });
      const queue = queues.find((candidate) => candidate.id === assignAccessNumber.queueId)?.name ?? assignAccessNumber.queueId.slice(0, 8);
      void message.success(t("telephony.accessNumber.assigned", { number: assignAccessNumber.number, queue }));
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    onSaved();
    onClose();
  };

  return (
    <Modal
      open={open}
      width={560}
      title={t("telephony.accessNumber.assignTitle")}
      okText={t("telephony.accessNumber.assign")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "telephony-access-number-save" }}
      confirmLoading={assign.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<AccessNumberValues>
        form={form}
        name="telephony-access-number"
        layout="vertical"
        initialValues={EMPTY_ACCESS_NUMBER}
        onFinish={submit}
        onValuesChange={() => setFormError(undefined)}
      >
        <Form.Item
          name="number"
          label={t("telephony.accessNumber.number")}
          extra={t("telephony.accessNumber.numberHint")}
          rules={[
            { required: true, whitespace: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value?.trim() || isAccessNumber(value.trim())
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("telephony.accessNumber.numberRule"))),
            },
          ]}
        >
          <Input autoComplete="off" placeholder="4008001234" data-testid="telephony-access-number-number" />
        </Form.Item>
        <Form.Item name="queueId" label={t("telephony.accessNumber.queue")} rules={[{ required: true, message: t("validation.required") }]}>
          <Select
            showSearch={{ optionFilterProp: "label" }}
            placeholder={t("telephony.accessNumber.queuePlaceholder")}
            options={queues.map((queue) => ({ value: queue.id, label: queue.name }))}
            aria-label={t("telephony.accessNumber.queue")}
            data-testid="telephony-access-number-queue"
          />
        </Form.Item>
        <Form.Item name="trunkId" label={t("telephony.accessNumber.trunk")} extra={t("telephony.accessNumber.trunkHint")}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: "label" }}
            placeholder={t("telephony.accessNumber.anyTrunk")}
            options={trunks.map((trunk) => ({ value: trunk.id, label: trunk.name }))}
            aria-label={t("telephony.accessNumber.trunk")}
            data-testid="telephony-access-number-trunk"
          />
        </Form.Item>
        <Form.Item
          name="description"
          label={t("telephony.accessNumber.description")}
          rules={[
            { max: DESCRIPTION_MAX, message: t("validation.maxChars", { max: DESCRIPTION_MAX }) },
          ]}
        >
          <Input data-testid="telephony-access-number-description" />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
