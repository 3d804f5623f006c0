/**
 * The customer fields of the tenant: the built-in ones (read only) and the tenant's own in an
 * editable table (key, label, type, required, the length of a text, enabled, order). Save
 * sends the whole list with `defineCustomerFields`. A saved field is disabled rather than
 * deleted, and its key and type stay as they are: stored values keep their meaning.
 */
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined, ReloadOutlined, SaveOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Input, InputNumber, Select, Space, Switch, Table, Tag, Tooltip, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { GraphqlError } from "../../../api/client";
import { useErrorText } from "../../../api/errors";
import { useMutation, useQuery } from "../../../api/hooks";
import { useT } from "../../../i18n";
import type { CustomerField, CustomerFieldType } from "../../customers/customers.graphql";
import { FIELD_TYPE_KEYS, MAX_TENANT_FIELDS, TENANT_FIELD_TYPES, TEXT_MAX_LENGTH } from "../../customers/fields";
import { usePermission } from "../../customers/access";
import { useCommandId } from "../shared/commandId";
import {
  CUSTOMER_FIELD_DEFINITIONS_QUERY,
  type CustomerFieldDefinitionsData,
  DEFINE_CUSTOMER_FIELDS_MUTATION,
  type DefineCustomerFieldsData,
  type DefineCustomerFieldsVariables,
} from "./customerFields.graphql";
import { changeRow, checkRows, type FieldRow, keyOfTypeChange, move, newRow, toInput, toRows, tooMany } from "./rows";

