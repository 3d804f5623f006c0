/** The trunks: a table, defining and changing them, removal. */
import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { App, Button, Popconfirm, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { type CarrierRegistrationStatus, REMOVE_TRUNK_MUTATION, type Trunk } from "./telephony.graphql";
import { TrunkModal } from "./TrunkModal";

interface Props {
  trunks: readonly Trunk[];
  loading: boolean;
  canAdmin: boolean;
  onChanged: () => void;
}

export function TrunksTab({ trunks, loading, canAdmin, onChanged }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<Trunk | null | undefined>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  const remove = useMutation<{ removeTrunk: boolean }, { id: string }>(REMOVE_TRUNK_MUTATION);

  const removeTrunk = async (trunk: Trunk) => {
    setBusy(trunk.id);
    try {
      await remove.mutate({ id: trunk.id });
      void message.success(t("telephony.trunk.removed", { name: trunk.name }));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setBusy(null);
    }
    onChanged();
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("telephony.trunk.intro")}
      </Typography.Paragraph>
      {canAdmin ? (
        <Space>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)} data-testid="telephony-trunk-define">
            {t("telephony.trunk.define")}
          </Button>
        </Space>
      ) : null}
      <Table<Trunk>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={[...trunks]}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(trunk) => ({ "data-testid": "telephony-trunk-row", "data-trunk-id": trunk.id }) as object}
        locale={{ emptyText: t("telephony.trunk.empty") }}
        columns={[
          { key: "name", dataIndex: "name", title: t("telephony.trunk.name"), sorter: (a, b) => a.name.localeCompare(b.name) },
          {
            key: "peers",
            title: t("telephony.trunk.peers"),
            render: (_: unknown, trunk) =>
              trunk.peers.length === 0 ? (
                "—"
              ) : (
                <Space size={[0, 4]} wrap>
                  {trunk.peers.map((peer) => (
                    <Tag key={peer}>{peer}</Tag>
                  ))}
                </Space>
              ),
          },
          {
            key: "outboundAddress",
            title: t("telephony.trunk.outboundAddress"),
            render: (_: unknown, trunk) => trunk.outboundAddress ?? "—",
          },
          {
            key: "registration",
            title: t("telephony.trunk.registration"),
            render: (_: unknown, trunk) =>
              trunk.registration ? (
                <Space size={4} wrap>
                  <Typography.Text>{`${trunk.registration.username}@${trunk.registration.registrar}`}</Typography.Text>
                  <RegistrationState status={trunk.registration.status ?? null} />
                </Space>
              ) : (
                <Typography.Text type="secondary">{t("telephony.trunk.noRegistration")}</Typography.Text>
              ),
          },
          ...(canAdmin
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 120,
                  render: (_: unknown, trunk: Trunk) => (
                    <Space size={4}>
                      <Tooltip title={t("common.edit")}>
                        <Button
                          size="small"
                          icon={<EditOutlined />}
                          onClick={() => setEditing(trunk)}
                          aria-label={t("common.edit")}
                          data-testid="telephony-trunk-edit"
                        />
                      </Tooltip>
                      <Popconfirm
                        title={t("telephony.trunk.removeTitle", { name: trunk.name })}
                        description={<div style={{ maxWidth: 320 }}>{t("telephony.trunk.removeWarning")}</div>}
                        okText={t("telephony.remove")}
                        cancelText={t("common.cancel")}
                        okButtonProps={{ danger: true, "data-testid": "telephony-trunk-remove-confirm" }}
                        onConfirm={() => removeTrunk(trunk)}
                      >
                        <Tooltip title={t("telephony.remove")}>
                          <Button
                            size="small"
                            danger
                            icon={<DeleteOutlined />}
                            loading={busy === trunk.id && remove.loading}
                            aria-label={t("telephony.remove")}
                            data-testid="telephony-trunk-remove"
                          />
                        </Tooltip>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <TrunkModal trunk={editing} onClose={() => setEditing(undefined)} onSaved={onChanged} />
    </Space>
  );
}

const STATE_COLOURS = { REGISTERING: "processing", REGISTERED: "success", FAILED: "error" } as const;

/** The carrier registration's state as a tag; a failure's reason in its tooltip. */
function RegistrationState({ status }: { status: CarrierRegistrationStatus | null }) {
  const t = useT();
  if (!status) return null;
  const tag = (
    <Tag color={STATE_COLOURS[status.state]} data-testid="trunk-registration-state">
      {t(`telephony.trunk.registrationState.${status.state}`)}
    </Tag>
  );
  return status.detail ? <Tooltip title={status.detail}>{tag}</Tooltip> : tag;
}
