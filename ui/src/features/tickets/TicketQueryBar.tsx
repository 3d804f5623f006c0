/**
 * The query bar above the ticket list: status, type, text and "started by me" (applied at
 * once, as before), whose turn an open step is ("waiting on"), when steps are due, conditions
 * on form values (applied with Search), the order; and saved queries: pick your own or a shared
 * one, save the filter under a new name (shared or not), save over or delete your own, and copy
 * a link (`?query=<id>`) that opens the list with it.
 */
import { CopyOutlined, FilterOutlined, PlusOutlined, SaveOutlined } from "@ant-design/icons";
import { Alert, App, Button, Checkbox, Input, InputNumber, Select, Space, Typography } from "antd";
import { type ComponentProps, useEffect, useMemo, useRef, useState } from "react";
import { GraphqlError } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { type MessageKey, useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import { unitPathLabel, useOrgUnits } from "../admin/shared/orgUnits";
import { roleLabel, useRoles } from "../admin/shared/roles";
import { ConditionRows, hasOperands, NEW_CONDITION, SavedQueryPicker } from "../customers/QueryParts";
import { conditionInput } from "../customers/fields";
import { STATUS_KEYS } from "./labels";
import {
  type ConditionOp,
  DELETE_TICKET_QUERY_MUTATION,
  type DeleteTicketQueryVariables,
  type QueryCondition,
  SAVE_TICKET_QUERY_MUTATION,
  type SaveTicketQueryData,
  type SaveTicketQueryVariables,
  SAVED_TICKET_QUERIES_QUERY,
  type SavedTicketQueriesData,
  type SavedTicketQuery,
  TICKET_USER_NAMES_QUERY,
  type TicketDueKind,
  type TicketFilter,
  type TicketSortField,
  type TicketStatus,
  type TicketType,
  type TicketUserNamesData,
  type TicketWaitingOnKind,
} from "./tickets.graphql";
import { formFields } from "./workflow";

/** The filter of the list, every part named (null: not filtered by it); never a conversation. */
export type TicketQueryFilter = Required<Omit<TicketFilter, "conversationId">>;

/** What the list shows: the filter and the saved query it came from. */
export interface TicketQuery {
  queryId: string | null;
  filter: TicketQueryFilter;
}

export const DEFAULT_TICKET_FILTER: TicketQueryFilter = {
  status: "OPEN",
  typeId: null,
  text: null,
  startedByMe: null,
  waitingOn: null,
  due: null,
  conditions: [],
  sort: null,
  sortDescending: false,
};

export const DEFAULT_TICKET_QUERY: TicketQuery = { queryId: null, filter: DEFAULT_TICKET_FILTER };

export const MAX_CONDITIONS = 20;
const NAME_MAX = 80;
const HOURS_MAX = 8784;
const DEFAULT_HOURS = 24;

const STATUSES: readonly TicketStatus[] = ["OPEN", "FINISHED", "CANCELLED"];
const ALL_OPERATORS: readonly ConditionOp[] = ["EQUALS", "CONTAINS", "STARTS_WITH", "GREATER_THAN", "LESS_THAN", "BETWEEN", "IS_EMPTY", "NOT_EMPTY"];
const WAITING_KINDS: readonly TicketWaitingOnKind[] = ["ME", "USER", "ROLE", "UNIT", "EXTERNAL"];
const WAITING_KEYS: Record<TicketWaitingOnKind, MessageKey> = {
  ME: "tickets.query.waiting.me",
  USER: "tickets.query.waiting.user",
  ROLE: "tickets.query.waiting.role",
  UNIT: "tickets.query.waiting.unit",
  EXTERNAL: "tickets.query.waiting.external",
};
const DUE_KEYS: Record<TicketDueKind, MessageKey> = { OVERDUE: "tickets.query.due.overdue", WITHIN: "tickets.query.due.within" };
const SORT_FIELDS: readonly TicketSortField[] = ["UPDATED", "CREATED", "DUE", "NUMBER"];
const SORT_KEYS: Record<TicketSortField, MessageKey> = {
  UPDATED: "tickets.query.sort.updated",
  CREATED: "tickets.query.sort.created",
  DUE: "tickets.query.sort.due",
  NUMBER: "tickets.query.sort.number",
};

/** The kinds of "waiting on" that name someone. */
function namesSomeone(kind: TicketWaitingOnKind | null | undefined): kind is "USER" | "ROLE" | "UNIT" {
  return kind === "USER" || kind === "ROLE" || kind === "UNIT";
}

/** A condition on a form value is complete with a key and the values its operator takes. */
export function isCompleteTicketCondition(condition: QueryCondition): boolean {
  return condition.field.trim() !== "" && hasOperands(condition);
}

/** A saved query's filter as the list asks for it. */
export function savedFilter(query: SavedTicketQuery): TicketQueryFilter {
  const { filter } = query;
  return {
    status: filter.status ?? null,
    typeId: filter.typeId ?? null,
    text: filter.text ?? null,
    startedByMe: filter.startedByMe || null,
    waitingOn: filter.waitingOn ? { kind: filter.waitingOn.kind, id: filter.waitingOn.id ?? null } : null,
    due: filter.due ? { kind: filter.due.kind, hours: filter.due.hours ?? null } : null,
    conditions: filter.conditions.map(conditionInput),
    sort: filter.sort ?? null,
    sortDescending: filter.sortDescending,
  };
}

interface Props {
  /** The ticket types, for the type filter and the form fields of the chosen type. */
  types: readonly TicketType[];
  typesLoading?: boolean;
  /** The query the list shows now. */
  applied: TicketQuery;
  onApply: (query: TicketQuery) => void;
  /** A saved query to apply as soon as the saved queries are loaded (`?query=<id>`); when it
   * is not found, the default filter is applied and the bar says so. */
  openQueryId?: string | null;
}

export function TicketQueryBar({ types, typesLoading, applied, onApply, openQueryId }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const saved = useQuery<SavedTicketQueriesData>(SAVED_TICKET_QUERIES_QUERY);
  const save = useMutation<SaveTicketQueryData, SaveTicketQueryVariables>(SAVE_TICKET_QUERY_MUTATION);
  const remove = useMutation<unknown, DeleteTicketQueryVariables>(DELETE_TICKET_QUERY_MUTATION);
  const [commandId, renewCommandId] = useCommandId();
  const { filter } = applied;
  const [draft, setDraft] = useState<QueryCondition[]>(filter.conditions ?? []);
  const [text, setText] = useState(filter.text ?? "");
  // "A user…", "a role…" or "a unit…" chosen, before whom.
  const [pendingKind, setPendingKind] = useState<TicketWaitingOnKind | null>(null);
  const [hours, setHours] = useState<number | null>(filter.due?.hours ?? DEFAULT_HOURS);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [showIncomplete, setShowIncomplete] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();
  const [openError, setOpenError] = useState<unknown>();

  const queries = useMemo(() => saved.data?.savedTicketQueries ?? [], [saved.data]);
  const selected = queries.find((query) => query.id === applied.queryId) ?? null;
  const type = types.find((candidate) => candidate.id === filter.typeId);
  // The chosen type's published form names the fields; without one any key may be typed.
  const fields = useMemo(() => (type?.publishedForm ? formFields(type.publishedForm) : []), [type]);
  const fieldOptions = fields.length > 0 ? fields.map((field) => ({ value: field.key, label: field.label })) : null;
  const waitingKind = pendingKind ?? filter.waitingOn?.kind ?? null;

  const change = (patch: Partial<TicketQueryFilter>) => onApply({ ...applied, filter: { ...filter, ...patch } });

  const choose = (query: SavedTicketQuery | null) => {
    const next = query ? savedFilter(query) : DEFAULT_TICKET_FILTER;
    setDraft(next.conditions ?? []);
    setText(next.text ?? "");
    setPendingKind(null);
    setHours(next.due?.hours ?? DEFAULT_HOURS);
    setName(query?.mine ? query.name : "");
    setShared(query?.shared ?? false);
    setShowIncomplete(false);
    setSaveError(undefined);
    renewCommandId();
    onApply({ queryId: query?.id ?? null, filter: next });
  };

  // `?query=<id>`: applied once the saved queries are known.
  const opened = useRef(false);
  useEffect(() => {
    if (!openQueryId || opened.current || saved.loading) return;
    if (!saved.data && !saved.error) return;
    opened.current = true;
    const query = saved.data?.savedTicketQueries.find((candidate) => candidate.id === openQueryId) ?? null;
    if (!query && saved.data) setOpenError(new GraphqlError("ticket_queries.not_found", "No such saved ticket query."));
    choose(query);
    // `choose` changes with every render; this runs once, when the list arrives.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [openQueryId, saved.data, saved.error, saved.loading]);

  const changeDraft = (next: QueryCondition[]) => {
    setDraft(next);
    setShowIncomplete(false);
    renewCommandId();
  };

  const complete = (): QueryCondition[] | null => {
    if (!draft.every(isCompleteTicketCondition)) {
      setShowIncomplete(true);
      return null;
    }
    return draft.map((condition) => conditionInput({ ...condition, field: condition.field.trim() }));
  };

  const apply = () => {
    const conditions = complete();
    if (conditions) change({ conditions });
  };

  const chooseWaiting = (kind: TicketWaitingOnKind | undefined) => {
    if (namesSomeone(kind)) {
      setPendingKind(kind);
      if (filter.waitingOn?.kind !== kind) change({ waitingOn: null });
      return;
    }
    setPendingKind(null);
    change({ waitingOn: kind ? { kind, id: null } : null });
  };

  const chooseDue = (kind: TicketDueKind | undefined) => {
    if (kind === "WITHIN") change({ due: { kind, hours: hours ?? DEFAULT_HOURS } });
    else change({ due: kind ? { kind, hours: null } : null });
  };

  const saveQuery = async (replacing: SavedTicketQuery | null) => {
    const conditions = complete();
    const trimmed = name.trim();
    if (!conditions || !trimmed) return;
    setSaveError(undefined);
    const next = { ...filter, conditions };
    try {
      const result = await save.mutate({
        commandId,
        input: { ...(replacing ? { id: replacing.id } : {}), name: trimmed, shared, filter: next },
      });
      renewCommandId();
      await saved.refetch();
      void message.success(t("tickets.query.saved", { name: trimmed }));
      onApply({ queryId: result.saveTicketQuery.id, filter: next });
    } catch (caught) {
      setSaveError(caught);
    }
  };

  const deleteQuery = async (query: SavedTicketQuery) => {
    try {
      await remove.mutate({ commandId, id: query.id });
      renewCommandId();
      await saved.refetch();
      void message.success(t("tickets.query.deleted", { name: query.name }));
      choose(null);
    } catch (caught) {
      void message.error(errorText(caught));
    }
  };

  const copyLink = async (query: SavedTicketQuery) => {
    const url = new URL(window.location.href);
    url.searchParams.delete("open");
    url.searchParams.set("query", query.id);
    window.history.replaceState(window.history.state, "", url.toString());
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(url.toString());
      void message.success(t("tickets.query.linkCopied", { name: query.name }));
    } catch {
      void message.info(t("tickets.query.linkInAddress"));
    }
  };

  return (
    <Space orientation="vertical" size="small" style={{ width: "100%", marginBottom: 16 }} data-testid="ticket-query-bar">
      <SavedQueryPicker
        queries={queries}
        loading={saved.loading}
        selectedId={applied.queryId}
        onChoose={choose}
        onDelete={deleteQuery}
        deleting={remove.loading}
        textPrefix="tickets.query"
        placeholder={t("tickets.query.choose")}
        actions={(query) => (
          <Button icon={<CopyOutlined />} data-testid="query-copy-link" onClick={() => void copyLink(query)}>
            {t("tickets.query.copyLink")}
          </Button>
        )}
      />
      {saved.error ? <Alert type="warning" showIcon title={errorText(saved.error)} /> : null}
      {openError ? <Alert type="warning" showIcon closable title={errorText(openError)} onClose={() => setOpenError(undefined)} /> : null}
      <Space wrap>
        <Select<TicketStatus>
          allowClear
          data-testid="ticket-filter-status"
          style={{ minWidth: 140 }}
          placeholder={t("tickets.anyStatus")}
          value={filter.status ?? undefined}
          options={STATUSES.map((value) => ({ value, label: t(STATUS_KEYS[value]) }))}
          onChange={(value) => change({ status: value ?? null })}
        />
        <Select<string>
          allowClear
          data-testid="ticket-filter-type"
          style={{ minWidth: 180 }}
          placeholder={t("tickets.anyType")}
          loading={typesLoading}
          value={filter.typeId ?? undefined}
          options={types.map((candidate) => ({ value: candidate.id, label: candidate.name }))}
          onChange={(value) => change({ typeId: value ?? null })}
        />
        <Input.Search
          allowClear
          data-testid="ticket-filter-text"
          placeholder={t("tickets.searchPlaceholder")}
          style={{ width: 240 }}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onSearch={(value) => change({ text: value.trim() || null })}
        />
        <Checkbox data-testid="ticket-filter-mine" checked={Boolean(filter.startedByMe)} onChange={(event) => change({ startedByMe: event.target.checked || null })}>
          {t("tickets.startedByMe")}
        </Checkbox>
      </Space>
      <Space wrap>
        <Select<TicketWaitingOnKind>
          allowClear
          data-testid="ticket-filter-waiting"
          aria-label={t("tickets.query.waitingOn")}
          style={{ minWidth: 200 }}
          placeholder={t("tickets.query.waitingOnAnyone")}
          value={waitingKind ?? undefined}
          options={WAITING_KINDS.map((kind) => ({ value: kind, label: t(WAITING_KEYS[kind]) }))}
          onChange={(kind) => chooseWaiting(kind ?? undefined)}
        />
        {namesSomeone(waitingKind) ? (
          <WaitingOnPicker
            kind={waitingKind}
            value={filter.waitingOn?.kind === waitingKind ? (filter.waitingOn.id ?? null) : null}
            onChange={(id) => {
              setPendingKind(null);
              change({ waitingOn: { kind: waitingKind, id } });
            }}
          />
        ) : null}
        <Select<TicketDueKind>
          allowClear
          data-testid="ticket-filter-due"
          aria-label={t("tickets.query.due")}
          style={{ minWidth: 160 }}
          placeholder={t("tickets.query.due.any")}
          value={filter.due?.kind}
          options={(["OVERDUE", "WITHIN"] as const).map((kind) => ({ value: kind, label: t(DUE_KEYS[kind]) }))}
          onChange={(kind) => chooseDue(kind ?? undefined)}
        />
        {filter.due?.kind === "WITHIN" ? (
          <InputNumber<number>
            data-testid="ticket-filter-due-hours"
            aria-label={t("tickets.query.due.hours")}
            min={1}
            max={HOURS_MAX}
            precision={0}
            value={hours}
            suffix={t("tickets.query.due.hours")}
            style={{ width: 140 }}
            onChange={(value) => {
              setHours(value);
              if (value !== null && Number.isInteger(value) && value >= 1 && value <= HOURS_MAX) change({ due: { kind: "WITHIN", hours: value } });
            }}
          />
        ) : null}
        <Select<TicketSortField>
          allowClear
          data-testid="ticket-sort"
          aria-label={t("tickets.query.sortBy")}
          style={{ minWidth: 180 }}
          placeholder={t("tickets.query.sort.default")}
          value={filter.sort ?? undefined}
          options={SORT_FIELDS.map((field) => ({ value: field, label: t(SORT_KEYS[field]) }))}
          onChange={(sort) => change(sort ? { sort } : { sort: null, sortDescending: false })}
        />
        <Select<"asc" | "desc">
          data-testid="ticket-sort-direction"
          aria-label={t("tickets.query.direction")}
          style={{ minWidth: 120 }}
          disabled={!filter.sort}
          value={filter.sortDescending ? "desc" : "asc"}
          options={[
            { value: "asc", label: t("tickets.query.ascending") },
            { value: "desc", label: t("tickets.query.descending") },
          ]}
          onChange={(direction) => change({ sortDescending: direction === "desc" })}
        />
      </Space>
      <ConditionRows
        conditions={draft}
        onChange={changeDraft}
        fieldOptions={fieldOptions}
        operatorsOf={(key) => (key.trim() ? ALL_OPERATORS : [])}
        isComplete={isCompleteTicketCondition}
        showIncomplete={showIncomplete}
      />
      {showIncomplete ? <Typography.Text type="danger">{t("tickets.query.incomplete")}</Typography.Text> : null}
      {draft.length > 0 && !fieldOptions ? <Typography.Text type="secondary">{t("tickets.query.fieldKeyHint")}</Typography.Text> : null}
      <Space wrap>
        <Button
          icon={<PlusOutlined />}
          data-testid="query-condition-add"
          disabled={draft.length >= MAX_CONDITIONS}
          title={draft.length >= MAX_CONDITIONS ? t("tickets.query.maxConditions", { max: MAX_CONDITIONS }) : undefined}
          onClick={() => changeDraft([...draft, NEW_CONDITION])}
        >
          {t("tickets.query.addCondition")}
        </Button>
        <Button type="primary" icon={<FilterOutlined />} data-testid="query-apply" onClick={apply}>
          {t("tickets.query.apply")}
        </Button>
        <Input
          style={{ width: 200 }}
          data-testid="query-name"
          aria-label={t("tickets.query.name")}
          placeholder={t("tickets.query.name")}
          maxLength={NAME_MAX}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            renewCommandId();
          }}
        />
        <Checkbox
          data-testid="query-shared"
          checked={shared}
          onChange={(event) => {
            setShared(event.target.checked);
            renewCommandId();
          }}
        >
          {t("tickets.query.shareCheckbox")}
        </Checkbox>
        {selected?.mine ? (
          <Button icon={<SaveOutlined />} data-testid="query-save" disabled={!name.trim()} loading={save.loading} onClick={() => void saveQuery(selected)}>
            {t("tickets.query.save")}
          </Button>
        ) : null}
        <Button icon={<SaveOutlined />} data-testid="query-save-as" disabled={!name.trim()} loading={save.loading} onClick={() => void saveQuery(null)}>
          {t("tickets.query.saveAs")}
        </Button>
      </Space>
      {saveError ? <Alert type="error" showIcon title={errorText(saveError)} data-testid="query-save-error" /> : null}
    </Space>
  );
}

