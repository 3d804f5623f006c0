/** A new webhook endpoint (`registerWebhook`, whose answer carries its secret) or changes to
 * one (`updateWebhook`: the whole settings). */
import { Alert, App, Form, Input, Modal, Select } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { showOnField } from "../../admin/shared/serverErrors";
import { DESCRIPTION_MAX, type EndpointValues, eventTypesProblem, isWebhookUrl, URL_MAX, webhookInput } from "./rules";
import {
  REGISTER_WEBHOOK_MUTATION,
  UPDATE_WEBHOOK_MUTATION,
  type WebhookEndpoint,
  type WebhookInput,
  type WebhookWithSecret,
} from "./webhooks.graphql";

const FIELD_BY_CODE: Record<string, keyof EndpointValues> = {
  "webhook.invalid_url": "url",
  "webhook.invalid_event_type": "eventTypes",
  "webhook.unknown_event_type": "eventTypes",
  "webhook.invalid_description": "description",
};

const EMPTY: EndpointValues = { url: "", eventTypes: [], description: "" };

interface Props {
  /** The endpoint to change; `null` for a new one; `undefined` when closed. */
  endpoint: WebhookEndpoint | null | undefined;
  onClose: () => void;
  /** After a save; `secret` is set when an endpoint was registered. */
  onSaved: (endpoint: WebhookEndpoint, secret: string | null) => void;
}

export function EndpointModal({ endpoint, onClose, onSaved }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<EndpointValues>();
  const open = endpoint !== undefined;
  const register = useMutation<{ registerWebhook: WebhookWithSecret }, { input: WebhookInput }>(REGISTER_WEBHOOK_MUTATION);
  const update = useMutation<{ updateWebhook: WebhookEndpoint }, { id: string; input: WebhookInput }>(UPDATE_WEBHOOK_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(endpoint ? { url: endpoint.url, eventTypes: endpoint.eventTypes, description: endpoint.description } : EMPTY);
    setFormError(undefined);
  }, [open, endpoint, form]);

  const submit = async (values: EndpointValues) => {
    setFormError(undefined);
    const input = webhookInput(values);
    try {
      if (endpoint) {
        const { updateWebhook } = await update.mutate({ id: endpoint.id, input });
        void message.success(t("webhooks.saved"));
        onSaved(updateWebhook, null);
      } else {
        const { registerWebhook } = await register.mutate({ input });
        void message.success(t("webhooks.registered"));
        onSaved(registerWebhook.endpoint, registerWebhook.secret);
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
      width={640}
      title={endpoint ? t("webhooks.editTitle") : t("webhooks.registerTitle")}
      okText={endpoint ? t("common.save") : t("webhooks.register")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "webhook-save" }}
      confirmLoading={register.loading || update.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<EndpointValues>
        form={form}
        name="webhook-endpoint"
        layout="vertical"
        initialValues={EMPTY}
        onFinish={submit}
        onValuesChange={() => setFormError(undefined)}
      >
        <Form.Item
          name="url"
          label={t("webhooks.url")}
          extra={t("webhooks.urlHint")}
          rules={[
            { required: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value || isWebhookUrl(value.trim())
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("webhooks.rule.url", { max: URL_MAX }))),
            },
          ]}
        >
          <Input autoComplete="off" placeholder="https://crm.example.com/hotline/webhooks" data-testid="webhook-url" />
        </Form.Item>
        <Form.Item
          name="eventTypes"
          label={t("webhooks.eventTypes")}
          extra={t("webhooks.eventTypesHint")}
          rules={[
            {
              validator: (_, value: string[] | undefined) => {
                const problem = eventTypesProblem((value ?? []).map((pattern) => pattern.trim()).filter(Boolean));
                return problem
                  ? Promise.reject(new Error(t(problem.key, { pattern: problem.pattern ?? "" })))
                  : Promise.resolve();
              },
            },
          ]}
        >
          <Select
            mode="tags"
            allowClear
            open={false}
            suffixIcon={null}
            tokenSeparators={[",", " "]}
            placeholder={t("webhooks.allEvents")}
            aria-label={t("webhooks.eventTypes")}
            data-testid="webhook-event-types"
          />
        </Form.Item>
        <Form.Item
          name="description"
          label={t("webhooks.description")}
          rules={[{ max: DESCRIPTION_MAX, message: t("validation.maxChars", { max: DESCRIPTION_MAX }) }]}
        >
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} data-testid="webhook-description" />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
