/** The tenant's event log, oldest first, a page at a time, each event's payload on demand:
 * filtered by event type, stream, actor and recorded time (`auditLog`), and exported as
 * CloudEvents JSON Lines (`GET /api/audit/export`) by holders of `audit.export`. */
import { DownloadOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, DatePicker, Form, Input, Select, Space, Table, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useCallback, useContext, useEffect, useState } from "react";
import { GraphqlError, request } from "../../../api/client";
import { fetchFile } from "../../../api/download";
import { useErrorText } from "../../../api/errors";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { ShellContext } from "../../shell/ShellContext";
import { type AuditEvent, type AuditLogData, type AuditLogFilter, AUDIT_LOG_QUERY } from "./events.graphql";

const PAGE = 100;
export const EXPORT_URL = "/api/audit/export";

interface FilterForm {
  types?: string[];
  stream?: string;
  actor?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

/** The form's values as an `AuditLogFilter`, leaving out what is empty. */
export function toFilter(values: FilterForm): AuditLogFilter {
  const filter: AuditLogFilter = {};
  const types = (values.types ?? []).map((type) => type.trim()).filter(Boolean);
  if (types.length > 0) filter.types = types;
  const stream = values.stream?.trim();
  if (stream) filter.streams = [stream];
  const actor = values.actor?.trim();
  if (actor) filter.actors = [actor];
  const [from, to] = values.range ?? [];
  if (from) filter.from = from.toISOString();
  if (to) filter.to = to.toISOString();
  return filter;
}

function asGraphqlError(caught: unknown): GraphqlError {
  return caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught));
}

/** Downloads the export of `from`..`to` (RFC 3339, both optional) as a file; a refusal
 * (problem+json) is thrown as a `GraphqlError` with its `code` and `detail`. */
export async function downloadExport(from?: string, to?: string): Promise<void> {
  const params = new URLSearchParams();
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  const query = params.toString();
  const blob = await fetchFile(query ? `${EXPORT_URL}?${query}` : EXPORT_URL, "application/x-ndjson");
  const url = URL.createObjectURL(blob);
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = `hotline-audit-${new Date().toISOString().slice(0, 10)}.jsonl`;
    document.body.appendChild(link);
    link.click();
    link.remove();
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function AuditEventsPage() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const canExport = useContext(ShellContext)?.access.permissions.has("audit.export") ?? false;
  const [form] = Form.useForm<FilterForm>();
  const [filter, setFilter] = useState<AuditLogFilter>({});
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [loading, setLoading] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<GraphqlError>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);

  const load = useCallback(async (applied: AuditLogFilter, after: string | null, replace: boolean) => {
    setLoading(true);
    try {
      const variables: Record<string, unknown> = { first: PAGE };
      if (Object.keys(applied).length > 0) variables.filter = applied;
      if (after !== null) variables.after = after;
      const { auditLog } = await request<AuditLogData>(AUDIT_LOG_QUERY, variables);
      setEvents((shown) => (replace ? auditLog.items : [...shown, ...auditLog.items]));
      setCursor(auditLog.nextCursor);
      setHasMore(auditLog.hasMore);
      setError(undefined);
    } catch (caught) {
      setError(asGraphqlError(caught));
      if (replace) {
        setEvents([]);
        setCursor(null);
        setHasMore(false);
      }
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load({}, null, true);
  }, [load]);

  const search = (values: FilterForm) => {
    const applied = toFilter(values);
    setFilter(applied);
    void load(applied, null, true);
  };

  const reset = () => {
    form.resetFields();
    setFilter({});
    void load({}, null, true);
  };

  const exportLog = async () => {
    const [from, to] = form.getFieldValue("range") ?? [];
    setExporting(true);
    try {
      await downloadExport(from?.toISOString(), to?.toISOString());
      setError(undefined);
    } catch (caught) {
      setError(asGraphqlError(caught));
    } finally {
      setExporting(false);
    }
  };

  return (
    <Card
      title={t("menu.audit.events")}
      extra={
        <Space>
          {canExport ? (
            <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void exportLog()} data-testid="export-events">
              {t("audit.events.export")}
            </Button>
          ) : null}
          <Button icon={<ReloadOutlined />} onClick={() => void load(filter, null, true)} aria-label={t("common.refresh")} />
        </Space>
      }
    >
      <Form<FilterForm> form={form} layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="types" label={t("audit.events.filter.types")}>
          <Select
            mode="tags"
            allowClear
            tokenSeparators={[",", " "]}
            open={false}
            suffixIcon={null}
            placeholder={t("audit.events.filter.typesPlaceholder")}
            style={{ minWidth: 220 }}
            data-testid="filter-types"
          />
        </Form.Item>
        <Form.Item name="stream" label={t("audit.events.filter.stream")}>
          <Input allowClear placeholder={t("audit.events.filter.streamPlaceholder")} style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="actor" label={t("audit.events.filter.actor")}>
          <Input allowClear placeholder="user:<uuid>" style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="range" label={t("audit.events.filter.range")}>
          <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={loading} data-testid="search-events">
              {t("audit.events.filter.search")}
            </Button>
            <Button onClick={reset}>{t("audit.events.filter.reset")}</Button>
          </Space>
        </Form.Item>
      </Form>
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
        <Button
          onClick={() => void load(filter, cursor, false)}
          disabled={loading || !hasMore || cursor === null}
          data-testid="load-more-events"
        >
          {hasMore ? t("common.loadMore") : t("audit.events.end")}
        </Button>
      </div>
    </Card>
  );
}
