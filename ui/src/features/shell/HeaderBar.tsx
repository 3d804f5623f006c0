/** The top bar: logo and organisation name, the menu when it sits on top, reminders, avatar. */
import { Layout, theme } from "antd";
import type { ReactNode } from "react";
import { useSkin } from "../../theme/SkinProvider";

interface Props {
  organisationName: string;
  logoUrl: string;
  menu?: ReactNode;
  reminders: ReactNode;
  avatar: ReactNode;
}

export function useHeaderTextColor(): string {
  const { skin } = useSkin();
  const { token } = theme.useToken();
  return skin.chrome.header === "dark" ? token.colorTextLightSolid : token.colorText;
}

export function HeaderBar({ organisationName, logoUrl, menu, reminders, avatar }: Props) {
  const { token } = theme.useToken();
  const textColor = useHeaderTextColor();
  return (
    <Layout.Header
      style={{
        display: "flex",
        alignItems: "center",
        gap: token.marginLG,
        paddingInline: token.paddingLG,
        position: "sticky",
        top: 0,
        zIndex: 10,
        borderBottom: `1px solid ${token.colorBorderSecondary}`,
      }}
    >
      <div style={{ display: "flex", alignItems: "center", gap: token.marginSM, flex: "none" }}>
        <img src={logoUrl} alt="" width={32} height={32} />
        <span
          data-testid="organisation-name"
          style={{ color: textColor, fontSize: token.fontSizeLG, fontWeight: token.fontWeightStrong, whiteSpace: "nowrap" }}
        >
          {organisationName}
        </span>
      </div>
      <div style={{ flex: 1, minWidth: 0, display: "flex" }}>{menu}</div>
      <div style={{ display: "flex", alignItems: "center", gap: token.marginMD, flex: "none" }}>
        {reminders}
        {avatar}
      </div>
    </Layout.Header>
  );
}
