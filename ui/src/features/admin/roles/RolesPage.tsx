/** The tenant's roles: the built-in ones (read-only) and its own, each with the menus it
 * opens and its data scopes; new roles and changes through the role drawer. */
import { EditOutlined, EyeOutlined, PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useShell } from "../../shell/ShellContext";
import { type RoleEditing, RoleEditor } from "./RoleEditor";
import { permissionLabelKey } from "./permissionMatrix";
import { type RoleRow, type RolesPageData, ROLES_PAGE_QUERY } from "./roles.graphql";
import { resourceLabel, roleDescription, roleName, SCOPE_KEYS } from "./roleText";

export function RolesPage() {
  const t = useT();
  const errorText = useErrorText();
  const { access } = useShell();
  const { data, error, loading, refetch } = useQuery<RolesPageData>(ROLES_PAGE_QUERY);
  const [editing, setEditing] = useState<RoleEditing | null>(null);
  const canEdit = access.permissions.has("role.edit");
  const catalogue = useMemo(() => data?.permissionCatalogue ?? [], [data]);
  const scopedResources = useMemo(() => data?.scopedResources ?? [], [data]);
  // The menus that open a page (leaves of the menu tree), for the list's summary.
  const pageMenus = useMemo(() => {
    const parents = new Set(catalogue.filter((permission) => permission.kind === "MENU").map((permission) => permission.parentKey));
    return catalogue.filter((permission) => permission.kind === "MENU" && !parents.has(permission.key)).map((permission) => permission.key);
  }, [catalogue]);
  const roles = useMemo(
    () => [...(data?.roles ?? [])].sort((a, b) => Number(a.builtIn) - Number(b.builtIn) || a.name.localeCompare(b.name)),
    [data],
  );

  return (
    <Card
      title={t("menu.admin.roles")}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
          {canEdit ? (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              disabled={!data}
              onClick={() => setEditing({ mode: "create" })}
              data-testid="create-role"
            >
              {t("role.create")}
            </Button>
          ) : null}
        </Space>
      }
    >
      {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
      <Table<RoleRow>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={roles}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid="roles-table"
        columns={[
          {
            key: "name",
            title: t("role.name"),
            render: (_, role) => (
              <Space>
                <Typography.Text strong>{roleName(role, t)}</Typography.Text>
                {role.builtIn ? <Tag>{t("role.builtInTag")}</Tag> : null}
              </Space>
            ),
          },
          {
            key: "description",
            title: t("role.description"),
            ellipsis: true,
            render: (_, role) => roleDescription(role, t),
          },
          {
            key: "menus",
            title: t("role.menus"),
            render: (_, role) => {
              const held = pageMenus.filter((key) => role.permissions.includes(key));
              return (
                <Tooltip title={held.map((key) => t(permissionLabelKey(key))).join(", ")}>
                  <Space size={[0, 4]} wrap>
                    {held.slice(0, 4).map((key) => (
                      <Tag key={key}>{t(permissionLabelKey(key))}</Tag>
                    ))}
                    {held.length > 4 ? <Tag>+{held.length - 4}</Tag> : null}
                  </Space>
                </Tooltip>
              );
            },
          },
          {
            key: "scopes",
            title: t("role.dataScopes"),
            render: (_, role) =>
              role.dataScopes
                .filter((rule) => scopedResources.includes(rule.resource))
                .map((rule) => (
                  <Tag key={rule.resource}>
                    {resourceLabel(rule.resource, t)}: {t(SCOPE_KEYS[rule.scope])}
                  </Tag>
                )),
          },
          {
            key: "actions",
            title: t("common.actions"),
            width: 120,
            render: (_, role) =>
              role.builtIn || !canEdit ? (
                <Button size="small" icon={<EyeOutlined />} onClick={() => setEditing({ mode: "view", role })}>
                  {t("common.view")}
                </Button>
              ) : (
                <Button size="small" icon={<EditOutlined />} onClick={() => setEditing({ mode: "edit", role })} data-testid={`edit-role-${role.name}`}>
                  {t("common.edit")}
                </Button>
              ),
          },
        ]}
      />
      <RoleEditor
        editing={editing}
        catalogue={catalogue}
        scopedResources={scopedResources}
        canEdit={canEdit}
        onClose={() => setEditing(null)}
        onSaved={() => void refetch()}
        onCopy={(role) => setEditing({ mode: "create", from: role })}
      />
    </Card>
  );
}
