/**
 * The web chat widget: its queue, look (name, colour, logo), texts (intro, welcome, FAQ),
 * offline messages and default language; the snippet a site adds, and the H5 page link.
 */
import { DeleteOutlined, PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Col, ColorPicker, Form, Input, Row, Select, Space, Switch, theme, Typography } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { LOCALE_NAMES, LOCALES, useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import { isCleanText } from "../shared/validation";
import {
  CHAT_WIDGET_PAGE_QUERY,
  type ChatWidgetPageData,
  type ChatWidgetSettings,
  type ChatWidgetValues,
  UPDATE_CHAT_WIDGET_MUTATION,
  type UpdateChatWidgetData,
  type UpdateChatWidgetVariables,
} from "./chatWidget.graphql";
import { FAQ_MAX_ENTRIES, isHexColor, isLogoUrl, WIDGET_NAME_MAX, WIDGET_TEXT_MAX, widgetInput } from "./rules";

function formValues(settings: ChatWidgetSettings): ChatWidgetValues {
  const { snippet: _snippet, ...values } = settings;
  return { ...values, faq: values.faq.map((entry) => ({ ...entry })) };
}

/** Where the full-page chat of a tenant lives. */
export function h5Url(slug: string): string {
  return `${window.location.origin}/chat/h5?tenant=${encodeURIComponent(slug)}`;
}

export function ChatWidgetPage() {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { data, error, loading, refetch } = useQuery<ChatWidgetPageData>(CHAT_WIDGET_PAGE_QUERY);
  const [form] = Form.useForm<ChatWidgetValues>();
  const [commandId, renewCommandId] = useCommandId();
  const save = useMutation<UpdateChatWidgetData, UpdateChatWidgetVariables>(UPDATE_CHAT_WIDGET_MUTATION);
  const [saved, setSaved] = useState<ChatWidgetSettings>();
  const [formError, setFormError] = useState<unknown>();
  const [dirty, setDirty] = useState(false);
  const offlineMessages = Form.useWatch("offlineMessages", form);
  const { token } = theme.useToken();

  const settings = saved ?? data?.chatWidget;
  const settingsKey = settings ? JSON.stringify(settings) : "";

  const reset = () => {
    if (!settingsKey) return;
    form.resetFields();
    form.setFieldsValue(formValues(JSON.parse(settingsKey) as ChatWidgetSettings));
    setFormError(undefined);
    setDirty(false);
    renewCommandId();
  };
  // The form follows what the server has, until the user changes it.
  useEffect(reset, [settingsKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async (values: ChatWidgetValues) => {
    if (!values.queueId) return;
    setFormError(undefined);
    try {
      const answer = await save.mutate({ commandId, input: widgetInput({ ...values, queueId: values.queueId }) });
      setSaved(answer.updateChatWidget);
    } catch (caught) {
      setFormError(caught);
      return;
    }
    setDirty(false);
    void message.success(t("chatWidget.saved"));
  };

  const textRule = (max: number) => ({
    validator: (_: unknown, value: string | undefined) =>
      !value || [...value].length <= max ? Promise.resolve() : Promise.reject(new Error(t("validation.maxChars", { max }))),
  });
  const slug = data?.tenant?.slug;
  const snippet = settings?.snippet ?? "";

  return (
    <Row gutter={[16, 16]} align="top">
      <Col xs={24} xl={14}>
        <Card
          title={t("menu.admin.chat_widget")}
          extra={<Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />}
        >
          {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
          <Form<ChatWidgetValues>
            form={form}
            name="chat-widget"
            layout="vertical"
            disabled={loading && !data}
            // Until the server's settings load: the current skin's primary colour.
            initialValues={{ primaryColor: token.colorPrimary, faq: [], offlineMessages: false, defaultLanguage: "en" }}
            onFinish={submit}
            onValuesChange={() => {
              renewCommandId();
              setFormError(undefined);
              setDirty(true);
            }}
          >
            <Form.Item name="queueId" label={t("chatWidget.queue")} extra={t("chatWidget.queueHint")} rules={[{ required: true, message: t("validation.required") }]}>
              <Select
                data-testid="chat-widget-queue"
                placeholder={t("chatWidget.queuePlaceholder")}
                options={(data?.acdQueues ?? []).map((queue) => ({ value: queue.id, label: queue.name }))}
                notFoundContent={t("chatWidget.noQueues")}
              />
            </Form.Item>
            <Form.Item
              name="organisationName"
              label={t("chatWidget.organisationName")}
              rules={[
                { required: true, message: t("validation.required") },
                {
                  validator: (_, value: string | undefined) =>
                    !value || isCleanText(value, WIDGET_NAME_MAX) ? Promise.resolve() : Promise.reject(new Error(t("validation.cleanText", { max: WIDGET_NAME_MAX }))),
                },
              ]}
            >
              <Input autoComplete="organization" data-testid="chat-widget-name" />
            </Form.Item>
            <Form.Item
              name="primaryColor"
              label={t("chatWidget.primaryColor")}
              getValueFromEvent={(color: { toHexString: () => string }) => color.toHexString()}
              rules={[
                { required: true, message: t("validation.required") },
                {
                  validator: (_, value: string | undefined) =>
                    !value || isHexColor(value) ? Promise.resolve() : Promise.reject(new Error(t("chatWidget.colorRule"))),
                },
              ]}
            >
              <ColorPicker showText disabledAlpha format="hex" data-testid="chat-widget-color" />
            </Form.Item>
            <Form.Item name="logoUrl" label={t("chatWidget.logoUrl")} rules={[{ validator: (_, value: string | null | undefined) => (isLogoUrl(value) ? Promise.resolve() : Promise.reject(new Error(t("validation.urlRule")))) }]}>
              <Input autoComplete="off" placeholder="https://" inputMode="url" />
            </Form.Item>
            <Form.Item name="intro" label={t("chatWidget.intro")} extra={t("chatWidget.introHint")} rules={[textRule(WIDGET_TEXT_MAX)]}>
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
            </Form.Item>
            <Form.Item name="welcome" label={t("chatWidget.welcome")} extra={t("chatWidget.welcomeHint")} rules={[textRule(WIDGET_TEXT_MAX)]}>
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
            </Form.Item>
            <Typography.Title level={5}>{t("chatWidget.faq")}</Typography.Title>
            <Form.List name="faq">
              {(fields, { add, remove }) => (
                <Space orientation="vertical" style={{ width: "100%", marginBottom: 16 }}>
                  {fields.map((field, index) => (
                    <Card
                      key={field.key}
                      size="small"
                      data-testid="chat-widget-faq"
                      title={t("chatWidget.faqEntry", { number: index + 1 })}
                      extra={<Button type="text" danger icon={<DeleteOutlined />} aria-label={t("chatWidget.removeFaq")} onClick={() => remove(field.name)} />}
                    >
                      <Form.Item name={[field.name, "question"]} label={t("chatWidget.question")} rules={[{ required: true, message: t("validation.required") }, textRule(WIDGET_TEXT_MAX)]}>
                        <Input />
                      </Form.Item>
                      <Form.Item name={[field.name, "answer"]} label={t("chatWidget.answer")} rules={[{ required: true, message: t("validation.required") }, textRule(WIDGET_TEXT_MAX)]} style={{ marginBottom: 0 }}>
                        <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
                      </Form.Item>
                    </Card>
                  ))}
                  <Button type="dashed" icon={<PlusOutlined />} disabled={fields.length >= FAQ_MAX_ENTRIES} onClick={() => add({ question: "", answer: "" })}>
                    {t("chatWidget.addFaq")}
                  </Button>
                </Space>
              )}
            </Form.List>
            <Form.Item name="offlineMessages" label={t("chatWidget.offlineMessages")} extra={t("chatWidget.offlineMessagesHint")} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item
              name="offlinePrompt"
              label={t("chatWidget.offlinePrompt")}
              rules={[{ required: offlineMessages === true, message: t("validation.required") }, textRule(WIDGET_TEXT_MAX)]}
            >
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} disabled={offlineMessages !== true} />
            </Form.Item>
            <Form.Item name="defaultLanguage" label={t("chatWidget.defaultLanguage")} rules={[{ required: true, message: t("validation.required") }]}>
              <Select options={LOCALES.map((locale) => ({ value: locale, label: LOCALE_NAMES[locale] }))} style={{ maxWidth: 240 }} />
            </Form.Item>
            {formError ? <Alert type="error" showIcon title={errorText(formError)} style={{ marginBottom: 16 }} /> : null}
            <Space>
              <Button type="primary" htmlType="submit" loading={save.loading} disabled={!dirty} data-testid="chat-widget-save">
                {t("common.save")}
              </Button>
              <Button onClick={reset} disabled={!dirty}>
                {t("common.discard")}
              </Button>
            </Space>
          </Form>
        </Card>
      </Col>
      <Col xs={24} xl={10}>
        <Card title={t("chatWidget.install")}>
          <Typography.Paragraph type="secondary">{t("chatWidget.snippetHint")}</Typography.Paragraph>
          {snippet ? (
            <Typography.Paragraph copyable={{ text: snippet, tooltips: [t("chatWidget.copy"), t("chatWidget.copied")] }}>
              <pre data-testid="chat-widget-snippet" style={{ whiteSpace: "pre-wrap", wordBreak: "break-all", margin: 0 }}>
                <code>{snippet}</code>
              </pre>
            </Typography.Paragraph>
          ) : null}
          {slug ? (
            <Typography.Paragraph>
              {t("chatWidget.mobilePage")}{" "}
              <Typography.Link href={h5Url(slug)} target="_blank" rel="noreferrer noopener" data-testid="chat-widget-h5" copyable={{ text: h5Url(slug) }}>
                {h5Url(slug)}
              </Typography.Link>
            </Typography.Paragraph>
          ) : null}
        </Card>
      </Col>
    </Row>
  );
}
