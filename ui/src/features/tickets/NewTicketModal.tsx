/**
 * A new ticket: a published type, a title, then the type's form (form-js, every field as
 * designed as far as the user's roles allow: `startFields`, read-only ones disabled and not
 * sent). From the desk it carries the conversation. The published version's form rules run as
 * the user types: a value they calculate (whatever the field held) shows in its field,
 * read-only and marked; their other values (defaults, corrections of what was typed, fields
 * the form lacks) and what they refuse show under the form. The server runs them again
 * (calculated fields are not sent). Its `ticket.invalid_values` problems (the rules' among
 * them) are listed by field label; `ticket.invalid_title` goes under the title.
 */
import { Alert, Empty, Form, Input, Modal, Select, theme } from "antd";
import { useEffect, useMemo, useRef, useState } from "react";
import { request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation, useQuery } from "../../api/hooks";
import { useT } from "../../i18n";
import { useCommandId } from "../admin/shared/commandId";
import type { FormViewApi } from "./FormView";
import { useFieldDirectory } from "./fields/useFieldDirectory";
import { LazyFormView } from "./LazyFormView";
import { RULES_AT_START } from "./rules";
import { RulesOutcome } from "./RulesOutcome";
import {
  OPEN_TICKET_MUTATION,
  type OpenTicketData,
  type OpenTicketVariables,
  TICKET_QUERY,
  type TicketData,
  TICKET_TYPES_QUERY,
  type FormValues,
  type TicketTypesData,
} from "./tickets.graphql";
import { calculatedValues, useFormRules } from "./useFormRules";
import { editableValues, formFields, formValues, schemaForStep, serverDetail, ticketFieldErrors, typedValues } from "./workflow";

export interface OpenedTicket {
  id: string;
  /** Null when the ticket list has not caught up yet. */
  number: string | null;
}

interface Props {
  open: boolean;
  onClose: () => void;
  onOpened: (ticket: OpenedTicket) => void;
  conversationId?: string | null;
  callId?: string | null;
  initialTitle?: string;
}

interface Header {
  typeId?: string;
  title?: string;
}