export function CustomerFieldsPage() {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const can = usePermission();
  const canEdit = can("customer.fields.edit");
  const { data, error, loading, refetch } = useQuery<CustomerFieldDefinitionsData>(CUSTOMER_FIELD_DEFINITIONS_QUERY);
  const define = useMutation<DefineCustomerFieldsData, DefineCustomerFieldsVariables>(DEFINE_CUSTOMER_FIELDS_MUTATION);
  const [commandId, renewCommandId] = useCommandId();
  const builtIn = useMemo(() => (data?.customerFields ?? []).filter((field) => field.builtIn).sort((a, b) => a.sortOrder - b.sortOrder), [data]);
  const [rows, setRows] = useState<FieldRow[]>([]);
  const [dirty, setDirty] = useState(false);
  const [checked, setChecked] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();

  useEffect(() => {
    if (!data) return;
    setRows(toRows(data.customerFields));
    setDirty(false);
    setChecked(false);
  }, [data]);

  const builtInKeys = useMemo(() => builtIn.map((field) => field.key), [builtIn]);
  const problems = useMemo(() => checkRows(rows, builtInKeys), [rows, builtInKeys]);
  const typeChangedKey = saveError instanceof GraphqlError && saveError.code === "customer_fields.type_changed" ? keyOfTypeChange(saveError.serverMessage) : null;

  const edit = (next: FieldRow[]) => {
    setRows(next);
    setDirty(true);
    setSaveError(undefined);
    renewCommandId();
  };
  const update = (rowId: string, change: Parameters<typeof changeRow>[1]) =>
    edit(rows.map((row) => (row.rowId === rowId ? changeRow(row, change) : row)));

  const save = async () => {
    setChecked(true);
    if (Object.keys(problems).length > 0 || tooMany(rows)) return;
    setSaveError(undefined);
    try {
      await define.mutate({ commandId, fields: toInput(rows) });
    } catch (caught) {
      setSaveError(caught);
      return;
    }
    renewCommandId();
    void message.success(t("customerFields.saved"));
    await refetch();
  };

  const problemText = (row: FieldRow, column: "key" | "label" | "maxLength") => {
    const problem = checked ? problems[row.rowId]?.[column] : undefined;
    return problem ? t(problem.key, problem.values) : undefined;
  };
  const typeLabel = (fieldType: CustomerFieldType) => t(FIELD_TYPE_KEYS[fieldType]);

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      <Card title={t("customerFields.builtIn")} size="small">
        <Table<CustomerField>
          rowKey="key"
          size="small"
          loading={loading}
          dataSource={builtIn}
          pagination={false}
          data-testid="built-in-fields-table"
          columns={[
            { key: "key", dataIndex: "key", title: t("customerFields.key"), render: (key: string) => <Typography.Text code>{key}</Typography.Text> },
            { key: "label", dataIndex: "label", title: t("customerFields.label") },
            { key: "type", dataIndex: "fieldType", title: t("customerFields.type"), render: typeLabel },
            { key: "required", dataIndex: "required", title: t("customerFields.required"), render: (on: boolean) => (on ? <Tag color="blue">{t("customerFields.yes")}</Tag> : <Tag>{t("customerFields.no")}</Tag>) },
          ]}
        />
      </Card>
      <Card
        title={t("customerFields.own")}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => void refetch()} aria-label={t("common.refresh")} />
            {canEdit ? (
              <>
                <Button
                  icon={<PlusOutlined />}
                  data-testid="field-add"
                  disabled={rows.length >= MAX_TENANT_FIELDS}
                  onClick={() => edit([...rows, newRow()])}
                >
                  {t("customerFields.add")}
                </Button>
                <Button type="primary" icon={<SaveOutlined />} data-testid="fields-save" disabled={!dirty} loading={define.loading} onClick={() => void save()}>
                  {t("common.save")}
                </Button>
              </>
            ) : null}
          </Space>
        }
      >
        <Space orientation="vertical" size="small" style={{ width: "100%" }}>
          <Typography.Text type="secondary">{t("customerFields.hint")}</Typography.Text>
          {saveError ? (
            <Alert
              type="error"
              showIcon
              data-testid="fields-error"
              title={errorText(saveError)}
              description={saveError instanceof GraphqlError && saveError.serverMessage ? saveError.serverMessage : undefined}
            />
          ) : null}
          {checked && Object.keys(problems).length > 0 ? <Alert type="warning" showIcon title={t("customerFields.fixRows")} /> : null}
          <Table<FieldRow>
            rowKey="rowId"
            size="small"
            loading={loading}
            dataSource={rows}
            pagination={false}
            data-testid="fields-table"
            scroll={{ x: "max-content" }}
            locale={{ emptyText: t("customerFields.none") }}
            onRow={(row) => ({ "data-testid": "field-row", "data-field-key": row.key, "data-saved": String(row.saved) }) as object}
            columns={[
              {
                key: "key",
                title: t("customerFields.key"),
                width: 200,
                render: (_: unknown, row) => {
                  const problem = problemText(row, "key");
                  const input = (
                    <Input
                      value={row.key}
                      disabled={row.saved || !canEdit}
                      readOnly={row.saved}
                      status={problem ? "error" : undefined}
                      maxLength={40}
                      aria-label={t("customerFields.key")}
                      data-testid="field-key"
                      onChange={(event) => update(row.rowId, { key: event.target.value })}
                    />
                  );
                  return (
                    <Space orientation="vertical" size={0}>
                      {row.saved ? <Tooltip title={t("customerFields.keyFixed")}>{input}</Tooltip> : input}
                      {problem ? <Typography.Text type="danger">{problem}</Typography.Text> : null}
                    </Space>
                  );
                },
              },
              {
                key: "label",
                title: t("customerFields.label"),
                width: 220,
                render: (_: unknown, row) => {
                  const problem = problemText(row, "label");
                  return (
                    <Space orientation="vertical" size={0}>
                      <Input
                        value={row.label}
                        disabled={!canEdit}
                        status={problem ? "error" : undefined}
                        aria-label={t("customerFields.label")}
                        data-testid="field-label"
                        onChange={(event) => update(row.rowId, { label: event.target.value })}
                      />
                      {problem ? <Typography.Text type="danger">{problem}</Typography.Text> : null}
                    </Space>
                  );
                },
              },
              {
                key: "type",
                title: t("customerFields.type"),
                width: 160,
                render: (_: unknown, row) => (
                  <Space orientation="vertical" size={0}>
                    <Select<CustomerFieldType>
                      style={{ width: 150 }}
                      value={row.fieldType}
                      disabled={row.saved || !canEdit}
                      status={typeChangedKey === row.key ? "error" : undefined}
                      aria-label={t("customerFields.type")}
                      data-testid="field-type"
                      options={TENANT_FIELD_TYPES.map((fieldType) => ({ value: fieldType, label: typeLabel(fieldType) }))}
                      onChange={(fieldType) => update(row.rowId, { fieldType, maxLength: fieldType === "TEXT" ? 100 : null })}
                    />
                    {typeChangedKey === row.key ? <Typography.Text type="danger">{t("error.customer_fields.type_changed")}</Typography.Text> : null}
                  </Space>
                ),
              },
              {
                key: "required",
                title: t("customerFields.required"),
                render: (_: unknown, row) => (
                  <Switch
                    size="small"
                    checked={row.required}
                    disabled={!canEdit}
                    aria-label={t("customerFields.required")}
                    data-testid="field-required"
                    onChange={(required) => update(row.rowId, { required })}
                  />
                ),
              },
              {
                key: "maxLength",
                title: t("customerFields.maxLength"),
                width: 140,
                render: (_: unknown, row) => {
                  if (row.fieldType !== "TEXT") return <Typography.Text type="secondary">—</Typography.Text>;
                  const problem = problemText(row, "maxLength");
                  return (
                    <Space orientation="vertical" size={0}>
                      <InputNumber
                        min={1}
                        max={TEXT_MAX_LENGTH}
                        precision={0}
                        value={row.maxLength}
                        disabled={!canEdit}
                        status={problem ? "error" : undefined}
                        aria-label={t("customerFields.maxLength")}
                        data-testid="field-max-length"
                        onChange={(maxLength) => update(row.rowId, { maxLength: maxLength ?? null })}
                      />
                      {problem ? <Typography.Text type="danger">{problem}</Typography.Text> : null}
                    </Space>
                  );
                },
              },
              {
                key: "enabled",
                title: t("customerFields.enabled"),
                render: (_: unknown, row) => (
                  <Switch
                    size="small"
                    checked={row.enabled}
                    disabled={!canEdit}
                    aria-label={t("customerFields.enabled")}
                    data-testid="field-enabled"
                    onChange={(enabled) => update(row.rowId, { enabled })}
                  />
                ),
              },
              {
                key: "order",
                title: t("customerFields.order"),
                render: (_: unknown, row, index) => (
                  <Space size={2}>
                    <Button
                      size="small"
                      icon={<ArrowUpOutlined />}
                      aria-label={t("customerFields.up")}
                      data-testid="field-up"
                      disabled={!canEdit || index === 0}
                      onClick={() => edit(move(rows, index, -1))}
                    />
                    <Button
                      size="small"
                      icon={<ArrowDownOutlined />}
                      aria-label={t("customerFields.down")}
                      data-testid="field-down"
                      disabled={!canEdit || index === rows.length - 1}
                      onClick={() => edit(move(rows, index, 1))}
                    />
                    {!row.saved && canEdit ? (
                      <Tooltip title={t("customerFields.removeNew")}>
                        <Button
                          size="small"
                          icon={<DeleteOutlined />}
                          aria-label={t("customerFields.removeNew")}
                          data-testid="field-remove"
                          onClick={() => edit(rows.filter((candidate) => candidate.rowId !== row.rowId))}
                        />
                      </Tooltip>
                    ) : null}
                  </Space>
                ),
              },
            ]}
          />
        </Space>
      </Card>
    </Space>
  );
}
