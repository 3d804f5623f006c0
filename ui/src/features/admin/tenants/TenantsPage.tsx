/** Every tenant (platform administrators), and a form for a new one with its first admin. */
import { PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Space, Table } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { useShell } from "../../shell/ShellContext";
import { CreateTenantModal } from "./CreateTenantModal";
import { type TenantRow, type TenantsData, TENANTS_QUERY } from "./tenants.graphql";

export function TenantsPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { access } = useShell();
  const { data, error, loading, refetch } = useQuery<TenantsData>(TENANTS_QUERY, { first: 500 });
  const [creating, setCreating] = useState(false);
  const canCreate = access.permissions.has("tenant.create");
  const slugById = useMemo(() => new Map((data?.tenants ?? []).map((tenant) => [tenant.id, tenant.slug])), [data]);

  return (
    <Card
      title={t("menu.admin.tenants")}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
          {canCreate ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="create-tenant">
              {t("admin.tenants.create")}
            </Button>
          ) : null}
        </Space>
      }
    >
      {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
      <Table<TenantRow>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={data?.tenants ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: "slug", dataIndex: "slug", title: t("admin.tenants.slug") },
          { key: "name", dataIndex: "name", title: t("admin.tenants.name") },
          {
            key: "parent",
            dataIndex: "parentTenantId",
            title: t("admin.tenants.parent"),
            render: (parent: string | null) => (parent ? (slugById.get(parent) ?? parent) : "—"),
          },
          {
            key: "createdAt",
            dataIndex: "createdAt",
            title: t("admin.tenants.createdAt"),
            render: (value: string) => formatDateTime(value, locale),
          },
        ]}
      />
      {canCreate ? <CreateTenantModal open={creating} onClose={() => setCreating(false)} onCreated={() => void refetch()} /> : null}
    </Card>
  );
}
