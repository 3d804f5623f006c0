/**
 * The caller's desk (`myDesk`): loaded once, then again whenever `reload` is called (on desk
 * events). A burst of events makes at most one request in flight and one after it.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { GraphqlError, request } from "../../api/client";
import { type AgentDesk, MY_DESK_QUERY, type MyDeskData } from "./desk.graphql";

export interface DeskState {
  desk: AgentDesk | undefined;
  error: GraphqlError | undefined;
  loading: boolean;
  reload: () => void;
  /** A desk a mutation answered with. */
  replace: (desk: AgentDesk) => void;
}

export function useDesk(): DeskState {
  const [desk, setDesk] = useState<AgentDesk>();
  const [error, setError] = useState<GraphqlError>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const inFlight = useRef(false);
  const again = useRef(false);
  const mounted = useRef(true);

  const load = useCallback(async () => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      do {
        again.current = false;
        const ticket = ++generation.current;
        try {
          const data = await request<MyDeskData>(MY_DESK_QUERY);
          if (!mounted.current || ticket !== generation.current) continue;
          setDesk(data.myDesk);
          setError(undefined);
        } catch (caught) {
          if (!mounted.current || ticket !== generation.current) continue;
          setError(caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught)));
        }
      } while (again.current && mounted.current);
    } finally {
      inFlight.current = false;
      if (mounted.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    mounted.current = true;
    void load();
    return () => {
      mounted.current = false;
    };
  }, [load]);

  const reload = useCallback(() => void load(), [load]);
  const replace = useCallback((next: AgentDesk) => {
    // An answer to a request sent before this one is older: it is dropped.
    generation.current++;
    setDesk(next);
    setError(undefined);
  }, []);

  return { desk, error, loading, reload, replace };
}
