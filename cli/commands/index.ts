import type { CliCommand } from '../command';
import { audit } from './audit';
import { bindingCommands } from './bindings';
import { databaseCommands } from './database';
import { importCommand } from './import';
import { membershipCommands } from './memberships';
import { policyCommands } from './policies';
import { adopt, doctor, invite } from './pool';
import { create, list, members, setTier, show, statusCommands } from './tenant';

/** Every `tenants` command, in the order `--help` lists them. A new command is one more entry here. */
export const COMMANDS: readonly CliCommand[] = [
  create,
  show,
  list,
  setTier,
  ...statusCommands,
  ...bindingCommands,
  members,
  ...membershipCommands,
  audit,
  importCommand,
  invite,
  adopt,
  doctor,
  ...policyCommands,
  ...databaseCommands,
];
