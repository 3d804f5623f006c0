/**
 * The agent's presence: a picker (Available, Not ready, Break, Wrap-up, Offline), a reason
 * for Not ready and Break (a preset or free text), and the time in the current state.
 */
import { App, Form, Input, Modal, Radio, Select, Space, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { newCommandId } from "../../api/client";
import { useErrorText } from "../../api/errors";
import { useMutation } from "../../api/hooks";
import { useT } from "../../i18n";
import {
  type AgentDesk,
  type AgentPresence,
  type PresenceState,
  SET_PRESENCE_MUTATION,
  type SetPresenceVariables,
} from "./desk.graphql";
import {
  CHOSEN_STATES,
  isPresenceReason,
  PRESENCE_COLORS,
  PRESENCE_KEYS,
  PRESET_REASONS,
  REASON_MAX,
  reasonText,
  STATES_WITH_REASON,
} from "./presence";
import { formatDuration, secondsSince, useNow } from "./time";

const OTHER = "__other";

interface Props {
  presence: AgentPresence;
  disabled: boolean;
  onChanged: (desk: AgentDesk) => void;
}

export function PresenceControl({ presence, disabled, onChanged }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const now = useNow(1000, presence.since != null);
  const { mutate, loading } = useMutation<{ setPresence: AgentDesk }, SetPresenceVariables>(SET_PRESENCE_MUTATION);
  const [asking, setAsking] = useState<PresenceState | null>(null);

  const change = async (state: PresenceState, reason: string | null) => {
    try {
      const data = await mutate({ commandId: newCommandId(), state, reason });
      onChanged(data.setPresence);
      return true;
    } catch (caught) {
      void message.error(errorText(caught));
      return false;
    }
  };

  const elapsed = secondsSince(presence.since, now);
  const options = CHOSEN_STATES.map((state) => ({ value: state, label: t(PRESENCE_KEYS[state]) }));
  if (!CHOSEN_STATES.includes(presence.state)) {
    options.unshift({ value: presence.state, label: t(PRESENCE_KEYS[presence.state]) });
  }

  return (
    <Space orientation="vertical" size={4} style={{ width: "100%" }}>
      <Select<PresenceState>
        data-testid="desk-presence"
        aria-label={t("desk.presence")}
        value={presence.state}
        disabled={disabled}
        loading={loading}
        style={{ width: "100%" }}
        options={options.map((option) => ({ ...option, disabled: option.value === "BUSY" }))}
        onChange={(state) => {
          if (STATES_WITH_REASON.includes(state)) setAsking(state);
          else void change(state, null);
        }}
      />
      <Space size={4} wrap>
        <Tag color={PRESENCE_COLORS[presence.state]}>{t(PRESENCE_KEYS[presence.state])}</Tag>
        {presence.reason ? <Typography.Text type="secondary">{reasonText(presence.reason, t)}</Typography.Text> : null}
        {elapsed != null ? (
          <Typography.Text type="secondary" data-testid="desk-presence-time">
            {t("desk.timeInState", { time: formatDuration(elapsed) })}
          </Typography.Text>
        ) : null}
      </Space>
      <ReasonModal
        state={asking}
        loading={loading}
        onCancel={() => setAsking(null)}
        onConfirm={async (reason) => {
          if (asking && (await change(asking, reason))) setAsking(null);
        }}
      />
    </Space>
  );
}

interface ReasonValues {
  preset: string;
  other?: string;
}

function ReasonModal({
  state,
  loading,
  onCancel,
  onConfirm,
}: {
  state: PresenceState | null;
  loading: boolean;
  onCancel: () => void;
  onConfirm: (reason: string) => Promise<void>;
}) {
  const t = useT();
  const [form] = Form.useForm<ReasonValues>();
  const presets = state ? (PRESET_REASONS[state] ?? []) : [];
  const preset = Form.useWatch("preset", form);
  const firstPreset = presets[0] ?? OTHER;

  // Each opening starts from the first preset.
  useEffect(() => {
    if (!state) return;
    form.resetFields();
    form.setFieldsValue({ preset: firstPreset, other: "" });
  }, [state, firstPreset, form]);

  return (
    <Modal
      open={state !== null}
      title={state ? t("desk.reasonTitle", { state: t(PRESENCE_KEYS[state]) }) : ""}
      okText={t("common.confirm")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "desk-presence-confirm" }}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={onCancel}
      forceRender
    >
      <Form<ReasonValues>
        form={form}
        layout="vertical"
        initialValues={{ preset: firstPreset, other: "" }}
        onFinish={(values) => void onConfirm(values.preset === OTHER ? (values.other ?? "").trim() : values.preset)}
      >
        <Form.Item name="preset" label={t("desk.reason")}>
          <Radio.Group data-testid="desk-reason">
            <Space orientation="vertical">
              {presets.map((code) => (
                <Radio key={code} value={code}>
                  {reasonText(code, t)}
                </Radio>
              ))}
              <Radio value={OTHER}>{t("desk.reasonOther")}</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        {preset === OTHER ? (
          <Form.Item
            name="other"
            rules={[
              { required: true, message: t("validation.required") },
              {
                validator: (_, value: string | undefined) =>
                  !value || isPresenceReason(value.trim())
                    ? Promise.resolve()
                    : Promise.reject(new Error(t("validation.maxChars", { max: REASON_MAX }))),
              },
            ]}
          >
            <Input autoFocus maxLength={REASON_MAX} placeholder={t("desk.reasonPlaceholder")} data-testid="desk-reason-text" />
          </Form.Item>
        ) : null}
      </Form>
    </Modal>
  );
}
