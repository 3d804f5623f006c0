/**
 * Writing an article (knowledge.edit): category, title, keywords, summary, the body in a
 * rich-text editor (optionally started from a template), attachments, quiz questions, and
 * published or draft. A save names the revision it started from: when someone else saved
 * in between, the server refuses (`knowledge.revision_conflict`) and the writer may load
 * their version. Refusals about fields (`extensions.fields`) go under those fields.
 */
import { DeleteOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Divider, Drawer, Form, Input, Popconfirm, Select, Space, Switch, TreeSelect, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { GraphqlError, newCommandId, request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import {
  type ArticleFormValues,
  articleFormPath,
  type ArticlePrefill,
  articleFormValues,
  articleInput,
} from "./articleForm";
import { AttachmentsField } from "./Attachments";
import { categoryPickerTree } from "./categories";
import {
  DELETE_KNOWLEDGE_ARTICLE_MUTATION,
  type DeleteKnowledgeArticleVariables,
  type KnowledgeArticle,
  KNOWLEDGE_ARTICLE_QUERY,
  KNOWLEDGE_TEMPLATES_QUERY,
  type KnowledgeArticleData,
  type KnowledgeCategory,
  type KnowledgeTemplatesData,
  SAVE_KNOWLEDGE_ARTICLE_MUTATION,
  type SaveKnowledgeArticleData,
  type SaveKnowledgeArticleVariables,
} from "./knowledge.graphql";
import { type FieldProblem, fieldProblems, fieldProblemText } from "./labels";
import { LazyRichTextEditor } from "./LazyRichTextEditor";
import { QuizEditor } from "./QuizEditor";

export const REVISION_CONFLICT = "knowledge.revision_conflict";
const MAX_TITLE = 200;
const MAX_SUMMARY = 1000;
const MAX_KEYWORDS = 20;
const MAX_KEYWORD = 40;

export interface ArticleEditing {
  /** The article to change; null for a new one. */
  article: KnowledgeArticle | null;
  prefill?: ArticlePrefill;
}

interface Props {
  editing: ArticleEditing | null;
  categories: readonly KnowledgeCategory[];
  onClose: () => void;
  onSaved: (article: KnowledgeArticle) => void;
  onDeleted?: (articleId: string) => void;
}

export function ArticleEditor({ editing, categories, onClose, onSaved, onDeleted }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<ArticleFormValues>();
  const [commandId, renewCommandId] = useCommandId();
  const open = editing !== null;
  /** The article as the form started from it: its revision is what a save expects. */
  const [base, setBase] = useState<KnowledgeArticle | null>(null);
  const [formError, setFormError] = useState<unknown>();
  const [unplaced, setUnplaced] = useState<FieldProblem[]>([]);
  const [conflict, setConflict] = useState(false);
  const [reloading, setReloading] = useState(false);
  const save = useMutation<SaveKnowledgeArticleData, SaveKnowledgeArticleVariables>(SAVE_KNOWLEDGE_ARTICLE_MUTATION);
  const remove = useMutation<unknown, DeleteKnowledgeArticleVariables>(DELETE_KNOWLEDGE_ARTICLE_MUTATION);
  const templates = useQuery<KnowledgeTemplatesData>(KNOWLEDGE_TEMPLATES_QUERY, {}, { skip: !open });
  const categoryTree = useMemo(() => categoryPickerTree(categories), [categories]);

  const startFrom = (article: KnowledgeArticle | null, prefill?: ArticlePrefill) => {
    form.resetFields();
    form.setFieldsValue(articleFormValues(article, prefill));
    setBase(article);
    setFormError(undefined);
    setUnplaced([]);
    setConflict(false);
    renewCommandId();
  };

  useEffect(() => {
    if (editing) startFrom(editing.article, editing.prefill);
    // Starts again when it opens for another article, not when the callbacks change.
  }, [editing]); // eslint-disable-line react-hooks/exhaustive-deps

  const showRefusal = (caught: unknown) => {
    if (caught instanceof GraphqlError && caught.code === REVISION_CONFLICT) {
      setConflict(true);
      return;
    }
    const problems = fieldProblems(caught);
    const placed = new Map<string, { name: (string | number)[]; errors: string[] }>();
    const elsewhere: FieldProblem[] = [];
    for (const problem of problems) {
      const name = articleFormPath(problem.field);
      if (!name) {
        elsewhere.push(problem);
        continue;
      }
      const key = name.join(".");
      const entry = placed.get(key) ?? { name, errors: [] };
      entry.errors.push(fieldProblemText(problem.message, t));
      placed.set(key, entry);
    }
    form.setFields([...placed.values()].map((entry) => ({ name: entry.name as never, errors: entry.errors })));
    setUnplaced(elsewhere);
    if (problems.length === 0 || elsewhere.length > 0) setFormError(caught);
    else setFormError(undefined);
  };

  const submit = async (values: ArticleFormValues) => {
    setFormError(undefined);
    setUnplaced([]);
    setConflict(false);
    try {
      const data = await save.mutate({ commandId, input: articleInput(values, base) });
      void message.success(t(base ? "knowledge.editor.saved" : "knowledge.editor.created", { title: data.saveKnowledgeArticle.title }));
      onSaved(data.saveKnowledgeArticle);
      onClose();
    } catch (caught) {
      showRefusal(caught);
    }
  };

  /** Someone else saved: load their version (this form's changes are dropped). */
  const reloadLatest = async () => {
    if (!base) return;
    setReloading(true);
    try {
      const data = await request<KnowledgeArticleData>(KNOWLEDGE_ARTICLE_QUERY, { id: base.id });
      if (data.knowledgeArticle) startFrom(data.knowledgeArticle);
      else setFormError(new GraphqlError("knowledge.article_not_found", t("knowledge.reader.notFound")));
    } catch (caught) {
      setFormError(caught);
    } finally {
      setReloading(false);
    }
  };

  const deleteArticle = async () => {
    if (!base) return;
    try {
      await remove.mutate({ commandId: newCommandId(), id: base.id });
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    }
    void message.success(t("knowledge.editor.deleted", { title: base.title }));
    onDeleted?.(base.id);
    onClose();
  };

  const applyTemplate = (templateId: string) => {
    const template = templates.data?.knowledgeTemplates.find((candidate) => candidate.id === templateId);
    if (!template) return;
    const fill = () => {
      form.setFieldValue("bodyHtml", template.bodyHtml);
      renewCommandId();
    };
    if ((form.getFieldValue("bodyHtml") as string | undefined)?.trim()) {
      modal.confirm({
        title: t("knowledge.editor.replaceBodyTitle"),
        content: t("knowledge.editor.replaceBody", { name: template.name }),
        okText: t("knowledge.editor.replace"),
        cancelText: t("common.cancel"),
        onOk: fill,
      });
    } else {
      fill();
    }
  };

  const close = () => {
    if (!form.isFieldsTouched()) {
      onClose();
      return;
    }
    modal.confirm({
      title: t("knowledge.editor.discardTitle"),
      content: t("knowledge.editor.discard"),
      okText: t("common.discard"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: onClose,
    });
  };

  const templateOptions = (templates.data?.knowledgeTemplates ?? []).map((template) => ({ value: template.id, label: template.name }));

  return (
    <Drawer
      open={open}
      onClose={close}
      size="min(900px, 100vw)"
      title={base ? t("knowledge.editor.editTitle", { title: base.title }) : t("knowledge.editor.newTitle")}
      data-testid="knowledge-editor"
      footer={
        <Space style={{ width: "100%", justifyContent: "space-between" }} wrap>
          <span>
            {base && onDeleted ? (
              <Popconfirm
                title={t("knowledge.editor.deleteTitle", { title: base.title })}
                description={t("knowledge.editor.deleteWarning")}
                okText={t("knowledge.editor.delete")}
                okButtonProps={{ danger: true, "data-testid": "knowledge-delete-confirm" }}
                cancelText={t("common.cancel")}
                onConfirm={() => deleteArticle()}
              >
                <Button danger icon={<DeleteOutlined />} loading={remove.loading} data-testid="knowledge-delete">
                  {t("knowledge.editor.delete")}
                </Button>
              </Popconfirm>
            ) : null}
          </span>
          <Space>
            <Button onClick={close}>{t("common.cancel")}</Button>
            <Button type="primary" loading={save.loading} onClick={() => form.submit()} data-testid="knowledge-save">
              {t("common.save")}
            </Button>
          </Space>
        </Space>
      }
    >
      {conflict ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="knowledge-conflict"
          title={t("knowledge.editor.conflict")}
          description={t("knowledge.editor.conflictHint")}
          action={
            <Button size="small" icon={<ReloadOutlined />} loading={reloading} onClick={() => void reloadLatest()} data-testid="knowledge-conflict-reload">
              {t("knowledge.editor.reload")}
            </Button>
          }
        />
      ) : null}
      <Form<ArticleFormValues>
        form={form}
        name="knowledgeArticle"
        layout="vertical"
        data-testid="knowledge-editor-form"
        onFinish={(values) => void submit(values)}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Form.Item name="title" label={t("knowledge.editor.titleLabel")} rules={[
          { required: true, whitespace: true, message: t("validation.required") },
          { max: MAX_TITLE, message: t("validation.maxChars", { max: MAX_TITLE }) },
        ]}>
          <Input data-testid="knowledge-title" />
        </Form.Item>
        <Space size="middle" wrap style={{ width: "100%" }} align="start">
          <Form.Item name="categoryId" label={t("knowledge.category")} style={{ minWidth: 260 }}>
            <TreeSelect
              allowClear
              showSearch
              treeDefaultExpandAll
              treeNodeFilterProp="title"
              treeData={categoryTree}
              placeholder={t("knowledge.uncategorised")}
              data-testid="knowledge-category"
            />
          </Form.Item>
          <Form.Item name="published" label={t("knowledge.editor.status")} valuePropName="checked">
            <Switch checkedChildren={t("knowledge.published")} unCheckedChildren={t("knowledge.draft")} data-testid="knowledge-published" />
          </Form.Item>
        </Space>
        <Form.Item
          name="keywords"
          label={t("knowledge.keywords")}
          extra={t("knowledge.editor.keywordsHint")}
          rules={[
            {
              validator: async (_rule, keywords: string[] | undefined) => {
                if ((keywords ?? []).length > MAX_KEYWORDS) throw new Error(t("knowledge.editor.tooManyKeywords", { max: MAX_KEYWORDS }));
                if ((keywords ?? []).some((keyword) => keyword.trim().length > MAX_KEYWORD)) {
                  throw new Error(t("knowledge.editor.keywordTooLong", { max: MAX_KEYWORD }));
                }
              },
            },
          ]}
        >
          <Select mode="tags" tokenSeparators={[",", "，", ";", "；"]} open={false} suffixIcon={null} data-testid="knowledge-keywords" />
        </Form.Item>
        <Form.Item name="summary" label={t("knowledge.summary")} extra={t("knowledge.editor.summaryHint")} rules={[
          { max: MAX_SUMMARY, message: t("validation.maxChars", { max: MAX_SUMMARY }) },
        ]}>
          <Input.TextArea rows={3} data-testid="knowledge-summary" />
        </Form.Item>
        <Space style={{ marginBottom: 8 }} wrap>
          <Typography.Text>{t("knowledge.editor.startFrom")}</Typography.Text>
          <Select
            value={null}
            style={{ minWidth: 220 }}
            placeholder={t("knowledge.editor.templatePlaceholder")}
            options={templateOptions}
            loading={templates.loading}
            notFoundContent={t("knowledge.templates.none")}
            onChange={(value: string | null) => value && applyTemplate(value)}
            data-testid="knowledge-template-pick"
          />
        </Space>
        <Form.Item name="bodyHtml" label={t("knowledge.body")}>
          <LazyRichTextEditor aria-label={t("knowledge.body")} data-testid="knowledge-body" />
        </Form.Item>
        <Form.Item name="attachments" label={t("knowledge.attachments.title")}>
          <AttachmentsField />
        </Form.Item>
        <Divider titlePlacement="start">{t("knowledge.quiz.title")}</Divider>
        <QuizEditor />
        {formError ? (
          <Alert
            type="error"
            showIcon
            style={{ marginTop: 16 }}
            data-testid="knowledge-editor-error"
            title={errorText(formError)}
            description={unplaced.length > 0 ? unplaced.map((problem) => `${problem.field}: ${problem.message}`).join("; ") : undefined}
          />
        ) : null}
      </Form>
    </Drawer>
  );
}
