/**
 * The screen pop of a ringing call, shown in a notification: the caller's number, the access
 * number they dialled and, for holders of `menu.customers`, the customer profiles with that
 * phone number, each a link that opens it on the Customers page (as the chat desk's screen
 * pop does).
 */
import { ExportOutlined } from "@ant-design/icons";
import { Alert, Button, Descriptions, Space, Spin, Typography } from "antd";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { type CustomersData, CUSTOMERS_QUERY, type CustomersVariables } from "../customers/customers.graphql";
import { customerTitle } from "../customers/labels";
import { CUSTOMERS_PATH, requestOpenCustomer } from "../customers/openCustomer";
import type { CallRecord } from "./calls.graphql";

interface Props {
  call: Pick<CallRecord, "id" | "callerNumber" | "accessNumber">;
  /** Whether this user may search the customers (`menu.customers`). */
  canSearch: boolean;
  openTab: ((path: string) => void) | null;
  /** Closes the notification. */
  onDone: () => void;
}

export function CallScreenPop({ call, canSearch, openTab, onDone }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const number = call.callerNumber;
  const variables: CustomersVariables = {
    conditions: [{ field: "phone", op: "EQUALS", value: number ?? "", valueTo: null }],
    sortField: null,
    sortDescending: false,
    first: 5,
    offset: 0,
  };
  const search = useQuery<CustomersData>(CUSTOMERS_QUERY, variables as unknown as Record<string, unknown>, { skip: !canSearch || !number });
  const found = search.data?.customers.items ?? [];
  const none = <Typography.Text type="secondary">—</Typography.Text>;

  const open = (id: string) => {
    requestOpenCustomer(id);
    openTab?.(CUSTOMERS_PATH);
    onDone();
  };

  return (
    <Space orientation="vertical" size="small" style={{ width: "100%" }} data-testid="call-screen-pop" data-call-id={call.id}>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: "caller", label: t("softphone.caller"), children: number || t("softphone.unknownCaller") },
          { key: "accessNumber", label: t("softphone.accessNumber"), children: call.accessNumber || none },
        ]}
      />
      {canSearch && number ? (
        <>
          {search.loading ? <Spin size="small" /> : null}
          {search.error ? <Alert type="warning" showIcon title={errorText(search.error)} /> : null}
          {!search.loading && !search.error && found.length === 0 ? (
            <Typography.Text type="secondary" data-testid="call-screen-pop-no-match">
              {t("softphone.noCustomer")}
            </Typography.Text>
          ) : null}
          {found.map((customer) =>
            openTab ? (
              <Button
                key={customer.id}
                type="link"
                size="small"
                icon={<ExportOutlined />}
                style={{ paddingInline: 0 }}
                onClick={() => open(customer.id)}
                data-testid="call-screen-pop-customer"
              >
                {t("customers.screenPop.open", { name: customerTitle(customer, t) })}
              </Button>
            ) : (
              <Typography.Text key={customer.id} data-testid="call-screen-pop-customer">
                {customerTitle(customer, t)}
              </Typography.Text>
            ),
          )}
        </>
      ) : null}
    </Space>
  );
}
