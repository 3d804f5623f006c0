/**
 * Agents' display names for the call log, from the first source this user may read: the
 * routing administration's `acdAgents` (`acd.admin`), the users (`menu.admin.users`), or the
 * chat desk's transfer targets (`menu.desk`: the other registered agents); and always the
 * signed-in user. An agent none of them names is shown by a short id. `skip` asks nothing
 * (the softphone bar names agents only during a consultation).
 */
import { useMemo } from "react";
import { useQuery } from "../../api/hooks";
import { TELEPHONY_CHOICES_QUERY, type TelephonyChoicesData } from "../admin/telephony/telephony.graphql";
import { TRANSFER_TARGETS_QUERY, type TransferTargetsData } from "../desk/desk.graphql";
import { CALL_USERS_QUERY, type CallUsersData } from "./calls.graphql";
import { shortId } from "./format";

export function useAgentNames(
  can: (permission: string) => boolean,
  me: { id: string; displayName: string } | null,
  options: { skip?: boolean } = {},
): Map<string, string> {
  const skip = options.skip ?? false;
  const fromAcd = can("acd.admin");
  const fromUsers = !fromAcd && can("menu.admin.users");
  const fromDesk = !fromAcd && !fromUsers && can("menu.desk");
  const acd = useQuery<TelephonyChoicesData>(TELEPHONY_CHOICES_QUERY, {}, { skip: skip || !fromAcd });
  const users = useQuery<CallUsersData>(CALL_USERS_QUERY, { first: 500 }, { skip: skip || !fromUsers });
  const desk = useQuery<TransferTargetsData>(TRANSFER_TARGETS_QUERY, {}, { skip: skip || !fromDesk });
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const agent of acd.data?.acdAgents ?? []) names.set(agent.agentId, agent.name || agent.username);
    for (const user of users.data?.users ?? []) names.set(user.id, user.displayName);
    for (const agent of desk.data?.transferTargets.agents ?? []) names.set(agent.agentId, agent.name);
    if (me) names.set(me.id, me.displayName);
    return names;
  }, [acd.data, users.data, desk.data, me]);
}

/** An agent's name from `useAgentNames`, else their short id. */
export function agentLabel(names: Map<string, string>, id: string): string {
  return names.get(id) ?? shortId(id);
}
