/** The projection forks page's documents: the forks, the projections to fork, forking and dropping. */

export interface ProjectionFork {
  projection: string;
  name: string;
  /** `<table>__fork_<name>`. */
  tables: string[];
  /** The bound it was built to: a position or a time; both null for a fork made by the CLI. */
  toPosition: number | null;
  toTime: string | null;
  /** The last position applied. */
  position: number | null;
  events: number | null;
  createdAt: string | null;
}

export interface ProjectionStatus {
  name: string;
  position: number;
  head: number;
  lag: number;
}

export const PROJECTION_FORKS_QUERY = /* GraphQL */ `
  query ProjectionForks {
    projectionForks { projection name tables toPosition toTime position events createdAt }
    projections { name position head lag }
  }
`;

export interface ProjectionForksData {
  projectionForks: ProjectionFork[];
  projections: ProjectionStatus[];
}

export const FORK_PROJECTION_MUTATION = /* GraphQL */ `
  mutation ForkProjection($projection: String!, $name: String!, $toPosition: Int, $toTime: DateTime) {
    forkProjection(projection: $projection, name: $name, toPosition: $toPosition, toTime: $toTime) {
      projection name tables events position
    }
  }
`;

export interface ForkProjectionVariables {
  projection: string;
  name: string;
  toPosition?: number;
  toTime?: string;
}

export interface ForkResult {
  projection: string;
  name: string;
  tables: string[];
  events: number;
  position: number;
}

export const DROP_PROJECTION_FORK_MUTATION = /* GraphQL */ `
  mutation DropProjectionFork($projection: String!, $name: String!) {
    dropProjectionFork(projection: $projection, name: $name) { projection name tables }
  }
`;
