/**
 * One conversation: its messages (the `conversation` query, then `conversationMessages`
 * from the last seq, each seq shown once), the visitor's typing, and the composer: text,
 * emoji, canned replies, a file. Each message goes out with a client id, so sending it
 * again after a failure never makes a second one.
 */
import {
  PaperClipOutlined,
  ReloadOutlined,
  SendOutlined,
  SmileOutlined,
  SwapOutlined,
  CheckCircleOutlined,
  IdcardOutlined,
} from "@ant-design/icons";
import { Alert, App, Button, Card, Input, Popover, Rate, Select, Space, Spin, Tag, theme, Tooltip, Typography } from "antd";
import { useCallback, useEffect, useRef, useState } from "react";
import { GraphqlError, newCommandId, request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { subscribe } from "../../api/subscriptions";
import { type Locale, useI18n } from "../../i18n";
import { useReplyInsertRequests } from "../knowledge/replyInsert";
import { CreateTicketButton } from "../tickets/CreateTicketButton";
import {
  type Attachment,
  type CannedReply,
  type ChatMessage,
  CONVERSATION_MESSAGES_SUBSCRIPTION,
  CONVERSATION_QUERY,
  type ConversationData,
  type ConversationMessagesData,
  type ConversationSummary,
  SEND_CHAT_MESSAGE_MUTATION,
  type SendChatMessageData,
  type SendChatMessageVariables,
  SEND_TYPING_MUTATION,
} from "./desk.graphql";
import { EMOJI } from "./emoji";
import { lastSeq, mergeMessages, type OutgoingMessage, stillOutgoing } from "./messages";
import { CHANNEL_KEYS } from "./presence";
import { uploadAttachment } from "./upload";

const TYPING_INTERVAL_MS = 2000;

/** The server's rule for a message text (`chat.invalid_message`). */
export const MESSAGE_MAX_CHARS = 4000;

interface Props {
  summary: ConversationSummary;
  typing: boolean;
  cannedReplies: readonly CannedReply[];
  screenPopOpen: boolean;
  /** Unsent text by conversation, so switching away does not lose it. */
  drafts: Map<string, string>;
  onSeen: (conversationId: string, seq: number) => void;
  onTransfer: () => void;
  onClose: () => void;
  onToggleScreenPop: () => void;
}

export function ChatPane({ summary, typing, cannedReplies, screenPopOpen, drafts, onSeen, onTransfer, onClose, onToggleScreenPop }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const conversationId = summary.id;
  const [messages, setMessages] = useState<readonly ChatMessage[]>([]);
  const [outgoing, setOutgoing] = useState<OutgoingMessage[]>([]);
  const [ratingComment, setRatingComment] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  const [text, setTextState] = useState(() => drafts.get(summary.id) ?? "");
  const setText = useCallback(
    (next: string | ((current: string) => string)) =>
      setTextState((current) => {
        const value = typeof next === "function" ? next(current) : next;
        drafts.set(summary.id, value);
        return value;
      }),
    [drafts, summary.id],
  );
  const [uploading, setUploading] = useState(false);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const closed = summary.status === "CLOSED";

  // The history, then live messages after it.
  useEffect(() => {
    let live = true;
    let stop = () => {};
    setLoading(true);
    setLoadError(undefined);
    request<ConversationData>(CONVERSATION_QUERY, { id: conversationId }).then(
      (data) => {
        if (!live) return;
        const history = data.conversation?.messages ?? [];
        setMessages((shown) => mergeMessages(shown, history));
        setRatingComment(data.conversation?.ratingComment ?? null);
        setLoading(false);
        stop = subscribe<ConversationMessagesData>(
          CONVERSATION_MESSAGES_SUBSCRIPTION,
          { conversationId, afterSeq: lastSeq(history) },
          {
            next: (arrived) => setMessages((shown) => mergeMessages(shown, [arrived.conversationMessages])),
            error: (error) => live && setLoadError(error),
          },
        );
      },
      (error: unknown) => {
        if (!live) return;
        setLoadError(error);
        setLoading(false);
      },
    );
    return () => {
      live = false;
      stop();
    };
  }, [conversationId, attempt]);

  // The visitor's comment arrives with the rating (a rating there at first came with the history).
  const firstRating = useRef(summary.ratingScore);
  useEffect(() => {
    if (summary.ratingScore == null || summary.ratingScore === firstRating.current) return;
    let live = true;
    request<ConversationData>(CONVERSATION_QUERY, { id: conversationId }).then(
      (data) => live && setRatingComment(data.conversation?.ratingComment ?? null),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [conversationId, summary.ratingScore]);

  useEffect(() => {
    const seq = lastSeq(messages);
    if (seq > 0) onSeen(conversationId, seq);
  }, [messages, conversationId, onSeen]);

  const pending = stillOutgoing(outgoing, messages);
  useEffect(() => {
    const element = scroller.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [messages.length, pending.length, typing]);

  // The visitor sees "… is typing": tell the server at most every two seconds while typing.
  const lastTypingSent = useRef(0);
  const announceTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastTypingSent.current < TYPING_INTERVAL_MS) return;
    lastTypingSent.current = now;
    request(SEND_TYPING_MUTATION, { conversationId }).catch(() => {
      // Typing indicators are best effort: a lost one is not worth a message.
    });
  }, [conversationId]);

  const send = useCallback(
    async (outgoingMessage: OutgoingMessage) => {
      setOutgoing((list) => [
        ...list.filter((item) => item.clientId !== outgoingMessage.clientId),
        { ...outgoingMessage, failed: false, error: undefined },
      ]);
      try {
        const data = await request<SendChatMessageData>(SEND_CHAT_MESSAGE_MUTATION, {
          commandId: outgoingMessage.clientId,
          conversationId,
          clientId: outgoingMessage.clientId,
          text: outgoingMessage.text,
          attachmentId: outgoingMessage.attachment?.id ?? null,
        } satisfies SendChatMessageVariables);
        setMessages((shown) => mergeMessages(shown, [data.sendChatMessage]));
        setOutgoing((list) => list.filter((item) => item.clientId !== outgoingMessage.clientId));
      } catch (caught) {
        const error = caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught));
        setOutgoing((list) => list.map((item) => (item.clientId === outgoingMessage.clientId ? { ...item, failed: true, error } : item)));
      }
    },
    [conversationId],
  );

  const sendText = () => {
    const body = text.trim();
    if (!body || closed) return;
    setText("");
    void send({ clientId: newCommandId(), text: body, attachment: null, failed: false });
  };

  const attach = async (file: File) => {
    setUploading(true);
    try {
      const attachment = await uploadAttachment(conversationId, file);
      void send({ clientId: newCommandId(), text: null, attachment, failed: false });
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setUploading(false);
      if (fileInput.current) fileInput.current.value = "";
    }
  };

  const insert = (addition: string) => setText((current) => (current && !current.endsWith(" ") && !current.endsWith("\n") ? `${current} ${addition}` : `${current}${addition}`));
  // The knowledge panel beside the chat puts an article's summary here.
  useReplyInsertRequests(insert);

  return (
    <Card
      size="small"
      data-testid="desk-chat"
      data-conversation-id={conversationId}
      title={
        <Space wrap size={4}>
          <Typography.Text strong>{summary.visitor.name || t("desk.visitor")}</Typography.Text>
          <Tag>{t(CHANNEL_KEYS[summary.channel])}</Tag>
          <Tag color="blue">{summary.queue.name}</Tag>
          {closed ? <Tag>{t("desk.status.closed")}</Tag> : null}
          {summary.ratingScore != null ? (
            <Tooltip title={ratingComment ?? undefined}>
              <span data-testid="desk-rating" data-score={summary.ratingScore}>
                <Rate disabled value={summary.ratingScore} style={{ fontSize: token.fontSizeSM }} />
              </span>
            </Tooltip>
          ) : null}
        </Space>
      }
      extra={
        <Space size={4}>
          <Tooltip title={t("desk.screenPop")}>
            <Button
              size="small"
              type={screenPopOpen ? "primary" : "default"}
              ghost={screenPopOpen}
              icon={<IdcardOutlined />}
              aria-label={t("desk.screenPop")}
              aria-pressed={screenPopOpen}
              data-testid="desk-screen-pop-toggle"
              onClick={onToggleScreenPop}
            />
          </Tooltip>
          <CreateTicketButton conversationId={conversationId} visitorName={summary.visitor.name} />
          <Button size="small" icon={<SwapOutlined />} disabled={closed} data-testid="desk-transfer" onClick={onTransfer}>
            {t("desk.transfer")}
          </Button>
          <Button
            size="small"
            icon={<CheckCircleOutlined />}
            disabled={closed && summary.disposition != null}
            data-testid="desk-close"
            onClick={onClose}
          >
            {t("desk.close")}
          </Button>
        </Space>
      }
      styles={{ body: { display: "flex", flexDirection: "column", gap: token.marginSM } }}
    >
      {loadError ? (
        <Alert
          type="error"
          showIcon
          title={errorText(loadError)}
          action={
            <Button size="small" icon={<ReloadOutlined />} onClick={() => setAttempt((count) => count + 1)}>
              {t("common.retry")}
            </Button>
          }
        />
      ) : null}
      <div
        ref={scroller}
        data-testid="desk-messages"
        aria-live="polite"
        style={{
          height: "calc(100vh - 440px)",
          minHeight: 240,
          overflowY: "auto",
          display: "flex",
          flexDirection: "column",
          gap: token.marginXS,
          padding: token.paddingXS,
          background: token.colorFillQuaternary,
          borderRadius: token.borderRadius,
        }}
      >
        {loading ? <Spin style={{ margin: "auto" }} /> : null}
        {messages.map((chatMessage) => (
          <MessageBubble key={chatMessage.seq} message={chatMessage} locale={locale} />
        ))}
        {pending.map((item) => (
          <OutgoingBubble key={item.clientId} message={item} onRetry={() => void send(item)} errorText={errorText} />
        ))}
        {typing ? (
          <Typography.Text type="secondary" italic data-testid="desk-typing">
            {t("desk.visitorTyping")}
          </Typography.Text>
        ) : null}
      </div>
      <Space wrap size={4}>
        <Popover
          trigger="click"
          open={emojiOpen}
          onOpenChange={setEmojiOpen}
          content={
            <div role="grid" style={{ display: "grid", gridTemplateColumns: "repeat(8, 32px)", gap: 2 }}>
              {EMOJI.map((emoji) => (
                <Button
                  key={emoji}
                  type="text"
                  size="small"
                  aria-label={emoji}
                  onClick={() => {
                    insert(emoji);
                    setEmojiOpen(false);
                  }}
                >
                  {emoji}
                </Button>
              ))}
            </div>
          }
        >
          <Button size="small" icon={<SmileOutlined />} disabled={closed} aria-label={t("desk.emoji")} data-testid="desk-emoji" />
        </Popover>
        <input
          ref={fileInput}
          type="file"
          hidden
          data-testid="desk-file"
          aria-label={t("desk.attach")}
          disabled={closed || uploading}
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void attach(file);
          }}
        />
        <Button
          size="small"
          icon={<PaperClipOutlined />}
          loading={uploading}
          disabled={closed}
          onClick={() => fileInput.current?.click()}
        >
          {t("desk.attach")}
        </Button>
        <Select<string>
          size="small"
          data-testid="desk-canned"
          aria-label={t("desk.cannedReplies")}
          placeholder={t("desk.cannedReplies")}
          disabled={closed || cannedReplies.length === 0}
          value={null}
          showSearch={{ optionFilterProp: "label" }}
          style={{ minWidth: 200 }}
          popupMatchSelectWidth={360}
          options={cannedReplies.map((reply) => ({ value: reply.code, label: reply.text }))}
          onSelect={(code: string) => {
            const reply = cannedReplies.find((candidate) => candidate.code === code);
            if (reply) insert(reply.text);
          }}
        />
      </Space>
      <div style={{ display: "flex", gap: token.marginXS, alignItems: "flex-end" }}>
        <Input.TextArea
          data-testid="desk-input"
          aria-label={t("desk.message")}
          placeholder={closed ? t("desk.closedHint") : t("desk.inputPlaceholder")}
          disabled={closed}
          value={text}
          maxLength={MESSAGE_MAX_CHARS}
          autoSize={{ minRows: 2, maxRows: 6 }}
          onChange={(event) => {
            setText(event.target.value);
            announceTyping();
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              sendText();
            }
          }}
        />
        <Button type="primary" icon={<SendOutlined />} data-testid="desk-send" disabled={closed || text.trim() === ""} onClick={sendText}>
          {t("desk.send")}
        </Button>
      </div>
    </Card>
  );
}

