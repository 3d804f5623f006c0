/**
 * "Put this into my reply" from the knowledge panel beside a conversation: the desk's chat
 * (the one conversation on screen) listens and adds the text to its reply box.
 */
import { useEffect, useRef } from "react";

type Listener = (text: string) => void;

const listeners = new Set<Listener>();

/** Adds `text` to the open reply box; false when no chat is there to take it. */
export function requestReplyInsert(text: string): boolean {
  for (const listener of listeners) listener(text);
  return listeners.size > 0;
}

/** Calls `onInsert` with each text the knowledge panel sends while the caller is mounted. */
export function useReplyInsertRequests(onInsert: Listener): void {
  const latest = useRef(onInsert);
  useEffect(() => {
    latest.current = onInsert;
  }, [onInsert]);
  useEffect(() => {
    const listener: Listener = (text) => latest.current(text);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
