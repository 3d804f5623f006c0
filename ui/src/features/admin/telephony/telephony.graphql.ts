/** The telephony page's documents: extensions (SIP accounts of phones), trunks (the carriers'
 * gateways), access numbers (the numbers callers dial, each to a queue) and the music waiting
 * and held callers hear. */

export interface Extension {
  id: string;
  number: string;
  displayName: string;
  userId: string | null;
  enabled: boolean;
  createdAt: string;
  /** A desk phone is registered for it now (the extensions list asks; mutations do not). */
  registered?: boolean;
}

/** An extension with its SIP password, which only this answer carries. */
export interface ProvisionedExtension {
  extension: Extension;
  password: string;
}

export type CarrierRegistrationState = "REGISTERING" | "REGISTERED" | "FAILED";

/** Where the registration with the carrier stands now (null: this node does not register it). */
export interface CarrierRegistrationStatus {
  state: CarrierRegistrationState;
  detail: string | null;
  since: string;
  expiresAt: string | null;
}

export interface TrunkRegistration {
  registrar: string;
  username: string;
  status?: CarrierRegistrationStatus | null;
}

export interface Trunk {
  id: string;
  name: string;
  /** IP addresses or CIDR blocks the trunk's calls come from. */
  peers: string[];
  outboundAddress: string | null;
  registration: TrunkRegistration | null;
}

export interface AccessNumber {
  number: string;
  queueId: string;
  /** Null: the number is taken on any trunk. */
  trunkId: string | null;
  description: string;
}

/** A music file for waiting and held callers. */
export interface MusicFile {
  id: string;
  name: string;
  durationMs: number;
  addedAt: string;
  /** The queues that play it (a queue no file names plays the built-in chime). */
  queueIds: string[];
  /** Where it plays from: `GET` with the session answers a WAV file. */
  url: string;
}

export interface ExtensionInput {
  number: string;
  displayName: string;
  userId: string | null;
}

export interface ExtensionChangeInput {
  displayName: string;
  userId: string | null;
  enabled: boolean;
}

export interface TrunkInput {
  name: string;
  peers: string[];
  outboundAddress: string | null;
  /** On a change, a null password keeps the current one. */
  registration: { registrar: string; username: string; password: string | null } | null;
}

export interface AccessNumberInput {
  number: string;
  queueId: string;
  trunkId: string | null;
  description: string;
}

export const TELEPHONY_QUERY = /* GraphQL */ `
  query Telephony {
    extensions { id number displayName userId enabled createdAt registered }
    trunks { id name peers outboundAddress registration { registrar username status { state detail since expiresAt } } }
    accessNumbers { number queueId trunkId description }
  }
`;

export interface TelephonyData {
  extensions: Extension[];
  trunks: Trunk[];
  accessNumbers: AccessNumber[];
}

/** The queues an access number leads to and the users an extension belongs to, from the
 * routing administration (`acd.admin`). */
export const TELEPHONY_CHOICES_QUERY = /* GraphQL */ `
  query TelephonyChoices {
    acdQueues { id name }
    acdAgents { agentId name username }
  }
`;

export interface TelephonyChoicesData {
  acdQueues: { id: string; name: string }[];
  acdAgents: { agentId: string; name: string; username: string }[];
}

export const PROVISION_EXTENSION_MUTATION = /* GraphQL */ `
  mutation ProvisionExtension($input: ExtensionInput!) {
    provisionExtension(input: $input) {
      extension { id number displayName userId enabled createdAt }
      password
    }
  }
`;

export const UPDATE_EXTENSION_MUTATION = /* GraphQL */ `
  mutation UpdateExtension($id: UUID!, $input: ExtensionChangeInput!) {
    updateExtension(id: $id, input: $input) { id number displayName userId enabled createdAt }
  }
`;

export const ROTATE_EXTENSION_PASSWORD_MUTATION = /* GraphQL */ `
  mutation RotateExtensionPassword($id: UUID!) {
    rotateExtensionPassword(id: $id) {
      extension { id number displayName userId enabled createdAt }
      password
    }
  }
`;

export const REMOVE_EXTENSION_MUTATION = /* GraphQL */ `
  mutation RemoveExtension($id: UUID!) {
    removeExtension(id: $id)
  }
`;

export const DEFINE_TRUNK_MUTATION = /* GraphQL */ `
  mutation DefineTrunk($input: TrunkInput!) {
    defineTrunk(input: $input) { id name peers outboundAddress registration { registrar username } }
  }
`;

export const UPDATE_TRUNK_MUTATION = /* GraphQL */ `
  mutation UpdateTrunk($id: UUID!, $input: TrunkInput!) {
    updateTrunk(id: $id, input: $input) { id name peers outboundAddress registration { registrar username } }
  }
`;

export const REMOVE_TRUNK_MUTATION = /* GraphQL */ `
  mutation RemoveTrunk($id: UUID!) {
    removeTrunk(id: $id)
  }
`;

export const ASSIGN_ACCESS_NUMBER_MUTATION = /* GraphQL */ `
  mutation AssignAccessNumber($input: AccessNumberInput!) {
    assignAccessNumber(input: $input) { number queueId trunkId description }
  }
`;

export const RELEASE_ACCESS_NUMBER_MUTATION = /* GraphQL */ `
  mutation ReleaseAccessNumber($number: String!) {
    releaseAccessNumber(number: $number)
  }
`;

/** Read apart from the other lists, so that the music tab's trouble leaves the others alone. */
export const MUSIC_FILES_QUERY = /* GraphQL */ `
  query MusicFiles {
    musicFiles { id name durationMs addedAt queueIds url }
  }
`;

export interface MusicFilesData {
  musicFiles: MusicFile[];
}

/** A null `musicId`: the built-in chime. */
export const SET_QUEUE_MUSIC_MUTATION = /* GraphQL */ `
  mutation SetQueueMusic($queueId: UUID!, $musicId: UUID) {
    setQueueMusic(queueId: $queueId, musicId: $musicId)
  }
`;

export const REMOVE_MUSIC_MUTATION = /* GraphQL */ `
  mutation RemoveMusic($id: UUID!) {
    removeMusic(id: $id)
  }
`;
