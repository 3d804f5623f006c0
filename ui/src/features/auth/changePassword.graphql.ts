export const CHANGE_PASSWORD_MUTATION = /* GraphQL */ `
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) { commandId duplicate }
  }
`;

export interface ChangePasswordVariables {
  input: { commandId: string; userId: string; currentPassword: string; newPassword: string };
}
