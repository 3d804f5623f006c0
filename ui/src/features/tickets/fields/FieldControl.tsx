/**
 * The antd control of a Hotline form field (see `hotlineFields.ts`), rendered by `FormView`
 * into the field's slot: a searching Select for users, groups and related tickets, a
 * TreeSelect for departments and a designer's static tree, a searching Select over a query
 * field's dictionary entries or customers, an Upload for files, a month picker, a phone
 * number input (with a Call button for softphone users), the rich-text editor, and Approve /
 * Reject with an opinion. What it lists, labels, uploads and links comes from the page's
 * `FieldDirectory`. Hidden fields have no control: they draw nothing.
 */
import { PhoneOutlined, UploadOutlined } from "@ant-design/icons";
import { App, Button, DatePicker, Input, Radio, Select, Space, Tag, TreeSelect, Typography, Upload, type UploadFile } from "antd";
import dayjs from "dayjs";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { useErrorText } from "../../../api/errors";
import { useI18n, useT } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { useDial } from "../../calls/dial";
import { LazyRichTextEditor } from "../../knowledge/LazyRichTextEditor";
import type { FieldDirectory, FieldOption, FieldOptionKind, FileValue, QueryOption } from "./directory";
import type { FieldControlState } from "./fieldPortals";
import { type ApprovalValue, heldIds, isPhoneNumber, MAX_APPROVAL_COMMENT_CHARS, MAX_QUERY_VALUES, MAX_RICH_TEXT_CHARS, OPTION_KINDS, sanitizeValue, type ValueProblem } from "./fieldTypes";
import type { TreeNode } from "./tree";

interface Props {
  state: FieldControlState;
  directory: FieldDirectory;
}

const SEARCH_DELAY_MS = 250;

const PLACEHOLDERS: Record<FieldOptionKind, string> = {
  USER: "ticketFields.searchUsers",
  GROUP: "ticketFields.searchGroups",
  DEPARTMENT: "ticketFields.searchDepartments",
  TICKET: "ticketFields.searchTickets",
};

export function FieldControl({ state, directory }: Props) {
  const { type } = state.field;
  if (type === "hotline-upload") return <FileControl state={state} directory={directory} />;
  if (type === "hotline-tree") return <StaticTreeControl state={state} />;
  if (type === "hotline-query") return <QueryControl state={state} directory={directory} />;
  if (type === "hotline-month") return <MonthControl state={state} />;
  if (type === "hotline-phone") return <PhoneControl state={state} />;
  if (type === "hotline-richtext") return <RichTextControl state={state} />;
  if (type === "hotline-approval") return <ApprovalControl state={state} directory={directory} />;
  if (type === "hotline-hidden") return null;
  const kind = OPTION_KINDS[type]!;
  if (kind === "DEPARTMENT") return <DepartmentControl state={state} directory={directory} />;
  return <OptionControl state={state} directory={directory} kind={kind} />;
}

/** What a control hands form-js: the value in the field's shape. */
function report(state: FieldControlState, next: unknown) {
  state.onChange(sanitizeValue(state.field, next));
}

/** The value as antd's Select and TreeSelect take it. */
function selectValue(state: FieldControlState): string | string[] | undefined {
  const ids = heldIds(state.value);
  return state.field.multiple ? ids : ids[0];
}

function commonProps(state: FieldControlState) {
  return {
    id: state.domId,
    // The description and errors form-js draws around the slot (`hotlineFields.ts`).
    "aria-describedby": `${state.domId}-description ${state.domId}-error-message`,
    style: { width: "100%" },
    allowClear: true,
    disabled: state.disabled || state.readonly,
    status: state.invalid ? ("error" as const) : undefined,
    onBlur: state.onBlur,
    "data-testid": `ticket-field-${state.field.key}`,
  };
}

/** The options `search` answers for `text`; the answer to an older text is dropped. */
function useSearch<T>(search: ((text: string) => Promise<T[]>) | undefined) {
  const [options, setOptions] = useState<T[] | null>(null);
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const run = useCallback(
    async (text: string) => {
      if (!search) return;
      const request = ++latest.current;
      setLoading(true);
      try {
        const found = await search(text);
        if (request === latest.current) setOptions(found);
      } catch {
        // A failed search lists nothing; the next keystroke tries again.
        if (request === latest.current) setOptions([]);
      } finally {
        if (request === latest.current) setLoading(false);
      }
    },
    [search],
  );
  const searchSoon = useCallback(
    (text: string) => {
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void run(text), SEARCH_DELAY_MS);
    },
    [run],
  );
  return { options, loading, run, searchSoon };
}