function formatTime(at: string, locale: Locale): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(date);
}

/** A server path or an http(s) address; anything else is not a link. */
function attachmentHref(url: string): string | undefined {
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  return /^https?:\/\//i.test(url) ? url : undefined;
}

function AttachmentView({ attachment }: { attachment: Attachment }) {
  const { token } = theme.useToken();
  const href = attachmentHref(attachment.url);
  const kilobytes = Math.max(1, Math.round(attachment.size / 1024));
  if (href && attachment.contentType.startsWith("image/")) {
    return (
      <a href={href} target="_blank" rel="noreferrer noopener">
        <img src={href} alt={attachment.name} style={{ maxWidth: 240, maxHeight: 180, borderRadius: token.borderRadiusSM, display: "block" }} />
      </a>
    );
  }
  return (
    <Space size={4}>
      <PaperClipOutlined />
      {href ? (
        <a href={href} target="_blank" rel="noreferrer noopener" download={attachment.name}>
          {attachment.name}
        </a>
      ) : (
        <span>{attachment.name}</span>
      )}
      <Typography.Text type="secondary">{kilobytes} KB</Typography.Text>
    </Space>
  );
}

function MessageBubble({ message, locale }: { message: ChatMessage; locale: Locale }) {
  const { t } = useI18n();
  const { token } = theme.useToken();
  const author = message.authorKind.toLowerCase();
  if (message.authorKind === "SYSTEM") {
    return (
      <div data-testid="desk-message" data-seq={message.seq} data-author={author} style={{ textAlign: "center" }}>
        <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
          {message.text} · {formatTime(message.at, locale)}
        </Typography.Text>
      </div>
    );
  }
  const mine = message.authorKind === "AGENT";
  return (
    <div
      data-testid="desk-message"
      data-seq={message.seq}
      data-author={author}
      style={{ display: "flex", justifyContent: mine ? "flex-end" : "flex-start" }}
    >
      <div
        style={{
          maxWidth: "75%",
          padding: `${token.paddingXXS}px ${token.paddingSM}px`,
          borderRadius: token.borderRadiusLG,
          background: mine ? token.colorPrimaryBg : token.colorBgContainer,
          border: `1px solid ${mine ? token.colorPrimaryBorder : token.colorBorderSecondary}`,
        }}
      >
        {message.text ? <div style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{message.text}</div> : null}
        {message.attachment ? <AttachmentView attachment={message.attachment} /> : null}
        <div>
          <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
            {message.authorName || (mine ? t("desk.agent") : t("desk.visitor"))} · {formatTime(message.at, locale)}
          </Typography.Text>
        </div>
      </div>
    </div>
  );
}

