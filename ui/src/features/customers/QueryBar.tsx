/**
 * The saved-query bar above the customers table: pick one of your saved queries or a shared
 * one, change its conditions in a small builder (field, an operator the field's type takes,
 * its values), apply them, save them under a name (shared or not), or delete your own.
 */
import { DeleteOutlined, FilterOutlined, MinusCircleOutlined, PlusOutlined, SaveOutlined } from "@ant-design/icons";
import { Alert, App, Button, Input, Popconfirm, Select, Space, Switch, Tag, theme, Typography } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import { ConditionValueInput } from "./ConditionValueInput";
import {
  type ConditionOp,
  type CustomerField,
  DELETE_CUSTOMER_QUERY_MUTATION,
  type DeleteCustomerQueryVariables,
  type QueryCondition,
  SAVE_CUSTOMER_QUERY_MUTATION,
  type SaveCustomerQueryData,
  type SaveCustomerQueryVariables,
  SAVED_CUSTOMER_QUERIES_QUERY,
  type SavedCustomerQueriesData,
  type SavedCustomerQuery,
} from "./customers.graphql";
import { conditionInput, enabledFields, isCompleteCondition, operandCount, OPERATOR_KEYS, OPERATORS_BY_TYPE } from "./fields";

/** What the table shows: the conditions, the order, and the saved query they came from. */
export interface AppliedQuery {
  queryId: string | null;
  conditions: QueryCondition[];
  sortField: string | null;
  sortDescending: boolean;
}

export const ALL_CUSTOMERS: AppliedQuery = { queryId: null, conditions: [], sortField: null, sortDescending: false };

interface Props {
  fields: readonly CustomerField[];
  /** The query the table shows now (its order comes from the table's headers). */
  applied: AppliedQuery;
  onApply: (query: AppliedQuery) => void;
}

const NAME_MAX = 100;