/** The directory's options of `kind` as they answer a text. */
function useOptionSearch(directory: FieldDirectory, kind: FieldOptionKind) {
  const search = useMemo(() => (directory.search ? (text: string) => directory.search!(kind, text) : undefined), [directory, kind]);
  return useSearch(search);
}

/** Users, groups and related tickets: searched as typed, chosen ones named from the references. */
function OptionControl({ state, directory, kind }: Props & { kind: FieldOptionKind }) {
  const t = useT();
  const { options, loading, run, searchSoon } = useOptionSearch(directory, kind);
  const labels = useMemo(() => {
    const known = new Map<string, string>();
    for (const option of [...directory.references, ...(options ?? [])]) if (option.kind === kind) known.set(option.id, option.label);
    return known;
  }, [directory.references, options, kind]);
  const canSearch = directory.search !== undefined;
  return (
    <Select<string | string[]>
      {...commonProps(state)}
      mode={state.field.multiple ? "multiple" : undefined}
      value={selectValue(state)}
      placeholder={canSearch ? t(PLACEHOLDERS[kind]) : undefined}
      open={canSearch ? undefined : false}
      showSearch={canSearch ? { filterOption: false, onSearch: searchSoon } : false}
      loading={loading}
      options={(options ?? []).map((option) => ({ value: option.id, label: option.label }))}
      labelRender={({ value }) => labels.get(String(value)) ?? String(value)}
      notFoundContent={loading ? t("common.loading") : t("ticketFields.noMatch")}
      onOpenChange={(open) => {
        if (open && options === null) void run("");
      }}
      onChange={(next) => report(state, next)}
    />
  );
}

/** An option's label, then the values of its shown columns (a customer's), in secondary text. */
function QueryOptionLabel({ option }: { option: QueryOption }) {
  const details = option.details.filter((detail) => detail !== "");
  return (
    <span>
      {option.label}
      {details.length > 0 ? (
        <Typography.Text type="secondary" style={{ marginInlineStart: 8 }}>
          {details.join(" · ")}
        </Typography.Text>
      ) : null}
    </span>
  );
}

/** A query field: its dictionary's entries or the customers its conditions find, searched as
 * typed; held values named from the query labels (else shown as they are). Without the
 * directory's `queryOptions` it shows what it holds and cannot change. */
function QueryControl({ state, directory }: Props) {
  const t = useT();
  const { key } = state.field;
  const search = useMemo(() => (directory.queryOptions ? (text: string) => directory.queryOptions!(key, text) : undefined), [directory, key]);
  const { options, loading, run, searchSoon } = useSearch(search);
  // Chosen options stay named after a later search no longer lists them.
  const [seen, setSeen] = useState<ReadonlyMap<string, string>>(() => new Map());
  useEffect(() => {
    if (options?.length) setSeen((known) => new Map([...known, ...options.map((option) => [option.value, option.label] as const)]));
  }, [options]);
  const labels = useMemo(() => {
    const known = new Map<string, string>();
    for (const held of directory.queryLabels) if (held.field === key) known.set(held.value, held.label);
    for (const [value, label] of seen) known.set(value, label);
    return known;
  }, [directory.queryLabels, key, seen]);
  const canSearch = search !== undefined;
  const common = commonProps(state);
  return (
    <Select<string | string[]>
      {...common}
      disabled={common.disabled || !canSearch}
      mode={state.field.multiple ? "multiple" : undefined}
      maxCount={state.field.multiple ? MAX_QUERY_VALUES : undefined}
      value={selectValue(state)}
      placeholder={canSearch ? t("ticketFields.searchQuery") : undefined}
      open={canSearch ? undefined : false}
      showSearch={canSearch ? { filterOption: false, onSearch: searchSoon } : false}
      loading={loading}
      options={(options ?? []).map((option) => ({ value: option.value, title: option.label, label: <QueryOptionLabel option={option} /> }))}
      labelRender={({ value }) => labels.get(String(value)) ?? String(value)}
      notFoundContent={loading ? t("common.loading") : t("ticketFields.noMatch")}
      onOpenChange={(open) => {
        if (open && options === null) void run("");
      }}
      onChange={(next) => report(state, next)}
    />
  );
}

