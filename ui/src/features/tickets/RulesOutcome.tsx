/**
 * What the form rules gave, under a ticket's form (and in the designer's Try): the values
 * they calculated (but those the form shows in their fields), the errors they found, or why
 * they did not run. Only shown: the server runs the rules again and its result is the one
 * recorded.
 */
import { Alert, Descriptions, Space, Typography } from "antd";
import type { CSSProperties } from "react";
import { type Translate, useT } from "../../i18n";
import type { RulesFailureKind, RulesResult } from "./rules";

const FAILURE_KEYS: Record<RulesFailureKind, string> = {
  syntax: "tickets.rules.failed.syntax",
  threw: "tickets.rules.failed.threw",
  timeout: "tickets.rules.failed.timeout",
  values: "tickets.rules.failed.values",
  unavailable: "tickets.rules.failed.unavailable",
};

export function rulesFailureText(kind: RulesFailureKind, message: string, t: Translate): string {
  return t(FAILURE_KEYS[kind], { message });
}

function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

interface Props {
  result: RulesResult | null;
  /** Field labels by key; a key without one shows as it is. */
  labels: ReadonlyMap<string, string>;
  /** Says so when the rules calculated nothing and found nothing wrong. */
  showEmpty?: boolean;
  /** Calculated keys the form shows in their fields (`FormView`'s `onCalculatedKeys`): not listed again. */
  inFields?: readonly string[];
  style?: CSSProperties;
}

export function RulesOutcome({ result, labels, showEmpty, inFields = [], style }: Props) {
  const t = useT();
  if (!result) return null;
  if (!result.ok) return <Alert type="warning" showIcon style={style} data-testid="ticket-rules-failure" title={rulesFailureText(result.kind, result.message, t)} />;
  const computed = Object.entries(result.computed).filter(([key]) => !inFields.includes(key));
  if (computed.length === 0 && result.errors.length === 0) {
    // "Nothing calculated" only when nothing was, not when the fields show it all.
    return showEmpty && Object.keys(result.computed).length === 0 ? <Typography.Paragraph type="secondary" style={style}>{t("tickets.rules.nothing")}</Typography.Paragraph> : null;
  }
  return (
    <Space orientation="vertical" style={{ width: "100%", ...style }}>
      {computed.length > 0 ? (
        <Descriptions size="small" column={1} bordered title={t("tickets.rules.computed")} data-testid="ticket-rules-computed">
          {computed.map(([key, value]) => (
            <Descriptions.Item key={key} label={labels.get(key) ?? key}>
              {shown(value)}
            </Descriptions.Item>
          ))}
        </Descriptions>
      ) : null}
      {result.errors.length > 0 ? (
        <Alert
          type="error"
          showIcon
          data-testid="ticket-rules-errors"
          title={t("tickets.rules.errors")}
          description={
            <ul style={{ margin: 0, paddingInlineStart: "1.2em" }}>
              {result.errors.map((problem, index) => (
                <li key={index}>{`${labels.get(problem.field) ?? problem.field}: ${problem.message}`}</li>
              ))}
            </ul>
          }
        />
      ) : null}
    </Space>
  );
}
