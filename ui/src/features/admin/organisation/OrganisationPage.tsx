/**
 * The organisation tree, one dimension at a time (reporting line, level, jurisdiction), of
 * any depth: centres, sub-centres, departments and teams. Holders of `org.edit` add, rename,
 * move and remove units; each is one command, so nothing is ever half done.
 */
import { ApartmentOutlined, DeleteOutlined, DragOutlined, EditOutlined, PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Col, Descriptions, Empty, Row, Segmented, Space, Spin, Tag, Tooltip, Tree, Typography } from "antd";
import type { DataNode } from "antd/es/tree";
import { useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { newCommandId } from "../../../api/client";
import { useT } from "../../../i18n";
import { usePreference, oneOf, type Preference } from "../../../preferences/storage";
import { useShell } from "../../shell/ShellContext";
import { DIMENSION_KEYS, KIND_KEYS, type UnitNode, unitForest, unitPathLabel, useOrgUnits } from "../shared/orgUnits";
import { ORG_DIMENSIONS, type OrgDimension, type OrgUnit } from "../shared/orgUnits.graphql";
import { MoveUnitModal } from "./MoveUnitModal";
import { type CommandData, REMOVE_ORG_UNIT_MUTATION, type RemoveOrgUnitVariables } from "./organisation.graphql";
import { type UnitEditing, UnitModal } from "./UnitModal";

const dimensionPreference: Preference<OrgDimension> = {
  key: "hotline.organisation.dimension",
  fallback: () => "REPORTING",
  isValid: oneOf(ORG_DIMENSIONS),
};

export function OrganisationPage() {
  const t = useT();
  const errorText = useErrorText();
  const { message, modal } = App.useApp();
  const { access } = useShell();
  const canEdit = access.permissions.has("org.edit");
  const { units, byId, loading, error, refetch } = useOrgUnits();
  // The dimension shown last time, remembered per browser.
  const [shownDimension, saveDimension] = usePreference(dimensionPreference);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<UnitEditing | null>(null);
  const [moving, setMoving] = useState<OrgUnit | null>(null);
  const remove = useMutation<CommandData, RemoveOrgUnitVariables>(REMOVE_ORG_UNIT_MUTATION);

  const chooseDimension = (next: OrgDimension) => {
    saveDimension(next);
    setSelectedId(null);
  };

  const inDimension = useMemo(() => units.filter((unit) => unit.dimension === shownDimension), [units, shownDimension]);
  const forest = useMemo(() => unitForest(inDimension), [inDimension]);
  const parents = useMemo(() => new Set(inDimension.flatMap((unit) => (unit.parentId ? [unit.parentId] : []))), [inDimension]);
  const selected = selectedId ? byId.get(selectedId) : undefined;
  const selectedHasChildren = selected ? units.some((unit) => unit.parentId === selected.id) : false;

  const treeData = useMemo(() => {
    const convert = (node: UnitNode): DataNode => ({
      key: node.unit.id,
      title: (
        <span data-testid="org-unit" data-name={node.unit.name}>
          {node.unit.name}{" "}
          <Tag bordered={false} style={{ marginInlineStart: 4 }}>
            {t(KIND_KEYS[node.unit.kind])}
          </Tag>
        </span>
      ),
      children: node.children.map(convert),
    });
    return forest.map(convert);
  }, [forest, t]);

  const afterChange = async (unitId: string | null) => {
    await refetch();
    if (unitId) setSelectedId(unitId);
  };

  const confirmRemove = (unit: OrgUnit) => {
    const commandId = newCommandId();
    modal.confirm({
      title: t("org.removeTitle", { name: unit.name }),
      content: t("org.removeConfirm"),
      okText: t("org.remove"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await remove.mutate({ input: { commandId, unitId: unit.id } });
        } catch (caught) {
          void message.error(errorText(caught));
          return;
        }
        void message.success(t("org.removed", { name: unit.name }));
        setSelectedId(unit.parentId);
        await refetch();
      },
    });
  };

  return (
    <Card
      title={t("menu.admin.organisation")}
      extra={
        <Space wrap>
          <Segmented<OrgDimension>
            value={shownDimension}
            onChange={chooseDimension}
            options={ORG_DIMENSIONS.map((value) => ({ value, label: t(DIMENSION_KEYS[value]) }))}
            data-testid="org-dimension"
          />
          <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
          {canEdit ? (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setEditing({ mode: "create", parent: null, dimension: shownDimension })}
              data-testid="create-root-unit"
            >
              {t("org.createRoot")}
            </Button>
          ) : null}
        </Space>
      }
    >
      {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
      <Row gutter={[24, 24]}>
        <Col xs={24} md={12} lg={10}>
          {loading && units.length === 0 ? (
            <Spin />
          ) : forest.length === 0 ? (
            <Empty image={<ApartmentOutlined style={{ fontSize: 48 }} />} description={t("org.empty")} />
          ) : (
            <Tree
              data-testid="org-tree"
              showLine
              blockNode
              treeData={treeData}
              selectedKeys={selectedId ? [selectedId] : []}
              expandedKeys={[...parents].filter((id) => !collapsed.has(id))}
              onExpand={(_, { node, expanded }) =>
                setCollapsed((current) => {
                  const next = new Set(current);
                  if (expanded) next.delete(String(node.key));
                  else next.add(String(node.key));
                  return next;
                })
              }
              onSelect={(keys) => setSelectedId(keys.length > 0 ? String(keys[0]) : null)}
            />
          )}
        </Col>
        <Col xs={24} md={12} lg={14}>
          {selected ? (
            <Card size="small" title={selected.name} data-testid="org-unit-details">
              <Descriptions column={1} size="small">
                <Descriptions.Item label={t("org.kind")}>{t(KIND_KEYS[selected.kind])}</Descriptions.Item>
                <Descriptions.Item label={t("org.dimension")}>{t(DIMENSION_KEYS[selected.dimension])}</Descriptions.Item>
                <Descriptions.Item label={t("org.path")}>{unitPathLabel(selected, byId)}</Descriptions.Item>
              </Descriptions>
              {canEdit ? (
                <Space wrap style={{ marginTop: 12 }}>
                  <Button
                    icon={<PlusOutlined />}
                    onClick={() => setEditing({ mode: "create", parent: selected, dimension: selected.dimension })}
                    data-testid="create-sub-unit"
                  >
                    {t("org.createChild")}
                  </Button>
                  <Button icon={<EditOutlined />} onClick={() => setEditing({ mode: "rename", unit: selected })} data-testid="rename-unit">
                    {t("org.rename")}
                  </Button>
                  <Button icon={<DragOutlined />} onClick={() => setMoving(selected)} data-testid="move-unit">
                    {t("org.move")}
                  </Button>
                  <Tooltip title={selectedHasChildren ? t("error.org.has_children") : undefined}>
                    <Button
                      danger
                      icon={<DeleteOutlined />}
                      disabled={selectedHasChildren}
                      onClick={() => confirmRemove(selected)}
                      data-testid="remove-unit"
                    >
                      {t("org.remove")}
                    </Button>
                  </Tooltip>
                </Space>
              ) : null}
            </Card>
          ) : forest.length > 0 ? (
            <Typography.Text type="secondary">{t("org.selectHint")}</Typography.Text>
          ) : null}
        </Col>
      </Row>
      <UnitModal editing={editing} onClose={() => setEditing(null)} onSaved={(unitId) => void afterChange(unitId)} />
      <MoveUnitModal unit={moving} units={units} onClose={() => setMoving(null)} onMoved={(unitId) => void afterChange(unitId)} />
    </Card>
  );
}
