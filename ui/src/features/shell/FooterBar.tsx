/** Copyright, the public hotline number, the website and the clock, from the tenant's settings. */
import { GlobalOutlined, PhoneOutlined } from "@ant-design/icons";
import { Layout, Space, theme, Typography } from "antd";
import { useT } from "../../i18n";
import { safeHttpUrl } from "../../lib/urls";
import { Clock } from "./Clock";
import { useShell } from "./ShellContext";

export function FooterBar() {
  const t = useT();
  const { token } = theme.useToken();
  const { settings, tenant } = useShell();
  const owner = settings?.organisationName || tenant?.name || "";
  const website = safeHttpUrl(settings?.websiteUrl);
  const copyright = settings?.copyright || t("footer.copyright", { year: new Date().getFullYear(), owner });
  return (
    <Layout.Footer
      data-testid="footer"
      style={{
        display: "flex",
        flexWrap: "wrap",
        justifyContent: "space-between",
        gap: token.marginSM,
        paddingBlock: token.paddingSM,
        paddingInline: token.paddingLG,
      }}
    >
      <Typography.Text type="secondary">{copyright}</Typography.Text>
      <Space size="large" wrap>
        {settings?.hotlineNumber ? (
          <Typography.Text type="secondary">
            <PhoneOutlined /> {t("footer.hotline")}: <a href={`tel:${settings.hotlineNumber}`}>{settings.hotlineNumber}</a>
          </Typography.Text>
        ) : null}
        {website ? (
          <Typography.Link href={website} target="_blank" rel="noopener noreferrer">
            <GlobalOutlined /> {t("footer.website")}
          </Typography.Link>
        ) : null}
        <Typography.Text type="secondary">
          <Clock />
        </Typography.Text>
      </Space>
    </Layout.Footer>
  );
}
