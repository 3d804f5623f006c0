/**
 * The SP1 frame around every page: header (logo, name, reminders, avatar), the softphone
 * slot, the menu (left with a lock, or on top), the tabs bar with one tab per opened menu
 * entry (the workbench first, never closable), and the footer.
 */
import { LockOutlined, MenuFoldOutlined, MenuUnfoldOutlined, UnlockOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Layout, Spin, Tabs, theme, Tooltip } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useErrorText } from "../../api/errors";
import type { Session } from "../../api/session";
import { findPage, WORKBENCH_PATH } from "../../app/pages";
import { PageBoundary } from "../../app/PageBoundary";
import { useT } from "../../i18n";
import { safeHttpUrl } from "../../lib/urls";
import { usePreference } from "../../preferences/storage";
import { useSkin } from "../../theme/SkinProvider";
import { ChangePasswordModal } from "../auth/ChangePasswordModal";
import { loadShell, menuLeaves } from "./access";
import { AvatarMenu } from "./AvatarMenu";
import { FooterBar } from "./FooterBar";
import { HeaderBar, useHeaderTextColor } from "./HeaderBar";
import { menuCollapsedPreference, menuLockedPreference, menuPlacementPreference } from "./layoutPreferences";
import { NavigationMenu } from "./NavigationMenu";
import { Reminders } from "./Reminders";
import { ShellContext, type ShellContextValue } from "./ShellContext";
import type { MenuItem } from "./shell.graphql";
import { SoftphoneBar } from "./SoftphoneBar";

type Loaded = Omit<ShellContextValue, "openTab" | "setSettings">;

type LoadState = { status: "loading" } | { status: "failed"; error: unknown } | { status: "ready"; value: Loaded };


interface Tab {
  path: string;
  titleKey: string;
}

const WORKBENCH_TAB: Tab = { path: WORKBENCH_PATH, titleKey: "menu.workbench" };

export function AppShell({ session }: { session: Session }) {
  const t = useT();
  const errorText = useErrorText();
  const [state, setState] = useState<LoadState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    setState({ status: "loading" });
    loadShell().then(
      (value) => current && setState({ status: "ready", value: { ...value, session } }),
      (error: unknown) => current && setState({ status: "failed", error }),
    );
    return () => {
      current = false;
    };
  }, [session, attempt]);

  if (state.status === "loading") {
    return <Spin size="large" fullscreen description={t("common.loading")} />;
  }
  if (state.status === "failed") {
    return (
      <div style={{ maxWidth: 560, margin: "15vh auto", padding: 24 }}>
        <Alert
          type="warning"
          showIcon
          title={t("shell.loadFailed")}
          description={errorText(state.error)}
          action={<Button onClick={() => setAttempt((count) => count + 1)}>{t("common.retry")}</Button>}
        />
      </div>
    );
  }
  return <ShellFrame loaded={state.value} />;
}