interface TreeData {
  value: string;
  title: string;
  children?: TreeData[];
}

/** Options as a tree by their `parentId`; one whose parent is not among them is a root. */
function optionTree(options: readonly FieldOption[]): TreeData[] {
  const nodes = new Map(options.map((option) => [option.id, { value: option.id, title: option.label } as TreeData]));
  const roots: TreeData[] = [];
  for (const option of options) {
    const node = nodes.get(option.id)!;
    const parent = option.parentId ? nodes.get(option.parentId) : undefined;
    if (parent && parent !== node) (parent.children ??= []).push(node);
    else roots.push(node);
  }
  return roots;
}

/** Departments: the whole tree, loaded when first opened (the references name the chosen ones before). */
function DepartmentControl({ state, directory }: Props) {
  const t = useT();
  const { options, loading, run } = useOptionSearch(directory, "DEPARTMENT");
  const treeData = useMemo(() => optionTree(options ?? directory.references.filter((option) => option.kind === "DEPARTMENT")), [options, directory.references]);
  const canSearch = directory.search !== undefined;
  return (
    <TreeSelect<string | string[]>
      {...commonProps(state)}
      multiple={state.field.multiple === true}
      value={selectValue(state)}
      treeData={treeData}
      placeholder={canSearch ? t("ticketFields.searchDepartments") : undefined}
      open={canSearch ? undefined : false}
      showSearch={{ treeNodeFilterProp: "title" }}
      loading={loading}
      notFoundContent={loading ? t("common.loading") : t("ticketFields.noMatch")}
      onOpenChange={(open) => {
        if (open && options === null) void run("");
      }}
      onChange={(next) => report(state, next)}
    />
  );
}

function staticTree(nodes: readonly TreeNode[] | undefined): TreeData[] {
  return (nodes ?? []).map((node) => ({ value: node.value, title: node.label, ...(node.children?.length ? { children: staticTree(node.children) } : {}) }));
}

/** The designer's own tree: any node may be chosen. */
function StaticTreeControl({ state }: { state: FieldControlState }) {
  const t = useT();
  const treeData = useMemo(() => staticTree(state.field.tree), [state.field.tree]);
  return (
    <TreeSelect<string | string[]>
      {...commonProps(state)}
      multiple={state.field.multiple === true}
      value={selectValue(state)}
      treeData={treeData}
      treeDefaultExpandAll
      placeholder={t("ticketFields.choose")}
      showSearch={{ treeNodeFilterProp: "title" }}
      notFoundContent={t("ticketFields.noMatch")}
      onChange={(next) => report(state, next)}
    />
  );
}

/** Files: the held ones (linked when the directory says where they download, or downloaded on
 * click through the directory), Upload adds one. */
