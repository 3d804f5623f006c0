/**
 * The agent desktop: presence, offers, the conversations in hand, the chat of the selected
 * one, and the screen pop. Live through `deskEvents`: any event but typing and messages
 * reloads `myDesk`. Nothing polls.
 */
import { ReloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Col, Empty, Row, Space, Spin, Typography } from "antd";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type GraphqlError, newCommandId, request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { subscribe } from "../../api/subscriptions";
import { useT } from "../../i18n";
import { DeskKnowledgePanel } from "../knowledge/DeskKnowledgePanel";
import { ChatPane } from "./ChatPane";
import { CloseModal } from "./CloseModal";
import { ConversationList, type ListedConversation } from "./ConversationList";
import {
  ACCEPT_OFFER_MUTATION,
  type AgentDesk,
  type ContactOffer,
  CONVERSATION_QUERY,
  type ConversationData,
  type ConversationSummary,
  DESK_CHOICES_QUERY,
  DESK_EVENTS_SUBSCRIPTION,
  type DeskChoicesData,
  type DeskEvent,
  type DeskEventsData,
  type OfferVariables,
  REJECT_OFFER_MUTATION,
} from "./desk.graphql";
import { Offers } from "./Offers";
import { PresenceControl } from "./PresenceControl";
import { ScreenPop } from "./ScreenPop";
import { TransferModal } from "./TransferModal";
import { useDesk } from "./useDesk";

/** How long "typing…" shows after the visitor's last keystroke event. */
const TYPING_SHOWN_MS = 6000;

