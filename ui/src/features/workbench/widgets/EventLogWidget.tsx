/**
 * The tenant's latest events, live, through the `events` subscription. The subscription
 * catches up from the start of the log, so the widget keeps only the last few; a resumed
 * connection starts over and positions already seen are skipped.
 */
import { Alert, Empty, List, Space, Tag, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import type { GraphqlError } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { subscribe } from "../../../api/subscriptions";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { EVENT_LOG_SUBSCRIPTION, type EventLogEntry } from "./eventLog.graphql";

export const EVENT_LOG_SIZE = 12;
const FLUSH_EVERY_MS = 250;

/** Adds new events to the newest-first list, skipping positions already seen. */
export function mergeEvents(shown: readonly EventLogEntry[], arrived: readonly EventLogEntry[], size = EVENT_LOG_SIZE) {
  const newest = shown[0]?.globalPosition ?? -1;
  const fresh = arrived.filter((event) => event.globalPosition > newest).sort((a, b) => b.globalPosition - a.globalPosition);
  return [...fresh, ...shown].slice(0, size);
}

export function EventLogWidget() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const [events, setEvents] = useState<EventLogEntry[]>([]);
  const [error, setError] = useState<GraphqlError>();
  const pending = useRef<EventLogEntry[]>([]);

  useEffect(() => {
    // Catch-up can deliver thousands of events at once: render at most four times a second.
    const timer = window.setInterval(() => {
      if (pending.current.length === 0) return;
      const arrived = pending.current;
      pending.current = [];
      setEvents((shown) => mergeEvents(shown, arrived));
    }, FLUSH_EVERY_MS);
    const stop = subscribe<{ events: EventLogEntry }>(
      EVENT_LOG_SUBSCRIPTION,
      { fromPosition: 0 },
      {
        next: (data) => {
          pending.current.push(data.events);
          if (pending.current.length > 4 * EVENT_LOG_SIZE) {
            pending.current = mergeEvents([], pending.current, EVENT_LOG_SIZE).reverse();
          }
        },
        error: setError,
      },
    );
    return () => {
      window.clearInterval(timer);
      stop();
    };
  }, []);

  if (error) return <Alert type="error" showIcon title={errorText(error)} />;
  if (events.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("eventLog.empty")} />;
  return (
    <List
      size="small"
      data-testid="event-log"
      dataSource={events}
      renderItem={(event) => (
        <List.Item key={event.id}>
          <Space orientation="vertical" size={0} style={{ minWidth: 0 }}>
            <Space wrap>
              <Tag color="processing">{event.type}</Tag>
              <Typography.Text type="secondary">#{event.globalPosition}</Typography.Text>
            </Space>
            <Typography.Text type="secondary" ellipsis>
              {formatDateTime(event.recordedAt, locale)} · {event.actor} · {event.streamId}
            </Typography.Text>
          </Space>
        </List.Item>
      )}
    />
  );
}
