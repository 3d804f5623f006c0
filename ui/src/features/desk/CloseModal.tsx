/** Ends a conversation with a disposition (the `dispositions` dictionary), which is required. */
import { Alert, App, Button, Form, Modal, Select } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useMutation } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import {
  CLOSE_CONVERSATION_MUTATION,
  type CloseConversationVariables,
  type ConversationSummary,
  type Disposition,
} from "./desk.graphql";

interface Values {
  disposition: string;
}

interface Props {
  conversationId: string | null;
  dispositions: readonly Disposition[];
  loadingDispositions: boolean;
  onClose: () => void;
  onClosed: (summary: ConversationSummary) => void;
}

export function CloseModal({ conversationId, dispositions, loadingDispositions, onClose, onClosed }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const open = conversationId !== null;
  const { mutate, loading } = useMutation<{ closeConversation: ConversationSummary }, CloseConversationVariables>(
    CLOSE_CONVERSATION_MUTATION,
  );
  const [commandId, renewCommandId] = useCommandId();
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setFormError(undefined);
    renewCommandId();
  }, [open, form, renewCommandId]);

  const submit = async (values: Values) => {
    if (!conversationId) return;
    setFormError(undefined);
    let summary: ConversationSummary;
    try {
      summary = (await mutate({ commandId, conversationId, disposition: values.disposition })).closeConversation;
    } catch (caught) {
      setFormError(caught);
      return;
    }
    void message.success(t("desk.closed"));
    onClosed(summary);
    onClose();
  };

  return (
    <Modal
      open={open}
      title={t("desk.closeTitle")}
      onCancel={onClose}
      forceRender
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t("common.cancel")}
        </Button>,
        <Button key="confirm" type="primary" loading={loading} data-testid="desk-close-confirm" onClick={() => form.submit()}>
          {t("desk.close")}
        </Button>,
      ]}
    >
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={submit}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Form.Item name="disposition" label={t("desk.disposition")} rules={[{ required: true, message: t("desk.dispositionRequired") }]}>
          <Select
            data-testid="desk-disposition"
            loading={loadingDispositions}
            showSearch={{ optionFilterProp: "label" }}
            placeholder={t("desk.dispositionPlaceholder")}
            options={dispositions.map((disposition) => ({ value: disposition.code, label: disposition.label }))}
            notFoundContent={t("desk.noDispositions")}
          />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
