export const MY_PROFILE_QUERY = /* GraphQL */ `
  query MyProfile($id: UUID!) {
    user(id: $id) { id createdAt }
    tenant { name slug }
  }
`;

export interface MyProfileData {
  user: { id: string; createdAt: string } | null;
  tenant: { name: string; slug: string } | null;
}