/** Whom a step waits on: a user, a role or a unit of the tenant (loaded when asked for). */
function WaitingOnPicker({ kind, value, onChange }: { kind: "USER" | "ROLE" | "UNIT"; value: string | null; onChange: (id: string) => void }) {
  const t = useT();
  const props = {
    showSearch: { optionFilterProp: "label" },
    "data-testid": "ticket-filter-waiting-id",
    style: { minWidth: 220 },
    value: value ?? undefined,
    onChange,
  };
  if (kind === "USER") return <UserPicker {...props} placeholder={t("tickets.query.waiting.pickUser")} />;
  if (kind === "ROLE") return <RolePicker {...props} placeholder={t("tickets.query.waiting.pickRole")} />;
  return <UnitPicker {...props} placeholder={t("tickets.query.waiting.pickUnit")} />;
}

type PickerProps = Omit<ComponentProps<typeof Select<string>>, "options" | "loading">;

function UserPicker(props: PickerProps) {
  const users = useQuery<TicketUserNamesData>(TICKET_USER_NAMES_QUERY);
  const options = (users.data?.users ?? []).map((user) => ({ value: user.id, label: `${user.displayName} (${user.username})` }));
  return <Select<string> {...props} aria-label={String(props.placeholder)} loading={users.loading} options={options} />;
}

function RolePicker(props: PickerProps) {
  const t = useT();
  const roles = useRoles();
  const options = roles.roles.map((role) => ({ value: role.id, label: roleLabel(role, t) }));
  return <Select<string> {...props} aria-label={String(props.placeholder)} loading={roles.loading} options={options} />;
}

function UnitPicker(props: PickerProps) {
  const units = useOrgUnits();
  const options = units.units.map((unit) => ({ value: unit.id, label: unitPathLabel(unit, units.byId) }));
  return <Select<string> {...props} aria-label={String(props.placeholder)} loading={units.loading} options={options} />;
}
