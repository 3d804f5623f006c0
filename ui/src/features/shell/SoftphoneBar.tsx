/**
 * The softphone bar's place under the header, shown to holders of the `softphone`
 * permission. The voice module fills it with `registerSoftphoneBar`; until then the bar is
 * empty (no pretend call controls).
 */
import { PhoneOutlined } from "@ant-design/icons";
import { theme, Typography } from "antd";
import type { ComponentType } from "react";
import { useT } from "../../i18n";

let softphoneComponent: ComponentType | null = null;

export function registerSoftphoneBar(component: ComponentType): void {
  softphoneComponent = component;
}

export function SoftphoneBar() {
  const t = useT();
  const { token } = theme.useToken();
  const Component = softphoneComponent;
  return (
    <div
      data-testid="softphone-slot"
      role="region"
      aria-label={t("softphone.title")}
      style={{
        display: "flex",
        alignItems: "center",
        gap: token.marginSM,
        minHeight: 40,
        paddingInline: token.paddingLG,
        background: token.colorBgContainer,
        borderBottom: `1px solid ${token.colorBorderSecondary}`,
      }}
    >
      <PhoneOutlined style={{ color: token.colorPrimary }} />
      <Typography.Text strong>{t("softphone.title")}</Typography.Text>
      {Component ? <Component /> : <Typography.Text type="secondary">{t("softphone.notConnected")}</Typography.Text>}
    </div>
  );
}