export function DeskPage() {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { desk, error, loading, reload, replace } = useDesk();
  const choices = useQuery<DeskChoicesData>(DESK_CHOICES_QUERY);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [screenPopOpen, setScreenPopOpen] = useState(true);
  const [typing, setTyping] = useState<Record<string, boolean>>({});
  const typingTimers = useRef(new Map<string, number>());
  /** Messages each conversation has, as far as MESSAGE events tell (between desk loads). */
  const [messageCounts, setMessageCounts] = useState<Record<string, number>>({});
  /** The highest seq the agent has had on screen, per conversation. */
  const [seen, setSeen] = useState<Record<string, number>>({});
  /** Conversations that ended while the desk was open, kept until dismissed. */
  const [ended, setEnded] = useState<Record<string, ConversationSummary>>({});
  const [busyContactId, setBusyContactId] = useState<string | null>(null);
  const [transferringId, setTransferringId] = useState<string | null>(null);
  const [closingId, setClosingId] = useState<string | null>(null);
  const [liveError, setLiveError] = useState<GraphqlError>();
  const [liveAttempt, setLiveAttempt] = useState(0);
  /** Every conversation this desk has held since it opened. */
  const knownIds = useRef(new Set<string>());
  const baselined = useRef(false);
  const deskRef = useRef<AgentDesk | undefined>(undefined);
  deskRef.current = desk;

  // What the agent had before this page opened counts as read.
  useEffect(() => {
    if (!desk) return;
    for (const conversation of desk.conversations) knownIds.current.add(conversation.id);
    if (baselined.current) return;
    baselined.current = true;
    setSeen(Object.fromEntries(desk.conversations.map((conversation) => [conversation.id, conversation.messageCount])));
  }, [desk]);

  const list: ListedConversation[] = useMemo(() => {
    const active = desk?.conversations ?? [];
    const activeIds = new Set(active.map((conversation) => conversation.id));
    const all = [
      ...active.map((summary) => ({ summary, ended: false })),
      ...Object.values(ended)
        .filter((summary) => !activeIds.has(summary.id))
        .map((summary) => ({ summary, ended: true })),
    ];
    return all.map(({ summary, ended: isEnded }) => {
      const known = Math.max(summary.messageCount, messageCounts[summary.id] ?? 0);
      const unread = summary.id === selectedId ? 0 : Math.max(0, known - (seen[summary.id] ?? 0));
      return { summary, ended: isEnded, unread, typing: typing[summary.id] === true };
    });
  }, [desk, ended, messageCounts, seen, typing, selectedId]);

  const selected = list.find((entry) => entry.summary.id === selectedId)?.summary ?? null;
  const selectedRef = useRef({ active: false });
  selectedRef.current = { active: selected != null && selected.status !== "CLOSED" };
  /** Unsent text per conversation, kept while the agent looks at another. */
  const drafts = useRef(new Map<string, string>());

  /** A conversation to show as soon as the list has it (just accepted or assigned). */
  const wanted = useRef<string | null>(null);
  const show = useCallback((conversationId: string) => {
    wanted.current = conversationId;
    setSelectedId(conversationId);
  }, []);
  const pick = useCallback((conversationId: string | null) => {
    wanted.current = null;
    setSelectedId(conversationId);
  }, []);

  // Something is always on screen when there is something to show.
  useEffect(() => {
    const ids = list.map((entry) => entry.summary.id);
    if (wanted.current && ids.includes(wanted.current)) {
      setSelectedId(wanted.current);
      wanted.current = null;
      return;
    }
    if (selectedId && (ids.includes(selectedId) || selectedId === wanted.current)) return;
    setSelectedId(ids[0] ?? null);
  }, [list, selectedId]);

  const showTyping = useCallback((conversationId: string, on: boolean) => {
    const timers = typingTimers.current;
    window.clearTimeout(timers.get(conversationId));
    timers.delete(conversationId);
    if (on) {
      timers.set(
        conversationId,
        window.setTimeout(() => setTyping((current) => ({ ...current, [conversationId]: false })), TYPING_SHOWN_MS),
      );
    }
    setTyping((current) => (current[conversationId] === on ? current : { ...current, [conversationId]: on }));
  }, []);

  useEffect(() => {
    const timers = typingTimers.current;
    return () => {
      for (const timer of timers.values()) window.clearTimeout(timer);
    };
  }, []);

  /** An ended (or rated) conversation's latest summary, for the list and its chat. */
  const refreshEnded = useCallback(async (conversationId: string) => {
    if (!knownIds.current.has(conversationId)) return;
    try {
      const data = await request<ConversationData>(CONVERSATION_QUERY, { id: conversationId });
      const summary = data.conversation?.summary;
      if (summary?.status === "CLOSED") setEnded((current) => ({ ...current, [conversationId]: summary }));
    } catch {
      // The list keeps what it had; the next event tries again.
    }
  }, []);

  const onEvent = useCallback(
    (event: DeskEvent) => {
      const conversationId = event.conversationId;
      if (event.kind === "VISITOR_TYPING") {
        if (conversationId) showTyping(conversationId, true);
        return;
      }
      if (event.kind === "MESSAGE") {
        if (!conversationId) return;
        showTyping(conversationId, false);
        const listed = deskRef.current?.conversations.find((conversation) => conversation.id === conversationId)?.messageCount ?? 0;
        setMessageCounts((current) => ({ ...current, [conversationId]: Math.max(current[conversationId] ?? 0, listed) + 1 }));
        return;
      }
      reload();
      if (!conversationId) return;
      if (event.kind === "ASSIGNED") {
        knownIds.current.add(conversationId);
        // The screen pop opens on the new conversation, unless the agent is in the middle of
        // another one: that one stays on screen and the new one waits in the list, unread.
        if (!selectedRef.current.active) {
          show(conversationId);
          setScreenPopOpen(true);
        }
      } else if (event.kind === "CLOSED" || event.kind === "RATED") {
        void refreshEnded(conversationId);
      } else if (event.kind === "TRANSFERRED_AWAY") {
        setEnded(({ [conversationId]: _gone, ...rest }) => rest);
        if (wanted.current === conversationId) wanted.current = null;
        setSelectedId((current) => (current === conversationId ? null : current));
      }
    },
    [reload, refreshEnded, showTyping, show],
  );

  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  useEffect(() => {
    setLiveError(undefined);
    return subscribe<DeskEventsData>(DESK_EVENTS_SUBSCRIPTION, {}, {
      next: (data) => onEventRef.current(data.deskEvents),
      error: setLiveError,
    });
  }, [liveAttempt]);

  const onSeen = useCallback((conversationId: string, seq: number) => {
    setSeen((current) => ((current[conversationId] ?? 0) >= seq ? current : { ...current, [conversationId]: seq }));
  }, []);

  const accept = async (offer: ContactOffer) => {
    setBusyContactId(offer.contactId);
    try {
      const data = await request<{ acceptOffer: ConversationSummary }>(ACCEPT_OFFER_MUTATION, {
        commandId: newCommandId(),
        contactId: offer.contactId,
      } satisfies OfferVariables);
      knownIds.current.add(data.acceptOffer.id);
      show(data.acceptOffer.id);
      setScreenPopOpen(true);
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setBusyContactId(null);
      reload();
    }
  };

  const reject = async (offer: ContactOffer) => {
    setBusyContactId(offer.contactId);
    try {
      const data = await request<{ rejectOffer: AgentDesk }>(REJECT_OFFER_MUTATION, {
        commandId: newCommandId(),
        contactId: offer.contactId,
      } satisfies OfferVariables);
      replace(data.rejectOffer);
    } catch (caught) {
      void message.error(errorText(caught));
      reload();
    } finally {
      setBusyContactId(null);
    }
  };

  if (!desk) {
    if (loading) return <Spin style={{ display: "block", marginBlock: 48 }} />;
    return (
      <Alert
        type="error"
        showIcon
        title={errorText(error)}
        action={
          <Button icon={<ReloadOutlined />} onClick={reload}>
            {t("common.retry")}
          </Button>
        }
      />
    );
  }

  const dispositions = choices.data?.dispositions ?? [];
  const chatSpan = selected && screenPopOpen ? 12 : 18;

  return (
    <div data-testid="desk">
      {liveError ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={t("desk.liveLost")}
          description={errorText(liveError)}
          action={
            <Button
              size="small"
              onClick={() => {
                setLiveAttempt((count) => count + 1);
                reload();
              }}
            >
              {t("common.retry")}
            </Button>
          }
        />
      ) : null}
      {error ? <Alert type="error" showIcon style={{ marginBottom: 12 }} title={errorText(error)} /> : null}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={6}>
          <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
            <Card size="small" title={t("desk.presence")}>
              {desk.registered ? null : (
                <Alert type="info" showIcon style={{ marginBottom: 8 }} title={t("desk.notRegistered")} />
              )}
              <PresenceControl presence={desk.presence} disabled={!desk.registered} onChanged={replace} />
            </Card>
            <Offers
              offers={desk.offers}
              busyContactId={busyContactId}
              onAccept={(offer) => void accept(offer)}
              onReject={(offer) => void reject(offer)}
            />
            <Card size="small" title={t("desk.conversations")}>
              <ConversationList
                conversations={list}
                selectedId={selectedId}
                onSelect={pick}
                onDismiss={(conversationId) => {
                  setEnded(({ [conversationId]: _gone, ...rest }) => rest);
                  if (selectedId === conversationId) pick(null);
                }}
              />
            </Card>
          </Space>
        </Col>
        <Col xs={24} lg={chatSpan}>
          {selected ? (
            <ChatPane
              key={selected.id}
              summary={selected}
              typing={typing[selected.id] === true}
              cannedReplies={choices.data?.cannedReplies ?? []}
              screenPopOpen={screenPopOpen}
              drafts={drafts.current}
              onSeen={onSeen}
              onTransfer={() => setTransferringId(selected.id)}
              onClose={() => {
                void choices.refetch();
                setClosingId(selected.id);
              }}
              onToggleScreenPop={() => setScreenPopOpen((open) => !open)}
            />
          ) : (
            <Card>
              <Empty description={<Typography.Text type="secondary">{t("desk.selectHint")}</Typography.Text>} />
            </Card>
          )}
        </Col>
        {selected && screenPopOpen ? (
          <Col xs={24} lg={6}>
            <ScreenPop key={selected.id} summary={selected} dispositions={dispositions} />
            <div style={{ marginTop: 12 }}>
              <DeskKnowledgePanel />
            </div>
          </Col>
        ) : null}
      </Row>
      <TransferModal
        conversationId={transferringId}
        selfAgentId={desk.agentId}
        onClose={() => setTransferringId(null)}
        onTransferred={(conversationId) => {
          if (selectedId === conversationId) pick(null);
          reload();
        }}
      />
      <CloseModal
        conversationId={closingId}
        dispositions={dispositions}
        loadingDispositions={choices.loading}
        onClose={() => setClosingId(null)}
        onClosed={(summary) => {
          knownIds.current.add(summary.id);
          setEnded((current) => ({ ...current, [summary.id]: summary }));
          reload();
        }}
      />
    </div>
  );
}
