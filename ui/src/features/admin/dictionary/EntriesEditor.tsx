/**
 * A dictionary's entries as an editable table: code, label, sort order, enabled. The whole
 * list is saved at once (`setDictionaryEntries` replaces it), after every row passed the
 * same checks the server makes: the code fits the dictionary's type and is unique, the
 * label is clean, at most 500 entries.
 */
import { DeleteOutlined, PlusOutlined, UndoOutlined } from "@ant-design/icons";
import { Alert, App, Button, Form, Input, InputNumber, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { useCommandId } from "../shared/commandId";
import { isCleanText } from "../shared/validation";
import {
  type Dictionary,
  type DictionaryEntry,
  SET_DICTIONARY_ENTRIES_MUTATION,
  type SetDictionaryEntriesVariables,
} from "./dictionary.graphql";
import { duplicateIndexes, ENTRY_LABEL_MAX, entryKey, MAX_ENTRIES } from "./entries";
import { CODE_RULE_KEYS, VALUE_TYPE_KEYS } from "./valueTypes";

interface Values {
  entries: DictionaryEntry[];
}

const SORT_ORDER_LIMIT = 2_147_483_647;

interface Props {
  dictionary: Dictionary;
  canEdit: boolean;
  onSaved: () => void;
}

export function EntriesEditor({ dictionary, canEdit, onSaved }: Props) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, renewCommandId] = useCommandId();
  const { mutate, loading } = useMutation<unknown, SetDictionaryEntriesVariables>(SET_DICTIONARY_ENTRIES_MUTATION);
  const [formError, setFormError] = useState<unknown>();
  const [dirty, setDirty] = useState(false);
  const entries = Form.useWatch("entries", form) ?? [];

  const reset = () => {
    form.setFieldsValue({ entries: dictionary.entries.map((entry) => ({ ...entry })) });
    setFormError(undefined);
    setDirty(false);
    renewCommandId();
  };

  // A fresh copy whenever another dictionary (or a newer version of it) is shown.
  useEffect(reset, [dictionary]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async (values: Values) => {
    setFormError(undefined);
    const list = (values.entries ?? []).map((entry) => ({
      code: entry.code,
      label: entry.label,
      sortOrder: entry.sortOrder ?? 0,
      enabled: entry.enabled ?? true,
    }));
    try {
      await mutate({ input: { commandId, code: dictionary.code, entries: list } });
    } catch (caught) {
      setFormError(caught);
      return;
    }
    void message.success(t("dictionary.saved", { name: dictionary.name }));
    setDirty(false);
    onSaved();
  };

  const codeRule = t(CODE_RULE_KEYS[dictionary.valueType]);
  const nextSortOrder = () => Math.min(SORT_ORDER_LIMIT, Math.max(0, ...entries.map((entry) => entry?.sortOrder ?? 0)) + 10);

  return (
    <Form
      form={form}
      name="dictionary-entries"
      disabled={!canEdit}
      onFinish={submit}
      onValuesChange={() => {
        renewCommandId();
        setFormError(undefined);
        setDirty(true);
      }}
    >
      <Space style={{ width: "100%", justifyContent: "space-between", marginBottom: 12 }} wrap>
        <Space wrap>
          <Tag>{t(VALUE_TYPE_KEYS[dictionary.valueType])}</Tag>
          <Typography.Text type="secondary">
            {t("dictionary.entryCount", { count: entries.length, max: MAX_ENTRIES })} ·{" "}
            {t("dictionary.updatedAt", { time: formatDateTime(dictionary.updatedAt, locale) })}
          </Typography.Text>
        </Space>
        {canEdit ? (
          <Space>
            <Button icon={<UndoOutlined />} disabled={!dirty} onClick={reset}>
              {t("common.discard")}
            </Button>
            <Button type="primary" htmlType="submit" loading={loading} disabled={!dirty} data-testid="entries-save">
              {t("common.save")}
            </Button>
          </Space>
        ) : null}
      </Space>
      <Form.List
        name="entries"
        rules={[
          {
            validator: async (_, list: DictionaryEntry[] | undefined) => {
              if ((list?.length ?? 0) > MAX_ENTRIES) throw new Error(t("error.dictionary.too_many_entries"));
            },
          },
        ]}
      >
        {(fields, { add, remove }, { errors }) => (
          <>
            <Table
              data-testid="dictionary-entries"
              size="small"
              rowKey="key"
              dataSource={fields}
              pagination={false}
              scroll={{ x: "max-content" }}
              locale={{ emptyText: t("dictionary.noEntries") }}
              columns={[
                {
                  key: "code",
                  title: t("dictionary.entryCode"),
                  width: 200,
                  render: (_, field) => (
                    <Form.Item
                      name={[field.name, "code"]}
                      style={{ margin: 0 }}
                      rules={[
                        { required: true, message: t("validation.required") },
                        {
                          validator: async (_, value: string | undefined) => {
                            if (!value) return;
                            if (entryKey(dictionary.valueType, value) === null) throw new Error(codeRule);
                            const codes = (form.getFieldValue("entries") as DictionaryEntry[]).map((entry) => entry?.code ?? "");
                            if (duplicateIndexes(dictionary.valueType, codes).has(field.name)) {
                              throw new Error(t("error.dictionary.duplicate_entry_code"));
                            }
                          },
                        },
                      ]}
                    >
                      {dictionary.valueType === "BOOLEAN" ? (
                        <Select
                          options={[
                            { value: "true", label: "true" },
                            { value: "false", label: "false" },
                          ]}
                        />
                      ) : (
                        <Input autoComplete="off" placeholder={codeRule} data-testid="entry-code" />
                      )}
                    </Form.Item>
                  ),
                },
                {
                  key: "label",
                  title: t("dictionary.entryLabel"),
                  render: (_, field) => (
                    <Form.Item
                      name={[field.name, "label"]}
                      style={{ margin: 0, minWidth: 200 }}
                      rules={[
                        { required: true, message: t("validation.required") },
                        {
                          validator: async (_, value: string | undefined) => {
                            if (value && !isCleanText(value, ENTRY_LABEL_MAX)) {
                              throw new Error(t("validation.cleanText", { max: ENTRY_LABEL_MAX }));
                            }
                          },
                        },
                      ]}
                    >
                      <Input autoComplete="off" data-testid="entry-label" />
                    </Form.Item>
                  ),
                },
                {
                  key: "sortOrder",
                  title: t("dictionary.sortOrder"),
                  width: 120,
                  render: (_, field) => (
                    <Form.Item name={[field.name, "sortOrder"]} style={{ margin: 0 }}>
                      <InputNumber precision={0} min={-SORT_ORDER_LIMIT - 1} max={SORT_ORDER_LIMIT} style={{ width: "100%" }} />
                    </Form.Item>
                  ),
                },
                {
                  key: "enabled",
                  title: t("dictionary.enabled"),
                  width: 90,
                  render: (_, field) => (
                    <Form.Item name={[field.name, "enabled"]} valuePropName="checked" style={{ margin: 0 }}>
                      <Switch size="small" />
                    </Form.Item>
                  ),
                },
                ...(canEdit
                  ? [
                      {
                        key: "remove",
                        width: 48,
                        render: (_: unknown, field: { name: number }) => (
                          <Button
                            type="text"
                            danger
                            icon={<DeleteOutlined />}
                            aria-label={t("dictionary.removeEntry")}
                            onClick={() => remove(field.name)}
                          />
                        ),
                      },
                    ]
                  : []),
              ]}
            />
            <Form.ErrorList errors={errors} />
            {canEdit ? (
              <Button
                type="dashed"
                block
                icon={<PlusOutlined />}
                style={{ marginTop: 8 }}
                disabled={fields.length >= MAX_ENTRIES}
                onClick={() => {
                  add({ code: "", label: "", sortOrder: nextSortOrder(), enabled: true });
                  setDirty(true);
                }}
                data-testid="add-entry"
              >
                {t("dictionary.addEntry")}
              </Button>
            ) : null}
          </>
        )}
      </Form.List>
      {formError ? <Alert type="error" showIcon title={errorText(formError)} style={{ marginTop: 12 }} data-testid="entries-error" /> : null}
    </Form>
  );
}
