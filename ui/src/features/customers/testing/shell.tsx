/** For component tests: a page inside the providers and a shell that grants `permissions`. */
import { render } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import type { ReactNode } from "react";
import { I18nProvider } from "../../../i18n";
import { ShellContext, type ShellContextValue } from "../../shell/ShellContext";

export function shellValue(permissions: readonly string[], openTab: (path: string) => void = () => {}): ShellContextValue {
  return {
    session: { token: "t", tenantId: "t1", userId: "u1", username: "ann", permissions: [...permissions], expiresAt: "2099-01-01T00:00:00Z" },
    me: { id: "u1", tenantId: "t1", username: "ann", displayName: "Ann Lee", roleIds: [], orgUnitId: null, permissions: [...permissions] },
    tenant: { id: "t1", slug: "demo", name: "Demo" },
    settings: null,
    setSettings: () => {},
    access: { menus: [], widgetKeys: new Set(), permissions: new Set(permissions) },
    openTab,
  };
}

export function renderInShell(page: ReactNode, permissions: readonly string[], openTab?: (path: string) => void) {
  return render(
    <I18nProvider>
      <ConfigProvider>
        <AntApp>
          <ShellContext.Provider value={shellValue(permissions, openTab)}>{page}</ShellContext.Provider>
        </AntApp>
      </ConfigProvider>
    </I18nProvider>,
  );
}
