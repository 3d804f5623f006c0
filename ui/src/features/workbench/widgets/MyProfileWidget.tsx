/** Who I am: from `me` (loaded by the shell), my tenant, and since when I have an account.
 * Role names show when the user may list roles. */
import { Alert, Descriptions, Skeleton, Space, Tag } from "antd";
import { useErrorText } from "../../../api/errors";
import { useQuery } from "../../../api/hooks";
import { useI18n } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { roleLabel, useRoles } from "../../admin/shared/roles";
import { useShell } from "../../shell/ShellContext";
import { MY_PROFILE_QUERY, type MyProfileData } from "./myProfile.graphql";

export function MyProfileWidget() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const { me } = useShell();
  const { data, error, loading } = useQuery<MyProfileData>(MY_PROFILE_QUERY, { id: me.id });
  const roles = useRoles();
  if (loading && !data) return <Skeleton active paragraph={{ rows: 3 }} />;
  if (error) return <Alert type="error" showIcon title={errorText(error)} />;
  const roleNames = me.roleIds.flatMap((id) => {
    const role = roles.byId.get(id);
    return role ? [roleLabel(role, t)] : [];
  });
  return (
    <Descriptions column={1} size="small" data-testid="my-profile">
      <Descriptions.Item label={t("profile.displayName")}>{me.displayName}</Descriptions.Item>
      <Descriptions.Item label={t("profile.username")}>{me.username}</Descriptions.Item>
      <Descriptions.Item label={t("profile.tenant")}>
        {data?.tenant ? `${data.tenant.name} (${data.tenant.slug})` : ""}
      </Descriptions.Item>
      {roleNames.length > 0 ? (
        <Descriptions.Item label={t("profile.roles")}>
          <Space size={[0, 4]} wrap>
            {roleNames.map((name) => (
              <Tag key={name}>{name}</Tag>
            ))}
          </Space>
        </Descriptions.Item>
      ) : null}
      {data?.user ? (
        <Descriptions.Item label={t("profile.since")}>{formatDateTime(data.user.createdAt, locale)}</Descriptions.Item>
      ) : null}
    </Descriptions>
  );
}
