/** An agent's routing: capacity per channel, skills with levels 1 to 10, and queues
 * (`setAgentRouting`). */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, App, AutoComplete, Button, Col, Form, InputNumber, Modal, Row, Select, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { CHANNEL_KEYS, CHANNELS } from "../../desk/presence";
import { useCommandId } from "../shared/commandId";
import { showOnField } from "../shared/serverErrors";
import { type AcdAgent, type AcdQueue, SET_AGENT_ROUTING_MUTATION, type SetAgentRoutingVariables } from "./acd.graphql";
import {
  CAPACITY_MAX,
  duplicateSkills,
  isSkill,
  routingInput,
  routingValues,
  type RoutingValues,
  SKILL_LEVEL_MAX,
  SKILL_LEVEL_MIN,
  SKILL_MAX,
} from "./rules";

const FIELD_BY_CODE: Record<string, keyof RoutingValues> = {
  "acd.queue_not_found": "queueIds",
};

interface Props {
  agent: AcdAgent | null;
  queues: readonly AcdQueue[];
  skills: readonly string[];
  onClose: () => void;
  onSaved: () => void;
}

export function AgentRoutingModal({ agent, queues, skills, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<RoutingValues>();
  const [commandId, renewCommandId] = useCommandId();
  const { mutate, loading } = useMutation<unknown, SetAgentRoutingVariables>(SET_AGENT_ROUTING_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!agent) return;
    form.resetFields();
    form.setFieldsValue(routingValues(agent));
    setFormError(undefined);
    renewCommandId();
  }, [agent, form, renewCommandId]);

  const submit = async (values: RoutingValues) => {
    if (!agent) return;
    setFormError(undefined);
    try {
      await mutate({ commandId, input: routingInput(agent.agentId, values) });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("acd.routingSaved", { name: agent.name }));
    onSaved();
    onClose();
  };

  return (
    <Modal
      open={agent !== null}
      width={640}
      title={agent ? t("acd.routingTitle", { name: agent.name }) : ""}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "acd-routing-save" }}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<RoutingValues>
        form={form}
        name="acd-routing"
        layout="vertical"
        onFinish={submit}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Typography.Title level={5}>{t("acd.capacity")}</Typography.Title>
        <Typography.Paragraph type="secondary">{t("acd.capacityHint", { max: CAPACITY_MAX })}</Typography.Paragraph>
        <Row gutter={12}>
          {CHANNELS.map((channel) => (
            <Col key={channel} span={6}>
              <Form.Item name={["capacity", channel]} label={t(CHANNEL_KEYS[channel])} rules={[{ required: true, message: t("validation.required") }]}>
                <InputNumber min={0} max={CAPACITY_MAX} precision={0} style={{ width: "100%" }} data-testid={`acd-capacity-${channel}`} />
              </Form.Item>
            </Col>
          ))}
        </Row>
        <Typography.Title level={5}>{t("acd.skills")}</Typography.Title>
        <Form.List
          name="skills"
          rules={[
            {
              validator: async (_, value: RoutingValues["skills"] | undefined) => {
                if (duplicateSkills(value ?? []).length > 0) throw new Error(t("acd.duplicateSkill"));
              },
            },
          ]}
        >
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((field) => (
                <Space key={field.key} align="baseline" style={{ display: "flex" }}>
                  <Form.Item
                    name={[field.name, "skill"]}
                    rules={[
                      { required: true, message: t("validation.required") },
                      {
                        validator: (_, value: string | undefined) =>
                          !value || isSkill(value) ? Promise.resolve() : Promise.reject(new Error(t("validation.cleanText", { max: SKILL_MAX }))),
                      },
                    ]}
                  >
                    <AutoComplete
                      style={{ width: 260 }}
                      placeholder={t("acd.skill")}
                      options={skills.map((skill) => ({ value: skill }))}
                      showSearch={{ filterOption: (input, option) => String(option?.value ?? "").toLowerCase().includes(input.toLowerCase()) }}
                    />
                  </Form.Item>
                  <Form.Item name={[field.name, "level"]} rules={[{ required: true, message: t("validation.required") }]}>
                    <InputNumber
                      min={SKILL_LEVEL_MIN}
                      max={SKILL_LEVEL_MAX}
                      precision={0}
                      prefix={t("acd.level")}
                      aria-label={t("acd.level")}
                      style={{ width: 140 }}
                    />
                  </Form.Item>
                  <Button type="text" danger icon={<DeleteOutlined />} aria-label={t("acd.removeSkill")} onClick={() => remove(field.name)} />
                </Space>
              ))}
              <Form.ErrorList errors={errors} />
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ skill: "", level: 5 })} style={{ marginBottom: 16 }}>
                {t("acd.addSkill")}
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item name="queueIds" label={t("acd.agentQueues")}>
          <Select
            mode="multiple"
            optionFilterProp="label"
            placeholder={t("acd.noQueuesChosen")}
            options={queues.map((queue) => ({ value: queue.id, label: queue.name }))}
          />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
