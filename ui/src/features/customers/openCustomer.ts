/**
 * "Open this customer on the Customers page" from elsewhere (the screen pop): the request
 * waits here until the page is there to take it, since the page's tab may not be open yet.
 */
import { useEffect, useRef } from "react";

export const CUSTOMERS_PATH = "/customers";

type Listener = (customerId: string) => void;

let waiting: string | null = null;
const listeners = new Set<Listener>();

export function requestOpenCustomer(customerId: string): void {
  if (listeners.size === 0) {
    waiting = customerId;
    return;
  }
  waiting = null;
  for (const listener of listeners) listener(customerId);
}

/** Calls `onOpen` with each request, and with the one that came before the page was there. */
export function useOpenCustomerRequests(onOpen: Listener): void {
  const latest = useRef(onOpen);
  useEffect(() => {
    latest.current = onOpen;
  }, [onOpen]);
  useEffect(() => {
    const listener: Listener = (customerId) => latest.current(customerId);
    listeners.add(listener);
    if (waiting) {
      const customerId = waiting;
      waiting = null;
      listener(customerId);
    }
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
