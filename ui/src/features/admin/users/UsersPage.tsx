/** The tenant's users (as far as the caller's data scope reaches): a list, a "new user"
 * form, changing a user's name, roles and organisation unit, and unlocking users locked out
 * after failed log-ins. */
import { EditOutlined, PlusOutlined, ReloadOutlined, UnlockOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Space, Table, Tag, Tooltip } from "antd";
import { useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { useShell } from "../../shell/ShellContext";
import { unitPathLabel, useOrgUnits } from "../shared/orgUnits";
import { roleLabel, useRoles } from "../shared/roles";
import { CreateUserModal } from "./CreateUserModal";
import { EditUserModal } from "./EditUserModal";
import { UNLOCK_USER_MUTATION, type UserRow, type UsersData, USERS_QUERY } from "./users.graphql";

const PAGE = 500;

export function UsersPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { access } = useShell();
  const { data, error, loading, refetch } = useQuery<UsersData>(USERS_QUERY, { first: PAGE });
  const roles = useRoles();
  const orgUnits = useOrgUnits();
  const [editing, setEditing] = useState<UserRow | null>(null);
  const canEdit = access.permissions.has("user.edit");
  const unlock = useMutation<unknown, { userId: string }>(UNLOCK_USER_MUTATION);
  const [creating, setCreating] = useState(false);
  const canCreate = access.permissions.has("user.create");
  const canUnlock = access.permissions.has("user.unlock");

  // Roles and units may have changed in other tabs since this one opened: the forms get
  // fresh lists.
  const refreshChoices = () => {
    void roles.refetch();
    void orgUnits.refetch();
  };

  const unlockUser = async (user: UserRow) => {
    try {
      await unlock.mutate({ userId: user.id });
      void message.success(t("admin.users.unlocked", { username: user.username }));
      void refetch();
    } catch (caught) {
      void message.error(errorText(caught));
    }
  };

  return (
    <Card
      title={t("menu.admin.users")}
      extra={
        <Space>
          <Button
            icon={<ReloadOutlined />}
            onClick={() => {
              refreshChoices();
              void refetch();
            }}
            aria-label={t("common.refresh")}
          />
          {canCreate ? (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => {
                refreshChoices();
                setCreating(true);
              }}
              data-testid="create-user"
            >
              {t("admin.users.create")}
            </Button>
          ) : null}
        </Space>
      }
    >
      {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
      <Table<UserRow>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={data?.users ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          {
            key: "username",
            dataIndex: "username",
            title: t("admin.users.username"),
            sorter: (a, b) => a.username.localeCompare(b.username),
          },
          { key: "displayName", dataIndex: "displayName", title: t("admin.users.displayName") },
          { key: "email", dataIndex: "email", title: t("admin.users.email"), render: (email: string | null) => email ?? "—" },
          {
            key: "roles",
            dataIndex: "roleIds",
            title: t("admin.users.roles"),
            render: (roleIds: string[]) =>
              roleIds.map((id) => {
                const role = roles.byId.get(id);
                return <Tag key={id}>{role ? roleLabel(role, t) : id.slice(0, 8)}</Tag>;
              }),
          },
          {
            key: "orgUnit",
            dataIndex: "orgUnitId",
            title: t("admin.users.orgUnit"),
            render: (orgUnitId: string | null) => {
              if (!orgUnitId) return "—";
              const unit = orgUnits.byId.get(orgUnitId);
              return unit ? unitPathLabel(unit, orgUnits.byId) : orgUnitId.slice(0, 8);
            },
          },
          {
            key: "status",
            dataIndex: "lockedUntil",
            title: t("admin.users.status"),
            render: (lockedUntil: string | null, user) =>
              lockedUntil && Date.parse(lockedUntil) > Date.now() ? (
                <Space>
                  <Tooltip title={t("admin.users.lockedUntil", { time: formatDateTime(lockedUntil, locale) })}>
                    <Tag color="warning">{t("admin.users.locked")}</Tag>
                  </Tooltip>
                  {canUnlock ? (
                    <Button size="small" icon={<UnlockOutlined />} loading={unlock.loading} onClick={() => void unlockUser(user)}>
                      {t("admin.users.unlock")}
                    </Button>
                  ) : null}
                </Space>
              ) : (
                <Tag color="success">{t("admin.users.active")}</Tag>
              ),
          },
          {
            key: "createdAt",
            dataIndex: "createdAt",
            title: t("admin.users.createdAt"),
            render: (value: string) => formatDateTime(value, locale),
          },
          ...(canEdit
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 100,
                  render: (_: unknown, user: UserRow) => (
                    <Button
                      size="small"
                      icon={<EditOutlined />}
                      onClick={() => {
                        refreshChoices();
                        setEditing(user);
                      }}
                      data-testid={`edit-user-${user.username}`}
                    >
                      {t("common.edit")}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      {canCreate ? (
        <CreateUserModal
          open={creating}
          roles={roles}
          orgUnits={orgUnits}
          onClose={() => setCreating(false)}
          onCreated={() => void refetch()}
        />
      ) : null}
      {canEdit ? (
        <EditUserModal user={editing} roles={roles} orgUnits={orgUnits} onClose={() => setEditing(null)} onSaved={() => void refetch()} />
      ) : null}
    </Card>
  );
}
