/** The supervisor's live view: the board once, then a fresh board after each change. */
import type { AgentPresence, ChannelCapacity, QueueRef } from "../desk/desk.graphql";

export interface LiveQueue {
  queue: QueueRef;
  waiting: number;
  offered: number;
  longestWaitSeconds: number;
  agentsAvailable: number;
  agentsLoggedIn: number;
  answeredToday: number;
  abandonedToday: number;
  /** 0..1, null before the first answered chat of the day. */
  serviceLevel: number | null;
}

export interface LiveAgent {
  agentId: string;
  name: string;
  presence: AgentPresence;
  load: ChannelCapacity[];
}

export interface LiveBoard {
  queues: LiveQueue[];
  agents: LiveAgent[];
  at: string;
}

export const LIVE_BOARD_QUERY = /* GraphQL */ `
  query LiveBoard {
    liveBoard {
      queues {
        queue { id name } waiting offered longestWaitSeconds agentsAvailable agentsLoggedIn
        answeredToday abandonedToday serviceLevel
      }
      agents { agentId name presence { state reason since } load { channel capacity load } }
      at
    }
  }
`;

export const LIVE_BOARD_SUBSCRIPTION = /* GraphQL */ `
  subscription LiveBoardUpdates {
    liveBoard {
      queues {
        queue { id name } waiting offered longestWaitSeconds agentsAvailable agentsLoggedIn
        answeredToday abandonedToday serviceLevel
      }
      agents { agentId name presence { state reason since } load { channel capacity load } }
      at
    }
  }
`;

export interface LiveBoardData {
  liveBoard: LiveBoard;
}
