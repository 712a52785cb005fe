/**
 * Node's permission model (`node --permission`, stable from 22.13 and 23.5; `--experimental-permission` on 20)
 * refuses the inspector, worker threads and files unless the program is started with `--allow-...` options
 * (Node 22 has none for the inspector). tsprof never grants them itself: it asks which are missing, profiles
 * what it may, and the summary names the options.
 */
import { PERMISSION_OPTIONS, type AgentConfig, type PermissionOption } from './agent-protocol.cjs';

interface PermissionModel {
  has(scope: string, reference?: string): boolean;
}

/** What a process under the permission model lacks: options without which it is not profiled, or less well. */
export interface MissingPermissions {
  /** The permission model refuses the inspector, and this Node has no option to allow it (22). */
  inspectorRefused: boolean;
  /** Without these there is no profile: the inspector samples, and the session folder takes the chunks. */
  toProfile: PermissionOption[];
  /** Without `--allow-worker` there is no helper thread: the profile is written only when the process exits. */
  forHelper: PermissionOption[];
}

export function missingPermissions(config: AgentConfig): MissingPermissions {
  const model = (process as { permission?: PermissionModel }).permission;
  if (!model) return { inspectorRefused: false, toProfile: [], forHelper: [] };
  const [fsRead, fsWrite, inspector, worker] = PERMISSION_OPTIONS;
  const inspectorAllowable = process.allowedNodeEnvironmentFlags.has(inspector);
  const toProfile = [
    ...(model.has('fs.read', config.dir) ? [] : [fsRead]),
    ...(model.has('fs.write', config.dir) ? [] : [fsWrite]),
    ...(model.has('inspector') || !inspectorAllowable ? [] : [inspector]),
  ];
  return { inspectorRefused: !model.has('inspector') && !inspectorAllowable, toProfile, forHelper: model.has('worker') ? [] : [worker] };
}
