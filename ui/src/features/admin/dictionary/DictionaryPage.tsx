/** The tenant's dictionaries (typed code lists for forms and reports): the list on one side,
 * the chosen one's entries on the other. Holders of `dictionary.edit` define lists and edit
 * entries; everyone else reads them. */
import { PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Empty, Row, Space, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useShell } from "../../shell/ShellContext";
import { CreateDictionaryModal } from "./CreateDictionaryModal";
import { type DictionariesData, type Dictionary, DICTIONARIES_QUERY } from "./dictionary.graphql";
import { EntriesEditor } from "./EntriesEditor";
import { VALUE_TYPE_KEYS } from "./valueTypes";

export function DictionaryPage() {
  const t = useT();
  const errorText = useErrorText();
  const { access } = useShell();
  const canEdit = access.permissions.has("dictionary.edit");
  const { data, error, loading, refetch } = useQuery<DictionariesData>(DICTIONARIES_QUERY);
  const [selectedCode, setSelectedCode] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const dictionaries = useMemo(() => data?.dictionaries ?? [], [data]);
  const selected = dictionaries.find((dictionary) => dictionary.code.toLowerCase() === selectedCode?.toLowerCase()) ?? null;

  return (
    <Card
      title={t("menu.admin.dictionary")}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
          {canEdit ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="create-dictionary">
              {t("dictionary.create")}
            </Button>
          ) : null}
        </Space>
      }
    >
      {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
      <Row gutter={[24, 24]}>
        <Col xs={24} lg={9}>
          <Table<Dictionary>
            data-testid="dictionaries"
            rowKey="id"
            size="small"
            loading={loading}
            dataSource={dictionaries}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("dictionary.empty")} /> }}
            rowSelection={{
              type: "radio",
              columnWidth: 32,
              selectedRowKeys: selected ? [selected.id] : [],
              onChange: (_, rows) => setSelectedCode(rows[0]?.code ?? null),
            }}
            onRow={(dictionary) => ({ onClick: () => setSelectedCode(dictionary.code), style: { cursor: "pointer" } })}
            columns={[
              { key: "code", dataIndex: "code", title: t("dictionary.code") },
              { key: "name", dataIndex: "name", title: t("dictionary.name") },
              {
                key: "type",
                dataIndex: "valueType",
                title: t("dictionary.valueType"),
                render: (valueType: Dictionary["valueType"]) => <Tag>{t(VALUE_TYPE_KEYS[valueType])}</Tag>,
              },
              {
                key: "entries",
                title: t("dictionary.entries"),
                align: "right",
                render: (_, dictionary) => dictionary.entries.length,
              },
            ]}
          />
        </Col>
        <Col xs={24} lg={15}>
          {selected ? (
            <Card size="small" title={`${selected.name} (${selected.code})`} data-testid="dictionary-details">
              <EntriesEditor dictionary={selected} canEdit={canEdit} onSaved={() => void refetch()} />
            </Card>
          ) : (
            <Typography.Text type="secondary">{dictionaries.length > 0 ? t("dictionary.selectHint") : null}</Typography.Text>
          )}
        </Col>
      </Row>
      {canEdit ? (
        <CreateDictionaryModal
          open={creating}
          onClose={() => setCreating(false)}
          onCreated={(code) => {
            setSelectedCode(code);
            void refetch();
          }}
        />
      ) : null}
    </Card>
  );
}
