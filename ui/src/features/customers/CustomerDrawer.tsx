/** One customer: the profile's enabled fields (a phone value with a call button for holders of
 * `softphone`), and every contact on every channel, newest first (`customerContacts`). */
import { EditOutlined, PhoneOutlined } from "@ant-design/icons";
import { Alert, Button, Descriptions, Drawer, Empty, Space, Spin, Table, Tag, Tooltip, Typography } from "antd";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { useDial } from "../calls/dial";
import { CHANNEL_KEYS } from "../desk/presence";
import { type Contact, type Customer, type CustomerData, type CustomerField, CUSTOMER_QUERY } from "./customers.graphql";
import { enabledFields, valueOf } from "./fields";
import { customerTitle, displayValue } from "./labels";

interface Props {
  customerId: string | null;
  fields: readonly CustomerField[];
  onClose: () => void;
  /** Shown as an Edit button when the user may edit. */
  onEdit?: (customer: Customer) => void;
}

export function CustomerDrawer({ customerId, fields, onClose, onEdit }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { data, error, loading } = useQuery<CustomerData>(CUSTOMER_QUERY, { id: customerId }, { skip: !customerId });
  const customer = data?.customer?.id === customerId ? data.customer : null;
  const contacts = customer ? data!.customerContacts : [];
  const none = <Typography.Text type="secondary">—</Typography.Text>;
  const dial = useDial();

  return (
    <Drawer
      open={customerId !== null}
      onClose={onClose}
      size="large"
      title={customer ? customerTitle(customer, t) : t("customers.detail")}
      data-testid="customer-drawer"
      extra={
        customer && !customer.forgotten && onEdit ? (
          <Button icon={<EditOutlined />} onClick={() => onEdit(customer)} data-testid="customer-drawer-edit">
            {t("common.edit")}
          </Button>
        ) : null
      }
    >
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      {loading && !customer ? <Spin style={{ display: "block", marginBlock: 32 }} /> : null}
      {!loading && !error && customerId && !customer ? <Empty description={t("error.customer.not_found")} /> : null}
      {customer ? (
        <>
          {customer.forgotten ? (
            <Alert type="info" showIcon title={t("customers.forgottenHint")} style={{ marginBottom: 16 }} />
          ) : (
            <Descriptions
              size="small"
              column={1}
              bordered
              data-testid="customer-profile"
              items={enabledFields(fields).map((field) => {
                const shown = displayValue(field, valueOf(customer, field.key), t);
                if (!shown) return { key: field.key, label: field.label, children: none };
                if (field.fieldType !== "PHONE" || !dial) return { key: field.key, label: field.label, children: shown };
                return {
                  key: field.key,
                  label: field.label,
                  children: (
                    <Space size={4}>
                      {shown}
                      <Tooltip title={t("customers.callPhone")}>
                        <Button
                          size="small"
                          type="link"
                          icon={<PhoneOutlined />}
                          onClick={() => dial(shown)}
                          aria-label={t("customers.callPhone")}
                          data-testid={`customer-call-${field.key}`}
                        />
                      </Tooltip>
                    </Space>
                  ),
                };
              })}
            />
          )}
          <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
            {t("customers.createdUpdated", { created: formatDateTime(customer.createdAt, locale), updated: formatDateTime(customer.updatedAt, locale) })}
          </Typography.Paragraph>
          <Typography.Title level={5}>{t("customers.contacts")}</Typography.Title>
          <Table<Contact>
            size="small"
            rowKey="id"
            dataSource={contacts}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            locale={{ emptyText: t("customers.noContacts") }}
            onRow={(contact) => ({ "data-testid": "customer-contact", "data-contact-id": contact.id }) as object}
            columns={[
              { key: "channel", dataIndex: "channel", title: t("customers.contact.channel"), render: (channel: Contact["channel"]) => <Tag>{t(CHANNEL_KEYS[channel] ?? channel)}</Tag> },
              { key: "at", dataIndex: "at", title: t("customers.contact.at"), render: (at: string) => formatDateTime(at, locale) },
              { key: "agent", dataIndex: "agentName", title: t("customers.contact.agent"), render: (name: string | null) => name || "—" },
              { key: "summary", dataIndex: "summary", title: t("customers.contact.summary"), render: (summary: string | null) => summary || "—" },
              { key: "disposition", dataIndex: "disposition", title: t("customers.contact.disposition"), render: (code: string | null) => code || "—" },
            ]}
          />
        </>
      ) : null}
    </Drawer>
  );
}
