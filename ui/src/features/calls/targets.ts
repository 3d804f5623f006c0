/**
 * Whom a call may be transferred to, and whom the agent may consult (the agents), from the
 * queries this user may read: the chat desk's `transferTargets` (holders of `menu.desk`: the
 * queues and the other registered agents, with their presence), else the routing
 * administration's `acdQueues` and `acdAgents` (`acd.admin`). Neither: no targets, and the
 * softphone says so.
 */
import { useQuery } from "../../api/hooks";
import { TELEPHONY_CHOICES_QUERY, type TelephonyChoicesData } from "../admin/telephony/telephony.graphql";
import { TRANSFER_TARGETS_QUERY, type TransferTargetsData } from "../desk/desk.graphql";
import type { PresenceState } from "../desk/desk.graphql";
import type { GraphqlError } from "../../api/client";

export interface CallTargets {
  /** False when this user may read neither source. */
  available: boolean;
  loading: boolean;
  error: GraphqlError | undefined;
  agents: { id: string; name: string; presence: PresenceState | null }[];
  queues: { id: string; name: string }[];
}

export function useCallTargets(can: (permission: string) => boolean, selfId: string, open: boolean): CallTargets {
  const fromDesk = can("menu.desk");
  const fromAcd = !fromDesk && can("acd.admin");
  // Fresh each time the picker opens: presence changes all the time.
  const desk = useQuery<TransferTargetsData>(TRANSFER_TARGETS_QUERY, {}, { skip: !open || !fromDesk });
  const acd = useQuery<TelephonyChoicesData>(TELEPHONY_CHOICES_QUERY, {}, { skip: !open || !fromAcd });
  if (fromDesk) {
    const data = desk.data?.transferTargets;
    return {
      available: true,
      loading: desk.loading,
      error: desk.error,
      agents: (data?.agents ?? []).filter((agent) => agent.agentId !== selfId).map((agent) => ({ id: agent.agentId, name: agent.name, presence: agent.presence })),
      queues: data?.queues ?? [],
    };
  }
  if (fromAcd) {
    return {
      available: true,
      loading: acd.loading,
      error: acd.error,
      agents: (acd.data?.acdAgents ?? []).filter((agent) => agent.agentId !== selfId).map((agent) => ({ id: agent.agentId, name: agent.name || agent.username, presence: null })),
      queues: acd.data?.acdQueues ?? [],
    };
  }
  return { available: false, loading: false, error: undefined, agents: [], queues: [] };
}
