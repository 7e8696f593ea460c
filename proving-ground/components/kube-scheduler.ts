import { securedComponentArgs } from './secured-component.ts';
import type { SecuredComponentConfig } from './secured-component.ts';

export type SchedulerConfig = SecuredComponentConfig;

export function schedulerArgs(config: SchedulerConfig): string[] {
  return ['kube-scheduler', ...securedComponentArgs(config)];
}