function FileControl({ state, directory }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const files = sanitizeValue(state.field, state.value) as FileValue[];
  // An upload ends after other changes (other uploads among them): it adds to what the
  // field holds by then.
  const latest = useRef({ state, files });
  useEffect(() => {
    latest.current = { state, files };
  });
  const [uploading, setUploading] = useState<UploadFile[]>([]);
  const locked = state.disabled || state.readonly;
  // Without `multiple` a new file replaces the held one.
  const canAdd = !locked && directory.upload !== undefined;

  const upload = async (file: File, uid: string) => {
    setUploading((current) => [...current, { uid, name: file.name, status: "uploading" }]);
    let stored: FileValue | null = null;
    try {
      stored = await directory.upload!(file);
    } catch (caught) {
      void message.error(t("ticketFields.uploadFailed", { name: file.name, reason: errorText(caught) }));
    }
    const now = latest.current;
    // The entry goes (rendered now) before the value comes: the value reaches this control
    // through an external store, whose synchronous render would otherwise list the file twice.
    flushSync(() => setUploading((current) => current.filter((entry) => entry.uid !== uid)));
    if (!stored) return;
    const next = now.state.field.multiple ? [...now.files, stored] : [stored];
    latest.current = { ...now, files: next };
    report(now.state, next);
  };

  const fileList: UploadFile[] = [
    ...files.map((file) => ({ uid: file.blobId, name: file.name, size: file.size, type: file.contentType, status: "done" as const, url: directory.fileUrl?.(file) ?? undefined })),
    ...uploading,
  ];
  return (
    <div data-testid={`ticket-field-${state.field.key}`}>
      {fileList.length === 0 && !canAdd ? <Typography.Text type="secondary">{t("ticketFields.noFile")}</Typography.Text> : null}
      <Upload
        accept={state.field.accept || undefined}
        multiple={state.field.multiple === true}
        fileList={fileList}
        disabled={locked}
        showUploadList={{ showRemoveIcon: !locked, showDownloadIcon: false }}
        customRequest={({ file, onSuccess }) => {
          const raw = file as File & { uid: string };
          void upload(raw, raw.uid).finally(() => onSuccess?.(null));
        }}
        onPreview={(item) => {
          const file = files.find((held) => held.blobId === item.uid);
          if (!file || !directory.download) return;
          directory.download(file).catch((caught: unknown) => void message.error(t("ticketFields.downloadFailed", { name: file.name, reason: errorText(caught) })));
        }}
        onRemove={(removed) => {
          report(state, files.filter((file) => file.blobId !== removed.uid));
          return false;
        }}
      >
        {canAdd ? (
          <Button id={state.domId} icon={<UploadOutlined />} onBlur={state.onBlur} data-testid={`ticket-field-${state.field.key}-upload`}>
            {t("ticketFields.upload")}
          </Button>
        ) : null}
      </Upload>
    </div>
  );
}

/** The words of a typed value's problem (`valueProblem`), for the form's errors under the field. */
export function useProblemText(): (problem: ValueProblem) => string {
  const t = useT();
  return useCallback((problem: ValueProblem) => (problem === "phone" ? t("ticketFields.invalidPhone") : t("ticketFields.richTextTooLong", { max: MAX_RICH_TEXT_CHARS })), [t]);
}

const MONTH_FORMAT = "YYYY-MM";

/** A month, held as `YYYY-MM`. */
function MonthControl({ state }: { state: FieldControlState }) {
  const held = sanitizeValue(state.field, state.value) as string | null;
  return (
    <DatePicker
      {...commonProps(state)}
      picker="month"
      format={MONTH_FORMAT}
      value={held ? dayjs(held) : null}
      onChange={(date) => report(state, date ? date.format(MONTH_FORMAT) : null)}
    />
  );
}

/**
 * A phone number. A number being typed reaches the form once it reads as one (or is
 * emptied), and as typed when the input is left: so the form's error under it (see
 * `valueProblem`) comes on leaving, not at the first digit. Softphone users call a valid
 * number with the Call button, read-only too.
 */
function PhoneControl({ state }: { state: FieldControlState }) {
  const t = useT();
  const dial = useDial();
  const held = (sanitizeValue(state.field, state.value) as string | null) ?? "";
  const [text, setText] = useState(held);
  // The form's value changed elsewhere (reset, another value imported): show it.
  const reported = useRef(held);
  useEffect(() => {
    if (held === reported.current) return;
    reported.current = held;
    setText(held);
  }, [held]);
  const send = (typed: string) => {
    const number = typed.trim();
    reported.current = number;
    report(state, number || null);
  };
  const number = text.trim();
  const key = state.field.key;
  const input = (
    <Input
      {...commonProps(state)}
      type="tel"
      inputMode="tel"
      autoComplete="off"
      prefix={<PhoneOutlined />}
      value={text}
      onChange={(event) => {
        const typed = event.target.value;
        setText(typed);
        if (!typed.trim() || isPhoneNumber(typed)) send(typed);
      }}
      onBlur={() => {
        if (number !== held) send(text);
        state.onBlur();
      }}
    />
  );
  if (!dial || !isPhoneNumber(number)) return input;
  return (
    <Space.Compact style={{ width: "100%" }}>
      {input}
      <Button icon={<PhoneOutlined />} onClick={() => dial(number)} data-testid={`ticket-field-${key}-call`}>
        {t("ticketFields.call")}
      </Button>
    </Space.Compact>
  );
}

