/** Transfers a conversation to another queue or to an agent (`transferTargets`). */
import { Alert, App, Form, Modal, Radio, Select, Space, Tag } from "antd";
import { type ReactNode, useEffect, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import {
  TRANSFER_CONVERSATION_MUTATION,
  TRANSFER_TARGETS_QUERY,
  type TransferConversationVariables,
  type TransferTargetsData,
} from "./desk.graphql";
import { PRESENCE_COLORS, PRESENCE_KEYS } from "./presence";

interface Values {
  kind: "queue" | "agent";
  target: string;
}

interface Props {
  conversationId: string | null;
  /** The caller, who is no target of their own transfer. */
  selfAgentId: string;
  onClose: () => void;
  onTransferred: (conversationId: string) => void;
}

export function TransferModal({ conversationId, selfAgentId, onClose, onTransferred }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const open = conversationId !== null;
  // Fresh targets each time the modal opens: presence changes all the time.
  const targets = useQuery<TransferTargetsData>(TRANSFER_TARGETS_QUERY, {}, { skip: !open });
  const { mutate, loading } = useMutation<unknown, TransferConversationVariables>(TRANSFER_CONVERSATION_MUTATION);
  const [commandId, renewCommandId] = useCommandId();
  const [formError, setFormError] = useState<unknown>();
  const kind = Form.useWatch("kind", form) ?? "queue";

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setFormError(undefined);
    renewCommandId();
  }, [open, form, renewCommandId]);

  const submit = async (values: Values) => {
    if (!conversationId) return;
    setFormError(undefined);
    try {
      await mutate({
        commandId,
        conversationId,
        toQueueId: values.kind === "queue" ? values.target : null,
        toAgentId: values.kind === "agent" ? values.target : null,
      });
    } catch (caught) {
      setFormError(caught);
      return;
    }
    void message.success(t("desk.transferred"));
    onTransferred(conversationId);
    onClose();
  };

  const data = targets.data?.transferTargets;
  return (
    <Modal
      open={open}
      title={t("desk.transferTitle")}
      okText={t("desk.transfer")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "desk-transfer-confirm" }}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ kind: "queue" }}
        onFinish={submit}
        onValuesChange={(changed: Partial<Values>) => {
          if (changed.kind) form.setFieldValue("target", undefined);
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Form.Item name="kind" label={t("desk.transferTo")}>
          <Radio.Group
            optionType="button"
            options={[
              { value: "queue", label: t("desk.transferToQueue") },
              { value: "agent", label: t("desk.transferToAgent") },
            ]}
          />
        </Form.Item>
        <Form.Item name="target" label={kind === "queue" ? t("desk.queue") : t("desk.agent")} rules={[{ required: true, message: t("validation.required") }]}>
          <Select
            data-testid="desk-transfer-target"
            loading={targets.loading}
            showSearch={{ optionFilterProp: "search" }}
            options={
              (kind === "queue"
                ? (data?.queues ?? []).map((queue) => ({ value: queue.id, label: queue.name, search: queue.name }))
                : (data?.agents ?? []).filter((agent) => agent.agentId !== selfAgentId).map((agent) => ({
                    value: agent.agentId,
                    search: agent.name,
                    label: (
                      <Space size={4}>
                        {agent.name}
                        <Tag color={PRESENCE_COLORS[agent.presence]}>{t(PRESENCE_KEYS[agent.presence])}</Tag>
                      </Space>
                    ),
                  }))) as { value: string; label: ReactNode; search: string }[]
            }
          />
        </Form.Item>
        {targets.error ? <Alert type="warning" showIcon title={errorText(targets.error)} /> : null}
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
