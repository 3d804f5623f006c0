/** React hooks over the client: `useQuery` loads on mount and on variable change. */
import { useCallback, useEffect, useRef, useState } from "react";
import { GraphqlError, request, type Variables } from "./client";

export interface QueryState<TData> {
  data: TData | undefined;
  error: GraphqlError | undefined;
  loading: boolean;
  refetch: () => Promise<void>;
}

export function useQuery<TData>(document: string, variables: Variables = {}, options: { skip?: boolean } = {}): QueryState<TData> {
  const [data, setData] = useState<TData>();
  const [error, setError] = useState<GraphqlError>();
  const [loading, setLoading] = useState(!options.skip);
  const variablesKey = JSON.stringify(variables);
  const latest = useRef(0);

  const run = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const result = await request<TData>(document, JSON.parse(variablesKey) as Variables);
      if (ticket !== latest.current) return;
      setData(result);
      setError(undefined);
    } catch (caught) {
      if (ticket !== latest.current) return;
      setError(caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught)));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [document, variablesKey]);

  useEffect(() => {
    if (options.skip) return;
    void run();
    return () => {
      // A response that arrives after unmount or a newer request is ignored.
      latest.current++;
    };
  }, [run, options.skip]);

  return { data, error, loading, refetch: run };
}

export interface MutationState<TData, TVariables extends object> {
  mutate: (variables: TVariables) => Promise<TData>;
  loading: boolean;
  error: GraphqlError | undefined;
  reset: () => void;
}

export function useMutation<TData, TVariables extends object = Variables>(
  document: string,
): MutationState<TData, TVariables> {
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<GraphqlError>();
  const mutate = useCallback(
    async (variables: TVariables) => {
      setLoading(true);
      setError(undefined);
      try {
        return await request<TData>(document, variables as Variables);
      } catch (caught) {
        const graphqlError = caught instanceof GraphqlError ? caught : new GraphqlError("internal", String(caught));
        setError(graphqlError);
        throw graphqlError;
      } finally {
        setLoading(false);
      }
    },
    [document],
  );
  return { mutate, loading, error, reset: () => setError(undefined) };
}
