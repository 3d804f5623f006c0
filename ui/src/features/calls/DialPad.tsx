/**
 * The idle softphone bar's dial control: a number field (Enter calls), a Call button and a
 * popover with a keypad (digits and +) that types into the field. The bar owns the number and the
 * call; spaces, dashes, dots and parentheses are left for the server to ignore.
 */
import { AppstoreOutlined, PhoneOutlined } from "@ant-design/icons";
import { Button, Input, Popover, Space } from "antd";
import { useT } from "../../i18n";

// What a number may hold (the server calls digits with an optional leading +).
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "0"] as const;

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** Calls the number in the field. */
  onDial: () => void;
  busy: boolean;
}

/** Whether `text` has anything to call (a digit at least). */
export function dialable(text: string): boolean {
  return /\d/.test(text);
}

export function DialPad({ value, onChange, onDial, busy }: Props) {
  const t = useT();
  const submit = () => {
    if (!busy && dialable(value)) onDial();
  };

  const keypad = (
    <div style={{ display: "grid", gridTemplateColumns: "repeat(3, 44px)", gap: 6 }} data-testid="softphone-keypad">
      {KEYS.map((key) => (
        <Button key={key} onClick={() => onChange(value + key)} disabled={busy} data-testid={`softphone-key-${key}`}>
          {key}
        </Button>
      ))}
    </div>
  );

  return (
    <Space.Compact size="small" data-testid="softphone-dial">
      <Input
        size="small"
        type="tel"
        inputMode="tel"
        autoComplete="off"
        allowClear
        style={{ width: 170 }}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onPressEnter={submit}
        placeholder={t("softphone.dialPlaceholder")}
        aria-label={t("softphone.dialPlaceholder")}
        disabled={busy}
        data-testid="softphone-dial-number"
      />
      <Popover trigger="click" placement="bottom" content={keypad} title={t("softphone.keypad")}>
        <Button size="small" icon={<AppstoreOutlined />} aria-label={t("softphone.keypad")} disabled={busy} data-testid="softphone-keypad-open" />
      </Popover>
      <Button
        size="small"
        type="primary"
        icon={<PhoneOutlined />}
        loading={busy}
        disabled={!dialable(value)}
        onClick={submit}
        data-testid="softphone-dial-call"
      >
        {t("softphone.dialCall")}
      </Button>
    </Space.Compact>
  );
}
