/**
 * Contacts offered to the agent: a banner that cannot be missed (no sound), and per offer a
 * card with the visitor, the queue, a countdown to `expiresAt`, Accept and Reject.
 *
 * Voice offers are left out: a call is answered on the desk phone and shown by the softphone
 * bar, and accepting it here would send an ACD command that races the phone.
 */
import { CheckOutlined, CloseOutlined, MessageOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Progress, Space, Tag, theme, Typography } from "antd";
import { useRef } from "react";
import { useT } from "../../i18n";
import type { ContactOffer } from "./desk.graphql";
import { CHANNEL_KEYS } from "./presence";
import { useNow } from "./time";

interface Props {
  offers: readonly ContactOffer[];
  /** The contact being accepted or rejected, whose buttons wait. */
  busyContactId: string | null;
  onAccept: (offer: ContactOffer) => void;
  onReject: (offer: ContactOffer) => void;
}

/** The offers the desk shows as cards: all but voice calls (the phone rings for those). */
function deskOffers(offers: readonly ContactOffer[]): ContactOffer[] {
  return offers.filter((offer) => offer.channel !== "VOICE");
}

export function Offers({ offers: allOffers, busyContactId, onAccept, onReject }: Props) {
  const t = useT();
  const { token } = theme.useToken();
  const offers = deskOffers(allOffers);
  const now = useNow(1000, offers.length > 0);
  // The time each offer had left when it first showed: its progress bar's full length.
  const totals = useRef(new Map<string, number>());
  if (offers.length === 0) return null;
  return (
    <Space orientation="vertical" size="small" style={{ width: "100%" }}>
      <Alert
        type="warning"
        showIcon
        icon={<MessageOutlined />}
        role="alert"
        data-testid="desk-offer-alert"
        title={t("desk.offerAlert", { count: offers.length })}
      />
      {offers.map((offer) => {
        const left = Math.max(0, Math.ceil((Date.parse(offer.expiresAt) - now) / 1000));
        const expired = left === 0;
        const busy = busyContactId === offer.contactId;
        if (!totals.current.has(offer.contactId)) totals.current.set(offer.contactId, Math.max(1, left));
        const total = totals.current.get(offer.contactId)!;
        return (
          <Card
            key={offer.contactId}
            size="small"
            data-testid="desk-offer"
            data-conversation-id={offer.conversationId}
            style={{ borderColor: token.colorWarning, boxShadow: token.boxShadowSecondary }}
          >
            <Space orientation="vertical" size={4} style={{ width: "100%" }}>
              <Space wrap size={4}>
                <Typography.Text strong>{offer.visitorName || t("desk.visitor")}</Typography.Text>
                <Tag>{t(CHANNEL_KEYS[offer.channel])}</Tag>
                <Tag color="blue">{offer.queue.name}</Tag>
              </Space>
              <Typography.Text type={expired ? "danger" : "secondary"} data-testid="desk-offer-countdown">
                {expired ? t("desk.offerExpired") : t("desk.offerExpiresIn", { seconds: left })}
              </Typography.Text>
              <Progress
                percent={Math.min(100, (left / total) * 100)}
                showInfo={false}
                size="small"
                status={left <= 5 ? "exception" : "active"}
              />
              <Space>
                <Button
                  type="primary"
                  icon={<CheckOutlined />}
                  data-testid="desk-accept"
                  disabled={expired || (busyContactId !== null && !busy)}
                  loading={busy}
                  onClick={() => onAccept(offer)}
                >
                  {t("desk.accept")}
                </Button>
                <Button
                  danger
                  icon={<CloseOutlined />}
                  data-testid="desk-reject"
                  disabled={expired || busyContactId !== null}
                  onClick={() => onReject(offer)}
                >
                  {t("desk.reject")}
                </Button>
              </Space>
            </Space>
          </Card>
        );
      })}
    </Space>
  );
}
