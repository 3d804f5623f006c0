/**
 * Parts of a query bar shared by the customers' and the tickets' bars: the saved-query picker
 * (your own and shared queries, shared ones marked, delete for your own) and the condition
 * rows (per row a field, picked from a list or typed as a key when no list is known, an
 * operator the field takes, its values, and a remove button; incomplete rows outlined).
 */
import { DeleteOutlined, FilterOutlined, MinusCircleOutlined } from "@ant-design/icons";
import { AutoComplete, Button, Popconfirm, Select, Space, Tag, theme, Typography } from "antd";
import type { ReactNode } from "react";
import { useT } from "../../i18n";
import { ConditionValueInput } from "./ConditionValueInput";
import type { ConditionOp, CustomerFieldType, QueryCondition } from "./customers.graphql";
import { operandCount, OPERATOR_KEYS } from "./fields";

export interface ConditionFieldOption {
  value: string;
  label: string;
}

/** What the picker needs of a saved query. */
export interface SavedQueryEntry {
  id: string;
  name: string;
  shared: boolean;
  /** The caller's own: only those may be deleted. */
  mine: boolean;
}

/**
 * The feature whose texts the picker shows: `<feature>.choose`, `.mine`, `.shared`,
 * `.sharedTag`, `.sharedHint`, `.delete` and `.deleteConfirm` (with `{name}`).
 */
export type SavedQueryTextPrefix = "customers.query" | "tickets.query";

interface SavedQueryPickerProps<Q extends SavedQueryEntry> {
  queries: readonly Q[];
  loading: boolean;
  selectedId: string | null;
  onChoose: (query: Q | null) => void;
  onDelete: (query: Q) => Promise<void>;
  deleting: boolean;
  textPrefix: SavedQueryTextPrefix;
  /** Shown while no query is chosen. */
  placeholder: string;
  /** Shown after the select while a query is chosen (e.g. "Copy link"). */
  actions?: (query: Q) => ReactNode;
}

export function SavedQueryPicker<Q extends SavedQueryEntry>({ queries, loading, selectedId, onChoose, onDelete, deleting, textPrefix: prefix, placeholder, actions }: SavedQueryPickerProps<Q>) {
  const t = useT();
  const texts = {
    choose: t(`${prefix}.choose`),
    mine: t(`${prefix}.mine`),
    shared: t(`${prefix}.shared`),
    sharedTag: t(`${prefix}.sharedTag`),
    sharedHint: t(`${prefix}.sharedHint`),
    delete: t(`${prefix}.delete`),
    deleteConfirm: (name: string) => t(`${prefix}.deleteConfirm`, { name }),
  };
  const selected = queries.find((query) => query.id === selectedId) ?? null;
  const group = (label: string, members: readonly Q[]) =>
    members.length > 0 ? [{ label, options: members.map((query) => ({ value: query.id, label: query.name })) }] : [];
  const options = [...group(texts.mine, queries.filter((query) => query.mine)), ...group(texts.shared, queries.filter((query) => !query.mine))];
  return (
    <Space wrap>
      <FilterOutlined />
      <Select
        style={{ minWidth: 240 }}
        data-testid="query-select"
        aria-label={texts.choose}
        placeholder={placeholder}
        allowClear
        loading={loading}
        value={selectedId ?? undefined}
        options={options}
        optionRender={(option) => {
          const query = queries.find((candidate) => candidate.id === option.value);
          return (
            <Space size={4}>
              <span>{option.label}</span>
              {query?.shared ? <Tag>{texts.sharedTag}</Tag> : null}
            </Space>
          );
        }}
        onChange={(id: string | undefined) => onChoose(queries.find((query) => query.id === id) ?? null)}
      />
      {selected && actions ? actions(selected) : null}
      {selected?.mine ? (
        <Popconfirm
          title={texts.deleteConfirm(selected.name)}
          okText={texts.delete}
          cancelText={t("common.cancel")}
          okButtonProps={{ danger: true, "data-testid": "query-delete-confirm" }}
          onConfirm={() => onDelete(selected)}
        >
          <Button icon={<DeleteOutlined />} data-testid="query-delete" loading={deleting}>
            {texts.delete}
          </Button>
        </Popconfirm>
      ) : null}
      {selected && !selected.mine ? <Typography.Text type="secondary">{texts.sharedHint}</Typography.Text> : null}
    </Space>
  );
}

