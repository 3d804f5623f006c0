/**
 * The page an outside collaborator opens from the link mailed to them (`/collaborate#<link>`),
 * without logging in: the ticket and the step, the step's form (its read-only fields shown,
 * its editable ones to fill in) and Send, which completes the step with the values of the
 * editable fields only. A link that is not genuine, has expired, or whose step is done or
 * ticket closed shows why instead; a refused answer shows why above Send and keeps what was
 * typed.
 */
import { Alert, Button, Card, Layout, Result, Skeleton, Space, theme, Typography } from "antd";
import { useEffect, useMemo, useRef, useState } from "react";
import { CLIENT_CODES, GraphqlError } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useI18n } from "../../i18n";
import { LanguageMenu } from "../../i18n/LanguageMenu";
import { formatDateTime } from "../../i18n/format";
import type { FormViewApi } from "../tickets/FormView";
import { LazyFormView } from "../tickets/LazyFormView";
import type { FormValues } from "../tickets/tickets.graphql";
import { editableValues, formFields, schemaForStep, serverDetail, ticketFieldErrors } from "../tickets/workflow";
import { fetchTicketLink, submitTicketLink, type TicketLink, ticketLinkDirectory } from "./api";

type Load = { state: "loading" } | { state: "failed"; error: unknown } | { state: "ready"; link: TicketLink };

/** Refusals that say the step cannot be filled in any more (rather than that something broke). */
const WARNING_CODES = new Set(["ticket.link_expired", "ticket.link_superseded", "ticket.no_such_task", "ticket.closed"]);
/** Failures worth another try as they are. */
const RETRY_CODES = new Set<string>([CLIENT_CODES.network, CLIENT_CODES.badResponse, "internal"]);

export function CollaboratePage({ link }: { link: string }) {
  const [load, setLoad] = useState<Load>(() => (link ? { state: "loading" } : { state: "failed", error: new GraphqlError("ticket.link_invalid", "") }));
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!link) return;
    const abort = new AbortController();
    setLoad({ state: "loading" });
    fetchTicketLink(link, abort.signal).then(
      (answer) => setLoad({ state: "ready", link: answer }),
      (error: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: "failed", error });
      },
    );
    return () => abort.abort();
  }, [link, attempt]);

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <div style={{ maxWidth: 720, width: "100%", margin: "0 auto", padding: "8px 12px 24px", boxSizing: "border-box" }} data-testid="collaborate-page">
        <div style={{ display: "flex", justifyContent: "flex-end" }}>
          <LanguageMenu testId="collaborate-language" />
        </div>
        <Card>
          {load.state === "loading" ? <Skeleton active /> : null}
          {load.state === "failed" ? <LoadFailed error={load.error} onRetry={() => setAttempt((count) => count + 1)} /> : null}
          {load.state === "ready" ? <StepForm link={link} step={load.link} /> : null}
        </Card>
      </div>
    </Layout>
  );
}

function LoadFailed({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const code = error instanceof GraphqlError ? error.code : "";
  return (
    <Result
      status={WARNING_CODES.has(code) ? "warning" : "error"}
      title={errorText(error)}
      data-testid="collaborate-error"
      data-code={code}
      extra={
        RETRY_CODES.has(code) ? (
          <Button data-testid="collaborate-retry" onClick={onRetry}>
            {t("common.retry")}
          </Button>
        ) : undefined
      }
    />
  );
}

function StepForm({ link, step }: { link: string; step: TicketLink }) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { token } = theme.useToken();
  const schema = useMemo(() => schemaForStep(step.form, step.fields), [step.form, step.fields]);
  const labels = useMemo(() => new Map(formFields(step.form).map((field) => [field.key, field.label])), [step.form]);
  const directory = useMemo(() => ticketLinkDirectory(link, step.references, step.queryLabels ?? []), [link, step.references, step.queryLabels]);
  const [values, setValues] = useState<FormValues>(step.values);
  const viewer = useRef<FormViewApi | null>(null);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const problems = ticketFieldErrors(sendError);

  useEffect(() => {
    document.title = `${step.ticketNumber} · ${step.stepName}`;
  }, [step.ticketNumber, step.stepName]);

  const send = async () => {
    setSendError(undefined);
    if (viewer.current && !viewer.current.validate()) return;
    setSending(true);
    try {
      await submitTicketLink(link, editableValues(values, step.fields));
    } catch (caught) {
      setSendError(caught);
      return;
    } finally {
      setSending(false);
    }
    setDone(true);
  };

  if (done) {
    return <Result status="success" title={t("collaborate.done")} subTitle={t("collaborate.doneHint")} data-testid="collaborate-done" />;
  }

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <div data-testid="collaborate-header">
        <Typography.Text type="secondary" data-testid="collaborate-organisation">
          {step.organisation}
        </Typography.Text>
        <Typography.Title level={4} style={{ marginTop: token.marginXXS, marginBottom: token.marginXXS, overflowWrap: "anywhere" }}>
          <span data-testid="collaborate-ticket">{step.ticketNumber}</span> · {step.title}
        </Typography.Title>
        <Space orientation="vertical" size={0}>
          <Typography.Text strong data-testid="collaborate-step">
            {t("collaborate.step", { step: step.stepName })}
          </Typography.Text>
          <Typography.Text type="secondary" style={{ overflowWrap: "anywhere" }}>
            {t("collaborate.for", { address: step.address })}
          </Typography.Text>
          <Typography.Text type="secondary" data-testid="collaborate-expires">
            {t("collaborate.expiresAt", { time: formatDateTime(step.expiresAt, locale) })}
          </Typography.Text>
        </Space>
      </div>

      <div style={{ border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadius, padding: token.paddingSM, minWidth: 0 }}>
        <LazyFormView
          schema={schema}
          data={step.values}
          directory={directory}
          onChange={setValues}
          onReady={(api) => {
            viewer.current = api;
          }}
        />
      </div>

      {sendError ? (
        <Alert
          type="error"
          showIcon
          data-testid="collaborate-submit-error"
          title={errorText(sendError)}
          description={problems.length > 0 ? problems.map((problem) => `${labels.get(problem.field) ?? problem.field}: ${problem.message}`).join("; ") : (serverDetail(sendError) ?? invalidValuesDetail(sendError))}
        />
      ) : null}

      <Button type="primary" block data-testid="collaborate-submit" loading={sending} onClick={() => void send()}>
        {t("collaborate.submit")}
      </Button>
    </Space>
  );
}

/** The server's words on refused values when they name no field we can read. */
function invalidValuesDetail(error: unknown): string | undefined {
  return error instanceof GraphqlError && error.code === "ticket.invalid_values" && error.serverMessage ? error.serverMessage : undefined;
}
