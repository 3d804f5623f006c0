/**
 * The softphone bar's call controls (registered with `registerSoftphoneBar`): the signed-in
 * agent's call now (`myCall`, polled every second), its state, the caller, the access number
 * they dialled and a timer (from the answer; while ringing, from the arrival), with Hold or
 * Resume, Transfer, Consult and Hang up. Calls are answered on the desk phone, which rings; an
 * inbound call that starts ringing opens the screen pop.
 *
 * Consult (attended transfer): the connected agent picks another agent (`TransferPopover` in
 * consult mode): the caller is held and that agent's desk phone rings. Meanwhile the bar says
 * whom they call, then that they talk with them, with Complete transfer (once they answered:
 * the call becomes theirs and this bar goes idle), Back to caller and Hang up (the whole call).
 * The consulted agent's bar shows the call too ("Consultation from ..."): pick up the desk
 * phone, then Hang up ends the consultation only. No screen pop for them until the transfer
 * completes and the call is theirs (inbound calls, as for a ringing call).
 *
 * With no call, the bar dials out (`DialPad`, or `useDial()` from a page): the agent's desk
 * phone rings first ("pick up your phone"), then the number is dialled (DIALING) and the call
 * connects when answered. Hang up cancels an outbound call that is not connected yet.
 */
import { PauseCircleOutlined, PhoneOutlined, PlayCircleOutlined, RollbackOutlined, SwapOutlined } from "@ant-design/icons";
import { App, Badge, Button, notification, Space, Tag, Tooltip, Typography } from "antd";
import { type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { GraphqlError, request } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useT } from "../../i18n";
import { useShell } from "../shell/ShellContext";
import { agentLabel, useAgentNames } from "./agentNames";
import {
  type CallIdVariables,
  type CallRecord,
  CANCEL_CONSULT_MUTATION,
  COMPLETE_TRANSFER_MUTATION,
  CONSULT_CALL_MUTATION,
  type ConsultCallVariables,
  DIAL_MUTATION,
  type DialData,
  type DialVariables,
  HANG_UP_CALL_MUTATION,
  HOLD_CALL_MUTATION,
  MY_CALL_QUERY,
  type MyCallData,
  RESUME_CALL_MUTATION,
  TRANSFER_CALL_MUTATION,
  type TransferCallVariables,
} from "./calls.graphql";
import { CallScreenPop } from "./CallScreenPop";
import { onDialRequest } from "./dial";
import { DialPad } from "./DialPad";
import { formatDuration, secondsSince } from "./format";
import { TransferPopover } from "./TransferPopover";

/** How often the bar asks for the call. */
export const POLL_MS = 1000;
/** After an error, and while the server has no `myCall` at all (an older version). */
const RETRY_MS = 5000;
const UNSUPPORTED_RETRY_MS = 60_000;

interface Polled {
  call: CallRecord | null;
  error: GraphqlError | undefined;
  /** The server has no `myCall` (it answers `graphql.invalid_request`). */
  unsupported: boolean;
}

function asGraphqlError(caught: unknown): GraphqlError {
  return caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught));
}

/** `myCall`, asked again a second after each answer; `replace` shows a mutation's answer at once. */
function useMyCall(): Polled & { replace: (call: CallRecord | null) => void } {
  const [state, setState] = useState<Polled>({ call: null, error: undefined, unsupported: false });
  // A poll sent before a mutation may answer after it: such an answer is dropped.
  const epoch = useRef(0);
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      const sent = epoch.current;
      let next = POLL_MS;
      try {
        const data = await request<MyCallData>(MY_CALL_QUERY);
        if (stopped) return;
        if (sent === epoch.current) setState({ call: data.myCall, error: undefined, unsupported: false });
      } catch (caught) {
        if (stopped) return;
        const error = asGraphqlError(caught);
        if (error.code === "graphql.invalid_request") {
          setState({ call: null, error: undefined, unsupported: true });
          next = UNSUPPORTED_RETRY_MS;
        } else {
          setState((previous) => ({ ...previous, error }));
          next = RETRY_MS;
        }
      }
      if (!stopped) timer = window.setTimeout(() => void poll(), next);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, []);
  const replace = useCallback((call: CallRecord | null) => {
    epoch.current++;
    setState({ call, error: undefined, unsupported: false });
  }, []);
  return { ...state, replace };
}

