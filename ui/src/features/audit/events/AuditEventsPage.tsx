/** The tenant's event log, oldest first, a page at a time, each event's payload on demand. */
import { ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Space, Table, Tag, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import { GraphqlError, request } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { type AuditEvent, type AuditEventsData, EVENTS_QUERY } from "./events.graphql";

const PAGE = 100;

export function AuditEventsPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<GraphqlError>();
  const [exhausted, setExhausted] = useState(false);

  const load = useCallback(async (after: number, replace: boolean) => {
    setLoading(true);
    try {
      const data = await request<AuditEventsData>(EVENTS_QUERY, { after, first: PAGE });
      setEvents((shown) => (replace ? data.events : [...shown, ...data.events]));
      setExhausted(data.events.length < PAGE);
      setError(undefined);
    } catch (caught) {
      setError(caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught)));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(0, true);
  }, [load]);

  const last = events[events.length - 1]?.globalPosition ?? 0;
  return (
    <Card
      title={t("menu.audit.events")}
      extra={<Button icon={<ReloadOutlined />} onClick={() => void load(0, true)} aria-label={t("common.refresh")} />}
    >
      {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} /> : null}
      <Table<AuditEvent>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={events}
        pagination={false}
        expandable={{
          expandedRowRender: (event) => (
            <Space orientation="vertical" style={{ width: "100%" }}>
              <Typography.Text type="secondary" copyable={{ text: event.hash }}>
                {t("audit.events.hash")}: {event.hash.slice(0, 16)}…
              </Typography.Text>
              <Typography.Paragraph>
                <pre style={{ margin: 0, maxHeight: 320, overflow: "auto" }}>{JSON.stringify(event.payload, null, 2)}</pre>
              </Typography.Paragraph>
            </Space>
          ),
        }}
        columns={[
          { key: "position", dataIndex: "globalPosition", title: "#", width: 80 },
          {
            key: "recordedAt",
            dataIndex: "recordedAt",
            title: t("audit.events.recordedAt"),
            render: (value: string) => formatDateTime(value, locale),
          },
          { key: "type", dataIndex: "type", title: t("audit.events.type"), render: (type: string) => <Tag>{type}</Tag> },
          { key: "streamId", dataIndex: "streamId", title: t("audit.events.stream"), ellipsis: true },
          { key: "actor", dataIndex: "actor", title: t("audit.events.actor"), ellipsis: true },
        ]}
      />
      <div style={{ textAlign: "center", marginTop: 16 }}>
        <Button onClick={() => void load(last, false)} disabled={loading || exhausted} data-testid="load-more-events">
          {exhausted ? t("audit.events.end") : t("common.loadMore")}
        </Button>
      </div>
    </Card>
  );
}
