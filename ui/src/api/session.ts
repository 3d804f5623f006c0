/**
 * The log-in session: the bearer token and who it belongs to, kept in sessionStorage so a
 * reload keeps the user logged in but closing the browser tab logs them out.
 */

export interface Session {
  token: string;
  tenantId: string;
  userId: string;
  username: string;
  /** Every permission key the user held at log-in (the shell reloads them from `me`). */
  permissions: string[];
  /** RFC 3339. */
  expiresAt: string;
}

const STORAGE_KEY = "hotline.session";

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

function readStored(): Session | null {
  try {
    const text = sessionStorage.getItem(STORAGE_KEY);
    if (!text) return null;
    const session = JSON.parse(text) as Session;
    if (!session.token || Date.parse(session.expiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

let current: Session | null = readStored();

export function getSession(): Session | null {
  return current;
}

export function setSession(session: Session | null): void {
  current = session;
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