function ShellFrame({ loaded }: { loaded: Loaded }) {
  const t = useT();
  const { token } = theme.useToken();
  const { skin } = useSkin();
  const headerText = useHeaderTextColor();
  const [placement, setPlacement] = usePreference(menuPlacementPreference);
  const [collapsed, setCollapsed] = usePreference(menuCollapsedPreference);
  const [locked, setLocked] = usePreference(menuLockedPreference);
  const [changingPassword, setChangingPassword] = useState(false);
  // The settings page updates the header and footer as soon as it saves.
  const [settings, setSettings] = useState(loaded.settings);

  const leaves = useMemo(() => menuLeaves(loaded.access.menus), [loaded.access.menus]);
  const [tabs, setTabs] = useState<Tab[]>(() => {
    const opened = leaves.find((leaf) => leaf.path === window.location.pathname && leaf.path !== WORKBENCH_PATH);
    return opened ? [WORKBENCH_TAB, { path: opened.path, titleKey: opened.titleKey }] : [WORKBENCH_TAB];
  });
  const [activePath, setActivePath] = useState(() => tabs[tabs.length - 1]!.path);

  // The address bar follows the active tab, so a reload comes back to it.
  useEffect(() => {
    if (window.location.pathname !== activePath) window.history.replaceState(null, "", activePath);
  }, [activePath]);

  const openTab = useCallback(
    (path: string) => {
      const leaf: MenuItem | undefined = leaves.find((item) => item.path === path);
      setTabs((open) => {
        if (open.some((tab) => tab.path === path)) return open;
        return [...open, { path, titleKey: leaf?.titleKey ?? path }];
      });
      setActivePath(path);
    },
    [leaves],
  );

  const closeTab = (path: string) => {
    if (path === WORKBENCH_PATH) return;
    const index = tabs.findIndex((tab) => tab.path === path);
    const remaining = tabs.filter((tab) => tab.path !== path);
    setTabs(remaining);
    if (path === activePath) setActivePath(remaining[Math.max(0, index - 1)]!.path);
  };

  const context: ShellContextValue = useMemo(() => ({ ...loaded, settings, setSettings, openTab }), [loaded, settings, openTab]);
  const organisationName = settings?.organisationName || loaded.tenant?.name || "Hotline";
  const logoUrl = safeHttpUrl(settings?.logoUrl) ?? "/logo.svg";
  const showSoftphone = loaded.access.permissions.has("softphone");

  const menu = (
    <NavigationMenu
      menus={loaded.access.menus}
      mode={placement === "top" ? "horizontal" : "inline"}
      theme={placement === "top" ? skin.chrome.header : skin.chrome.menu}
      activePath={activePath}
      onOpen={openTab}
    />
  );

  return (
    <ShellContext.Provider value={context}>
      <Layout style={{ minHeight: "100vh" }}>
        <HeaderBar
          organisationName={organisationName}
          logoUrl={logoUrl}
          menu={placement === "top" ? menu : undefined}
          reminders={<Reminders color={headerText} />}
          avatar={
            <AvatarMenu
              displayName={loaded.me.displayName}
              subtitle={`${loaded.me.username} · ${loaded.tenant?.slug ?? ""}`}
              textColor={headerText}
              menuPlacement={placement}
              onMenuPlacement={setPlacement}
              onChangePassword={() => setChangingPassword(true)}
            />
          }
        />
        {showSoftphone ? <SoftphoneBar /> : null}
        <Layout>
          {placement === "left" ? (
            <Layout.Sider
              data-testid="side-menu"
              collapsible
              collapsed={collapsed}
              trigger={null}
              breakpoint="lg"
              onBreakpoint={(narrow) => {
                if (!locked) setCollapsed(narrow);
              }}
              width={224}
              theme={skin.chrome.menu}
            >
              <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
                <div style={{ flex: 1, overflowY: "auto" }}>{menu}</div>
                <div
                  style={{
                    display: "flex",
                    justifyContent: collapsed ? "center" : "space-between",
                    flexDirection: collapsed ? "column" : "row",
                    alignItems: "center",
                    padding: token.paddingXS,
                  }}
                >
                  <Tooltip title={t(collapsed ? "shell.menu.expand" : "shell.menu.collapse")} placement="right">
                    <Button
                      type="text"
                      data-testid="menu-collapse"
                      aria-label={t(collapsed ? "shell.menu.expand" : "shell.menu.collapse")}
                      disabled={locked}
                      style={{ color: skin.chrome.menu === "dark" ? token.colorTextLightSolid : undefined }}
                      icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
                      onClick={() => setCollapsed(!collapsed)}
                    />
                  </Tooltip>
                  <Tooltip title={t(locked ? "shell.menu.unlock" : "shell.menu.lock")} placement="right">
                    <Button
                      type="text"
                      data-testid="menu-lock"
                      aria-pressed={locked}
                      aria-label={t(locked ? "shell.menu.unlock" : "shell.menu.lock")}
                      style={{ color: skin.chrome.menu === "dark" ? token.colorTextLightSolid : undefined }}
                      icon={locked ? <LockOutlined /> : <UnlockOutlined />}
                      onClick={() => setLocked(!locked)}
                    />
                  </Tooltip>
                </div>
              </div>
            </Layout.Sider>
          ) : null}
          <Layout>
            <Layout.Content style={{ padding: token.paddingSM, paddingBottom: 0 }}>
              <Tabs
                data-testid="tabs"
                type="editable-card"
                hideAdd
                activeKey={activePath}
                onChange={setActivePath}
                onEdit={(target, action) => {
                  if (action === "remove" && typeof target === "string") closeTab(target);
                }}
                items={tabs.map((tab) => {
                  const Page = findPage(tab.path)?.component ?? PageNotReady;
                  return {
                    key: tab.path,
                    label: t(tab.titleKey),
                    closable: tab.path !== WORKBENCH_PATH,
                    children: (
                      <PageBoundary>
                        <Page />
                      </PageBoundary>
                    ),
                  };
                })}
              />
            </Layout.Content>
            <FooterBar />
          </Layout>
        </Layout>
      </Layout>
      <ChangePasswordModal userId={loaded.me.id} open={changingPassword} onClose={() => setChangingPassword(false)} />
    </ShellContext.Provider>
  );
}

/** A menu entry whose page this build does not have yet. */
function PageNotReady() {
  const t = useT();
  return (
    <Empty
      style={{ marginBlock: 48 }}
      description={
        <>
          {t("shell.page.notReady")}
          <br />
          {t("shell.page.notReadyHint")}
        </>
      }
    />
  );
}