/** The time now, a second at a time while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [running]);
  return now;
}

type Action = "hold" | "resume" | "hangUp" | "cancelConsult" | "completeTransfer";

const ACTION_MUTATIONS: Record<Action, { document: string; field: string }> = {
  hold: { document: HOLD_CALL_MUTATION, field: "holdCall" },
  resume: { document: RESUME_CALL_MUTATION, field: "resumeCall" },
  hangUp: { document: HANG_UP_CALL_MUTATION, field: "hangUpCall" },
  cancelConsult: { document: CANCEL_CONSULT_MUTATION, field: "cancelConsult" },
  completeTransfer: { document: COMPLETE_TRANSFER_MUTATION, field: "completeTransfer" },
};

export function SoftphoneCall() {
  const t = useT();
  const errorText = useErrorText();
  const { me, access, openTab } = useShell();
  const can = useCallback((permission: string) => access.permissions.has(permission), [access.permissions]);
  const { message } = App.useApp();
  const [popups, popupHolder] = notification.useNotification();
  const polled = useMyCall();
  const { replace } = polled;
  // An ended call is no call: the bar goes back to idle.
  const call = polled.call && polled.call.status !== "ENDED" ? polled.call : null;
  const now = useNow(call !== null);
  const [busy, setBusy] = useState<Action | "transfer" | "consult" | "dial" | null>(null);
  const [failure, setFailure] = useState<unknown>();
  const [number, setNumber] = useState("");
  const popped = useRef<string | null>(null);
  // The call this agent was last consulted on: its screen pop opens once it is theirs.
  const consultedOn = useRef<string | null>(null);
  // Names of the consulting and consulted agents, asked for while a consultation is on.
  const names = useAgentNames(can, me, { skip: !call?.consultAgentId });
  // A mutation's answer is shown only while the call is still this agent's (a transfer, a
  // completed one or the consulted agent's hang-up hands it to someone else).
  const mine = useCallback(
    (answered: CallRecord | null | undefined): CallRecord | null =>
      answered && answered.status !== "ENDED" && [answered.agentId, answered.ringingAgentId, answered.consultAgentId].includes(me.id) ? answered : null,
    [me.id],
  );
  // One dial at a time (a page may ask while the bar's own is on its way).
  const dialInFlight = useRef(false);

  // An inbound call that starts ringing opens the screen pop, once per call (an outbound
  // call's number is the one the agent chose); so does one this agent was consulted on, once
  // the transfer completes and it is theirs (not while they are only consulted).
  useEffect(() => {
    if (!call || call.direction === "OUTBOUND" || popped.current === call.id) return;
    if (call.consultAgentId === me.id) {
      consultedOn.current = call.id;
      return;
    }
    const takenOver = consultedOn.current === call.id && call.agentId === me.id;
    if (call.status !== "RINGING" && !takenOver) return;
    popped.current = call.id;
    const key = `call-${call.id}`;
    popups.open({
      key,
      duration: 0,
      placement: "topRight",
      title: t("softphone.incoming"),
      description: (
        <CallScreenPop
          call={call}
          canSearch={can("menu.customers")}
          openTab={can("menu.customers") ? openTab : null}
          onDone={() => popups.destroy(key)}
        />
      ),
    });
  }, [call, me.id, popups, t, can, openTab]);

  // A new call starts without the last one's error.
  const callId = call?.id ?? null;
  useEffect(() => setFailure(undefined), [callId]);

  const act = async (action: Action) => {
    if (!call) return;
    setBusy(action);
    setFailure(undefined);
    try {
      const { document, field } = ACTION_MUTATIONS[action];
      const data = await request<Record<string, CallRecord>>(document, { id: call.id } satisfies CallIdVariables);
      replace(mine(data[field]));
      if (action === "completeTransfer") void message.success(t("softphone.transferred"));
    } catch (caught) {
      setFailure(caught);
    } finally {
      setBusy(null);
    }
  };

  const dial = useCallback(
    async (wanted: string) => {
      if (dialInFlight.current) return;
      dialInFlight.current = true;
      setBusy("dial");
      setFailure(undefined);
      setNumber(wanted);
      try {
        const variables: DialVariables = { number: wanted, trunkId: null };
        const data = await request<DialData>(DIAL_MUTATION, variables as unknown as Record<string, unknown>);
        setNumber("");
        replace(data.dial.status === "ENDED" ? null : data.dial);
      } catch (caught) {
        setFailure(caught);
      } finally {
        dialInFlight.current = false;
        setBusy(null);
      }
    },
    [replace],
  );

  // A number to call from a page (`useDial`).
  useEffect(() => onDialRequest((wanted) => void dial(wanted)), [dial]);

  const transfer = async (target: { toAgentId: string | null; toQueueId: string | null }) => {
    if (!call) return;
    setBusy("transfer");
    try {
      const variables: TransferCallVariables = { id: call.id, ...target };
      const data = await request<{ transferCall: CallRecord }>(TRANSFER_CALL_MUTATION, variables as unknown as Record<string, unknown>);
      // The agent's leg ends with a transfer: the call is no longer theirs.
      replace(data.transferCall.agentId === me.id && data.transferCall.status !== "ENDED" ? data.transferCall : null);
      void message.success(t("softphone.transferred"));
    } finally {
      setBusy(null);
    }
  };

  // Consults an agent; a refusal is thrown to the popover, which shows it.
  const consult = async ({ toAgentId }: { toAgentId: string | null }) => {
    if (!call || !toAgentId) return;
    setBusy("consult");
    setFailure(undefined);
    try {
      const variables: ConsultCallVariables = { id: call.id, agentId: toAgentId };
      const data = await request<{ consultCall: CallRecord }>(CONSULT_CALL_MUTATION, variables as unknown as Record<string, unknown>);
      replace(mine(data.consultCall));
    } finally {
      setBusy(null);
    }
  };

  if (polled.unsupported) {
    return <Typography.Text type="secondary">{t("softphone.notConnected")}</Typography.Text>;
  }

  const pollError = polled.error ? (
    <Typography.Text type="warning" data-testid="softphone-poll-error">
      {errorText(polled.error)}
    </Typography.Text>
  ) : null;

  if (!call) {
    return (
      <Space size="small" data-testid="softphone-call" data-state="IDLE">
        {popupHolder}
        <Typography.Text type="secondary">{t("softphone.idle")}</Typography.Text>
        <DialPad value={number} onChange={setNumber} onDial={() => void dial(number.trim())} busy={busy === "dial"} />
        {failure ? (
          <Typography.Text type="danger" data-testid="softphone-error">
            {errorText(failure)}
          </Typography.Text>
        ) : null}
        {pollError}
      </Space>
    );
  }

  const outbound = call.direction === "OUTBOUND";
  const ringing = call.status === "RINGING";
  const dialing = call.status === "DIALING";
  const held = call.status === "HELD";
  const since = ringing || dialing || !call.answeredAt ? call.arrivedAt : call.answeredAt;
  const connected = call.status === "CONNECTED" || held;
  // A consultation: this agent consults another (the caller is held), or is the one consulted.
  const consulting = call.consultAgentId !== null && call.agentId === me.id;
  const consulted = call.consultAgentId === me.id && call.agentId !== me.id;
  const consultRinging = call.consultStatus !== "CONNECTED";
  const consultingName = call.agentId ? agentLabel(names, call.agentId) : "—";
  const consultedName = call.consultAgentId ? agentLabel(names, call.consultAgentId) : "—";
  // An outbound call not connected yet may be cancelled.
  const cancellable = outbound && (ringing || dialing);
  const dialedNumber = call.dialedNumber || t("softphone.unknownNumber");
  const timerKey = cancellable ? "softphone.timerDialing" : ringing ? "softphone.timerRinging" : "softphone.timerTalking";

  const hangUp = (
    <Button size="small" danger loading={busy === "hangUp"} disabled={busy !== null} onClick={() => void act("hangUp")} data-testid="softphone-hang-up">
      {t("softphone.hangUp")}
    </Button>
  );

  let state: ReactNode;
  if (ringing || dialing || (consulted && consultRinging)) {
    state = (
      <Tag color="processing" data-testid="softphone-state">
        <Space size={4}>
          <Badge status="processing" />
          {t(dialing ? "softphone.dialing" : "softphone.ringing")}
        </Space>
      </Tag>
    );
  } else if (consulted) {
    state = (
      <Tag color="success" data-testid="softphone-state">
        {t("softphone.consultation")}
      </Tag>
    );
  } else {
    state = (
      <Tag color={held ? "warning" : "success"} data-testid="softphone-state">
        {t(held ? "softphone.held" : "softphone.connected")}
      </Tag>
    );
  }

  let controls: ReactNode = null;
  if (consulted) {
    // Consulted: pick up the desk phone; then Hang up ends the consultation, not the call.
    controls = consultRinging ? (
      <Typography.Text type="secondary" data-testid="softphone-answer-hint">
        <PhoneOutlined /> {t("softphone.answerOnDesk")}
      </Typography.Text>
    ) : (
      hangUp
    );
  } else if (consulting) {
    controls = (
      <>
        <Typography.Text data-testid="softphone-consult-state" data-consult-status={call.consultStatus ?? undefined}>
          <Space size={4}>
            <Badge status={consultRinging ? "processing" : "success"} />
            {t(consultRinging ? "softphone.consultRinging" : "softphone.consultConnected", { name: consultedName })}
          </Space>
        </Typography.Text>
        <Tooltip title={consultRinging ? t("softphone.completeTransferWaiting", { name: consultedName }) : undefined}>
          <Button
            size="small"
            type="primary"
            icon={<SwapOutlined />}
            loading={busy === "completeTransfer"}
            disabled={busy !== null || consultRinging}
            onClick={() => void act("completeTransfer")}
            data-testid="softphone-complete-transfer"
          >
            {t("softphone.completeTransfer")}
          </Button>
        </Tooltip>
        <Button size="small" icon={<RollbackOutlined />} loading={busy === "cancelConsult"} disabled={busy !== null} onClick={() => void act("cancelConsult")} data-testid="softphone-cancel-consult">
          {t("softphone.cancelConsult")}
        </Button>
        {hangUp}
      </>
    );
  } else if (cancellable) {
    controls = (
      <>
        <Typography.Text type="secondary" data-testid="softphone-dial-hint">
          <PhoneOutlined /> {ringing ? t("softphone.pickUpToCall", { number: dialedNumber }) : t("softphone.calling", { number: dialedNumber })}
        </Typography.Text>
        {hangUp}
      </>
    );
  } else if (connected) {
    controls = (
      <>
        {held ? (
          <Button size="small" icon={<PlayCircleOutlined />} loading={busy === "resume"} disabled={busy !== null} onClick={() => void act("resume")} data-testid="softphone-resume">
            {t("softphone.resume")}
          </Button>
        ) : (
          <Button size="small" icon={<PauseCircleOutlined />} loading={busy === "hold"} disabled={busy !== null} onClick={() => void act("hold")} data-testid="softphone-hold">
            {t("softphone.hold")}
          </Button>
        )}
        <TransferPopover can={can} selfId={me.id} disabled={busy !== null} queuesOnly={outbound} onTransfer={transfer} />
        <TransferPopover can={can} selfId={me.id} disabled={busy !== null} mode="consult" onTransfer={consult} />
        {hangUp}
      </>
    );
  }

  return (
    <Space
      size="small"
      wrap
      data-testid="softphone-call"
      data-state={call.status}
      data-direction={call.direction}
      data-call-id={call.id}
      data-consult={consulting ? "consulting" : consulted ? "consulted" : undefined}
    >
      {popupHolder}
      {state}
      {consulted ? (
        <Typography.Text strong data-testid="softphone-consulted">
          {t("softphone.consulted", { name: consultingName })}
        </Typography.Text>
      ) : null}
      {outbound ? (
        <>
          <Tooltip title={t("softphone.outbound")}>
            <Typography.Text strong data-testid="softphone-caller">
              {dialedNumber}
            </Typography.Text>
          </Tooltip>
          {call.accessNumber ? (
            <Typography.Text type="secondary" data-testid="softphone-access-number">
              {t("softphone.callerId", { number: call.accessNumber })}
            </Typography.Text>
          ) : null}
        </>
      ) : (
        <>
          <Typography.Text strong data-testid="softphone-caller">
            {call.callerNumber || t("softphone.unknownCaller")}
          </Typography.Text>
          <Typography.Text type="secondary" data-testid="softphone-access-number">
            {t("softphone.dialled", { number: call.accessNumber })}
          </Typography.Text>
        </>
      )}
      <Tooltip title={t(timerKey)}>
        <Typography.Text code data-testid="softphone-timer">
          {formatDuration(secondsSince(since, now))}
        </Typography.Text>
      </Tooltip>
      {ringing && !outbound ? (
        <Typography.Text type="secondary" data-testid="softphone-answer-hint">
          <PhoneOutlined /> {t("softphone.answerOnDesk")}
        </Typography.Text>
      ) : null}
      {controls}
      {failure ? (
        <Typography.Text type="danger" data-testid="softphone-error">
          {errorText(failure)}
        </Typography.Text>
      ) : null}
      {pollError}
    </Space>
  );
}