export function QueryBar({ fields, applied, onApply }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const saved = useQuery<SavedCustomerQueriesData>(SAVED_CUSTOMER_QUERIES_QUERY);
  const save = useMutation<SaveCustomerQueryData, SaveCustomerQueryVariables>(SAVE_CUSTOMER_QUERY_MUTATION);
  const remove = useMutation<unknown, DeleteCustomerQueryVariables>(DELETE_CUSTOMER_QUERY_MUTATION);
  const [commandId, renewCommandId] = useCommandId();
  const [draft, setDraft] = useState<QueryCondition[]>(applied.conditions);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [showIncomplete, setShowIncomplete] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();

  const queries = useMemo(() => saved.data?.savedCustomerQueries ?? [], [saved.data]);
  const selected = queries.find((query) => query.id === applied.queryId) ?? null;
  // Every field may be queried, disabled ones too (their values are kept).
  const queryable = useMemo(() => [...enabledFields(fields), ...fields.filter((field) => !field.enabled)], [fields]);
  const fieldOf = (key: string) => fields.find((field) => field.key === key);

  const changeDraft = (next: QueryCondition[]) => {
    setDraft(next);
    setShowIncomplete(false);
    renewCommandId();
  };

  const choose = (query: SavedCustomerQuery | null) => {
    setDraft(query?.conditions ?? []);
    setName(query?.mine ? query.name : "");
    setShared(query?.shared ?? false);
    setShowIncomplete(false);
    setSaveError(undefined);
    renewCommandId();
    onApply(
      query
        ? { queryId: query.id, conditions: query.conditions, sortField: query.sortField, sortDescending: query.sortDescending }
        : { ...ALL_CUSTOMERS, sortField: applied.sortField, sortDescending: applied.sortDescending },
    );
  };

  const complete = (): QueryCondition[] | null => {
    if (draft.some((condition) => !isCompleteCondition(condition, fields))) {
      setShowIncomplete(true);
      return null;
    }
    return draft.map(conditionInput);
  };

  const apply = () => {
    const conditions = complete();
    if (!conditions) return;
    onApply({ ...applied, conditions });
  };

  const saveQuery = async () => {
    const conditions = complete();
    const trimmed = name.trim();
    if (!conditions || !trimmed) return;
    setSaveError(undefined);
    // Your own query under its own name is changed; any other name is a new query.
    const replacing = selected?.mine && selected.name === trimmed ? selected.id : undefined;
    try {
      const result = await save.mutate({
        commandId,
        input: {
          ...(replacing ? { id: replacing } : {}),
          name: trimmed,
          shared,
          conditions,
          sortField: applied.sortField,
          sortDescending: applied.sortDescending,
        },
      });
      renewCommandId();
      await saved.refetch();
      void message.success(t("customers.query.saved", { name: trimmed }));
      onApply({ ...applied, conditions, queryId: result.saveCustomerQuery.id });
    } catch (caught) {
      setSaveError(caught);
    }
  };

  const deleteQuery = async (query: SavedCustomerQuery) => {
    try {
      await remove.mutate({ commandId, id: query.id });
      renewCommandId();
      await saved.refetch();
      void message.success(t("customers.query.deleted", { name: query.name }));
      choose(null);
    } catch (caught) {
      void message.error(errorText(caught));
    }
  };

  const mine = queries.filter((query) => query.mine);
  const others = queries.filter((query) => !query.mine);
  const options = [
    ...(mine.length > 0 ? [{ label: t("customers.query.mine"), options: mine.map((query) => ({ value: query.id, label: query.name })) }] : []),
    ...(others.length > 0 ? [{ label: t("customers.query.shared"), options: others.map((query) => ({ value: query.id, label: query.name })) }] : []),
  ];

  const setCondition = (index: number, change: Partial<QueryCondition>) =>
    changeDraft(draft.map((condition, at) => (at === index ? { ...condition, ...change } : condition)));

  const changeField = (index: number, key: string) => {
    const field = fieldOf(key);
    const allowed = field ? OPERATORS_BY_TYPE[field.fieldType] : [];
    const current = draft[index]!;
    const op: ConditionOp = allowed.includes(current.op) ? current.op : (allowed[0] ?? "EQUALS");
    setCondition(index, { field: key, op, value: null, valueTo: null });
  };

  return (
    <Space orientation="vertical" size="small" style={{ width: "100%" }} data-testid="query-bar">
      <Space wrap>
        <FilterOutlined />
        <Select
          style={{ minWidth: 240 }}
          data-testid="query-select"
          aria-label={t("customers.query.choose")}
          placeholder={t("customers.query.all")}
          allowClear
          loading={saved.loading}
          value={applied.queryId ?? undefined}
          options={options}
          optionRender={(option) => {
            const query = queries.find((candidate) => candidate.id === option.value);
            return (
              <Space size={4}>
                <span>{option.label}</span>
                {query?.shared ? <Tag>{t("customers.query.sharedTag")}</Tag> : null}
              </Space>
            );
          }}
          onChange={(id: string | undefined) => choose(queries.find((query) => query.id === id) ?? null)}
        />
        {selected?.mine ? (
          <Popconfirm
            title={t("customers.query.deleteConfirm", { name: selected.name })}
            okText={t("customers.query.delete")}
            cancelText={t("common.cancel")}
            okButtonProps={{ danger: true, "data-testid": "query-delete-confirm" }}
            onConfirm={() => deleteQuery(selected)}
          >
            <Button icon={<DeleteOutlined />} data-testid="query-delete" loading={remove.loading}>
              {t("customers.query.delete")}
            </Button>
          </Popconfirm>
        ) : null}
        {selected && !selected.mine ? <Typography.Text type="secondary">{t("customers.query.sharedHint")}</Typography.Text> : null}
      </Space>
      {saved.error ? <Alert type="warning" showIcon title={errorText(saved.error)} /> : null}
      {draft.map((condition, index) => {
        const field = fieldOf(condition.field);
        const operators = field ? OPERATORS_BY_TYPE[field.fieldType] : [];
        const count = operandCount(condition.op);
        const incomplete = showIncomplete && !isCompleteCondition(condition, fields);
        return (
          <Space
            key={index}
            wrap
            data-testid="query-condition"
            style={incomplete ? { outline: `1px solid ${token.colorError}`, borderRadius: token.borderRadius, padding: 2 } : undefined}
          >
            <Select
              style={{ width: 180 }}
              data-testid="query-field"
              aria-label={t("customers.query.field")}
              placeholder={t("customers.query.field")}
              value={condition.field || undefined}
              showSearch={{ optionFilterProp: "label" }}
              options={queryable.map((candidate) => ({ value: candidate.key, label: candidate.label }))}
              onChange={(key: string) => changeField(index, key)}
            />
            <Select
              style={{ width: 150 }}
              data-testid="query-op"
              aria-label={t("customers.query.operator")}
              disabled={!field}
              value={field ? condition.op : undefined}
              options={operators.map((op) => ({ value: op, label: t(OPERATOR_KEYS[op]) }))}
              onChange={(op: ConditionOp) =>
                setCondition(index, { op, value: operandCount(op) > 0 ? condition.value : null, valueTo: operandCount(op) > 1 ? condition.valueTo : null })
              }
            />
            {count >= 1 ? (
              <ConditionValueInput
                fieldType={field?.fieldType}
                value={condition.value}
                onChange={(value) => setCondition(index, { value })}
                testId="query-value"
                ariaLabel={t("customers.query.value")}
              />
            ) : null}
            {count === 2 ? (
              <>
                <Typography.Text type="secondary">{t("customers.query.and")}</Typography.Text>
                <ConditionValueInput
                  fieldType={field?.fieldType}
                  value={condition.valueTo}
                  onChange={(valueTo) => setCondition(index, { valueTo })}
                  testId="query-value-to"
                  ariaLabel={t("customers.query.valueTo")}
                />
              </>
            ) : null}
            <Button
              type="text"
              icon={<MinusCircleOutlined />}
              aria-label={t("customers.query.removeCondition")}
              data-testid="query-condition-remove"
              onClick={() => changeDraft(draft.filter((_, at) => at !== index))}
            />
          </Space>
        );
      })}
      {showIncomplete ? <Typography.Text type="danger">{t("customers.query.incomplete")}</Typography.Text> : null}
      <Space wrap>
        <Button
          icon={<PlusOutlined />}
          data-testid="query-condition-add"
          onClick={() => changeDraft([...draft, { field: "", op: "EQUALS", value: null, valueTo: null }])}
        >
          {t("customers.query.addCondition")}
        </Button>
        <Button type="primary" icon={<FilterOutlined />} data-testid="query-apply" onClick={apply}>
          {t("customers.query.apply")}
        </Button>
        <Input
          style={{ width: 200 }}
          data-testid="query-name"
          aria-label={t("customers.query.name")}
          placeholder={t("customers.query.name")}
          maxLength={NAME_MAX}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            renewCommandId();
          }}
        />
        <Space size={4}>
          <Switch
            size="small"
            data-testid="query-shared"
            aria-label={t("customers.query.shareSwitch")}
            checked={shared}
            onChange={(checked) => {
              setShared(checked);
              renewCommandId();
            }}
          />
          <Typography.Text>{t("customers.query.shareSwitch")}</Typography.Text>
        </Space>
        <Button icon={<SaveOutlined />} data-testid="query-save" disabled={!name.trim()} loading={save.loading} onClick={() => void saveQuery()}>
          {selected?.mine && selected.name === name.trim() ? t("customers.query.save") : t("customers.query.saveAs")}
        </Button>
      </Space>
      {saveError ? <Alert type="error" showIcon title={errorText(saveError)} /> : null}
    </Space>
  );
}
