/** The access numbers: a table, assigning a number to a queue, releasing it. */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { App, Button, Popconfirm, Space, Table, Typography } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { AccessNumberModal, type QueueChoice } from "./AccessNumberModal";
import { type AccessNumber, RELEASE_ACCESS_NUMBER_MUTATION, type Trunk } from "./telephony.graphql";

interface Props {
  accessNumbers: readonly AccessNumber[];
  queues: readonly QueueChoice[];
  trunks: readonly Trunk[];
  loading: boolean;
  canAdmin: boolean;
  onChanged: () => void;
}

export function AccessNumbersTab({ accessNumbers, queues, trunks, loading, canAdmin, onChanged }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [assigning, setAssigning] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const release = useMutation<{ releaseAccessNumber: boolean }, { number: string }>(RELEASE_ACCESS_NUMBER_MUTATION);
  const queueNames = useMemo(() => new Map(queues.map((queue) => [queue.id, queue.name])), [queues]);
  const trunkNames = useMemo(() => new Map(trunks.map((trunk) => [trunk.id, trunk.name])), [trunks]);

  const releaseNumber = async (accessNumber: AccessNumber) => {
    setBusy(accessNumber.number);
    try {
      await release.mutate({ number: accessNumber.number });
      void message.success(t("telephony.accessNumber.released", { number: accessNumber.number }));
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
        {t("telephony.accessNumber.intro")}
      </Typography.Paragraph>
      {canAdmin ? (
        <Space>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setAssigning(true)} data-testid="telephony-access-number-assign">
            {t("telephony.accessNumber.assign")}
          </Button>
        </Space>
      ) : null}
      <Table<AccessNumber>
        rowKey="number"
        size="middle"
        loading={loading}
        dataSource={[...accessNumbers]}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(accessNumber) => ({ "data-testid": "telephony-access-number-row", "data-number": accessNumber.number }) as object}
        locale={{ emptyText: t("telephony.accessNumber.empty") }}
        columns={[
          {
            key: "number",
            dataIndex: "number",
            title: t("telephony.accessNumber.number"),
            sorter: (a, b) => a.number.localeCompare(b.number, undefined, { numeric: true }),
            defaultSortOrder: "ascend",
          },
          {
            key: "queue",
            title: t("telephony.accessNumber.queue"),
            render: (_: unknown, accessNumber) => queueNames.get(accessNumber.queueId) ?? accessNumber.queueId.slice(0, 8),
          },
          {
            key: "trunk",
            title: t("telephony.accessNumber.trunk"),
            render: (_: unknown, accessNumber) =>
              accessNumber.trunkId ? (
                (trunkNames.get(accessNumber.trunkId) ?? accessNumber.trunkId.slice(0, 8))
              ) : (
                <Typography.Text type="secondary">{t("telephony.accessNumber.anyTrunk")}</Typography.Text>
              ),
          },
          { key: "description", dataIndex: "description", title: t("telephony.accessNumber.description") },
          ...(canAdmin
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 120,
                  render: (_: unknown, accessNumber: AccessNumber) => (
                    <Popconfirm
                      title={t("telephony.accessNumber.releaseTitle", { number: accessNumber.number })}
                      description={<div style={{ maxWidth: 320 }}>{t("telephony.accessNumber.releaseWarning", { number: accessNumber.number })}</div>}
                      okText={t("telephony.accessNumber.release")}
                      cancelText={t("common.cancel")}
                      okButtonProps={{ danger: true, "data-testid": "telephony-access-number-release-confirm" }}
                      onConfirm={() => releaseNumber(accessNumber)}
                    >
                      <Button
                        size="small"
                        danger
                        icon={<DeleteOutlined />}
                        loading={busy === accessNumber.number && release.loading}
                        data-testid="telephony-access-number-release"
                      >
                        {t("telephony.accessNumber.release")}
                      </Button>
                    </Popconfirm>
                  ),
                },
              ]
            : []),
        ]}
      />
      <AccessNumberModal open={assigning} queues={queues} trunks={trunks} onClose={() => setAssigning(false)} onSaved={onChanged} />
    </Space>
  );
}
