/**
 * The screen pop beside a conversation: who the visitor is, the customer profile they match
 * (or a button to create one), and their earlier contacts on every channel
 * (`customerHistory`), newest first.
 */
import { Alert, Card, Descriptions, Empty, Rate, Space, Spin, Tag, theme, Typography } from "antd";
import { useQuery } from "../../api/hooks";
import { useErrorText } from "../../api/errors";
import { LOCALE_NAMES, type Locale, useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { ScreenPopCustomer } from "../customers/ScreenPopCustomer";
import { type ConversationSummary, CUSTOMER_HISTORY_QUERY, type CustomerHistoryData, type Disposition } from "./desk.graphql";
import { CHANNEL_KEYS } from "./presence";

interface Props {
  summary: ConversationSummary;
  dispositions: readonly Disposition[];
}

function languageName(language: string | null): string | null {
  if (!language) return null;
  return LOCALE_NAMES[language as Locale] ?? language;
}

export function ScreenPop({ summary, dispositions }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { token } = theme.useToken();
  const history = useQuery<CustomerHistoryData>(CUSTOMER_HISTORY_QUERY, { conversationId: summary.id });
  const earlier = (history.data?.customerHistory ?? []).filter((entry) => entry.id !== summary.id);
  const dispositionLabel = (code: string) => dispositions.find((disposition) => disposition.code === code)?.label ?? code;
  const visitor = summary.visitor;
  const none = <Typography.Text type="secondary">—</Typography.Text>;

  return (
    <Card size="small" title={t("desk.screenPop")} data-testid="desk-screen-pop" data-conversation-id={summary.id}>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: "name", label: t("desk.visitorName"), children: visitor.name || none },
          { key: "email", label: t("desk.visitorEmail"), children: visitor.email || none },
          { key: "phone", label: t("desk.visitorPhone"), children: visitor.phone || none },
          { key: "language", label: t("desk.visitorLanguage"), children: languageName(visitor.language) ?? none },
          { key: "startedAt", label: t("desk.startedAt"), children: formatDateTime(summary.startedAt, locale) },
        ]}
      />
      <ScreenPopCustomer conversationId={summary.id} visitor={visitor} />
      <Typography.Title level={5} style={{ marginTop: token.marginSM }}>
        {t("desk.history")}
      </Typography.Title>
      {history.error ? <Alert type="warning" showIcon title={errorText(history.error)} /> : null}
      {!history.loading && earlier.length === 0 && !history.error ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("desk.noHistory")} />
      ) : (
        <div role="list" style={{ display: "flex", flexDirection: "column" }}>
          {history.loading ? <Spin size="small" /> : null}
          {earlier.map((entry) => (
            <div
              key={entry.id}
              role="listitem"
              data-testid="desk-history-item"
              data-conversation-id={entry.id}
              style={{ padding: `${token.paddingXS}px 0`, borderBottom: `1px solid ${token.colorBorderSecondary}` }}
            >
              <Space orientation="vertical" size={0} style={{ minWidth: 0, width: "100%" }}>
                <Space size={4} wrap>
                  <Tag>{t(CHANNEL_KEYS[entry.channel])}</Tag>
                  <Typography.Text>{formatDateTime(entry.startedAt, locale)}</Typography.Text>
                </Space>
                <Typography.Text type="secondary">
                  {t("desk.historyAgent", { name: entry.agentName || "—" })} · {entry.queue.name}
                </Typography.Text>
                {entry.disposition ? (
                  <Typography.Text type="secondary">{t("desk.historyDisposition", { disposition: dispositionLabel(entry.disposition) })}</Typography.Text>
                ) : null}
                {entry.ratingScore != null ? (
                  <span data-testid="desk-rating" data-score={entry.ratingScore}>
                    <Rate disabled value={entry.ratingScore} style={{ fontSize: token.fontSizeSM }} />
                  </span>
                ) : null}
              </Space>
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}
