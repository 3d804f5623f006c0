/**
 * The address book (AX2): the tenant's users (internal) and its customers (external), with
 * a search box, read only. With `address_book.export`, the rows shown can be saved as CSV.
 */
import { ExportOutlined, ReloadOutlined, SearchOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Input, Space, Table, Tabs, Typography } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { usePermission } from "../customers/access";
import { saveBlob } from "../customers/rest";
import { type AddressBookData, type AddressBookEntry, type AddressBookKind, ADDRESS_BOOK_QUERY, type AddressBookVariables } from "./addressBook.graphql";
import { toCsv } from "./csv";

/** The server's default page; the search narrows it down. */
const FIRST = 100;
const SEARCH_DELAY_MS = 300;

export function AddressBookPage() {
  const t = useT();
  const errorText = useErrorText();
  const can = usePermission();
  const [kind, setKind] = useState<AddressBookKind>("internal");
  const [typed, setTyped] = useState("");
  const [search, setSearch] = useState("");

  // Ask the server once the user stops typing, not on each key.
  useEffect(() => {
    const timer = window.setTimeout(() => setSearch(typed.trim()), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [typed]);

  const variables: AddressBookVariables = { kind, search: search || null, first: FIRST };
  const { data, error, loading, refetch } = useQuery<AddressBookData>(ADDRESS_BOOK_QUERY, variables as unknown as Record<string, unknown>);
  const rows = data?.addressBook ?? [];

  const columns = [
    { key: "name", dataIndex: "name", title: t("addressBook.name") },
    { key: "phone", dataIndex: "phone", title: t("addressBook.phone"), render: (value: string | null) => value || "—" },
    { key: "email", dataIndex: "email", title: t("addressBook.email"), render: (value: string | null) => value || "—" },
    { key: "department", dataIndex: "department", title: t("addressBook.department"), render: (value: string | null) => value || "—" },
  ];

  const exportCsv = () => {
    const csv = toCsv(
      [t("addressBook.name"), t("addressBook.phone"), t("addressBook.email"), t("addressBook.department")],
      rows.map((row) => [row.name, row.phone, row.email, row.department]),
    );
    const day = new Date().toISOString().slice(0, 10);
    saveBlob(new Blob([csv], { type: "text/csv;charset=utf-8" }), `address-book-${kind}-${day}.csv`);
  };

  return (
    <Card
      title={t("menu.address_book")}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
          {can("address_book.export") ? (
            <Button icon={<ExportOutlined />} data-testid="address-book-export" disabled={rows.length === 0} onClick={exportCsv}>
              {t("addressBook.export")}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Tabs
        activeKey={kind}
        onChange={(key) => setKind(key as AddressBookKind)}
        items={[
          { key: "internal", label: t("addressBook.internal") },
          { key: "external", label: t("addressBook.external") },
        ]}
      />
      <Space orientation="vertical" size="small" style={{ width: "100%" }}>
        <Input
          allowClear
          prefix={<SearchOutlined />}
          data-testid="address-book-search"
          aria-label={t("addressBook.search")}
          placeholder={t("addressBook.searchPlaceholder")}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          onPressEnter={() => setSearch(typed.trim())}
          style={{ maxWidth: 360 }}
        />
        {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
        <Table<AddressBookEntry>
          rowKey={(row) => `${row.kind}:${row.id}`}
          size="middle"
          loading={loading}
          dataSource={rows}
          columns={columns}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: t("addressBook.none") }}
          onRow={(row) => ({ "data-testid": "address-book-row", "data-entry-id": row.id, "data-kind": row.kind }) as object}
        />
        {rows.length >= FIRST ? <Typography.Text type="secondary">{t("addressBook.firstOnly", { count: FIRST })}</Typography.Text> : null}
      </Space>
    </Card>
  );
}
