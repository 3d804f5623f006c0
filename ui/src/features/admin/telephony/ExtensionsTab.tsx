/** The extensions: a table, provisioning (the password shown once), changes, a new password
 * and removal, with the SIP settings a phone needs. */
import { DeleteOutlined, EditOutlined, KeyOutlined, PlusOutlined } from "@ant-design/icons";
import { App, Button, Popconfirm, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useMutation } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { SecretModal } from "../../integrations/webhooks/SecretModal";
import { ExtensionModal, type UserChoice } from "./ExtensionModal";
import { sipServer } from "./rules";
import {
  type Extension,
  type ProvisionedExtension,
  REMOVE_EXTENSION_MUTATION,
  ROTATE_EXTENSION_PASSWORD_MUTATION,
} from "./telephony.graphql";

interface Props {
  extensions: readonly Extension[];
  users: readonly UserChoice[];
  loading: boolean;
  canAdmin: boolean;
  /** The tenant's slug: the SIP domain; null outside a tenant. */
  tenantSlug: string | null;
  onChanged: () => void;
}

export function ExtensionsTab({ extensions, users, loading, canAdmin, tenantSlug, onChanged }: Props) {
  const t = useT();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<Extension | null | undefined>(undefined);
  const [shown, setShown] = useState<ProvisionedExtension | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const rotate = useMutation<{ rotateExtensionPassword: ProvisionedExtension }, { id: string }>(ROTATE_EXTENSION_PASSWORD_MUTATION);
  const remove = useMutation<{ removeExtension: boolean }, { id: string }>(REMOVE_EXTENSION_MUTATION);
  const userById = useMemo(() => new Map(users.map((user) => [user.agentId, user])), [users]);
  const server = sipServer(window.location.hostname);
  const domain = tenantSlug ?? "—";

  /** Runs one action on an extension, its errors in the user's language. */
  const act = async (extension: Extension, action: () => Promise<void>) => {
    setBusy(extension.id);
    try {
      await action();
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setBusy(null);
    }
    onChanged();
  };

  const rotatePassword = (extension: Extension) =>
    act(extension, async () => {
      const { rotateExtensionPassword } = await rotate.mutate({ id: extension.id });
      setShown(rotateExtensionPassword);
    });

  const removeExtension = (extension: Extension) =>
    act(extension, async () => {
      await remove.mutate({ id: extension.id });
      void message.success(t("telephony.extension.removed", { number: extension.number }));
    });

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("telephony.extension.intro")}
      </Typography.Paragraph>
      {canAdmin ? (
        <Space>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)} data-testid="telephony-provision">
            {t("telephony.extension.provision")}
          </Button>
        </Space>
      ) : null}
      <Table<Extension>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={[...extensions]}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(extension) => ({ "data-testid": "telephony-extension-row", "data-extension-id": extension.id }) as object}
        locale={{ emptyText: t("telephony.extension.empty") }}
        columns={[
          {
            key: "number",
            dataIndex: "number",
            title: t("telephony.extension.number"),
            width: 140,
            sorter: (a, b) => a.number.localeCompare(b.number, undefined, { numeric: true }),
            defaultSortOrder: "ascend",
          },
          { key: "displayName", dataIndex: "displayName", title: t("telephony.extension.displayName") },
          {
            key: "user",
            title: t("telephony.extension.user"),
            render: (_: unknown, extension) => {
              if (!extension.userId) return <Typography.Text type="secondary">{t("telephony.extension.noUser")}</Typography.Text>;
              const user = userById.get(extension.userId);
              return user ? (
                <Space orientation="vertical" size={0}>
                  <Typography.Text>{user.name}</Typography.Text>
                  <Typography.Text type="secondary">{user.username}</Typography.Text>
                </Space>
              ) : (
                <Typography.Text type="secondary">{extension.userId.slice(0, 8)}</Typography.Text>
              );
            },
          },
          {
            key: "sip",
            title: t("telephony.extension.sip"),
            render: (_: unknown, extension) => (
              <Typography.Text type="secondary" data-testid="telephony-extension-sip">
                {t("telephony.sipSettings", { server, user: extension.number, domain })}
              </Typography.Text>
            ),
          },
          {
            key: "phone",
            dataIndex: "registered",
            title: t("telephony.extension.phone"),
            width: 140,
            render: (registered: boolean | undefined) =>
              registered ? (
                <Tag color="blue" data-testid="telephony-extension-registered">
                  {t("telephony.extension.registered")}
                </Tag>
              ) : (
                <Tag>{t("telephony.extension.unregistered")}</Tag>
              ),
          },
          {
            key: "enabled",
            dataIndex: "enabled",
            title: t("telephony.extension.enabled"),
            width: 120,
            render: (enabled: boolean) =>
              enabled ? <Tag color="green">{t("telephony.extension.on")}</Tag> : <Tag>{t("telephony.extension.off")}</Tag>,
          },
          ...(canAdmin
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 260,
                  render: (_: unknown, extension: Extension) => (
                    <Space size={4} wrap>
                      <Tooltip title={t("common.edit")}>
                        <Button
                          size="small"
                          icon={<EditOutlined />}
                          onClick={() => setEditing(extension)}
                          aria-label={t("common.edit")}
                          data-testid="telephony-extension-edit"
                        />
                      </Tooltip>
                      <Popconfirm
                        title={t("telephony.extension.rotateTitle", { number: extension.number })}
                        description={<div style={{ maxWidth: 320 }}>{t("telephony.extension.rotateWarning")}</div>}
                        okText={t("telephony.extension.rotate")}
                        cancelText={t("common.cancel")}
                        okButtonProps={{ danger: true, "data-testid": "telephony-extension-rotate-confirm" }}
                        onConfirm={() => rotatePassword(extension)}
                      >
                        <Button
                          size="small"
                          icon={<KeyOutlined />}
                          loading={busy === extension.id && rotate.loading}
                          data-testid="telephony-extension-rotate"
                        >
                          {t("telephony.extension.rotate")}
                        </Button>
                      </Popconfirm>
                      <Popconfirm
                        title={t("telephony.extension.removeTitle", { number: extension.number })}
                        description={<div style={{ maxWidth: 320 }}>{t("telephony.extension.removeWarning", { number: extension.number })}</div>}
                        okText={t("telephony.remove")}
                        cancelText={t("common.cancel")}
                        okButtonProps={{ danger: true, "data-testid": "telephony-extension-remove-confirm" }}
                        onConfirm={() => removeExtension(extension)}
                      >
                        <Tooltip title={t("telephony.remove")}>
                          <Button
                            size="small"
                            danger
                            icon={<DeleteOutlined />}
                            loading={busy === extension.id && remove.loading}
                            aria-label={t("telephony.remove")}
                            data-testid="telephony-extension-remove"
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
      <ExtensionModal
        extension={editing}
        users={users}
        onClose={() => setEditing(undefined)}
        onSaved={(provisioned) => {
          if (provisioned) setShown(provisioned);
          onChanged();
        }}
      />
      <SecretModal
        secret={shown ? { subject: `${shown.extension.number} · ${shown.extension.displayName}`, value: shown.password } : null}
        onClose={() => setShown(null)}
        texts={{ title: t("telephony.password.title"), warning: t("telephony.password.warning"), howTo: t("telephony.password.howTo") }}
        testId="telephony-password"
        extra={
          shown ? (
            <Typography.Paragraph style={{ marginBottom: 0 }} data-testid="telephony-sip-settings">
              {t("telephony.sipSettings", { server, user: shown.extension.number, domain })}
            </Typography.Paragraph>
          ) : null
        }
      />
    </Space>
  );
}
