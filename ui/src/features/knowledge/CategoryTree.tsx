/**
 * The category tree beside the articles: "All" and the categories, each with its number of
 * published articles. Writers (knowledge.edit) add a category below the selected one,
 * rename, move (drag in the tree, or pick a parent) and delete an empty leaf. Every change
 * sends the whole tree (`defineKnowledgeCategories`), which the server answers with the
 * tree as it is now.
 */
import { DeleteOutlined, DragOutlined, EditOutlined, FolderOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, Form, Input, Modal, Space, Spin, theme, Tooltip, Tree, TreeSelect, Typography } from "antd";
import type { DataNode, TreeProps } from "antd/es/tree";
import { useEffect, useMemo, useState } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation } from "../../api/hooks";
import { useT } from "../../i18n";
import {
  type CategoryNode,
  categoryForest,
  categoryInputs,
  categoryPickerTree,
  hasChildren,
  siblingsOf,
  subtreeIds,
  withCategoryAdded,
  withCategoryMoved,
  withCategoryRemoved,
  withCategoryRenamed,
} from "./categories";
import {
  DEFINE_KNOWLEDGE_CATEGORIES_MUTATION,
  type DefineKnowledgeCategoriesData,
  type DefineKnowledgeCategoriesVariables,
  type KnowledgeCategory,
} from "./knowledge.graphql";

/** The tree's key of "All" (no category). */
const ALL = "__all__";
/** The move dialog's value for "top level". */
const TOP_LEVEL = "__top__";
const MAX_NAME = 200;

interface Props {
  categories: readonly KnowledgeCategory[];
  loading: boolean;
  selectedId: string | null;
  onSelect: (categoryId: string | null) => void;
  canEdit: boolean;
  /** The tree as the server has it after a change. */
  onChanged: (categories: KnowledgeCategory[]) => void;
}

type Naming = { mode: "add"; parentId: string | null } | { mode: "rename"; category: KnowledgeCategory };

