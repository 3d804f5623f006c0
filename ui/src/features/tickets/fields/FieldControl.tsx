/**
 * The antd control of a Hotline form field (see `hotlineFields.ts`), rendered by `FormView`
 * into the field's slot: a searching Select for users, groups and related tickets, a
 * TreeSelect for departments and a designer's static tree, a searching Select over a query
 * field's dictionary entries or customers, an Upload for files. What it
 * lists, labels, uploads and links comes from the page's `FieldDirectory`.
 */
import { UploadOutlined } from "@ant-design/icons";
import { App, Button, Select, TreeSelect, Typography, Upload, type UploadFile } from "antd";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { useErrorText } from "../../../api/errors";
import { useT } from "../../../i18n";
import type { FieldDirectory, FieldOption, FieldOptionKind, FileValue, QueryOption } from "./directory";
import type { FieldControlState } from "./fieldPortals";
import { heldIds, MAX_QUERY_VALUES, OPTION_KINDS, sanitizeValue } from "./fieldTypes";
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
