/** A secret, shown once: a webhook's signing secret after `registerWebhook` or
 * `rotateWebhookSecret` (the default texts), or another page's (an extension's SIP password,
 * a ticket type's signing secret for service calls) with its own `texts`. The server never
 * shows it again, so the dialog says so and offers a copy button. */
import { Alert, Button, Modal, Space, Typography } from "antd";
import type { ReactNode } from "react";
import { useT } from "../../../i18n";

interface Props {
  /** The secret to show and what it belongs to (an endpoint's URL); null when closed. */
  secret: { subject: string; value: string } | null;
  onClose: () => void;
  /** The dialog's title, warning and advice; each the webhook's when not given. */
  texts?: { title?: string; warning?: string; howTo?: string };
  /** Shown under the secret (e.g. the settings it goes with). */
  extra?: ReactNode;
  /** The secret's test id; the done button's is `<testId>-done`. */
  testId?: string;
}

export function SecretModal({ secret, onClose, texts, extra, testId = "webhook-secret" }: Props) {
  const t = useT();
  return (
    <Modal
      open={secret !== null}
      title={texts?.title ?? t("webhooks.secret.title")}
      mask={{ closable: false }}
      closable={false}
      keyboard={false}
      destroyOnHidden
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose} data-testid={`${testId}-done`}>
          {t("webhooks.secret.done")}
        </Button>
      }
    >
      {secret ? (
        <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
          <Alert
            type="warning"
            showIcon
            title={texts?.warning ?? t("webhooks.secret.warning")}
            description={texts?.howTo ?? t("webhooks.secret.howTo")}
          />
          <Typography.Text type="secondary">{secret.subject}</Typography.Text>
          <Typography.Paragraph
            code
            copyable={{ text: secret.value, tooltips: [t("webhooks.secret.copy"), t("webhooks.secret.copied")] }}
            style={{ wordBreak: "break-all", marginBottom: 0 }}
            data-testid={testId}
          >
            {secret.value}
          </Typography.Paragraph>
          {extra}
        </Space>
      ) : null}
    </Modal>
  );
}
