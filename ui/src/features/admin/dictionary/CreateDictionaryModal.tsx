/** A new dictionary: its code, name and the type of its entries' codes. Entries come after,
 * in the entries editor (one command each, so a refused list never leaves half a dictionary). */
import { Alert, App, Form, Input, Modal, Radio } from "antd";
import { useEffect, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { useCommandId } from "../shared/commandId";
import { showOnField } from "../shared/serverErrors";
import { isCleanText } from "../shared/validation";
import {
  CREATE_DICTIONARY_MUTATION,
  type CreateDictionaryVariables,
  type DictionaryValueType,
  VALUE_TYPES,
} from "./dictionary.graphql";
import { DICTIONARY_NAME_MAX, IDENTIFIER_PATTERN } from "./entries";
import { VALUE_TYPE_KEYS } from "./valueTypes";

interface Values {
  code: string;
  name: string;
  valueType: DictionaryValueType;
}

const FIELD_BY_CODE: Record<string, keyof Values> = {
  "dictionary.code_taken": "code",
  "dictionary.invalid_code": "code",
  "dictionary.invalid_name": "name",
};

interface Props {
  open: boolean;
  onClose: () => void;
  onCreated: (code: string) => void;
}

export function CreateDictionaryModal({ open, onClose, onCreated }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [commandId, renewCommandId] = useCommandId();
  const { mutate, loading } = useMutation<unknown, CreateDictionaryVariables>(CREATE_DICTIONARY_MUTATION);
  const [formError, setFormError] = useState<unknown>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setFormError(undefined);
    renewCommandId();
  }, [open, form, renewCommandId]);

  const submit = async (values: Values) => {
    setFormError(undefined);
    try {
      await mutate({ input: { commandId, ...values } });
    } catch (caught) {
      if (!showOnField(form, caught, FIELD_BY_CODE, errorText)) setFormError(caught);
      return;
    }
    void message.success(t("dictionary.created", { code: values.code }));
    onCreated(values.code);
    onClose();
  };

  return (
    <Modal
      open={open}
      title={t("dictionary.create")}
      okText={t("common.create")}
      cancelText={t("common.cancel")}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      <Form
        form={form}
        name="create-dictionary"
        layout="vertical"
        initialValues={{ valueType: "TEXT" }}
        onFinish={submit}
        onValuesChange={() => {
          renewCommandId();
          setFormError(undefined);
        }}
      >
        <Form.Item
          name="code"
          label={t("dictionary.code")}
          rules={[
            { required: true, message: t("validation.required") },
            { pattern: IDENTIFIER_PATTERN, message: t("validation.identifierRule") },
          ]}
        >
          <Input autoComplete="off" placeholder={t("validation.identifierRule")} data-testid="dictionary-code" />
        </Form.Item>
        <Form.Item
          name="name"
          label={t("dictionary.name")}
          rules={[
            { required: true, message: t("validation.required") },
            {
              validator: (_, value: string | undefined) =>
                !value || isCleanText(value, DICTIONARY_NAME_MAX)
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("validation.cleanText", { max: DICTIONARY_NAME_MAX }))),
            },
          ]}
        >
          <Input autoComplete="off" data-testid="dictionary-name" />
        </Form.Item>
        <Form.Item name="valueType" label={t("dictionary.valueType")} extra={t("dictionary.valueTypeHint")}>
          <Radio.Group
            optionType="button"
            options={VALUE_TYPES.map((valueType) => ({ value: valueType, label: t(VALUE_TYPE_KEYS[valueType]) }))}
          />
        </Form.Item>
        {formError ? <Alert type="error" showIcon title={errorText(formError)} /> : null}
      </Form>
    </Modal>
  );
}
