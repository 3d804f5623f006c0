import { createContext, useContext } from "react";
import type { Session } from "../../api/session";
import type { Access } from "./access";
import type { Me, ShellData, TenantSettings } from "./shell.graphql";

export interface ShellContextValue {
  session: Session;
  me: Me;
  tenant: ShellData["tenant"];
  settings: TenantSettings | null;
  /** Shows new settings in the header and footer (after the settings page saved them). */
  setSettings: (settings: TenantSettings) => void;
  access: Access;
  /** Opens (or shows) the tab of a menu path. */
  openTab: (path: string) => void;
}

export const ShellContext = createContext<ShellContextValue | null>(null);

export function useShell(): ShellContextValue {
  const value = useContext(ShellContext);
  if (!value) throw new Error("useShell outside AppShell");
  return value;
}
