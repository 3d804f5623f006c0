/** The agent's conversations: active ones, then those that ended while the desk was open
 * (until dismissed), each with its unread count and whether the visitor is typing. */
import { CloseOutlined } from "@ant-design/icons";
import { Badge, Button, Empty, Space, Tag, theme, Tooltip, Typography } from "antd";
import { useT } from "../../i18n";
import type { ConversationSummary } from "./desk.graphql";

export interface ListedConversation {
  summary: ConversationSummary;
  unread: number;
  typing: boolean;
  /** Ended while the desk was open; kept until the agent dismisses it. */
  ended: boolean;
}

interface Props {
  conversations: readonly ListedConversation[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  onDismiss: (id: string) => void;
}

export function ConversationList({ conversations, selectedId, onSelect, onDismiss }: Props) {
  const t = useT();
  const { token } = theme.useToken();
  if (conversations.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("desk.noConversations")} />;
  }
  return (
    <div role="list" style={{ display: "flex", flexDirection: "column", gap: token.marginXXS }}>
      {conversations.map(({ summary, unread, typing, ended }) => {
        const selected = summary.id === selectedId;
        return (
          <div
            key={summary.id}
            role="listitem"
            tabIndex={0}
            aria-current={selected}
            data-testid="desk-conversation"
            data-conversation-id={summary.id}
            data-unread={unread}
            onClick={() => onSelect(summary.id)}
            onKeyDown={(event) => {
              if (event.key === "Enter" || event.key === " ") onSelect(summary.id);
            }}
            style={{
              cursor: "pointer",
              padding: `${token.paddingXS}px ${token.paddingSM}px`,
              borderRadius: token.borderRadius,
              background: selected ? token.controlItemBgActive : undefined,
              border: `1px solid ${selected ? token.colorPrimaryBorder : token.colorBorderSecondary}`,
              opacity: ended ? 0.75 : 1,
            }}
          >
            <div style={{ display: "flex", alignItems: "center", gap: token.marginXS }}>
              <Badge count={unread} size="small" data-testid="desk-unread">
                <Typography.Text strong={unread > 0} ellipsis style={{ maxWidth: 160 }}>
                  {summary.visitor.name || t("desk.visitor")}
                </Typography.Text>
              </Badge>
              <span style={{ flex: 1 }} />
              {summary.status === "CLOSED" ? <Tag>{t("desk.status.closed")}</Tag> : null}
              {ended ? (
                <Tooltip title={t("desk.dismiss")}>
                  <Button
                    type="text"
                    size="small"
                    aria-label={t("desk.dismiss")}
                    icon={<CloseOutlined />}
                    onClick={(event) => {
                      event.stopPropagation();
                      onDismiss(summary.id);
                    }}
                  />
                </Tooltip>
              ) : null}
            </div>
            <Space size={4} style={{ width: "100%" }}>
              <Typography.Text type="secondary" ellipsis style={{ maxWidth: 220, fontSize: token.fontSizeSM }}>
                {typing ? t("desk.visitorTyping") : (summary.lastMessageText ?? summary.queue.name)}
              </Typography.Text>
            </Space>
          </div>
        );
      })}
    </div>
  );
}
