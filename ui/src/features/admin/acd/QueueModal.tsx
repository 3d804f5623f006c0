/** A new queue, or changes to one: `defineAcdQueue`. */
import { Alert, App, AutoComplete, Col, Form, Input, InputNumber, Modal, Row, Select, Switch } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import { showOnField } from "../shared/serverErrors";
import { type AcdQueue, DEFINE_ACD_QUEUE_MUTATION, type DefineAcdQueueVariables } from "./acd.graphql";
import { STRATEGY_KEYS } from "./labels";
import {
  isQueueName,
  isSkill,
  NEW_QUEUE,
  QUEUE_NAME_MAX,
  queueInput,
  queueValues,
  type QueueValues,
  SKILL_LEVEL_MAX,
  SKILL_LEVEL_MIN,
  SKILL_MAX,
  STRATEGIES,
  TIMEOUT_MAX_SECONDS,
  TIMEOUT_MIN_SECONDS,
} from "./rules";

const FIELD_BY_CODE: Record<string, keyof QueueValues> = {
  "acd.invalid_queue_name": "name",
  "acd.invalid_skill": "requiredSkill",
  "acd.invalid_skill_level": "minimumSkillLevel",
  "acd.overflow_to_itself": "overflowQueueId",
  "acd.queue_not_found": "overflowQueueId",
};

interface Props {
  /** The queue to change; `null` for a new one; `undefined` when closed. */
  queue: AcdQueue | null | undefined;
  queues: readonly AcdQueue[];
  skills: readonly string[];
  onClose: () => void;
  onSaved: () => void;
}

export function QueueModal({ queue, queues, skills, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<QueueValues>();
  const open = queue !== undefined;
  const [commandId, renewCommandId] = useCommandId();
  const { mutate, loading } = useMutation<unknown, DefineAcdQueueVariables>(DEFINE_ACD_QUEUE_MUTATION);
  const [formError, setFormError] = useState<unknown>();
  const requiredSkill = Form.useWatch("requiredSkill", form);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(queue ? queueValues(queue) : NEW_QUEUE);
    setFormError(undefined);
    renewCommandId();
  }, [open, queue, form, renewCommandId]);

  const submit = async (values: QueueValues) => {
    setFormError(undefined);
    try {
      await mutate({ commandId, input: queueInput(values, queue?.id ?? null) });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("acd.queueSaved", { name: values.name }));
    onSaved();
    onClose();
  };

  const timeoutRule = {
    validator: (_: unknown, value: number | null | undefined) =>
      value == null || (Number.isInteger(value) && value >= TIMEOUT_MIN_SECONDS && value <= TIMEOUT_MAX_SECONDS)
        ? Promise.resolve()
        : Promise.reject(new Error(t("acd.timeoutRule", { max: TIMEOUT_MAX_SECONDS }))),
  };
  const seconds = t("acd.seconds");

  return (
    <Modal
      open={open}
      width={640}
      title={queue ? t("acd.editQueue", { name: queue.name }) : t("acd.newQueue")}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "acd-queue-save" }}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<QueueValues>
        form={form}
        name="acd-queue"
        layout="vertical"
        initialValues={NEW_QUEUE}
        onFinish={submit}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Row gutter={12}>
          <Col span={14}>
            <Form.Item
              name="name"
              label={t("acd.queueName")}
              rules={[
                { required: true, message: t("validation.required") },
                {
                  validator: (_, value: string | undefined) =>
                    !value || isQueueName(value) ? Promise.resolve() : Promise.reject(new Error(t("validation.cleanText", { max: QUEUE_NAME_MAX }))),
                },
              ]}
            >
              <Input autoComplete="off" data-testid="acd-queue-name" />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item name="strategy" label={t("acd.strategy")} rules={[{ required: true, message: t("validation.required") }]}>
              <Select options={STRATEGIES.map((strategy) => ({ value: strategy, label: t(STRATEGY_KEYS[strategy]) }))} />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={14}>
            <Form.Item
              name="requiredSkill"
              label={t("acd.requiredSkill")}
              extra={t("acd.requiredSkillHint")}
              rules={[
                {
                  validator: (_, value: string | null | undefined) =>
                    !value || isSkill(value) ? Promise.resolve() : Promise.reject(new Error(t("validation.cleanText", { max: SKILL_MAX }))),
                },
              ]}
            >
              <AutoComplete
                allowClear
                options={skills.map((skill) => ({ value: skill }))}
                showSearch={{ filterOption: (input, option) => String(option?.value ?? "").toLowerCase().includes(input.toLowerCase()) }}
              />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item
              name="minimumSkillLevel"
              label={t("acd.minimumSkillLevel")}
              rules={[
                {
                  validator: (_, value: number | null | undefined) =>
                    value == null || (Number.isInteger(value) && value >= SKILL_LEVEL_MIN && value <= SKILL_LEVEL_MAX)
                      ? Promise.resolve()
                      : Promise.reject(new Error(t("acd.levelRule", { min: SKILL_LEVEL_MIN, max: SKILL_LEVEL_MAX }))),
                },
              ]}
            >
              <InputNumber min={SKILL_LEVEL_MIN} max={SKILL_LEVEL_MAX} precision={0} disabled={!requiredSkill} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item
              name="offerTimeoutSeconds"
              label={t("acd.offerTimeout")}
              rules={[{ required: true, message: t("validation.required") }, timeoutRule]}
            >
              <InputNumber min={TIMEOUT_MIN_SECONDS} max={TIMEOUT_MAX_SECONDS} precision={0} suffix={seconds} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="stickyAgentSeconds" label={t("acd.stickyAgent")} extra={t("acd.stickyAgentHint")} rules={[timeoutRule]}>
              <InputNumber min={TIMEOUT_MIN_SECONDS} max={TIMEOUT_MAX_SECONDS} precision={0} suffix={seconds} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item
              name="overflowAfterSeconds"
              label={t("acd.overflowAfter")}
              dependencies={["overflowQueueId"]}
              rules={[
                timeoutRule,
                ({ getFieldValue }) => ({
                  validator: (_, value: number | null | undefined) =>
                    value == null && getFieldValue("overflowQueueId") ? Promise.reject(new Error(t("acd.overflowBoth"))) : Promise.resolve(),
                }),
              ]}
            >
              <InputNumber min={TIMEOUT_MIN_SECONDS} max={TIMEOUT_MAX_SECONDS} precision={0} suffix={seconds} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="overflowQueueId"
              label={t("acd.overflowQueue")}
              dependencies={["overflowAfterSeconds"]}
              rules={[
                ({ getFieldValue }) => ({
                  validator: (_, value: string | null | undefined) =>
                    !value && getFieldValue("overflowAfterSeconds") != null ? Promise.reject(new Error(t("acd.overflowBoth"))) : Promise.resolve(),
                }),
              ]}
            >
              <Select
                allowClear
                placeholder={t("acd.noOverflow")}
                options={queues.filter((candidate) => candidate.id !== queue?.id).map((candidate) => ({ value: candidate.id, label: candidate.name }))}
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="customerPriority" label={t("acd.customerPriority")} extra={t("acd.customerPriorityHint")} valuePropName="checked">
          <Switch />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