export function CategoryTree({ categories, loading, selectedId, onSelect, canEdit, onChanged }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message, modal } = App.useApp();
  const { token } = theme.useToken();
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [naming, setNaming] = useState<Naming | null>(null);
  const [moving, setMoving] = useState<KnowledgeCategory | null>(null);
  const define = useMutation<DefineKnowledgeCategoriesData, DefineKnowledgeCategoriesVariables>(DEFINE_KNOWLEDGE_CATEGORIES_MUTATION);
  const selected = selectedId ? categories.find((category) => category.id === selectedId) : undefined;

  const treeData = useMemo(() => {
    const convert = (node: CategoryNode): DataNode => ({
      key: node.category.id,
      title: (
        <span data-testid="knowledge-category-node" data-category-id={node.category.id} data-name={node.category.name}>
          {node.category.name}
          {node.category.articleCount > 0 ? (
            <Typography.Text type="secondary" style={{ marginInlineStart: token.marginXXS }}>
              ({node.category.articleCount})
            </Typography.Text>
          ) : null}
        </span>
      ),
      children: node.children.map(convert),
    });
    return [
      {
        key: ALL,
        title: <span data-testid="knowledge-category-all">{t("knowledge.allCategories")}</span>,
        icon: <FolderOutlined />,
        children: categoryForest(categories).map(convert),
      } satisfies DataNode,
    ];
  }, [categories, t, token.marginXXS]);

  const parents = useMemo(() => [ALL, ...new Set(categories.flatMap((category) => (category.parentId ? [category.parentId] : [])))], [categories]);

  /** Sends the whole tree; true when the server took it. */
  const send = async (next: KnowledgeCategory[]): Promise<boolean> => {
    try {
      const data = await define.mutate({ commandId: newCommandId(), categories: categoryInputs(next) });
      onChanged(data.defineKnowledgeCategories);
      return true;
    } catch (caught) {
      void message.error(errorText(caught));
      return false;
    }
  };

  const onDrop: TreeProps["onDrop"] = (info) => {
    const draggedId = String(info.dragNode.key);
    const targetKey = String(info.node.key);
    if (draggedId === ALL) return;
    let parentId: string | null;
    let index: number | undefined;
    if (targetKey === ALL) {
      parentId = null;
      index = info.dropToGap ? undefined : 0;
    } else if (!info.dropToGap) {
      parentId = targetKey;
      index = 0;
    } else {
      const target = categories.find((category) => category.id === targetKey);
      if (!target) return;
      parentId = target.parentId;
      const positions = info.node.pos.split("-");
      const relative = info.dropPosition - Number(positions[positions.length - 1]);
      const siblings = siblingsOf(categories, parentId).filter((category) => category.id !== draggedId);
      const targetIndex = siblings.findIndex((category) => category.id === targetKey);
      index = relative === -1 ? targetIndex : targetIndex + 1;
    }
    const next = withCategoryMoved(categories, draggedId, parentId, index);
    if (next) void send(next);
  };

  const confirmDelete = (category: KnowledgeCategory) => {
    modal.confirm({
      title: t("knowledge.categories.deleteTitle", { name: category.name }),
      content: t("knowledge.categories.deleteConfirm"),
      okText: t("knowledge.categories.delete"),
      okButtonProps: { danger: true, "data-testid": "knowledge-category-delete-confirm" },
      cancelText: t("common.cancel"),
      onOk: async () => {
        if (await send(withCategoryRemoved(categories, category.id))) {
          void message.success(t("knowledge.categories.deleted", { name: category.name }));
          if (selectedId === category.id) onSelect(category.parentId);
        }
      },
    });
  };

  const selectedIsEmptyLeaf = selected ? !hasChildren(categories, selected.id) && selected.articleCount === 0 : false;

  return (
    <div data-testid="knowledge-categories">
      {loading && categories.length === 0 ? <Spin size="small" /> : null}
      <Tree
        data-testid="knowledge-category-tree"
        blockNode
        showIcon={false}
        draggable={canEdit ? { icon: false, nodeDraggable: (node) => node.key !== ALL } : false}
        allowDrop={({ dropNode, dropPosition }) => dropNode.key !== ALL || dropPosition === 0}
        onDrop={onDrop}
        treeData={treeData}
        selectedKeys={[selectedId ?? ALL]}
        expandedKeys={parents.filter((id) => !collapsed.has(id))}
        onExpand={(_, { node, expanded }) =>
          setCollapsed((current) => {
            const next = new Set(current);
            if (expanded) next.delete(String(node.key));
            else next.add(String(node.key));
            return next;
          })
        }
        onSelect={(keys) => {
          // Clicking the selected node again keeps it selected.
          if (keys.length === 0) return;
          const key = String(keys[0]);
          onSelect(key === ALL ? null : key);
        }}
      />
      {canEdit ? (
        <Space size={4} wrap style={{ marginTop: token.marginSM }} data-testid="knowledge-category-actions">
          <Tooltip title={selected ? t("knowledge.categories.addChildHint", { name: selected.name }) : t("knowledge.categories.addRootHint")}>
            <Button size="small" icon={<PlusOutlined />} onClick={() => setNaming({ mode: "add", parentId: selected?.id ?? null })} data-testid="knowledge-category-add">
              {t("knowledge.categories.add")}
            </Button>
          </Tooltip>
          <Button size="small" icon={<EditOutlined />} disabled={!selected} onClick={() => selected && setNaming({ mode: "rename", category: selected })} data-testid="knowledge-category-rename">
            {t("knowledge.categories.rename")}
          </Button>
          <Button size="small" icon={<DragOutlined />} disabled={!selected} onClick={() => selected && setMoving(selected)} data-testid="knowledge-category-move">
            {t("knowledge.categories.move")}
          </Button>
          <Tooltip title={selected && !selectedIsEmptyLeaf ? t("knowledge.categories.notEmptyHint") : undefined}>
            <Button
              size="small"
              danger
              icon={<DeleteOutlined />}
              disabled={!selected || !selectedIsEmptyLeaf}
              onClick={() => selected && confirmDelete(selected)}
              data-testid="knowledge-category-delete"
            >
              {t("knowledge.categories.delete")}
            </Button>
          </Tooltip>
          {canEdit && categories.length > 1 ? (
            <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
              {t("knowledge.categories.dragHint")}
            </Typography.Text>
          ) : null}
        </Space>
      ) : null}
      <NameModal
        naming={naming}
        categories={categories}
        saving={define.loading}
        onClose={() => setNaming(null)}
        onSave={async (name) => {
          if (!naming) return;
          if (naming.mode === "rename") {
            if (await send(withCategoryRenamed(categories, naming.category.id, name))) setNaming(null);
            return;
          }
          const id = newCommandId();
          if (await send(withCategoryAdded(categories, { id, parentId: naming.parentId, name }))) {
            setNaming(null);
            void message.success(t("knowledge.categories.added", { name }));
            onSelect(id);
          }
        }}
      />
      <MoveModal
        category={moving}
        categories={categories}
        saving={define.loading}
        onClose={() => setMoving(null)}
        onMove={async (parentId) => {
          if (!moving) return;
          const next = withCategoryMoved(categories, moving.id, parentId);
          if (next && (await send(next))) setMoving(null);
        }}
      />
    </div>
  );
}

