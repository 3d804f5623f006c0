/** A signing secret, shown once: after `registerWebhook` or `rotateWebhookSecret`. The server
 * never shows it again, so the dialog says so and offers a copy button. */
import { Alert, Button, Modal, Space, Typography } from "antd";
import { useT } from "../../../i18n";

interface Props {
  /** The secret to show; null when closed. */
  secret: { url: string; value: string } | null;
  onClose: () => void;
}

export function SecretModal({ secret, onClose }: Props) {
  const t = useT();
  return (
    <Modal
      open={secret !== null}
      title={t("webhooks.secret.title")}
      mask={{ closable: false }}
      closable={false}
      keyboard={false}
      destroyOnHidden
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose} data-testid="webhook-secret-done">
          {t("webhooks.secret.done")}
        </Button>
      }
    >
      {secret ? (
        <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
          <Alert type="warning" showIcon title={t("webhooks.secret.warning")} description={t("webhooks.secret.howTo")} />
          <Typography.Text type="secondary">{secret.url}</Typography.Text>
          <Typography.Paragraph
            code
            copyable={{ text: secret.value, tooltips: [t("webhooks.secret.copy"), t("webhooks.secret.copied")] }}
            style={{ wordBreak: "break-all", marginBottom: 0 }}
            data-testid="webhook-secret"
          >
            {secret.value}
          </Typography.Paragraph>
        </Space>
      ) : null}
    </Modal>
  );
}