function OutgoingBubble({ message, onRetry, errorText }: { message: OutgoingMessage; onRetry: () => void; errorText: (error: unknown) => string }) {
  const { t } = useI18n();
  const { token } = theme.useToken();
  return (
    <div data-testid="desk-message-pending" data-client-id={message.clientId} style={{ display: "flex", justifyContent: "flex-end" }}>
      <div
        style={{
          maxWidth: "75%",
          padding: `${token.paddingXXS}px ${token.paddingSM}px`,
          borderRadius: token.borderRadiusLG,
          border: `1px dashed ${message.failed ? token.colorErrorBorder : token.colorPrimaryBorder}`,
          opacity: message.failed ? 1 : 0.7,
        }}
      >
        {message.text ? <div style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{message.text}</div> : null}
        {message.attachment ? <AttachmentView attachment={message.attachment} /> : null}
        {message.failed ? (
          <Space size={4} wrap style={{ display: "flex" }}>
            <Typography.Text type="danger" style={{ fontSize: token.fontSizeSM }}>
              {errorText(message.error)}
            </Typography.Text>
            <Button size="small" type="link" icon={<ReloadOutlined />} onClick={onRetry} data-testid="desk-retry">
              {t("desk.resend")}
            </Button>
          </Space>
        ) : (
          <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
            {t("desk.sending")}
          </Typography.Text>
        )}
      </div>
    </div>
  );
}
