/**
 * Customer profiles (SP3): a saved-query bar, a paged table whose columns are the tenant's
 * enabled fields (sorted on the server by a click on a header), and the buttons to create,
 * edit and forget customers, import them from Excel, download the import template and
 * export. A drawer shows one customer with their contacts.
 */
import { DeleteOutlined, DownloadOutlined, EditOutlined, EyeOutlined, FileExcelOutlined, PlusOutlined, ReloadOutlined, UploadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Popconfirm, Space, Table, Tag, Tooltip, theme } from "antd";
import type { ColumnsType, SorterResult, SortOrder } from "antd/es/table/interface";
import { useCallback, useMemo, useRef, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import { usePermission } from "./access";
import { CustomerDrawer } from "./CustomerDrawer";
import { CustomerFormModal } from "./CustomerFormModal";
import {
  type Customer,
  CUSTOMER_FIELDS_QUERY,
  type CustomerFieldsData,
  CUSTOMERS_QUERY,
  type CustomersData,
  type CustomersVariables,
  FORGET_CUSTOMER_MUTATION,
  type ForgetCustomerVariables,
  type ImportReport,
} from "./customers.graphql";
import { enabledFields, valueOf } from "./fields";
import { ImportReportModal } from "./ImportReportModal";
import { customerTitle, displayValue } from "./labels";
import { useOpenCustomerRequests } from "./openCustomer";
import { ALL_CUSTOMERS, type AppliedQuery, QueryBar } from "./QueryBar";
import { download, exportPath, importCustomers, TEMPLATE_PATH } from "./rest";

const PAGE_SIZES = ["20", "50", "100"];

export function CustomersPage() {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const can = usePermission();
  const canEdit = can("customer.edit");
  const canForget = can("customer.forget");
  const canImport = can("customer.import");
  const canExport = can("customers.export");

  const fieldsQuery = useQuery<CustomerFieldsData>(CUSTOMER_FIELDS_QUERY);
  const fields = useMemo(() => fieldsQuery.data?.customerFields ?? [], [fieldsQuery.data]);
  const columnsFields = useMemo(() => enabledFields(fields), [fields]);

  const [applied, setApplied] = useState<AppliedQuery>(ALL_CUSTOMERS);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const variables: CustomersVariables = {
    conditions: applied.conditions,
    sortField: applied.sortField,
    sortDescending: applied.sortDescending,
    first: pageSize,
    offset: (page - 1) * pageSize,
  };
  const customers = useQuery<CustomersData>(CUSTOMERS_QUERY, variables as unknown as Record<string, unknown>);

  const [editing, setEditing] = useState<Customer | null | undefined>(undefined);
  const [viewing, setViewing] = useState<string | null>(null);
  /** Bumped when the customer in the drawer changed, so the drawer loads it again. */
  const [drawerVersion, setDrawerVersion] = useState(0);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [importing, setImporting] = useState(false);
  const [downloading, setDownloading] = useState<"template" | "export" | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const forget = useMutation<unknown, ForgetCustomerVariables>(FORGET_CUSTOMER_MUTATION);
  const [forgetCommandId, renewForgetCommandId] = useCommandId();

  useOpenCustomerRequests(useCallback((customerId: string) => setViewing(customerId), []));

  const applyQuery = (query: AppliedQuery) => {
    setApplied(query);
    setPage(1);
  };

  const refresh = () => {
    void fieldsQuery.refetch();
    void customers.refetch();
  };

  const forgetCustomer = async (customer: Customer) => {
    try {
      await forget.mutate({ commandId: forgetCommandId, id: customer.id });
      renewForgetCommandId();
      void message.success(t("customers.forgottenDone"));
      void customers.refetch();
      if (viewing === customer.id) setDrawerVersion((version) => version + 1);
    } catch (caught) {
      void message.error(errorText(caught));
    }
  };

  const runImport = async (file: File) => {
    setImporting(true);
    try {
      setReport(await importCustomers(file));
      void customers.refetch();
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setImporting(false);
    }
  };

  const runDownload = async (kind: "template" | "export") => {
    setDownloading(kind);
    try {
      if (kind === "template") await download(TEMPLATE_PATH, "customers-template.xlsx");
      else await download(exportPath(applied.queryId), "customers.xlsx");
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setDownloading(null);
    }
  };

  const sortOrderOf = (key: string): SortOrder => (applied.sortField === key ? (applied.sortDescending ? "descend" : "ascend") : null);

  const columns: ColumnsType<Customer> = [
    ...columnsFields.map((field, index) => ({
      key: field.key,
      title: field.label,
      sorter: true,
      sortOrder: sortOrderOf(field.key),
      ellipsis: true,
      render: (_: unknown, customer: Customer) => {
        if (customer.forgotten) {
          return index === 0 ? (
            <Tag data-testid="customer-forgotten-tag">{t("customers.forgotten")}</Tag>
          ) : null;
        }
        return displayValue(field, valueOf(customer, field.key), t);
      },
    })),
    {
      key: "actions",
      title: t("common.actions"),
      fixed: "right",
      width: 220,
      render: (_: unknown, customer: Customer) => (
        <Space size={4}>
          <Button size="small" icon={<EyeOutlined />} onClick={() => setViewing(customer.id)} data-testid="customer-view">
            {t("common.view")}
          </Button>
          {canEdit && !customer.forgotten ? (
            <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(customer)} data-testid="customer-edit">
              {t("common.edit")}
            </Button>
          ) : null}
          {canForget && !customer.forgotten ? (
            <Popconfirm
              title={t("customers.forgetTitle", { name: customerTitle(customer, t) })}
              description={<div style={{ maxWidth: 320 }}>{t("customers.forgetWarning")}</div>}
              okText={t("customers.forget")}
              cancelText={t("common.cancel")}
              okButtonProps={{ danger: true, "data-testid": "customer-forget-confirm" }}
              onConfirm={() => forgetCustomer(customer)}
            >
              <Button size="small" danger icon={<DeleteOutlined />} data-testid="customer-forget">
                {t("customers.forget")}
              </Button>
            </Popconfirm>
          ) : null}
        </Space>
      ),
    },
  ];

  const error = fieldsQuery.error ?? customers.error;

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card size="small">
        <QueryBar fields={fields} applied={applied} onApply={applyQuery} />
      </Card>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      <Card
        title={t("menu.customers")}
        extra={
          <Space wrap>
            <Button icon={<ReloadOutlined />} onClick={refresh} aria-label={t("common.refresh")} />
            <Button
              icon={<DownloadOutlined />}
              data-testid="customer-template"
              loading={downloading === "template"}
              onClick={() => void runDownload("template")}
            >
              {t("customers.template")}
            </Button>
            {canImport ? (
              <>
                <input
                  ref={fileInput}
                  type="file"
                  accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                  data-testid="customer-import"
                  aria-label={t("customers.import.button")}
                  style={{ display: "none" }}
                  onChange={(event) => {
                    const file = event.target.files?.[0];
                    event.target.value = "";
                    if (file) void runImport(file);
                  }}
                />
                <Button icon={<UploadOutlined />} loading={importing} onClick={() => fileInput.current?.click()} data-testid="customer-import-button">
                  {t("customers.import.button")}
                </Button>
              </>
            ) : null}
            {canExport ? (
              <Tooltip title={applied.queryId ? t("customers.exportQueryHint") : t("customers.exportAllHint")}>
                <Button
                  icon={<FileExcelOutlined />}
                  data-testid="customer-export"
                  loading={downloading === "export"}
                  onClick={() => void runDownload("export")}
                >
                  {t("customers.export")}
                </Button>
              </Tooltip>
            ) : null}
            {canEdit ? (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)} data-testid="customer-new" disabled={fields.length === 0}>
                {t("customers.new")}
              </Button>
            ) : null}
          </Space>
        }
      >
        <Table<Customer>
          rowKey="id"
          size="middle"
          data-testid="customers-table"
          loading={customers.loading || fieldsQuery.loading}
          dataSource={customers.data?.customers.items ?? []}
          columns={columns}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: t("customers.none") }}
          onRow={(customer) =>
            ({
              "data-testid": "customer-row",
              "data-customer-id": customer.id,
              "data-forgotten": String(customer.forgotten),
              style: customer.forgotten ? { color: token.colorTextDisabled } : undefined,
            }) as object
          }
          pagination={{
            current: page,
            pageSize,
            total: customers.data?.customers.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: PAGE_SIZES,
            showTotal: (total) => t("customers.total", { total }),
          }}
          onChange={(pagination, _filters, sorter, extra) => {
            if (extra.action === "sort") {
              const single = (Array.isArray(sorter) ? sorter[0] : sorter) as SorterResult<Customer> | undefined;
              const key = single?.order ? String(single.columnKey) : null;
              setApplied((current) => ({ ...current, sortField: key, sortDescending: single?.order === "descend" }));
              setPage(1);
              return;
            }
            if (pagination.pageSize && pagination.pageSize !== pageSize) {
              setPageSize(pagination.pageSize);
              setPage(1);
            } else if (pagination.current) {
              setPage(pagination.current);
            }
          }}
        />
      </Card>
      <CustomerFormModal
        open={editing !== undefined}
        fields={fields}
        customer={editing ?? null}
        onClose={() => setEditing(undefined)}
        onSaved={(saved) => {
          void customers.refetch();
          if (viewing === saved.id) setDrawerVersion((version) => version + 1);
        }}
        onOpenCustomer={(id) => {
          setEditing(undefined);
          setViewing(id);
        }}
      />
      <CustomerDrawer
        key={drawerVersion}
        customerId={viewing} fields={fields} onClose={() => setViewing(null)} onEdit={canEdit ? (customer) => setEditing(customer) : undefined} />
      <ImportReportModal report={report} fields={fields} onClose={() => setReport(null)} />
    </Space>
  );
}