/** Formatted text: the rich-text editor (read-only: the same, without its toolbar); an empty document holds null. */
function RichTextControl({ state }: { state: FieldControlState }) {
  const held = sanitizeValue(state.field, state.value) as string | null;
  const common = commonProps(state);
  return (
    <LazyRichTextEditor
      id={common.id}
      aria-describedby={common["aria-describedby"]}
      data-testid={common["data-testid"]}
      value={held ?? ""}
      editable={!common.disabled}
      status={common.status}
      minHeight={120}
      onChange={(html) => report(state, html || null)}
      onBlur={state.onBlur}
    />
  );
}

/** "Approved by Ann Lee, 2026-11-29 10:00" of a stamped decision: a user named from the references, or the collaborator's address. */
function DecidedBy({ approval, directory }: { approval: ApprovalValue | null; directory: FieldDirectory }) {
  const { t, locale } = useI18n();
  if (!approval?.at || !(approval.by || approval.collaborator)) return null;
  const user = approval.by ? directory.references.find((option) => option.kind === "USER" && option.id === approval.by) : undefined;
  const name = user?.label ?? approval.by ?? approval.collaborator!;
  const time = formatDateTime(approval.at, locale);
  return (
    <Typography.Text type="secondary" style={{ display: "block" }}>
      {t(approval.decision === "approved" ? "ticketFields.approvedBy" : "ticketFields.rejectedBy", { name, time })}
    </Typography.Text>
  );
}

/**
 * A decision: Approve or Reject and an opinion. Any change sends only `{decision, comment}`
 * (the server stamps who and when); an untouched one goes back as held, so the server keeps
 * its stamp. An opinion written before deciding waits for the decision. Read-only: the
 * decision as a green or red tag, the opinion and who decided when.
 */
function ApprovalControl({ state, directory }: Props) {
  const t = useT();
  const approval = sanitizeValue(state.field, state.value) as ApprovalValue | null;
  const [draft, setDraft] = useState("");
  const { key } = state.field;
  const testId = `ticket-field-${key}`;
  if (state.disabled || state.readonly) {
    return (
      <div id={state.domId} data-testid={testId}>
        {approval ? (
          <Tag color={approval.decision === "approved" ? "green" : "red"} data-testid={`${testId}-decision`}>
            {t(approval.decision === "approved" ? "ticketFields.approved" : "ticketFields.rejected")}
          </Tag>
        ) : (
          <Typography.Text type="secondary">{t("ticketFields.undecided")}</Typography.Text>
        )}
        {approval?.comment ? <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: "8px 0 0" }}>{approval.comment}</Typography.Paragraph> : null}
        <DecidedBy approval={approval} directory={directory} />
      </div>
    );
  }
  const comment = approval?.comment ?? draft;
  const decide = (decision: ApprovalValue["decision"], text: string) => report(state, { decision, comment: text });
  return (
    <Space orientation="vertical" style={{ width: "100%" }} data-testid={testId}>
      <Radio.Group id={state.domId} aria-describedby={`${state.domId}-description ${state.domId}-error-message`} value={approval?.decision} onChange={(event) => decide(event.target.value as ApprovalValue["decision"], comment)}>
        <Radio value="approved" data-testid={`${testId}-approve`}>
          {t("ticketFields.approve")}
        </Radio>
        <Radio value="rejected" data-testid={`${testId}-reject`}>
          {t("ticketFields.reject")}
        </Radio>
      </Radio.Group>
      <Input.TextArea
        value={comment}
        placeholder={t("ticketFields.opinion")}
        aria-label={t("ticketFields.opinion")}
        maxLength={MAX_APPROVAL_COMMENT_CHARS}
        showCount
        autoSize={{ minRows: 2, maxRows: 6 }}
        status={state.invalid ? "error" : undefined}
        onChange={(event) => (approval ? decide(approval.decision, event.target.value) : setDraft(event.target.value))}
        onBlur={state.onBlur}
        data-testid={`${testId}-comment`}
      />
      <DecidedBy approval={approval} directory={directory} />
    </Space>
  );
}
