/**
 * A `.container` unit (Podman Quadlet's convention): [Container] Image=, Exec=, Environment=,
 * Volume=, Network=, ContainerName=, PublishPort=; [Service] Restart= and TimeoutStopSec=.
 */
import type { UnitFile } from '../unit/unit-file.js';
import { parseUnitName } from '../unit/unit-name.js';
import { splitWords } from '../unit/words.js';
import type { RestartPolicy } from './restart-policy.js';
import {
  DEFAULT_TIMEOUT_STOP_MS,
  environmentOf,
  lastOption,
  RuntimeConfigError,
  restartOf,
  sectionOptions,
  timeSpan,
} from './service-config.js';

export type ContainerNetwork = 'host' | 'none';

export interface ContainerConfig {
  readonly image: string;
  /** Command (and arguments) run in the image; empty: the image's default. */
  readonly exec: readonly string[];
  readonly environment: readonly (readonly [string, string])[];
  /** `host-path:container-path[:options]` binds. */
  readonly volumes: readonly string[];
  readonly network: ContainerNetwork;
  /** Quadlet's default: `systemd-%N` (characters Docker refuses, like `@`, become `_`). */
  readonly containerName: string;
  /** PublishPort= values; meaningless with host networking, reported so callers can warn. */
  readonly ignoredPublishPorts: readonly string[];
  readonly restart: RestartPolicy;
  readonly timeoutStopMs: number;
}

export function parseContainerConfig(unitName: string, file: UnitFile): ContainerConfig {
  const image = lastOption(file, 'Container', 'Image');
  if (!image) throw new RuntimeConfigError('[Container] has no Image=');
  const network = lastOption(file, 'Container', 'Network');
  const net = network?.value ?? 'host';
  if (net !== 'host' && net !== 'none') {
    throw new RuntimeConfigError(`unsupported Network=${net} (supported: host, none)`, network?.line);
  }
  const exec = lastOption(file, 'Container', 'Exec');
  const volumes = sectionOptions(file, 'Container', 'Volume').map((o) => {
    if (!o.value.includes(':'))
      throw new RuntimeConfigError(`Volume=${o.value}: want host-path:container-path`, o.line);
    return o.value;
  });
  return {
    image: image.value,
    exec: exec ? splitWords(exec.value) : [],
    environment: environmentOf(sectionOptions(file, 'Container', 'Environment')),
    volumes,
    network: net,
    containerName:
      lastOption(file, 'Container', 'ContainerName')?.value ??
      `systemd-${parseUnitName(unitName).name}`.replace(/[^a-zA-Z0-9_.-]/g, '_'),
    ignoredPublishPorts: sectionOptions(file, 'Container', 'PublishPort').map((o) => o.value),
    restart: restartOf(file, 'Service'),
    timeoutStopMs: timeSpan(lastOption(file, 'Service', 'TimeoutStopSec'), DEFAULT_TIMEOUT_STOP_MS),
  };
}
