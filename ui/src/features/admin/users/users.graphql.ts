export const USERS_QUERY = /* GraphQL */ `
  query Users($first: Int!, $after: String) {
    users(first: $first, after: $after) { id username displayName email roleIds orgUnitId lockedUntil createdAt }
  }
`;

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  roleIds: string[];
  orgUnitId: string | null;
  lockedUntil: string | null;
  createdAt: string;
}

export interface UsersData {
  users: UserRow[];
}

export const CREATE_USER_MUTATION = /* GraphQL */ `
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) { aggregateId duplicate }
  }
`;

export interface CreateUserVariables {
  input: {
    commandId: string;
    username: string;
    displayName: string;
    password: string;
    email: string | null;
    roleIds: string[];
    orgUnitId: string | null;
  };
}

export const UPDATE_USER_MUTATION = /* GraphQL */ `
  mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) { aggregateId duplicate }
  }
`;

export interface UpdateUserVariables {
  input: { commandId: string; userId: string; displayName: string; email: string | null; roleIds: string[]; orgUnitId: string | null };
}

export const UNLOCK_USER_MUTATION = /* GraphQL */ `
  mutation UnlockUser($userId: UUID!) {
    unlockUser(userId: $userId) { aggregateId }
  }
`;
