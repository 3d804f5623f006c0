/**
 * The softphone's transfer: a popover to pick an agent or a queue, then a blind transfer. A
 * call the agent made goes to a queue only (`queuesOnly`): the server hands a call out to a
 * queue, not to a named agent.
 *
 * `mode="consult"` is the same picker for a consultation (attended transfer): agents only,
 * with their presence; its test ids are `softphone-consult*` instead of `softphone-transfer*`.
 */
import { SwapOutlined, TeamOutlined } from "@ant-design/icons";
import { Alert, Button, Popover, Radio, Select, Space, Tag, Tooltip, Typography } from "antd";
import { type ReactNode, useState } from "react";
import { useErrorText } from "../../api/errors";
import { type MessageKey, useT } from "../../i18n";
import { PRESENCE_COLORS, PRESENCE_KEYS } from "../desk/presence";
import { useCallTargets } from "./targets";

interface Props {
  can: (permission: string) => boolean;
  selfId: string;
  disabled: boolean;
  /** A blind transfer (to an agent or a queue), or a consultation of an agent. */
  mode?: "transfer" | "consult";
  /** Offer queues only (a call out; transfer only). */
  queuesOnly?: boolean;
  /** Transfers, or consults `toAgentId`; a thrown error is shown in the popover. */
  onTransfer: (target: { toAgentId: string | null; toQueueId: string | null }) => Promise<void>;
}

type Kind = "agent" | "queue";

/** The texts and test ids of each mode. */
const MODES = {
  transfer: {
    testId: "softphone-transfer",
    icon: <SwapOutlined />,
    button: "softphone.transfer",
    title: "softphone.transferTitle",
    unavailable: "softphone.transferUnavailable",
    noTargets: "softphone.noTargets",
    confirm: "softphone.transfer",
  },
  consult: {
    testId: "softphone-consult",
    icon: <TeamOutlined />,
    button: "softphone.consult",
    title: "softphone.consultTitle",
    unavailable: "softphone.consultUnavailable",
    noTargets: "softphone.noConsultTargets",
    confirm: "softphone.consult",
  },
} satisfies Record<"transfer" | "consult", Record<"button" | "title" | "unavailable" | "noTargets" | "confirm", MessageKey> & { testId: string; icon: ReactNode }>;

export function TransferPopover({ can, selfId, disabled, mode = "transfer", queuesOnly = false, onTransfer }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const texts = MODES[mode];
  const agentsOnly = mode === "consult";
  const [kind, setKind] = useState<Kind>(queuesOnly && !agentsOnly ? "queue" : "agent");
  const [target, setTarget] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const targets = useCallTargets(can, selfId, open);

  if (!targets.available) {
    return (
      <Tooltip title={t(texts.unavailable)}>
        <Button size="small" icon={texts.icon} disabled data-testid={texts.testId}>
          {t(texts.button)}
        </Button>
      </Tooltip>
    );
  }

  const show = (next: boolean) => {
    setOpen(next);
    if (next) {
      setTarget(undefined);
      setFailure(undefined);
    }
  };

  const submit = async () => {
    if (!target) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await onTransfer({ toAgentId: kind === "agent" ? target : null, toQueueId: kind === "queue" ? target : null });
      setOpen(false);
    } catch (caught) {
      setFailure(caught);
    } finally {
      setBusy(false);
    }
  };

  const options =
    kind === "agent"
      ? targets.agents.map((agent) => ({
          value: agent.id,
          search: agent.name,
          label: (
            <Space size={4}>
              {agent.name}
              {agent.presence ? <Tag color={PRESENCE_COLORS[agent.presence]}>{t(PRESENCE_KEYS[agent.presence])}</Tag> : null}
            </Space>
          ) as ReactNode,
        }))
      : targets.queues.map((queue) => ({ value: queue.id, search: queue.name, label: queue.name as ReactNode }));

  const content = (
    <Space orientation="vertical" size="small" style={{ width: 280 }} data-testid={`${texts.testId}-panel`}>
      {queuesOnly || agentsOnly ? null : (
        <Radio.Group
          optionType="button"
          size="small"
          value={kind}
          onChange={(event) => {
            setKind(event.target.value as Kind);
            setTarget(undefined);
            setFailure(undefined);
          }}
          options={[
            { value: "agent", label: t("softphone.transferToAgent") },
            { value: "queue", label: t("softphone.transferToQueue") },
          ]}
        />
      )}
      <Select
        style={{ width: "100%" }}
        value={target}
        onChange={(value: string) => {
          setTarget(value);
          setFailure(undefined);
        }}
        aria-label={kind === "agent" ? t("softphone.transferToAgent") : t("softphone.transferToQueue")}
        placeholder={kind === "agent" ? t("softphone.pickAgent") : t("softphone.pickQueue")}
        loading={targets.loading}
        showSearch={{ optionFilterProp: "search" }}
        options={options}
        notFoundContent={<Typography.Text type="secondary">{t(texts.noTargets)}</Typography.Text>}
        data-testid={`${texts.testId}-target`}
      />
      {targets.error ? <Alert type="warning" showIcon title={errorText(targets.error)} /> : null}
      {failure ? <Alert type="error" showIcon title={errorText(failure)} data-testid={`${texts.testId}-error`} /> : null}
      <Button type="primary" block disabled={!target} loading={busy} onClick={() => void submit()} data-testid={`${texts.testId}-confirm`}>
        {t(texts.confirm)}
      </Button>
    </Space>
  );

  return (
    <Popover open={open && !disabled} onOpenChange={show} trigger="click" title={t(texts.title)} content={content} placement="bottom">
      <Button size="small" icon={texts.icon} disabled={disabled} data-testid={texts.testId}>
        {t(texts.button)}
      </Button>
    </Popover>
  );
}
