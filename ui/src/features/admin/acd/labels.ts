import type { MessageKey } from "../../../i18n";
import type { RoutingStrategy } from "./acd.graphql";

export const STRATEGY_KEYS: Record<RoutingStrategy, MessageKey> = {
  LONGEST_IDLE: "acd.strategy.longestIdle",
  SKILL_LEVEL: "acd.strategy.skillLevel",
  ROUND_ROBIN: "acd.strategy.roundRobin",
};
