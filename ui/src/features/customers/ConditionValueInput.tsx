/** The value of a query condition, as the field's type takes it; always text to the server. */
import { DatePicker, Input, Select, TimePicker } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useT } from "../../i18n";
import type { CustomerFieldType } from "./customers.graphql";
import { GENDER_KEYS, GENDERS } from "./fields";

interface Props {
  fieldType: CustomerFieldType | undefined;
  value: string | null;
  onChange: (value: string) => void;
  testId: string;
  ariaLabel: string;
}

const PLACEHOLDER_KEYS: Partial<Record<CustomerFieldType, string>> = {
  NUMBER: "customers.query.numberPlaceholder",
  MONEY: "customers.query.moneyPlaceholder",
};

export function ConditionValueInput({ fieldType, value, onChange, testId, ariaLabel }: Props) {
  const t = useT();
  const width = { width: 180 };
  if (fieldType === "GENDER") {
    return (
      <Select
        style={width}
        aria-label={ariaLabel}
        data-testid={testId}
        value={value || undefined}
        onChange={(chosen: string) => onChange(chosen)}
        options={GENDERS.map((gender) => ({ value: gender, label: t(GENDER_KEYS[gender]) }))}
      />
    );
  }
  if (fieldType === "DATE") {
    const date = value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? dayjs(value) : null;
    return (
      <DatePicker
        style={width}
        aria-label={ariaLabel}
        data-testid={testId}
        format="YYYY-MM-DD"
        value={date?.isValid() ? date : null}
        onChange={(chosen: Dayjs | null) => onChange(chosen ? chosen.format("YYYY-MM-DD") : "")}
      />
    );
  }
  if (fieldType === "TIME") {
    const match = /^(\d{2}):(\d{2})/.exec(value ?? "");
    const time = match ? dayjs().hour(Number(match[1])).minute(Number(match[2])).second(0) : null;
    return (
      <TimePicker
        style={width}
        aria-label={ariaLabel}
        data-testid={testId}
        format="HH:mm"
        value={time}
        onChange={(chosen: Dayjs | null) => onChange(chosen ? chosen.format("HH:mm") : "")}
      />
    );
  }
  const placeholderKey = fieldType ? PLACEHOLDER_KEYS[fieldType] : undefined;
  return (
    <Input
      style={width}
      aria-label={ariaLabel}
      data-testid={testId}
      value={value ?? ""}
      placeholder={placeholderKey ? t(placeholderKey) : undefined}
      inputMode={fieldType === "NUMBER" || fieldType === "MONEY" ? "decimal" : undefined}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
