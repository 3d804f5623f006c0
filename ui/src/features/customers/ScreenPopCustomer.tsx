/**
 * The screen pop's customer: the profile matched to the conversation by phone or email
 * (`customerForConversation`), with a link to it on the Customers page; or, when none
 * matches, a button that opens the customer form with the visitor's name and phone.
 */
import { ExportOutlined, UserAddOutlined } from "@ant-design/icons";
import { Alert, Button, Descriptions, Space, Spin, Tag, theme, Typography } from "antd";
import { useMemo, useState } from "react";
import { GraphqlError } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useOpenTab, usePermission } from "./access";
import { CustomerFormModal } from "./CustomerFormModal";
import {
  type Customer,
  CUSTOMER_FIELDS_QUERY,
  CUSTOMER_FOR_CONVERSATION_QUERY,
  type CustomerFieldsData,
  type CustomerForConversationData,
} from "./customers.graphql";
import { enabledFields, valueOf } from "./fields";
import { customerTitle, displayValue } from "./labels";
import { CUSTOMERS_PATH, requestOpenCustomer } from "./openCustomer";

interface Props {
  conversationId: string;
  visitor: { name: string | null; phone: string | null };
}

/** The server does not have the customer fields yet (an older version): say nothing. */
function unsupported(error: GraphqlError | undefined): boolean {
  return error?.code === "graphql.invalid_request";
}

export function ScreenPopCustomer({ conversationId, visitor }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { token } = theme.useToken();
  const can = usePermission();
  const openTab = useOpenTab();
  const match = useQuery<CustomerForConversationData>(CUSTOMER_FOR_CONVERSATION_QUERY, { conversationId });
  const fieldsQuery = useQuery<CustomerFieldsData>(CUSTOMER_FIELDS_QUERY);
  const fields = useMemo(() => fieldsQuery.data?.customerFields ?? [], [fieldsQuery.data]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Customer | null>(null);
  const prefill = useMemo(() => ({ name: visitor.name, phone: visitor.phone }), [visitor.name, visitor.phone]);

  if (unsupported(match.error)) return null;
  const customer = created ?? match.data?.customerForConversation ?? null;
  const canOpen = openTab !== null && can("menu.customers");
  const canCreate = can("customer.edit") && fields.length > 0;
  const none = <Typography.Text type="secondary">—</Typography.Text>;

  const open = (id: string) => {
    requestOpenCustomer(id);
    openTab?.(CUSTOMERS_PATH);
  };

  // Without the fields (no right to the Customers page, say), the name and phone the
  // customer record carries are still worth showing.
  const rows = (found: Customer) =>
    fields.length > 0
      ? enabledFields(fields).map((field) => ({
          key: field.key,
          label: field.label,
          children: displayValue(field, valueOf(found, field.key), t) || none,
        }))
      : [
          { key: "name", label: t("desk.visitorName"), children: found.name || none },
          { key: "phone", label: t("desk.visitorPhone"), children: found.phone || none },
        ];

  return (
    <div data-testid="screen-pop-customer" data-customer-id={customer?.id ?? ""} style={{ marginTop: token.marginSM }}>
      <Typography.Title level={5}>{t("customers.screenPop.title")}</Typography.Title>
      {match.loading && !customer ? <Spin size="small" /> : null}
      {match.error && !customer ? <Alert type="warning" showIcon title={errorText(match.error)} /> : null}
      {customer ? (
        <Space orientation="vertical" size="small" style={{ width: "100%" }}>
          {customer.forgotten ? (
            <Tag>{t("customers.forgotten")}</Tag>
          ) : (
            <Descriptions size="small" column={1} items={rows(customer)} />
          )}
          {canOpen ? (
            <Button type="link" size="small" icon={<ExportOutlined />} style={{ paddingInline: 0 }} onClick={() => open(customer.id)} data-testid="screen-pop-open-customer">
              {t("customers.screenPop.open", { name: customerTitle(customer, t) })}
            </Button>
          ) : null}
        </Space>
      ) : null}
      {!match.loading && !match.error && !customer ? (
        <Space orientation="vertical" size="small">
          <Typography.Text type="secondary">{t("customers.screenPop.noMatch")}</Typography.Text>
          {canCreate ? (
            <Button icon={<UserAddOutlined />} onClick={() => setCreating(true)} data-testid="screen-pop-create-customer">
              {t("customers.screenPop.create")}
            </Button>
          ) : null}
        </Space>
      ) : null}
      {canCreate ? (
        <CustomerFormModal
          open={creating}
          fields={fields}
          customer={null}
          initialValues={prefill}
          onClose={() => setCreating(false)}
          onSaved={(saved) => {
            setCreated(saved);
            void match.refetch();
          }}
          onOpenCustomer={
            canOpen
              ? (id) => {
                  setCreating(false);
                  open(id);
                }
              : undefined
          }
        />
      ) : null}
    </div>
  );
}
