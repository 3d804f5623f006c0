/**
 * The form rules of a ticket type: the script (a plain monospace text area), what it is
 * given and an example, and "Try": a run as when a ticket is opened, on sample values the
 * designer writes as JSON, showing what the rules calculate, refuse or why they fail.
 */
import { Button, Input, Space, theme, Typography } from "antd";
import { useState } from "react";
import { useT } from "../../../i18n";
import { RULES_AT_START, type RulesResult, runRules } from "../../tickets/rules";
import { RulesOutcome } from "../../tickets/RulesOutcome";
import type { FormValues } from "../../tickets/tickets.graphql";

interface Props {
  rules: string;
  onChange: (rules: string) => void;
  disabled: boolean;
  /** The form's field labels by key, to name what the rules calculate or refuse. */
  labels: ReadonlyMap<string, string>;
}

function parseSample(text: string): FormValues | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as FormValues) : null;
  } catch {
    return null;
  }
}

export function RulesEditor({ rules, onChange, disabled, labels }: Props) {
  const t = useT();
  const { token } = theme.useToken();
  const [sample, setSample] = useState("{}");
  const [sampleInvalid, setSampleInvalid] = useState(false);
  const [result, setResult] = useState<RulesResult | null>(null);
  const [trying, setTrying] = useState(false);
  const code = { fontFamily: token.fontFamilyCode };

  const tryRules = async () => {
    const values = parseSample(sample);
    setSampleInvalid(values === null);
    setResult(null);
    if (!values) return;
    setTrying(true);
    try {
      setResult(await runRules(rules, values, RULES_AT_START));
    } finally {
      setTrying(false);
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("ticketTypes.rulesHelp")}
        <pre style={{ ...code, marginBottom: 0 }}>{t("ticketTypes.rulesExample")}</pre>
      </Typography.Paragraph>
      <Input.TextArea
        data-testid="ticket-type-rules"
        value={rules}
        readOnly={disabled}
        spellCheck={false}
        autoSize={{ minRows: 12, maxRows: 30 }}
        style={code}
        onChange={(event) => onChange(event.target.value)}
      />
      <Typography.Text strong>{t("ticketTypes.rulesSample")}</Typography.Text>
      <Input.TextArea
        data-testid="ticket-type-rules-sample"
        value={sample}
        spellCheck={false}
        autoSize={{ minRows: 2, maxRows: 10 }}
        style={code}
        status={sampleInvalid ? "error" : undefined}
        onChange={(event) => setSample(event.target.value)}
      />
      {sampleInvalid ? <Typography.Text type="danger">{t("ticketTypes.rulesSampleInvalid")}</Typography.Text> : null}
      <Space>
        <Button data-testid="ticket-type-rules-try" loading={trying} onClick={() => void tryRules()}>
          {t("ticketTypes.rulesTry")}
        </Button>
        <Typography.Text type="secondary">{t("ticketTypes.rulesTryHint")}</Typography.Text>
      </Space>
      {result ? (
        <div data-testid="ticket-type-rules-result">
          <RulesOutcome result={result} labels={labels} showEmpty />
        </div>
      ) : null}
    </Space>
  );
}
