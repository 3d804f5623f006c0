/**
 * "Push to agents" (knowledge.push): pick users from the address book's internal list
 * (every role that leads agents has it) and add a note; the article lands in their inbox.
 */
import { Alert, App, Form, Input, Modal, Select } from "antd";
import { useEffect, useMemo } from "react";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import {
  KNOWLEDGE_PUSH_TARGETS_QUERY,
  type KnowledgePushTargetsData,
  PUSH_KNOWLEDGE_ARTICLE_MUTATION,
  type PushKnowledgeArticleData,
  type PushKnowledgeArticleVariables,
} from "./knowledge.graphql";

const MAX_TARGETS = 500;
const MAX_NOTE = 500;

interface Props {
  article: { id: string; title: string } | null;
  onClose: () => void;
}

interface FormValues {
  userIds: string[];
  note?: string;
}

export function PushModal({ article, onClose }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [commandId, renewCommandId] = useCommandId();
  const targets = useQuery<KnowledgePushTargetsData>(KNOWLEDGE_PUSH_TARGETS_QUERY, { first: MAX_TARGETS }, { skip: !article });
  const push = useMutation<PushKnowledgeArticleData, PushKnowledgeArticleVariables>(PUSH_KNOWLEDGE_ARTICLE_MUTATION);

  useEffect(() => {
    if (!article) return;
    form.resetFields();
    push.reset();
    renewCommandId();
  }, [article]); // eslint-disable-line react-hooks/exhaustive-deps

  const options = useMemo(
    () =>
      (targets.data?.addressBook ?? []).map((entry) => ({
        value: entry.id,
        label: entry.department ? `${entry.name} · ${entry.department}` : entry.name,
      })),
    [targets.data],
  );

  const submit = async (values: FormValues) => {
    if (!article) return;
    try {
      const data = await push.mutate({ commandId, articleId: article.id, userIds: values.userIds, note: values.note?.trim() ?? "" });
      void message.success(t("knowledge.push.done", { count: data.pushKnowledgeArticle }));
      onClose();
    } catch {
      // Shown in the form.
    }
  };

  return (
    <Modal
      open={article !== null}
      title={article ? t("knowledge.push.title", { title: article.title }) : ""}
      okText={t("knowledge.push.send")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "knowledge-push-send" }}
      confirmLoading={push.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        name="knowledgePush"
        data-testid="knowledge-push-form"
        onFinish={(values) => void submit(values)}
        onValuesChange={() => {
          renewCommandId();
          push.reset();
        }}
      >
        <Form.Item name="userIds" label={t("knowledge.push.users")} rules={[{ required: true, message: t("knowledge.push.usersRequired") }]}>
          <Select
            mode="multiple"
            showSearch={{ optionFilterProp: "label" }}
            loading={targets.loading}
            options={options}
            placeholder={t("knowledge.push.usersPlaceholder")}
            data-testid="knowledge-push-users"
          />
        </Form.Item>
        <Form.Item name="note" label={t("knowledge.push.note")} rules={[{ max: MAX_NOTE, message: t("validation.maxChars", { max: MAX_NOTE }) }]}>
          <Input.TextArea rows={3} placeholder={t("knowledge.push.notePlaceholder")} data-testid="knowledge-push-note" />
        </Form.Item>
        {targets.error ? <Alert type="warning" showIcon title={errorText(targets.error)} /> : null}
        {push.error ? <Alert type="error" showIcon title={errorText(push.error)} /> : null}
      </Form>
    </Modal>
  );
}
