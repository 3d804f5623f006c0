/**
 * The saved-query bar above the customers table: pick one of your saved queries or a shared
 * one, change its conditions in a small builder (field, an operator the field's type takes,
 * its values), apply them, save them under a name (shared or not), or delete your own.
 */
import { FilterOutlined, PlusOutlined, SaveOutlined } from "@ant-design/icons";
import { Alert, App, Button, Input, Space, Switch, Typography } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import { ConditionRows, NEW_CONDITION, SavedQueryPicker } from "./QueryParts";
import {
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
import { conditionInput, enabledFields, isCompleteCondition, OPERATORS_BY_TYPE } from "./fields";

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

  const fieldOptions = useMemo(() => queryable.map((candidate) => ({ value: candidate.key, label: candidate.label })), [queryable]);
  const operatorsOf = (key: string) => {
    const field = fieldOf(key);
    return field ? OPERATORS_BY_TYPE[field.fieldType] : [];
  };

  return (
    <Space orientation="vertical" size="small" style={{ width: "100%" }} data-testid="query-bar">
      <SavedQueryPicker
        queries={queries}
        loading={saved.loading}
        selectedId={applied.queryId}
        onChoose={choose}
        onDelete={deleteQuery}
        deleting={remove.loading}
        textPrefix="customers.query"
        placeholder={t("customers.query.all")}
      />
      {saved.error ? <Alert type="warning" showIcon title={errorText(saved.error)} /> : null}
      <ConditionRows
        conditions={draft}
        onChange={changeDraft}
        fieldOptions={fieldOptions}
        operatorsOf={operatorsOf}
        fieldTypeOf={(key) => fieldOf(key)?.fieldType}
        isComplete={(condition) => isCompleteCondition(condition, fields)}
        showIncomplete={showIncomplete}
      />
      {showIncomplete ? <Typography.Text type="danger">{t("customers.query.incomplete")}</Typography.Text> : null}
      <Space wrap>
        <Button
          icon={<PlusOutlined />}
          data-testid="query-condition-add"
          onClick={() => changeDraft([...draft, NEW_CONDITION])}
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
