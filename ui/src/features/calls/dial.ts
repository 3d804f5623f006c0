/**
 * Starting a call from anywhere in the app: `useDial()` gives pages a `dial(number)` that
 * hands the number to the softphone bar, which calls `dial` and shows the call (or the
 * error) as if the agent had typed the number into it. Null for users without the bar
 * (no `softphone` permission), so pages show no call button to them.
 */
import { useCallback, useContext } from "react";
import { ShellContext } from "../shell/ShellContext";

type DialListener = (number: string) => void;

let listener: DialListener | null = null;

/** The softphone bar takes the numbers asked for; returns the unsubscribe. One bar at a time. */
export function onDialRequest(next: DialListener): () => void {
  listener = next;
  return () => {
    if (listener === next) listener = null;
  };
}

/** Asks the softphone bar to call `number`; false when no bar is shown to take it. */
export function requestDial(number: string): boolean {
  if (!listener || !number.trim()) return false;
  listener(number.trim());
  return true;
}

/** `dial(number)` for holders of `softphone` (the bar is shown to them), else null. */
export function useDial(): ((number: string) => void) | null {
  const allowed = useContext(ShellContext)?.access.permissions.has("softphone") ?? false;
  const dial = useCallback((number: string) => void requestDial(number), []);
  return allowed ? dial : null;
}