export function NewTicketModal({ open, onClose, onOpened, conversationId, callId, initialTitle }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { token } = theme.useToken();
  const [form] = Form.useForm<Header>();
  const types = useQuery<TicketTypesData>(TICKET_TYPES_QUERY, {}, { skip: !open });
  const published = useMemo(() => (types.data?.ticketTypes ?? []).filter((type) => type.version > 0), [types.data]);
  const [typeId, setTypeId] = useState<string>();
  const type = published.find((candidate) => candidate.id === typeId) ?? null;
  const [values, setValues] = useState<FormValues>({});
  /** The calculated keys the form shows in their fields. */
  const [calculatedKeys, setCalculatedKeys] = useState<string[]>([]);
  const viewer = useRef<FormViewApi | null>(null);
  const directory = useFieldDirectory(null, type);
  const [commandId, renewCommandId] = useCommandId();
  const openTicket = useMutation<OpenTicketData, OpenTicketVariables>(OPEN_TICKET_MUTATION);
  const [failure, setFailure] = useState<unknown>();
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const typeForm = type ? (type.publishedForm ?? type.form) : null;
  // What the user's roles let them fill in; none listed (never published): the form as designed.
  const startFields = type && type.startFields.length > 0 ? type.startFields : null;
  const shownForm = useMemo(() => (typeForm ? schemaForStep(typeForm, startFields ?? "all") : null), [typeForm, startFields]);
  // The rules see what the server will be sent: what the user gave, not what they calculated.
  const sent = useMemo(() => {
    const typed = typedValues(values, calculatedKeys);
    return typeForm ? (startFields ? editableValues(typed, startFields) : formValues(typed, typeForm)) : {};
  }, [values, calculatedKeys, typeForm, startFields]);
  const rules = useFormRules(type?.publishedRules, sent, RULES_AT_START);
  const computed = useMemo(() => calculatedValues(rules), [rules]);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue({ title: initialTitle ?? "" });
    setTypeId(undefined);
    setValues({});
    setCalculatedKeys([]);
    setFailure(undefined);
    setProblems([]);
    renewCommandId();
  }, [open, initialTitle, form, renewCommandId]);

  // The only published type is chosen at once.
  useEffect(() => {
    if (open && !typeId && published.length === 1) {
      setTypeId(published[0]!.id);
      form.setFieldsValue({ typeId: published[0]!.id });
    }
  }, [open, typeId, published, form]);

  const submit = async (header: Header) => {
    if (!type) return;
    setFailure(undefined);
    setProblems([]);
    if (viewer.current && !viewer.current.validate()) return;
    let id: string;
    try {
      const result = await openTicket.mutate({
        input: { commandId, typeId: type.id, title: (header.title ?? "").trim(), values: sent, conversationId: conversationId ?? null, callId: callId ?? null },
      });
      id = result.openTicket.aggregateId;
    } catch (caught) {
      const code = (caught as { code?: string }).code;
      if (code === "ticket.invalid_title") {
        form.setFields([{ name: "title", errors: [errorText(caught)] }]);
        return;
      }
      setProblems(ticketFieldErrors(caught));
      setFailure(caught);
      return;
    }
    let number: string | null = null;
    try {
      number = (await request<TicketData>(TICKET_QUERY, { id })).ticket?.number ?? null;
    } catch {
      // The ticket is open; its number shows once the list has it.
    }
    onOpened({ id, number });
    onClose();
  };

  const labels = new Map(formFields(typeForm).map((field) => [field.key, field.label]));

  return (
    <Modal
      open={open}
      width={720}
      title={t("tickets.new")}
      okText={t("tickets.open")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "ticket-new-submit", disabled: !type }}
      confirmLoading={openTicket.loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form<Header>
        form={form}
        layout="vertical"
        data-testid="ticket-new-form"
        onFinish={(header) => void submit(header)}
        onValuesChange={() => {
          renewCommandId();
          setFailure(undefined);
        }}
      >
        <Form.Item name="typeId" label={t("tickets.type")} rules={[{ required: true, message: t("validation.required") }]}>
          <Select
            data-testid="ticket-new-type"
            loading={types.loading}
            options={published.map((candidate) => ({ value: candidate.id, label: `${candidate.name} (v${candidate.version})` }))}
            onChange={(value: string) => {
              setTypeId(value);
              setValues({});
              setCalculatedKeys([]);
            }}
            notFoundContent={<Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("tickets.noPublishedTypes")} />}
          />
        </Form.Item>
        <Form.Item
          name="title"
          label={t("tickets.title")}
          rules={[
            { required: true, whitespace: true, message: t("validation.required") },
            { max: 200, message: t("validation.maxChars", { max: 200 }) },
          ]}
        >
          <Input data-testid="ticket-new-title" maxLength={200} />
        </Form.Item>
      </Form>
      {types.error ? <Alert type="error" showIcon title={errorText(types.error)} /> : null}
      {open && type && shownForm ? (
        <LazyFormView
          key={type.id}
          schema={shownForm}
          data={{}}
          directory={directory}
          computed={computed}
          onCalculatedKeys={setCalculatedKeys}
          onChange={(data) => {
            setValues(data);
            renewCommandId();
          }}
          onReady={(api) => {
            viewer.current = api;
          }}
        />
      ) : null}
      <RulesOutcome result={rules} labels={labels} inFields={calculatedKeys} style={{ marginBlock: token.marginSM }} />
      {failure ? (
        <Alert
          type="error"
          showIcon
          data-testid="ticket-new-error"
          title={errorText(failure)}
          description={problems.length > 0 ? problems.map((problem) => `${labels.get(problem.field) ?? problem.field}: ${problem.message}`).join("; ") : (serverDetail(failure) ?? undefined)}
        />
      ) : null}
    </Modal>
  );
}