interface Props {
  conditions: readonly QueryCondition[];
  onChange: (next: QueryCondition[]) => void;
  /** The fields to pick from; null: any key may be typed (offered `suggestions`, if any). */
  fieldOptions: readonly ConditionFieldOption[] | null;
  /** The operators a field takes; none: the operator cannot be chosen yet. */
  operatorsOf: (field: string) => readonly ConditionOp[];
  /** A field's type, for its value inputs (dates, genders, ...); undefined: plain text. */
  fieldTypeOf?: (field: string) => CustomerFieldType | undefined;
  isComplete: (condition: QueryCondition) => boolean;
  showIncomplete: boolean;
}

/** A new, empty condition row. */
export const NEW_CONDITION: QueryCondition = { field: "", op: "EQUALS", value: null, valueTo: null };

/** A condition has the values its operator takes. */
export function hasOperands(condition: QueryCondition): boolean {
  const count = operandCount(condition.op);
  if (count >= 1 && !condition.value?.trim()) return false;
  return count < 2 || Boolean(condition.valueTo?.trim());
}

export function ConditionRows({ conditions, onChange, fieldOptions, operatorsOf, fieldTypeOf, isComplete, showIncomplete }: Props) {
  const t = useT();
  const { token } = theme.useToken();

  const setCondition = (index: number, change: Partial<QueryCondition>) =>
    onChange(conditions.map((condition, at) => (at === index ? { ...condition, ...change } : condition)));

  const changeField = (index: number, key: string) => {
    // A key being typed keeps what the row has; a field picked from the list starts afresh.
    if (!fieldOptions) {
      setCondition(index, { field: key });
      return;
    }
    const current = conditions[index]!;
    const allowed = operatorsOf(key);
    const op: ConditionOp = allowed.includes(current.op) ? current.op : (allowed[0] ?? "EQUALS");
    setCondition(index, { field: key, op, value: null, valueTo: null });
  };

  return (
    <>
      {conditions.map((condition, index) => {
        const operators = condition.field ? operatorsOf(condition.field) : [];
        const known = operators.length > 0;
        const fieldType = fieldTypeOf?.(condition.field);
        const count = operandCount(condition.op);
        const incomplete = showIncomplete && !isComplete(condition);
        return (
          <Space
            key={index}
            wrap
            data-testid="query-condition"
            style={incomplete ? { outline: `1px solid ${token.colorError}`, borderRadius: token.borderRadius, padding: 2 } : undefined}
          >
            {fieldOptions ? (
              <Select
                style={{ width: 180 }}
                data-testid="query-field"
                aria-label={t("customers.query.field")}
                placeholder={t("customers.query.field")}
                value={condition.field || undefined}
                showSearch={{ optionFilterProp: "label" }}
                options={[...fieldOptions]}
                onChange={(key: string) => changeField(index, key)}
              />
            ) : (
              <AutoComplete
                style={{ width: 180 }}
                data-testid="query-field"
                aria-label={t("customers.query.field")}
                placeholder={t("customers.query.fieldKey")}
                value={condition.field}
                onChange={(key: string) => changeField(index, key.trim())}
              />
            )}
            <Select
              style={{ width: 150 }}
              data-testid="query-op"
              aria-label={t("customers.query.operator")}
              disabled={!known}
              value={known ? condition.op : undefined}
              options={operators.map((op) => ({ value: op, label: t(OPERATOR_KEYS[op]) }))}
              onChange={(op: ConditionOp) =>
                setCondition(index, { op, value: operandCount(op) > 0 ? condition.value : null, valueTo: operandCount(op) > 1 ? condition.valueTo : null })
              }
            />
            {count >= 1 ? (
              <ConditionValueInput
                fieldType={fieldType}
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
                  fieldType={fieldType}
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
              onClick={() => onChange(conditions.filter((_, at) => at !== index))}
            />
          </Space>
        );
      })}
    </>
  );
}