function NameModal({
  naming,
  categories,
  saving,
  onClose,
  onSave,
}: {
  naming: Naming | null;
  categories: readonly KnowledgeCategory[];
  saving: boolean;
  onClose: () => void;
  onSave: (name: string) => Promise<void>;
}) {
  const t = useT();
  const [form] = Form.useForm<{ name: string }>();
  useEffect(() => {
    if (!naming) return;
    form.resetFields();
    form.setFieldsValue({ name: naming.mode === "rename" ? naming.category.name : "" });
  }, [naming, form]);
  const parentName = naming?.mode === "add" && naming.parentId ? categories.find((category) => category.id === naming.parentId)?.name : undefined;

  return (
    <Modal
      open={naming !== null}
      title={
        naming?.mode === "rename"
          ? t("knowledge.categories.renameTitle", { name: naming.category.name })
          : parentName
            ? t("knowledge.categories.addChildHint", { name: parentName })
            : t("knowledge.categories.addRootHint")
      }
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "knowledge-category-name-save" }}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form form={form} layout="vertical" name="knowledgeCategory" onFinish={(values) => void onSave(values.name.trim())}>
        <Form.Item
          name="name"
          label={t("knowledge.categories.name")}
          rules={[
            { required: true, whitespace: true, message: t("validation.required") },
            { max: MAX_NAME, message: t("validation.maxChars", { max: MAX_NAME }) },
          ]}
        >
          <Input autoFocus data-testid="knowledge-category-name" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function MoveModal({
  category,
  categories,
  saving,
  onClose,
  onMove,
}: {
  category: KnowledgeCategory | null;
  categories: readonly KnowledgeCategory[];
  saving: boolean;
  onClose: () => void;
  onMove: (parentId: string | null) => Promise<void>;
}) {
  const t = useT();
  const [parent, setParent] = useState<string>(TOP_LEVEL);
  useEffect(() => {
    if (category) setParent(category.parentId ?? TOP_LEVEL);
  }, [category]);
  const tree = useMemo(() => {
    if (!category) return [];
    return [{ value: TOP_LEVEL, title: t("knowledge.categories.topLevel"), children: categoryPickerTree(categories, subtreeIds(categories, category.id)) }];
  }, [category, categories, t]);

  return (
    <Modal
      open={category !== null}
      title={category ? t("knowledge.categories.moveTitle", { name: category.name }) : ""}
      okText={t("knowledge.categories.move")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "knowledge-category-move-save" }}
      confirmLoading={saving}
      onOk={() => void onMove(parent === TOP_LEVEL ? null : parent)}
      onCancel={onClose}
    >
      <Typography.Paragraph>{t("knowledge.categories.moveHint")}</Typography.Paragraph>
      <TreeSelect
        style={{ width: "100%" }}
        treeDefaultExpandAll
        showSearch
        treeNodeFilterProp="title"
        value={parent}
        treeData={tree}
        onChange={(value: string) => setParent(value)}
        data-testid="knowledge-category-parent"
      />
      {category && hasChildren(categories, category.id) ? (
        <Alert type="info" showIcon style={{ marginTop: 12 }} title={t("knowledge.categories.moveWithChildren")} />
      ) : null}
    </Modal>
  );
}
