import { describe, expect, it } from "vitest";
import type { AcdAgent } from "./acd.graphql";
import { duplicateSkills, isTimeout, NEW_QUEUE, queueInput, routingInput, routingValues } from "./rules";

describe("routing rules", () => {
  it("send a minimum level only with a skill, and overflow only with both its parts", () => {
    expect(queueInput({ ...NEW_QUEUE, name: "Sales", requiredSkill: " ", minimumSkillLevel: 3, overflowAfterSeconds: 60 }, null)).toEqual({
      name: "Sales",
      strategy: "LONGEST_IDLE",
      requiredSkill: null,
      minimumSkillLevel: null,
      customerPriority: false,
      stickyAgentSeconds: null,
      overflowAfterSeconds: null,
      overflowQueueId: null,
      offerTimeoutSeconds: 20,
    });
    expect(queueInput({ ...NEW_QUEUE, name: "Sales", requiredSkill: "billing", minimumSkillLevel: 3, overflowAfterSeconds: 60, overflowQueueId: "q2" }, "q1")).toMatchObject({
      id: "q1",
      requiredSkill: "billing",
      minimumSkillLevel: 3,
      overflowAfterSeconds: 60,
      overflowQueueId: "q2",
    });
  });

  it("check times of 1 second to 1 day", () => {
    expect(isTimeout(null)).toBe(true);
    expect(isTimeout(1)).toBe(true);
    expect(isTimeout(86_400)).toBe(true);
    expect(isTimeout(0)).toBe(false);
    expect(isTimeout(86_401)).toBe(false);
    expect(isTimeout(1.5)).toBe(false);
  });

  it("give every channel a capacity and find a skill named twice", () => {
    const agent: AcdAgent = {
      agentId: "a1",
      name: "Ann",
      username: "ann",
      registered: true,
      presence: { state: "OFFLINE", reason: null, since: null },
      capacity: [{ channel: "CHAT", capacity: 3, load: 0 }],
      skills: [{ skill: "billing", level: 7 }],
      queueIds: ["q1"],
    };
    const input = routingInput("a1", routingValues(agent));
    expect(input.capacity).toEqual([
      { channel: "CHAT", capacity: 3 },
      { channel: "VOICE", capacity: 0 },
      { channel: "EMAIL", capacity: 0 },
      { channel: "MESSAGING", capacity: 0 },
    ]);
    expect(input.skills).toEqual([{ skill: "billing", level: 7 }]);
    expect(duplicateSkills([{ skill: "Billing" }, { skill: "billing " }, { skill: "sales" }])).toEqual(["billing"]);
  });
});
