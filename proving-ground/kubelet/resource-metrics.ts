// The kubelet's resource metrics endpoint (GET /metrics/resource): the Prometheus text that metrics-server
// scrapes from every node (its decoder: metrics-server pkg/scraper/client/resource/decode.go). Names, labels
// and units are the real kubelet's: cumulative CPU in core-seconds, working set in bytes, container start
// time in seconds since the epoch, and each sample carries its own timestamp in milliseconds, because
// metrics-server computes CPU rates from the difference of two samples' values over their timestamps.
// Pure: the readings come in, text goes out (reading the processes is process-usage.ts).

/** One container's usage at one instant. */
export interface ContainerUsage {
  namespace: string;
  pod: string;
  container: string;
  /** Cumulative CPU time of the container's processes, in core-seconds. */
  cpuSeconds: number;
  /** Working set of the container's processes, in bytes. */
  memoryBytes: number;
  /** When the container (this run of it) started, in seconds since the epoch. */
  startTimeSeconds: number;
}

export interface NodeUsageSample {
  /** When the readings were taken, in milliseconds since the epoch. */
  timestampMs: number;
  node: { cpuSeconds: number; memoryBytes: number };
  containers: ContainerUsage[];
  /** Whether some container could not be read (resource_scrape_error). */
  scrapeError: boolean;
}

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
}

const families = {
  containerCpu: { name: 'container_cpu_usage_seconds_total', type: 'counter', help: 'Cumulative cpu time consumed by the container in core-seconds' },
  containerMemory: { name: 'container_memory_working_set_bytes', type: 'gauge', help: 'Current working set of the container in bytes' },
  containerStart: { name: 'container_start_time_seconds', type: 'gauge', help: 'Start time of the container since unix epoch in seconds' },
  nodeCpu: { name: 'node_cpu_usage_seconds_total', type: 'counter', help: 'Cumulative cpu time consumed by the node in core-seconds' },
  nodeMemory: { name: 'node_memory_working_set_bytes', type: 'gauge', help: 'Current working set of the node in bytes' },
  podCpu: { name: 'pod_cpu_usage_seconds_total', type: 'counter', help: 'Cumulative cpu time consumed by the pod in core-seconds' },
  podMemory: { name: 'pod_memory_working_set_bytes', type: 'gauge', help: 'Current working set of the pod in bytes' },
  scrapeError: { name: 'resource_scrape_error', type: 'gauge', help: '1 if there was an error while getting container metrics, 0 otherwise' },
} as const satisfies Record<string, Family>;

/** The content type the kubelet answers with (Prometheus text exposition 0.0.4). */
export const RESOURCE_METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values escape backslash, double quote and newline (the text format's only escapes). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
    .join(',')}}`;
}

function block(family: Family, lines: string[]): string[] {
  return [`# HELP ${family.name} [STABLE] ${family.help}`, `# TYPE ${family.name} ${family.type}`, ...lines];
}

/** Sums containers into pods, in a stable order (namespace, then pod name). */
function podTotals(containers: ContainerUsage[]): { namespace: string; pod: string; cpuSeconds: number; memoryBytes: number }[] {
  const pods = new Map<string, { namespace: string; pod: string; cpuSeconds: number; memoryBytes: number }>();
  for (const usage of containers) {
    const key = `${usage.namespace}/${usage.pod}`;
    const total = pods.get(key) ?? { namespace: usage.namespace, pod: usage.pod, cpuSeconds: 0, memoryBytes: 0 };
    total.cpuSeconds += usage.cpuSeconds;
    total.memoryBytes += usage.memoryBytes;
    pods.set(key, total);
  }
  return [...pods.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
}

/** The /metrics/resource body for one node. */
export function renderResourceMetrics(sample: NodeUsageSample): string {
  const at = String(Math.round(sample.timestampMs));
  const containers = [...sample.containers].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod) || a.container.localeCompare(b.container),
  );
  const containerLabels = (usage: ContainerUsage): string => labels({ container: usage.container, namespace: usage.namespace, pod: usage.pod });
  const pods = podTotals(containers);
  const podLabels = (pod: { namespace: string; pod: string }): string => labels({ namespace: pod.namespace, pod: pod.pod });
  const lines = [
    ...block(families.containerCpu, containers.map((usage) => `${families.containerCpu.name}${containerLabels(usage)} ${usage.cpuSeconds} ${at}`)),
    ...block(families.containerMemory, containers.map((usage) => `${families.containerMemory.name}${containerLabels(usage)} ${usage.memoryBytes} ${at}`)),
    ...block(families.containerStart, containers.map((usage) => `${families.containerStart.name}${containerLabels(usage)} ${usage.startTimeSeconds} ${at}`)),
    ...block(families.nodeCpu, [`${families.nodeCpu.name} ${sample.node.cpuSeconds} ${at}`]),
    ...block(families.nodeMemory, [`${families.nodeMemory.name} ${sample.node.memoryBytes} ${at}`]),
    ...block(families.podCpu, pods.map((pod) => `${families.podCpu.name}${podLabels(pod)} ${pod.cpuSeconds} ${at}`)),
    ...block(families.podMemory, pods.map((pod) => `${families.podMemory.name}${podLabels(pod)} ${pod.memoryBytes} ${at}`)),
    ...block(families.scrapeError, [`${families.scrapeError.name} ${sample.scrapeError ? 1 : 0}`]),
  ];
  return `${lines.join('\n')}\n`;
}
