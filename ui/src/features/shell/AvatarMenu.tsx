/** The personal menu behind the avatar: language, skin, menu position, password, log out. */
import {
  CheckOutlined,
  KeyOutlined,
  LayoutOutlined,
  LogoutOutlined,
  SkinOutlined,
  TranslationOutlined,
  UserOutlined,
} from "@ant-design/icons";
import { App, Avatar, Dropdown, type MenuProps, Space, theme, Typography } from "antd";
import { useErrorText } from "../../api/errors";
import { LOCALE_NAMES, LOCALES, useI18n } from "../../i18n";
import { useSkin } from "../../theme/SkinProvider";
import { SKIN_IDS, SKINS } from "../../theme/skins";
import { MENU_PLACEMENTS, type MenuPlacement } from "./layoutPreferences";
import { logout, logoutEverywhere } from "./logout";

interface Props {
  displayName: string;
  subtitle: string;
  textColor: string;
  menuPlacement: MenuPlacement;
  onMenuPlacement: (placement: MenuPlacement) => void;
  onChangePassword: () => void;
}

export function AvatarMenu({ displayName, subtitle, textColor, menuPlacement, onMenuPlacement, onChangePassword }: Props) {
  const { locale, setLocale, t } = useI18n();
  const { skin, setSkin } = useSkin();
  const { token } = theme.useToken();
  const { modal, message } = App.useApp();
  const errorText = useErrorText();
  const check = (selected: boolean) => (selected ? <CheckOutlined /> : <span style={{ display: "inline-block", width: 14 }} />);

  const items: MenuProps["items"] = [
    {
      key: "who",
      disabled: true,
      label: (
        <div>
          <Typography.Text strong>{displayName}</Typography.Text>
          <br />
          <Typography.Text type="secondary">{subtitle}</Typography.Text>
        </div>
      ),
    },
    { type: "divider" },
    {
      key: "language",
      icon: <TranslationOutlined />,
      label: t("shell.avatar.language"),
      children: LOCALES.map((id) => ({
        key: `language:${id}`,
        icon: check(id === locale),
        label: <span lang={id}>{LOCALE_NAMES[id]}</span>,
      })),
    },
    {
      key: "skin",
      icon: <SkinOutlined />,
      label: t("shell.avatar.skin"),
      children: SKIN_IDS.map((id) => ({
        key: `skin:${id}`,
        icon: check(id === skin.id),
        label: (
          <Space>
            <span
              aria-hidden
              style={{
                display: "inline-block",
                width: 12,
                height: 12,
                borderRadius: token.borderRadiusSM,
                background: SKINS[id].theme.token?.colorPrimary,
              }}
            />
            {t(SKINS[id].titleKey)}
          </Space>
        ),
      })),
    },
    {
      key: "menu",
      icon: <LayoutOutlined />,
      label: t("shell.avatar.menuPlacement"),
      children: MENU_PLACEMENTS.map((id) => ({
        key: `menu:${id}`,
        icon: check(id === menuPlacement),
        label: t(`shell.menuPlacement.${id}`),
      })),
    },
    { type: "divider" },
    { key: "password", icon: <KeyOutlined />, label: t("shell.avatar.changePassword") },
    { key: "logout", icon: <LogoutOutlined />, label: t("shell.avatar.logout") },
    { key: "logoutEverywhere", icon: <LogoutOutlined />, danger: true, label: t("shell.avatar.logoutEverywhere") },
  ];

  const onClick: MenuProps["onClick"] = ({ key }) => {
    const [kind, value] = key.split(":") as [string, string | undefined];
    if (kind === "language" && value) setLocale(value as (typeof LOCALES)[number]);
    else if (kind === "skin" && value) setSkin(value as (typeof SKIN_IDS)[number]);
    else if (kind === "menu" && value) onMenuPlacement(value as MenuPlacement);
    else if (kind === "password") onChangePassword();
    else if (kind === "logout") void logout();
    else if (kind === "logoutEverywhere") {
      modal.confirm({
        title: t("shell.avatar.logoutEverywhere"),
        content: t("shell.avatar.logoutEverywhereConfirm"),
        okText: t("shell.avatar.logoutEverywhere"),
        okButtonProps: { danger: true },
        cancelText: t("common.cancel"),
        onOk: () => logoutEverywhere().catch((error: unknown) => void message.error(errorText(error))),
      });
    }
  };

  return (
    <Dropdown menu={{ items, onClick }} trigger={["click"]} placement="bottomRight">
      <button
        type="button"
        data-testid="avatar-menu"
        aria-label={t("shell.avatar.title")}
        style={{
          display: "flex",
          alignItems: "center",
          gap: token.marginXS,
          background: "transparent",
          border: "none",
          cursor: "pointer",
          color: textColor,
          padding: 0,
          font: "inherit",
        }}
      >
        <Avatar size="small" icon={<UserOutlined />} style={{ background: token.colorPrimary }} />
        <span>{displayName}</span>
      </button>
    </Dropdown>
  );
}
