/**
 * Telephony administration (`menu.admin.telephony`; changes need `telephony.admin`): the
 * extensions phones register as (with the SIP settings they need and a password shown once),
 * the trunks carriers' calls arrive on, the access numbers that lead callers to a queue, and
 * the music waiting and held callers hear.
 */
import { ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Space, Tabs } from "antd";
import { useContext, useMemo, useState } from "react";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useT } from "../../../i18n";
import { usePermission } from "../../customers/access";
import { ShellContext } from "../../shell/ShellContext";
import { AccessNumbersTab } from "./AccessNumbersTab";
import { ExtensionsTab } from "./ExtensionsTab";
import { MusicTab } from "./MusicTab";
import {
  MUSIC_FILES_QUERY,
  type MusicFilesData,
  TELEPHONY_CHOICES_QUERY,
  TELEPHONY_QUERY,
  type TelephonyChoicesData,
  type TelephonyData,
} from "./telephony.graphql";
import { TrunksTab } from "./TrunksTab";

/** Who may change telephony settings; everyone who opens the page sees them. */
export const TELEPHONY_ADMIN = "telephony.admin";

type TabKey = "extensions" | "trunks" | "accessNumbers" | "music";

export function TelephonyPage() {
  const t = useT();
  const errorText = useErrorText();
  const can = usePermission();
  const canAdmin = can(TELEPHONY_ADMIN);
  const tenantSlug = useContext(ShellContext)?.tenant?.slug ?? null;
  const { data, error, loading, refetch } = useQuery<TelephonyData>(TELEPHONY_QUERY);
  const choices = useQuery<TelephonyChoicesData>(TELEPHONY_CHOICES_QUERY);
  const music = useQuery<MusicFilesData>(MUSIC_FILES_QUERY);
  const [tab, setTab] = useState<TabKey>("extensions");
  const users = useMemo(() => choices.data?.acdAgents ?? [], [choices.data]);
  const queues = useMemo(() => choices.data?.acdQueues ?? [], [choices.data]);
  const onChanged = () => void refetch();

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      {choices.error ? (
        <Alert type="warning" showIcon title={t("telephony.choicesUnavailable")} description={errorText(choices.error)} data-testid="telephony-choices-error" />
      ) : null}
      <Card
        title={t("menu.admin.telephony")}
        extra={
          <Button
            icon={<ReloadOutlined />}
            onClick={() => {
              void refetch();
              void choices.refetch();
              void music.refetch();
            }}
            aria-label={t("common.refresh")}
          />
        }
      >
        <Tabs
          activeKey={tab}
          onChange={(key) => setTab(key as TabKey)}
          items={[
            {
              key: "extensions",
              label: t("telephony.extensions"),
              children: (
                <ExtensionsTab
                  extensions={data?.extensions ?? []}
                  users={users}
                  loading={loading}
                  canAdmin={canAdmin}
                  tenantSlug={tenantSlug}
                  onChanged={onChanged}
                />
              ),
            },
            {
              key: "trunks",
              label: t("telephony.trunks"),
              children: <TrunksTab trunks={data?.trunks ?? []} loading={loading} canAdmin={canAdmin} onChanged={onChanged} />,
            },
            {
              key: "accessNumbers",
              label: t("telephony.accessNumbers"),
              children: (
                <AccessNumbersTab
                  accessNumbers={data?.accessNumbers ?? []}
                  queues={queues}
                  trunks={data?.trunks ?? []}
                  loading={loading}
                  canAdmin={canAdmin}
                  onChanged={onChanged}
                />
              ),
            },
            {
              key: "music",
              label: t("telephony.musicOnHold"),
              children: (
                <MusicTab
                  musicFiles={music.data?.musicFiles ?? []}
                  queues={choices.error ? null : queues}
                  loading={music.loading}
                  queuesLoading={choices.loading}
                  error={music.error}
                  canAdmin={canAdmin}
                  onChanged={() => void music.refetch()}
                />
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
