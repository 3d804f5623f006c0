/** The routing rules the server applies (domain/src/acd), checked here first, and the
 * conversions between the forms and the inputs. */
import type { ContactChannel } from "../../desk/desk.graphql";
import { CHANNELS } from "../../desk/presence";
import { isCleanText } from "../shared/validation";
import type { AcdAgent, AcdQueue, AcdQueueInput, RoutingStrategy, SetAgentRoutingVariables } from "./acd.graphql";

export const QUEUE_NAME_MAX = 120;
export const SKILL_MAX = 64;
export const SKILL_LEVEL_MIN = 1;
export const SKILL_LEVEL_MAX = 10;
export const CAPACITY_MAX = 20;
/** Offer, sticky-agent and overflow times: 1 second to 1 day. */
export const TIMEOUT_MIN_SECONDS = 1;
export const TIMEOUT_MAX_SECONDS = 86_400;
export const DEFAULT_OFFER_TIMEOUT_SECONDS = 20;

export const STRATEGIES: readonly RoutingStrategy[] = ["LONGEST_IDLE", "SKILL_LEVEL", "ROUND_ROBIN"];

export function isQueueName(name: string): boolean {
  return isCleanText(name, QUEUE_NAME_MAX);
}

export function isSkill(skill: string): boolean {
  return isCleanText(skill, SKILL_MAX);
}

export function isTimeout(seconds: number | null | undefined): boolean {
  return seconds == null || (Number.isInteger(seconds) && seconds >= TIMEOUT_MIN_SECONDS && seconds <= TIMEOUT_MAX_SECONDS);
}

export interface QueueValues {
  name: string;
  strategy: RoutingStrategy;
  requiredSkill?: string | null;
  minimumSkillLevel?: number | null;
  customerPriority: boolean;
  stickyAgentSeconds?: number | null;
  overflowAfterSeconds?: number | null;
  overflowQueueId?: string | null;
  offerTimeoutSeconds: number;
}

export const NEW_QUEUE: QueueValues = {
  name: "",
  strategy: "LONGEST_IDLE",
  requiredSkill: null,
  minimumSkillLevel: null,
  customerPriority: false,
  stickyAgentSeconds: null,
  overflowAfterSeconds: null,
  overflowQueueId: null,
  offerTimeoutSeconds: DEFAULT_OFFER_TIMEOUT_SECONDS,
};

export function queueValues(queue: AcdQueue): QueueValues {
  return {
    name: queue.name,
    strategy: queue.strategy,
    requiredSkill: queue.requiredSkill,
    minimumSkillLevel: queue.minimumSkillLevel,
    customerPriority: queue.customerPriority,
    stickyAgentSeconds: queue.stickyAgentSeconds,
    overflowAfterSeconds: queue.overflowAfterSeconds,
    overflowQueueId: queue.overflowQueueId,
    offerTimeoutSeconds: queue.offerTimeoutSeconds,
  };
}

/** The form as `AcdQueueInput`: empty means absent; a minimum level only with a skill. */
export function queueInput(values: QueueValues, id: string | null): AcdQueueInput {
  const skill = values.requiredSkill?.trim() || null;
  return {
    ...(id ? { id } : {}),
    name: values.name,
    strategy: values.strategy,
    requiredSkill: skill,
    minimumSkillLevel: skill ? (values.minimumSkillLevel ?? null) : null,
    customerPriority: values.customerPriority,
    stickyAgentSeconds: values.stickyAgentSeconds ?? null,
    overflowAfterSeconds: values.overflowQueueId ? (values.overflowAfterSeconds ?? null) : null,
    overflowQueueId: values.overflowAfterSeconds != null ? (values.overflowQueueId ?? null) : null,
    offerTimeoutSeconds: values.offerTimeoutSeconds,
  };
}

export interface RoutingValues {
  capacity: Record<ContactChannel, number>;
  skills: { skill: string; level: number }[];
  queueIds: string[];
}

export function routingValues(agent: AcdAgent): RoutingValues {
  const capacity = Object.fromEntries(CHANNELS.map((channel) => [channel, 0])) as Record<ContactChannel, number>;
  for (const entry of agent.capacity) capacity[entry.channel] = entry.capacity;
  return { capacity, skills: agent.skills.map((skill) => ({ ...skill })), queueIds: [...agent.queueIds] };
}

export function routingInput(agentId: string, values: RoutingValues): SetAgentRoutingVariables["input"] {
  return {
    agentId,
    capacity: CHANNELS.map((channel) => ({ channel, capacity: values.capacity?.[channel] ?? 0 })),
    skills: (values.skills ?? []).map((entry) => ({ skill: entry.skill.trim(), level: entry.level })),
    queueIds: values.queueIds ?? [],
  };
}

/** Skill names that appear twice (case-insensitive), which the server would merge or refuse. */
export function duplicateSkills(skills: readonly { skill: string }[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const { skill } of skills) {
    const key = skill.trim().toLowerCase();
    if (!key) continue;
    if (seen.has(key)) twice.add(key);
    seen.add(key);
  }
  return [...twice];
}
