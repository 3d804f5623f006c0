/** Routing administration: queues and each agent's capacity, skills and queues. */
import type { AgentPresence, ChannelCapacity, ContactChannel } from "../../desk/desk.graphql";

export type RoutingStrategy = "LONGEST_IDLE" | "SKILL_LEVEL" | "ROUND_ROBIN";

export interface AcdQueue {
  id: string;
  name: string;
  strategy: RoutingStrategy;
  requiredSkill: string | null;
  minimumSkillLevel: number | null;
  customerPriority: boolean;
  stickyAgentSeconds: number | null;
  overflowAfterSeconds: number | null;
  overflowQueueId: string | null;
  offerTimeoutSeconds: number;
}

export interface AcdAgent {
  agentId: string;
  name: string;
  username: string;
  registered: boolean;
  presence: AgentPresence;
  capacity: ChannelCapacity[];
  skills: { skill: string; level: number }[];
  queueIds: string[];
}

export const ACD_PAGE_QUERY = /* GraphQL */ `
  query AcdPage {
    acdQueues {
      id name strategy requiredSkill minimumSkillLevel customerPriority
      stickyAgentSeconds overflowAfterSeconds overflowQueueId offerTimeoutSeconds
    }
    acdAgents {
      agentId name username registered
      presence { state reason since }
      capacity { channel capacity load }
      skills { skill level }
      queueIds
    }
  }
`;

export interface AcdPageData {
  acdQueues: AcdQueue[];
  acdAgents: AcdAgent[];
}

export const DEFINE_ACD_QUEUE_MUTATION = /* GraphQL */ `
  mutation DefineAcdQueue($commandId: UUID, $input: AcdQueueInput!) {
    defineAcdQueue(commandId: $commandId, input: $input) { id name }
  }
`;

export interface AcdQueueInput {
  /** Absent for a new queue. */
  id?: string;
  name: string;
  strategy: RoutingStrategy;
  requiredSkill: string | null;
  minimumSkillLevel: number | null;
  customerPriority: boolean;
  stickyAgentSeconds: number | null;
  overflowAfterSeconds: number | null;
  overflowQueueId: string | null;
  offerTimeoutSeconds: number;
}

export interface DefineAcdQueueVariables {
  commandId: string;
  input: AcdQueueInput;
}

export const SET_AGENT_ROUTING_MUTATION = /* GraphQL */ `
  mutation SetAgentRouting($commandId: UUID, $input: AgentRoutingInput!) {
    setAgentRouting(commandId: $commandId, input: $input) { agentId }
  }
`;

export interface SetAgentRoutingVariables {
  commandId: string;
  input: {
    agentId: string;
    capacity: { channel: ContactChannel; capacity: number }[];
    skills: { skill: string; level: number }[];
    queueIds: string[];
  };
}
