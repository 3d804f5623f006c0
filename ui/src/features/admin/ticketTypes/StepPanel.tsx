/**
 * Our own property panel beside the workflow canvas (no bpmn-js-properties-panel): for a
 * user task its name, assignee (a user, role, unit, the user in a form field, or an outside
 * collaborator mailed a link: a fixed address or the one in a form field), each form field's
 * access, its due time, how long before that a reminder goes out and who else hears when it
 * is overdue, and for an outside collaborator how long the mailed link stays valid; for a
 * flow out of an exclusive gateway its condition and whether it is the default; for a service
 * task its URL. It only describes the selection and reports patches;
 * WorkflowDesigner applies them with `modeling.updateProperties`.
 */
import { Alert, Empty, Form, Input, InputNumber, Select, Space, Switch, Table, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useQuery } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { ACCESS_KEYS } from "../../tickets/labels";
import { TICKET_USER_NAMES_QUERY, type TicketFieldAccess, type TicketUserNamesData } from "../../tickets/tickets.graphql";
import {
  ACCESS_LEVELS,
  durationSeconds,
  type FormField,
  formatDaysHours,
  formatDuration,
  formatFieldsAttribute,
  LINK_LIFETIME_SECONDS,
  parseDaysHours,
  parseDuration,
  parseFieldsAttribute,
} from "../../tickets/workflow";
import { useOrgUnits, unitPathLabel } from "../shared/orgUnits";
import { roleLabel, useRoles } from "../shared/roles";

export type Selected =
  | { kind: "userTask"; id: string; name: string; assignee: string; fields: string; due: string; remind: string; escalate: string; linkLifetime: string }
  | { kind: "serviceTask"; id: string; name: string; url: string }
  | { kind: "flow"; id: string; name: string; condition: string; isDefault: boolean; fromExclusive: boolean }
  | { kind: "other"; id: string; name: string; type: string };

export interface StepPatch {
  name?: string;
  assignee?: string;
  fields?: string;
  due?: string;
  remind?: string;
  escalate?: string;
  linkLifetime?: string;
  url?: string;
  condition?: string;
  isDefault?: boolean;
}

interface Props {
  selected: Selected | null;
  formFields: readonly FormField[];
  onChange: (patch: StepPatch) => void;
  disabled?: boolean;
}

/** A text input that reports on blur or Enter, not on every key (each report is an undoable command). */
function CommitInput({ value, onCommit, testId, textArea, placeholder, disabled }: { value: string; onCommit: (value: string) => void; testId: string; textArea?: boolean; placeholder?: string; disabled?: boolean }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  return textArea ? (
    <Input.TextArea data-testid={testId} value={draft} placeholder={placeholder} disabled={disabled} autoSize={{ minRows: 2, maxRows: 6 }} onChange={(event) => setDraft(event.target.value)} onBlur={commit} />
  ) : (
    <Input data-testid={testId} value={draft} placeholder={placeholder} disabled={disabled} onChange={(event) => setDraft(event.target.value)} onBlur={commit} onPressEnter={commit} />
  );
}

export function StepPanel({ selected, formFields, onChange, disabled }: Props) {
  const t = useT();
  if (!selected) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("ticketTypes.selectElement")} />;
  return (
    <Form layout="vertical" size="small" data-testid="ticket-step-panel" data-element-id={selected.id} disabled={disabled}>
      <Form.Item label={t("ticketTypes.elementName")}>
        <CommitInput testId="ticket-step-name" value={selected.name} disabled={disabled} onCommit={(name) => onChange({ name })} />
      </Form.Item>
      {selected.kind === "userTask" ? <UserTaskProperties selected={selected} formFields={formFields} onChange={onChange} disabled={disabled} /> : null}
      {selected.kind === "serviceTask" ? (
        <Form.Item label={t("ticketTypes.serviceUrl")} extra={t("ticketTypes.serviceUrlHint")}>
          <CommitInput testId="ticket-step-url" value={selected.url} placeholder="https://" disabled={disabled} onCommit={(url) => onChange({ url })} />
        </Form.Item>
      ) : null}
      {selected.kind === "flow" ? (
        selected.fromExclusive ? (
          <>
            <Form.Item label={t("ticketTypes.defaultFlow")}>
              <Switch data-testid="ticket-flow-default" checked={selected.isDefault} onChange={(isDefault) => onChange({ isDefault })} />
            </Form.Item>
            <Form.Item label={t("ticketTypes.condition")} extra={t("ticketTypes.conditionHint")}>
              <CommitInput testId="ticket-flow-condition" textArea value={selected.condition} placeholder={'${amount > 1000 && category == "refund"}'} disabled={disabled || selected.isDefault} onCommit={(condition) => onChange({ condition })} />
            </Form.Item>
          </>
        ) : (
          <Typography.Text type="secondary">{t("ticketTypes.flowNoCondition")}</Typography.Text>
        )
      ) : null}
      {selected.kind === "other" ? <Typography.Text type="secondary">{selected.type.replace(/^bpmn:/, "")}</Typography.Text> : null}
    </Form>
  );
}

