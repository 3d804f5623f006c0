/**
 * The designer's "Service calls" tab: whether the type has the secret its service tasks sign
 * their calls with (Standard Webhooks), and creating or rotating it (`ticket_type.edit`). The
 * server shows a new secret once, in the webhooks' secret dialog.
 */
import { KeyOutlined } from "@ant-design/icons";
import { Alert, App, Button, Popconfirm, Space, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { SecretModal } from "../../integrations/webhooks/SecretModal";
import { ROTATE_TICKET_SERVICE_SECRET_MUTATION, type RotateTicketServiceSecretData } from "../../tickets/tickets.graphql";

interface Props {
  /** The type's id; null before its first save. */
  typeId: string | null;
  typeName: string;
  rotatedAt: string | null;
  canEdit: boolean;
  /** After a new secret was made: the type is fetched again. */
  onRotated: () => void;
}

export function ServiceSecretPanel({ typeId, typeName, rotatedAt, canEdit, onRotated }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const rotate = useMutation<RotateTicketServiceSecretData, { typeId: string }>(ROTATE_TICKET_SERVICE_SECRET_MUTATION);
  const [secret, setSecret] = useState<string | null>(null);

  if (!typeId) return <Typography.Text type="secondary">{t("ticketTypes.serviceSecret.saveFirst")}</Typography.Text>;

  const rotateSecret = async () => {
    try {
      const { rotateTicketServiceSecret } = await rotate.mutate({ typeId });
      setSecret(rotateTicketServiceSecret.secret);
    } catch (caught) {
      void message.error(errorText(caught));
      return;
    }
    onRotated();
  };

  const button = (label: string, onClick?: () => void) => (
    <Button icon={<KeyOutlined />} loading={rotate.loading} onClick={onClick} data-testid="ticket-type-service-secret-rotate">
      {label}
    </Button>
  );

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }} data-testid="ticket-type-service-secret">
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("ticketTypes.serviceSecret.intro")}
      </Typography.Paragraph>
      {rotatedAt ? (
        <Alert type="success" showIcon data-testid="ticket-type-service-secret-state" title={t("ticketTypes.serviceSecret.rotatedAt", { time: formatDateTime(rotatedAt, locale) })} />
      ) : (
        <Alert type="warning" showIcon data-testid="ticket-type-service-secret-state" title={t("ticketTypes.serviceSecret.none")} />
      )}
      {canEdit ? (
        rotatedAt ? (
          // The old secret stops working at once: ask first.
          <Popconfirm
            title={t("ticketTypes.serviceSecret.rotateTitle")}
            description={<div style={{ maxWidth: 320 }}>{t("ticketTypes.serviceSecret.rotateWarning")}</div>}
            okText={t("ticketTypes.serviceSecret.rotate")}
            cancelText={t("common.cancel")}
            okButtonProps={{ danger: true, "data-testid": "ticket-type-service-secret-rotate-confirm" }}
            onConfirm={() => rotateSecret()}
          >
            {button(t("ticketTypes.serviceSecret.rotate"))}
          </Popconfirm>
        ) : (
          button(t("ticketTypes.serviceSecret.create"), () => void rotateSecret())
        )
      ) : null}
      <SecretModal
        secret={secret === null ? null : { subject: typeName, value: secret }}
        onClose={() => setSecret(null)}
        texts={{ title: t("ticketTypes.serviceSecret.title"), howTo: t("ticketTypes.serviceSecret.howTo") }}
        testId="ticket-type-service-secret-value"
        extra={<Typography.Text type="secondary">{t("ticketTypes.serviceSecret.docs")}</Typography.Text>}
      />
    </Space>
  );
}
