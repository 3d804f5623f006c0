/**
 * "Open this ticket on the Tickets page" from elsewhere (a to-do, the desk): the request
 * waits here until the page is there to take it, since the page's tab may not be open yet.
 */
import { useEffect, useRef } from "react";

export const TICKETS_PATH = "/tickets";

type Listener = (ticketId: string) => void;

let waiting: string | null = null;
const listeners = new Set<Listener>();

export function requestOpenTicket(ticketId: string): void {
  if (listeners.size === 0) {
    waiting = ticketId;
    return;
  }
  waiting = null;
  for (const listener of listeners) listener(ticketId);
}

/** Calls `onOpen` with each request, and with the one that came before the page was there. */
export function useOpenTicketRequests(onOpen: Listener): void {
  const latest = useRef(onOpen);
  useEffect(() => {
    latest.current = onOpen;
  }, [onOpen]);
  useEffect(() => {
    const listener: Listener = (ticketId) => latest.current(ticketId);
    listeners.add(listener);
    if (waiting) {
      const ticketId = waiting;
      waiting = null;
      listener(ticketId);
    }
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
