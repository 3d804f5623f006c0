/**
 * One customer field on a form: the input its type takes (text with its length, number,
 * amount, date, time, phone, ID-card number, gender), its required mark and its client-side
 * rule. The form keeps every value as the text the server takes (`2026-11-26`, `09:30`).
 */
import { DatePicker, Form, Input, InputNumber, Select, TimePicker } from "antd";
import type { Rule } from "antd/es/form";
import dayjs, { type Dayjs } from "dayjs";
import { useT } from "../../i18n";
import type { CustomerField } from "./customers.graphql";
import { GENDER_KEYS, GENDERS, isIdCardNumber, isPhoneNumber, TEXT_MAX_LENGTH } from "./fields";

const DATE_FORMAT = "YYYY-MM-DD";
const TIME_FORMAT = "HH:mm";

function parseDate(text: string | undefined): Dayjs | null {
  if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const date = dayjs(text);
  return date.isValid() ? date : null;
}

function parseTime(text: string | undefined): Dayjs | null {
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text ?? "");
  if (!match) return null;
  return dayjs().hour(Number(match[1])).minute(Number(match[2])).second(Number(match[3] ?? 0)).millisecond(0);
}

export function CustomerFieldItem({ field }: { field: CustomerField }) {
  const t = useT();
  const testId = `customer-field-${field.key}`;
  const rules: Rule[] = [];
  if (field.required) rules.push({ required: true, whitespace: true, message: t("validation.required") });

  const itemProps = { name: field.key, label: field.label, rules };
  switch (field.fieldType) {
    case "NUMBER":
      rules.push({
        validator: (_, value: string | undefined) =>
          !value || Number.isFinite(Number(value)) ? Promise.resolve() : Promise.reject(new Error(t("validation.numberRule"))),
      });
      return (
        <Form.Item {...itemProps}>
          <InputNumber<string> stringMode style={{ width: "100%" }} data-testid={testId} />
        </Form.Item>
      );
    case "MONEY":
      rules.push({
        validator: (_, value: string | undefined) =>
          !value || /^-?\d{1,15}(\.\d{1,2})?$/.test(value) ? Promise.resolve() : Promise.reject(new Error(t("customers.moneyRule"))),
      });
      return (
        <Form.Item {...itemProps}>
          <InputNumber<string> stringMode precision={2} step="0.01" style={{ width: "100%" }} data-testid={testId} />
        </Form.Item>
      );
    case "DATE":
      return (
        <Form.Item
          {...itemProps}
          getValueProps={(value: string | undefined) => ({ value: parseDate(value) })}
          normalize={(value: Dayjs | null) => (value ? value.format(DATE_FORMAT) : "")}
        >
          <DatePicker format={DATE_FORMAT} style={{ width: "100%" }} data-testid={testId} />
        </Form.Item>
      );
    case "TIME":
      return (
        <Form.Item
          {...itemProps}
          getValueProps={(value: string | undefined) => ({ value: parseTime(value) })}
          normalize={(value: Dayjs | null) => (value ? value.format(TIME_FORMAT) : "")}
        >
          <TimePicker format={TIME_FORMAT} style={{ width: "100%" }} data-testid={testId} />
        </Form.Item>
      );
    case "PHONE":
      rules.push({
        validator: (_, value: string | undefined) =>
          !value?.trim() || isPhoneNumber(value) ? Promise.resolve() : Promise.reject(new Error(t("customers.phoneRule"))),
      });
      return (
        <Form.Item {...itemProps}>
          <Input type="tel" autoComplete="off" data-testid={testId} />
        </Form.Item>
      );
    case "ID_CARD":
      rules.push({
        validator: (_, value: string | undefined) =>
          !value?.trim() || isIdCardNumber(value) ? Promise.resolve() : Promise.reject(new Error(t("customers.idCardRule"))),
      });
      return (
        <Form.Item {...itemProps}>
          <Input autoComplete="off" maxLength={18} data-testid={testId} />
        </Form.Item>
      );
    case "GENDER":
      return (
        <Form.Item {...itemProps}>
          <Select
            allowClear
            data-testid={testId}
            options={GENDERS.map((gender) => ({ value: gender, label: t(GENDER_KEYS[gender]) }))}
          />
        </Form.Item>
      );
    case "TEXT": {
      const max = Math.min(field.maxLength ?? TEXT_MAX_LENGTH, TEXT_MAX_LENGTH);
      rules.push({ max, message: t("validation.maxChars", { max }) });
      return (
        <Form.Item {...itemProps}>
          {max > 200 ? (
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={max} showCount data-testid={testId} />
          ) : (
            <Input autoComplete="off" maxLength={max} showCount data-testid={testId} />
          )}
        </Form.Item>
      );
    }
  }
}