type SelectOptions = ({ value: string; label: string } | { label: string; options: { value: string; label: string }[] })[];

/** The options, with `value` in front when none of them has it (an id this tenant no longer has,
 * or a hand-written attribute), so that the select shows what the XML says. */
function optionsShowing(options: SelectOptions, value: string): SelectOptions {
  const known = options.some((option) => ("options" in option ? option.options.some((inner) => inner.value === value) : option.value === value));
  return known || !value ? options : [{ value, label: value }, ...options];
}

/** The assignee select's value for "An e-mail address…": any `external:<address>` shows as it. */
const EXTERNAL_ADDRESS = "external:";

/** An assignee that is an outside collaborator as the attribute says (not one being typed). */
const isExternalAssignee = (assignee: string) => assignee.startsWith(EXTERNAL_ADDRESS) || assignee.startsWith("external-field:");

/** Roughly an e-mail address (the server checks it properly). */
const LOOKS_LIKE_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function UserTaskProperties({ selected, formFields, onChange, disabled }: { selected: Extract<Selected, { kind: "userTask" }>; formFields: readonly FormField[]; onChange: (patch: StepPatch) => void; disabled?: boolean }) {
  const t = useT();
  const roles = useRoles();
  const units = useOrgUnits();
  const users = useQuery<TicketUserNamesData>(TICKET_USER_NAMES_QUERY);
  const access = useMemo(() => parseFieldsAttribute(selected.fields), [selected.fields]);
  const keys = formFields.map((field) => field.key);
  const due = parseDuration(selected.due);
  const badDue = selected.due !== "" && due === null;
  const remind = parseDuration(selected.remind);
  const badRemind = selected.remind !== "" && remind === null;
  const noDue = selected.due === "";

  // Roles, units and users: whom a step goes to, and whom an overdue step is escalated to.
  const candidateOptions: SelectOptions = [
    {
      label: t("ticketTypes.assignee.roles"),
      options: roles.roles.map((role) => ({ value: `role:${role.id}`, label: roleLabel(role, t) })),
    },
    {
      label: t("ticketTypes.assignee.units"),
      options: units.units.map((unit) => ({ value: `unit:${unit.id}`, label: unitPathLabel(unit, units.byId) })),
    },
    {
      label: t("ticketTypes.assignee.users"),
      options: (users.data?.users ?? []).map((user) => ({ value: `user:${user.id}`, label: `${user.displayName} (${user.username})` })),
    },
  ];
  const assigneeOptions: SelectOptions = [
    { value: "starter", label: t("ticketTypes.assignee.starter") },
    ...candidateOptions,
    {
      label: t("ticketTypes.assignee.fields"),
      options: formFields.map((field) => ({ value: `field:${field.key}`, label: `${field.label} (${field.key})` })),
    },
    // Not offered for escalation: an outside person is mailed a link to the step, not told it is overdue.
    {
      label: t("ticketTypes.assignee.external"),
      options: [
        { value: EXTERNAL_ADDRESS, label: t("ticketTypes.assignee.externalAddress") },
        ...formFields.map((field) => ({ value: `external-field:${field.key}`, label: t("ticketTypes.assignee.externalField", { field: `${field.label} (${field.key})` }) })),
      ],
    },
  ];
  // "An e-mail address…": chosen for this element (nothing is written until an address is
  // entered), or the attribute already names one.
  const [addressChosenFor, setAddressChosenFor] = useState<string | null>(null);
  const fixedAddress = selected.assignee.startsWith(EXTERNAL_ADDRESS);
  const addressMode = fixedAddress || addressChosenFor === selected.id;
  const address = fixedAddress ? selected.assignee.slice(EXTERNAL_ADDRESS.length).trim() : "";
  const external = addressMode || selected.assignee.startsWith("external-field:");
  // How long the mailed link stays valid: only for an outside collaborator the attribute names
  // (the server refuses it on any other step), from an hour to 90 days; empty for the default.
  const linkAllowed = isExternalAssignee(selected.assignee);
  const linkSeconds = durationSeconds(selected.linkLifetime);
  const link = parseDaysHours(selected.linkLifetime);
  const linkProblem =
    selected.linkLifetime === ""
      ? undefined
      : linkSeconds === null
        ? t("ticketTypes.linkLifetimeUnreadable", { value: selected.linkLifetime })
        : linkSeconds < LINK_LIFETIME_SECONDS.min || linkSeconds > LINK_LIFETIME_SECONDS.max
          ? t("ticketTypes.linkLifetimeRange")
          : undefined;
  const assigneeProblem = !selected.assignee
    ? addressMode
      ? t("ticketTypes.assignee.externalAddressMissing")
      : t("ticketTypes.assigneeMissing")
    : addressMode && !address
      ? t("ticketTypes.assignee.externalAddressMissing")
      : addressMode && !LOOKS_LIKE_ADDRESS.test(address)
        ? t("ticketTypes.assignee.externalAddressInvalid")
        : undefined;
  const chooseAssignee = (assignee: string) => {
    if (assignee === EXTERNAL_ADDRESS) {
      setAddressChosenFor(selected.id);
      return;
    }
    setAddressChosenFor(null);
    // Only an outside collaborator gets a link: another assignee drops its lifetime.
    onChange(!isExternalAssignee(assignee) && selected.linkLifetime !== "" ? { assignee, linkLifetime: "" } : { assignee });
  };
  const setAddress = (text: string) => {
    const trimmed = text.trim();
    // An empty address would leave the step with no one: keep what the attribute says.
    if (trimmed && trimmed !== address) onChange({ assignee: `${EXTERNAL_ADDRESS}${trimmed}` });
  };

  const setAccess = (key: string, level: TicketFieldAccess) => onChange({ fields: formatFieldsAttribute({ ...access, [key]: level }, keys) });
  const setDue = (hours: number | null, minutes: number | null) => {
    const next = formatDuration(hours, minutes);
    // A reminder counts back from the due time: clearing that clears the reminder (whose inputs are then disabled).
    onChange(next === "" && selected.remind !== "" ? { due: next, remind: "" } : { due: next });
  };
  const setRemind = (hours: number | null, minutes: number | null) => onChange({ remind: formatDuration(hours, minutes) });
  const setLinkLifetime = (days: number | null, hours: number | null) => onChange({ linkLifetime: formatDaysHours(days, hours) });

  return (
    <>
      <Form.Item
        label={t("ticketTypes.assignee")}
        validateStatus={assigneeProblem ? "warning" : undefined}
        help={assigneeProblem}
        extra={external ? t("ticketTypes.assignee.externalHint") : undefined}
      >
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Select
            data-testid="ticket-step-assignee"
            showSearch={{ optionFilterProp: "label" }}
            value={addressMode ? EXTERNAL_ADDRESS : selected.assignee || undefined}
            options={addressMode ? assigneeOptions : optionsShowing(assigneeOptions, selected.assignee)}
            onChange={chooseAssignee}
          />
          {addressMode ? (
            <CommitInput testId="ticket-step-external-address" value={address} placeholder="name@example.com" disabled={disabled} onCommit={setAddress} />
          ) : null}
        </Space>
      </Form.Item>
      {linkAllowed ? (
        <Form.Item label={t("ticketTypes.linkLifetime")} extra={t("ticketTypes.linkLifetimeHint")} validateStatus={linkProblem ? "warning" : undefined} help={linkProblem}>
          <Space>
            <InputNumber<number>
              data-testid="ticket-step-link-days"
              min={0}
              max={90}
              precision={0}
              value={link?.days ?? null}
              suffix={t("ticketTypes.days")}
              onChange={(days) => setLinkLifetime(days, link?.hours ?? 0)}
            />
            <InputNumber<number>
              data-testid="ticket-step-link-hours"
              min={0}
              max={23}
              precision={0}
              value={link?.hours ?? null}
              suffix={t("ticketTypes.hours")}
              onChange={(hours) => setLinkLifetime(link?.days ?? 0, hours)}
            />
          </Space>
        </Form.Item>
      ) : selected.linkLifetime !== "" ? (
        // A hand-written attribute on a step no outside collaborator does: the server refuses it.
        <Form.Item>
          <Alert
            type="warning"
            showIcon
            data-testid="ticket-step-link-not-external"
            title={t("ticketTypes.linkLifetimeNotExternal", { value: selected.linkLifetime })}
            action={
              <Typography.Link data-testid="ticket-step-link-remove" disabled={disabled} onClick={() => onChange({ linkLifetime: "" })}>
                {t("ticketTypes.linkLifetimeRemove")}
              </Typography.Link>
            }
          />
        </Form.Item>
      ) : null}
      <Form.Item label={t("ticketTypes.fieldAccess")} extra={t("ticketTypes.fieldAccessHint")}>
        {formFields.length === 0 ? (
          <Alert type="info" showIcon title={t("ticketTypes.noFormFields")} />
        ) : (
          <Table
            size="small"
            rowKey="key"
            pagination={false}
            dataSource={[...formFields]}
            columns={[
              { title: t("ticketTypes.field"), key: "field", render: (_: unknown, field: FormField) => <span title={field.key}>{field.label}</span> },
              {
                title: t("ticketTypes.access"),
                key: "access",
                width: 150,
                render: (_: unknown, field: FormField) => (
                  <Select<TicketFieldAccess>
                    size="small"
                    style={{ width: "100%" }}
                    data-testid={`ticket-step-field-access-${field.key}`}
                    disabled={disabled}
                    value={access[field.key] ?? "READ_ONLY"}
                    options={ACCESS_LEVELS.map((level) => ({ value: level, label: t(ACCESS_KEYS[level]) }))}
                    onChange={(level) => setAccess(field.key, level)}
                  />
                ),
              },
            ]}
          />
        )}
      </Form.Item>
      <Form.Item label={t("ticketTypes.due")} extra={t("ticketTypes.dueHint")} validateStatus={badDue ? "warning" : undefined} help={badDue ? t("ticketTypes.dueUnreadable", { value: selected.due }) : undefined}>
        <Space>
          <InputNumber<number>
            data-testid="ticket-step-due-hours"
            min={0}
            max={10_000}
            precision={0}
            value={due?.hours ?? null}
            suffix={t("ticketTypes.hours")}
            onChange={(hours) => setDue(hours, due?.minutes ?? 0)}
          />
          <InputNumber<number>
            data-testid="ticket-step-due-minutes"
            min={0}
            max={59}
            precision={0}
            value={due?.minutes ?? null}
            suffix={t("ticketTypes.minutes")}
            onChange={(minutes) => setDue(due?.hours ?? 0, minutes)}
          />
        </Space>
      </Form.Item>
      <Form.Item
        label={t("ticketTypes.remind")}
        extra={noDue ? t("ticketTypes.remindNeedsDue") : t("ticketTypes.remindHint")}
        validateStatus={badRemind ? "warning" : undefined}
        help={badRemind ? t("ticketTypes.dueUnreadable", { value: selected.remind }) : undefined}
      >
        <Space>
          <InputNumber<number>
            data-testid="ticket-step-remind-hours"
            min={0}
            max={10_000}
            precision={0}
            disabled={disabled || noDue}
            value={remind?.hours ?? null}
            suffix={t("ticketTypes.hours")}
            onChange={(hours) => setRemind(hours, remind?.minutes ?? 0)}
          />
          <InputNumber<number>
            data-testid="ticket-step-remind-minutes"
            min={0}
            max={59}
            precision={0}
            disabled={disabled || noDue}
            value={remind?.minutes ?? null}
            suffix={t("ticketTypes.minutes")}
            onChange={(minutes) => setRemind(remind?.hours ?? 0, minutes)}
          />
        </Space>
      </Form.Item>
      <Form.Item label={t("ticketTypes.escalate")} extra={t("ticketTypes.escalateHint")}>
        <Select
          data-testid="ticket-step-escalate"
          allowClear
          showSearch={{ optionFilterProp: "label" }}
          placeholder={t("ticketTypes.escalateNobody")}
          value={selected.escalate || undefined}
          options={optionsShowing(candidateOptions, selected.escalate)}
          onChange={(escalate: string | undefined) => onChange({ escalate: escalate ?? "" })}
        />
      </Form.Item>
    </>
  );
}
