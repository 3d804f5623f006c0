/** The permissions of the logged-in user, for pages that may also be shown outside the
 * shell (the screen pop in the desk's tests): without a shell, nothing is allowed. */
import { useContext } from "react";
import { ShellContext } from "../shell/ShellContext";

export function usePermission(): (key: string) => boolean {
  const shell = useContext(ShellContext);
  return (key) => shell?.access.permissions.has(key) ?? false;
}

/** Opens a menu path's tab; a no-op outside the shell. */
export function useOpenTab(): ((path: string) => void) | null {
  return useContext(ShellContext)?.openTab ?? null;
}
